package hub

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
)

// catchUpWindow is how many bytes of a board's catch-up (its snapshot, or
// the events it missed) the hub may hold for it, queued or being written:
// the next frame is made only once it holds less. A resume streams through
// the board's own queue at the pace the board reads, so it holds a frame or
// two per board, counted in sitboard_subscriber_queued_bytes, whatever its
// length; a board that reads nothing holds no more until it is dropped.
// catchUpFrameBytes bounds a catch-up frame (and maxBatchEvents its
// events), so that a frame is not most of the window.
const (
	catchUpWindow     = 64 << 10
	catchUpFrameBytes = 32 << 10
)

// snapshot is the state encoded once at a seq, as the frame every board
// joining there is sent.
type snapshot struct {
	seq   uint64
	frame *frame
	state json.RawMessage // the state's JSON, inside frame's bytes
}

// snapshotFrame is a snapshot message around a state already encoded,
// written straight into the frame's bytes.
func snapshotFrame(epoch string, seq uint64, state []byte, at time.Time) (*snapshot, error) {
	head, err := json.Marshal(feed.Message{Type: feed.MsgSnapshot, Epoch: epoch, Seq: seq, At: at})
	if err != nil {
		return nil, err
	}
	const key = `,"state":`
	head = head[:len(head)-1] // without the closing brace
	f := newFrameBuf(len(head) + len(key) + len(state) + 1)
	p := append(append(append(f.payload[:0], head...), key...), state...)
	p = append(p, '}')
	off := len(head) + len(key)
	return &snapshot{seq: seq, frame: f, state: f.payload[off : off+len(state)]}, nil
}

// eventsFrame is m with events already encoded (encodeEvent,
// storedEventJSON), written straight into the frame's bytes.
func eventsFrame(m feed.Message, events []json.RawMessage) (*frame, error) {
	m.Events = nil
	head, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return newRawFrame(websocket.TextMessage, head), nil
	}
	const key = `,"events":[`
	n := len(head) - 1 + len(key) + len(events) - 1 + 2
	for _, e := range events {
		n += len(e)
	}
	f := newFrameBuf(n)
	p := append(f.payload[:0], head[:len(head)-1]...) // without the closing brace
	p = append(p, key...)
	for i, e := range events {
		if i > 0 {
			p = append(p, ',')
		}
		p = append(p, e...)
	}
	_ = append(p, "]}"...)
	return f, nil
}

