package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed"
)

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
	h.m.streamRejected.Inc()
	if due, skipped := h.originLog.due(time.Now(), refusalLogEvery); due {
		h.log.Warn("stream refused a browser origin; add it with --allow-origin if it is yours",
			"origin", origin, "remote", r.RemoteAddr, "refused_since_last_line", skipped)
	}
	return false
}

// refusalLogEvery spaces the log lines of a repeated refusal.
const refusalLogEvery = 10 * time.Second

// refusalLog lets a repeated refusal through to the log at most once per
// interval, counting the ones it held back, so a hostile page retrying in
// a loop cannot flood the hub's log.
type refusalLog struct {
	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (l *refusalLog) due(now time.Time, every time.Duration) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.skipped++
		return false, 0
	}
	n := l.skipped
	l.last, l.skipped = now, 0
	return true, n
}

func (h *Hub) handleStream(w http.ResponseWriter, r *http.Request) {
	// Counted from before the upgrade until the handler returns, which it
	// does on every path once the connection is done.
	release, ok := h.takeStream(w, r)
	if !ok {
		return
	}
	defer release()
	allowed := h.readAllowed(r)
	// Refusals are not paced: only a board that may join waits its turn.
	joined := func() {}
	if allowed {
		var ok bool
		if joined, ok = h.awaitJoin(r.Context().Done()); !ok {
			return
		}
	}
	defer joined() // if the board never gets as far as going live
	// gorilla gets a guarded connection: after the handshake, every byte
	// goes through the subscriber's send.
	hj := &hijackGuard{ResponseWriter: w}
	conn, err := h.upgrader().Upgrade(hj, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	hj.conn.sealed.Store(true)
	s := newSubscriber(h, conn, hj.conn, h.opts.EnableCompression && offersDeflate(r), r.RemoteAddr)
	s.joined = joined
	refuse := func(code int, reason string, temp bool) {
		joined() // a refused join is over, though its close handshake may take a while
		s.wmu.Lock()
		s.closeNow(code, reason, temp)
		s.wmu.Unlock()
		s.release(nil)
	}
	// A browser cannot read an HTTP 401 on a websocket, so refusals happen
	// after the upgrade, as close codes with a readable message.
	if !allowed {
		h.m.streamRejected.Inc()
		refuse(feed.CloseBadToken, "missing or wrong read token: pass Authorization: Bearer <read token> or ?token=", false)
		return
	}
	if h.closed.Load() {
		refuse(feed.CloseShutdown, shutdownReason, true)
		return
	}
	if tcp, ok := s.nc.(*net.TCPConn); ok {
		_ = tcp.SetWriteBuffer(h.opts.SocketSendBuffer)
	}
	conn.SetReadLimit(readLimit)
	_ = conn.SetReadDeadline(time.Now().Add(h.opts.HelloTimeout))
	hello, err := readHello(conn)
	if err != nil {
		h.m.streamRejected.Inc()
		refuse(feed.CloseBadRequest, err.Error(), false)
		return
	}
	if !h.subscribe(s) {
		// Close() ran while the hello was on its way.
		refuse(feed.CloseShutdown, shutdownReason, true)
		return
	}
	h.m.connections.Inc()
	h.logBoard("board connected", s.remote, "from", h.startKind(hello), "last_seq", hello.LastSeq)
	start := time.Now()
	defer func() {
		h.logBoard("board disconnected", s.remote, "connected_for", time.Since(start).Round(time.Second))
	}()
	go h.writeLoop(s, hello)
	h.readLoop(s)
	// The stream's place (per address) is held until the board's writer
	// and catch-up have ended too: a client that hangs up in the middle of
	// a resume and dials again has no more resumes in progress than its
	// cap.
	<-s.done
	<-s.caughtUp
}

// logBoard logs a board coming or going: a burst of 20 lines, then one per
// half second, each saying how many were held back, so a reconnect storm
// (every wall after a restart) costs a few lines, not thousands.
func (h *Hub) logBoard(msg, remote string, attrs ...any) {
	if ok, held := h.boardLog.Allow(msg, time.Now()); ok {
		h.log.Info(msg, append([]any{"remote", remote, "held_back", held}, attrs...)...)
	}
}

// startKind says how a board starts: from a snapshot, or resuming (as
// catchUp decides).
func (h *Hub) startKind(hello feed.Hello) string {
	h.mu.Lock()
	head := h.state.Seq
	h.mu.Unlock()
	if h.resumes(hello, head) {
		return "resume"
	}
	return "snapshot"
}

const shutdownReason = "hub is shutting down; reconnect in a moment"

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

// subscribe registers s with the hub: Close closes it, and its queue
// counts in the metrics. It joins the fan-out's targets once it has caught
// up (catchUp).
//
// It refuses (false) once the hub is closed: Close marks the hub closed,
// then shuts down every board registered under this lock, so a board
// registered here after that would never be closed.
func (h *Hub) subscribe(s *subscriber) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed.Load() {
		return false
	}
	h.subs[s] = struct{}{}
	h.subCount.Store(int32(len(h.subs)))
	return true
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	s.left = true
	h.subCount.Store(int32(len(h.subs)))
	h.mu.Unlock()
}

