package sshd

import (
	"context"
	"sync"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
)

// Source yields the feed: batches of folded state and the events behind
// them, plus connection reports. Production uses the hub's websocket
// (HubSource); tests feed fixed states.
type Source interface {
	Run(ctx context.Context, out func(client.Batch)) error
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, out func(client.Batch)) error

// Run calls f.
func (f SourceFunc) Run(ctx context.Context, out func(client.Batch)) error { return f(ctx, out) }

// HubSource subscribes to a hub's stream with the feed client.
func HubSource(opts client.Options) Source {
	return SourceFunc(func(ctx context.Context, out func(client.Batch)) error {
		return client.Run(ctx, opts, out)
	})
}

// fanout shares one upstream subscription among every session. One
// websocket and one fold serve a hundred stations: the alternative, a
// client per session, would hold a hundred copies of the campaign state
// and fold every event a hundred times for identical results, and would
// load the hub with a subscriber per open terminal.
//
// Each session has a mailbox that holds only the newest state, the
// newest connection report and a bounded tail of recent events. Publishing
// never blocks on a session: a station on a slow link simply skips to the
// newest picture instead of queueing old ones, and never stalls the
// others.
type fanout struct {
	mu    sync.Mutex
	state *campaign.State
	conn  client.Conn
	have  bool // a connection report has arrived
	boxes map[*mailbox]struct{}
}

func newFanout() *fanout {
	return &fanout{boxes: map[*mailbox]struct{}{}}
}

// maxPendingEvents bounds a mailbox's event tail: the ticker shows at most
// this many, so older undelivered ones would never be seen anyway.
const maxPendingEvents = campaign.TickerSize

// update is what one delivery to a session carries.
type update struct {
	state       *campaign.State // nil: unchanged
	events      []feed.Event
	conn        client.Conn
	connChanged bool
}

type mailbox struct {
	mu      sync.Mutex
	pending update
	ready   chan struct{} // capacity 1: "something is pending"
}

func (m *mailbox) put(b client.Batch) {
	m.mu.Lock()
	if b.State != nil {
		m.pending.state = b.State
		if b.Snapshot {
			m.pending.events = m.pending.events[:0]
		}
		m.pending.events = append(m.pending.events, b.Events...)
		if over := len(m.pending.events) - maxPendingEvents; over > 0 {
			m.pending.events = append(m.pending.events[:0], m.pending.events[over:]...)
		}
	}
	m.pending.conn, m.pending.connChanged = b.Conn, true
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// take returns and clears what is pending.
func (m *mailbox) take() update {
	m.mu.Lock()
	u := m.pending
	u.events = append([]feed.Event(nil), u.events...)
	m.pending.state, m.pending.events, m.pending.connChanged = nil, m.pending.events[:0], false
	m.mu.Unlock()
	return u
}

// publish hands a batch to every session. It is called on the source's
// goroutine and never waits for a session.
func (f *fanout) publish(b client.Batch) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b.State != nil {
		f.state = b.State
	}
	f.conn, f.have = b.Conn, true
	for m := range f.boxes {
		m.put(b)
	}
}

// subscribe returns a mailbox primed with the newest state, so a station
// sees the board at once instead of waiting for the next event.
func (f *fanout) subscribe() *mailbox {
	m := &mailbox{ready: make(chan struct{}, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state != nil || f.have {
		m.put(client.Batch{State: f.state, Conn: f.conn})
	}
	f.boxes[m] = struct{}{}
	return m
}

func (f *fanout) unsubscribe(m *mailbox) {
	f.mu.Lock()
	delete(f.boxes, m)
	f.mu.Unlock()
}

func (f *fanout) sessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.boxes)
}
