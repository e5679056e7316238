package hub

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
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
	f      *frame
	off    int // bytes of f.wire already written
	size   int
	events int
}

// subscriber is one websocket client. The fan-out hands it frames without
// ever blocking: straight into its socket when the socket takes them (the
// common case, and no goroutine wakes up), otherwise into a byte-bounded
// queue that the subscriber's writer goroutine drains.
type subscriber struct {
	conn *websocket.Conn
	// raw is the socket for the fan-out's direct writes; nil when every
	// frame goes through the writer goroutine (compression, TLS).
	raw syscall.RawConn
	// compress is set when the client negotiated permessage-deflate: its
	// frames go through gorilla's prepared (compressed) messages. Every
	// other client gets the shared wire bytes.
	compress bool
	limit    int

	// wmu is held by whoever writes to the connection: the fan-out for a
	// direct write (TryLock only, so it never waits), or the writer
	// goroutine, which takes the queue only while holding it. So frames
	// go out in order and never interleave.
	wmu sync.Mutex

	mu       sync.Mutex
	queue    []item
	queued   int
	closing  bool
	code     int
	reason   string
	temp     bool
	pongs    []string // pings to answer, from the reader
	notify   chan struct{}
	done     chan struct{} // closed when the writer exits
	readDone chan struct{} // closed when the reader exits
	// peerClose is the close code the client sent, echoed by the writer.
	peerClose int
}

func newSubscriber(conn *websocket.Conn, compress bool, limit int) *subscriber {
	s := &subscriber{conn: conn, compress: compress, limit: limit, notify: make(chan struct{}, 1), done: make(chan struct{}), readDone: make(chan struct{})}
	if !compress {
		s.raw = rawConn(conn.NetConn())
	}
	// gorilla answers pings and close frames from the reader goroutine by
	// default; here the writer does, under wmu like every other write.
	conn.SetPingHandler(func(data string) error {
		s.mu.Lock()
		if len(s.pongs) < 4 { // a client flooding pings gets a few answers
			s.pongs = append(s.pongs, data)
		}
		s.mu.Unlock()
		s.signal()
		return nil
	})
	conn.SetCloseHandler(func(code int, _ string) error {
		s.mu.Lock()
		s.peerClose = code
		s.mu.Unlock()
		return nil
	})
	return s
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
		if head := s.queue[0]; head.off > 0 {
			// The kernel has the start of this frame: it must be finished
			// before the close, or the board reads garbage.
			s.queue, s.queued = s.queue[:1], len(head.f.wire)-head.off
		} else {
			s.queue, s.queued = nil, 0
		}
		s.signal()
		return false
	}
	s.queue = append(s.queue, it)
	s.queued += it.size
	s.signal()
	return true
}

