package hub

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
)

// Websocket timing. A board on a bad county link may stall for seconds; a
// dead one must be noticed well before an operator would.
const (
	// writeSlice is how often a blocked write looks up from the socket, to
	// see whether the board is being closed meanwhile.
	writeSlice = 100 * time.Millisecond
	// readLimit bounds client frames: a client only ever sends a hello.
	readLimit = 4096
	// A client sends the hello, pongs to the hub's pings, perhaps pings
	// and messages of types this hub ignores, and nothing more: past
	// clientBudgetFrames frames or clientBudgetBytes bytes in a window of
	// clientBudgetWindow (pongs to the hub's own pings not counted) it is
	// closed with 4502. Parsing 4 KiB frames sent in a loop by a handful
	// of connections held the hub at a core.
	clientBudgetWindow = 10 * time.Second
	clientBudgetFrames = 32
	clientBudgetBytes  = 16 << 10
	// maxPongsQueued bounds the pongs waiting for the writer: a client
	// flooding pings gets a few answers.
	maxPongsQueued = 4
)

// item is one frame in a subscriber's queue.
type item struct {
	f      *frame
	off    int // bytes of f.wire already written
	size   int // payload bytes, for the queue's bound
	events int
	// frames is how many websocket frames f.wire holds when the tail
	// writer joined several (tail.go); 0 means one.
	frames int
}

// subscriber is one websocket client. The fan-out hands it frames without
// ever blocking: straight into its socket when the socket takes them (the
// common case, and no goroutine wakes up), otherwise into a byte-bounded
// queue that the subscriber's writer goroutine drains.
//
// Every byte after the websocket handshake reaches the socket through
// send, under wmu: data frames, pings, pongs, error messages and closes.
// gorilla's own writes (it answers some protocol errors with a close
// frame from the reader goroutine) are discarded by guardedConn.
type subscriber struct {
	// tail: the tail writer, not the fold loop, writes this board's live
	// frames (tail.go); set when it goes live and cleared when the crowd
	// has passed (promoteLocked), under the hub's lock. tailRound and
	// tailFrom are the tail writer's own.
	tail      bool
	tailRound uint64
	tailFrom  int
	h         *Hub
	conn      *websocket.Conn
	// nc is the connection under gorilla's (TCP or TLS); guard is what
	// gorilla writes through.
	nc    net.Conn
	guard *guardedConn
	// raw is the socket for non-blocking writes; nil when every frame goes
	// through the writer goroutine (compression, TLS).
	raw syscall.RawConn
	// compress is set when the client negotiated permessage-deflate: its
	// data frames go through gorilla's prepared (compressed) messages.
	// Every other client gets the shared wire bytes.
	compress bool
	limit    int
	remote   string

	// wmu is held by whoever writes: the fan-out for a direct write
	// (TryLock only, so it never waits), the writer goroutine, or the
	// preamble goroutine. The fields below it belong to its holder.
	wmu sync.Mutex
	// partial is the rest of a frame whose start is already on the wire.
	// send writes it before anything else, so nothing lands inside it.
	partial    item
	hasPartial bool
	// dead: the connection was closed or abandoned; nothing more is written.
	dead bool
	one  [1]item // the fan-out's frame, without an allocation per board

	mu     sync.Mutex
	ctrl   []item // pings and pongs, written before queued data
	queue  []item
	queued int
	// writing is the payload bytes the writer has taken from the queue and
	// not finished writing yet.
	writing int
	// left: the board is no longer registered (unsubscribe). Under the
	// hub's lock, not mu.
	left bool
	// room is signalled when the writer has written what it took, for a
	// catch-up waiting to queue its next frame (waitRoom).
	room chan struct{}
	// caughtUp is closed when the catch-up goroutine ends, however it ends.
	caughtUp chan struct{}
	// joined gives back the board's place among the joins in flight
	// (joinSlots), once it is live or its catch-up has ended otherwise.
	joined func()
	// nextPing is when the next ping is due.
	nextPing time.Time
	closing  bool
	code     int
	reason   string
	temp     bool
	// dropped is the reason the hub dropped this board, once counted.
	dropped   string
	notify    chan struct{}
	done      chan struct{} // closed when the writer exits
	readDone  chan struct{} // closed when the reader exits
	peerClose int           // the close code the client sent, echoed by the writer
	// unruly: the reader stopped on the client's fault (a flood, a bad
	// frame) while the client may still be sending; see release.
	unruly atomic.Bool

	// in is what the client has sent in the current budget window, and
	// pongs how many pongs: both the reader goroutine's alone. pings is
	// how many pings the hub has queued for it.
	in    clientBudget
	pongs int64
	pings atomic.Int64
}

