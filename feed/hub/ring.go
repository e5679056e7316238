package hub

import (
	"encoding/json"
	"sort"

	"sitboard/feed"
)

// ringEventOverhead approximates what one held event costs besides its
// strings and payload: the entry and its slot.
const ringEventOverhead = 160

// ringEntry is one folded event. It is held as the fold got it until a
// board needs it, then only as boards get it: its JSON with its seq, the
// bytes every frame holding it shares (the fan-out's, every resume's).
type ringEntry struct {
	seq  uint64
	ev   feed.Event      // zero once wire is set
	wire json.RawMessage // the event as sent, once encoded
}

// ring keeps the most recent folded events, so most resumes are served from
// memory without touching the log. It is bounded both by count and by
// bytes: 65,536 events of 8 KiB payloads would otherwise hold 0.5 GiB.
// Resumes read it in slices (read), under the hub's lock, a frame's worth
// at a time: nothing is copied for a board beyond the frame it is sent.
type ring struct {
	buf      []ringEntry
	start    int // index of the oldest event
	n        int
	bytes    int // approximate memory held by the n events
	maxBytes int
}

func newRing(size, maxBytes int) ring {
	return ring{buf: make([]ringEntry, size), maxBytes: maxBytes}
}

// eventBytes is the approximate memory an event holds in the ring before
// it is encoded.
func eventBytes(ev *feed.Event) int {
	return ringEventOverhead + len(ev.ID) + len(ev.Type) + len(ev.District) + len(ev.Grid) + len(ev.Data)
}

func (e *ringEntry) bytes() int {
	if e.wire != nil {
		return ringEventOverhead + len(e.wire)
	}
	return eventBytes(&e.ev)
}

// push adds the newest event, with its encoding when the fan-out made one
// (nil otherwise: it is encoded when a resume first needs it).
func (r *ring) push(ev feed.Event, wire json.RawMessage) {
	e := ringEntry{seq: ev.Seq, wire: wire}
	if wire == nil {
		e.ev = ev
	}
	size := e.bytes()
	for r.n > 0 && (r.n == len(r.buf) || r.bytes+size > r.maxBytes) {
		r.dropOldest()
	}
	if size > r.maxBytes {
		// One event larger than the whole budget: keep none, and resumes
		// across it go to the log.
		return
	}
	r.buf[(r.start+r.n)%len(r.buf)] = e
	r.n++
	r.bytes += size
}

func (r *ring) dropOldest() {
	old := &r.buf[r.start]
	r.bytes -= old.bytes()
	*old = ringEntry{} // let the payload go
	r.start = (r.start + 1) % len(r.buf)
	r.n--
}

func (r *ring) len() int { return r.n }

func (r *ring) at(i int) *ringEntry { return &r.buf[(r.start+i)%len(r.buf)] }

// firstSeq is the oldest seq held, or 0 when empty.
func (r *ring) firstSeq() uint64 {
	if r.n == 0 {
		return 0
	}
	return r.buf[r.start].seq
}

// read appends to dst the held entries from seq `from` on, in order, up
// to max of them or until they hold maxBytes: none when the ring does not
// hold every event from `from` on (it is empty, or `from` is older than
// its oldest event). The entries share their payloads with the ring; the
// caller drops them once the frame is made.
func (r *ring) read(from uint64, max, maxBytes int, dst []ringEntry) []ringEntry {
	if r.n == 0 || from < r.firstSeq() {
		return dst
	}
	// Seqs ascend, but need not be contiguous (the log may hold other
	// subjects), so search.
	i := sort.Search(r.n, func(i int) bool { return r.at(i).seq >= from })
	for size := 0; i < r.n && max > 0 && size < maxBytes; i, max = i+1, max-1 {
		e := r.at(i)
		size += e.bytes()
		dst = append(dst, *e)
	}
	return dst
}

// keepEncoded stores the encodings a resume made of events the ring still
// holds unencoded, so the next resume across them does not encode them
// again, and drops their decoded form.
func (r *ring) keepEncoded(entries []ringEntry) {
	if len(entries) == 0 || r.n == 0 {
		return
	}
	i := sort.Search(r.n, func(i int) bool { return r.at(i).seq >= entries[0].seq })
	for _, e := range entries {
		for i < r.n && r.at(i).seq < e.seq {
			i++
		}
		if i == r.n {
			break
		}
		if held := r.at(i); held.seq == e.seq && held.wire == nil && e.wire != nil {
			r.bytes -= held.bytes()
			*held = ringEntry{seq: e.seq, wire: e.wire}
			r.bytes += held.bytes()
		}
	}
	for r.n > 0 && r.bytes > r.maxBytes {
		r.dropOldest()
	}
}

// encodeEvent is an event as every board gets it, seq included.
func encodeEvent(ev *feed.Event) (json.RawMessage, error) {
	return json.Marshal(ev)
}
