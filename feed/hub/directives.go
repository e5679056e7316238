package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sitboard/campaign"
	"sitboard/feed"
)

// POST /v1/directives/issue, /sign and /report: the office's instructions
// and each district's sign-off and feedback, sent by boards and `sitboard
// directive` with a read token. The hub checks what the token allows
// (scopes.go) against what the state holds, and writes the event itself
// under an id of its reserved namespace, timed like an acknowledgement.
// docs/protocol.md, "Instructions: POST /v1/directives/...".

func (h *Hub) handleDirectives(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/directives" {
		h.handleDirectiveRecord(w, r)
		return
	}
	kind := strings.TrimPrefix(r.URL.Path, "/v1/directives/")
	if kind != "issue" && kind != "sign" && kind != "report" {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: "no such endpoint: POST /v1/directives/issue, /v1/directives/sign or /v1/directives/report"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "use POST to " + kind + " an instruction"})
		return
	}
	if !h.readAllowedOrRefuse(w, r) {
		return
	}
	scope, _ := h.scopeOf(r)
	if kind == "issue" && scope.Kind != ScopeCity {
		// Before the body: nothing of it matters to the refusal.
		h.refuseScope(w, scope, "issuing an instruction")
		return
	}
	body, ok := readDirectiveBody(w, r)
	if !ok {
		return
	}
	h.drain.RLock()
	defer h.drain.RUnlock()
	if h.closed.Load() {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "hub is shutting down: send it again in a few seconds"})
		return
	}
	if reason := h.diskFullReason(); reason != "" {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusInsufficientStorage, ErrorBody{Error: reason})
		return
	}
	if kind == "issue" {
		h.issueDirective(w, r, body)
		return
	}
	h.replyDirective(w, r, scope, kind == "report", body)
}

// readDirectiveBody checks the content type and reads the body, answering
// the refusal itself.
func readDirectiveBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, ErrorBody{Error: "send Content-Type: application/json"})
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, feed.MaxDirectiveBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeJSON(w, http.StatusRequestEntityTooLarge, ErrorBody{Error: "body larger than " + strconv.Itoa(feed.MaxDirectiveBodyBytes) + " bytes: an instruction is one short line"})
			return nil, false
		}
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "cannot read the body: " + err.Error()})
		return nil, false
	}
	return body, true
}

// decodeOne reads body as exactly one JSON object into v; a problem is a
// sentence for the 400.
func decodeOne(body []byte, v any) string {
	if !utf8.Valid(body) {
		return "the body is not UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return "the body is not a JSON object of the right shape (" + err.Error() + ")"
	}
	if dec.More() {
		return "the body holds more than one JSON value"
	}
	return ""
}

// refuseFields answers 400 with the problems of the event the hub built
// from the request, named by the request's own fields (data.text is the
// request's text).
func refuseFields(w http.ResponseWriter, errs []feed.FieldError, shape string) {
	for i := range errs {
		errs[i].Index = 0
		errs[i].Field = strings.TrimPrefix(errs[i].Field, "data.")
	}
	msgs := make([]string, len(errs))
	for i, fe := range errs {
		msgs[i] = fe.Field + ": " + fe.Reason
	}
	writeJSON(w, http.StatusBadRequest, ErrorBody{Error: strings.Join(msgs, "; ") + ": send " + shape, Errors: errs})
}

const (
	issueShape = `{"directive_id":"...","to":["<district or zone id>",...] or ["all"],"text":"...","level":"urgent|expedited|routine","by":"...","sign_within":"30m" or "deadline_sign":"<RFC 3339>","report_within":"24h" or "deadline_report":"<RFC 3339>"}`
	replyShape = `{"directive_id":"...","by":"<station's name>","text":"<one line, for a report>","district":"<the station's, for an SSH server's token>"}`
)