// clientBudget counts a client's frames and bytes per clientBudgetWindow.
type clientBudget struct {
	start               time.Time
	frames, bytes       int
	maxFrames, maxBytes int
}

// errClientFlood ends a client's reading when it spends past its budget.
var errClientFlood = errors.New("client frames over the budget")

// spend counts a frame of n bytes and says whether the client is still
// within its budget.
func (b *clientBudget) spend(now time.Time, n int) bool {
	if now.Sub(b.start) >= clientBudgetWindow {
		b.start, b.frames, b.bytes = now, 0, 0
	}
	b.frames++
	b.bytes += n
	return b.frames <= b.maxFrames && b.bytes <= b.maxBytes
}

func newSubscriber(h *Hub, conn *websocket.Conn, guard *guardedConn, compress bool, remote string) *subscriber {
	s := &subscriber{
		h: h, conn: conn, nc: guard.Conn, guard: guard, compress: compress,
		limit: h.opts.SendQueueBytes, remote: remote,
		notify: make(chan struct{}, 1), done: make(chan struct{}), readDone: make(chan struct{}),
		room: make(chan struct{}, 1), caughtUp: make(chan struct{}),
		nextPing: time.Now().Add(h.opts.PingInterval),
	}
	if !compress {
		s.raw = rawConn(guard.Conn)
	}
	s.in.maxFrames, s.in.maxBytes = clientBudgetFrames, clientBudgetBytes
	if h.opts.clientBudget > 0 {
		s.in.maxFrames, s.in.maxBytes = h.opts.clientBudget, h.opts.clientBudget
	}
	// gorilla answers pings and close frames from the reader goroutine by
	// default; here the writer does, through send like every other write.
	conn.SetPingHandler(func(data string) error {
		if !s.in.spend(time.Now(), len(data)) {
			return errClientFlood
		}
		s.addControl(newControlFrame(websocket.PongMessage, []byte(data)))
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

// addControl queues a ping or pong for the writer, ahead of queued data.
// A board flooding pings gets a few pongs; the hub's own ping is never
// crowded out by them, and one pending is enough.
func (s *subscriber) addControl(f *frame) {
	s.mu.Lock()
	n := 0
	for _, c := range s.ctrl {
		if c.f.opcode() == f.opcode() {
			n++
		}
	}
	if (f.opcode() == websocket.PingMessage && n == 0) || (f.opcode() == websocket.PongMessage && n < maxPongsQueued) {
		s.ctrl = append(s.ctrl, item{f: f})
	}
	s.mu.Unlock()
	s.signal()
}

// enqueue adds a frame, or closes the subscriber with 4001 when its queue
// is full. It never blocks.
func (s *subscriber) enqueue(it item) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	if s.queued+it.size > s.limit && len(s.queue) > 0 {
		queued := s.queued
		s.closing, s.code, s.temp = true, feed.CloseSlowConsumer, true
		s.reason = "too far behind: reconnect and resume from your last seq"
		// Frames not started are dropped; one the writer has started is
		// finished first (send), so the close never lands inside it.
		s.queue, s.queued = nil, 0
		s.mu.Unlock()
		s.signal()
		s.h.m.slowCloses.Inc()
		s.drop(dropSlowConsumer, "send queue full", "queued_bytes", queued+it.size, "limit", s.limit)
		return
	}
	s.queue = append(s.queue, it)
	s.queued += it.size
	s.mu.Unlock()
	s.signal()
}

// put queues a frame of the board's catch-up. The catch-up waits for room
// before it makes a frame (waitRoom), so it never overflows the queue and
// is never the cause of a slow-consumer close. It returns false once the
// board is closing.
func (s *subscriber) put(it item) bool {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false
	}
	s.queue = append(s.queue, it)
	s.queued += it.size
	s.mu.Unlock()
	s.signal()
	return true
}

// waitRoom waits until the board's queue and its writer hold less than
// catchUpWindow, or returns errAbandoned once it is closing.
func (s *subscriber) waitRoom() error {
	for {
		s.mu.Lock()
		closing, full := s.closing, s.queued+s.writing >= catchUpWindow
		s.mu.Unlock()
		switch {
		case closing:
			return errAbandoned
		case !full:
			return nil
		}
		select {
		case <-s.room:
		case <-s.done:
			return errAbandoned
		}
	}
}

// drop counts, once per board, why the hub is dropping it, and logs it:
// each reason at most once per refusalLogEvery, with the count held back,
// so boards dropped by the thousand (a flood, a hostile client in a loop)
// cannot flood the hub's log.
func (s *subscriber) drop(reason, msg string, attrs ...any) {
	s.mu.Lock()
	first := s.dropped == ""
	if first {
		s.dropped = reason
	}
	s.mu.Unlock()
	if !first {
		return
	}
	s.h.m.dropped.WithLabelValues(reason).Inc()
	if due, skipped := s.h.dropLogs[reason].due(s.h.opts.Now(), refusalLogEvery); due {
		s.h.log.Warn("board dropped: "+msg, append([]any{"reason", reason, "remote", s.remote, "dropped_since_last_line", skipped}, attrs...)...)
	}
}

// deliver hands s a frame from the fan-out without blocking. When
// nothing is queued or half-written ahead of the frame and
// no write is in progress, the frame goes straight into the socket;
// whatever the kernel does not take at once (a slow or stalled board) is
// left for the writer goroutine. Otherwise the frame is queued. Returns
// whether the whole frame went out directly.
func (s *subscriber) deliver(it item) bool {
	if s.raw == nil {
		s.enqueue(it)
		return false
	}
	s.mu.Lock()
	direct := !s.closing && len(s.queue) == 0 && len(s.ctrl) == 0 && s.wmu.TryLock()
	s.mu.Unlock()
	if !direct {
		s.enqueue(it)
		return false
	}
	if s.hasPartial || s.dead {
		s.wmu.Unlock()
		s.enqueue(it)
		return false
	}
	s.one[0] = it
	all := s.send(s.one[:], false)
	s.one[0] = item{}
	s.wmu.Unlock()
	if !all {
		s.signal() // the writer finishes the frame
	}
	return all
}

// shutdown asks the writer to close the connection with code; it writes
// the rest of a frame it has started first.
func (s *subscriber) shutdown(code int, reason string, temp bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.closing, s.code, s.reason, s.temp = true, code, reason, temp
	s.signal()
}

func (s *subscriber) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// queuedBytes is what the hub holds for the board: frames queued, and
// those its writer is writing.
func (s *subscriber) queuedBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queued + s.writing
}

