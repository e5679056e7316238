package hub_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/testtool"
)

// The keep-alive tests send each valid request straight after a refused
// one, on the same connection, with the HTTP clients integrators use: Go's
// net/http, Python's http.client and curl. Every valid request must be
// taken, and the client must not have had to open another connection.

// keepAliveBatches is how many valid batches each client sends, each one
// after a refusal; keepAliveAckRounds rounds of acknowledgements follow,
// each acknowledging maxActiveAlerts fresh alerts.
const (
	keepAliveBatches   = 1000
	keepAliveAckRounds = 8
	maxActiveAlerts    = 16
)

// httpStep is one request of a client's run.
type httpStep struct {
	Name  string `json:"name"`
	Path  string `json:"path"` // /v1/events or /v1/acks
	Token string `json:"token"`
	Body  string `json:"body"`
	Want  int    `json:"want"`
	// WantText must appear in the answer's body.
	WantText string `json:"want_text,omitempty"`
}

// httpAnswer is what a client got for a step.
type httpAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// keepAliveClient runs steps in order on one keep-alive connection if it
// can, and says how many connections it opened meanwhile (a client kept
// from an earlier run may open none).
type keepAliveClient func(t *testing.T, base string, steps []httpStep) (answers []httpAnswer, connects int)

func TestKeepAliveSurvivesRefusals(t *testing.T) {
	for _, c := range []struct {
		name   string
		client func(t *testing.T) keepAliveClient
	}{
		{"go net/http", goClient},
		{"python http.client", pythonClient},
		{"curl", curlClient},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := c.client(t)
			t.Run("events", func(t *testing.T) {
				s := hubtest.Start(t, nil)
				base := "http://" + serveLimited(t, s)
				check(t, base, ingestSteps(t, s), run)
				s.WaitSeq(t, keepAliveBatches)
				if _, seq, _ := s.Hub.Snapshot(); seq != keepAliveBatches {
					t.Fatalf("the log holds %d events, want the %d valid ones alone", seq, keepAliveBatches)
				}
			})
			t.Run("acks", func(t *testing.T) {
				s := hubtest.Start(t, nil)
				base := "http://" + serveLimited(t, s)
				for round := 0; round < keepAliveAckRounds; round++ {
					check(t, base, ackSteps(t, s, round), run)
				}
			})
		})
	}
}

