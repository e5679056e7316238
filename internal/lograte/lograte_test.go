package lograte

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &Limiter{Burst: 3, Every: 10 * time.Second}
	var got []string
	step := func(key string, at time.Duration) {
		ok, held := l.Allow(key, t0.Add(at))
		got = append(got, fmt.Sprintf("%s@%v:%v/%d", key, at, ok, held))
	}
	// A burst of three, then held back; other keys have their own.
	for i := 0; i < 5; i++ {
		step("a", 0)
	}
	step("b", 0)
	// After a third of the interval one more line, saying two were held.
	step("a", 3400*time.Millisecond)
	step("a", 3500*time.Millisecond)
	// After a whole interval the burst is back.
	step("a", 14*time.Second)
	want := []string{"a@0s:true/0", "a@0s:true/0", "a@0s:true/0", "a@0s:false/0", "a@0s:false/0", "b@0s:true/0",
		"a@3.4s:true/2", "a@3.5s:false/0", "a@14s:true/1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestLimiterBoundsKeys(t *testing.T) {
	l := &Limiter{MaxKeys: 4}
	t0 := time.Now()
	for i := 0; i < 100; i++ {
		if ok, _ := l.Allow(fmt.Sprint(i), t0.Add(time.Duration(i))); !ok {
			t.Fatalf("a new key %d was held back", i)
		}
	}
	if len(l.keys) > 4 {
		t.Errorf("%d keys kept, want at most 4", len(l.keys))
	}
}
