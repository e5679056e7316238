package hub_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/buildinfo"
)

func getWith(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestSetTokens: new tokens take over at once (the old ones are refused),
// are checked as at start, and a refused token is logged, rate-limited.
func TestSetTokens(t *testing.T) {
	var logs syncBuffer
	s := hubtest.Start(t, func(o *hub.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	snap := s.URL + "/v1/snapshot"
	if code := getWith(t, snap, hubtest.ReadToken); code != http.StatusOK {
		t.Fatalf("old read token: %d", code)
	}
	if err := s.Hub.SetTokens("new-ingest-token", "new-read-token"); err != nil {
		t.Fatal(err)
	}
	if code := getWith(t, snap, hubtest.ReadToken); code != http.StatusUnauthorized {
		t.Errorf("the replaced read token still reads: %d", code)
	}
	if code := getWith(t, snap, "new-read-token"); code != http.StatusOK {
		t.Errorf("the new read token: %d", code)
	}
	if code, _, _ := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", []byte("[]")); code != http.StatusUnauthorized {
		t.Errorf("the replaced ingest token still posts: %d", code)
	}
	if code, body, _ := hubtest.PostRaw(s.URL, "new-ingest-token", "application/json", []byte("[]")); code == http.StatusUnauthorized {
		t.Errorf("the new ingest token is refused: %d %s", code, body)
	}
	for _, bad := range [][2]string{{"same-token", "same-token"}, {"", "r"}, {"i", ""}} {
		if err := s.Hub.SetTokens(bad[0], bad[1]); err == nil {
			t.Errorf("SetTokens(%q, %q) was taken", bad[0], bad[1])
		}
	}
	if code := getWith(t, snap, "new-read-token"); code != http.StatusOK {
		t.Errorf("a refused SetTokens changed the tokens: %d", code)
	}
	// Many refusals make one line per kind, with the source.
	for i := 0; i < 50; i++ {
		hubtest.PostRaw(s.URL, "wrong", "application/json", []byte("[]"))
		getWith(t, snap, "")
	}
	got := logs.String()
	if n := strings.Count(got, "refused a request with a wrong ingest token"); n != 1 {
		t.Errorf("%d lines for 51 wrong ingest tokens, want 1:\n%s", n, got)
	}
	// The replaced read token above was the first refusal of its kind.
	if n := strings.Count(got, "read token\""); n != 1 || !strings.Contains(got, "remote=127.0.0.1:") || !strings.Contains(got, "path=/v1/snapshot") {
		t.Errorf("%d lines for 51 refused read tokens, want 1 naming the remote and path:\n%s", n, got)
	}
	if strings.Contains(got, "new-read-token") || strings.Contains(got, "wrong\"") {
		t.Errorf("a token reached the log:\n%s", got)
	}
}

// TestBuildInfoExported: /healthz and /metrics say which build answers.
func TestBuildInfoExported(t *testing.T) {
	s := hubtest.Start(t, nil)
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Build buildinfo.Info `json:"build"`
	}
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health.Build != buildinfo.Get() || health.Build.GoVersion == "" {
		t.Errorf("/healthz build = %+v, want %+v", health.Build, buildinfo.Get())
	}
	resp, err = http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b := buildinfo.Get()
	want := `sitboard_build_info{goversion="` + b.GoVersion + `",revision="` + b.Revision + `",version="` + b.Version + `"} 1`
	if !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// TestBoardsComingAndGoingAreLogged: each board's connection and its end
// are logged with its address, and a storm of them is held to a burst.
func TestBoardsComingAndGoingAreLogged(t *testing.T) {
	var logs syncBuffer
	s := hubtest.Start(t, func(o *hub.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	for i := 0; i < 60; i++ {
		c, _, err := websocket.DefaultDialer.Dial(s.WS+"?token="+hubtest.ReadToken, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.WriteJSON(map[string]any{"type": "hello"})
		var m map[string]any
		if err := c.ReadJSON(&m); err != nil { // the snapshot: the board is in
			t.Fatal(err)
		}
		c.Close()
	}
	for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), "board disconnected") < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the boards' ends are not logged:\n%s", logs.String())
		}
	}
	got := logs.String()
	if n := strings.Count(got, "board connected"); n < 20 || n > 25 {
		t.Errorf("%d 'board connected' lines for 60 boards, want the burst of 20 (and a few refilled):\n%s", n, got)
	}
	if !strings.Contains(got, `msg="board connected" remote=127.0.0.1:`) || !strings.Contains(got, "from=snapshot") || !strings.Contains(got, "connected_for=") {
		t.Errorf("a board's lines lack its address, start or duration:\n%s", got)
	}
}
