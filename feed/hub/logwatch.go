package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/internal/buildinfo"
)

// The hub's reader on the log is one ordered consumer. NATS's own ordered
// consumer recovers from a lost consumer by itself only while it can
// recreate it at once; when the node it lived on dies (or the connection
// fails over to another node), it can stay silent for good. So the hub
// owns the reader's life: it restarts the consumer after the last seq it
// handed to the fold whenever the connection comes back, and whenever a
// watchdog sees the log's head ahead of a reader that has not moved.

// DefaultStallAfter is how long the fold may stay behind a head of the
// log before /healthz says "degraded" (503) and a WARN is logged. A fold
// that follows the log reaches a new head within milliseconds (a batch's
// linger and fold); two seconds behind is a reader that stopped or a fold
// that cannot keep up, and boards showing a state that old should be
// served by another hub. (It was 10 s: one hub answered "ok" for 15 s of
// a stuck fold around a leader election.)
const DefaultStallAfter = 2 * time.Second

// checkTimeout bounds the watchdog's question to the log: a busy machine
// can take a while to answer, and a slow answer is not a dead log.
const checkTimeout = 2 * time.Second

// readerState is the reader's position and generation. A consumer started
// for generation g delivers only while g is current, so a stopped
// consumer's late messages never reach the fold.
type readerState struct {
	restartMu sync.Mutex // serialises restarts
	cc        jetstream.ConsumeContext

	mu       sync.Mutex // guards gen and seq, held while handing an event over
	gen      uint64
	seq      uint64 // last seq handed to the fold loop
	restarts int
	// deaf makes every consumer drop what it gets, as a consumer on a
	// dead node does (tests only: BlockReader).
	deaf atomic.Bool
}

// logWatch is what the watchdog last saw of the log.
type logWatch struct {
	mu sync.Mutex
	// checkedAt is when the watchdog last finished looking at the log:
	// what it knows is only as fresh as that (Hub.staleAfter).
	checkedAt time.Time
	head      uint64 // last seq in the log
	first     uint64 // first seq still in the log
	infoErr   error  // the log did not answer the last check
	pending   []headSeen
	behind    time.Duration // age of the oldest head not yet folded
	stalled   bool          // behind >= StallAfter, WARN logged
	diskFull  string        // why the store cannot write ("" when it can)
	// faultCtx is cancelled when the store fails (disk full), so that
	// publishes waiting for an acknowledgement that will never come
	// return at once instead of after their timeout.
	faultCtx    context.Context
	faultCancel context.CancelFunc
}

type headSeen struct {
	at   time.Time
	head uint64
}

// restartReader (re)starts the ordered consumer after the last seq handed
// to the fold. It is safe to call from any goroutine, at any time.
func (h *Hub) restartReader(why string) error {
	h.rd.restartMu.Lock()
	defer h.rd.restartMu.Unlock()
	if h.closed.Load() {
		return nil
	}
	h.stopConsumerLocked()
	h.rd.mu.Lock()
	h.rd.gen++
	gen, from := h.rd.gen, h.rd.seq+1
	h.rd.restarts++
	first := h.rd.restarts == 1
	h.rd.mu.Unlock()
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{h.opts.Subject}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = from
	}
	// Short: during a leader election the request may go unanswered, and
	// the caller retries sooner than a long timeout would.
	ctx, cancel := context.WithTimeout(context.Background(), 750*time.Millisecond)
	defer cancel()
	cons, err := h.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("hub: cannot start the log reader at seq %d: %w", from, err)
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) { h.onLogMsg(gen, msg) },
		jetstream.PullMaxMessages(2048),
		// Missed heartbeats make NATS's consumer reset itself; the
		// watchdog covers the cases where that reset cannot succeed.
		jetstream.PullHeartbeat(2*time.Second),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if !h.closed.Load() {
				h.log.Debug("log reader", "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("hub: cannot consume the log from seq %d: %w", from, err)
	}
	h.rd.cc = cc
	if !first {
		h.log.Info("log reader restarted", "from_seq", from, "why", why)
	}
	return nil
}

