// Package hub is the feed server: it takes events over HTTP, stores them in a
// NATS JetStream log, folds them into the campaign state, and streams a
// snapshot plus ordered deltas to every board over a websocket.
package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/internal/lograte"
	"sitboard/internal/peer"
)

// Defaults, chosen for a city command room: a few thousand events a day in
// normal operation, bursts of tens of thousands when a recording is replayed.
const (
	DefaultStream          = "SITBOARD"
	DefaultSubject         = "sitboard.events"
	DefaultDuplicateWindow = 24 * time.Hour // see docs/protocol.md "Idempotency"
	DefaultMaxBodyBytes    = 8 << 20
	DefaultMaxEvents       = 5000
	DefaultSendQueueBytes  = 8 << 20
	DefaultSocketBuffer    = 256 << 10
	DefaultRingSize        = 1 << 16
	DefaultRingBytes       = 64 << 20
	DefaultMaxHistory      = 200_000
	DefaultHeartbeat       = 2 * time.Second
	DefaultPingInterval    = 10 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultHelloTimeout    = 10 * time.Second
	DefaultBatchLinger     = 10 * time.Millisecond
	// DefaultMaxAge and, on disk, no MaxBytes: the log keeps every event.
	// An event answered 202 is dropped only by the operator's explicit
	// --max-age or --max-bytes (docs/operations.md, "Retention").
	DefaultMaxAge = 0
	// DefaultMaxBytesMemory bounds the memory log (the demo, which may
	// loop for days).
	DefaultMaxBytesMemory = 512 << 20
	// DefaultMaxClockSkew is how far past the hub's clock an event's time
	// may be: a sending system's clock minutes fast, not a wrong date or
	// zone (see Options.MaxClockSkew).
	DefaultMaxClockSkew = 10 * time.Minute
	// DefaultClockTick is how often a live hub writes a clock.tick (see
	// Options.ClockTick): a rule waiting for time fires within a minute.
	DefaultClockTick = time.Minute
	// DefaultSync is fsync before every acknowledgement. The brief's first
	// promise is that an acknowledged event survives a crash; JetStream's own
	// default (fsync every 2 minutes) can lose acknowledged events on power
	// loss. Requests of 20 events or more are stored as atomic batches,
	// fsynced once each, so "always" still takes about 20,000 events/s, far
	// above a city's rate (see store, docs/protocol.md "Durability" and
	// BenchmarkIngest).
	DefaultSync = "always"
	// epochKey is the stream metadata key holding the epoch.
	epochKey = "sitboard_epoch"
	// maxBatchEvents bounds one websocket frame.
	maxBatchEvents = 512
	// fanOutYield is how many boards a fan-out writes to between yields
	// (about half a millisecond of writes on loopback): the fold loop's
	// on a single P, the tail writer's always (tail.go).
	fanOutYield = 32
	// A frame costs every board a write, and the kernel's work for one
	// write (on loopback, the board's receive too) is nearly all of a
	// fan-out's cost: some 5-12µs per board and frame, depending on the
	// machine and its load. So after a fan-out the fold waits fanOutRatio
	// times as long as fan-outs take lately before the next one, which
	// keeps fan-out within 1/(1+fanOutRatio) of a core however slow the
	// machine, with at least the BatchLinger window. No event waits more
	// than maxLinger in the fold loop, which bounds the latency and,
	// past some 600 boards on loopback, the window (lingerUntil); the one
	// exception is the tail writer's last round, once per crowd
	// (settleTail). With a hundred boards a fan-out takes about a
	// millisecond and the window stays the 10ms default; at 1,000 boards
	// the window is maxLinger, so there a cheaper write is less CPU, not
	// more frames. At 1,000 boards and 300 events/s the hub uses under a
	// fifth of a core (BenchmarkFanout; docs/operations.md, "Fan-out
	// cost").
	fanOutRatio = 10
	maxLinger   = 60 * time.Millisecond
)

