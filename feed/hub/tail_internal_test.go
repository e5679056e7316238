package hub

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestTailRoundGivesEachBoardWhatItHasNotHad: frames that queued up while
// the tail writer was busy go out in one round. Each board gets, in one
// write, every frame from the first that listed it: a board that went
// live between two frames gets only the later ones, a board that left
// gets nothing more, and a compressed board gets each frame as a message
// of its own. Boards without a raw socket queue what they are given, which
// the test reads back.
func TestTailRoundGivesEachBoardWhatItHasNotHad(t *testing.T) {
	board := func(compress bool) *subscriber {
		s := queuedBoard()
		s.compress = compress
		return s
	}
	early, late, gone, zipped := board(false), board(false), board(false), board(true)
	frames := make([]item, 3)
	folded := time.Unix(1_700_000_000, 0)
	for i := range frames {
		f := newRawFrame(1, []byte{'a' + byte(i)})
		f.folded = folded.Add(time.Duration(i) * time.Second)
		frames[i] = item{f: f, size: f.size(), events: i + 1}
	}
	jobs := []tailJob{
		{it: frames[0], targets: []*subscriber{early, gone, zipped}},
		{it: frames[1], targets: []*subscriber{early, gone, zipped, late}},
		{it: frames[2], targets: []*subscriber{early, zipped, late}}, // gone left
	}
	var tw tailWriter
	tw.writeRound(jobs)

	wire := func(from int) []byte {
		var b []byte
		for _, it := range frames[from:] {
			b = append(b, it.f.wire...)
		}
		return b
	}
	for _, c := range []struct {
		name   string
		s      *subscriber
		from   int
		events int
	}{
		{"the board live throughout", early, 0, 6},
		{"the board that went live after the first frame", late, 1, 5},
	} {
		if len(c.s.queue) != 1 {
			t.Fatalf("%s: %d writes, want 1", c.name, len(c.s.queue))
		}
		it := c.s.queue[0]
		if !bytes.Equal(it.f.wire, wire(c.from)) || it.events != c.events || it.frames != len(frames)-c.from || !it.f.folded.Equal(frames[c.from].f.folded) {
			t.Errorf("%s got %q (%d events in %d frames, folded %v), want %q (%d events in %d frames, folded %v)",
				c.name, it.f.wire, it.events, it.frames, it.f.folded, wire(c.from), c.events, len(frames)-c.from, frames[c.from].f.folded)
		}
	}
	if len(gone.queue) != 0 {
		t.Errorf("the board that left got %d writes", len(gone.queue))
	}
	if len(zipped.queue) != 3 {
		t.Fatalf("the compressed board got %d items, want the 3 frames apart", len(zipped.queue))
	}
	for i, it := range zipped.queue {
		if it.f != frames[i].f {
			t.Errorf("the compressed board's item %d is not frame %d", i, i)
		}
	}

	// A round of one frame writes that frame as it is.
	one := board(false)
	tw.writeRound([]tailJob{{it: frames[2], targets: []*subscriber{one}}})
	if len(one.queue) != 1 || one.queue[0].f != frames[2].f {
		t.Errorf("a round of one frame wrote %v", one.queue)
	}
}

// TestPromoteOnlyWhenTheCrowdHasPassed: the tail's boards move to the
// front only when no board has joined the tail for promoteAfter and the
// tail writer has written everything it was handed. Moved any earlier,
// the fold loop would write a board its next frame while an older one
// still waited in the tail.
func TestPromoteOnlyWhenTheCrowdHasPassed(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, tt := range []struct {
		name     string
		tail     int           // how many of the 3 live boards are the tail's
		quiet    time.Duration // since a board last joined the tail
		busy     bool          // the tail writer is writing a round
		pending  bool          // a frame waits for the tail writer
		stopped  bool          // the tail writer has stopped (the hub closes), dropping what it had
		promoted bool
	}{
		{"no tail", 0, time.Hour, false, false, false, false},
		{"the crowd is still coming", 2, promoteAfter / 2, false, false, false, false},
		{"a round is being written", 2, promoteAfter, true, false, false, false},
		{"a frame waits for the tail", 2, promoteAfter, false, true, false, false},
		{"the tail writer has stopped", 2, promoteAfter, false, false, true, false},
		{"the crowd has passed and the tail is idle", 2, promoteAfter, false, false, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &Hub{promoteAfter: promoteAfter, lastTailJoin: now.Add(-tt.quiet)}
			for i := range 3 {
				h.live = append(h.live, &subscriber{tail: i >= 3-tt.tail})
			}
			h.frontCount, h.tailCount = 3-tt.tail, tt.tail
			h.tail.busy = tt.busy
			if tt.pending {
				h.tail.jobs = []tailJob{{}}
			}
			if tt.stopped {
				h.tail.init()
				h.tail.stop()
			}
			h.promoteLocked(now)
			tail := 0
			for _, s := range h.live {
				if s.tail {
					tail++
				}
			}
			want := tt.tail
			if tt.promoted {
				want = 0
			}
			if tail != want || h.tailCount != want || h.frontCount != 3-want {
				t.Errorf("%d boards in the tail (counted %d, front %d), want %d", tail, h.tailCount, h.frontCount, want)
			}
		})
	}
}

