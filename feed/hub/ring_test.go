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
				r.push(ev(uint64(i)), nil)
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
			got := r.read(0, 1<<20, 1<<30, nil)
			if tc.wantN > 0 {
				// From before the oldest event: the ring cannot serve it.
				if len(got) != 0 {
					t.Fatalf("read(0) gave %d events from a ring that no longer starts at seq 1", len(got))
				}
				got = r.read(r.firstSeq(), 1<<20, 1<<30, nil)
			}
			if len(got) != tc.wantN {
				t.Fatalf("read gave %d events, want %d", len(got), tc.wantN)
			}
			for i, e := range got {
				if want := uint64(tc.push - tc.wantN + 1 + i); e.seq != want || e.ev.Seq != want {
					t.Fatalf("event %d has seq %d, want %d (the newest, in order)", i, e.seq, want)
				}
			}
			if tc.wantN > 0 && r.firstSeq() != uint64(tc.push-tc.wantN+1) {
				t.Fatalf("firstSeq %d", r.firstSeq())
			}
		})
	}
}

// TestRingReadsAFrameAtATime: a resume reads the ring in slices from any
// seq it holds, across seqs the log skipped (other subjects), and the
// encodings a resume makes replace the decoded events, within the budget.
func TestRingReadsAFrameAtATime(t *testing.T) {
	r := newRing(64, 1<<20)
	var seqs []uint64
	for seq := uint64(10); len(seqs) < 40; seq += 1 + seq%3 { // gaps of 0 to 2
		r.push(feed.Event{Seq: seq, ID: "e", Type: "t", District: "d", Data: json.RawMessage(`{}`)}, nil)
		seqs = append(seqs, seq)
	}
	per := r.at(0).bytes()
	for _, tc := range []struct {
		name     string
		from     uint64
		max      int
		maxBytes int
		first    int // index in seqs of the first entry read; -1: none
		n        int
	}{
		{"from the oldest", 10, 8, 1 << 30, 0, 8},
		{"from a seq held", seqs[5], 8, 1 << 30, 5, 8},
		{"from a seq skipped", seqs[5] + 1, 8, 1 << 30, 6, 8},
		{"the last slice is short", seqs[36], 8, 1 << 30, 36, 4},
		{"bytes bound the slice", seqs[5], 8, 3 * per, 5, 3},
		{"one entry over the bytes still goes", seqs[5], 8, 1, 5, 1},
		{"past the newest", seqs[39] + 1, 8, 1 << 30, -1, 0},
		{"older than the ring", 9, 8, 1 << 30, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.read(tc.from, tc.max, tc.maxBytes, nil)
			if len(got) != tc.n {
				t.Fatalf("read(%d, %d) gave %d entries, want %d", tc.from, tc.max, len(got), tc.n)
			}
			for i, e := range got {
				if e.seq != seqs[tc.first+i] {
					t.Fatalf("entry %d has seq %d, want %d", i, e.seq, seqs[tc.first+i])
				}
			}
		})
	}

	before := r.bytes
	slice := r.read(seqs[4], 3, 1<<30, nil)
	for i := range slice {
		w, err := encodeEvent(&slice[i].ev)
		if err != nil {
			t.Fatal(err)
		}
		slice[i].wire, slice[i].ev = w, feed.Event{}
	}
	r.keepEncoded(slice)
	again := r.read(seqs[4], 4, 1<<30, nil)
	for i, e := range again[:3] {
		if string(e.wire) != string(slice[i].wire) || e.ev.ID != "" {
			t.Fatalf("entry %d after keepEncoded: wire %q, decoded id %q; want the encoding only", i, e.wire, e.ev.ID)
		}
		var back feed.Event
		if err := json.Unmarshal(e.wire, &back); err != nil || back.Seq != e.seq {
			t.Fatalf("entry %d's encoding %q does not carry seq %d", i, e.wire, e.seq)
		}
	}
	if again[3].wire != nil {
		t.Fatal("an entry no resume encoded has an encoding")
	}
	want := before
	for i := range slice {
		want += ringEventOverhead + len(slice[i].wire) - eventBytes(&feed.Event{ID: "e", Type: "t", District: "d", Data: json.RawMessage(`{}`)})
	}
	if r.bytes != want {
		t.Fatalf("ring counts %d bytes after keeping 3 encodings, want %d", r.bytes, want)
	}
}
