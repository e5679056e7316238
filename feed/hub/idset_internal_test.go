package hub

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"sitboard/feed"
)

// TestIDSetUnknown: a request's events whose id the set holds are counted
// and left out, in order, and a request of only new ids is passed on as
// it is.
func TestIDSetUnknown(t *testing.T) {
	s := newIDSet()
	s.add("a", "c")
	evs := func(ids ...string) []feed.Event {
		out := make([]feed.Event, len(ids))
		for i, id := range ids {
			out[i] = feed.Event{ID: id}
		}
		return out
	}
	for _, tc := range []struct {
		in    []string
		fresh []string
		known int
	}{
		{[]string{"b", "d"}, []string{"b", "d"}, 0},
		{[]string{"a", "b", "c", "d"}, []string{"b", "d"}, 2},
		{[]string{"b", "a"}, []string{"b"}, 1},
		{[]string{"a", "c"}, nil, 2},
	} {
		fresh, known := s.unknown(evs(tc.in...))
		var got []string
		for _, ev := range fresh {
			got = append(got, ev.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.fresh) || known != tc.known {
			t.Errorf("%v: fresh %v, known %d; want %v, %d", tc.in, got, known, tc.fresh, tc.known)
		}
	}
	var none *idSet // a memory log has no set
	if fresh, known := none.unknown(evs("a")); len(fresh) != 1 || known != 0 {
		t.Errorf("no set: %d fresh, %d known", len(fresh), known)
	}
}

// TestIDRecordsFromTheFold: the fold's ids go into one full record per
// chunk of idChunk seqs, a chunk's ids wait for idPartialAfter before a
// partial record is written (or for the hub to stop), a later full record
// holds the partial's ids too, and a record reads back as it was written.
func TestIDRecordsFromTheFold(t *testing.T) {
	h := &Hub{ids: newIDSet(), log: slog.New(slog.DiscardHandler)}
	l := &idLog{h: h, wake: make(chan struct{}, 1), partials: map[uint64][]uint64{}}
	h.idLog = l
	fold := func(from, to uint64) {
		var batch []feed.Event
		for seq := from; seq <= to; seq++ {
			batch = append(batch, feed.Event{Seq: seq, ID: fmt.Sprintf("ev-%d", seq)})
		}
		h.foldIDs(batch)
	}
	fold(1, idChunk+10)
	if len(l.queue) != 1 || !l.queue[0].full() || len(l.queue[0].ids) != idChunk || l.queue[0].ids[0] != "ev-1" {
		t.Fatalf("after a chunk and 10 seqs: queue %+v, want one full record of chunk 0", summary(l.queue))
	}
	l.partial(time.Now(), false)
	if len(l.queue) != 1 {
		t.Fatalf("a partial record written before idPartialAfter: %v", summary(l.queue))
	}
	l.partial(time.Now().Add(idPartialAfter), false)
	if len(l.queue) != 2 || l.queue[1].full() || l.queue[1].to != idChunk+10 || len(l.queue[1].ids) != 10 {
		t.Fatalf("after idPartialAfter: %v, want a partial record of seqs %d-%d", summary(l.queue), idChunk+1, idChunk+10)
	}
	l.partial(time.Now().Add(2*idPartialAfter), true)
	if len(l.queue) != 2 {
		t.Fatalf("a second partial record with nothing new: %v", summary(l.queue))
	}
	fold(idChunk+11, 2*idChunk)
	if len(l.queue) != 3 || !l.queue[2].full() || len(l.queue[2].ids) != idChunk || l.queue[2].ids[0] != fmt.Sprintf("ev-%d", idChunk+1) {
		t.Fatalf("chunk 1 complete: %v, want its full record with every id", summary(l.queue))
	}
	if n := h.ids.size(); n != 2*idChunk {
		t.Errorf("the set holds %d ids, want %d", n, 2*idChunk)
	}
	rec := l.queue[2]
	data, err := encodeIDs(rec.ids)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string][]string{hdrIDsFrom: {fmt.Sprint(rec.from)}, hdrIDsTo: {fmt.Sprint(rec.to)}, hdrIDsCount: {fmt.Sprint(len(rec.ids))}}
	back, err := decodeIDRecord("sitboard.events.ids.e.1", hdr, data)
	if err != nil || back.chunk != 1 || back.from != rec.from || back.to != rec.to || fmt.Sprint(back.ids) != fmt.Sprint(rec.ids) {
		t.Fatalf("record read back: %v %v", summary([]idRecord{back}), err)
	}
	if _, err := decodeIDRecord("sitboard.events.ids.e.0", hdr, data); err == nil {
		t.Error("a record whose seqs are not its subject's chunk was read")
	}
}

func summary(q []idRecord) string {
	var b bytes.Buffer
	for _, r := range q {
		fmt.Fprintf(&b, "[chunk %d seqs %d-%d, %d ids, full %v] ", r.chunk, r.from, r.to, len(r.ids), r.full())
	}
	return b.String()
}

// campaignIDs reads the ids of the shipped recording.
func campaignIDs(tb testing.TB) []string {
	f, err := os.Open(filepath.Join("..", "..", "demo", "recordings", "summer-action-2023.jsonl.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct{ ID string }
		if err := jsonUnmarshal(sc.Bytes(), &ev); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

// BenchmarkIDSet measures deduplication for the shipped campaign's
// 157,735 ids: the set's memory, the id stream's payload (deflated
// records of idChunk seqs), and a request's lookup (500 events).
//
//	go test ./feed/hub -run '^$' -bench IDSet -benchtime 2000x
func BenchmarkIDSet(b *testing.B) {
	ids := campaignIDs(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newIDSet()
	s.add(ids...)
	runtime.GC()
	runtime.ReadMemStats(&after)
	setBytes := float64(after.HeapAlloc - before.HeapAlloc)
	var payload int
	for i := 0; i < len(ids); i += idChunk {
		data, err := encodeIDs(ids[i:min(i+idChunk, len(ids))])
		if err != nil {
			b.Fatal(err)
		}
		payload += len(data)
	}
	batch := make([]feed.Event, 500)
	for i := range batch {
		batch[i] = feed.Event{ID: ids[(i*311)%len(ids)]}
	}
	for b.Loop() {
		if _, known := s.unknown(batch); known != len(batch) {
			b.Fatal("lookup failed")
		}
	}
	runtime.KeepAlive(s)
	b.ReportMetric(float64(len(ids)), "ids")
	b.ReportMetric(setBytes/(1<<20), "set-MiB")
	b.ReportMetric(setBytes/float64(len(ids)), "set-B/id")
	b.ReportMetric(float64(payload)/1024, "records-KiB")
}