// Options configure a Hub. Zero values take the defaults above.
type Options struct {
	Campaign *campaign.Config // required: validation and the fold

	// DataDir holds the JetStream file store. Empty means a memory store
	// (the demo): the log, and so the epoch, do not outlive the process.
	DataDir string
	// NatsURL connects to an external NATS server or cluster instead of
	// embedding one; DataDir and Sync are then the server's business.
	NatsURL string
	// NatsOptions are extra options for the external connection.
	NatsOptions []nats.Option
	// NatsSecurity authenticates the hub to the external NATS servers and
	// verifies their certificates (--nats-creds, --nats-nkey, --nats-ca).
	NatsSecurity NatsSecurity
	// Replicas for the stream on an external cluster (1, 3 or 5).
	Replicas int
	// Stream and Subject name the log; hubs sharing them share the feed.
	Stream  string
	Subject string

	IngestToken string // required for POST /v1/events
	// ReadToken is required for the stream, snapshot and reports. It must
	// differ from IngestToken: the read token sits on every board host,
	// and none of them may inject events. Empty needs PublicRead.
	ReadToken string
	// ScopedTokens are read tokens bound to the city, a district or an SSH
	// server's stations (scopes.go, a --scoped-tokens file): each reads
	// like ReadToken, and may write only what its scope allows.
	ScopedTokens *ScopedTokens
	// PublicRead serves the stream, snapshot and reports to anyone who
	// reaches the hub. New refuses an empty ReadToken without it, so an
	// open feed is a decision, not a forgotten flag.
	PublicRead bool

	// Sync is "always" (fsync before each ack) or a Go duration such as
	// "2m" (JetStream's default). Only for the embedded server.
	Sync string

	// MaxClockSkew is how far past the hub's clock (Now) an event's `at`
	// may be before ingest refuses it with a 400 (default
	// DefaultMaxClockSkew; negative: no limit). Such a time would move
	// the state's clock past every real event, and with it review mode
	// and the times of acknowledgements.
	MaxClockSkew time.Duration

	// ClockTick is how often the hub writes a clock.tick into the log
	// while its clock is within the campaign (default DefaultClockTick;
	// negative: never), so warning rules that wait for time to pass fire
	// on a quiet night, at the same point of the log in every fold
	// (docs/protocol.md, "Time").
	ClockTick time.Duration

	MaxAge              time.Duration // retention by age (0: none)
	MaxBytes            int64         // retention by size (0: none on disk, DefaultMaxBytesMemory in memory)
	DuplicateWindow     time.Duration // idempotency window for event ids
	MaxBodyBytes        int64
	MaxEventsPerRequest int
	SendQueueBytes      int // per-client bound before a slow-consumer close
	// SocketSendBuffer caps the kernel's send buffer per websocket, so a
	// stalled board is noticed (and its memory bounded) at SendQueueBytes
	// plus this, instead of the kernel's autotuned megabytes.
	SocketSendBuffer  int
	RingSize          int // recent events kept in memory for fast resume
	RingBytes         int // and the most memory they may hold
	MaxHistory        int // most events replayed from the log on resume before a snapshot is cheaper
	HeartbeatInterval time.Duration
	// PingInterval is how often the hub pings each board (default 10s).
	PingInterval time.Duration
	// PongWait is how long a board may answer nothing before it is
	// dropped (default three ping intervals).
	PongWait time.Duration
	// HelloTimeout is how long a new websocket has to send its hello
	// before it is closed with 4502 (default 10s).
	HelloTimeout time.Duration
	// WriteTimeout is how long a board may take no bytes at all before it
	// is dropped (write_stalled; default 10s). A board that keeps reading,
	// however slowly, is not dropped for time: its bounded queue decides
	// (4001).
	WriteTimeout time.Duration
	// BatchLinger is how long the fold at least waits for more events
	// before sending a batch while boards are connected (default 10ms):
	// fewer, larger frames cost every board fewer writes, for at most this
	// much latency. With many boards the hub waits longer, up to 60ms in
	// all, so that fan-out stays within an eleventh of a core
	// (fanOutRatio).
	BatchLinger time.Duration
	// JoinsPerSecond is how many new streams may start their handshake
	// each second once a burst has come in (default 1,750 per GOMAXPROCS;
	// see joinpace.go): a reconnect storm then leaves the boards already
	// live their latency.
	JoinsPerSecond int
	// JoinsInFlight is how many boards may be between their turn and
	// going live at once (default 4 per GOMAXPROCS; less than 0: no cap;
	// see joinSlots), each for 50ms at most.
	JoinsInFlight int
	// AllowedOrigins lists the browser origins (scheme://host[:port]) that
	// may open the stream; every other Origin is refused. Clients that send
	// no Origin header (boards, tools: browsers always send one on a
	// websocket) are allowed. The hub's own Host is not trusted: with DNS
	// rebinding a hostile page's Origin matches the Host it sends.
	AllowedOrigins []string
	// MaxConnections bounds open HTTP and websocket connections served by
	// NewServer (default 4096, fewer if the descriptor limit is lower);
	// past it, a plain 503. A few more are kept for /healthz and /metrics.
	MaxConnections int
	// MaxConnectionsPerIP bounds the connections one client address (an
	// IPv4 address, an IPv6 /64) may hold open through NewServer (default
	// DefaultMaxConnectionsPerIP; negative: no cap), so that one host
	// cannot take every connection. Past it, a 429. Loopback is not
	// counted: see package internal/peer.
	MaxConnectionsPerIP int
	// MaxStreamsPerIP bounds the websocket streams one client address may
	// hold open (default DefaultMaxStreamsPerIP; negative: no cap). Past
	// it, the upgrade is answered 429.
	MaxStreamsPerIP int
	// EnableCompression offers permessage-deflate. It costs about twice the
	// CPU per frame and saves about two thirds of the bytes: worth it for
	// slow county links, not on a LAN.
	EnableCompression bool
	// StallAfter is how long the fold may stay behind a head of the log
	// before /healthz says "degraded" (503) and a WARN is logged (default
	// DefaultStallAfter, 2s). A reader that stops moving is restarted well
	// before that.
	StallAfter time.Duration
	// DiskReserve is the free space the hub keeps on the disk of an
	// embedded file store: ingest answers 507 rather than eat into it.
	// 0: 5% of the disk, between 4 MiB and 256 MiB; negative: none (the
	// disk may fill, and then the store's own full-disk error is met).
	DiskReserve int64

	Logger *slog.Logger

	// wrapStream, when set (tests only: WrapStream), stands between the
	// hub and the log's stream, to slow or stop its answers.
	wrapStream func(jetstream.Stream) jetstream.Stream
	// reportWait replaces reportWait (tests only: ReportWait).
	reportWait time.Duration
	// Now is the hub's clock, for the bounds of an acknowledgement's time
	// (feed.AckEventAt); default time.Now. Tests set it.
	Now func() time.Time
	// capLoopback counts loopback under the per-address caps (tests only:
	// CapLoopback), which have no other address to connect from.
	capLoopback bool
	// clientBudget, when set (tests only: ClientFrameBudget), replaces
	// the frames and bytes a client may send per window.
	clientBudget int
}

