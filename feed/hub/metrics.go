package hub

import (
	"net/http"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sitboard/internal/buildinfo"
)

// metrics are the hub's Prometheus metrics, on a registry of its own (not
// the global one), so that several hubs in one process (tests, the demo)
// each report their own numbers.
//
// To add a metric: make it in newMetrics and register it there with
// m.registry.MustRegister, or add a value read at scrape time to
// scrapeCollector. docs/operations.md lists them, and
// deploy/grafana/sitboard-hub.json may only chart names exported here
// (TestDashboardMetricsExist).
type metrics struct {
	registry *prometheus.Registry

	requests       prometheus.Counter
	ingested       prometheus.Counter
	ticks          prometheus.Counter
	duplicates     prometheus.Counter
	invalidEvents  prometheus.Counter
	rejected       *prometheus.CounterVec // by reason, a fixed set of labels
	batchFallbacks prometheus.Counter
	streamRejected prometheus.Counter
	connections    prometheus.Counter
	deliveries     prometheus.Counter // events written to websocket clients
	frames         prometheus.Counter // frames written to websocket clients
	slowCloses     prometheus.Counter
	dropped        *prometheus.CounterVec // boards dropped, by reason
	snapshotsSent  prometheus.Counter
	// snapshotEncodings counts the state's encodings for joining boards,
	// each shared by every board joining at its seq.
	snapshotEncodings prometheus.Counter
	resumesRing       prometheus.Counter
	resumesLog        prometheus.Counter
	connLimited       prometheus.Counter // connections refused at the limit
	joinsPaced        prometheus.Counter // streams that waited for their turn to join
	// perIPRefused counts connections and streams refused at the cap per
	// client address, by what was refused.
	perIPRefused *prometheus.CounterVec

	// ingestLatency is the time from a POST's arrival to its 202: the
	// log's acknowledgement (and fsync) dominates it.
	ingestLatency prometheus.Histogram
	// deliveryLag is the time from the fold of a batch to its last byte
	// handed to a board's socket.
	deliveryLag prometheus.Histogram
}

