package hub_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// waitHealth polls /healthz until ok(code, body) or fails after 20s.
func waitHealth(t *testing.T, url, what string, ok func(code int, body map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := healthOf(t, url)
		if ok(code, body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never %s: last %d %v", what, code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLog waits up to 10s for a line containing want.
func waitLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestStalledReaderDegradesHealth: a reader that receives nothing while
// the log grows (as one on a dead node) makes /healthz say "degraded" with
// a 503, logs a WARN, shows in the stalled gauge, is restarted, and once
// it can read again the hub catches up and says ok.
func TestStalledReaderDegradesHealth(t *testing.T) {
	logs := &syncBuffer{}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.StallAfter = time.Second
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "st", 0, 5))
	s.WaitSeq(t, 5)
	if code, body := healthOf(t, s.URL); code != http.StatusOK || body["status"] != "ok" {
		t.Fatalf("healthy hub: %d %v", code, body)
	}
	hub.BlockReader(s.Hub, true)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "st", 5, 5))
	body := waitHealth(t, s.URL, "degraded with 503", func(code int, body map[string]any) bool {
		return code == http.StatusServiceUnavailable && body["status"] == "degraded"
	})
	if reason, _ := body["reason"].(string); !strings.Contains(reason, "log reader stalled") || !strings.Contains(reason, "log head 10") {
		t.Errorf("reason %q, want the stall with the log head", reason)
	}
	if v, _ := strconv.ParseFloat(metric(t, s.URL, "sitboard_log_reader_stalled_seconds"), 64); v < 1 {
		t.Errorf("sitboard_log_reader_stalled_seconds %v while stalled past 1s", v)
	}
	waitLog(t, logs, "level=WARN msg=\"log reader stalled")
	waitLog(t, logs, "log reader restarted")
	hub.BlockReader(s.Hub, false)
	s.WaitSeq(t, 10)
	waitHealth(t, s.URL, "ok again", func(code int, body map[string]any) bool {
		return code == http.StatusOK && body["status"] == "ok"
	})
	if v := metric(t, s.URL, "sitboard_log_reader_stalled_seconds"); v != "0" {
		t.Errorf("stalled gauge %s after catching up, want 0", v)
	}
}

// TestPartialLogIsFlagged: retention drops the start of the campaign; a
// hub started on that log says so at start-up (ERROR), on /healthz (status
// degraded, 200: every hub shares it) and in the state boards get.
func TestPartialLogIsFlagged(t *testing.T) {
	dir := t.TempDir()
	opts := func(logs *syncBuffer) func(o *hub.Options) {
		return func(o *hub.Options) {
			o.DataDir = dir
			o.Sync = "1s"
			o.MaxBytes = 60_000 // a few hundred events
			o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		}
	}
	first := hubtest.Start(t, opts(&syncBuffer{}))
	n := 0
	for ; n < 5000; n += 100 {
		hubtest.Post(t, first.URL, hubtest.Events(first.Cfg, "ret", n, 100))
		if _, body := healthOf(t, first.URL); body["log_first_seq"].(float64) > 1 {
			break
		}
		first.WaitSeq(t, uint64(n+100))
	}
	// The hub that folded from seq 1 still has whole figures, but warns
	// that a restart would not.
	body := waitHealth(t, first.URL, "warning that the log lost its start", func(code int, body map[string]any) bool {
		r, _ := body["reason"].(string)
		return code == http.StatusOK && body["status"] == "degraded" && strings.Contains(r, "no longer starts at seq 1")
	})
	if body["partial"] == true {
		t.Errorf("the hub that folded everything says partial: %v", body)
	}
	first.Close()

	logs := &syncBuffer{}
	second := hubtest.Start(t, opts(logs))
	code, body := healthOf(t, second.URL)
	reason, _ := body["reason"].(string)
	if code != http.StatusOK || body["status"] != "degraded" || body["partial"] != true || !strings.Contains(reason, "figures are partial") {
		t.Errorf("restarted hub's /healthz: %d %v", code, body)
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"figures are PARTIAL") {
		t.Errorf("no start-up ERROR about partial figures:\n%s", logs)
	}
	var st campaign.State
	if err := json.Unmarshal(hubtest.Snapshot(t, second.URL).State, &st); err != nil {
		t.Fatal(err)
	}
	if st.MissingBefore <= 1 || uint64(body["log_first_seq"].(float64)) != st.MissingBefore {
		t.Errorf("snapshot state missing_before %d, log first seq %v", st.MissingBefore, body["log_first_seq"])
	}
}

