package hub

import (
	"slices"
	"testing"
)

// TestFanOutGoesInJoinOrder: the fan-out writes to boards in the order
// they caught up, so the boards already live are written first while a
// crowd joins behind them, and a board that left is forgotten. Boards
// past the front (e and f here) go to the tail writer's list, in the same
// order.
func TestFanOutGoesInJoinOrder(t *testing.T) {
	h := &Hub{subs: map[*subscriber]struct{}{}}
	boards := make([]*subscriber, 6)
	for i := range boards {
		boards[i] = &subscriber{remote: string(rune('a' + i)), tail: i >= 4}
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
		want        string // the live list
		targets     string // the fold loop's | the tail writer's
	}{
		{join: []int{2, 0, 4}, want: "cae", targets: "ca|e"},
		{join: []int{1}, want: "caeb", targets: "cab|e"},
		{leave: []int{0}, want: "ceb", targets: "cb|e"},
		{join: []int{5, 3}, leave: []int{4}, want: "cbfd", targets: "cbd|f"},
		{leave: []int{2, 3}, want: "bf", targets: "b|f"},
	} {
		for _, i := range step.join {
			h.live = append(h.live, boards[i])
		}
		for _, i := range step.leave {
			delete(h.subs, boards[i])
			boards[i].left = true
		}
		front, tail := h.targetsLocked()
		if got := names(front) + "|" + names(tail); got != step.targets {
			t.Fatalf("after joining %v and leaving %v the fan-out goes to %q, want %q", step.join, step.leave, got, step.targets)
		}
		if h.frontCount != len(front) {
			t.Fatalf("frontCount %d, want %d", h.frontCount, len(front))
		}
		if got := names(h.live); got != step.want {
			t.Fatalf("the live list holds %q, want %q", got, step.want)
		}
		if slices.ContainsFunc(h.live[len(h.live):cap(h.live)], func(s *subscriber) bool { return s != nil }) {
			t.Fatal("the live list's spare capacity still holds boards that left")
		}
	}
}
