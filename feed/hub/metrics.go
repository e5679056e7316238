package hub

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are hand-written Prometheus counters: a handful of numbers do not
// justify a dependency.
type metrics struct {
	requests       atomic.Uint64
	ingested       atomic.Uint64
	duplicates     atomic.Uint64
	invalidEvents  atomic.Uint64
	deliveries     atomic.Uint64 // events written to websocket clients
	frames         atomic.Uint64 // frames written to websocket clients
	slowCloses     atomic.Uint64
	snapshotsSent  atomic.Uint64
	resumesRing    atomic.Uint64
	resumesLog     atomic.Uint64
	connections    atomic.Uint64
	batchFallbacks atomic.Uint64
	rejectedMu     sync.Mutex
	rejected       map[string]uint64
	streamRejected atomic.Uint64
}

// reject counts a refused ingest request by reason (a fixed set of labels).
func (m *metrics) reject(reason string) {
	m.rejectedMu.Lock()
	if m.rejected == nil {
		m.rejected = map[string]uint64{}
	}
	m.rejected[reason]++
	m.rejectedMu.Unlock()
}

func (h *Hub) handleMetrics(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	seq := h.state.Seq
	subs := len(h.subs)
	var queued int
	for s := range h.subs {
		queued += s.queuedBytes()
	}
	h.mu.Unlock()
	var head uint64
	logUp := 0
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if info, err := h.stream.Info(ctx); err == nil {
		head = info.State.LastSeq
		logUp = 1
	}
	lag := uint64(0)
	if head > seq {
		lag = head - seq
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m := &h.m
	p := func(name, typ, help string, v any) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	p("sitboard_ingest_requests_total", "counter", "POST /v1/events requests.", m.requests.Load())
	p("sitboard_events_ingested_total", "counter", "Events newly stored in the log.", m.ingested.Load())
	p("sitboard_events_duplicate_total", "counter", "Events dropped as duplicates by id.", m.duplicates.Load())
	p("sitboard_events_invalid_total", "counter", "Invalid events in refused requests.", m.invalidEvents.Load())
	fmt.Fprintf(w, "# HELP sitboard_ingest_rejected_total Refused ingest requests by reason.\n# TYPE sitboard_ingest_rejected_total counter\n")
	m.rejectedMu.Lock()
	reasons := make([]string, 0, len(m.rejected))
	for k := range m.rejected {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Fprintf(w, "sitboard_ingest_rejected_total{reason=%q} %d\n", k, m.rejected[k])
	}
	m.rejectedMu.Unlock()
	p("sitboard_ingest_batch_fallbacks_total", "counter", "Atomic batches the log refused (e.g. holding an id already stored), then stored event by event.", m.batchFallbacks.Load())
	p("sitboard_stream_rejected_total", "counter", "Stream connections refused (token, hello).", m.streamRejected.Load())
	p("sitboard_subscribers", "gauge", "Connected websocket subscribers.", subs)
	p("sitboard_subscriber_queued_bytes", "gauge", "Bytes waiting in all subscriber send queues.", queued)
	p("sitboard_stream_connections_total", "counter", "Websocket subscriptions accepted.", m.connections.Load())
	p("sitboard_deliveries_total", "counter", "Events written to websocket subscribers.", m.deliveries.Load())
	p("sitboard_frames_total", "counter", "Frames written to websocket subscribers.", m.frames.Load())
	p("sitboard_slow_consumer_closes_total", "counter", "Subscribers closed with 4001 for a full send queue.", m.slowCloses.Load())
	p("sitboard_snapshots_sent_total", "counter", "Snapshots sent to subscribers.", m.snapshotsSent.Load())
	p("sitboard_resumes_ring_total", "counter", "Resumes served from the in-memory ring.", m.resumesRing.Load())
	p("sitboard_resumes_log_total", "counter", "Resumes served by reading the log.", m.resumesLog.Load())
	p("sitboard_fold_seq", "gauge", "Last sequence folded into the hub state.", seq)
	p("sitboard_log_head_seq", "gauge", "Last sequence in the log.", head)
	p("sitboard_log_lag", "gauge", "Events in the log not yet folded.", lag)
	p("sitboard_log_up", "gauge", "1 when the log answers.", logUp)
}
