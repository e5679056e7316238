package hub

import "sitboard/feed"

// ring keeps the most recent folded events, so most resumes are served from
// memory without touching the log.
type ring struct {
	buf   []feed.Event
	start int // index of the oldest event
	n     int
}

func newRing(size int) ring { return ring{buf: make([]feed.Event, size)} }

func (r *ring) push(ev feed.Event) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = ev
		r.n++
		return
	}
	r.buf[r.start] = ev
	r.start = (r.start + 1) % len(r.buf)
}

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