// deliver hands s a frame from the fan-out without blocking. When nothing
// is queued ahead of it and no write is in progress, the frame goes
// straight into the socket; whatever the kernel does not take at once
// (a slow or stalled board) is queued for the writer goroutine, as is
// everything when a direct write is not possible. Returns whether the
// whole frame went out directly.
func (s *subscriber) deliver(it item) bool {
	if s.raw == nil {
		s.enqueue(it)
		return false
	}
	s.mu.Lock()
	direct := !s.closing && len(s.queue) == 0 && s.wmu.TryLock()
	s.mu.Unlock()
	if !direct {
		s.enqueue(it)
		return false
	}
	n, err := writeNow(s.raw, it.f.wire)
	if err == nil && n == len(it.f.wire) {
		s.wmu.Unlock()
		return true
	}
	// The rest goes first in the queue (the fan-out is the only other
	// producer, so the queue is still empty). On an error the writer's
	// own write finds out what is wrong and closes.
	it.off = n
	s.mu.Lock()
	if !s.closing {
		s.queue = append(s.queue, it)
		s.queued += len(it.f.wire) - n
	}
	s.mu.Unlock()
	s.wmu.Unlock()
	s.signal()
	return false
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

// take hands the writer everything queued, and gives the queue the
// writer's previous (emptied) slice so steady fan-out does not allocate.
func (s *subscriber) take(spare []item) (items []item, pongs []string, code int, reason string, temp bool) {
	clear(spare)
	s.mu.Lock()
	defer s.mu.Unlock()
	items, pongs = s.queue, s.pongs
	s.queue, s.queued, s.pongs = spare[:0], 0, nil
	if s.closing {
		return items, pongs, s.code, s.reason, s.temp
	}
	return items, pongs, 0, "", false
}

// frame is one hub message encoded once for every subscriber: the complete
// websocket frame (server frames are unmasked, so the bytes are the same on
// every connection), and for compressing clients a prepared message, made
// on first use.
type frame struct {
	folded  time.Time // when the fold made it; zero for other frames
	wire    []byte    // header and payload
	payload []byte    // wire's payload
	once    sync.Once
	pm      *websocket.PreparedMessage
	pmErr   error
}

// newFrame encodes m as a single final text frame (RFC 6455 section 5.2).
func newFrame(m feed.Message) (*frame, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var hdr [10]byte
	hdr[0] = 0x80 | websocket.TextMessage // FIN, text
	n := 2
	switch l := len(data); {
	case l < 126:
		hdr[1] = byte(l)
	case l <= 0xffff:
		hdr[1] = 126
		binary.BigEndian.PutUint16(hdr[2:], uint16(l))
		n = 4
	default:
		hdr[1] = 127
		binary.BigEndian.PutUint64(hdr[2:], uint64(l))
		n = 10
	}
	wire := make([]byte, n+len(data))
	copy(wire, hdr[:n])
	copy(wire[n:], data)
	return &frame{wire: wire, payload: wire[n:]}, nil
}

func (f *frame) size() int { return len(f.payload) }

func (f *frame) prepared() (*websocket.PreparedMessage, error) {
	f.once.Do(func() { f.pm, f.pmErr = websocket.NewPreparedMessage(websocket.TextMessage, f.payload) })
	return f.pm, f.pmErr
}

// offersDeflate tells whether gorilla will negotiate permessage-deflate
// with this request (the same test as its upgrader's).
func offersDeflate(r *http.Request) bool {
	for _, v := range r.Header.Values("Sec-Websocket-Extensions") {
		for _, ext := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(ext, ";")
			if strings.EqualFold(strings.TrimSpace(name), "permessage-deflate") {
				return true
			}
		}
	}
	return false
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

// checkOrigin lets non-browser clients (no Origin header) in, and browser
// pages only from the allowlist. Comparing the Origin with the request's
// Host would let DNS rebinding through: a hostile page served from a name
// that resolves to the hub sends a matching Host and Origin.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	origin = strings.ToLower(origin)
	for _, o := range h.opts.AllowedOrigins {
		if o == origin {
			return true
		}
	}
	h.log.Warn("stream refused a browser origin; add it with --allow-origin if it is yours", "origin", origin, "remote", r.RemoteAddr)
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
		h.m.streamRejected.Inc()
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
		h.m.streamRejected.Inc()
		closeWith(conn, feed.CloseBadRequest, err.Error(), false)
		return
	}
	s := newSubscriber(conn, h.opts.EnableCompression && offersDeflate(r), h.opts.SendQueueBytes)
	// Hold the socket before the board is registered, so that no live
	// frame can be written straight to it ahead of its snapshot or missed
	// events; the writer sends those, then lets go.
	s.wmu.Lock()
	pre := h.subscribe(s, hello)
	h.m.connections.Inc()
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
		h.m.resumesRing.Inc()
	case head-hello.LastSeq <= uint64(h.opts.MaxHistory):
		p.logFrom, p.logTo = hello.LastSeq+1, head
		if first > 0 {
			p.logTo = first - 1
			p.ring = h.ring.since(p.logTo)
		}
		h.m.resumesLog.Inc()
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
	h.m.snapshotsSent.Inc()
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
	defer func() {
		// Nothing more is queued for a gone writer.
		s.mu.Lock()
		s.closing, s.queue, s.queued = true, nil, 0
		s.mu.Unlock()
	}()
	conn := s.conn
	w := frameWriter{s: s}
	// The preamble goes first: live frames queue behind it meanwhile.
	// handleStream took wmu for us before registering s.
	if err := h.sendPreamble(s, p, &w); err != nil {
		if errors.Is(err, errResync) {
			closeWith(conn, feed.CloseResync, "the missed events are no longer in the log: reconnect without a resume point to get a snapshot", true)
		} else {
			_ = conn.Close()
		}
		s.wmu.Unlock()
		return
	}
	s.wmu.Unlock()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	var spare []item
	for {
		select {
		case <-s.notify:
			if !h.flush(s, &w, &spare) {
				return
			}
		case <-ping.C:
			s.wmu.Lock()
			err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
			s.wmu.Unlock()
			if err != nil {
				_ = conn.Close()
				return
			}
		case <-s.readDone:
			s.wmu.Lock()
			defer s.wmu.Unlock()
			// The reader may have refused a frame: say why before closing.
			_, _, code, reason, temp := s.take(nil)
			s.mu.Lock()
			peer := s.peerClose
			s.mu.Unlock()
			switch {
			case code != 0:
				closeWith(conn, code, reason, temp)
			case peer != 0:
				// Echo the client's close, as the protocol asks.
				if peer == websocket.CloseNoStatusReceived {
					peer = websocket.CloseNormalClosure
				}
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(peer, ""), time.Now().Add(time.Second))
				_ = conn.Close()
			default:
				_ = conn.Close()
			}
			return
		}
	}
}

