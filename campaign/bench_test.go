package campaign_test

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// BenchmarkDecodeAndFold measures what 'summary --recording' does per
// event: decode a JSON line and fold it. Reports events/s and allocs/event.
func BenchmarkDecodeAndFold(b *testing.B) {
	cfg := demo.Campaign()
	raw, err := io.ReadAll(demo.Recording())
	if err != nil {
		b.Fatal(err)
	}
	var n int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := campaign.NewState(cfg)
		n = 0
		err := feed.ScanEvents(bytesReader(raw), func(ev feed.Event) error {
			campaign.Apply(cfg, st, ev)
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFold isolates the fold from JSON decoding of the envelope.
func BenchmarkFold(b *testing.B) {
	cfg := demo.Campaign()
	var evs []feed.Event
	if err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { evs = append(evs, ev); return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := campaign.NewState(cfg)
		for _, ev := range evs {
			campaign.Apply(cfg, st, ev)
		}
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// BenchmarkAlarmWithOpenQueue is the cost of an alarm with open alarms
// already waiting. At 4,096 (MaxOpenAlarms) an op is one alarm.received that
// also drops the oldest open alarm; below it, an op is an alarm.received and
// the alarm.closed of the oldest, so the queue stays at its size (ns/event
// divides by both). The hub folds under its lock and every board folds
// again, so this must not grow with the queue (it was 0.33 ms per alarm at
// 4,096 with a scan for the oldest, against 0.02 ms with none open).
func BenchmarkAlarmWithOpenQueue(b *testing.B) {
	cfg := demo.Campaign()
	district := cfg.Districts[0].ID
	start := cfg.Start()
	// A pool of distinct alarms, reused in turn: by the time one comes back
	// it has long been dropped from the queue and the id window.
	pool := make([]feed.Event, 4*campaign.MaxOpenAlarms)
	for i := range pool {
		pool[i] = feed.Event{ID: fmt.Sprint("bench-", i), Type: feed.TypeAlarmReceived, District: district,
			Data: json.RawMessage(fmt.Sprintf(`{"alarm_id":"BA%d","category":"criminal","priority":2}`, i))}
	}
	for _, open := range []int{0, 1024, campaign.MaxOpenAlarms} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			st := campaign.NewState(cfg)
			var seq uint64
			next := func(i int) feed.Event {
				seq++
				ev := pool[i%len(pool)]
				ev.Seq, ev.At = seq, start.Add(time.Duration(seq)*time.Second)
				return ev
			}
			for i := range open {
				campaign.Apply(cfg, st, next(i))
			}
			closeEv := feed.Event{ID: "", Type: feed.TypeAlarmClosed, District: district}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				campaign.Apply(cfg, st, next(open+i))
				if open < campaign.MaxOpenAlarms {
					// Below the bound, close the oldest so the queue stays at open.
					seq++
					closeEv.ID, closeEv.Seq, closeEv.At = fmt.Sprint("bench-close-", seq), seq, start.Add(time.Duration(seq)*time.Second)
					closeEv.Data = json.RawMessage(fmt.Sprintf(`{"alarm_id":"BA%d","category":"criminal"}`, (i)%len(pool)))
					campaign.Apply(cfg, st, closeEv)
				}
			}
			b.StopTimer()
			if len(st.OpenAlarms) != open {
				b.Fatalf("queue holds %d, want %d", len(st.OpenAlarms), open)
			}
			events := b.N
			if open < campaign.MaxOpenAlarms {
				events *= 2
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
		})
	}
}

// BenchmarkHistory folds the shipped recording with per-day records (what
// 'report' and the hub's /v1/reports do) and reports the sizes behind the
// choice in docs/figures.md ("Periods"): the state's JSON snapshot, which
// the History leaves as it is, and the per-day, per-district record that
// would be in the snapshot had the state kept it.
//
//	go test ./campaign -run '^$' -bench History -benchtime 3x
func BenchmarkHistory(b *testing.B) {
	cfg := demo.Campaign()
	var evs []feed.Event
	if err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { evs = append(evs, ev); return nil }); err != nil {
		b.Fatal(err)
	}
	var h *campaign.History
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h = campaign.NewHistory(cfg)
		for _, ev := range evs {
			h.Apply(ev)
		}
	}
	b.StopTimer()
	snap, _ := json.Marshal(h.State())
	rec, _ := json.Marshal(h.Recorder())
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(snap)), "snapshot-bytes")
	b.ReportMetric(float64(len(rec)), "per-day-record-bytes")
}

// BenchmarkFoldAlertRules folds the shipped recording with the campaign's
// warning rules (undispatched, surge, cluster, report_missing and the
// others: every [[alerts]] of demo/zhoukou-2023.toml) and with only its
// event rules, so the rules' cost shows apart from the fold's; it reports
// the state's JSON snapshot at the campaign's end and the part of it the
// alert record takes (alerts, alerts_done, alert_watch). Issue 20's
// target: the whole fold with the rules on under 1.2 s.
//
//	go test ./campaign -run '^$' -bench FoldAlertRules -benchtime 3x
func BenchmarkFoldAlertRules(b *testing.B) {
	var evs []feed.Event
	if err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { evs = append(evs, ev); return nil }); err != nil {
		b.Fatal(err)
	}
	on := demo.Campaign()
	off := *on
	off.Alerts = nil
	for _, r := range on.Alerts {
		if r.When == campaign.WhenEvent {
			off.Alerts = append(off.Alerts, r)
		}
	}
	for _, tc := range []struct {
		name string
		cfg  *campaign.Config
	}{{"rules=on", on}, {"rules=off", &off}} {
		b.Run(tc.name, func(b *testing.B) {
			var st *campaign.State
			b.ReportAllocs()
			for b.Loop() {
				st = campaign.NewState(tc.cfg)
				for _, ev := range evs {
					campaign.Apply(tc.cfg, st, ev)
				}
			}
			snap, _ := json.Marshal(st)
			record, _ := json.Marshal(struct {
				A, D any
				W    any
			}{st.Alerts, st.AlertsDone, st.AlertWatch})
			b.ReportMetric(float64(len(snap)), "snapshot-bytes")
			b.ReportMetric(float64(len(record)), "alert-record-bytes")
			b.ReportMetric(float64(len(st.Alerts)+len(st.AlertsDone)), "alerts-kept")
		})
	}
}