// boardTime is when something a board did is stored: its clock, held
// between lo and the later of the hub's clock and the newest event folded
// (feed.AckEventAt), in the campaign's zone.
func (h *Hub) boardTime(board, lo time.Time) time.Time {
	h.mu.Lock()
	newest := h.state.LastAt
	h.mu.Unlock()
	return feed.AckEventAt(board, lo, h.opts.Now(), newest).In(h.cfg.Location())
}

func (h *Hub) issueDirective(w http.ResponseWriter, r *http.Request, body []byte) {
	var req feed.IssueRequest
	if problem := decodeOne(body, &req); problem != "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: problem + ": send " + issueShape})
		return
	}
	// Not before the feed's present: the lower of the hub's clock and the
	// newest event (a replay's 2023 or a live hub's now).
	h.mu.Lock()
	lo := h.state.LastAt
	h.mu.Unlock()
	if now := h.opts.Now(); lo.IsZero() || now.Before(lo) {
		lo = now
	}
	at := h.boardTime(req.At, lo)
	var errs []feed.FieldError
	deadline := func(field string, abs time.Time, within string) time.Time {
		switch {
		case within != "" && !abs.IsZero():
			errs = append(errs, feed.FieldError{Field: field, Reason: "give a time or a duration (" + strings.TrimPrefix(field, "deadline_") + "_within), not both"})
		case within != "":
			d, err := time.ParseDuration(within)
			if err != nil || d <= 0 {
				errs = append(errs, feed.FieldError{Field: strings.TrimPrefix(field, "deadline_") + "_within", Reason: fmt.Sprintf("%q: give a positive duration such as \"30m\" or \"48h\"", within)})
				return time.Time{}
			}
			return at.Add(d).Truncate(time.Second)
		case abs.IsZero():
			errs = append(errs, feed.FieldError{Field: field, Reason: "missing: give a time, or " + strings.TrimPrefix(field, "deadline_") + "_within"})
		}
		return abs
	}
	p := feed.DirectiveIssued{DirectiveID: req.DirectiveID, To: req.To, Text: req.Text, Level: req.Level, By: req.By}
	p.DeadlineSign = deadline("deadline_sign", req.DeadlineSign, req.SignWithin)
	p.DeadlineReport = deadline("deadline_report", req.DeadlineReport, req.ReportWithin)
	if len(errs) > 0 {
		refuseFields(w, errs, issueShape)
		return
	}
	data, _ := json.Marshal(p)
	ev := feed.Event{ID: feed.DirectiveEventID("directive", req.DirectiveID), Type: feed.TypeDirectiveIssued, At: at, District: feed.CityDistrict, Data: data}
	if errs := h.val.Validate(0, ev); len(errs) > 0 {
		refuseFields(w, errs, issueShape)
		return
	}
	out := feed.DirectiveOutcome{DirectiveID: p.DirectiveID, Status: feed.OutcomeIssued, By: p.By, At: at,
		Districts: h.cfg.DirectiveTargets(p.To), DeadlineSign: p.DeadlineSign, DeadlineReport: p.DeadlineReport}
	if held, ok := h.heldDirective(p.DirectiveID); ok {
		if held.Text != p.Text || !slices.Equal(held.To, p.To) {
			writeJSON(w, http.StatusConflict, ErrorBody{Error: fmt.Sprintf("an instruction %s was issued at %s with other text or addressees; nothing was stored: give this one a directive_id of its own", p.DirectiveID, held.At.Format(time.RFC3339))})
			return
		}
		writeJSON(w, http.StatusOK, issuedOutcome(h.cfg, held, feed.OutcomeAlreadyIssued))
		return
	}
	if !h.storeDirectiveEvent(w, r, ev, &out) {
		return
	}
	if out.Status != feed.OutcomeIssued {
		if held, ok := h.heldDirective(p.DirectiveID); ok {
			out = issuedOutcome(h.cfg, held, feed.OutcomeAlreadyIssued)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func issuedOutcome(cfg *campaign.Config, d campaign.Directive, status string) feed.DirectiveOutcome {
	return feed.DirectiveOutcome{DirectiveID: d.ID, Status: status, By: d.By, At: d.At, Seq: d.Seq,
		Districts: cfg.DirectiveTargets(d.To), DeadlineSign: d.DeadlineSign, DeadlineReport: d.DeadlineReport}
}

// heldDirective is a copy of the instruction id as the state holds it.
func (h *Hub) heldDirective(id string) (campaign.Directive, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d := h.state.Directives.Directive(id); d != nil {
		c := *d
		c.Replies = slices.Clone(d.Replies)
		return c, true
	}
	return campaign.Directive{}, false
}

func (h *Hub) replyDirective(w http.ResponseWriter, r *http.Request, scope Scope, report bool, body []byte) {
	var req feed.ReplyRequest
	what, shape := "signing an instruction", replyShape
	if report {
		what = "reporting on an instruction"
	}
	if problem := decodeOne(body, &req); problem != "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: problem + ": send " + shape})
		return
	}
	district, refusal := scope.replyDistrict(req.District, what)
	if refusal != "" {
		h.refuseScope(w, scope, refusal)
		return
	}
	if !h.val.Districts[district] {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: fmt.Sprintf("\"district\" %q is not a district of the campaign: name the station's district", district)})
		return
	}
	held, ok := h.heldDirective(req.DirectiveID)
	if !ok {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("no instruction %q is open on this hub (never issued, or older than the %d it keeps); nothing was stored: check the id with 'sitboard directive list'", req.DirectiveID, campaign.MaxDirectives)})
		return
	}
	reply, ok := held.Reply(district)
	if !ok {
		went := make([]string, len(held.Replies))
		for i, rp := range held.Replies {
			went[i] = rp.District
		}
		writeJSON(w, http.StatusConflict, ErrorBody{Error: fmt.Sprintf("instruction %s was not sent to %s (it went to %s); nothing was stored", held.ID, district, strings.Join(went, ", "))})
		return
	}
	out := feed.DirectiveOutcome{DirectiveID: held.ID, District: district}
	switch {
	case report && !reply.ReportedAt.IsZero():
		out.Status, out.By, out.At, out.Text = feed.OutcomeAlreadyReported, reply.ReportedBy, reply.ReportedAt, reply.Report
		writeJSON(w, http.StatusOK, out)
		return
	case !report && !reply.SignedAt.IsZero():
		out.Status, out.By, out.At = feed.OutcomeAlreadySigned, reply.SignedBy, reply.SignedAt
		writeJSON(w, http.StatusOK, out)
		return
	}
	// Never before the instruction reached the boards.
	since := held.At
	if held.FoldedAt.After(since) {
		since = held.FoldedAt
	}
	at := h.boardTime(req.At, since)
	seq := strconv.FormatUint(held.Seq, 10)
	var ev feed.Event
	if report {
		data, _ := json.Marshal(feed.DirectiveReported{DirectiveID: held.ID, By: req.By, Text: req.Text})
		ev = feed.Event{ID: feed.DirectiveEventID("reported", seq, district), Type: feed.TypeDirectiveReported, At: at, District: district, Data: data}
		out.Status, out.Text = feed.OutcomeReported, req.Text
	} else {
		data, _ := json.Marshal(feed.DirectiveSigned{DirectiveID: held.ID, By: req.By})
		ev = feed.Event{ID: feed.DirectiveEventID("signed", seq, district), Type: feed.TypeDirectiveSigned, At: at, District: district, Data: data}
		out.Status = feed.OutcomeSigned
	}
	if !report && req.Text != "" {
		refuseFields(w, []feed.FieldError{{Field: "text", Reason: "a sign-off has no text: send the feedback to /v1/directives/report"}}, shape)
		return
	}
	if errs := h.val.Validate(0, ev); len(errs) > 0 {
		refuseFields(w, errs, shape)
		return
	}
	out.By, out.At = req.By, at
	if !h.storeDirectiveEvent(w, r, ev, &out) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// storeDirectiveEvent stores ev through the log, setting out's seq; a