// check runs steps with run and requires every answer, and one connection.
func check(t *testing.T, base string, steps []httpStep, run keepAliveClient) {
	t.Helper()
	answers, connects := run(t, base, steps)
	if len(answers) != len(steps) {
		t.Fatalf("%d answers to %d requests", len(answers), len(steps))
	}
	failed := 0
	for i, a := range answers {
		st := steps[i]
		if a.Status != st.Want || !strings.Contains(a.Body, st.WantText) {
			if failed++; failed <= 3 {
				prev := ""
				if i > 0 {
					prev = " (after " + steps[i-1].Name + ")"
				}
				t.Errorf("request %d, %s%s: %d %s, want %d with %q", i, st.Name, prev, a.Status, strings.TrimSpace(a.Body), st.Want, st.WantText)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d answers wrong", failed, len(steps))
	}
	if connects > 1 {
		t.Fatalf("the client opened %d connections for %d requests, want at most 1: a refusal ended or spoiled the keep-alive connection", connects, len(steps))
	}
}

// ingestSteps: each valid batch after a refusal, alternately one the hub
// reads in full (an invalid event: 400) and one it refuses before reading
// the body (a wrong token: 401).
func ingestSteps(t *testing.T, s *hubtest.Server) []httpStep {
	bad := hubtest.Events(s.Cfg, "refused", 0, 3)
	bad[1].District = "nowhere"
	refusals := []httpStep{
		{Name: "an invalid event", Path: "/v1/events", Token: hubtest.IngestToken, Body: jsonText(t, bad), Want: http.StatusBadRequest, WantText: "nowhere"},
		{Name: "a wrong token", Path: "/v1/events", Token: "not-the-token", Body: jsonText(t, hubtest.Events(s.Cfg, "unauthorised", 0, 2)), Want: http.StatusUnauthorized},
	}
	steps := make([]httpStep, 0, 2*keepAliveBatches)
	for i := 0; i < keepAliveBatches; i++ {
		steps = append(steps, refusals[i%len(refusals)], httpStep{
			Name: fmt.Sprintf("valid batch %d", i), Path: "/v1/events", Token: hubtest.IngestToken,
			Body: jsonText(t, hubtest.Events(s.Cfg, "ka", i, 1)), Want: http.StatusAccepted, WantText: `"accepted":1`,
		})
	}
	return steps
}

// ackSteps raises maxActiveAlerts fresh alerts (folded before the client
// starts), then acknowledges each straight after a refused ack.
func ackSteps(t *testing.T, s *hubtest.Server, round int) []httpStep {
	alerts := make([]feed.Event, maxActiveAlerts)
	at := s.Cfg.Start().Add(24 * time.Hour)
	for i := range alerts {
		n := round*maxActiveAlerts + i
		alerts[i] = hubtest.Homicide(fmt.Sprintf("ka-alert-%d", n), s.Cfg.Districts[n%len(s.Cfg.Districts)].ID, at.Add(time.Duration(n)*time.Minute))
	}
	res := hubtest.Post(t, s.URL, alerts)
	s.WaitSeq(t, res.LastSeq)
	refusals := []httpStep{
		{Name: "an ack without ids", Path: "/v1/acks", Token: hubtest.ReadToken, Body: `{"alerts":[],"by":"川汇值班台"}`, Want: http.StatusBadRequest, WantText: "no alert ids"},
		{Name: "an ack with a wrong token", Path: "/v1/acks", Token: "not-the-token", Body: `{"alerts":["x"],"by":"川汇值班台"}`, Want: http.StatusUnauthorized},
	}
	var steps []httpStep
	for i, a := range alerts {
		steps = append(steps, refusals[i%len(refusals)], httpStep{
			Name: "ack of " + a.ID, Path: "/v1/acks", Token: hubtest.ReadToken,
			Body: `{"alerts":["` + a.ID + `"],"by":"川汇值班台"}`, Want: http.StatusOK, WantText: `"status":"acknowledged"`,
		})
	}
	return steps
}

func jsonText(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goClient is net/http's client with one connection, counting its dials
// across every run of a test.
func goClient(t *testing.T) keepAliveClient {
	var dials atomic.Int32
	tr := &http.Transport{
		MaxIdleConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	return func(t *testing.T, base string, steps []httpStep) ([]httpAnswer, int) {
		dials.Store(0)
		var out []httpAnswer
		for _, st := range steps {
			req, _ := http.NewRequest(http.MethodPost, base+st.Path, strings.NewReader(st.Body))
			req.Header.Set("Authorization", "Bearer "+st.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", st.Name, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s: %v", st.Name, err)
			}
			out = append(out, httpAnswer{resp.StatusCode, string(b)})
		}
		return out, int(dials.Load())
	}
}

// pythonKeepAlive runs the steps in a JSON file with http.client's
// HTTPConnection, which reconnects by itself when the server closes; it
// counts its connects.
const pythonKeepAlive = `
import http.client, json, sys, urllib.parse
base, plan = sys.argv[1], sys.argv[2]
u = urllib.parse.urlsplit(base)
connects = 0
class Counting(http.client.HTTPConnection):
    def connect(self):
        global connects
        connects += 1
        super().connect()
conn = Counting(u.hostname, u.port, timeout=30)
out = []
for st in json.load(open(plan, encoding="utf-8")):
    body = st["body"].encode("utf-8")
    conn.request("POST", st["path"], body=body, headers={
        "Authorization": "Bearer " + st["token"], "Content-Type": "application/json"})
    r = conn.getresponse()
    out.append({"status": r.status, "body": r.read().decode("utf-8")})
conn.close()
json.dump({"answers": out, "connects": connects}, sys.stdout)
`

func pythonClient(t *testing.T) keepAliveClient {
	py := testtool.Need(t, "python3", "python3")
	return func(t *testing.T, base string, steps []httpStep) ([]httpAnswer, int) {
		dir := t.TempDir()
		plan := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(plan, []byte(jsonText(t, steps)), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(py, "-c", pythonKeepAlive, base, plan)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("python3: %v\n%s", err, stderr.Bytes())
		}
		var res struct {
			Answers  []httpAnswer `json:"answers"`
			Connects int          `json:"connects"`
		}
		if err := json.Unmarshal(stdout, &res); err != nil {
			t.Fatalf("python3 printed %q: %v", stdout, err)
		}
		return res.Answers, res.Connects
	}
}

// curlClient sends every step in one curl invocation (a config file with
// "next" between the requests), which reuses its connection between them;
// -w prints each transfer's status and new connects.
func curlClient(t *testing.T) keepAliveClient {
	curl := testtool.Need(t, "curl", "curl")
	return func(t *testing.T, base string, steps []httpStep) ([]httpAnswer, int) {
		dir := t.TempDir()
		var cfg strings.Builder
		for i, st := range steps {
			body := filepath.Join(dir, fmt.Sprintf("body-%d", i))
			if err := os.WriteFile(body, []byte(st.Body), 0o600); err != nil {
				t.Fatal(err)
			}
			if i > 0 {
				cfg.WriteString("next\n")
			}
			fmt.Fprintf(&cfg, "url = %q\nrequest = \"POST\"\nheader = %q\nheader = \"Content-Type: application/json\"\ndata-binary = \"@%s\"\noutput = \"%s\"\nwrite-out = \"%%{http_code} %%{num_connects}\\n\"\n",
				base+st.Path, "Authorization: Bearer "+st.Token, body, filepath.Join(dir, fmt.Sprintf("answer-%d", i)))
		}
		cfgPath := filepath.Join(dir, "curl.cfg")
		if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(curl, "--silent", "--show-error", "--config", cfgPath)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("curl: %v\n%s", err, stderr.Bytes())
		}
		var out []httpAnswer
		connects := 0
		sc := bufio.NewScanner(bytes.NewReader(stdout))
		for i := 0; sc.Scan(); i++ {
			code, n, ok := strings.Cut(sc.Text(), " ")
			status, err1 := strconv.Atoi(code)
			c, err2 := strconv.Atoi(n)
			if !ok || err1 != nil || err2 != nil {
				t.Fatalf("curl -w printed %q", sc.Text())
			}
			connects += c
			body, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("answer-%d", i)))
			out = append(out, httpAnswer{status, string(body)})
		}
		return out, connects
	}
}

