package hub

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"sitboard/internal/buildinfo"
)

// While the hub starts (Start), it holds its port and says so: /healthz
// answers 503 "starting" with the fold's progress, /metrics is served, and
// every other endpoint answers 503 with Retry-After. Nothing else is
// served before the fold has caught up, so no board sees a half-built
// state and no event is taken before the hub can fold it.

// untilReady answers for next until the hub is ready.
func (h *Hub) untilReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.ready.Load() {
			next.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case "/healthz":
			h.handleHealth(w, r)
			return
		case "/metrics":
			h.handleMetrics(w, r)
			return
		}
		p := h.startProgress()
		w.Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
		if r.URL.Path == "/v1/stream" {
			// A board shows the first line of a refused handshake while it
			// retries (feed/client): plain words, not JSON.
			http.Error(w, p.message+"; the board connects by itself once it has", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusServiceUnavailable, FoldProgress{Error: p.message + "; retry after Retry-After (events: resend the same batch)", Fold: "start-up", Seq: p.seq, Of: p.of})
	})
}

// startProgress is how far the start-up has come.
type startProgress struct {
	seq, of    uint64
	open       bool // the log is open and the fold runs
	message    string
	retryAfter int
}

func (h *Hub) startProgress() startProgress {
	p := startProgress{seq: h.Seq(), of: h.startHead.Load(), open: h.logOpen.Load(), retryAfter: 2}
	if !p.open {
		p.message = "the hub is starting: opening the event log"
		return p
	}
	p.seq = min(p.seq, p.of)
	h.lw.mu.Lock()
	first := max(h.lw.first, 1)
	h.lw.mu.Unlock()
	p.retryAfter = paceRetryAfter(p.seq+1-min(first, p.seq+1), time.Since(h.startedAt), p.of-p.seq)
	p.message = fmt.Sprintf("the hub is starting: folding the event log, seq %d of %d", p.seq, p.of)
	return p
}

// paceRetryAfter is a Retry-After in seconds for a fold that has done
// `done` events in elapsed and has `left` to go: when it should be done at
// its pace so far, from 1 to 30 s (5 s when its pace is not known yet).
func paceRetryAfter(done uint64, elapsed time.Duration, left uint64) int {
	if done == 0 || elapsed <= 0 {
		return 5
	}
	secs := float64(left) / (float64(done) / elapsed.Seconds())
	return int(min(max(secs+0.999, 1), 30))
}

// startingHealth is /healthz while the hub starts.
func (h *Hub) startingHealth() (healthReport, int) {
	p := h.startProgress()
	rep := healthReport{Status: "starting", Store: h.storeName(), Seq: p.seq, LogHeadSeq: p.of, Build: buildinfo.Get()}
	if p.open {
		h.lw.mu.Lock()
		rep.LogFirstSeq = h.lw.first
		h.lw.mu.Unlock()
	}
	if h.closed.Load() {
		rep.Status = "draining"
		rep.Reasons = append(rep.Reasons, "hub is shutting down while it starts: use another hub or retry in a moment")
	}
	rep.Reasons = append(rep.Reasons, p.message+"; boards, ingest and reports are served once it has caught up")
	rep.Reason = rep.Reasons[0]
	return rep, http.StatusServiceUnavailable
}

// checkStore refuses, before the hub answers anything, the settings of an
// embedded log that cannot work: a bad --sync, a data dir that cannot be
// written, a --max-bytes the disk cannot hold. startLog applies them.
func (h *Hub) checkStore() error {
	if h.opts.NatsURL != "" {
		return nil
	}
	if _, _, err := ParseSync(h.opts.Sync); err != nil {
		return err
	}
	if h.opts.DataDir == "" {
		return nil
	}
	if err := checkDataDir(h.opts.DataDir); err != nil {
		return err
	}
	_, err := sizeStore(h.opts.DataDir, h.opts.MaxBytes, h.explicitMaxBytes, diskReserve(h.opts.DataDir, h.opts.DiskReserve))
	return err
}
