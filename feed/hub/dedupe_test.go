package hub_test

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestDedupeOutlivesRetentionAndRestarts: deduplication by id covers every
// event the log has held, not JetStream's 24-hour window nor only what
// the log still holds. A log under --max-bytes drops most of 5,000 events;
// resending all of them, to the running hub and to one started again on
// the same log (the embedded file store, and an external nats-server),
// stores none of them twice, and new events are still taken.
func TestDedupeOutlivesRetentionAndRestarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  func(t *testing.T) func(*hub.Options)
	}{
		{"file store", func(t *testing.T) func(*hub.Options) {
			dir := filepath.Join(t.TempDir(), "data")
			return func(o *hub.Options) { o.DataDir = dir }
		}},
		{"external nats-server", func(t *testing.T) func(*hub.Options) {
			url := startNatsServer(t)
			return func(o *hub.Options) { o.NatsURL = url }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			where := tc.log(t)
			logs := &syncBuffer{}
			opts := func(o *hub.Options) {
				where(o)
				o.MaxBytes = 256 << 10 // the operator's retention: most of the events go
				o.Logger = slog.New(slog.NewTextHandler(logs, nil))
			}
			s := hubtest.Start(t, opts)
			// More than a chunk of the id stream (4,096), so that both a
			// full record and the partial one written at Close are read.
			const n = 5000
			stored := 0
			for i := 0; i < n; i += 500 {
				stored += hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "dd", i, 500)).Accepted
			}
			if stored != n {
				t.Fatalf("stored %d of %d new events", stored, n)
			}
			s.WaitSeq(t, n)
			body := waitHealth(t, s.URL, "showing retention's drops", func(_ int, b map[string]any) bool {
				first, _ := b["log_first_seq"].(float64)
				return first > 1000
			})
			t.Logf("retention kept seqs %v.. of %d", body["log_first_seq"], n)

			resend := func(s *hubtest.Server, what string) {
				t.Helper()
				acc, dup := 0, 0
				for i := 0; i < n; i += 500 {
					res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "dd", i, 500))
					acc += res.Accepted
					dup += res.Duplicates
				}
				if acc != 0 || dup != n {
					t.Errorf("%s: resending the %d events stored %d again (%d duplicates)", what, n, acc, dup)
				}
			}
			resend(s, "the running hub")
			s.Close()
			if !strings.Contains(logs.String(), `msg="retention dropped events from the log's start`) {
				t.Errorf("retention's drops were not logged:\n%s", tail(logs.String(), 20))
			}

			s = hubtest.Start(t, opts)
			if !strings.Contains(logs.String(), fmt.Sprintf(`msg="event ids known, for deduplication over the whole campaign" ids=%d`, n)) {
				t.Errorf("the restarted hub does not know the %d ids:\n%s", n, tail(logs.String(), 20))
			}
			resend(s, "a hub started again on the log")
			res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "new", 0, 30))
			if res.Accepted != 30 {
				t.Errorf("new events after the resend: %+v, want 30 stored", res)
			}
			s.WaitSeq(t, res.LastSeq) // the fold learns their ids
			if v := metric(t, s.URL, "sitboard_ingest_known_ids"); v != fmt.Sprint(n+30) {
				t.Errorf("sitboard_ingest_known_ids %s, want %d", v, n+30)
			}
		})
	}
}

// TestMemoryLogKeepsNoIDSet: the demo's memory log ends with the process
// and may loop for days: it keeps only JetStream's window, no set that
// would grow without end.
func TestMemoryLogKeepsNoIDSet(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "mem", 0, 10))
	s.WaitSeq(t, 10)
	if v := metric(t, s.URL, "sitboard_ingest_known_ids"); v != "0" {
		t.Errorf("sitboard_ingest_known_ids %s on a memory log, want 0", v)
	}
	if res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "mem", 0, 10)); res.Duplicates != 10 {
		t.Errorf("a resend within the window: %+v, want 10 duplicates", res)
	}
}
