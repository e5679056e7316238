package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// watcher runs a client and checks, batch by batch, that events arrive
// without gap or duplicate (a snapshot restarts the count).
type watcher struct {
	t  *testing.T
	mu sync.Mutex
	// seq is the last seq seen in order; state the newest state copy.
	seq       uint64
	state     *campaign.State
	conn      client.Conn
	snapshots int
	events    int
	err       error
	violation string
	done      chan struct{}
}

func watch(t *testing.T, ctx context.Context, opts client.Options) *watcher {
	w := &watcher{t: t, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		err := client.Run(ctx, opts, w.batch)
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
	}()
	return w
}

func (w *watcher) batch(b client.Batch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn = b.Conn
	if b.Snapshot {
		w.snapshots++
		w.seq = b.State.Seq - uint64(len(b.Events))
		if len(b.Events) > 0 {
			w.seq = b.Events[0].Seq - 1
		}
	}
	for _, ev := range b.Events {
		if ev.Seq != w.seq+1 && w.violation == "" {
			w.violation = "event " + ev.ID + " out of order"
		}
		w.seq = ev.Seq
		w.events++
	}
	if b.State != nil {
		w.state = b.State
		if b.State.Seq != b.Conn.Seq && w.violation == "" {
			w.violation = "state seq differs from the connection's"
		}
	}
}

func (w *watcher) snapshot() (uint64, *campaign.State, client.Conn, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq, w.state, w.conn, w.violation
}

// waitFor waits until the client has folded seq and returns its state.
func (w *watcher) waitFor(seq uint64, within time.Duration) *campaign.State {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, st, conn, v := w.snapshot()
		if v != "" {
			w.t.Fatal(v)
		}
		if st != nil && st.Seq == seq && conn.Seq == seq {
			return st
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("client at seq %d (status %s, err %v), want %d", conn.Seq, conn.Status, conn.Err, seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitProgress waits for the client to reach seq for as long as it makes
// progress: it fails only when the client's seq stands still for `stall`,
// so a loaded machine makes it slower, never flaky.
func (w *watcher) waitProgress(seq uint64, stall time.Duration) *campaign.State {
	w.t.Helper()
	var last uint64
	deadline := time.Now().Add(stall)
	for {
		_, st, conn, v := w.snapshot()
		if v != "" {
			w.t.Fatal(v)
		}
		if st != nil && st.Seq == seq && conn.Seq == seq {
			return st
		}
		if conn.Seq != last {
			last, deadline = conn.Seq, time.Now().Add(stall)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("client stuck at seq %d for %v (status %s, err %v), want %d", conn.Seq, stall, conn.Status, conn.Err, seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stateJSON(t *testing.T, st *campaign.State) string {
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestClientFollowsTheHub(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.HeartbeatInterval = 50 * time.Millisecond })
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "pre", 0, 200))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watch(t, ctx, client.Options{URL: s.URL, Token: hubtest.ReadToken, Campaign: s.Cfg})
	w.waitFor(200, 5*time.Second)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "post", 0, 300))
	st := w.waitFor(500, 5*time.Second)
	snap := hubtest.Snapshot(t, s.URL)
	if got, want := stateJSON(t, st), string(snap.State); got != want {
		t.Fatalf("client state differs from the hub's snapshot")
	}
	_, _, conn, _ := w.snapshot()
	if conn.Status != client.Live || conn.Epoch != s.Hub.Epoch() {
		t.Fatalf("conn %+v", conn)
	}
	// Heartbeats keep LastData fresh on a quiet feed.
	before := conn.LastData
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, _, conn, _ = w.snapshot(); conn.LastData.After(before) && conn.HubSeq == 500 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat: LastData %v -> %v, HubSeq %d", before, conn.LastData, conn.HubSeq)
		}
	}
	cancel()
	<-w.done
	if w.err != nil {
		t.Fatalf("Run after cancel: %v", w.err)
	}
}

func TestClientStopsOnBadToken(t *testing.T) {
	s := hubtest.Start(t, nil)
	var last client.Batch
	err := client.Run(context.Background(), client.Options{URL: s.WS, Token: "wrong", Campaign: s.Cfg}, func(b client.Batch) { last = b })
	var ce *client.CloseError
	if !errors.As(err, &ce) || ce.Code != feed.CloseBadToken {
		t.Fatalf("Run: %v, want a CloseError %d", err, feed.CloseBadToken)
	}
	if last.Conn.Status != client.Failed || last.Conn.Err == nil {
		t.Fatalf("last batch %+v, want Failed with the error", last.Conn)
	}
}

