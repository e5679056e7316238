package hub

import (
	"cmp"
	"testing"
	"time"
)

// TestLingerUntil: the fold loop's wait before a fan-out. It paces
// fan-outs to fanOutRatio times their cost, but no event waits more than
// maxLinger in all, counting the time it queued behind the fan-out before
// it. That time counted for nothing before: an event that came at the
// start of a 40ms fan-out to thousands of boards (a reconnect storm) went
// out 90ms later, after the fan-out and a whole window.
func TestLingerUntil(t *testing.T) {
	const batch = DefaultBatchLinger
	t0 := time.Unix(1_700_000_000, 0)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	at := func(n int) time.Time { return t0.Add(ms(n)) }
	tests := []struct {
		name    string
		first   time.Time // the batch's first event reached the queue
		lastEnd time.Time // the last fan-out ended
		cost    time.Duration
		linger  time.Duration
		bound   time.Duration // 0: maxLinger, the fold loop's
		want    time.Time
	}{
		{"after a quiet spell: only the batch window", at(0), at(-1000), ms(1), batch, 0, at(10)},
		{"cheap fan-outs: the batch window", at(0), at(-2), ms(1), batch, 0, at(10)},
		{"paced: ratio times the cost after the last one", at(0), at(-2), ms(5), batch, 0, at(-2).Add(fanOutRatio * ms(5))},
		{"a dear fan-out is paced to maxLinger at most", at(0), at(-1), ms(100), batch, 0, at(-1).Add(maxLinger)},
		{"queued behind a long fan-out: maxLinger from its arrival", at(0), at(40), ms(40), batch, 0, at(0).Add(maxLinger)},
		{"queued longer than maxLinger: at once", at(0), at(0).Add(maxLinger + ms(5)), ms(60), batch, 0, at(0).Add(maxLinger)},
		{"a batch window set longer than maxLinger is kept", at(0), at(-1000), ms(1), maxLinger * 2, 0, at(0).Add(maxLinger * 2)},
		{"the tail writer: no window, so a cheap round goes at once", at(0), at(-1000), ms(1), 0, tailMaxLinger, at(0)},
		{"the tail writer: paced to its rounds' cost", at(0), at(-2), ms(20), 0, tailMaxLinger, at(-2).Add(fanOutRatio * ms(20))},
		{"the tail writer: a dear round waits tailMaxLinger from the oldest frame", at(0), at(20), ms(100), 0, tailMaxLinger, at(0).Add(tailMaxLinger)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bound := cmp.Or(tt.bound, maxLinger)
			got := lingerUntil(tt.first, tt.lastEnd, tt.cost, tt.linger, bound)
			if !got.Equal(tt.want) {
				t.Errorf("lingerUntil = %v after the first event, want %v", got.Sub(tt.first), tt.want.Sub(tt.first))
			}
			if limit := max(bound, tt.linger); got.Sub(tt.first) > limit {
				t.Errorf("the first event waits %v, more than %v", got.Sub(tt.first), limit)
			}
		})
	}
}
