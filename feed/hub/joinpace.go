package hub

import (
	"runtime"
	"sync"
	"time"
)

// Join pacing. A board joining costs the hub 0.15-0.3 ms of CPU (the
// handshake, the hello, its share of the snapshot's encoding and the
// 155 KB write) in a burst of goroutines woken one after another. When
// every board reconnects at once, thousands of them queue for the cores
// ahead of everything else, and Go's scheduler has no priorities: a live
// event's path through ingest and the log waits behind them at each hop,
// 100-250 ms on the 2-core reference VM (BenchmarkReconnectStorm). So the
// hub lets new streams in at joinsPerSecondPerProc for each P, after a
// burst of joinBurst: on two cores 4,000 boards join in about 1.2 s and
// the boards already live keep their latency (p99 62-85 ms, 170-243 ms
// unpaced; with the fold's bound at 50 ms, 47-67 ms here against 80-131 ms
// at 2,500 a second per P, and 63-96 ms at 1,250, where the storm lasts
// long enough to cost 0.28 ms of CPU per board). A few boards
// reconnecting never wait (no more than fit among the joins in flight,
// joinSlots, at once). Only streams are paced; ingest and every other
// request go straight through.
const (
	joinsPerSecondPerProc = 1750
	joinBurst             = 64
)

// joinPacer hands out join times at a steady rate: a token bucket kept as
// the time the next join may start.
type joinPacer struct {
	mu    sync.Mutex
	next  time.Time
	every time.Duration // between joins
	burst time.Duration // the burst, as joins times every
}

// newJoinPacer paces joins at perSecond (0 or less: the default for this
// machine's Ps), after a burst of joinBurst, or of a second's joins if
// fewer.
func newJoinPacer(perSecond int) *joinPacer {
	if perSecond <= 0 {
		perSecond = joinsPerSecondPerProc * runtime.GOMAXPROCS(0)
	}
	return pacerOf(time.Second/time.Duration(perSecond), min(joinBurst, perSecond))
}

// pacerOf lets a join in every `every`, after a burst of burst joins.
func pacerOf(every time.Duration, burst int) *joinPacer {
	return &joinPacer{every: every, burst: time.Duration(burst) * every}
}

// reserve takes the next join time at now and says how long to wait for
// it (0: at once).
func (p *joinPacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	// At most burst joins start at once: the first at now-burst+every.
	if earliest := now.Add(p.every - p.burst); p.next.Before(earliest) {
		p.next = earliest
	}
	at := p.next
	p.next = p.next.Add(p.every)
	return max(at.Sub(now), 0)
}

// joinSlots caps the boards between their turn and going live (their
// hello read, their snapshot or resume queued, their place in the
// fan-out). The pacer alone spaces turns by the clock: when the machine
// stalls for a moment (another process, a GC), the turns that fell due
// meanwhile all start together, and that burst is what keeps the boards
// already live waiting for a core. With a few places, joins go at the
// pace the hub actually finishes them, which is the pacer's own as long
// as the machine keeps up (BenchmarkReconnectStorm: 10,000 boards join in
// the same 2.9 s, and the share of the hub's goroutine runs that waited
// over 10 ms fell from 0.45% to 0.06%, live p99 median 37 to 26 ms).
//
// A board holds its place for joinSlotHold at most: one on a slow link,
// whose hello takes a round trip or more, must not hold up the others,
// and past that time its join is waiting for the network, not the CPU.
type joinSlots struct {
	places chan struct{}
	hold   time.Duration
}

const (
	joinsInFlightPerProc = 4
	joinSlotHold         = 50 * time.Millisecond
)

// newJoinSlots makes n places (0: joinsInFlightPerProc for each P; less
// than 0: no cap, nil, whose places are always free).
func newJoinSlots(n int, hold time.Duration) *joinSlots {
	if n < 0 {
		return nil
	}
	if n == 0 {
		n = joinsInFlightPerProc * runtime.GOMAXPROCS(0)
	}
	return &joinSlots{places: make(chan struct{}, n), hold: hold}
}

// tryTake takes a place if one is free.
func (j *joinSlots) tryTake() bool {
	if j == nil {
		return true
	}
	select {
	case j.places <- struct{}{}:
		return true
	default:
		return false
	}
}

// take waits for a place; false when done or closing comes first.
func (j *joinSlots) take(done, closing <-chan struct{}) bool {
	if j == nil {
		return true
	}
	select {
	case j.places <- struct{}{}:
		return true
	case <-done:
		return false
	case <-closing:
		return false
	}
}

// held gives the place back when release is called or the hold has
// passed, whichever comes first, and only once.
func (j *joinSlots) held() (release func()) {
	if j == nil {
		return func() {}
	}
	give := sync.OnceFunc(func() { <-j.places })
	t := time.AfterFunc(j.hold, give)
	return func() {
		t.Stop()
		give()
	}
}

// awaitJoin waits for the stream's turn to join and for a place among
// the joins in flight. It returns ok false when the client went away or
// the hub closes meanwhile (its turn is not given back: a storm's joins
// only move later by as much); else release, which gives the place back
// (idempotent; the board calls it once live).
func (h *Hub) awaitJoin(done <-chan struct{}) (release func(), ok bool) {
	wait := h.joins.reserve(time.Now())
	if wait == 0 && h.joinSlots.tryTake() {
		return h.joinSlots.held(), true
	}
	h.m.joinsPaced.Inc()
	h.joinsWaiting.Add(1)
	defer h.joinsWaiting.Add(-1)
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
			return nil, false
		case <-h.closing:
			return nil, false
		}
	}
	if !h.joinSlots.take(done, h.closing) {
		return nil, false
	}
	return h.joinSlots.held(), true
}
