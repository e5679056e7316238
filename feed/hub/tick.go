package hub

import (
	"context"
	"encoding/json"
	"time"

	"sitboard/feed"
)

// tickLoop writes a clock.tick into the log every Options.ClockTick while
// the hub's clock is within the campaign: warning rules that wait for time
// to pass (an alarm undispatched after N minutes) then fire on a quiet
// night, within a tick, and at the same point of the log in every fold,
// the boards' and the bulletins' alike (docs/protocol.md, "Time").
//
// The tick's id is the hub's (hub:tick:<time>, in the namespace ingest
// refuses) and its time is the hub's clock cut to the interval, so hubs
// sharing one log write each tick once. A tick is not written when the
// newest event folded is already as late (a busy feed moves the clock by
// itself), outside the campaign's days (a replay of 2023 into a hub whose
// clock says 2026 gets none), or while the hub drains.
func (h *Hub) tickLoop() {
	defer h.loops.Done()
	every := h.opts.ClockTick
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-t.C:
		case <-h.closing:
			return
		}
		ev, ok := h.tickEvent(every)
		if !ok {
			continue
		}
		err := h.writeTick(ev)
		switch {
		case err != nil && !failing:
			h.log.Warn("clock tick not written; rules that wait for time fire with the next event", "at", ev.At, "err", err)
		case err == nil && failing:
			h.log.Info("clock ticks written again", "at", ev.At)
		}
		failing = err != nil
	}
}

// tickEvent is the clock.tick due now, if one is.
func (h *Hub) tickEvent(every time.Duration) (feed.Event, bool) {
	at := h.opts.Now().Truncate(every).In(h.cfg.Location())
	if d := h.cfg.Day(at); d < 1 || d > h.cfg.Days() {
		return feed.Event{}, false
	}
	h.mu.Lock()
	newest := h.state.LastAt
	h.mu.Unlock()
	if !at.After(newest) {
		return feed.Event{}, false
	}
	return TickEvent(at), true
}

// TickEvent is the clock.tick a hub writes for time at.
func TickEvent(at time.Time) feed.Event {
	return feed.Event{ID: feed.HubIDPrefix + "tick:" + at.UTC().Format(time.RFC3339Nano), Type: feed.TypeClockTick, At: at, Data: json.RawMessage(`{}`)}
}

// writeTick stores the tick through the log, as acknowledgements are.
func (h *Hub) writeTick(ev feed.Event) error {
	h.drain.RLock()
	defer h.drain.RUnlock()
	if h.closed.Load() {
		return nil
	}
	if reason := h.diskFullReason(); reason != "" {
		return errorString(reason)
	}
	if errs := h.val.Validate(0, ev); len(errs) > 0 {
		return errs[0]
	}
	_, dup, err := h.publishOne(context.Background(), ev)
	if err == nil && !dup {
		h.m.ticks.Inc()
	}
	return err
}

type errorString string

func (e errorString) Error() string { return string(e) }