// written tells a catch-up waiting for room that the writer has finished
// what it took.
func (s *subscriber) written() {
	s.mu.Lock()
	s.writing = 0
	s.mu.Unlock()
	select {
	case s.room <- struct{}{}:
	default:
	}
}

// take hands the writer the queued control and data frames, giving the
// queue the writer's previous (emptied) slice so steady fan-out does not
// allocate.
func (s *subscriber) take(spare []item) (ctrl, items []item, code int, reason string, temp bool) {
	// The whole array: sendSliced may have moved frames past len(spare)
	// when it put pings in, and they would stay referenced.
	clear(spare[:cap(spare)])
	s.mu.Lock()
	defer s.mu.Unlock()
	ctrl, s.ctrl = s.ctrl, nil
	items = s.queue
	s.writing += s.queued
	s.queue, s.queued = spare[:0], 0
	if s.closing {
		return ctrl, items, s.code, s.reason, s.temp
	}
	return ctrl, items, 0, "", false
}

var errAbandoned = errors.New("connection abandoned")

// send is the one way bytes reach a board's socket. The caller holds wmu.
// It first finishes a frame whose start is already on the wire, then
// writes items in order.
//
// With wait false (the fan-out's direct write) it writes what the socket
// takes now and keeps the rest of a frame it started in s.partial, for the
// writer goroutine; it returns whether everything went out.
//
// With wait true it writes everything, for as long as the board keeps
// taking bytes. A board that takes none for WriteTimeout, or a write error,
// abandons the connection: it is closed without another byte, so a board
// never reads half a frame followed by anything else. While the board is
// being closed it stops at the first frame boundary; frames not started
// are dropped (the close code tells the board to resume).
//
// It returns false once the connection is abandoned.
func (s *subscriber) send(items []item, wait bool) bool {
	if s.dead {
		return false
	}
	if s.hasPartial {
		items = append([]item{s.partial}, items...)
		s.hasPartial, s.partial = false, item{}
	}
	if len(items) == 0 {
		return true
	}
	if !wait {
		return s.sendNow(items)
	}
	if s.raw != nil {
		return s.sendSliced(items)
	}
	return s.sendBlocking(items)
}

