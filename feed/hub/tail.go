package hub

import (
	"runtime"
	"sync"
	"time"
)

// The fan-out's tail: the boards that go live while a crowd joins.
//
// With thousands of boards a fan-out takes tens of milliseconds, 40-300 ms
// at 10,000 on the 2-core reference VM while a storm's joins take their
// share. Written by the fold loop, every event that came meanwhile waited
// for it, on every board, and the boards already live before the storm
// saw their live p99 go to 68-270 ms (BenchmarkReconnectStorm;
// docs/operations.md, "Reconnect storms").
//
// So the fold loop writes each frame itself only to the front: the boards
// that went live while it held fewer than frontBoards (those live before a
// crowd came, and the first of a hub whose boards all join at once). A
// board that goes live while the front is full is the tail's, and the
// fold loop hands the frame to the tail writer for those. The fold loop
// paces by what its own fan-outs cost (linger), so a crowd joining does
// not slow the front. The tail writer is paced like the fold, fanOutRatio
// times what its rounds take, but to tailMaxLinger at most, and it yields
// between chunks of boards: Go's scheduler has no priorities, and a yield
// puts its long rounds behind the front's and ingest's short work. Frames
// that queue up while it writes (or waits) go out in its next round as one
// write per board: a crowd costs fewer writes for being written later.
//
// A board is the front's or the tail's from the moment it goes live
// (subscriber.tail), so each board has one writer of its frames and gets
// them in order; a heartbeat goes the same way as the events. Once the
// crowd has passed (no board has joined the tail for promoteAfter) and the
// tail writer has written all it was handed, the fold loop moves every
// tail board to the front (promoteLocked): with one writer again, a frame
// costs each board one write and the fold's pacing covers all of them.
// Under a steady flow the tail is never idle when the fold loop looks (a
// round to thousands of boards outlasts the gap between frames), so once
// the crowd has passed the fold loop stops handing it frames and waits
// for it to write what it has, without its linger (settleTail): one round,
// once per crowd.
const (
	frontBoards   = 256
	tailMaxLinger = 250 * time.Millisecond
	promoteAfter  = time.Second
)

// tailJob is a frame for the tail's boards as they were when it was made,
// and when it was handed over.
type tailJob struct {
	it      item
	targets []*subscriber
	handed  time.Time
}

type tailWriter struct {
	mu   sync.Mutex
	jobs []tailJob
	busy bool // a round has taken jobs and not finished writing them
	// hurry makes the next round go without its linger; settled is
	// signalled when a round ends or the writer stops (settleTail waits
	// on it), stopped once it has.
	hurry   bool
	stopped bool
	settled *sync.Cond
	wake    chan struct{} // 1-buffered: jobs are waiting
	hurried chan struct{} // 1-buffered: hurry was set (cuts a linger short)
	// Only the tail goroutine uses these: what a round takes lately (a
	// moving average) and when the last one ended, for its pacing.
	cost  time.Duration
	end   time.Time
	spare []tailJob
	round uint64
}

// init readies a tail writer in place (its condition holds its mutex).
func (t *tailWriter) init() {
	t.wake = make(chan struct{}, 1)
	t.hurried = make(chan struct{}, 1)
	t.settled = sync.NewCond(&t.mu)
}

// hand queues a frame for the tail's boards (a copy of targets: the fold
// loop reuses its list). It never blocks.
func (t *tailWriter) hand(it item, targets []*subscriber) {
	job := tailJob{it: it, targets: append([]*subscriber(nil), targets...), handed: time.Now()}
	t.mu.Lock()
	t.jobs = append(t.jobs, job)
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// idle says the tail writer has written every frame handed to it. Only
// the fold loop hands frames, so for the fold loop it stays idle until
// the next hand. A stopped writer dropped what it had, so it is not.
func (t *tailWriter) idle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.idleLocked()
}

func (t *tailWriter) idleLocked() bool { return !t.busy && len(t.jobs) == 0 && !t.stopped }

// settle asks for the frames handed so far to be written at once and
// waits until they are (or the writer has stopped). The caller, the fold
// loop, hands nothing meanwhile, so the writer is idle when it returns.
func (t *tailWriter) settle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idleLocked() {
		return
	}
	t.hurry = true
	if len(t.jobs) > 0 {
		// Cut the wait of the round that will take them. Without jobs
		// waiting, a round is under way and none follows it: a token
		// left now would cut the next crowd's first wait instead.
		select {
		case t.hurried <- struct{}{}:
		default:
		}
	}
	for !t.idleLocked() && !t.stopped {
		t.settled.Wait()
	}
	t.hurry = false
}

// stop ends the writer: what it has not written is dropped (every board
// is being closed) and a settle waiting for it returns.
func (t *tailWriter) stop() {
	t.mu.Lock()
	t.stopped, t.busy = true, false
	clear(t.jobs)
	t.jobs = t.jobs[:0]
	t.settled.Broadcast()
	t.mu.Unlock()
}

