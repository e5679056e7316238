package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/report"
)

// reportCache is the History behind GET /v1/reports: the log folded with
// per-day counts (docs/figures.md, "Periods"). The hub's state does not
// keep those, so the first request folds the log from its start; later
// requests fold only what was appended since. It lives as long as the
// hub's epoch: a recreated log starts it afresh.
type reportCache struct {
	mu    sync.Mutex // one fold at a time; held while reading the log
	epoch string
	hist  *campaign.History
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
		lang = report.LangZh
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
	switch {
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

// withHistory brings the report History up to the hub's folded seq,
// folding what the log holds beyond it, and calls use with it.
func (h *Hub) withHistory(ctx context.Context, use func(*campaign.History) error) error {
	rc := &h.reports
	rc.mu.Lock()
	defer rc.mu.Unlock()
	h.mu.Lock()
	to := h.state.Seq
	h.mu.Unlock()
	if rc.hist == nil || rc.epoch != h.epoch || rc.hist.State().Seq > to {
		rc.hist, rc.epoch = campaign.NewHistory(h.cfg), h.epoch
	}
	from := rc.hist.State().Seq + 1
	if from == 1 {
		// Retention may have dropped the log's start: fold from what is
		// left (the bulletin then says its counts are partial).
		sctx, cancel := context.WithTimeout(ctx, logReadWait)
		info, err := h.stream.Info(sctx)
		cancel()
		if err != nil {
			return err
		}
		from = max(info.State.FirstSeq, 1)
	}
	if from <= to {
		err := h.readLog(ctx.Done(), from, to, func(batch []json.RawMessage) error {
			for _, raw := range batch {
				var ev feed.Event
				if err := jsonUnmarshal(raw, &ev); err != nil {
					continue // the fold skips what it cannot read, as the hub's does
				}
				rc.hist.Apply(ev)
			}
			return nil
		})
		if err != nil {
			rc.hist = nil // half folded: start over next time
			return err
		}
	}
	return use(rc.hist)
}