// TestStoreSizedToDisk: without --max-bytes the log has no size limit, on
// any disk, and says so; an explicit one that does not fit, or a disk
// without room for a request beyond the hub's reserve, is refused with
// what to do.
func TestStoreSizedToDisk(t *testing.T) {
	cfg := hubtest.Campaign(t)
	tests := []struct {
		name     string
		free     int64
		maxBytes int64
		wantErr  string
		wantLog  string
	}{
		{name: "default on a small disk", free: 200 << 20, wantLog: "no size limit (--max-bytes sets one): the log keeps every event"},
		{name: "explicit that fits", free: 200 << 20, maxBytes: 50 << 20, wantLog: "50.0 MiB (--max-bytes): past it the oldest events are dropped"},
		{name: "explicit too large", free: 200 << 20, maxBytes: 1 << 30, wantErr: "lower --max-bytes to at most"},
		{name: "no room at all", free: 512 << 10, wantErr: "the hub needs at least 5.0 MiB free to store events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			restore := hub.SetDiskSpace(func(string) (int64, bool) { return tc.free, true })
			defer restore()
			logs := &syncBuffer{}
			start := time.Now()
			h, err := hub.New(hub.Options{Campaign: cfg, DataDir: t.TempDir(), MaxBytes: tc.maxBytes, DiskReserve: 4 << 20, IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			if tc.wantErr != "" {
				if err == nil {
					h.Close()
					t.Fatalf("started; want an error with %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q, want %q", err, tc.wantErr)
				}
				if time.Since(start) > 5*time.Second {
					t.Errorf("the refusal took %s: it should come before the log starts", time.Since(start))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("start-up log lacks %q:\n%s", tc.wantLog, logs)
			}
		})
	}
}

// TestRestartOnAFullerDisk: a log created with a large --max-bytes starts
// again, with the default, on a disk that has since filled up: the limit
// is lifted (not cut to the disk, which would drop the campaign's start),
// the hub does not fail with "insufficient storage resources", says what
// changed, and nothing stored is lost.
func TestRestartOnAFullerDisk(t *testing.T) {
	cfg := hubtest.Campaign(t)
	dir := t.TempDir()
	start := func(free, maxBytes int64) (*hub.Hub, *syncBuffer, error) {
		restore := hub.SetDiskSpace(func(string) (int64, bool) { return free, true })
		defer restore()
		logs := &syncBuffer{}
		h, err := hub.New(hub.Options{Campaign: cfg, DataDir: dir, MaxBytes: maxBytes, Sync: "1s", DiskReserve: 4 << 20,
			IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken,
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
		return h, logs, err
	}
	h, _, err := start(100<<30, 50<<30)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	res := hubtest.Post(t, srv.URL, hubtest.Events(cfg, "fuller", 0, 100))
	srv.Close()
	h.Close()

	h, logs, err := start(64<<20, 0)
	if err != nil {
		t.Fatalf("restart on a fuller disk: %v", err)
	}
	defer h.Close()
	if h.Seq() != res.LastSeq {
		t.Errorf("restarted hub at seq %d, want %d", h.Seq(), res.LastSeq)
	}
	if !strings.Contains(logs.String(), `msg="the log's retention changed" max_bytes_was="50.0 GiB" max_bytes=none`) {
		t.Errorf("no note that the size limit was lifted:\n%s", logs)
	}
}

// TestSmallExternalServerSaysWhy: a NATS server with less storage than
// --max-bytes is named as the problem at once, not after 15s of retries.
func TestSmallExternalServerSaysWhy(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		JetStreamMaxStore: 1 << 20, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	start := time.Now()
	h, err := hub.New(hub.Options{Campaign: hubtest.Campaign(t), NatsURL: ns.ClientURL(), MaxBytes: 16 << 30, IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	if err == nil {
		h.Close()
		t.Fatal("a hub asking 16 GiB of a 1 MiB server started")
	}
	if !strings.Contains(err.Error(), "lower --max-bytes, or raise the server's jetstream max_file_store") || time.Since(start) > 10*time.Second {
		t.Errorf("after %s: %v", time.Since(start), err)
	}
}

// hangingStop is a log whose reader's consumers, once hang is set, do not
// return from Stop until released, as nats.go's ordered consumer does not:
// its Stop waits for the lock its own reset holds while it retries
// creating the consumer through a leader election.
type hangingStop struct {
	jetstream.Stream
	hang     atomic.Bool
	stopping atomic.Int32 // Stops hanging now
	release  chan struct{}
}

func (l *hangingStop) OrderedConsumer(ctx context.Context, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	c, err := l.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &hangingConsumer{Consumer: c, log: l}, nil
}

type hangingConsumer struct {
	jetstream.Consumer
	log *hangingStop
}

func (c *hangingConsumer) Consume(handler jetstream.MessageHandler, opts ...jetstream.PullConsumeOpt) (jetstream.ConsumeContext, error) {
	cc, err := c.Consumer.Consume(handler, opts...)
	if err != nil {
		return nil, err
	}
	return &hangingConsumeContext{ConsumeContext: cc, log: c.log}, nil
}

type hangingConsumeContext struct {
	jetstream.ConsumeContext
	log *hangingStop
}

func (cc *hangingConsumeContext) Stop() {
	if cc.log.hang.Load() {
		cc.log.stopping.Add(1)
		<-cc.log.release
		cc.log.stopping.Add(-1)
	}
	cc.ConsumeContext.Stop()
}

// TestWatchdogNotHeldByAConsumerStop: the watchdog restarts a reader that
// stopped moving while the old consumer's Stop hangs (nats.go resetting
// it). The new reader reads, the hub catches up, and /healthz stays
// current. Before, the watchdog waited in Stop (about 7 s in a leader
// election; here until the test ends), and the hub stayed behind.
func TestWatchdogNotHeldByAConsumerStop(t *testing.T) {
	log := &hangingStop{release: make(chan struct{})}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.StallAfter = time.Second
		hub.WrapStream(o, func(st jetstream.Stream) jetstream.Stream { log.Stream = st; return log })
	})
	t.Cleanup(func() { close(log.release) }) // before the hub closes
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "hang", 0, 5))
	s.WaitSeq(t, 5)

	log.hang.Store(true)
	hub.BlockReader(s.Hub, true)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "hang", 5, 5))
	for deadline := time.Now().Add(10 * time.Second); log.stopping.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watchdog never restarted the stuck reader")
		}
	}
	hub.BlockReader(s.Hub, false)
	s.WaitSeq(t, 10)
	if log.stopping.Load() == 0 {
		t.Fatal("no Stop hangs any more: the test proves nothing")
	}
	waitHealth(t, s.URL, "ok with the head folded", func(code int, body map[string]any) bool {
		return code == http.StatusOK && body["status"] == "ok" && body["log_head_seq"] == 10.0 && body["seq"] == 10.0
	})
}

