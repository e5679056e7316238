package hub

import "sitboard/feed"

// ringEventOverhead approximates what one held event costs besides its
// strings and payload: the feed.Event struct and the slice slot.
const ringEventOverhead = 160

// ring keeps the most recent folded events, so most resumes are served from
// memory without touching the log. It is bounded both by count and by
// bytes: 65,536 events of 8 KiB payloads would otherwise hold 0.5 GiB.
type ring struct {
	buf      []feed.Event
	start    int // index of the oldest event
	n        int
	bytes    int // approximate memory held by the n events
	maxBytes int
}

func newRing(size, maxBytes int) ring {
	return ring{buf: make([]feed.Event, size), maxBytes: maxBytes}
}

// eventBytes is the approximate memory an event holds in the ring.
func eventBytes(ev *feed.Event) int {
	return ringEventOverhead + len(ev.ID) + len(ev.Type) + len(ev.District) + len(ev.Grid) + len(ev.Data)
}

func (r *ring) push(ev feed.Event) {
	size := eventBytes(&ev)
	for r.n > 0 && (r.n == len(r.buf) || r.bytes+size > r.maxBytes) {
		r.dropOldest()
	}
	if size > r.maxBytes {
		// One event larger than the whole budget: keep none, and resumes
		// across it go to the log.
		return
	}
	r.buf[(r.start+r.n)%len(r.buf)] = ev
	r.n++
	r.bytes += size
}

func (r *ring) dropOldest() {
	old := &r.buf[r.start]
	r.bytes -= eventBytes(old)
	*old = feed.Event{} // let the payload go
	r.start = (r.start + 1) % len(r.buf)
	r.n--
}

func (r *ring) len() int { return r.n }

// firstSeq is the oldest seq held, or 0 when empty.
func (r *ring) firstSeq() uint64 {
	if r.n == 0 {
		return 0
	}
	return r.buf[r.start].Seq
}

// since copies the held events with seq > after, in order.
func (r *ring) since(after uint64) []feed.Event {
	var out []feed.Event
	// Seqs are ascending, so search from the end; usually few are missed.
	i := r.n
	for i > 0 && r.buf[(r.start+i-1)%len(r.buf)].Seq > after {
		i--
	}
	out = make([]feed.Event, 0, r.n-i)
	for ; i < r.n; i++ {
		out = append(out, r.buf[(r.start+i)%len(r.buf)])
	}
	return out
}