// encodeEvents encodes a batch for the fan-out and the ring.
func encodeEvents(evs []feed.Event) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(evs))
	for i := range evs {
		b, err := encodeEvent(&evs[i])
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// runPreamble sends a new board what it needs before the live stream (a
// snapshot, or the events it missed), then lets it join the fan-out.
func (h *Hub) runPreamble(s *subscriber, hello feed.Hello) {
	defer h.preambles.Done()
	defer close(s.caughtUp)
	defer s.joined()
	err := h.catchUp(s, hello)
	switch {
	case err == nil:
	case errors.Is(err, errResync):
		s.shutdown(feed.CloseResync, "the missed events are no longer in the log: reconnect without a resume point to get a snapshot", true)
	case errors.Is(err, errAbandoned):
		// The connection is gone or closing.
	default:
		h.log.Warn("cannot resume a board from the log; it will reconnect", "remote", s.remote, "err", err)
		s.shutdown(feed.CloseShutdown, "the hub could not read the log for your resume: reconnect in a moment", true)
	}
}

// catchUp brings a board from its hello to the head, then makes it one of
// the fan-out's targets. It is a cursor, not a copy: each step takes the
// next frame's worth of events from the ring (under the hub's lock, which
// the fold holds to push) or, older than the ring, from the log, and
// queues it once the board's queue has room (catchUpWindow). When the
// cursor passes the head it joins under the same lock, so every later
// batch reaches it through the fan-out: no gap, no duplicate, whatever the
// fold did meanwhile. A board that reads slower than events arrive keeps
// catching up (from the log once the ring has moved on), holding no more
// memory for it.
func (h *Hub) catchUp(s *subscriber, hello feed.Hello) error {
	h.mu.Lock()
	head, first := h.state.Seq, h.ring.firstSeq()
	h.mu.Unlock()
	next, recovered := hello.LastSeq+1, true
	switch {
	case !h.resumes(hello, head):
		// A new board, another log, a board ahead of this hub's fold, or
		// one so far behind that a snapshot is cheaper.
		snap, err := h.sharedSnapshot(s.done)
		if err != nil {
			return err
		}
		if !s.put(item{f: snap.frame, size: snap.frame.size()}) {
			return errAbandoned
		}
		h.m.snapshotsSent.Inc()
		next, recovered = snap.seq+1, false
	case next > head || (first > 0 && next >= first):
		h.m.resumesRing.Inc()
	default:
		h.m.resumesLog.Inc()
	}
	var entries []ringEntry
	defer func() { clear(entries) }()
	for {
		if err := s.waitRoom(); err != nil {
			return err
		}
		h.mu.Lock()
		head := h.state.Seq
		if next > head {
			if recovered {
				// Nothing was missed: say so, so the board knows it is live.
				// Queued before the board joins, so before any live frame.
				f, err := eventsFrame(feed.Message{Type: feed.MsgEvents, Epoch: h.epoch, Seq: head, Recovered: true}, nil)
				if err != nil {
					h.mu.Unlock()
					return err
				}
				s.put(item{f: f, size: f.size()})
			}
			if !s.left {
				// The front is full while a crowd joins: the tail
				// writer writes this board until the crowd has passed.
				s.tail = h.frontCount >= h.frontMax
				if s.tail {
					h.tailCount++
					h.tailBoards.Store(int32(h.tailCount))
					h.lastTailJoin = time.Now()
				} else {
					h.frontCount++
				}
				h.live = append(h.live, s)
			}
			h.mu.Unlock()
			return nil
		}
		entries = h.ring.read(next, maxBatchEvents, catchUpFrameBytes, entries[:0])
		oldest := h.ring.firstSeq()
		h.mu.Unlock()
		m := feed.Message{Type: feed.MsgEvents, Epoch: h.epoch, Seq: head, Recovered: recovered}
		if len(entries) > 0 {
			f, err := h.ringFrame(m, entries)
			if err != nil {
				return err
			}
			if !s.put(item{f: f, size: f.size(), events: len(entries)}) {
				return errAbandoned
			}
			next, recovered = entries[len(entries)-1].seq+1, false
			clear(entries) // let the payloads go with the frame
			continue
		}
		// Older than the ring: from the log, up to the ring's oldest event.
		to := head
		if oldest > next {
			to = oldest - 1
		}
		err := h.readLog(s.done, next, to, func(evs []json.RawMessage) error {
			if err := s.waitRoom(); err != nil {
				return err
			}
			m.Recovered = recovered
			f, err := eventsFrame(m, evs)
			if err != nil {
				return err
			}
			if !s.put(item{f: f, size: f.size(), events: len(evs)}) {
				return errAbandoned
			}
			recovered = false
			return nil
		})
		if err != nil {
			return err
		}
		next = to + 1
	}
}

// resumes tells whether a board's hello resumes with the head at head:
// same log, not ahead of the fold, and not so far behind that a snapshot
// is cheaper. Otherwise the board gets a snapshot.
func (h *Hub) resumes(hello feed.Hello, head uint64) bool {
	return hello.Epoch == h.epoch && hello.LastSeq <= head && head-hello.LastSeq <= uint64(h.opts.MaxHistory)
}

// ringFrame makes a catch-up frame of ring entries, encoding those the ring
// holds unencoded (events folded while no board was connected) and giving
// their encodings back to the ring, so each event is encoded once.
func (h *Hub) ringFrame(m feed.Message, entries []ringEntry) (*frame, error) {
	wires := make([]json.RawMessage, len(entries))
	encoded := false
	for i := range entries {
		if entries[i].wire == nil {
			w, err := encodeEvent(&entries[i].ev)
			if err != nil {
				return nil, err
			}
			entries[i].wire, entries[i].ev, encoded = w, feed.Event{}, true
		}
		wires[i] = entries[i].wire
	}
	if encoded {
		h.mu.Lock()
		h.ring.keepEncoded(entries)
		h.mu.Unlock()
	}
	return eventsFrame(m, wires)
}

// sharedSnapshot is the state at the head for a board that needs one: the
// snapshot already encoded when nothing was folded since, or else the one
// the fold loop encodes next for every board waiting (encodeSnapshot). It
// is a singleflight per seq: a reconnect storm costs one encoding for each
// seq the fold reaches meanwhile, not one per board. GET /v1/snapshot
// shares it too. It gives up when done is closed (the board or the
// request went away) or the hub closes.
func (h *Hub) sharedSnapshot(done <-chan struct{}) (*snapshot, error) {
	h.mu.Lock()
	if c := h.snap; c != nil && c.seq == h.state.Seq {
		h.mu.Unlock()
		return c, nil
	}
	wait := h.snapWaiting
	if wait == nil {
		wait = make(chan struct{})
		h.snapWaiting = wait
		select {
		case h.snapWanted <- struct{}{}:
		default:
		}
	}
	h.mu.Unlock()
	select {
	case <-wait:
	case <-done:
		return nil, errAbandoned
	case <-h.closing:
		return nil, errAbandoned
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snap, nil
}

// encodeSnapshot encodes the state for the boards waiting for one, once
// for all of them. It runs on the fold loop, the only goroutine that
// changes the state, so it reads the state without the hub's lock: the
// fold cannot move meanwhile, and every other reader holds the lock only
// to read. Neither the fold's lock nor the boards already live wait for
// the encoding; boards joining meanwhile wait for it and share it.
func (h *Hub) encodeSnapshot() {
	h.mu.Lock()
	wait := h.snapWaiting
	seq := h.state.Seq
	h.mu.Unlock()
	if wait == nil {
		return
	}
	st, err := json.Marshal(h.state)
	if err != nil {
		panic("hub: state does not encode: " + err.Error())
	}
	snap, err := snapshotFrame(h.epoch, seq, st, time.Now().UTC())
	if err != nil {
		panic("hub: snapshot does not encode: " + err.Error())
	}
	h.m.snapshotEncodings.Inc()
	h.mu.Lock()
	h.snap, h.snapWaiting = snap, nil
	h.mu.Unlock()
	close(wait)
}
