package hub

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed"
)

// Websocket timing. A board on a bad county link may stall for seconds; a
// dead one must be noticed well before an operator would.
const (
	writeWait    = 10 * time.Second
	pongWait     = 30 * time.Second
	pingPeriod   = 10 * time.Second
	helloTimeout = 10 * time.Second
	// readLimit bounds client frames: a client only ever sends a hello.
	readLimit = 4096
)

// item is one frame in a subscriber's queue.
type item struct {
	pm     *websocket.PreparedMessage
	size   int
	events int
}

// subscriber is one websocket client. The hub enqueues prepared frames
// without ever blocking; a writer goroutine sends them.
type subscriber struct {
	conn  *websocket.Conn
	limit int

	mu       sync.Mutex
	queue    []item
	queued   int
	closing  bool
	code     int
	reason   string
	temp     bool
	notify   chan struct{}
	done     chan struct{} // closed when the writer exits
	readDone chan struct{} // closed when the reader exits
}

func newSubscriber(conn *websocket.Conn, limit int) *subscriber {
	return &subscriber{conn: conn, limit: limit, notify: make(chan struct{}, 1), done: make(chan struct{}), readDone: make(chan struct{})}
}

func (s *subscriber) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// enqueue adds a frame, or closes the subscriber with 4001 when its queue
// is full. It never blocks. Returns false on overflow.
func (s *subscriber) enqueue(it item) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return true
	}
	if s.queued+it.size > s.limit && len(s.queue) > 0 {
		s.closing, s.code, s.temp = true, feed.CloseSlowConsumer, true
		s.reason = "too far behind: reconnect and resume from your last seq"
		s.queue, s.queued = nil, 0
		s.signal()
		return false
	}
	s.queue = append(s.queue, it)
	s.queued += it.size
	s.signal()
	return true
}

func (s *subscriber) shutdown(code int, reason string, temp bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.closing, s.code, s.reason, s.temp = true, code, reason, temp
	s.signal()
}

func (s *subscriber) queuedBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queued
}

func (s *subscriber) take() ([]item, int, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue, s.queued = nil, 0
	if s.closing {
		return q, s.code, s.reason, s.temp
	}
	return q, 0, "", false
}

// prepare encodes a message once for every subscriber.
func prepare(m feed.Message) (*websocket.PreparedMessage, int, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, 0, err
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	return pm, len(data), err
}

func (h *Hub) upgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		HandshakeTimeout:  10 * time.Second,
		ReadBufferSize:    1024,
		WriteBufferSize:   32 << 10,
		WriteBufferPool:   &sync.Pool{},
		EnableCompression: h.opts.EnableCompression,
		CheckOrigin:       h.checkOrigin,
	}
}

// checkOrigin lets non-browser clients (no Origin header) and same-host
// pages in, plus the configured origins. Any other page in a browser could
// otherwise ride on an operator's network position to read the feed.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.opts.AllowedOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	return false
}

// closeWith sends an error message and a close frame, then closes.
func closeWith(conn *websocket.Conn, code int, reason string, temp bool) {
	deadline := time.Now().Add(writeWait)
	_ = conn.SetWriteDeadline(deadline)
	if data, err := json.Marshal(feed.Message{Type: feed.MsgError, Code: code, Reason: reason, Temporary: temp}); err == nil {
		_ = conn.WriteMessage(websocket.TextMessage, data)
	}
	// A close reason is limited to 123 bytes by the protocol.
	short := reason
	if len(short) > 120 {
		short = short[:120]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, short), deadline)
	_ = conn.Close()
}