// TestCancelledRequestStoresNothing: a request whose context is already
// cancelled (its connection broke) is answered 503 saying nothing was
// stored, and nothing is: the next batch takes seq 1, and the alert whose
// acknowledgement was cancelled is still there to acknowledge.
func TestCancelledRequestStoresNothing(t *testing.T) {
	s := hubtest.Start(t, nil)
	alert := hubtest.Homicide("cancel-alert", s.Cfg.Districts[0].ID, s.Cfg.Start().Add(time.Hour))
	seq := hubtest.Post(t, s.URL, []feed.Event{alert}).LastSeq
	s.WaitSeq(t, seq)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		path, token, body string
	}{
		{"/v1/events", hubtest.IngestToken, jsonText(t, hubtest.Events(s.Cfg, "cancelled", 0, 3))},
		{"/v1/acks", hubtest.ReadToken, `{"alerts":["cancel-alert"],"by":"川汇值班台"}`},
	} {
		req := httptest.NewRequestWithContext(cancelled, http.MethodPost, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.Hub.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "nothing was stored") {
			t.Fatalf("%s under a cancelled context: %d %s, want 503 saying nothing was stored", c.path, rec.Code, rec.Body)
		}
	}
	res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "after", 0, 1))
	if res.FirstSeq != seq+1 {
		t.Fatalf("the next batch took seq %d, want %d: the cancelled request stored something", res.FirstSeq, seq+1)
	}
	code, body, err := hubtest.PostAcks(s.URL, hubtest.ReadToken, []byte(`{"alerts":["cancel-alert"],"by":"川汇值班台"}`))
	if err != nil || code != http.StatusOK || !strings.Contains(string(body), `"status":"acknowledged"`) {
		t.Fatalf("acknowledging after the cancelled ack: %d %s %v, want it acknowledged now", code, body, err)
	}
}

// TestFailedStoreSaysWhatWasStored: a batch the log takes only part of is
// answered 503 with the events that were stored and their seqs, so the
// client knows what a retry will find as duplicates.
func TestFailedStoreSaysWhatWasStored(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "before", 0, 3))
	if err := hub.CapLog(s.Hub, 5); err != nil {
		t.Fatal(err)
	}
	code, body, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", []byte(jsonText(t, hubtest.Events(s.Cfg, "partial", 0, 10))))
	if err != nil {
		t.Fatal(err)
	}
	var eb hub.ErrorBody
	_ = json.Unmarshal(body, &eb)
	if code != http.StatusServiceUnavailable || eb.Stored == nil || eb.Stored.Accepted != 2 || eb.Stored.FirstSeq != 4 || eb.Stored.LastSeq != 5 || eb.Unconfirmed != 0 ||
		!strings.Contains(eb.Error, "after 2 of the request's events were stored (seq 4-5)") || !strings.Contains(eb.Error, "retry the same batch") {
		t.Fatalf("a batch stored in part: %d %s; want 503 saying 2 were stored at seq 4-5, and to retry", code, body)
	}
}
