package hub_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

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