// Hub is a running feed hub. Serve Handler(); call Close to drain.
type Hub struct {
	opts Options
	cfg  *campaign.Config
	val  feed.Validator
	log  *slog.Logger
	// conn is the embedded server, which the connection follows across an
	// internal restart (nil with --nats); nsOpts start it again.
	conn     *embeddedConn
	nsOpts   *server.Options
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   jetstream.Stream
	epoch    string
	tmpStore *tmpStore // the memory store's temp dir
	// atomicBatches: ingest publishes atomic batches (embedded file store
	// with sync always), see store.
	atomicBatches bool
	atomicSem     chan struct{}
	batchPrefix   string // random per process
	batchSeq      atomic.Uint64

	mu      sync.Mutex
	state   *campaign.State
	days    dayStates   // the end of each campaign day, for review
	reports reportCache // the log folded by day, for GET /v1/reports (reports.go)
	notes   notesBucket // the office's notes per bulletin (notes.go)
	ring    ring
	// snap is the latest snapshot encoded for joining boards, and
	// snapWaiting, while boards wait for a newer one, is closed when the
	// fold loop has encoded it; snapWanted wakes the fold loop for it
	// (catchup.go).
	snap        *snapshot
	snapWaiting chan struct{}
	snapWanted  chan struct{}
	subs        map[*subscriber]struct{}
	// live lists the boards that have caught up, in the order they did:
	// the fan-out writes to them in that order, so boards already live
	// keep their latency while a crowd joins behind them. A board that
	// left is dropped from it by the next fan-out (targetsLocked).
	live    []*subscriber
	targets []*subscriber // the fold loop's fan-out list, reused
	// tailTargets are the boards the tail writer writes (tail.go);
	// frontCount and tailCount are how many boards of live are the
	// front's and the tail's, lastTailJoin when a board last joined the
	// tail.
	tailTargets  []*subscriber
	frontCount   int
	tailCount    int
	frontMax     int           // frontBoards; tests lower it
	promoteAfter time.Duration // promoteAfter; tests lower it
	lastTailJoin time.Time
	tail         tailWriter
	tailBoards   atomic.Int32 // tailCount, for the metrics (set with it)
	subCount     atomic.Int32 // len(subs), readable without the lock
	lastFold     time.Time
	foldCount    uint64
	// fanOutCost is what a fan-out of a batch takes lately (a moving
	// average), and fanOutEnd when the last one ended; only the fold loop
	// uses them (linger).
	fanOutCost time.Duration
	fanOutEnd  time.Time

	incoming chan arrival
	// started is closed when the start-up (Start) has ended: ready, or
	// failed with startErr. abortStart stops it (Close while starting).
	started    chan struct{}
	startErr   error
	abortStart chan struct{}
	ready      atomic.Bool // started without error: every endpoint serves
	startedAt  time.Time
	// startHead is the log's head the start-up fold reads to, once
	// logOpen.
	startHead atomic.Uint64
	logOpen   atomic.Bool
	rd        readerState // the one reader on the log, see logwatch.go
	lw        logWatch    // what the watchdog saw of the log
	// explicitMaxBytes: --max-bytes was given: the operator's retention.
	explicitMaxBytes bool
	closing          chan struct{}
	closed           atomic.Bool
	originLog        refusalLog // refused browser origins, see checkOrigin
	// tok holds the tokens in force (tokens.go); SetTokens swaps them.
	tok            atomic.Pointer[tokens]
	ingestTokenLog refusalLog // requests refused for their token
	readTokenLog   refusalLog
	boardLog       lograte.Limiter // boards connecting and leaving
	// streamsPerIP counts each client address's open streams (peers.go).
	streamsPerIP *peer.Limiter
	// perIPLog spaces the log lines of per-address refusals.
	perIPLog refusalLog
	// dropLogs spaces the log lines of dropped boards, per reason.
	dropLogs map[string]*refusalLog
	// drain is held shared by each ingest request and exclusively by Close,
	// so Close waits for in-flight publishes to be acknowledged.
	drain sync.RWMutex
	loops sync.WaitGroup
	// preambles counts the goroutines sending boards their snapshot or
	// missed events.
	preambles sync.WaitGroup
	// joins paces new streams (joinpace.go); joinsWaiting counts those
	// waiting for their turn.
	joins        *joinPacer
	joinSlots    *joinSlots // nil: no cap
	joinsWaiting atomic.Int64
	m            *metrics
	// metricsHandler serves m's registry on /metrics.
	metricsHandler http.Handler

	// room watches the log's disk (diskroom.go).
	room diskRoom
	// ids is every event id the log holds or has held, and idLog keeps
	// them in NATS beyond the log's retention (idset.go); both nil for a
	// memory log.
	ids   *idSet
	idLog *idLog
}

// New starts the log (embedded or external), folds it up to its head, and
// returns a hub ready to serve. It blocks until the fold has caught up, so a
// board never sees a half-built state. A server that should answer while
// the hub starts uses Start.
func New(opts Options) (*Hub, error) {
	h, err := Start(opts)
	if err != nil {
		return nil, err
	}
	if err := h.WaitReady(context.Background()); err != nil {
		return nil, err
	}
	return h, nil
}

// Start is New without the wait: it checks the options and returns at
// once, then opens the log and folds it in the background. Until the fold
// has caught up with the log's head as it was at start, Handler answers
// /healthz 503 "starting" with the fold's progress, /metrics as usual, and
// every other request 503 with Retry-After (docs/protocol.md, "While the
// hub starts"): a board retries, and never sees a half-built state.
// WaitReady tells when the hub serves, or why it could not start.
func Start(opts Options) (*Hub, error) {
	if opts.Campaign == nil {
		return nil, errors.New("hub: no campaign config: pass Options.Campaign (e.g. demo.Campaign() or campaign.LoadConfig)")
	}
	if err := CheckAccess(&opts); err != nil {
		return nil, err
	}
	explicitMaxBytes := opts.MaxBytes != 0
	setDefaults(&opts)
	h := &Hub{
		explicitMaxBytes: explicitMaxBytes,
		opts:             opts,
		cfg:              opts.Campaign,
		val:              opts.Campaign.Validator(),
		log:              opts.Logger,
		subs:             map[*subscriber]struct{}{},
		state:            campaign.NewState(opts.Campaign),
		ring:             newRing(opts.RingSize, opts.RingBytes),
		incoming:         make(chan arrival, 4096),
		snapWanted:       make(chan struct{}, 1),
		frontMax:         frontBoards,
		promoteAfter:     promoteAfter,
		joins:            newJoinPacer(opts.JoinsPerSecond),
		joinSlots:        newJoinSlots(opts.JoinsInFlight, joinSlotHold),
		closing:          make(chan struct{}),
		started:          make(chan struct{}),
		abortStart:       make(chan struct{}),
		startedAt:        time.Now(),
	}
	h.tok.Store(&tokens{ingest: opts.IngestToken, read: opts.ReadToken, scoped: opts.ScopedTokens})
	h.boardLog = lograte.Limiter{Burst: 20, Every: 10 * time.Second}
	h.tail.init()
	h.streamsPerIP = newPeerLimiter(opts.MaxStreamsPerIP, opts.capLoopback)
	h.dropLogs = make(map[string]*refusalLog, len(dropReasons))
	for _, r := range dropReasons {
		h.dropLogs[r] = &refusalLog{}
	}
	h.m = newMetrics(h)
	h.metricsHandler = newMetricsHandler(h.m.registry)
	if err := h.checkStore(); err != nil {
		return nil, err
	}
	go h.start()
	return h, nil
}