// duplicate id (a concurrent board, or a resend whose answer was lost)
// makes out the "already" status. It answers a failure itself.
func (h *Hub) storeDirectiveEvent(w http.ResponseWriter, r *http.Request, ev feed.Event, out *feed.DirectiveOutcome) bool {
	if r.Context().Err() != nil {
		w.Header().Set("Retry-After", "2")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "the request was cancelled before it was stored (the connection broke); nothing was stored: send it again"})
		return false
	}
	// Once begun, storing runs to its end whatever the client does.
	seq, dup, err := h.publishOne(context.WithoutCancel(r.Context()), ev)
	if err != nil {
		code, problem, retry := http.StatusServiceUnavailable, "event log unavailable", "2"
		if reason := h.diskFullReason(); reason != "" {
			code, problem, retry = http.StatusInsufficientStorage, reason, "30"
		} else {
			h.log.Warn("directives: log unavailable", "err", err)
		}
		said := "nothing was stored"
		if se := (*storeError)(nil); errors.As(err, &se) && se.unconfirmed > 0 {
			said = "it may or may not have been stored"
		}
		w.Header().Set("Retry-After", retry)
		writeJSON(w, code, ErrorBody{Error: problem + "; " + said + ": send it again after Retry-After seconds (it is stored once however often it is sent)"})
		return false
	}
	out.Seq = seq
	if dup {
		switch out.Status {
		case feed.OutcomeIssued:
			out.Status = feed.OutcomeAlreadyIssued
		case feed.OutcomeSigned:
			out.Status = feed.OutcomeAlreadySigned
		case feed.OutcomeReported:
			out.Status = feed.OutcomeAlreadyReported
		}
		out.By, out.At, out.Text = "", time.Time{}, ""
		return true
	}
	h.m.ingested.Add(1)
	return true
}

