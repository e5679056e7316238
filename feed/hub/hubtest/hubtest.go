// Package hubtest runs a real hub on loopback for tests in any package:
// embedded JetStream (memory store unless DataDir is set), real HTTP and a
// real websocket. It also makes valid events for the Zhoukou campaign.
package hubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub"
)

// Tokens used by Start.
const (
	IngestToken = "test-ingest-token"
	ReadToken   = "test-read-token"
)

// Server is a running hub behind an httptest server.
type Server struct {
	Hub  *hub.Hub
	HTTP *httptest.Server
	URL  string // http://127.0.0.1:PORT
	WS   string // ws://127.0.0.1:PORT/v1/stream
	Cfg  *campaign.Config
}

// Start runs a hub for the Zhoukou campaign; mutate may change its options.
// It is closed when the test ends.
func Start(t testing.TB, mutate func(*hub.Options)) *Server {
	t.Helper()
	cfg := Campaign(t)
	opts := hub.Options{Campaign: cfg, IngestToken: IngestToken, ReadToken: ReadToken}
	if mutate != nil {
		mutate(&opts)
	}
	h, err := hub.New(opts)
	if err != nil {
		t.Fatalf("start hub: %v", err)
	}
	srv := httptest.NewServer(h.Handler())
	s := &Server{Hub: h, HTTP: srv, URL: srv.URL, WS: "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/stream", Cfg: cfg}
	t.Cleanup(s.Close)
	return s
}

// Campaign loads the Zhoukou config from the source tree. It reads the file
// rather than importing package demo, so feed tests do not depend on the
// demo generator's code.
// A nil t (outside a test, e.g. a helper process) panics on failure.
func Campaign(t testing.TB) *campaign.Config {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "demo", "zhoukou-2023.toml")
	cfg, err := campaign.LoadConfig(path)
	if err != nil {
		if t == nil {
			panic(err)
		}
		t.Fatalf("load campaign: %v", err)
	}
	return cfg
}

// Close stops the hub, then the HTTP server (websockets are hijacked, so
// the hub must close them itself).
func (s *Server) Close() {
	_ = s.Hub.Close()
	s.HTTP.Close()
}

// PostRaw sends a body to POST /v1/events and returns the status and body.
func PostRaw(url, token, contentType string, body []byte) (int, []byte, error) {
	return post(url+"/v1/events", token, contentType, body)
}

func post(url, token, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Post ingests events as a JSON array and requires a 202.
func Post(t testing.TB, url string, events []feed.Event) hub.IngestResult {
	t.Helper()
	res, err := TryPost(url, events)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TryPost ingests events as a JSON array; an answer other than 202 is an error.
func TryPost(url string, events []feed.Event) (hub.IngestResult, error) {
	body, err := json.Marshal(events)
	if err != nil {
		return hub.IngestResult{}, err
	}
	code, b, err := PostRaw(url, IngestToken, "application/json", body)
	if err != nil {
		return hub.IngestResult{}, err
	}
	if code != http.StatusAccepted {
		return hub.IngestResult{}, fmt.Errorf("POST /v1/events: %d %s", code, b)
	}
	var res hub.IngestResult
	err = json.Unmarshal(b, &res)
	return res, err
}

// WaitSeq waits until the hub has folded seq, for as long as the fold
// makes progress (it fails after 10s without any).
func (s *Server) WaitSeq(t testing.TB, seq uint64) {
	t.Helper()
	last := s.Hub.Seq()
	deadline := time.Now().Add(10 * time.Second)
	for cur := last; cur < seq; cur = s.Hub.Seq() {
		if cur != last {
			last, deadline = cur, time.Now().Add(10*time.Second)
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub folded %d, want %d", cur, seq)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Snapshot fetches GET /v1/snapshot.
func Snapshot(t testing.TB, url string) hub.SnapshotBody {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/snapshot", nil)
	req.Header.Set("Authorization", "Bearer "+ReadToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/snapshot: %s", resp.Status)
	}
	var sb hub.SnapshotBody
	if err := json.NewDecoder(resp.Body).Decode(&sb); err != nil {
		t.Fatal(err)
	}
	return sb
}

// Events makes n valid events with ids prefix-from .. prefix-(from+n-1): a
// deterministic mix of alarms, cases, inspections and shift reports spread
// over the campaign's districts and days.
func Events(cfg *campaign.Config, prefix string, from, n int) []feed.Event {
	out := make([]feed.Event, 0, n)
	start := cfg.Start().Add(8 * time.Hour)
	for i := from; i < from+n; i++ {
		d := cfg.Districts[i%len(cfg.Districts)].ID
		at := start.Add(time.Duration(i) * 37 * time.Second)
		ev := feed.Event{ID: fmt.Sprintf("%s-%d", prefix, i), At: at, District: d}
		alarm := fmt.Sprintf("%s-a%d", prefix, i/3)
		switch i % 7 {
		case 0, 1:
			ev.Type, ev.Data = feed.TypeAlarmReceived, js(feed.AlarmReceived{AlarmID: alarm, Category: feed.AlarmCategories[i%4], Priority: 1 + i%3, Summary: "某某路口报警 测试"})
		case 2:
			ev.Type, ev.Data = feed.TypeAlarmClosed, js(feed.AlarmClosed{AlarmID: alarm, Category: feed.AlarmCategories[i%4]})
		case 3:
			ev.Type, ev.Data = feed.TypeCaseFiled, js(feed.CaseFiled{CaseID: fmt.Sprintf("%s-c%d", prefix, i), Category: feed.CaseTheft, Kind: feed.KindCriminal})
		case 4:
			ev.Type, ev.Data = feed.TypeCaseSolved, js(feed.CaseSolved{CaseID: fmt.Sprintf("%s-c%d", prefix, i-1), Category: feed.CaseTheft, Kind: feed.KindCriminal})
		case 5:
			ev.Type, ev.Data = feed.TypeInspection, js(feed.Inspection{UnitType: feed.UnitTypes[i%len(feed.UnitTypes)], Found: 3, Rectified: 2})
		case 6:
			ev.Type, ev.Data = feed.TypeShiftReport, js(feed.ShiftReport{Duty: feed.DutyArea, Officers: 12, Vehicles: 3, PersonsChecked: 40})
		}
		out = append(out, ev)
	}
	return out
}

func js(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// PostAcks sends a body to POST /v1/acks with token and returns the status
// and body.
func PostAcks(url, token string, body []byte) (int, []byte, error) {
	return post(url+"/v1/acks", token, "application/json", body)
}

// Homicide is a case.filed that raises the campaign's homicide alert; the
// alert's id is the event's id.
func Homicide(id, district string, at time.Time) feed.Event {
	return feed.Event{ID: id, Type: feed.TypeCaseFiled, At: at, District: district,
		Data: js(feed.CaseFiled{CaseID: "case-" + id, Category: feed.CaseHomicide, Kind: feed.KindCriminal, Summary: "某某村发生命案"})}
}

// PostDirective sends a body to POST /v1/directives/kind (issue, sign,
// report) with token and returns the status and body.
func PostDirective(url, kind, token string, body []byte) (int, []byte, error) {
	return post(url+"/v1/directives/"+kind, token, "application/json", body)
}

// Get reads url with token (a GET) and returns the status and body.
func Get(url, token string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