// restartReaderUntil retries restartReader for up to d: after a failover
// the stream may need a few seconds to elect a leader on the nodes left.
func (h *Hub) restartReaderUntil(why string, d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		err := h.restartReader(why)
		if err == nil || h.closed.Load() {
			return
		}
		if time.Now().After(deadline) {
			h.log.Warn("log reader not restarted yet; the watchdog keeps trying", "err", err)
			return
		}
		select {
		case <-h.closing:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopReader stops the consumer for good (Close).
func (h *Hub) stopReader() {
	h.rd.restartMu.Lock()
	defer h.rd.restartMu.Unlock()
	h.stopConsumerLocked()
	h.rd.mu.Lock()
	h.rd.gen++
	h.rd.mu.Unlock()
}

// stopConsumerLocked stops the current consumer without waiting for it
// (restartMu held). nats.go's ordered consumer holds its lock while it
// resets itself after missed heartbeats, retrying the consumer's creation
// for as long as a leader election lasts (seconds, with backoff), and Stop
// waits for that lock: the watchdog waited on it for about 7 s. The
// stopped consumer's late messages are dropped (its generation is gone).
func (h *Hub) stopConsumerLocked() {
	if cc := h.rd.cc; cc != nil {
		h.rd.cc = nil
		go cc.Stop()
	}
}

// onLogMsg runs on the NATS delivery goroutine; it only decodes and hands
// the event to the fold loop, which batches. A message from a consumer
// that was replaced, or one already handed over (a restart overlaps the
// old consumer), is dropped.
func (h *Hub) onLogMsg(gen uint64, msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		h.log.Error("log message without metadata", "err", err)
		return
	}
	seq := md.Sequence.Stream
	if h.rd.deaf.Load() {
		return
	}
	h.rd.mu.Lock()
	defer h.rd.mu.Unlock()
	if gen != h.rd.gen || seq <= h.rd.seq {
		return
	}
	ev, err := decodeStored(msg.Data(), seq)
	if err != nil {
		h.log.Warn("unreadable event in the log; kept as an unknown type", "seq", seq, "err", err)
	}
	h.rd.seq = seq
	select {
	case h.incoming <- arrival{ev: ev, at: time.Now()}:
	case <-h.closing:
	}
}

// readSeq is the last seq handed to the fold loop.
func (h *Hub) readSeq() uint64 {
	h.rd.mu.Lock()
	defer h.rd.mu.Unlock()
	return h.rd.seq
}

// natsEventOptions log the connection's life and restart the reader when
// it comes back, possibly on another node of a cluster.
func (h *Hub) natsEventOptions() []nats.Option {
	return []nats.Option{
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if h.closed.Load() || nc.IsClosed() {
				return
			}
			h.log.Warn("NATS connection lost; reconnecting", "err", err, "servers", strings.Join(nc.Servers(), ","))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			if h.closed.Load() {
				return
			}
			h.log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName())
			go h.restartReaderUntil("NATS reconnected", h.opts.StallAfter)
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if !h.closed.Load() {
				h.log.Warn("NATS error", "err", err)
			}
		}),
	}
}

// watchInterval is how often the watchdog looks at the log: a few times
// per StallAfter, so a head the fold does not follow is seen in time.
func (h *Hub) watchInterval() time.Duration {
	return min(500*time.Millisecond, max(h.opts.StallAfter/4, 50*time.Millisecond))
}

// staleAfter is how long the watchdog may go without finishing a look at
// the log before /healthz stops trusting what it knows: an interval, the
// log's answer at its slowest, and StallAfter.
func (h *Hub) staleAfter() time.Duration {
	return h.watchInterval() + checkTimeout + h.opts.StallAfter
}

// watchLog is the watchdog: it compares the log's head with the fold,
// restarts a reader that stopped moving, keeps /healthz and the stalled
// gauge current, and recovers the store after a full disk.
func (h *Hub) watchLog() {
	defer h.loops.Done()
	t := time.NewTicker(h.watchInterval())
	defer t.Stop()
	var lastRead uint64
	lastReadMove, lastRestart := time.Now(), time.Now()
	// restarting holds a token while a restart runs: the watchdog starts
	// one at a time and never waits for it, so that a call into NATS that
	// hangs cannot stop it from watching the log and keeping /healthz true.
	restarting := make(chan struct{}, 1)
	for {
		select {
		case <-t.C:
		case <-h.closing:
			return
		}
		h.checkDisk()
		now := time.Now()
		h.checkLog(now)
		read := h.readSeq()
		if read != lastRead {
			lastRead, lastReadMove = read, now
		}
		h.lw.mu.Lock()
		behind, head := h.lw.behind, h.lw.head
		h.lw.mu.Unlock()
		// A reader that has read nothing for a while, though the log has
		// more, is restarted. Restarting one that is merely slow costs a
		// consumer creation and no duplicate (onLogMsg drops seen seqs).
		restartAfter := min(max(h.opts.StallAfter/4, 250*time.Millisecond), time.Second)
		if behind >= restartAfter && head > read && now.Sub(lastReadMove) >= restartAfter && now.Sub(lastRestart) >= restartAfter {
			select {
			case restarting <- struct{}{}:
				lastRestart = now
				why := fmt.Sprintf("no progress for %s at seq %d, log head %d", now.Sub(lastReadMove).Round(time.Millisecond), read, head)
				go func() {
					defer func() { <-restarting }()
					if err := h.restartReader(why); err != nil {
						h.log.Warn("cannot restart the log reader yet", "err", err)
					}
				}()
			default: // the last restart has not returned yet
			}
		}
	}
}

