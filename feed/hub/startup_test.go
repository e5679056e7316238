package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed/client"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// fileLog makes a file-store log holding n events and returns its options.
func fileLog(t *testing.T, n int) hub.Options {
	t.Helper()
	opts := hub.Options{Campaign: hubtest.Campaign(t), DataDir: t.TempDir(), Sync: "1s", IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken}
	h, err := hub.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	for i := 0; i < n; i += 1000 {
		hubtest.Post(t, srv.URL, hubtest.Events(opts.Campaign, "start", i, min(1000, n-i)))
	}
	srv.Close()
	h.Close()
	return opts
}

// waitFolded waits until h has folded seq, for as long as it moves.
func waitFolded(t *testing.T, h *hub.Hub, seq uint64) {
	t.Helper()
	last, deadline := h.Seq(), time.Now().Add(10*time.Second)
	for cur := last; cur < seq; cur = h.Seq() {
		if cur != last {
			last, deadline = cur, time.Now().Add(10*time.Second)
		}
		if time.Now().After(deadline) {
			t.Fatalf("folded %d, want %d", cur, seq)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestHubAnswersWhileStarting: a hub started with Start answers while its
// start-up fold runs: /healthz 503 "starting" with the fold's progress,
// ingest, snapshot and reports 503 with Retry-After and the progress, the
// websocket 503 before the upgrade (a board shows why and retries), and
// /metrics. Once the fold has caught up it serves, and the board's first
// state is the whole one. Before, the hub held its port through the fold
// (New, then listen), so /healthz and boards hung.
func TestHubAnswersWhileStarting(t *testing.T) {
	const n, part = 600, 200
	opts := fileLog(t, n)
	g := newGatedLog()
	g.reader = true
	g.let(part)
	t.Cleanup(func() { g.let(-1) })
	hub.WrapStream(&opts, func(st jetstream.Stream) jetstream.Stream { g.Stream = st; return g })
	h, err := hub.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	waitFolded(t, h, part)
	g.waitHeld(t)

	code, body := healthOf(t, srv.URL)
	reason, _ := body["reason"].(string)
	if code != http.StatusServiceUnavailable || body["status"] != "starting" || body["seq"] != float64(part) || body["log_head_seq"] != float64(n) || !strings.Contains(reason, "seq 200 of 600") {
		t.Errorf("/healthz while starting: %d %v", code, body)
	}
	refused := func(method, path, token string, body io.Reader) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p hub.FoldProgress
		err = json.NewDecoder(resp.Body).Decode(&p)
		if secs, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusServiceUnavailable || secs < 1 || err != nil {
			t.Errorf("%s %s while starting: %d, Retry-After %q (%v)", method, path, resp.StatusCode, resp.Header.Get("Retry-After"), err)
		}
		if p.Fold != "start-up" || p.Seq != part || p.Of != n || !strings.Contains(p.Error, "seq 200 of 600") {
			t.Errorf("%s %s while starting: %+v", method, path, p)
		}
	}
	refused(http.MethodPost, "/v1/events", hubtest.IngestToken, strings.NewReader("[]"))
	refused(http.MethodGet, "/v1/snapshot", hubtest.ReadToken, nil)
	refused(http.MethodGet, "/v1/reports?period=campaign", hubtest.ReadToken, nil)
	if got := metric(t, srv.URL, "sitboard_fold_seq"); got != "200" {
		t.Errorf("/metrics while starting: sitboard_fold_seq %s, want 200", got)
	}
	ws := "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/stream"
	hdr := http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}}
	if c, resp, err := websocket.DefaultDialer.Dial(ws, hdr); err == nil {
		c.Close()
		t.Error("the websocket was upgraded while the hub starts")
	} else if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("websocket while starting: %v %v", resp, err)
	}

	// A real board: it says why it waits, retries, and its first state is
	// the hub's whole one.
	var (
		mu     sync.Mutex
		seqs   []uint64
		waitOn error
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = client.Run(ctx, client.Options{URL: ws, Token: hubtest.ReadToken, Campaign: opts.Campaign, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
			func(b client.Batch) {
				mu.Lock()
				defer mu.Unlock()
				if b.State != nil {
					seqs = append(seqs, b.State.Seq)
				}
				if b.Conn.Err != nil && waitOn == nil {
					waitOn = b.Conn.Err
				}
			})
	}()
	t.Cleanup(func() { cancel(); <-done })
	boardSays := func() (error, []uint64) {
		mu.Lock()
		defer mu.Unlock()
		return waitOn, append([]uint64(nil), seqs...)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err, _ := boardSays(); err != nil {
			if !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "the hub is starting: folding the event log, seq 200 of 600") {
				t.Errorf("the board shows %q", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the board never said why it waits")
		}
	}

	g.let(-1)
	if err := h.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := healthOf(t, srv.URL); code != http.StatusOK || body["status"] != "ok" || body["seq"] != float64(n) {
		t.Errorf("/healthz once started: %d %v", code, body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, seqs := boardSays()
		if len(seqs) > 0 {
			if seqs[0] != n {
				t.Errorf("the board's first state is at seq %d, want the whole log (%d)", seqs[0], n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the board never got a state")
		}
	}
	hubtest.Post(t, srv.URL, hubtest.Events(opts.Campaign, "after", 0, 5))
}

// TestCloseWhileStarting: Close during the start-up fold stops it and lets
// go of the log, so the same data dir starts again at once; WaitReady
// says the start was stopped.
func TestCloseWhileStarting(t *testing.T) {
	const n = 300
	opts := fileLog(t, n)
	g := newGatedLog()
	g.reader = true
	g.let(100)
	t.Cleanup(func() { g.let(-1) })
	gated := opts
	hub.WrapStream(&gated, func(st jetstream.Stream) jetstream.Stream { g.Stream = st; return g })
	h, err := hub.Start(gated)
	if err != nil {
		t.Fatal(err)
	}
	waitFolded(t, h, 100)
	g.waitHeld(t)
	closed := make(chan error, 1)
	go func() { closed <- h.Close() }()
	if err := h.WaitReady(context.Background()); err == nil || !strings.Contains(err.Error(), "closed while") {
		t.Errorf("WaitReady after Close while starting: %v", err)
	}
	g.let(-1) // a delivery held at the gate ends
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	again, err := hub.New(opts)
	if err != nil {
		t.Fatalf("the data dir does not start again: %v", err)
	}
	defer again.Close()
	if again.Seq() != n {
		t.Errorf("started again at seq %d, want %d", again.Seq(), n)
	}
}
