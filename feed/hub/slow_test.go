package hub_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestSlowConsumerIsClosed: a client that stops reading is closed with
// 4001 once its bounded queue fills, while another client keeps up.
func TestSlowConsumerIsClosed(t *testing.T) {
	const queue = 128 << 10
	s := hubtest.Start(t, func(o *hub.Options) { o.SendQueueBytes = queue; o.SocketSendBuffer = 64 << 10 })
	// A tiny receive buffer makes the kernel stop absorbing the backlog
	// quickly, as a stalled board on a slow link would.
	small := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			if err != nil {
				return err
			}
			return serr
		}}
		return d.DialContext(ctx, network, addr)
	}}
	conn, _, err := small.Dial(s.WS, http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	slow := &wsClient{t, conn}
	slow.hello("", 0)

	fast := dial(t, s.WS, hubtest.ReadToken)
	fast.hello("", 0)
	fast.mustNext() // snapshot

	// Post until the hub has given up on the slow client (progress, not
	// time: on a loaded machine this takes longer, and that is fine). The
	// fast client reads meanwhile.
	const per = 500
	var fastSeq atomic.Uint64
	fastErr := make(chan error, 1)
	go func() {
		for {
			m, err := fast.next()
			if err != nil {
				fastErr <- err
				return
			}
			for _, ev := range m.Events {
				if ev.Seq != fastSeq.Load()+1 {
					fastErr <- fmt.Errorf("event seq %d after %d", ev.Seq, fastSeq.Load())
					return
				}
				fastSeq.Store(ev.Seq)
			}
		}
	}()
	posted := 0
	for metric(t, s.URL, "sitboard_slow_consumer_closes_total") == "0" {
		if posted >= 200_000 {
			t.Fatalf("%d events posted and the client that reads nothing is still not closed", posted)
		}
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "slow", posted, per))
		posted += per
	}
	// The fast client keeps up: it gets every event, however long the
	// machine takes (its reads time out after 10s without a frame).
	for fastSeq.Load() < uint64(posted) {
		select {
		case err := <-fastErr:
			t.Fatalf("the fast client stopped at seq %d of %d: %v", fastSeq.Load(), posted, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The slow client now reads what the kernel held, then the close.
	code, reason := slow.closeCode()
	if code != feed.CloseSlowConsumer {
		t.Fatalf("slow client closed with %d %q, want %d", code, reason, feed.CloseSlowConsumer)
	}
	if m := metric(t, s.URL, `sitboard_boards_dropped_total{reason="slow_consumer"}`); m != "1" {
		t.Fatalf("slow consumer drops %s, want 1", m)
	}
	if m := metric(t, s.URL, "sitboard_slow_consumer_closes_total"); m != "1" {
		t.Fatalf("slow consumer closes metric %s, want 1", m)
	}
}

func metric(tb testing.TB, url, name string) string {
	tb.Helper()
	v, ok := metricValue(tb, url, name)
	if !ok {
		tb.Fatalf("metric %s missing from /metrics", name)
	}
	return v
}

func TestHealthAndMetrics(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "m", 0, 10))
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "m", 0, 10))
	_, _, _ = hubtest.PostRaw(s.URL, "bad", "application/json", []byte("[]"))
	s.WaitSeq(t, 10)
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	for name, want := range map[string]string{
		"sitboard_events_ingested_total":                        "10",
		"sitboard_events_duplicate_total":                       "10",
		"sitboard_fold_seq":                                     "10",
		"sitboard_log_lag":                                      "0",
		"sitboard_log_up":                                       "1",
		`sitboard_ingest_rejected_total{reason="unauthorized"}`: "1",
	} {
		if got := metric(t, s.URL, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}
