package demo

import (
	"encoding/json"
	"testing"

	"sitboard/campaign"
)

// BenchmarkRecordingFold folds the whole campaign as the hub, a board and
// summary do (campaign.Apply into one state), for the recording as shipped
// and as it will be regenerated with the office commands' parts (the
// supervision, then the instructions too), and reports the fold's time
// (ms/fold) and the final state's snapshot size (snapshot-KB, its JSON).
// Issue 22's budget: under 1.2 s and 160 KB.
func BenchmarkRecordingFold(b *testing.B) {
	cfg := Campaign()
	for _, c := range []struct {
		name string
		p    parts
	}{
		{"shipped", shipped},
		{"with-supervision", parts{lapses: true, supervision: true}},
		{"with-supervision-and-directives", parts{lapses: true, supervision: true, directives: true}},
	} {
		evs, err := generateParts(cfg, DefaultSeed, c.p)
		if err != nil {
			b.Fatal(err)
		}
		for i := range evs {
			evs[i].Seq = uint64(i + 1)
		}
		b.Run(c.name, func(b *testing.B) {
			var st *campaign.State
			for b.Loop() {
				st = campaign.NewState(cfg)
				for _, ev := range evs {
					campaign.Apply(cfg, st, ev)
				}
			}
			js, err := json.Marshal(st)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/fold")
			b.ReportMetric(float64(len(js))/1024, "snapshot-KB")
			b.ReportMetric(float64(len(evs)), "events")
		})
	}
}