// flush writes everything queued for s, and answers pings. It returns
// false when the connection is finished.
func (h *Hub) flush(s *subscriber, w *frameWriter, spare *[]item) bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	items, pongs, code, reason, temp := s.take(*spare)
	for _, data := range pongs {
		if err := s.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait)); err != nil {
			_ = s.conn.Close()
			return false
		}
	}
	if err := w.write(items); err != nil {
		_ = s.conn.Close()
		return false
	}
	events := 0
	for _, it := range items {
		events += it.events
		if !it.f.folded.IsZero() {
			h.m.deliveryLag.Observe(time.Since(it.f.folded).Seconds())
		}
	}
	h.m.frames.Add(float64(len(items)))
	h.m.deliveries.Add(float64(events))
	*spare = items
	if code != 0 {
		if code == feed.CloseSlowConsumer {
			h.m.slowCloses.Inc()
		}
		closeWith(s.conn, code, reason, temp)
		return false
	}
	return true
}

// frameWriter is the writer goroutine's side of a subscriber. Frames that
// queued up while the board was slow go out in one writev.
type frameWriter struct {
	s    *subscriber
	bufs net.Buffers
}

func (w *frameWriter) write(items []item) error {
	if len(items) == 0 {
		return nil
	}
	conn := w.s.conn
	deadline := time.Now().Add(writeWait)
	if w.s.compress {
		_ = conn.SetWriteDeadline(deadline)
		for _, it := range items {
			pm, err := it.f.prepared()
			if err != nil {
				return err
			}
			if err := conn.WritePreparedMessage(pm); err != nil {
				return err
			}
		}
		return nil
	}
	// Whole frames straight to the socket: gorilla keeps no state between
	// messages, and every write to this connection happens under wmu.
	nc := conn.NetConn()
	if err := nc.SetWriteDeadline(deadline); err != nil {
		return err
	}
	w.bufs = w.bufs[:0]
	for _, it := range items {
		w.bufs = append(w.bufs, it.f.wire[it.off:])
	}
	bufs := w.bufs // WriteTo consumes its receiver
	_, err := bufs.WriteTo(nc)
	clear(w.bufs)
	return err
}

func (w *frameWriter) writeFrame(f *frame) error {
	return w.write([]item{{f: f, size: f.size()}})
}

var errResync = errors.New("resume range no longer in the log")

func (h *Hub) sendPreamble(s *subscriber, p preamble, w *frameWriter) error {
	if p.snapshot != nil {
		f, err := newFrame(feed.Message{Type: feed.MsgSnapshot, Epoch: h.epoch, Seq: p.snapSeq, State: p.snapshot, At: time.Now().UTC()})
		if err != nil {
			return err
		}
		return w.writeFrame(f)
	}
	recovered := true
	sendBatch := func(evs []feed.Event) error {
		f, err := newFrame(feed.Message{Type: feed.MsgEvents, Epoch: h.epoch, Seq: p.head, Events: evs, Recovered: recovered})
		if err != nil {
			return err
		}
		recovered = false
		if err := w.writeFrame(f); err != nil {
			return err
		}
		h.m.frames.Inc()
		h.m.deliveries.Add(float64(len(evs)))
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