func TestClientReconnectsAfterHubRestart(t *testing.T) {
	// A memory hub that restarts has a new epoch: the client must notice
	// and take a snapshot instead of resuming into another log.
	cfg := hubtest.Campaign(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watch(t, ctx, client.Options{URL: "ws://" + addr, Token: hubtest.ReadToken, Campaign: cfg, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, _, conn, _ := w.snapshot()
		if conn.Status == client.Reconnecting && !conn.NextAttempt.IsZero() && conn.Err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with no hub: %+v, want reconnecting with a next attempt", conn)
		}
	}
	h1 := serveOn(t, addr, cfg)
	hubtest.Post(t, "http://"+addr, hubtest.Events(cfg, "one", 0, 50))
	w.waitFor(50, 5*time.Second)
	h1.stop()
	h2 := serveOn(t, addr, cfg)
	defer h2.stop()
	hubtest.Post(t, "http://"+addr, hubtest.Events(cfg, "two", 0, 20))
	st := w.waitFor(20, 10*time.Second)
	if st.Events != 20 {
		t.Fatalf("after the new epoch the client folded %d events, want 20 (a fresh log)", st.Events)
	}
}

type served struct {
	h   *hub.Hub
	srv *httpServer
}

func (s served) stop() { _ = s.h.Close(); s.srv.close() }

func serveOn(t *testing.T, addr string, cfg *campaign.Config) served {
	t.Helper()
	h, err := hub.New(hub.Options{Campaign: cfg, IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := listen(addr, h)
	if err != nil {
		t.Fatal(err)
	}
	return served{h, srv}
}

// TestResumeUnderChaos kills client connections at random while events
// pour in; every client must end with exactly the hub's state.
func TestResumeUnderChaos(t *testing.T) {
	const (
		total   = 20000
		per     = 250
		clients = 4
		kills   = 120
	)
	s := hubtest.Start(t, func(o *hub.Options) { o.RingSize = 4096 })
	var mu sync.Mutex
	var conns []net.Conn
	dialer := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
		return c, err
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ws []*watcher
	for range clients {
		ws = append(ws, watch(t, ctx, client.Options{URL: s.WS, Token: hubtest.ReadToken, Campaign: s.Cfg, Dialer: dialer, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond}))
	}
	ingested := make(chan error, 1)
	go func() {
		for i := 0; i < total; i += per {
			if _, err := hubtest.TryPost(s.URL, hubtest.Events(s.Cfg, "chaos", i, per)); err != nil {
				ingested <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
		ingested <- nil
	}()
	// Kill a random live connection every few milliseconds for as long as
	// events are being ingested (and at least `kills` times).
	killed, duringIngest := 0, 0
	rng := rand.New(rand.NewPCG(1, 2))
	ingestDone := false
	for killed < kills || !ingestDone {
		select {
		case err := <-ingested:
			if err != nil {
				t.Fatal(err)
			}
			ingestDone = true
		default:
		}
		time.Sleep(time.Duration(5+rng.IntN(20)) * time.Millisecond)
		mu.Lock()
		if len(conns) > 0 {
			if !ingestDone {
				duringIngest++
			}
			i := rng.IntN(len(conns))
			conns[i].Close()
			conns = append(conns[:i], conns[i+1:]...)
			killed++
		}
		mu.Unlock()
	}
	s.WaitSeq(t, total)
	want := string(hubtest.Snapshot(t, s.URL).State)
	for i, w := range ws {
		st := w.waitProgress(total, 30*time.Second)
		if stateJSON(t, st) != want {
			t.Fatalf("client %d: state differs from the hub's snapshot", i)
		}
		_, _, conn, _ := w.snapshot()
		t.Logf("client %d: %d reconnects, %d resyncs, %d snapshots, %d events folded", i, conn.Reconnects, conn.Resyncs, w.snapshots, w.events)
	}
	t.Logf("%d connection kills, %d of them during ingest", killed, duringIngest)
	if duringIngest < kills/2 {
		t.Fatalf("only %d kills during ingest; the test no longer exercises resume under load", duringIngest)
	}
}

// TestBareResyncCloseAsksForASnapshot: a hub (or a proxy in front of it)
// that closes with 4002 without the error frame first must still get a
// hello without a resume point next, not the same resume again at once.
func TestBareResyncCloseAsksForASnapshot(t *testing.T) {
	cfg := hubtest.Campaign(t)
	var mu sync.Mutex
	var hellos []feed.Hello
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		var h feed.Hello
		if err := ws.ReadJSON(&h); err != nil {
			return
		}
		mu.Lock()
		hellos = append(hellos, h)
		mu.Unlock()
		if h.Epoch != "" {
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(feed.CloseResync, "trimmed"), time.Now().Add(time.Second))
			return
		}
		st, _ := json.Marshal(campaign.NewState(cfg))
		_ = ws.WriteJSON(feed.Message{Type: feed.MsgSnapshot, Epoch: "e1", Seq: 0, State: st})
		_, _, _ = ws.ReadMessage() // hold the connection until the client goes
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // only reached on failure
	defer cancel()
	live := make(chan struct{}, 1)
	go client.Run(ctx, client.Options{URL: srv.URL, Campaign: cfg, Epoch: "e1", LastSeq: 5, State: campaign.NewState(cfg)}, func(b client.Batch) {
		if b.Snapshot {
			select {
			case live <- struct{}{}:
			default:
			}
		}
	})
	select {
	case <-live:
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no snapshot after a 4002 close; %d hellos, all resuming: %+v", len(hellos), hellos[:min(len(hellos), 3)])
	}
}

// TestRefusedHandshakeShowsTheHubsReason: a hub that refuses the upgrade
// (429 past its cap of streams per address) says what to do in the body;
// the board shows that while it retries, not only "429".
func TestRefusedHandshakeShowsTheHubsReason(t *testing.T) {
	const why = "too many streams from your address: close one on that host and retry in a few seconds, or ask the hub's operator to raise --max-streams-per-ip"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, why+"\x1b]0;title\x07", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watch(t, ctx, client.Options{URL: "ws" + srv.URL[len("http"):], Token: hubtest.ReadToken, Campaign: hubtest.Campaign(t), MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, _, conn, _ := w.snapshot()
		if conn.Status == client.Reconnecting && conn.Err != nil {
			want := "hub answered 429 Too Many Requests to the websocket handshake: " + why + "]0;title"
			if conn.Err.Error() != want {
				t.Fatalf("error %q,\nwant %q", conn.Err, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("refused: %+v, want reconnecting with the hub's reason", conn)
		}
	}
}

// TestClientLogsLossAndReturn: a client (such as sitboard ssh's one
// subscription) logs that it lost the hub once, not on every retry, and
// logs that it is live again when the hub is back.
func TestClientLogsLossAndReturn(t *testing.T) {
	cfg := hubtest.Campaign(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h1 := serveOn(t, addr, cfg)
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watch(t, ctx, client.Options{URL: "ws://" + addr, Token: hubtest.ReadToken, Campaign: cfg,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	hubtest.Post(t, "http://"+addr, hubtest.Events(cfg, "one", 0, 5))
	w.waitFor(5, 10*time.Second)
	h1.stop()
	// Wait for at least 30 failed attempts with the hub away.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, _, conn, _ := w.snapshot()
		if conn.Attempt >= 30 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client made %d attempts in 20 s", conn.Attempt)
		}
	}
	h2 := serveOn(t, addr, cfg)
	defer h2.stop()
	hubtest.Post(t, "http://"+addr, hubtest.Events(cfg, "two", 0, 3))
	w.waitFor(3, 10*time.Second)
	got := logs.String()
	if n := strings.Count(got, "stream lost; reconnecting"); n != 1 {
		t.Errorf("the loss is logged %d times, want once:\n%s", n, got)
	}
	if n := strings.Count(got, "stream still down"); n < 2 || n > 5 {
		t.Errorf("%d 'still down' lines for 30-odd attempts, want one per ten:\n%s", n, got)
	}
	if !strings.Contains(got, "stream live again: reconnected to the hub") || !strings.Contains(got, "down_for=") {
		t.Errorf("the return is not logged:\n%s", got)
	}
}

// TestTokenFuncTakesARotatedToken: a client given TokenFunc (sitboard
// ssh, which re-reads its token file on SIGHUP) sends the token in force
// at each connection, so after a rotation it reconnects with the new one
// where a fixed Token would be refused for good.
func TestTokenFuncTakesARotatedToken(t *testing.T) {
	cfg := hubtest.Campaign(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := func(read string) served {
		h, err := hub.New(hub.Options{Campaign: cfg, IngestToken: hubtest.IngestToken, ReadToken: read})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := listen(addr, h)
		if err != nil {
			t.Fatal(err)
		}
		return served{h, srv}
	}
	h1 := start("read-token-before")
	var current sync.Mutex
	token := "read-token-before"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := watch(t, ctx, client.Options{URL: "ws://" + addr, Campaign: cfg, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		TokenFunc: func() string { current.Lock(); defer current.Unlock(); return token }})
	hubtest.Post(t, "http://"+addr, hubtest.Events(cfg, "one", 0, 5))
	w.waitFor(5, 10*time.Second)
	// The rotation: the hub restarts with the new token, and the token
	// source (the re-read file) says the new one.
	h1.stop()
	current.Lock()
	token = "read-token-after"
	current.Unlock()
	h2 := start("read-token-after")
	defer h2.stop()
	hubtest.Post(t, "http://"+addr, hubtest.Events(cfg, "two", 0, 3))
	w.waitFor(3, 10*time.Second)
	if _, _, conn, _ := w.snapshot(); conn.Status != client.Live {
		t.Fatalf("after the rotation the client is %v (%v), want live", conn.Status, conn.Err)
	}
}