// start opens the log and folds it (Start). On failure it leaves nothing
// running; on success the hub serves.
func (h *Hub) start() {
	err := h.startLog()
	if err == nil {
		select {
		case <-h.abortStart:
			err = errors.New("hub: closed while opening the event log at start-up")
		default:
		}
	}
	if err == nil {
		err = h.openIDs()
	}
	if err != nil {
		h.shutdownLog()
	} else if err = h.startReader(); err != nil {
		// Stop the fold loop and the watchdog if they started.
		h.closed.Store(true)
		h.stopReader()
		close(h.closing)
		h.loops.Wait()
		h.shutdownLog()
	}
	if err == nil && h.idLog != nil {
		h.loops.Add(1)
		go h.idLog.writeLoop()
		h.log.Info("event ids known, for deduplication over the whole campaign", "ids", h.ids.size(), "id_stream", idStreamName(h.opts.Stream),
			"records", h.idLog.loadedRecords, "record_bytes", h.idLog.loadedBytes)
	}
	h.startErr = err
	if err == nil {
		h.logDiskOutlook()
		h.ready.Store(true)
		if h.opts.ClockTick > 0 {
			h.loops.Add(1)
			go h.tickLoop()
		}
		h.log.Info("hub ready", "epoch", h.epoch, "seq", h.Seq(), "stream", h.opts.Stream, "store", h.storeName(), "sync", h.syncName(), "took", time.Since(h.startedAt).Round(time.Millisecond))
	}
	close(h.started)
}