func (h *Hub) handleStream(w http.ResponseWriter, r *http.Request) {
	allowed := h.readAllowed(r)
	conn, err := h.upgrader().Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	// A browser cannot read an HTTP 401 on a websocket, so refusals happen
	// after the upgrade, as close codes with a readable message.
	if !allowed {
		h.m.streamRejected.Add(1)
		closeWith(conn, feed.CloseBadToken, "missing or wrong read token: pass Authorization: Bearer <read token> or ?token=", false)
		return
	}
	if h.closed.Load() {
		closeWith(conn, feed.CloseShutdown, "hub is shutting down; reconnect in a moment", true)
		return
	}
	if tcp, ok := conn.NetConn().(*net.TCPConn); ok {
		_ = tcp.SetWriteBuffer(h.opts.SocketSendBuffer)
	}
	conn.SetReadLimit(readLimit)
	_ = conn.SetReadDeadline(time.Now().Add(helloTimeout))
	hello, err := readHello(conn)
	if err != nil {
		h.m.streamRejected.Add(1)
		closeWith(conn, feed.CloseBadRequest, err.Error(), false)
		return
	}
	s := newSubscriber(conn, h.opts.SendQueueBytes)
	pre := h.subscribe(s, hello)
	h.m.connections.Add(1)
	go h.writeLoop(s, pre)
	h.readLoop(s)
}

var errBadHello = errors.New(`first frame must be a hello: {"type":"hello","epoch":"...","last_seq":N} (epoch and last_seq may be omitted)`)

func readHello(conn *websocket.Conn) (feed.Hello, error) {
	var hello feed.Hello
	mt, data, err := conn.ReadMessage()
	if err != nil {
		return hello, errors.New("no hello received: send a hello frame first")
	}
	if mt != websocket.TextMessage {
		return hello, errBadHello
	}
	if err := json.Unmarshal(data, &hello); err != nil || hello.Type != feed.MsgHello {
		return hello, errBadHello
	}
	if len(hello.Epoch) > 64 || strings.ContainsAny(hello.Epoch, " \t\r\n\"") {
		return hello, errors.New("malformed epoch in hello: send the epoch exactly as the hub gave it, or none")
	}
	return hello, nil
}

// preamble is what a subscriber is sent before its live queue: a snapshot,
// or the events it missed. It runs on the writer goroutine, so the hub's
// lock is never held while reading the log or encoding a state.
type preamble struct {
	snapshot json.RawMessage // send this snapshot at snapSeq
	snapSeq  uint64
	logFrom  uint64 // read the log from here ...
	logTo    uint64 // ... to here, inclusive (0: none)
	ring     []feed.Event
	head     uint64
}

// subscribe registers s for live batches and decides what it must be sent
// first. Registration and the decision happen under the lock the fold
// holds, so every event after the preamble's head reaches the live queue:
// no gap and no duplicate.
func (h *Hub) subscribe(s *subscriber, hello feed.Hello) preamble {
	h.mu.Lock()
	defer h.mu.Unlock()
	head := h.state.Seq
	h.subs[s] = struct{}{}
	h.subCount.Store(int32(len(h.subs)))
	p := preamble{head: head}
	first := h.ring.firstSeq()
	switch {
	case hello.Epoch != h.epoch || hello.LastSeq > head:
		// New client, another log, or a client ahead of this hub's fold.
		h.snapshotLocked(&p)
	case hello.LastSeq == head || (first > 0 && hello.LastSeq+1 >= first):
		p.ring = h.ring.since(hello.LastSeq)
		h.m.resumesRing.Add(1)
	case head-hello.LastSeq <= uint64(h.opts.MaxHistory):
		p.logFrom, p.logTo = hello.LastSeq+1, head
		if first > 0 {
			p.logTo = first - 1
			p.ring = h.ring.since(p.logTo)
		}
		h.m.resumesLog.Add(1)
	default:
		h.snapshotLocked(&p)
	}
	return p
}

// snapshotLocked encodes the state now: encoding is the copy, and it is
// cheaper than cloning and encoding later.
func (h *Hub) snapshotLocked(p *preamble) {
	st, err := json.Marshal(h.state)
	if err != nil {
		panic("hub: state does not encode: " + err.Error())
	}
	p.snapshot, p.snapSeq = st, h.state.Seq
	h.m.snapshotsSent.Add(1)
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.subCount.Store(int32(len(h.subs)))
	h.mu.Unlock()
}