// sendNow writes without waiting, frame by frame (the fan-out sends one).
func (s *subscriber) sendNow(items []item) bool {
	for i := range items {
		it := &items[i]
		n, err := writeNow(s.raw, it.f.wire[it.off:])
		it.off += n
		if err != nil {
			s.abandon(dropWriteError, err)
			return false
		}
		if it.off < len(it.f.wire) {
			if it.off > 0 {
				s.partial, s.hasPartial = *it, true
				items = items[i+1:]
			} else {
				items = items[i:]
			}
			// Frames not started go back to the front of the queue (the
			// fan-out only sends directly when the queue is empty). They
			// are copied: items may be the fan-out's s.one, which deliver
			// clears as soon as this returns, and append onto it would
			// keep that array when nothing else is queued.
			if len(items) > 0 {
				s.mu.Lock()
				s.queue = slices.Concat(items, s.queue)
				for _, q := range items {
					s.queued += q.size
				}
				s.mu.Unlock()
			}
			return false
		}
		s.sent(it)
	}
	return true
}

// sendSliced writes to a plain TCP socket in deadline slices, and drops a
// board only after WriteTimeout without progress. At each frame boundary it
// stops if a close was decided meanwhile (frames not started are not worth
// waiting for), and puts in the pings and pongs that fell due, so a board
// working through a backlog still sees the hub's pings in time.
func (s *subscriber) sendSliced(items []item) bool {
	bufs := make(net.Buffers, 0, len(items))
	stallAt := time.Now().Add(s.h.opts.WriteTimeout)
	i := 0 // items[i] is the first not fully written
	for i < len(items) {
		if it := items[i]; it.off == 0 && !it.f.control && !it.f.closing {
			if s.isClosing() {
				return true
			}
			// The writer goroutine is busy here, not watching its ticker.
			s.pingIfDue()
			if ctrl := s.takeControl(); len(ctrl) > 0 {
				items = slices.Insert(items, i, ctrl...)
			}
		}
		bufs = bufs[:0]
		if items[i].off > 0 && (s.hasControl() || s.pingDue()) {
			// Only the rest of this frame, then the control frames.
			bufs = append(bufs, items[i].f.wire[items[i].off:])
		} else {
			for _, it := range items[i:] {
				bufs = append(bufs, it.f.wire[it.off:])
			}
		}
		deadline := time.Now().Add(writeSlice)
		if stallAt.Before(deadline) {
			deadline = stallAt
		}
		_ = s.nc.SetWriteDeadline(deadline)
		pending := bufs // WriteTo consumes its receiver
		n, err := pending.WriteTo(s.nc)
		if n > 0 {
			stallAt = time.Now().Add(s.h.opts.WriteTimeout)
		}
		for n > 0 {
			it := &items[i]
			step := min(int64(len(it.f.wire)-it.off), n)
			it.off += int(step)
			n -= step
			if it.off == len(it.f.wire) {
				s.sent(it)
				i++
			}
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			s.abandon(dropWriteError, err)
			return false
		}
		if !time.Now().Before(stallAt) {
			s.abandon(dropWriteStalled, err)
			return false
		}
	}
	return true
}