// WaitReady waits until the hub serves (nil) or could not start (why; it
// then holds nothing: no port, no log), or until ctx ends.
func (h *Hub) WaitReady(ctx context.Context) error {
	select {
	case <-h.started:
		return h.startErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stopStarting stops a start-up still in progress (Close) and waits for
// it. It tells whether the hub started, and so has to be drained.
func (h *Hub) stopStarting() bool {
	select {
	case <-h.started:
	default:
		close(h.abortStart)
		<-h.started
	}
	return h.startErr == nil
}

// CheckAccess refuses the settings that would open the hub by accident,
// and normalises the origin allowlist. New calls it; a command may call it
// first to fail before it takes a port or starts a log.
func CheckAccess(o *Options) error {
	// Trimmed as a request's token is (bearer), so what is configured is
	// what a client must send.
	rawIngest, rawRead := o.IngestToken, o.ReadToken
	o.IngestToken, o.ReadToken = normalizeToken(o.IngestToken), normalizeToken(o.ReadToken)
	if o.IngestToken == "" {
		return errors.New("hub: no ingest token: set --ingest-token or SITBOARD_INGEST_TOKEN")
	}
	switch {
	case rawRead != rawIngest && o.ReadToken != "" && withoutSpace(o.ReadToken) == withoutSpace(o.IngestToken):
		return errors.New("hub: the read token and the ingest token differ only in spaces, which clients, proxies and shells drop, so a board host could inject events: give them values that differ in their characters (e.g. each from 'openssl rand -hex 32')")
	case o.ReadToken == "" && !o.PublicRead && o.ScopedTokens.Len() == 0:
		return errors.New("hub: no read token, so anyone who reaches the hub could read the feed: set --read-token, --read-token-file or SITBOARD_READ_TOKEN, or give boards their own tokens with --scoped-tokens, or pass --public-read to serve it to anyone on purpose")
	case o.ReadToken != "" && o.PublicRead:
		return errors.New("hub: both a read token and --public-read: drop one (--public-read serves the feed without a token)")
	case o.ReadToken == o.IngestToken:
		return errors.New("hub: the read token equals the ingest token, so every board host could inject events: give them different values (e.g. from 'openssl rand -hex 32')")
	}
	if err := checkScoped(o); err != nil {
		return err
	}
	origins := make([]string, 0, len(o.AllowedOrigins))
	for _, raw := range o.AllowedOrigins {
		if raw = strings.TrimSpace(raw); raw == "" {
			continue
		}
		origin, err := normalizeOrigin(raw)
		if err != nil {
			return fmt.Errorf("hub: --allow-origin %q: %w", raw, err)
		}
		origins = append(origins, origin)
	}
	o.AllowedOrigins = origins
	return nil
}

// normalizeOrigin turns an allowlist entry into the form a browser sends in
// its Origin header: lower-case scheme://host[:port], no path.
func normalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", errors.New("want a browser origin such as https://board.example:8443 (scheme, host and optional port)")
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("an origin has no path, query or user: use only scheme://host[:port]")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func setDefaults(o *Options) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.ClockTick == 0 {
		o.ClockTick = DefaultClockTick
	}
	if o.MaxClockSkew == 0 {
		o.MaxClockSkew = DefaultMaxClockSkew
	}
	if o.Subject == "" {
		o.Subject = DefaultSubject
	}
	if o.Sync == "" {
		o.Sync = DefaultSync
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = -1 // no limit
		if o.DataDir == "" && o.NatsURL == "" {
			o.MaxBytes = DefaultMaxBytesMemory
		}
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = DefaultDuplicateWindow
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxEventsPerRequest == 0 {
		o.MaxEventsPerRequest = DefaultMaxEvents
	}
	if o.SendQueueBytes == 0 {
		o.SendQueueBytes = DefaultSendQueueBytes
	}
	if o.SocketSendBuffer == 0 {
		o.SocketSendBuffer = DefaultSocketBuffer
	}
	if o.RingSize == 0 {
		o.RingSize = DefaultRingSize
	}
	if o.RingBytes == 0 {
		o.RingBytes = DefaultRingBytes
	}
	if o.MaxHistory == 0 {
		o.MaxHistory = DefaultMaxHistory
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = DefaultHeartbeat
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = defaultMaxConnections()
	}
	if o.MaxConnectionsPerIP == 0 {
		o.MaxConnectionsPerIP = DefaultMaxConnectionsPerIP
	}
	if o.MaxStreamsPerIP == 0 {
		o.MaxStreamsPerIP = DefaultMaxStreamsPerIP
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.PongWait == 0 {
		o.PongWait = 3 * o.PingInterval
	}
	if o.HelloTimeout == 0 {
		o.HelloTimeout = DefaultHelloTimeout
	}
	if o.BatchLinger == 0 {
		o.BatchLinger = DefaultBatchLinger
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.StallAfter == 0 {
		o.StallAfter = DefaultStallAfter
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// ParseSync reads a --sync value: "always" or a duration such as "2m".
func ParseSync(s string) (always bool, interval time.Duration, err error) {
	if strings.EqualFold(s, "always") {
		return true, 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return false, 0, fmt.Errorf("bad --sync %q: use \"always\" or a positive duration such as 2m", s)
	}
	return false, d, nil
}

func (h *Hub) storeName() string {
	switch {
	case h.opts.NatsURL != "":
		return "external"
	case h.opts.DataDir == "":
		return "memory"
	default:
		return "file"
	}
}

func (h *Hub) syncName() string {
	if h.opts.NatsURL != "" {
		return "server's"
	}
	return h.opts.Sync
}

// startLog starts or connects to NATS and finds or creates the stream.
func (h *Hub) startLog() error {
	o := h.opts
	natsOpts := append([]nats.Option{nats.Name("sitboard-hub"), nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond)}, h.natsEventOptions()...)
	if o.NatsURL == "" {
		always, interval, err := ParseSync(o.Sync)
		if err != nil {
			return err
		}
		storeDir := o.DataDir
		if storeDir == "" {
			// JetStream needs a store dir even for memory streams; an empty
			// one would fall back to the OS temp dir and collide with others.
			// A killed hub leaves its dir behind; newTmpStore removes those.
			h.tmpStore, err = newTmpStore(h.log)
			if err != nil {
				return err
			}
			storeDir = h.tmpStore.dir
		} else if err := checkDataDir(storeDir); err != nil {
			return err
		}
		maxStore := int64(0) // memory store: the server sizes it
		if o.DataDir != "" {
			h.room.reserve = diskReserve(storeDir, o.DiskReserve)
			sz, err := sizeStore(storeDir, o.MaxBytes, h.explicitMaxBytes, h.room.reserve)
			if err != nil {
				return err
			}
			h.opts.MaxBytes = sz.limit
			maxStore = serverMaxStore
			h.log.Log(context.Background(), sz.level, "event log storage", "data", storeDir, "max_bytes", sz.limit, "reserve", h.room.reserve, "note", sz.note)
		}
		// One fsync per batch instead of per event; see store.
		h.atomicBatches = always && o.DataDir != ""
		h.atomicSem = make(chan struct{}, maxAtomicInflight)
		h.batchPrefix = newEpoch()
		h.nsOpts = &server.Options{
			ServerName:        "sitboard-hub",
			JetStream:         true,
			StoreDir:          storeDir,
			JetStreamMaxStore: maxStore,
			DontListen:        true,
			SyncAlways:        always,
			SyncInterval:      interval,
			NoSigs:            true,
			// The server's own logger is off; its warnings and errors
			// reach slog through natsLogger (startEmbedded).
			NoLog: true,
		}
		ns, err := h.startEmbedded()
		if err != nil {
			return err
		}
		h.conn = &embeddedConn{ns: ns}
		natsOpts = append(natsOpts, nats.InProcessServer(h.conn))
	}
	if o.NatsSecurity.set() {
		if o.NatsURL == "" {
			return errors.New("hub: --nats-creds, --nats-nkey, --nats-ca, --nats-cert and --nats-key are for an external server: add --nats URL, or drop them")
		}
		sec, err := o.NatsSecurity.options()
		if err != nil {
			return err
		}
		natsOpts = append(natsOpts, sec...)
	}
	natsOpts = append(natsOpts, o.NatsOptions...)
	url := o.NatsURL
	if url == "" {
		url = nats.DefaultURL // ignored with InProcessServer
	}
	nc, err := nats.Connect(url, natsOpts...)
	if err != nil {
		return fmt.Errorf("hub: cannot connect to NATS at %s: %w (%s)", url, err, natsConnectHint(err))
	}
	h.nc = nc
	if o.NatsURL != "" {
		h.warnServerDurability(nc)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(8192))
	if err != nil {
		return fmt.Errorf("hub: JetStream: %w", err)
	}
	h.js = js
	if err := h.ensureStream(); err != nil {
		return err
	}
	if o.wrapStream != nil {
		h.stream = o.wrapStream(h.stream)
	}
	return nil
}

// ensureStream finds the stream or creates it with a fresh epoch. JetStream
// may take a moment after the server is ready, so creation is retried.
func (h *Hub) ensureStream() error {
	o := h.opts
	storage := jetstream.FileStorage
	if o.DataDir == "" && o.NatsURL == "" {
		storage = jetstream.MemoryStorage
	}
	want := jetstream.StreamConfig{
		Name:        o.Stream,
		Description: "sitboard events (" + h.cfg.Campaign.ID + ")",
		Subjects:    []string{o.Subject},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      o.MaxAge,
		MaxBytes:    h.opts.MaxBytes,
		Storage:     storage,
		Replicas:    o.Replicas,
		Duplicates:  o.DuplicateWindow,
		AllowDirect: true,
		// Only the embedded server is known to support it (NATS 2.12+).
		AllowAtomicPublish: h.atomicBatches,
	}
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := h.js.Stream(ctx, o.Stream)
		if err == nil {
			info := st.CachedInfo()
			epoch := info.Config.Metadata[epochKey]
			cfg := want
			cfg.Metadata = map[string]string{}
			for k, v := range info.Config.Metadata {
				cfg.Metadata[k] = v
			}
			if epoch == "" {
				// Derived, not random: hubs racing to upgrade an old stream
				// (or on a server without stream metadata) agree on it.
				epoch = epochFromCreated(o.Stream, info.Created)
				cfg.Metadata[epochKey] = epoch
			}
			cfg.Storage = info.Config.Storage // cannot change in place
			cfg.Subjects = info.Config.Subjects
			if st, err = h.js.UpdateStream(ctx, cfg); err == nil {
				cancel()
				h.stream, h.epoch = st, epoch
				h.noteRetention(info.Config, cfg)
				return nil
			}
		} else if errors.Is(err, jetstream.ErrStreamNotFound) {
			cfg := want
			cfg.Metadata = map[string]string{epochKey: newEpoch()}
			st, err = h.js.CreateStream(ctx, cfg)
			if err == nil {
				cancel()
				h.stream, h.epoch = st, cfg.Metadata[epochKey]
				if info := st.CachedInfo(); info.Config.Metadata[epochKey] == "" {
					// NATS before 2.10 drops stream metadata.
					h.epoch = epochFromCreated(o.Stream, info.Created)
				}
				return nil
			}
		}
		cancel()
		lastErr = err
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			continue // another hub created it first: read its epoch
		}
		if apiErr := (*jetstream.APIError)(nil); errors.As(err, &apiErr) && apiErr.ErrorCode == jsErrInsufficientStorage {
			// Retrying cannot help.
			return fmt.Errorf("hub: the NATS server has less storage than the log asks for (--max-bytes %d): lower --max-bytes, or raise the server's jetstream max_file_store: %w", h.opts.MaxBytes, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("hub: cannot find or create stream %s: %w (is JetStream enabled on the NATS server?)", o.Stream, lastErr)
}

// jsErrInsufficientStorage is JetStream's "insufficient storage
// resources available" (JSStorageResourcesExceededErr).
const jsErrInsufficientStorage jetstream.ErrorCode = 10047

// epochFromCreated names a stream by its creation time, which every hub
// reads the same and which changes when the stream is recreated.
func epochFromCreated(name string, created time.Time) string {
	sum := sha256.Sum256([]byte(name + "@" + created.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:8])
}

func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// startupStuckAfter is how long the start-up fold may go without moving
// before the hub gives up starting.
const startupStuckAfter = 5 * time.Minute

// startReader runs the hub's single reader on the log (restartReader) and
// its watchdog (watchLog). It waits until the fold has reached the head
// that existed when the hub started.
func (h *Hub) startReader() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := h.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("hub: cannot read stream info: %w", err)
	}
	head := info.State.LastSeq
	h.startHead.Store(head)
	h.logOpen.Store(true)
	h.lw.mu.Lock()
	h.lw.head, h.lw.first, h.lw.checkedAt = head, info.State.FirstSeq, time.Now()
	h.lw.mu.Unlock()
	h.loops.Add(1)
	go h.foldLoop()
	h.loops.Add(1)
	go h.tailLoop()
	if err := h.restartReader("start"); err != nil {
		return err
	}
	h.loops.Add(1)
	go h.watchLog()
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	moved, logged, last := start, start, h.Seq()
	for seq := last; seq < head; seq = h.Seq() {
		now := time.Now()
		if seq != last {
			last, moved = seq, now
		}
		if now.Sub(moved) > startupStuckAfter {
			return fmt.Errorf("hub: the start-up fold has not moved for %s, at seq %d of %d: check the NATS server's log, then start the hub again", startupStuckAfter, seq, head)
		}
		if now.Sub(logged) >= 10*time.Second {
			logged = now
			h.log.Info("folding the event log before serving boards", "seq", seq, "of", head)
		}
		select {
		case <-tick.C:
		case <-h.abortStart:
			return errors.New("hub: closed while folding the event log at start-up")
		}
	}
	if head > 0 {
		h.log.Info("folded the log", "events", head-info.State.FirstSeq+1, "seq", head, "took", time.Since(start).Round(time.Millisecond))
	}
	if info.State.FirstSeq > 1 {
		// Retention (--max-age, --max-bytes) dropped the log's beginning.
		h.mu.Lock()
		missing := h.state.MissingBefore
		h.mu.Unlock()
		if missing > 1 {
			h.log.Error("figures are PARTIAL: the event log no longer starts at seq 1, so the totals lack every event before it; boards show it. Keep the whole campaign in the log (raise --max-bytes or --max-age), or replay the campaign's recording into a new log",
				"log_first_seq", info.State.FirstSeq, "dropped_events", info.State.FirstSeq-1)
		} else {
			h.log.Warn("the event log no longer starts at seq 1 (retention dropped its beginning); this hub's figures are whole because a campaign run starts after the gap",
				"log_first_seq", info.State.FirstSeq)
		}
	}
	return nil
}

// TypeUnreadable marks a log entry that is not an event (written to the
// subject by something other than a hub). It keeps the seq without a gap.
const TypeUnreadable = "sitboard.unreadable"

func decodeStored(data []byte, seq uint64) (feed.Event, error) {
	var ev feed.Event
	if err := jsonUnmarshal(data, &ev); err != nil {
		return feed.Event{Seq: seq, ID: fmt.Sprintf("unreadable-%d", seq), Type: TypeUnreadable}, err
	}
	ev.Seq = seq
	return ev, nil
}

// foldLoop drains the reader into batches: one fold, one encoding and one
// fan-out for up to maxBatchEvents events. It also sends the heartbeats,
// so that every frame a board gets comes from this one goroutine, in seq
// order: written by it, or for the boards of a crowd handed in that order
// to the tail writer (tail.go).
func (h *Hub) foldLoop() {
	defer h.loops.Done()
	heartbeat := time.NewTicker(h.opts.HeartbeatInterval)
	defer heartbeat.Stop()
	batch := make([]feed.Event, 0, maxBatchEvents)
	for {
		var first time.Time // when the batch's first event reached the fold loop's queue
		select {
		case a := <-h.incoming:
			batch = append(batch[:0], a.ev)
			first = a.at
		case <-heartbeat.C:
			h.heartbeat()
			continue
		case <-h.snapWanted:
			h.encodeSnapshot()
			continue
		case <-h.closing:
			return
		}
	drain:
		for len(batch) < maxBatchEvents {
			select {
			case a := <-h.incoming:
				batch = append(batch, a.ev)
			default:
				break drain
			}
		}
		if linger := h.linger(first, time.Now()); linger > 0 && len(batch) < maxBatchEvents {
			// With boards connected, wait a moment for more events: one
			// frame of 20 events costs every board one write instead of 20.
			t := time.NewTimer(linger)
		wait:
			for len(batch) < maxBatchEvents {
				select {
				case a := <-h.incoming:
					batch = append(batch, a.ev)
				case <-h.snapWanted:
					// At the seq before this batch: the joining boards get
					// the batch with the fan-out.
					h.encodeSnapshot()
				case <-t.C:
					break wait
				case <-h.closing:
					break wait
				}
			}
			t.Stop()
		}
		h.foldIDs(batch)
		h.publish(batch)
	}
}

// arrival is an event handed to the fold loop, with when it was.
type arrival struct {
	ev feed.Event
	at time.Time
}

// linger is how long, from now, a batch whose first event reached the
// fold loop's queue at `first` waits for more events: nothing without
// boards (the start-up fold), else until BatchLinger after `first`, and
// at least until fanOutRatio times what fan-outs take lately has passed
// since the last one ended. Under a steady flow that keeps fan-out within
// 1/(1+fanOutRatio) of a core; an event after a quiet spell waits only
// BatchLinger. No event waits more than maxLinger in all (or BatchLinger,
// if set longer), counting the time it queued behind the last fan-out:
// with thousands of boards a fan-out takes tens of milliseconds, and an
// event that came during one would otherwise wait for it and then for a
// whole window (BenchmarkReconnectStorm's live latency).
func (h *Hub) linger(first, now time.Time) time.Duration {
	if h.subCount.Load() == 0 {
		return 0
	}
	// Only the front's fan-outs: the tail writer paces its own (tail.go).
	return lingerUntil(first, h.fanOutEnd, h.fanOutCost, h.opts.BatchLinger, maxLinger).Sub(now)
}

// lingerUntil is linger's rule as a pure function of the times: when a
// batch whose first frame came at `first` is written, given when the last
// fan-out ended and what fan-outs cost lately, waiting at least
// batchLinger and, unless batchLinger is longer, at most bound (maxLinger
// for the fold loop, tailMaxLinger for the tail writer).
func lingerUntil(first, lastEnd time.Time, cost, batchLinger, bound time.Duration) time.Time {
	rest := min(fanOutRatio*cost, bound)
	until := first.Add(batchLinger)
	if paced := lastEnd.Add(rest); paced.After(until) {
		until = paced
	}
	if limit := first.Add(max(bound, batchLinger)); until.After(limit) {
		until = limit
	}
	return until
}

// publish folds a batch and fans it out. Encoding and writing happen
// outside the lock; every subscriber gets the same frame, and the ring
// keeps the same bytes of each event for resumes.
//
// The fold loop, which calls it, is the only goroutine that changes the
// state (encodeSnapshot relies on it).
func (h *Hub) publish(batch []feed.Event) {
	h.settleTail(time.Now())
	var wires []json.RawMessage
	if h.subCount.Load() > 0 {
		var err error
		if wires, err = encodeEvents(batch); err != nil {
			h.log.Error("cannot encode a batch", "err", err)
			wires = nil
		}
	}
	h.mu.Lock()
	for i, ev := range batch {
		h.keepDayStates(ev)
		campaign.Apply(h.cfg, h.state, ev)
		var wire json.RawMessage
		if wires != nil {
			wire = wires[i]
		}
		h.ring.push(ev, wire)
	}
	folded := time.Now()
	h.lastFold = folded
	h.foldCount += uint64(len(batch))
	// Boards that join after this point start after these events.
	targets, tail := h.fanOutTargetsLocked(folded)
	h.mu.Unlock()
	if len(targets) == 0 && len(tail) == 0 {
		return // nobody to send to (start-up fold): skip the encoding
	}
	if wires == nil {
		// Boards joined since the check above; the ring keeps these
		// events unencoded.
		var err error
		if wires, err = encodeEvents(batch); err != nil {
			h.log.Error("cannot encode a batch", "err", err)
			return
		}
	}
	f, err := eventsFrame(feed.Message{Type: feed.MsgEvents}, wires)
	if err != nil {
		h.log.Error("cannot encode a batch", "err", err)
		return
	}
	f.folded = folded
	start := time.Now()
	h.fanOut(targets, tail, item{f: f, size: f.size(), events: len(batch)})
	h.fanOutEnd = time.Now()
	// A moving average, so one fan-out slowed by a busy machine moves the
	// window only a quarter of the way.
	h.fanOutCost += (h.fanOutEnd.Sub(start) - h.fanOutCost) / 4
}

// fanOutTargetsLocked is a frame's targets, the front's and the tail's,
// once the tail's boards have moved to the front if the crowd has passed
// (publish and heartbeat call settleTail before, so that the tail is idle
// by then).
func (h *Hub) fanOutTargetsLocked(now time.Time) (front, tail []*subscriber) {
	h.promoteLocked(now)
	return h.targetsLocked()
}

// targetsLocked lists the boards that have caught up, in the order they
// did, into buffers the fold loop reuses: those the fold loop writes (the
// front) and those the tail writer does. It forgets those that left.
func (h *Hub) targetsLocked() (front, tail []*subscriber) {
	front, tail = h.targets[:0], h.tailTargets[:0]
	kept := h.live[:0]
	for _, s := range h.live {
		if s.left {
			continue
		}
		kept = append(kept, s)
		if s.tail {
			tail = append(tail, s)
		} else {
			front = append(front, s)
		}
	}
	clear(h.live[len(kept):])
	h.live = kept
	h.frontCount, h.tailCount = len(front), len(tail)
	h.tailBoards.Store(int32(len(tail)))
	h.targets, h.tailTargets = front, tail
	return front, tail
}

// fanOut hands the frame to the tail writer for the tail's boards
// (tail.go) and gives it to every board of the front. Most take it
// straight into their socket, so fan-out wakes no goroutine; the rest
// queue it.
func (h *Hub) fanOut(targets, tail []*subscriber, it item) {
	if len(tail) > 0 {
		h.tail.hand(it, tail) // after the frames handed before it
		clear(tail)           // the tail writer has its copy
	}
	// On a single P, a fan-out to a thousand boards would hold ingest and
	// the log's goroutines for milliseconds of syscalls: it lets them run
	// between chunks, or every hop of the next event's path waits for it.
	// With more Ps they run on the others, and yielding would only put the
	// fan-out behind every runnable goroutine, each time: during a
	// reconnect storm, thousands, and the boards already live would wait
	// for them (BenchmarkReconnectStorm).
	deliverAll(targets, it, runtime.GOMAXPROCS(0) == 1)
	clear(targets) // do not keep gone subscribers alive
}

// deliverAll gives it to each board in turn, and with yield lets other
// goroutines run every fanOutYield boards.
func deliverAll(targets []*subscriber, it item, yield bool) {
	for i, s := range targets {
		s.deliver(it) // counts itself in the metrics
		if yield && i%fanOutYield == fanOutYield-1 {
			runtime.Gosched()
		}
	}
}

// heartbeat tells every board the head seq, so a board can tell a quiet
// feed from a dead one.
func (h *Hub) heartbeat() {
	now := time.Now()
	h.settleTail(now)
	h.mu.Lock()
	seq := h.state.Seq
	targets, tail := h.fanOutTargetsLocked(now)
	h.mu.Unlock()
	if len(targets) == 0 && len(tail) == 0 {
		return
	}
	f, err := newFrame(feed.Message{Type: feed.MsgHeartbeat, Epoch: h.epoch, Seq: seq, At: time.Now().UTC()})
	if err != nil {
		return
	}
	h.fanOut(targets, tail, item{f: f, size: f.size()})
}

// Epoch is the log's identity; it changes when the log is recreated.
func (h *Hub) Epoch() string { return h.epoch }

// Seq is the last sequence folded into the hub's state.
func (h *Hub) Seq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state.Seq
}

// Snapshot returns a copy of the folded state, its seq and the epoch.
func (h *Hub) Snapshot() (epoch string, seq uint64, st *campaign.State) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.epoch, h.state.Seq, h.state.Clone()
}

// Handler serves the hub's HTTP API (see docs/protocol.md).
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/events", h.timeIngest(h.handleIngest))
	mux.HandleFunc("/v1/stream", h.handleStream)
	mux.HandleFunc("/v1/snapshot", h.handleSnapshot)
	mux.HandleFunc("/v1/acks", h.handleAcks)
	mux.HandleFunc("/v1/directives", h.handleDirectives)
	mux.HandleFunc("/v1/directives/", h.handleDirectives)
	mux.HandleFunc("/v1/reports", h.handleReports)
	mux.HandleFunc("/v1/reports/notes", h.handleNotes)
	mux.HandleFunc("/healthz", h.handleHealth)
	mux.HandleFunc("/metrics", h.handleMetrics)
	return h.untilReady(mux)
}

// Close drains the hub: ingest answers 503, boards are told to reconnect
// (4000), in-flight publishes finish, then the log is shut down.
func (h *Hub) Close() error {
	if !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	if !h.stopStarting() {
		return nil // the start-up failed or was stopped, and left nothing running
	}
	h.log.Info("hub draining")
	h.drain.Lock()
	h.drain.Unlock() // a barrier: every in-flight ingest has finished
	h.mu.Lock()
	for s := range h.subs {
		s.shutdown(feed.CloseShutdown, shutdownReason, true)
	}
	h.mu.Unlock()
	h.stopReader()
	close(h.closing)
	h.loops.Wait()
	if h.idLog != nil {
		h.idLog.close()
	}
	h.waitSubscribers(3 * time.Second)
	h.preambles.Wait()
	h.shutdownLog()
	h.log.Info("hub stopped")
	return nil
}

func (h *Hub) waitSubscribers(max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		n := len(h.subs)
		h.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *Hub) shutdownLog() {
	if h.nc != nil {
		_ = h.nc.Drain()
		// Drain is asynchronous; Close makes sure the connection is gone
		// before the embedded server stops.
		deadline := time.Now().Add(2 * time.Second)
		for !h.nc.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		h.nc.Close()
	}
	if h.conn != nil {
		if ns := h.conn.server(); ns != nil {
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	}
	if h.tmpStore != nil {
		h.tmpStore.remove()
	}
}