// readLoop runs on the handler goroutine. Clients send nothing after the
// hello but pongs (and close frames); any other frame is a protocol error.
func (h *Hub) readLoop(s *subscriber) {
	defer close(s.readDone)
	conn := s.conn
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var m struct {
			Type string `json:"type"`
		}
		if mt != websocket.TextMessage || json.Unmarshal(data, &m) != nil || m.Type == "" {
			s.shutdown(feed.CloseBadRequest, "garbage frame: send only the hello; everything after it is ignored or refused", false)
			return
		}
		// Well-formed messages of types this hub does not know are ignored,
		// so newer clients can talk to older hubs.
	}
}

func (h *Hub) writeLoop(s *subscriber, p preamble) {
	defer close(s.done)
	defer h.unsubscribe(s)
	conn := s.conn
	write := func(pm *websocket.PreparedMessage) error {
		_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
		return conn.WritePreparedMessage(pm)
	}
	if err := h.sendPreamble(s, p, write); err != nil {
		if errors.Is(err, errResync) {
			closeWith(conn, feed.CloseResync, "the missed events are no longer in the log: reconnect without a resume point to get a snapshot", true)
		} else {
			_ = conn.Close()
		}
		return
	}
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-s.notify:
			items, code, reason, temp := s.take()
			for _, it := range items {
				if err := write(it.pm); err != nil {
					_ = conn.Close()
					return
				}
				h.m.frames.Add(1)
				h.m.deliveries.Add(uint64(it.events))
			}
			if code != 0 {
				if code == feed.CloseSlowConsumer {
					h.m.slowCloses.Add(1)
				}
				closeWith(conn, code, reason, temp)
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				_ = conn.Close()
				return
			}
		case <-s.readDone:
			// The reader may have refused a frame: say why before closing.
			if _, code, reason, temp := s.take(); code != 0 {
				closeWith(conn, code, reason, temp)
			} else {
				_ = conn.Close()
			}
			return
		}
	}
}

var errResync = errors.New("resume range no longer in the log")

func (h *Hub) sendPreamble(s *subscriber, p preamble, write func(*websocket.PreparedMessage) error) error {
	if p.snapshot != nil {
		pm, _, err := prepare(feed.Message{Type: feed.MsgSnapshot, Epoch: h.epoch, Seq: p.snapSeq, State: p.snapshot, At: time.Now().UTC()})
		if err != nil {
			return err
		}
		return write(pm)
	}
	recovered := true
	sendBatch := func(evs []feed.Event) error {
		pm, _, err := prepare(feed.Message{Type: feed.MsgEvents, Epoch: h.epoch, Seq: p.head, Events: evs, Recovered: recovered})
		if err != nil {
			return err
		}
		recovered = false
		if err := write(pm); err != nil {
			return err
		}
		h.m.frames.Add(1)
		h.m.deliveries.Add(uint64(len(evs)))
		return nil
	}
	if p.logTo >= p.logFrom && p.logTo > 0 {
		batch := make([]feed.Event, 0, maxBatchEvents)
		for seq := p.logFrom; seq <= p.logTo; {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			// Next message at or after seq: holes (deleted messages) are skipped.
			raw, err := h.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(h.opts.Subject))
			cancel()
			if err != nil {
				if errors.Is(err, jetstream.ErrMsgNotFound) {
					return errResync
				}
				return err
			}
			if raw.Sequence > p.logTo {
				break
			}
			ev, _ := decodeStored(raw.Data, raw.Sequence)
			batch = append(batch, ev)
			seq = raw.Sequence + 1
			if len(batch) == maxBatchEvents {
				if err := sendBatch(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
			select {
			case <-s.readDone:
				return errors.New("client went away")
			default:
			}
		}
		if len(batch) > 0 {
			if err := sendBatch(batch); err != nil {
				return err
			}
		}
	}
	for i := 0; i < len(p.ring); i += maxBatchEvents {
		if err := sendBatch(p.ring[i:min(i+maxBatchEvents, len(p.ring))]); err != nil {
			return err
		}
	}
	if recovered {
		// Nothing was missed: say so, so the client knows it is live.
		return sendBatch(nil)
	}
	return nil
}