// pingIfDue queues a ping when PingInterval has passed since the last.
func (s *subscriber) pingIfDue() {
	if s.pingDue() {
		s.mu.Lock()
		s.nextPing = time.Now().Add(s.h.opts.PingInterval)
		s.mu.Unlock()
		s.pings.Add(1)
		s.addControl(newControlFrame(websocket.PingMessage, nil))
	}
}

func (s *subscriber) pingDue() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !time.Now().Before(s.nextPing)
}

func (s *subscriber) hasControl() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ctrl) > 0
}

// takeControl hands the writer the queued pings and pongs.
func (s *subscriber) takeControl() []item {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctrl := s.ctrl
	s.ctrl = nil
	return ctrl
}

// sendBlocking writes through TLS or gorilla's compression, whose write
// errors are final: one deadline for the whole write.
func (s *subscriber) sendBlocking(items []item) bool {
	deadline := time.Now().Add(s.h.opts.WriteTimeout)
	_ = s.nc.SetWriteDeadline(deadline)
	for i := range items {
		it := &items[i]
		var err error
		if s.compress && !it.f.control && !it.f.closing {
			var pm *websocket.PreparedMessage
			if pm, err = it.f.prepared(); err == nil {
				_ = s.conn.SetWriteDeadline(deadline)
				s.guard.open.Store(true)
				err = s.conn.WritePreparedMessage(pm)
				s.guard.open.Store(false)
			}
		} else {
			var n int
			n, err = s.nc.Write(it.f.wire[it.off:])
			it.off += n
		}
		if err != nil {
			reason := dropWriteError
			if errors.Is(err, os.ErrDeadlineExceeded) {
				reason = dropWriteStalled
			}
			s.abandon(reason, err)
			return false
		}
		s.sent(it)
	}
	return true
}

// sent counts a frame written in full.
func (s *subscriber) sent(it *item) {
	if it.f.control || it.f.closing {
		return
	}
	m := s.h.m
	m.frames.Add(float64(max(it.frames, 1)))
	if it.events > 0 {
		m.deliveries.Add(float64(it.events))
	}
	switch {
	case it.f.folds != nil:
		now := time.Now()
		for _, f := range it.f.folds {
			m.deliveryLag.Observe(now.Sub(f).Seconds())
		}
	case !it.f.folded.IsZero():
		m.deliveryLag.Observe(time.Since(it.f.folded).Seconds())
	}
}

// abandon closes the connection without another byte. Caller holds wmu.
func (s *subscriber) abandon(reason string, err error) {
	s.dead = true
	_ = s.nc.Close()
	gone := errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
	switch {
	case reason == dropWriteStalled:
		s.drop(reason, "it took no bytes for the write timeout", "waited", s.h.opts.WriteTimeout, "err", err)
	case !gone: // a board that went away was not dropped
		s.drop(reason, "writing to it failed", "err", err)
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
}

// closeNow sends an error message and a close frame through send, then
// closes. Caller holds wmu.
func (s *subscriber) closeNow(code int, reason string, temp bool) {
	if s.dead {
		return
	}
	var frames []item
	if data, err := json.Marshal(feed.Message{Type: feed.MsgError, Code: code, Reason: reason, Temporary: temp}); err == nil {
		f := newRawFrame(websocket.TextMessage, data)
		f.closing = true
		frames = append(frames, item{f: f})
	}
	// A close reason is limited to 123 bytes by the protocol.
	short := reason
	if len(short) > 120 {
		short = short[:120]
	}
	frames = append(frames, item{f: newControlFrame(websocket.CloseMessage, websocket.FormatCloseMessage(code, short))})
	if s.send(frames, true) {
		s.closeWrite()
	}
}

// closeWrite ends the hub's side after a close frame: the board reads
// everything up to it, then the connection ends when the board answers (or
// after WriteTimeout). Closing the socket at once would reset it, and the
// kernel would throw away what the board has not read yet: the close
// frame, or the rest of a frame before it. Caller holds wmu.
func (s *subscriber) closeWrite() {
	s.dead = true
	if cw, ok := s.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		// A closed board has as long to read up to the close and answer as
		// any write may wait for it.
		_ = s.nc.SetReadDeadline(time.Now().Add(s.h.opts.WriteTimeout))
		return
	}
	_ = s.nc.Close()
}