func newMetrics(h *Hub) *metrics {
	reg := prometheus.NewRegistry()
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		reg.MustRegister(c)
		return c
	}
	// The build, as Prometheus's own prometheus_build_info: the labels say
	// which binary answers, the value is always 1.
	build := buildinfo.Get()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "sitboard_build_info",
		Help:        "A metric with a constant '1' value labeled by the version, revision and Go version sitboard was built from.",
		ConstLabels: prometheus.Labels{"version": build.Version, "revision": build.Revision, "goversion": build.GoVersion},
	}, func() float64 { return 1 }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sitboard_stream_joins_waiting",
		Help: "Streams waiting for their turn to join (a reconnect storm in progress).",
	}, func() float64 { return float64(h.joinsWaiting.Load()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sitboard_stream_tail_boards",
		Help: "Boards that went live while the front (the boards the fold loop writes) held 256, written by the tail writer until none has joined it for a second (then 0 again).",
	}, func() float64 { return float64(h.tailBoards.Load()) }))
	if slack, ok := timerSlack(); ok {
		// Fixed when the process starts: every thread inherits it.
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sitboard_timer_slack_seconds",
			Help: "The kernel's timer slack the hub's threads were started with (systemd's TimerSlackNSec; the kernel's default is 50µs): it moves what the Go runtime's idle polling costs (docs/operations.md, \"Fan-out cost\").",
		}, slack.Seconds))
	}
	m := &metrics{
		registry:          reg,
		requests:          counter("sitboard_ingest_requests_total", "POST /v1/events requests."),
		ingested:          counter("sitboard_events_ingested_total", "Events newly stored in the log."),
		ticks:             counter("sitboard_clock_ticks_total", "clock.tick events this hub wrote into the log (one a minute while its clock is within the campaign)."),
		duplicates:        counter("sitboard_events_duplicate_total", "Events dropped as duplicates by id."),
		invalidEvents:     counter("sitboard_events_invalid_total", "Invalid events in refused requests."),
		batchFallbacks:    counter("sitboard_ingest_batch_fallbacks_total", "Atomic batches the log refused (e.g. holding an id already stored), then stored event by event."),
		streamRejected:    counter("sitboard_stream_rejected_total", "Stream connections refused (token, hello, browser origin)."),
		connections:       counter("sitboard_stream_connections_total", "Websocket subscriptions accepted."),
		deliveries:        counter("sitboard_deliveries_total", "Events written to websocket subscribers."),
		frames:            counter("sitboard_frames_total", "Frames written to websocket subscribers."),
		slowCloses:        counter("sitboard_slow_consumer_closes_total", "Subscribers closed with 4001 for a full send queue."),
		snapshotsSent:     counter("sitboard_snapshots_sent_total", "Snapshots sent to subscribers."),
		snapshotEncodings: counter("sitboard_snapshot_encodings_total", "Encodings of the state for joining subscribers; each is shared by every subscriber joining at its seq, so a reconnect storm costs one, not one per board."),
		resumesRing:       counter("sitboard_resumes_ring_total", "Resumes served from the in-memory ring."),
		resumesLog:        counter("sitboard_resumes_log_total", "Resumes served by reading the log."),
		connLimited:       counter("sitboard_http_connections_refused_total", "HTTP requests and connections answered 503 at the connection limit."),
		joinsPaced:        counter("sitboard_stream_joins_paced_total", "Streams that waited for their turn to join, or for a place among the joins in flight: a reconnect storm is let in at a steady rate, so the boards already live keep their latency."),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sitboard_ingest_rejected_total", Help: "Refused ingest requests by reason.",
		}, []string{"reason"}),
		perIPRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sitboard_per_address_refused_total",
			Help: "Connections and websocket streams answered 429 because their client address (an IPv4 address, an IPv6 /64) held its cap (--max-connections-per-ip, --max-streams-per-ip), by what was refused.",
		}, []string{"limit"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sitboard_boards_dropped_total",
			Help: "Boards the hub disconnected, by reason: slow_consumer (send queue full, closed with 4001), write_stalled (took no bytes for the write timeout), write_error, no_pong (silent past the read deadline), bad_frame.",
		}, []string{"reason"}),
		ingestLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sitboard_ingest_duration_seconds",
			Help:    "Time from a POST /v1/events arriving to its 202 answer.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5},
		}),
		deliveryLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sitboard_delivery_lag_seconds",
			Help:    "Time from folding a batch to handing its last byte to a board's socket.",
			Buckets: []float64{.0001, .0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5, 10},
		}),
	}
	// Known reasons are exported at 0, so that a rate() works from the start.
	for _, reason := range []string{"method", "unauthorized", "content_type", "too_large", "read", "malformed", "invalid", "unavailable", "disk_full"} {
		m.rejected.WithLabelValues(reason)
	}
	for _, reason := range dropReasons {
		m.dropped.WithLabelValues(reason)
	}
	m.perIPRefused.WithLabelValues(perIPConnections)
	m.perIPRefused.WithLabelValues(perIPStreams)
	reg.MustRegister(m.rejected, m.dropped, m.perIPRefused, m.ingestLatency, m.deliveryLag,
		// With go_sched_latencies_seconds: how long runnable goroutines
		// wait for a core. Its high quantiles are the hub's saturation,
		// which the live events' latency follows (docs/operations.md).
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(schedLatencies)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&scrapeCollector{h: h},
	)
	return m
}

