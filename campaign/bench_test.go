package campaign_test

import (
	"io"
	"testing"

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