// readLoop runs on the handler goroutine. Clients send nothing after the
// hello but pongs (and close frames), within their budget (clientBudget);
// a frame that is not a message is a protocol error.
func (h *Hub) readLoop(s *subscriber) {
	defer close(s.readDone)
	conn := s.conn
	pongWait := h.opts.PongWait
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(data string) error {
		// Pongs answering the hub's pings are free (one spare for a ping
		// in flight); unasked ones count.
		if s.pongs++; s.pongs > s.pings.Load()+1 && !s.in.spend(time.Now(), len(data)) {
			return errClientFlood
		}
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		mt, data, err := conn.ReadMessage()
		if err == nil && !s.in.spend(time.Now(), len(data)) {
			err = errClientFlood
		}
		if err != nil {
			h.readEnded(s, err)
			return
		}
		var m struct {
			Type string `json:"type"`
		}
		if mt != websocket.TextMessage || json.Unmarshal(data, &m) != nil || m.Type == "" {
			s.unruly.Store(true)
			s.drop(dropBadFrame, "it sent a frame that is not a message")
			s.shutdown(feed.CloseBadRequest, "garbage frame: send only the hello; everything after it is ignored or refused", false)
			return
		}
		// Well-formed messages of types this hub does not know are ignored,
		// so newer clients can talk to older hubs.
	}
}

// readEnded tells why a board's connection stopped reading: the board
// closed or went away, or it broke the protocol or fell silent, which
// drops it.
func (h *Hub) readEnded(s *subscriber, err error) {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
		// The board closed, went away, or the writer closed the socket.
	case errors.As(err, &ne) && ne.Timeout():
		s.drop(dropNoPong, "it answered no ping", "waited", h.opts.PongWait)
	case errors.Is(err, errClientFlood):
		s.unruly.Store(true)
		s.drop(dropClientFlood, "it sent more frames than a board sends", "budget_frames", clientBudgetFrames, "budget_bytes", clientBudgetBytes, "window", clientBudgetWindow)
		s.shutdown(feed.CloseBadRequest, fmt.Sprintf("too many frames: after the hello a client sends only pongs, at most %d frames and %d KiB per %s", clientBudgetFrames, clientBudgetBytes>>10, clientBudgetWindow), false)
	case errors.Is(err, websocket.ErrReadLimit):
		s.unruly.Store(true)
		s.drop(dropBadFrame, "it sent a frame over the limit", "limit", readLimit)
		s.shutdown(feed.CloseBadRequest, "frame too large: a client sends only the hello, at most 4 KiB", false)
	default:
		s.unruly.Store(true)
		s.drop(dropBadFrame, "it broke the websocket protocol", "err", err)
		s.shutdown(feed.CloseBadRequest, "websocket protocol error: "+err.Error(), false)
	}
}

// writeLoop is the subscriber's writer goroutine: it drains the queue (the
// catch-up's frames, and what the fan-out could not write directly), sends
// pings and answers pongs, and closes. The catch-up (snapshot or missed
// events) is made meanwhile on its own goroutine.
func (h *Hub) writeLoop(s *subscriber, hello feed.Hello) {
	// Deferred calls run last first: nothing more is queued, the board
	// leaves the fan-out, then the socket is closed once the board has
	// read the close (or at once when the writer abandoned it).
	defer close(s.done)
	defer s.release(s.readDone)
	defer h.unsubscribe(s)
	defer func() {
		s.mu.Lock()
		s.closing, s.queue, s.queued = true, nil, 0
		s.mu.Unlock()
	}()
	h.preambles.Add(1)
	go h.runPreamble(s, hello)
	ping := time.NewTicker(h.opts.PingInterval)
	defer ping.Stop()
	var spare []item
	for {
		select {
		case <-s.notify:
		case <-ping.C:
			s.pingIfDue()
		case <-s.readDone:
			h.finish(s)
			return
		}
		if !h.flush(s, &spare) {
			return
		}
	}
}

// flush writes what is queued for s: the rest of a started frame, then
// pings and pongs, then data once s is live; then the close, if one was
// asked for. It returns false when the connection is finished.
func (h *Hub) flush(s *subscriber, spare *[]item) bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.dead {
		return false
	}
	ctrl, items, code, reason, temp := s.take(*spare)
	ok := s.send(ctrl, true) && s.send(items, true)
	s.written()
	*spare = items
	if !ok {
		return false
	}
	if code != 0 {
		s.closeNow(code, reason, temp)
		return false
	}
	return true
}

// finish closes after the reader has stopped: with the code the reader
// chose, by echoing the board's close, or silently when it went away.
func (h *Hub) finish(s *subscriber) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, _, code, reason, temp := s.take(nil)
	s.mu.Lock()
	peer := s.peerClose
	s.mu.Unlock()
	switch {
	case code != 0:
		s.closeNow(code, reason, temp)
	case peer != 0:
		// Echo the board's close, as the protocol asks.
		if peer == websocket.CloseNoStatusReceived {
			peer = websocket.CloseNormalClosure
		}
		s.send([]item{{f: newControlFrame(websocket.CloseMessage, websocket.FormatCloseMessage(peer, ""))}}, true)
		s.dead = true
	default:
		s.dead = true
	}
}