// TestHealthSaysDegradedSoonAfterTheFoldFallsBehind: with the default
// bound, /healthz says degraded within seconds of the fold no longer
// following the log's head. Before, it took 10 s of lag (--stall-after's
// old default), and a hub answered "ok" through a 15 s stall.
func TestHealthSaysDegradedSoonAfterTheFoldFallsBehind(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "lag", 0, 5))
	s.WaitSeq(t, 5)
	hub.BlockReader(s.Hub, true)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "lag", 5, 5))
	body := waitHealth(t, s.URL, "not ok", func(_ int, body map[string]any) bool { return body["status"] != "ok" })
	code, _ := healthOf(t, s.URL)
	reason, _ := body["reason"].(string)
	behind, _ := body["behind_seconds"].(float64)
	if code != http.StatusServiceUnavailable || body["status"] != "degraded" || !strings.Contains(reason, "log reader stalled") {
		t.Fatalf("a fold behind the log: %d %v", code, body)
	}
	if behind >= 10 || behind < hub.DefaultStallAfter.Seconds() {
		t.Errorf("first said degraded %.1fs behind the log, want from %s (the default bound), not 10 s", behind, hub.DefaultStallAfter)
	}
	hub.BlockReader(s.Hub, false)
	s.WaitSeq(t, 10)
	waitHealth(t, s.URL, "ok once caught up", func(code int, body map[string]any) bool { return code == http.StatusOK && body["status"] == "ok" })
}

// TestHealthSaysDegradedWhenTheWatchdogCannotLook: a watchdog that cannot
// finish looking at the log (its question hangs) knows nothing current,
// so /healthz says degraded instead of "ok" from what it saw last, while
// the fold sits behind events stored since. Before, it said "ok" for as
// long as the watchdog hung.
func TestHealthSaysDegradedWhenTheWatchdogCannotLook(t *testing.T) {
	log := &stuckInfo{release: make(chan struct{})}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.StallAfter = time.Second
		hub.WrapStream(o, func(st jetstream.Stream) jetstream.Stream { log.Stream = st; return log })
	})
	t.Cleanup(func() { close(log.release) }) // before the hub closes
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "blind", 0, 5))
	s.WaitSeq(t, 5)
	waitHealth(t, s.URL, "ok at the head", func(code int, body map[string]any) bool {
		return code == http.StatusOK && body["log_head_seq"] == 5.0
	})
	log.stuck.Store(true)
	for deadline := time.Now().Add(10 * time.Second); log.waiting.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watchdog never asked the log")
		}
	}
	hub.BlockReader(s.Hub, true)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "blind", 5, 5))
	body := waitHealth(t, s.URL, "degraded with 503", func(code int, body map[string]any) bool {
		return code == http.StatusServiceUnavailable && body["status"] == "degraded"
	})
	if reason, _ := body["reason"].(string); !strings.Contains(reason, "watchdog has not looked at the event log") {
		t.Errorf("reason %q, want the watchdog's silence", reason)
	}
}