// checkLog asks the log for its head and updates how far behind the fold
// is: the age of the oldest head it has seen and not folded yet. That
// grows both when the reader is stuck and when it cannot keep up.
func (h *Hub) checkLog(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	info, err := h.stream.Info(ctx)
	cancel()
	folded := h.Seq()
	h.lw.mu.Lock()
	defer h.lw.mu.Unlock()
	wasErr := h.lw.infoErr
	h.lw.checkedAt = time.Now()
	if err != nil {
		h.lw.infoErr = err
		if wasErr == nil && !h.closed.Load() {
			h.log.Warn("the event log does not answer", "err", err)
		}
	} else {
		h.lw.infoErr = nil
		if wasErr != nil {
			h.log.Info("the event log answers again", "head", info.State.LastSeq)
		}
		h.lw.head, h.lw.first = info.State.LastSeq, info.State.FirstSeq
		defer h.noteLogFirst(info.State.FirstSeq)
		if n := len(h.lw.pending); n == 0 || h.lw.pending[n-1].head < h.lw.head {
			h.lw.pending = append(h.lw.pending, headSeen{at: now, head: h.lw.head})
		}
	}
	drop := 0
	for drop < len(h.lw.pending) && h.lw.pending[drop].head <= folded {
		drop++
	}
	h.lw.pending = append(h.lw.pending[:0], h.lw.pending[drop:]...)
	h.lw.behind = h.behindLocked(folded, now)
	// The start-up fold is behind by nature; it reports its own progress.
	stalled := h.lw.behind >= h.opts.StallAfter && h.ready.Load()
	switch {
	case stalled && !h.lw.stalled:
		h.log.Warn("log reader stalled: the fold is behind the event log", "behind", h.lw.behind.Round(time.Millisecond), "seq", folded, "log_head", h.lw.head, "stall_after", h.opts.StallAfter)
	case !stalled && h.lw.stalled:
		h.log.Info("log reader caught up", "seq", folded, "log_head", h.lw.head)
	}
	h.lw.stalled = stalled
}

// stalledFor is the stalled-reader gauge: how long the fold has been
// behind a head it has seen (0 when caught up), as of now.
func (h *Hub) stalledFor() time.Duration {
	folded := h.Seq()
	h.lw.mu.Lock()
	defer h.lw.mu.Unlock()
	return h.behindLocked(folded, time.Now())
}

// behindLocked is the age of the oldest head seen that is above folded.
func (h *Hub) behindLocked(folded uint64, now time.Time) time.Duration {
	for _, p := range h.lw.pending {
		if p.head > folded {
			return now.Sub(p.at)
		}
	}
	return 0
}

// faultContext is cancelled when the store fails; see logWatch.faultCtx.
func (h *Hub) faultContext() context.Context {
	h.lw.mu.Lock()
	defer h.lw.mu.Unlock()
	if h.lw.faultCtx == nil {
		h.lw.faultCtx, h.lw.faultCancel = context.WithCancel(context.Background())
	}
	return h.lw.faultCtx
}

