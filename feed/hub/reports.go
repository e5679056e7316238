package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/report"
)

// reportCache is the History behind GET /v1/reports: the log folded with
// per-day counts (docs/figures.md, "Periods"). The hub's state does not
// keep those, so the first request folds the log from its start; later
// requests fold only what was appended since. It lives as long as the
// hub's epoch: a recreated log starts it afresh.
//
// The folding is the cache's own, not a request's: a request starts a
// fold (or extends the running one) and waits for it a moment
// (reportWait). A request that goes away, or that waited long enough to be
// told 503 with the fold's progress, leaves the fold running, so the first
// fold of a long log runs once, however long it takes, and nothing a
// client does throws the cache away.
type reportCache struct {
	mu    sync.Mutex // guards all below; a fold holds it while applying a batch
	epoch string
	hist  *campaign.History
	seq   uint64 // last seq read into hist (the log may skip seqs)
	// folding: a fold goroutine runs, reading the log up to target; it
	// alone writes hist.
	folding bool
	target  uint64
	// foldFrom and foldStart describe the running fold, for its progress.
	foldFrom  uint64
	foldStart time.Time
	// err is why the last fold stopped short of its target (nil when it
	// reached it). What it folded before that is kept.
	err error
	// moved is closed (and replaced) whenever seq moves or a fold ends.
	moved chan struct{}
}

// reportWait is how long a request for a bulletin waits for the report
// fold before it is told 503 with the fold's progress.
const reportWait = 5 * time.Second

// FoldProgress is the body of a 503 answered while a fold has not caught
// up: the start-up fold (every endpoint but /healthz and /metrics) or the
// fold behind the bulletins (GET /v1/reports). Seq is the last seq folded,
// Of the seq the fold is reading to.
type FoldProgress struct {
	Error string `json:"error"`
	Fold  string `json:"fold"` // "start-up" or "reports"
	Seq   uint64 `json:"seq"`
	Of    uint64 `json:"of"`
}

// errStillFolding is what withHistory returns when its wait ran out.
type errStillFolding struct {
	seq, of    uint64
	retryAfter int // seconds, from the fold's pace
}

func (e *errStillFolding) Error() string {
	return fmt.Sprintf("the hub is still folding the event log for bulletins (seq %d of %d): retry in %d s", e.seq, e.of, e.retryAfter)
}

// handleReports answers GET /v1/reports?period=P&date=D&format=html|md|json
// (&lang=zh|en, &format=text too): the bulletin of the period holding date
// D (default: the newest event's day), read token required.
func (h *Hub) handleReports(w http.ResponseWriter, r *http.Request) {
	if !h.readAllowedOrRefuse(w, r) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "use GET /v1/reports?period=week&date=2023-08-12&format=html"})
		return
	}
	q := r.URL.Query()
	format, lang := q.Get("format"), q.Get("lang")
	if format == "" {
		format = report.FormatHTML
	}
	if lang == "" {
		// A request says no language, and the hub has no locale of the
		// reader's: the campaign's default, else zh (docs/campaign.md).
		lang = report.LangZh
		if h.cfg.Campaign.Lang == report.LangEn {
			lang = report.LangEn
		}
	}
	contentType := map[string]string{
		report.FormatHTML: "text/html; charset=utf-8", report.FormatMD: "text/markdown; charset=utf-8",
		report.FormatText: "text/plain; charset=utf-8", report.FormatJSON: "application/json; charset=utf-8",
	}[format]
	if contentType == "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "format=" + format + " is not served: use html, md, text or json"})
		return
	}
	if lang != report.LangZh && lang != report.LangEn {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "lang=" + lang + ": use zh or en"})
		return
	}
	if q.Get("period") == "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "no period: ask for /v1/reports?period=day|week|half-month|month|campaign"})
		return
	}
	when, err := report.ParseDate(h.cfg, q.Get("date"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	}
	var b *report.Bulletin
	err = h.withHistory(r.Context(), func(hist *campaign.History) error {
		var berr error
		b, berr = report.Build(hist, report.Request{Kind: q.Get("period"), Date: when})
		return berr
	})
	var folding *errStillFolding
	switch {
	case r.Context().Err() != nil:
		return // the client went away; the fold goes on without it
	case errors.As(err, &folding):
		w.Header().Set("Retry-After", strconv.Itoa(folding.retryAfter))
		writeJSON(w, http.StatusServiceUnavailable, FoldProgress{Error: folding.Error(), Fold: "reports", Seq: folding.seq, Of: folding.of})
		return
	case errors.Is(err, report.ErrBadRequest):
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	case errors.Is(err, report.ErrNoData):
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: err.Error()})
		return
	case err != nil:
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "cannot read the log for the bulletin: " + err.Error()})
		return
	}
	// The office's notes stored for this bulletin (PUT /v1/reports/notes).
	b.Notes = h.bulletinNotes(r.Context(), b)
	var body bytes.Buffer
	if format == report.FormatJSON {
		err = json.NewEncoder(&body).Encode(b)
	} else {
		err = report.Render(&body, b, h.cfg, report.Options{Format: format, Lang: lang})
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "cannot write the bulletin: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	// The HTML is self-contained: it may load and run nothing.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body.Bytes())
}