// schedLatencies selects the runtime's scheduling latency histogram for
// the Go collector.
var schedLatencies = collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/sched/latencies:seconds$`)}

// Reasons a board is dropped (sitboard_boards_dropped_total's labels).
const (
	dropSlowConsumer = "slow_consumer"
	dropWriteStalled = "write_stalled"
	dropWriteError   = "write_error"
	dropNoPong       = "no_pong"
	dropBadFrame     = "bad_frame"
	dropClientFlood  = "client_flood"
)

var dropReasons = []string{dropSlowConsumer, dropWriteStalled, dropWriteError, dropNoPong, dropBadFrame, dropClientFlood}

// reject counts a refused ingest request by reason (a fixed set of labels).
func (m *metrics) reject(reason string) { m.rejected.WithLabelValues(reason).Inc() }

// Metrics is the hub's registry, for code that embeds a hub and wants to
// add its own metrics next to the hub's.
func (h *Hub) Metrics() *prometheus.Registry { return h.m.registry }

// scrapeCollector reports values read at scrape time: the fold's position,
// the subscribers, and the log's head as the watchdog last saw it.
type scrapeCollector struct{ h *Hub }

var (
	descSubscribers = prometheus.NewDesc("sitboard_subscribers", "Connected websocket subscribers.", nil, nil)
	descQueued      = prometheus.NewDesc("sitboard_subscriber_queued_bytes", "Bytes waiting in all subscriber send queues.", nil, nil)
	descFoldSeq     = prometheus.NewDesc("sitboard_fold_seq", "Last sequence folded into the hub state.", nil, nil)
	descHeadSeq     = prometheus.NewDesc("sitboard_log_head_seq", "Last sequence in the log.", nil, nil)
	descLag         = prometheus.NewDesc("sitboard_log_lag", "Events in the log not yet folded.", nil, nil)
	descLogUp       = prometheus.NewDesc("sitboard_log_up", "1 when the log answers.", nil, nil)
	descRingEvents  = prometheus.NewDesc("sitboard_ring_events", "Recent events held in memory for fast resume.", nil, nil)
	descRingBytes   = prometheus.NewDesc("sitboard_ring_bytes", "Approximate memory held by the resume ring.", nil, nil)
	descStalled     = prometheus.NewDesc("sitboard_log_reader_stalled_seconds", "How long the fold has been behind the log: the age of the oldest log head seen and not folded yet (0 when caught up). Past --stall-after, /healthz is degraded.", nil, nil)
	descDiskFull    = prometheus.NewDesc("sitboard_log_disk_full", "1 while the embedded event log cannot write for a full disk (ingest answers 507).", nil, nil)
	descFirstSeq    = prometheus.NewDesc("sitboard_log_first_seq", "First sequence still in the log; above 1, retention has dropped the log's beginning.", nil, nil)
)

func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSubscribers, descQueued, descFoldSeq, descHeadSeq, descLag, descLogUp, descRingEvents, descRingBytes, descStalled, descDiskFull, descFirstSeq} {
		ch <- d
	}
}

func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	h := c.h
	h.mu.Lock()
	seq := h.state.Seq
	subs := len(h.subs)
	var queued int
	for s := range h.subs {
		queued += s.queuedBytes()
	}
	ringEvents, ringBytes := h.ring.len(), h.ring.bytes
	h.mu.Unlock()
	// The log's head and first seq are the watchdog's (checkLog, every
	// watchInterval): a scrape never asks the log itself, so a slow or dead
	// NATS node cannot hold a scrape, and scrapes cannot pile requests on
	// a log that is already struggling. The fold may have passed the
	// watchdog's last look: the log holds at least what was folded.
	h.lw.mu.Lock()
	head, first, infoErr := max(h.lw.head, seq), h.lw.first, h.lw.infoErr
	h.lw.mu.Unlock()
	logUp := 0.0
	if infoErr == nil && h.nc.Status() == nats.CONNECTED {
		logUp = 1
	}
	diskFull := 0.0
	if h.diskFullReason() != "" {
		diskFull, logUp = 1, 0 // it answers, but cannot store
	}
	lag := uint64(0)
	if head > seq {
		lag = head - seq
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	gauge(descSubscribers, float64(subs))
	gauge(descQueued, float64(queued))
	gauge(descFoldSeq, float64(seq))
	gauge(descHeadSeq, float64(head))
	gauge(descLag, float64(lag))
	gauge(descLogUp, logUp)
	gauge(descRingEvents, float64(ringEvents))
	gauge(descRingBytes, float64(ringBytes))
	gauge(descStalled, h.stalledFor().Seconds())
	gauge(descDiskFull, diskFull)
	gauge(descFirstSeq, float64(first))
}

func (h *Hub) handleMetrics(w http.ResponseWriter, r *http.Request) {
	h.metricsHandler.ServeHTTP(w, r)
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// timeIngest observes sitboard_ingest_duration_seconds for accepted
// batches; refusals are counted by reason instead.
func (h *Hub) timeIngest(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next(rec, r)
		if rec.status == http.StatusAccepted {
			h.m.ingestLatency.Observe(time.Since(start).Seconds())
		}
	}
}

func newMetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, ErrorLog: nil})
}