// healthReport is the body of GET /healthz.
type healthReport struct {
	Status string `json:"status"` // ok, degraded, draining or starting
	// Reason is the first of Reasons, for a quick look.
	Reason  string   `json:"reason,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	Epoch   string   `json:"epoch"`
	Seq     uint64   `json:"seq"`
	Store   string   `json:"store"`
	// NatsServer is the NATS server the hub is attached to (by name).
	NatsServer string `json:"nats_server,omitempty"`
	// LogFirstSeq and LogHeadSeq are the log's range at the last check.
	LogFirstSeq uint64 `json:"log_first_seq"`
	LogHeadSeq  uint64 `json:"log_head_seq"`
	// BehindSeconds is the stalled-reader gauge.
	BehindSeconds float64 `json:"behind_seconds"`
	// Partial: the hub's figures were folded from a log that had lost its
	// beginning (MissingBefore is the first seq folded).
	Partial bool `json:"partial,omitempty"`
	// Build is this hub's version, VCS revision and Go version.
	Build buildinfo.Info `json:"build"`
}

// health says how the hub is. A condition that makes this hub worse than
// a peer (log down, reader stalled, disk full) answers 503, so a load
// balancer sends boards and upstreams elsewhere. A condition every peer
// shares (the log lost its beginning) answers 200 with status "degraded":
// draining every hub would help nobody.
func (h *Hub) health() (healthReport, int) {
	if !h.ready.Load() {
		return h.startingHealth()
	}
	rep := healthReport{Status: "ok", Epoch: h.epoch, Store: h.storeName(), Build: buildinfo.Get()}
	h.mu.Lock()
	rep.Seq = h.state.Seq
	missingBefore := h.state.MissingBefore
	h.mu.Unlock()
	code := http.StatusOK
	bad := func(reason string) {
		rep.Reasons = append(rep.Reasons, reason)
		code = http.StatusServiceUnavailable
	}
	if h.closed.Load() {
		rep.Status = "draining"
		bad("hub is shutting down: use another hub or retry in a moment")
	}
	now := time.Now()
	h.lw.mu.Lock()
	rep.LogFirstSeq, rep.LogHeadSeq = h.lw.first, h.lw.head
	behind := h.behindLocked(rep.Seq, now)
	rep.BehindSeconds = behind.Seconds()
	diskFull, infoErr := h.lw.diskFull, h.lw.infoErr
	checkedAt := h.lw.checkedAt
	h.lw.mu.Unlock()
	stalled := behind >= h.opts.StallAfter
	if diskFull == "" {
		diskFull = h.lowReason() // refused before the disk fills
	}
	if diskFull != "" {
		bad(diskFull)
	}
	if age := now.Sub(checkedAt); !checkedAt.IsZero() && age > h.staleAfter() && !h.closed.Load() {
		// What the watchdog knows is too old to say the fold follows the
		// log: the log's head may have moved since without it.
		bad(fmt.Sprintf("the log watchdog has not looked at the event log for %s (last seen: seq %d, log head %d): this hub cannot tell whether its boards are current", age.Round(time.Second), rep.Seq, rep.LogHeadSeq))
	}
	rep.NatsServer = h.nc.ConnectedServerName()
	if st := h.nc.Status(); st != nats.CONNECTED {
		bad("NATS connection " + strings.ToLower(st.String()) + ": the event log is out of reach")
	} else if infoErr != nil {
		bad("the event log does not answer: " + infoErr.Error())
	}
	if stalled {
		bad(fmt.Sprintf("log reader stalled: the board state is %s behind the event log (seq %d, log head %d; allowed %s, --stall-after)", behind.Round(100*time.Millisecond), rep.Seq, rep.LogHeadSeq, h.opts.StallAfter))
	}
	if missingBefore > 1 {
		rep.Partial = true
		rep.Reasons = append(rep.Reasons, "figures are partial: the log this hub folded started at seq "+strconv.FormatUint(missingBefore, 10)+"; events before it were dropped by retention (--max-age/--max-bytes)")
	} else if rep.LogFirstSeq > 1 {
		rep.Reasons = append(rep.Reasons, "the log no longer starts at seq 1 (first seq "+strconv.FormatUint(rep.LogFirstSeq, 10)+"): retention dropped events, so a restarted hub would show partial figures")
	}
	if len(rep.Reasons) > 0 {
		rep.Reason = rep.Reasons[0]
		if rep.Status == "ok" {
			rep.Status = "degraded"
		}
	}
	return rep, code
}

func (h *Hub) handleHealth(w http.ResponseWriter, r *http.Request) {
	rep, code := h.health()
	writeJSON(w, code, rep)
}

// errDiskFull is what ingest returns while the store cannot write.
var errDiskFull = errors.New("disk full")
