package sshd

import (
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
)

// A session that never reads must not slow the feed or the others, and
// must end up with the newest state, not a queue of old ones.
func TestFanoutNeverBlocksAndCoalesces(t *testing.T) {
	cfg := demo.Campaign()
	f := newFanout()
	slow := f.subscribe()
	fast := f.subscribe()
	var last *campaign.State
	start := time.Now()
	for i := range 10_000 {
		st := campaign.NewState(cfg)
		st.Seq = uint64(i + 1)
		last = st
		f.publish(client.Batch{State: st, Events: []feed.Event{{Seq: st.Seq}}, Conn: client.Conn{Status: client.Live, Seq: st.Seq}})
		if i%100 == 0 {
			u := fast.take()
			if u.state == nil || u.state.Seq != st.Seq {
				t.Fatalf("fast session got %v, want seq %d", u.state, st.Seq)
			}
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("publishing took %s with a stalled session", d)
	}
	u := slow.take()
	if u.state != last {
		t.Fatalf("slow session: got seq %d, want the newest %d", u.state.Seq, last.Seq)
	}
	if len(u.events) != maxPendingEvents || u.events[len(u.events)-1].Seq != last.Seq {
		t.Fatalf("slow session: %d pending events ending at %d; want the newest %d", len(u.events), u.events[len(u.events)-1].Seq, maxPendingEvents)
	}
	if !u.connChanged || u.conn.Seq != last.Seq {
		t.Fatalf("slow session: conn %+v", u.conn)
	}
	if again := slow.take(); again.state != nil || len(again.events) != 0 || again.connChanged {
		t.Fatalf("take did not clear: %+v", again)
	}
	// A newcomer starts from the newest state at once.
	late := f.subscribe()
	select {
	case <-late.ready:
	default:
		t.Fatal("a new session was not primed")
	}
	if u := late.take(); u.state != last {
		t.Fatal("a new session did not get the newest state")
	}
	f.unsubscribe(slow)
	f.unsubscribe(fast)
	f.unsubscribe(late)
	if f.sessions() != 0 {
		t.Fatal("unsubscribe leaked")
	}
}
