package hub

import (
	"slices"
	"testing"
)

// TestFanOutGoesInJoinOrder: the fan-out writes to boards in the order
// they caught up, so the boards already live are written first while a
// crowd joins behind them, and a board that left is forgotten.
func TestFanOutGoesInJoinOrder(t *testing.T) {
	h := &Hub{subs: map[*subscriber]struct{}{}}
	boards := make([]*subscriber, 6)
	for i := range boards {
		boards[i] = &subscriber{remote: string(rune('a' + i))}
		h.subs[boards[i]] = struct{}{}
	}
	names := func(ss []*subscriber) string {
		var b []byte
		for _, s := range ss {
			b = append(b, s.remote...)
		}
		return string(b)
	}
	for _, step := range []struct {
		join, leave []int
		want        string
	}{
		{join: []int{2, 0, 4}, want: "cae"},
		{join: []int{1}, want: "caeb"},
		{leave: []int{0}, want: "ceb"},
		{join: []int{5, 3}, leave: []int{4}, want: "cbfd"},
		{leave: []int{2, 3}, want: "bf"},
	} {
		for _, i := range step.join {
			h.live = append(h.live, boards[i])
		}
		for _, i := range step.leave {
			delete(h.subs, boards[i])
			boards[i].left = true
		}
		if got := names(h.targetsLocked()); got != step.want {
			t.Fatalf("after joining %v and leaving %v the fan-out goes to %q, want %q", step.join, step.leave, got, step.want)
		}
		if got := names(h.live); got != step.want {
			t.Fatalf("the live list holds %q, want %q", got, step.want)
		}
		if slices.ContainsFunc(h.live[len(h.live):cap(h.live)], func(s *subscriber) bool { return s != nil }) {
			t.Fatal("the live list's spare capacity still holds boards that left")
		}
	}
}
