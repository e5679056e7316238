package feed_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
)

// BenchmarkDecodeBatch is ingest's decoding of one request of 500 events,
// as a JSON array and as NDJSON, without the HTTP and the log around it
// (BenchmarkIngest in feed/hub has those). Reports events/s.
func BenchmarkDecodeBatch(b *testing.B) {
	const per = 500
	evs := hubtest.Events(hubtest.Campaign(b), "bench", 0, per)
	array, err := json.Marshal(evs)
	if err != nil {
		b.Fatal(err)
	}
	var ndjson bytes.Buffer
	enc := json.NewEncoder(&ndjson)
	for _, ev := range evs {
		if err := enc.Encode(ev); err != nil {
			b.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		body []byte
	}{{"array", array}, {"ndjson", ndjson.Bytes()}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				got, errs, err := feed.DecodeBatch(tc.body, 5000)
				if err != nil || len(errs) > 0 || len(got) != per {
					b.Fatalf("%d events, %v, %v", len(got), errs, err)
				}
			}
			b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
