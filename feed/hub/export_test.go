package hub

import (
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed"
)

// WrapStream makes New put wrap between the hub and the log's stream, so a
// test can slow or stop the log's answers.
func WrapStream(o *Options, wrap func(jetstream.Stream) jetstream.Stream) { o.wrapStream = wrap }

// BlockReader makes the hub's log reader receive nothing, as a consumer
// whose NATS node died does, until it is called with false.
func BlockReader(h *Hub, deaf bool) { h.rd.deaf.Store(deaf) }

// SetDiskSpace replaces the free-space probe, for sizing tests.
func SetDiskSpace(f func(dir string) (int64, bool)) (restore func()) {
	old := diskSpace
	diskSpace = f
	return func() { diskSpace = old }
}

// CapLoopback counts loopback clients under the per-address caps, which
// otherwise leave loopback alone.
func CapLoopback(o *Options) { o.capLoopback = true }

// ReportWait sets how long a request for a bulletin waits for the report
// fold before it is answered 503 with the fold's progress.
func ReportWait(o *Options, d time.Duration) { o.reportWait = d }

// ClientFrameBudget lets each client send n frames and n bytes per budget
// window, for tests whose boards ping the hub in a loop on purpose.
func ClientFrameBudget(o *Options, n int) { o.clientBudget = n }

// PublishBehindHub writes ev to the log with its id as the dedupe key, as
// a program writing to NATS directly (not through a hub) would.
func PublishBehindHub(h *Hub, ev feed.Event) (uint64, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	ack, err := h.js.Publish(context.Background(), h.opts.Subject, data, jetstream.WithMsgID(ev.ID))
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// CapLog makes the log refuse every event past its first n (a stream that
// discards new messages when full), so a store fails part-way.
func CapLog(h *Hub, n int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := h.stream.CachedInfo().Config
	cfg.MaxMsgs, cfg.Discard = n, jetstream.DiscardNew
	_, err := h.js.UpdateStream(ctx, cfg)
	return err
}

// IDStream is what the id stream holds for this hub's log: records and
// bytes (0, 0 for a memory log).
func IDStream(h *Hub) (records, bytes uint64) {
	if h.idLog == nil {
		return 0, 0
	}
	info, err := h.idLog.stream.Info(context.Background())
	if err != nil {
		return 0, 0
	}
	return info.State.Msgs, info.State.Bytes
}

// DueTick is the clock.tick the hub would write now, if any.
func DueTick(h *Hub) (feed.Event, bool) { return h.tickEvent(h.opts.ClockTick) }

// PaceJoins replaces the hub's join pacing: a join every `every` after a
// burst of burst, so a test can hold a board at the door for as long as
// it needs.
func PaceJoins(h *Hub, every time.Duration, burst int) {
	h.joins = pacerOf(every, burst)
}

// CapJoins replaces the cap on joins in flight: n places (less than 0:
// none), each held for hold at most.
func CapJoins(h *Hub, n int, hold time.Duration) {
	h.joinSlots = newJoinSlots(n, hold)
}

// SetFrontBoards makes the fold loop write only the first n boards to go
// live from now on, and the tail writer the rest (tail.go), which keeps
// them until the crowd has passed for promoteAfter (negative: for good).
func SetFrontBoards(h *Hub, n int, promoteAfter time.Duration) {
	h.mu.Lock()
	h.frontMax = n
	if promoteAfter < 0 {
		promoteAfter = time.Duration(math.MaxInt64)
	}
	h.promoteAfter = promoteAfter
	h.mu.Unlock()
}

// TailBoards is how many boards the tail writer writes now.
func TailBoards(h *Hub) int { return int(h.tailBoards.Load()) }