var errResync = errors.New("resume range no longer in the log")

// logReadWait bounds each wait for the next events of a log resume, and
// logFetch is how many it asks for at once: a frame's worth, so a resume
// from the log holds about one frame in the NATS client besides what its
// board's queue holds.
const (
	logReadWait = 5 * time.Second
	logFetch    = maxBatchEvents
)

// readLog hands each batch of events from seq `from` to `to` (inclusive)
// to each, in order. One ordered consumer streams the range from the
// start seq, so a resume of N events costs a handful of round trips
// rather than N requests. It returns errResync when `from` is no longer
// in the log (retention dropped it), and stops (errAbandoned) as soon as
// done is closed, also while it waits for the log.
//
// The events are handed on as the log holds them, with their seq put in:
// decoding and encoding each again would cost most of a resume's time.
func (h *Hub) readLog(done <-chan struct{}, from, to uint64, each func([]json.RawMessage) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), logReadWait)
	defer cancel()
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-done:
			cancel()
		case <-stopped:
		}
	}()
	var filter []string
	if subjects := h.stream.CachedInfo().Config.Subjects; len(subjects) != 1 || subjects[0] != h.opts.Subject {
		// A filtered consumer costs the server a scan of the stream
		// each time it is made (on every Fetch of an ordered consumer):
		// filter only when the stream holds other subjects too.
		filter = []string{h.opts.Subject}
	}
	cons, err := h.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    filter,
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       from,
		InactiveThreshold: 30 * time.Second, // the server forgets it soon if we cannot delete it
	})
	if err != nil {
		if isDone(done) {
			return errAbandoned
		}
		return fmt.Errorf("cannot read the log from seq %d: %w", from, err)
	}
	// One pull subscription for the whole range: making a consumer costs
	// the server a count of the messages after the start, so an ordered
	// consumer's Fetch, which makes one per call, would pay it per batch.
	msgs, err := cons.Messages(jetstream.PullMaxMessages(int(min(to-from+1, logFetch))))
	if err != nil {
		return fmt.Errorf("cannot read the log from seq %d: %w", from, err)
	}
	go func() { // Next does not watch done: stopping the messages ends it
		select {
		case <-done:
			msgs.Stop()
		case <-stopped:
		}
	}()
	defer func() {
		msgs.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if info := cons.CachedInfo(); info != nil {
			_ = h.stream.DeleteConsumer(ctx, info.Name)
		}
	}()
	batch := make([]json.RawMessage, 0, maxBatchEvents)
	batchBytes := 0
	for next := from; next <= to; {
		select {
		case <-done:
			return errAbandoned
		default:
		}
		msg, err := msgs.Next(jetstream.NextMaxWait(logReadWait))
		if err != nil {
			if isDone(done) {
				return errAbandoned
			}
			return fmt.Errorf("reading the log at seq %d: %w", next, err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("reading the log at seq %d: %w", next, err)
		}
		seq := md.Sequence.Stream
		if seq > next && h.logStartsAfter(next) {
			// Retention dropped events the board has not seen.
			return errResync
		}
		if seq > to {
			break
		}
		ev := storedEventJSON(msg.Data(), seq)
		batch = append(batch, ev)
		batchBytes += len(ev)
		next = seq + 1
		if len(batch) == maxBatchEvents || batchBytes >= catchUpFrameBytes {
			if err := each(batch); err != nil {
				return err
			}
			clear(batch)
			batch, batchBytes = batch[:0], 0
		}
	}
	if len(batch) > 0 {
		return each(batch)
	}
	return nil
}

// logStartsAfter tells whether the log's first seq is past seq. A gap
// in the seqs delivered may also be messages on other subjects.
func (h *Hub) logStartsAfter(seq uint64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), logReadWait)
	defer cancel()
	info, err := h.stream.Info(ctx)
	return err == nil && info.State.FirstSeq > seq
}

// storedEventJSON is an event from the log as a board gets it: the stored
// JSON (an event without its seq, as ingest wrote it) with "seq" put first.
// Anything else (written by another program, or already holding a "seq"
// key somewhere) goes through decodeStored, as the fold does.
func storedEventJSON(data []byte, seq uint64) json.RawMessage {
	if len(data) > 2 && data[0] == '{' && !bytes.Contains(data, []byte(`"seq"`)) && json.Valid(data) {
		out := make([]byte, 0, len(data)+24)
		out = append(out, `{"seq":`...)
		out = strconv.AppendUint(out, seq, 10)
		if rest := bytes.TrimLeft(data[1:], " \t\r\n"); len(rest) > 0 && rest[0] != '}' {
			out = append(out, ',')
		}
		return append(out, data[1:]...)
	}
	ev, _ := decodeStored(data, seq)
	b, err := json.Marshal(ev)
	if err != nil {
		b, _ = json.Marshal(feed.Event{Seq: seq, ID: fmt.Sprintf("unreadable-%d", seq), Type: TypeUnreadable})
	}
	return b
}

// isDone tells whether done is closed.
func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