// withHistory brings the report History up to the hub's folded seq and
// calls use with it. The folding is done by foldReports, which outlives
// the request: withHistory waits for it up to reportWait, or until ctx
// ends (the client went away), and then returns without touching it.
func (h *Hub) withHistory(ctx context.Context, use func(*campaign.History) error) error {
	wait := h.opts.reportWait
	if wait <= 0 {
		wait = reportWait
	}
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	rc := &h.reports
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// Read under the cache's lock: a seq read before it may be older than
	// what a fold has reached meanwhile, and look like a log gone back.
	to := h.Seq()
	if !rc.folding && (rc.hist == nil || rc.epoch != h.epoch || rc.seq > to) {
		rc.hist, rc.epoch, rc.seq, rc.err = campaign.NewHistory(h.cfg), h.epoch, 0, nil
	}
	waited := false
	for rc.seq < to {
		switch {
		case rc.folding:
			rc.target = max(rc.target, to)
		case waited && rc.err != nil:
			// The fold this request waited for could not read the log;
			// the next request resumes it from where it stopped.
			return rc.err
		default:
			rc.folding, rc.target, rc.err = true, to, nil
			rc.foldFrom, rc.foldStart = rc.seq+1, time.Now()
			go h.foldReports()
		}
		if rc.moved == nil {
			rc.moved = make(chan struct{})
		}
		moved := rc.moved
		rc.mu.Unlock()
		select {
		case <-moved:
		case <-ctx.Done():
			rc.mu.Lock()
			return ctx.Err()
		case <-h.closing:
			rc.mu.Lock()
			return errors.New("hub closing")
		case <-timeout.C:
			rc.mu.Lock()
			return rc.progressLocked()
		}
		rc.mu.Lock()
		waited = true
	}
	return use(rc.hist)
}

// progressLocked is the running fold's progress, with a Retry-After from
// its pace so far.
func (rc *reportCache) progressLocked() *errStillFolding {
	done := rc.seq + 1 - min(rc.foldFrom, rc.seq+1)
	left := rc.target - min(rc.seq, rc.target)
	return &errStillFolding{seq: rc.seq, of: rc.target, retryAfter: paceRetryAfter(done, time.Since(rc.foldStart), left)}
}

// signalLocked wakes the requests waiting for the fold.
func (rc *reportCache) signalLocked() {
	if rc.moved != nil {
		close(rc.moved)
		rc.moved = nil
	}
}

// foldReports reads the log into the report History until it reaches the
// target, which waiting requests may raise meanwhile. It stops only when
// the log cannot be read or the hub closes, keeping what it folded.
func (h *Hub) foldReports() {
	rc := &h.reports
	for {
		rc.mu.Lock()
		from, to, hist := rc.seq+1, rc.target, rc.hist
		if from > to {
			rc.folding = false
			rc.signalLocked()
			rc.mu.Unlock()
			return
		}
		rc.mu.Unlock()
		err := h.foldReportsRange(hist, from, to)
		rc.mu.Lock()
		if err != nil {
			if errors.Is(err, errResync) {
				// Retention dropped the log's start under the fold: fold
				// again from what is left (the bulletin says it is partial).
				rc.hist, rc.seq = campaign.NewHistory(h.cfg), 0
			}
			if !h.closed.Load() {
				h.log.Warn("cannot fold the event log for bulletins; the next request resumes", "seq", rc.seq, "err", err)
			}
			rc.folding, rc.err = false, err
			rc.signalLocked()
			rc.mu.Unlock()
			return
		}
		// Seqs past the last event read (none, or other subjects) are read.
		rc.seq = max(rc.seq, to)
		rc.signalLocked()
		rc.mu.Unlock()
	}
}

// foldReportsRange folds seqs from..to of the log into hist, a batch at a
// time under the cache's lock, so requests are served between batches.
func (h *Hub) foldReportsRange(hist *campaign.History, from, to uint64) error {
	rc := &h.reports
	if from == 1 {
		// Retention may have dropped the log's start: fold from what is
		// left (the bulletin then says its counts are partial).
		ctx, cancel := context.WithTimeout(context.Background(), logReadWait)
		info, err := h.stream.Info(ctx)
		cancel()
		if err != nil {
			return err
		}
		from = max(info.State.FirstSeq, 1)
	}
	evs := make([]feed.Event, 0, maxBatchEvents)
	return h.readLog(h.closing, from, to, func(batch []json.RawMessage) error {
		evs = evs[:0]
		for _, raw := range batch {
			var ev feed.Event
			if err := jsonUnmarshal(raw, &ev); err != nil {
				continue // the fold skips what it cannot read, as the hub's does
			}
			evs = append(evs, ev)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, ev := range evs {
			hist.Apply(ev)
			rc.seq = max(rc.seq, ev.Seq)
		}
		rc.signalLocked()
		return nil
	})
}
