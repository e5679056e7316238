package hub

import (
	"encoding/json"
	"strings"
	"testing"

	"sitboard/feed"
)

func TestRingBoundedByBytes(t *testing.T) {
	payload := json.RawMessage(`"` + strings.Repeat("x", 8<<10) + `"`)
	ev := func(seq uint64) feed.Event {
		return feed.Event{Seq: seq, ID: "e", Type: "t", District: "d", Data: payload}
	}
	per := eventBytes(&feed.Event{ID: "e", Type: "t", District: "d", Data: payload})
	for _, tc := range []struct {
		name          string
		count, budget int
		push          int
		wantN         int
	}{
		{"bytes bind", 1000, 10 * per, 50, 10},
		{"count binds", 5, 100 * per, 50, 5},
		{"under both", 100, 100 * per, 20, 20},
		{"budget below one event", 100, per - 1, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRing(tc.count, tc.budget)
			for i := 1; i <= tc.push; i++ {
				r.push(ev(uint64(i)))
				if r.bytes > tc.budget {
					t.Fatalf("after %d pushes the ring holds %d bytes, over its %d", i, r.bytes, tc.budget)
				}
			}
			if r.len() != tc.wantN {
				t.Fatalf("ring holds %d events, want %d", r.len(), tc.wantN)
			}
			if r.bytes != tc.wantN*per {
				t.Fatalf("ring counts %d bytes for %d events of %d", r.bytes, r.len(), per)
			}
			got := r.since(0)
			if len(got) != tc.wantN {
				t.Fatalf("since(0) gave %d events, want %d", len(got), tc.wantN)
			}
			for i, e := range got {
				if want := uint64(tc.push - tc.wantN + 1 + i); e.Seq != want {
					t.Fatalf("event %d has seq %d, want %d (the newest, in order)", i, e.Seq, want)
				}
			}
			if tc.wantN > 0 && r.firstSeq() != uint64(tc.push-tc.wantN+1) {
				t.Fatalf("firstSeq %d", r.firstSeq())
			}
		})
	}
}