// TestTailWriterCoalescesWhileItWaits: the tail writer waits after a dear
// round (fanOutRatio times its cost, to tailMaxLinger from the oldest
// frame), and the frames handed meanwhile go out with the first in one
// write per board.
func TestTailWriterCoalescesWhileItWaits(t *testing.T) {
	for attempt := 1; ; attempt++ {
		h := &Hub{closing: make(chan struct{})}
		h.tail.init()
		board := queuedBoard()
		// The last round took a second and has just ended: the next waits
		// tailMaxLinger from its oldest frame.
		lastEnd := time.Now()
		h.tail.cost, h.tail.end = time.Second, lastEnd
		h.loops.Add(1)
		go h.tailLoop()
		handed := time.Now()
		for i := range 3 {
			f := newRawFrame(1, []byte{'a' + byte(i)})
			f.folded = handed
			h.tail.hand(item{f: f, size: f.size(), events: 1}, []*subscriber{board})
		}
		late := time.Since(handed) // how long the three hands took
		var got []item
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			board.mu.Lock()
			got = append([]item(nil), board.queue...)
			board.mu.Unlock()
			if len(got) > 0 && h.tail.idle() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the tail writer wrote nothing within 10s")
			}
		}
		close(h.closing)
		h.loops.Wait()
		if waited := time.Since(lastEnd); waited < tailMaxLinger {
			t.Errorf("the round came %v after the last, before the tail's wait of %v", waited, tailMaxLinger)
		}
		if len(got) != 1 || string(got[0].f.wire) != string(append(append(newRawFrame(1, []byte{'a'}).wire, newRawFrame(1, []byte{'b'}).wire...), newRawFrame(1, []byte{'c'}).wire...)) || got[0].events != 3 || got[0].frames != 3 {
			if late > tailMaxLinger/2 && attempt < 5 {
				continue // this machine stalled between the hands: again
			}
			t.Fatalf("the board got %d writes (%q...), want the 3 frames in one", len(got), got[0].f.wire)
		}
		if c := h.tail.cost; c >= time.Second {
			t.Errorf("the round's cost did not enter the average: %v", c)
		}
		return
	}
}

// TestSettleTailUnderASteadyFlow: once the crowd has passed, the fold
// loop has the tail write what it holds before it takes its targets, so
// the tail is idle and its boards move to the front. Under a steady flow
// the tail is otherwise never idle when the fold loop looks: a round to
// thousands of boards outlasts the gap between two frames, and a frame
// always waits for it.
func TestSettleTailUnderASteadyFlow(t *testing.T) {
	h := &Hub{closing: make(chan struct{}), promoteAfter: promoteAfter}
	startTail(t, h)
	front, tail := queuedBoard(), queuedBoard()
	tail.tail = true
	h.live = []*subscriber{front, tail}
	h.frontCount, h.tailCount = 1, 1
	now := time.Now()
	h.lastTailJoin = now.Add(-2 * promoteAfter)
	// The tail's last round was dear: the frame just handed waits
	// tailMaxLinger before it is written.
	h.tail.cost, h.tail.end = time.Second, now
	f := newRawFrame(1, []byte("x"))
	h.tail.hand(item{f: f, size: f.size(), events: 1}, []*subscriber{tail})

	h.mu.Lock()
	h.promoteLocked(now)
	h.mu.Unlock()
	if !tail.tail {
		t.Fatal("promoted while the tail still held a frame for the board")
	}
	h.settleTail(now)
	h.mu.Lock()
	h.promoteLocked(now)
	h.mu.Unlock()
	if tail.tail || h.tailCount != 0 || h.frontCount != 2 {
		t.Fatalf("after settling, the board is still the tail's (tail %d, front %d)", h.tailCount, h.frontCount)
	}
	tail.mu.Lock()
	defer tail.mu.Unlock()
	if len(tail.queue) != 1 || tail.queue[0].f != f {
		t.Fatalf("the board got %d items before the fold loop took it over, want the frame", len(tail.queue))
	}
}

