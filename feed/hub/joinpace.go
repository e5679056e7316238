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
// reconnecting never wait. Only streams are paced; ingest and every other
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

// awaitJoin waits for the stream's turn to join; false when the client
// went away or the hub closes meanwhile (its turn is not given back: a
// storm's joins only move later by as much).
func (h *Hub) awaitJoin(done <-chan struct{}) bool {
	wait := h.joins.reserve(time.Now())
	if wait == 0 {
		return true
	}
	h.m.joinsPaced.Inc()
	h.joinsWaiting.Add(1)
	defer h.joinsWaiting.Add(-1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	case <-h.closing:
		return false
	}
}
