package hub

import (
	"runtime"
	"testing"
	"time"
)

// TestJoinPacer: a burst joins at once, then one join every interval; a
// quiet spell fills the burst again, but no further.
func TestJoinPacer(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	type step struct {
		at   time.Duration // after t0
		wait time.Duration // reserve's answer
	}
	tests := []struct {
		name  string
		every time.Duration
		burst int
		steps []step
	}{
		{"a burst, then the rate", ms(10), 3, []step{{0, 0}, {0, 0}, {0, 0}, {0, ms(10)}, {0, ms(20)}, {ms(5), ms(25)}}},
		{"a few boards reconnecting never wait", ms(10), 3, []step{{0, 0}, {ms(100), 0}, {ms(200), 0}, {ms(300), 0}}},
		{"a quiet spell refills the burst, no more", ms(10), 2, []step{{0, 0}, {0, 0}, {0, ms(10)}, {ms(1000), 0}, {ms(1000), 0}, {ms(1000), ms(10)}}},
		{"waits shrink as time passes", ms(10), 1, []step{{0, 0}, {0, ms(10)}, {0, ms(20)}, {ms(15), ms(15)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pacerOf(tt.every, tt.burst)
			for i, s := range tt.steps {
				if got := p.reserve(t0.Add(s.at)); got != s.wait {
					t.Errorf("join %d at %v: waits %v, want %v", i+1, s.at, got, s.wait)
				}
			}
		})
	}
}

// TestDefaultJoinPace: the default is joinsPerSecondPerProc for each P,
// with a burst of joinBurst; a rate set lower keeps its burst within a
// second's joins.
func TestDefaultJoinPace(t *testing.T) {
	p := newJoinPacer(0)
	if p.every <= 0 || p.burst != joinBurst*p.every {
		t.Errorf("default pacer: every %v, burst %v", p.every, p.burst)
	}
	if p := newJoinPacer(10); p.every != 100*time.Millisecond || p.burst != time.Second {
		t.Errorf("10 a second: every %v, burst %v; want 100ms and 1s", p.every, p.burst)
	}
}

// TestJoinSlots: a place is taken until it is given back or its hold has
// passed, whichever comes first, and given back only once.
func TestJoinSlots(t *testing.T) {
	if j := newJoinSlots(-1, time.Hour); j != nil {
		t.Error("a cap below 0 is no cap, want nil")
	}
	if j := newJoinSlots(0, time.Hour); cap(j.places) != joinsInFlightPerProc*runtime.GOMAXPROCS(0) {
		t.Errorf("the default cap is %d places, want %d for each P", cap(j.places), joinsInFlightPerProc)
	}

	j := newJoinSlots(2, time.Hour)
	if !j.tryTake() || !j.tryTake() {
		t.Fatal("two places free, yet a join could not take one")
	}
	if j.tryTake() {
		t.Fatal("a third join took a place of two")
	}
	<-j.places // as a finished join would
	if !j.tryTake() {
		t.Fatal("a place was given back, yet the next join could not take it")
	}

	// A release gives its place back once, however often it is called.
	j = newJoinSlots(1, time.Hour)
	j.tryTake()
	release := j.held()
	release()
	release()
	if !j.tryTake() {
		t.Fatal("released, yet the place is still taken")
	}
	if j.tryTake() {
		t.Fatal("a second release of the same place freed another")
	}

	// A place held past its hold is free for the next join, and the late
	// release does not free the next join's place.
	j = newJoinSlots(1, 10*time.Millisecond)
	j.tryTake()
	late := j.held()
	if !j.take(nil, nil) { // waits for the hold to pass
		t.Fatal("take gave up without done or closing")
	}
	late()
	if j.tryTake() {
		t.Fatal("the first join's late release freed the second join's place")
	}

	// A join that waits gives up when its client goes.
	done := make(chan struct{})
	close(done)
	if j.take(done, nil) {
		t.Error("take succeeded with every place held and its client gone")
	}
}