// DirectiveRecord is the answer to GET /v1/directives: every instruction
// of the log's run as the bulletins' record holds it, oldest issued first,
// with each district's sign-off and report, who made them and the
// feedback (the state the boards get keeps the newest few, times only).
type DirectiveRecord struct {
	Seq        uint64               `json:"seq"`
	LastAt     time.Time            `json:"last_at,omitzero"` // the record's clock: its newest event
	Directives []campaign.Directive `json:"directives"`
}

// handleDirectiveRecord is GET /v1/directives (read token), from the
// bulletins' History: `sitboard directive list` reads it.
func (h *Hub) handleDirectiveRecord(w http.ResponseWriter, r *http.Request) {
	if !h.readAllowedOrRefuse(w, r) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "use GET /v1/directives to read the instructions, POST /v1/directives/issue to issue one"})
		return
	}
	var rec DirectiveRecord
	err := h.withHistory(r.Context(), func(hist *campaign.History) error {
		st := hist.State()
		rec = DirectiveRecord{Seq: st.Seq, LastAt: st.LastAt, Directives: []campaign.Directive{}}
		if book := hist.Recorder().Directives; book != nil {
			for _, d := range book.Items {
				d.Replies = slices.Clone(d.Replies)
				rec.Directives = append(rec.Directives, d)
			}
		}
		return nil
	})
	var folding *errStillFolding
	switch {
	case r.Context().Err() != nil:
		return
	case errors.As(err, &folding):
		w.Header().Set("Retry-After", strconv.Itoa(folding.retryAfter))
		writeJSON(w, http.StatusServiceUnavailable, FoldProgress{Error: folding.Error(), Fold: "reports", Seq: folding.seq, Of: folding.of})
		return
	case err != nil:
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "cannot read the log for the instructions: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, rec)
}