// TestJoinedWriteCountsEachFrame: a write of frames the tail writer joined
// counts every websocket frame in sitboard_frames_total and every batch's
// fold time in sitboard_delivery_lag_seconds, a heartbeat's (which has
// none) in neither lag nor deliveries, as if each had gone out alone.
func TestJoinedWriteCountsEachFrame(t *testing.T) {
	h := &Hub{}
	h.m = newMetrics(h)
	s := &subscriber{h: h}
	folded := time.Now().Add(-time.Second)
	heartbeat := newRawFrame(1, []byte("h"))
	events := func(b string, ago time.Duration) item {
		f := newRawFrame(1, []byte(b))
		f.folded = folded.Add(-ago)
		return item{f: f, size: f.size(), events: 2}
	}
	jobs := []tailJob{
		{it: item{f: heartbeat, size: heartbeat.size()}, targets: []*subscriber{s}},
		{it: events("a", 0), targets: []*subscriber{s}},
		{it: events("b", time.Millisecond), targets: []*subscriber{s}},
	}
	var tw tailWriter
	tw.writeRound(jobs)
	if len(s.queue) != 1 {
		t.Fatalf("%d writes, want the 3 frames in 1", len(s.queue))
	}
	s.sent(&s.queue[0])
	var lag dto.Metric
	if err := h.m.deliveryLag.Write(&lag); err != nil {
		t.Fatal(err)
	}
	if got := lag.GetHistogram().GetSampleCount(); got != 2 {
		t.Errorf("the delivery lag has %d samples, want one per batch of events (2)", got)
	}
	if got := lag.GetHistogram().GetSampleSum(); got < 2 {
		t.Errorf("the delivery lag's samples sum to %.3fs, want each batch's second and more since its fold", got)
	}
	for name, want := range map[string]float64{"frames": 3, "deliveries": 4} {
		c := map[string]prometheus.Counter{"frames": h.m.frames, "deliveries": h.m.deliveries}[name]
		var m dto.Metric
		if err := c.Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("%s counted %v, want %v", name, got, want)
		}
	}
}

// queuedBoard is a board without a socket: it queues what it is given,
// which a test reads back from its queue.
func queuedBoard() *subscriber {
	return &subscriber{limit: 1 << 20, notify: make(chan struct{}, 1)}
}

// startTail runs h's tail writer until the test ends.
func startTail(t *testing.T, h *Hub) {
	t.Helper()
	h.tail.init()
	h.loops.Add(1)
	go h.tailLoop()
	t.Cleanup(func() { close(h.closing); h.loops.Wait() })
}

// TestSettleLeavesTheNextCrowdItsWait: a settle that finds the tail
// writer in a round with nothing more waiting must not leave its request
// to hurry behind. It did: the round had already taken it, the token
// stayed, and the first frame of the next crowd went out without the
// tail's wait, one write per frame instead of the frames joined.
func TestSettleLeavesTheNextCrowdItsWait(t *testing.T) {
	h := &Hub{closing: make(chan struct{})}
	// A round is under way (busy, nothing waiting) when the fold loop
	// settles; the test ends the round.
	h.tail.busy = true
	startTail(t, h)
	settled := make(chan struct{})
	go func() { h.tail.settle(); close(settled) }()
	for {
		h.tail.mu.Lock()
		asked := h.tail.hurry
		h.tail.mu.Unlock()
		if asked {
			break
		}
		runtime.Gosched()
	}
	h.tail.mu.Lock()
	h.tail.busy = false
	h.tail.settled.Broadcast()
	h.tail.mu.Unlock()
	<-settled

	// The next crowd: the last round was dear, so its first frame waits
	// tailMaxLinger, and the frames handed meanwhile join it.
	board := queuedBoard()
	lastEnd := time.Now()
	h.tail.cost, h.tail.end = time.Second, lastEnd
	f := newRawFrame(1, []byte("a"))
	h.tail.hand(item{f: f, size: f.size(), events: 1}, []*subscriber{board})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		board.mu.Lock()
		n := len(board.queue)
		board.mu.Unlock()
		if n > 0 && h.tail.idle() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tail writer wrote nothing within 10s")
		}
	}
	if waited := time.Since(lastEnd); waited < tailMaxLinger {
		t.Errorf("the next crowd's first frame went out %v after the last round, without the tail's wait of %v: the settle's hurry was left behind", waited, tailMaxLinger)
	}
}