// release closes the socket once the reader has stopped (the board
// answered the close, went away, or the grace ran out).
func (s *subscriber) release(readDone <-chan struct{}) {
	if readDone != nil {
		<-readDone
	} else {
		// No reader: wait for the board's side to end, without parsing it.
		_, _ = io.Copy(io.Discard, s.nc)
	}
	// Unread bytes from the board (a late pong) would make close reset the
	// connection, and the kernel would drop what the board has not read.
	if s.unruly.Load() {
		// A client closed for what it sent is likely still sending: a reset
		// now would throw away the close that says why before it reads it.
		// Discard what it sends until it ends its side, or closeWrite's
		// deadline (WriteTimeout), up to unrulyDrain bytes.
		_, _ = io.Copy(io.Discard, io.LimitReader(s.nc, unrulyDrain))
	} else {
		_ = s.nc.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, _ = io.Copy(io.Discard, s.nc)
	}
	_ = s.nc.Close()
}

// unrulyDrain bounds what release discards from a client closed for what
// it sent (a flood at full speed is cut off sooner than the deadline).
const unrulyDrain = 1 << 20

// frame is one hub message encoded once for every subscriber: the complete
// websocket frame (server frames are unmasked, so the bytes are the same on
// every connection), and for compressing clients a prepared message, made
// on first use.
type frame struct {
	folded time.Time // when the fold made it; zero for other frames
	// folds, for frames the tail writer joined (tail.go), are the fold
	// times of the frames it holds: each counts in the delivery lag.
	folds   []time.Time
	wire    []byte // header and payload
	payload []byte // wire's payload; nil for frames the tail writer joined
	// control: a ping, pong or close; closing: the error message before a
	// close. Neither is compressed nor counted as a delivery.
	control bool
	closing bool
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
	return newRawFrame(websocket.TextMessage, data), nil
}

// newRawFrame is one final, unmasked frame of the given opcode.
func newRawFrame(opcode int, data []byte) *frame {
	f := newOpFrameBuf(opcode, len(data))
	copy(f.payload, data)
	return f
}

// newFrameBuf is a text frame with room for a payload of n bytes, for the
// caller to write in place (eventsFrame, snapshotFrame): a frame's bytes
// are made once.
func newFrameBuf(n int) *frame { return newOpFrameBuf(websocket.TextMessage, n) }

func newOpFrameBuf(opcode, l int) *frame {
	var hdr [10]byte
	hdr[0] = 0x80 | byte(opcode) // FIN
	n := 2
	switch {
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
	wire := make([]byte, n+l)
	copy(wire, hdr[:n])
	return &frame{wire: wire, payload: wire[n:]}
}

// newControlFrame is a ping, pong or close; payloads are at most 125 bytes.
func newControlFrame(opcode int, data []byte) *frame {
	if len(data) > 125 {
		data = data[:125]
	}
	f := newRawFrame(opcode, data)
	f.control = true
	return f
}

func (f *frame) opcode() int { return int(f.wire[0] & 0x0f) }

func (f *frame) size() int { return len(f.payload) }

func (f *frame) prepared() (*websocket.PreparedMessage, error) {
	f.once.Do(func() { f.pm, f.pmErr = websocket.NewPreparedMessage(websocket.TextMessage, f.payload) })
	return f.pm, f.pmErr
}

// guardedConn is the connection as gorilla sees it. It passes the
// handshake, then drops gorilla's own writes except while send has opened
// it for a compressed message: gorilla answers a protocol error with a
// close frame from the reader goroutine, which would otherwise land in the
// middle of a frame being written.
type guardedConn struct {
	net.Conn
	sealed atomic.Bool
	open   atomic.Bool
}

func (g *guardedConn) Write(b []byte) (int, error) {
	if g.sealed.Load() && !g.open.Load() {
		return len(b), nil
	}
	return g.Conn.Write(b)
}

// hijackGuard hands gorilla's upgrader a guardedConn.
type hijackGuard struct {
	http.ResponseWriter
	conn *guardedConn
}

func (g *hijackGuard) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(g.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	g.conn = &guardedConn{Conn: c}
	return g.conn, brw, nil
}

func (g *hijackGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }
