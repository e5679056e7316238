package hub_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestDroppedBoardsAreCountedAndLogged: boards the hub gives up on are
// counted by reason and logged with it: one that never reads
// (write_stalled, the 200 boards of issue 10 that vanished silently) and
// one that reads but never answers a ping (no_pong).
func TestDroppedBoardsAreCountedAndLogged(t *testing.T) {
	for _, tc := range []struct {
		reason string
		read   bool // the board reads (but never answers pings)
	}{
		{"write_stalled", false},
		{"no_pong", true},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			var logs syncBuffer
			s := hubtest.Start(t, func(o *hub.Options) {
				o.SocketSendBuffer = 4096
				o.WriteTimeout = 300 * time.Millisecond
				o.PingInterval = 100 * time.Millisecond
				o.PongWait = 300 * time.Millisecond
				if !tc.read {
					o.PongWait = time.Hour // only the write timeout may drop it
				}
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			// A raw board: it never runs gorilla's reader, so never pongs.
			b := dialRaw(t, s, 4096)
			if tc.read {
				go func() {
					buf := make([]byte, 32<<10)
					for {
						if _, err := b.nc.Read(buf); err != nil {
							return
						}
					}
				}()
			}
			metricName := `sitboard_boards_dropped_total{reason="` + tc.reason + `"}`
			// Events fill a board that does not read; pings alone reach
			// one that does.
			for i := 0; metric(t, s.URL, metricName) == "0"; i += 200 {
				if i < 40_000 && !tc.read {
					hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "drop", i, 200))
				} else {
					time.Sleep(10 * time.Millisecond) // polling the metric
				}
				if i > 2_000_000 {
					t.Fatalf("the board was never dropped for %s", tc.reason)
				}
			}
			waitMetric(t, s.URL, "sitboard_subscribers", func(v string) bool { return v == "0" })
			if !strings.Contains(logs.String(), "reason="+tc.reason) || !strings.Contains(logs.String(), "board dropped") {
				t.Fatalf("no log line says the board was dropped for %s:\n%s", tc.reason, logs.String())
			}
		})
	}
}

// TestDroppedBoardLogIsRateLimited: boards dropped in a flood (here 50
// that each send a garbage frame) are all counted, but logged once per
// reason and interval; the next line says how many were held back.
func TestDroppedBoardLogIsRateLimited(t *testing.T) {
	var logs syncBuffer
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	s := hubtest.Start(t, func(o *hub.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		o.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	dropOne := func() {
		c := dial(t, s.WS, hubtest.ReadToken)
		c.hello("", 0)
		if err := c.conn.WriteMessage(websocket.TextMessage, []byte("garbage")); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := c.next(); err != nil {
				return // closed by the hub
			}
		}
	}
	const flood = 50
	for range flood {
		dropOne()
	}
	name := `sitboard_boards_dropped_total{reason="bad_frame"}`
	waitMetric(t, s.URL, name, func(v string) bool { return v == fmt.Sprint(flood) })
	lines := func() []string {
		var out []string
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "board dropped") {
				out = append(out, l)
			}
		}
		return out
	}
	if got := lines(); len(got) != 1 {
		t.Fatalf("%d boards dropped at once logged %d lines, want 1:\n%s", flood, len(got), strings.Join(got, "\n"))
	}
	now.Add(int64(11 * time.Second))
	dropOne()
	waitMetric(t, s.URL, name, func(v string) bool { return v == fmt.Sprint(flood+1) })
	got := lines()
	if len(got) != 2 || !strings.Contains(got[1], fmt.Sprintf("dropped_since_last_line=%d", flood-1)) {
		t.Fatalf("after the interval, lines:\n%s\nwant a second one saying %d were held back", strings.Join(got, "\n"), flood-1)
	}
}