// tailLoop writes the tail's frames in rounds until the hub closes.
func (h *Hub) tailLoop() {
	defer h.loops.Done()
	t := &h.tail
	defer t.stop()
	for {
		select {
		case <-t.wake:
		case <-h.closing:
			return
		}
		t.mu.Lock()
		waiting, hurry := len(t.jobs) > 0, t.hurry
		var oldest time.Time
		if waiting {
			oldest = t.jobs[0].handed
		}
		t.mu.Unlock()
		if !waiting {
			continue // a wake for jobs the round before took
		}
		if wait := time.Until(lingerUntil(oldest, t.end, t.cost, 0, tailMaxLinger)); wait > 0 && !hurry {
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-t.hurried: // settle: at once
			case <-h.closing:
				timer.Stop()
				return
			}
			timer.Stop()
		}
		// The spare array is handed over only with jobs in hand, so the
		// list being written is never the one hand appends to.
		t.mu.Lock()
		jobs := t.jobs
		t.jobs, t.spare = t.spare[:0], nil
		t.busy = true
		t.mu.Unlock()
		select {
		case <-t.hurried: // spent: this round is the one asked for
		default:
		}
		start := time.Now()
		t.writeRound(jobs)
		end := time.Now()
		t.cost += (end.Sub(start) - t.cost) / 4
		t.end = end
		clear(jobs) // and with them the copies of the targets
		t.mu.Lock()
		t.spare = jobs[:0]
		t.busy = false
		t.settled.Broadcast()
		t.mu.Unlock()
	}
}

// writeRound gives each of the tail's boards the frames of jobs it has not
// had: those from the first job that lists it (a board that went live
// meanwhile is in the later ones only) to the last. A board that left is
// in none after it left, and gets nothing more. It yields every
// fanOutYield boards (see the comment at the top).
func (t *tailWriter) writeRound(jobs []tailJob) {
	last := jobs[len(jobs)-1].targets
	if len(jobs) == 1 {
		deliverAll(last, jobs[0].it, true)
		return
	}
	t.round++
	for i, j := range jobs {
		for _, s := range j.targets {
			if s.tailRound != t.round {
				s.tailRound, s.tailFrom = t.round, i
			}
		}
	}
	// The frames one after another: from[i] is jobs i..last in one piece,
	// one write for a board that needs them all.
	total := 0
	for _, j := range jobs {
		total += len(j.it.f.wire)
	}
	wire := make([]byte, 0, total)
	offs := make([]int, len(jobs))
	for i, j := range jobs {
		offs[i] = len(wire)
		wire = append(wire, j.it.f.wire...)
	}
	// Each frame's fold time, for the delivery lag: folds[firstFold[i]:]
	// are those of jobs i..last (heartbeats have none).
	folds := make([]time.Time, 0, len(jobs))
	firstFold := make([]int, len(jobs))
	for i, j := range jobs {
		firstFold[i] = len(folds)
		if f := j.it.f.folded; !f.IsZero() {
			folds = append(folds, f)
		}
	}
	from := make([]item, len(jobs))
	size, events := 0, 0
	for i := len(jobs) - 1; i >= 0; i-- {
		size += jobs[i].it.size
		events += jobs[i].it.events
		f := &frame{wire: wire[offs[i]:], folded: jobs[i].it.f.folded, folds: folds[firstFold[i]:]}
		from[i] = item{f: f, size: size, events: events, frames: len(jobs) - i}
	}
	for i, s := range last {
		if i%fanOutYield == fanOutYield-1 {
			runtime.Gosched()
		}
		if s.compress {
			// Compressed boards get each frame as a message of its own.
			for _, j := range jobs[s.tailFrom:] {
				s.deliver(j.it)
			}
			continue
		}
		s.deliver(from[s.tailFrom])
	}
}

// settleTail, in the fold loop before it takes its targets: once the crowd
// has passed, the tail writes what it has at once, so that promoteLocked
// finds it idle.
func (h *Hub) settleTail(now time.Time) {
	h.mu.Lock()
	due := h.crowdPassedLocked(now)
	h.mu.Unlock()
	if due {
		h.tail.settle()
	}
}

// crowdPassedLocked: the tail has boards, and none has joined it for
// promoteAfter.
func (h *Hub) crowdPassedLocked(now time.Time) bool {
	return h.tailCount > 0 && now.Sub(h.lastTailJoin) >= h.promoteAfter
}

// promoteLocked moves every tail board to the front once the crowd has
// passed: no board has gone live into the tail for promoteAfter, and the
// tail writer has written all it was handed (so a board's frames from
// now on, written by the fold loop, come after all the tail wrote it).
// The fold loop calls it before taking its targets.
func (h *Hub) promoteLocked(now time.Time) {
	if !h.crowdPassedLocked(now) || !h.tail.idle() {
		return
	}
	for _, s := range h.live {
		s.tail = false
	}
	h.frontCount += h.tailCount
	h.tailCount = 0
	h.tailBoards.Store(0)
}
