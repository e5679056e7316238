package hub

import (
	"encoding/json"
	"io"
	"log/slog"
	"runtime"
	"testing"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// BenchmarkDayStates folds the shipped recording (the whole Summer Action)
// the way publish does, keeping each day's end, then measures serving a
// past day (GET /v1/snapshot?day=N without the HTTP): ns/op is one day read
// back, across all 97 past days in turn. It reports the memory the kept
// days take, the live snapshot's size, and the Go heap in use with and
// without them (the hub's RSS grows by about the difference).
func BenchmarkDayStates(b *testing.B) {
	cfg := demo.Campaign()
	var evs []feed.Event
	if err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { evs = append(evs, ev); return nil }); err != nil {
		b.Fatal(err)
	}
	h := &Hub{cfg: cfg, state: campaign.NewState(cfg), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for i, ev := range evs {
		ev.Seq = uint64(i + 1)
		h.keepDayStates(ev)
		campaign.Apply(cfg, h.state, ev)
	}
	live, _ := json.Marshal(h.state)
	heapWith := heapInUse()
	kept := h.DayStatesBytes()
	past := h.state.Day - 1
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, _, _, err := h.DayState(1 + i%past); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	h.days = dayStates{}
	heapWithout := heapInUse()
	b.ReportMetric(float64(kept)/1024, "days-KB")
	b.ReportMetric(float64(past), "past-days")
	b.ReportMetric(float64(len(live))/1024, "snapshot-KB")
	b.ReportMetric(float64(heapWith)/(1<<20), "heap-with-days-MB")
	b.ReportMetric(float64(heapWithout)/(1<<20), "heap-without-days-MB")
	runtime.KeepAlive(evs)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
