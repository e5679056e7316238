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
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/feed"
)

// handleAcks is POST /v1/acks: a board acknowledges priority alerts with
// the read token. Each id of an active alert not yet acknowledged becomes
// an alert.acknowledged event, stored through the same log and dedupe as
// ingest; an ack can only be written for an alert the hub holds, so a
// read-token holder cannot grow the log at will. docs/protocol.md,
// "Acknowledgements", has the rules.
func (h *Hub) handleAcks(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "use POST to acknowledge alerts"})
		return
	}
	if !h.readAllowedOrRefuse(w, r) {
		return
	}
	scope, _ := h.scopeOf(r)
	if scope.Kind == ScopePublic {
		// --public-read opens the feed to anyone for reading. An ack
		// steadies an alert on every wall: that is a write, and anyone
		// must not be able to silence the alarms.
		writeJSON(w, http.StatusForbidden, ErrorBody{Error: "this hub serves the feed without a read token (--public-read), so it takes no acknowledgements: anyone could silence every wall's alerts; the acknowledgement stays on this board. To take them, start the hub with --read-token or --scoped-tokens and give the boards a token", Scope: scope.String()})
		return
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, ErrorBody{Error: "send Content-Type: application/json"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, feed.MaxAckBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeJSON(w, http.StatusRequestEntityTooLarge, ErrorBody{Error: "body larger than " + strconv.Itoa(feed.MaxAckBodyBytes) + " bytes: send at most " + strconv.Itoa(feed.MaxAcksPerRequest) + " alert ids"})
			return
		}
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "cannot read the body: " + err.Error()})
		return
	}
	req, problem := parseAckRequest(body)
	if problem != "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: problem + `: send {"alerts":["<alert id>",...],"by":"<station or board name>","at":"<RFC 3339 time>"}`})
		return
	}
	limit, refusal := scope.ackLimit(req.District)
	if refusal != "" {
		h.refuseScope(w, scope, refusal)
		return
	}
	if req.District != "" && !h.val.Districts[req.District] {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: fmt.Sprintf("\"district\" %q is not a district of the campaign: name the district the board acts for, or leave it out", req.District)})
		return
	}
	h.drain.RLock()
	defer h.drain.RUnlock()
	if h.closed.Load() {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "hub is shutting down: send the acknowledgement again in a few seconds"})
		return
	}
	if reason := h.diskFullReason(); reason != "" {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusInsufficientStorage, ErrorBody{Error: reason})
		return
	}
	out := make([]feed.AckOutcome, len(req.Alerts))
	var events []feed.Event
	var stored []int // index in out of each event
	now := h.opts.Now()
	var outside []string // alerts of another district than the token's
	h.mu.Lock()
	newest := h.state.LastAt
	for i, id := range req.Alerts {
		out[i] = feed.AckOutcome{AlertID: id, Status: feed.AckUnknown}
		// Standing (cleared or not) or finished: an alert solved before
		// anyone acknowledged it stands until someone does, and one
		// pushed out of the standing alerts is still in the record.
		if a, _, ok := h.state.AlertByID(id); ok {
			if limit != "" && a.District != limit {
				outside = append(outside, id+" ("+a.District+")")
				continue
			}
			if a.Acked() {
				out[i] = feed.AckOutcome{AlertID: id, Status: feed.AckAlready, By: a.AckedBy, At: a.AckedAt}
				continue
			}
			data, _ := json.Marshal(feed.AlertAcknowledged{AlertID: id, By: req.By})
			// In the campaign's zone: the board's own offset may be one Go
			// reads but no event may carry (+24:30), which would fail to
			// store, or be refused when the log is replayed.
			// Never before the alert was folded (a late event's alert is
			// raised at the state's clock, after its own time).
			since := a.At
			if a.FoldedAt.After(since) {
				since = a.FoldedAt
			}
			at := feed.AckEventAt(req.At, since, now, newest).In(h.cfg.Location())
			ev := feed.Event{ID: feed.AckEventID(id, a.Seq), Type: feed.TypeAlertAcknowledged, At: at, District: a.District, Data: data}
			out[i] = feed.AckOutcome{AlertID: id, Status: feed.AckStored, By: req.By, At: ev.At}
			events = append(events, ev)
			stored = append(stored, i)
		}
	}
	h.mu.Unlock()
	if len(outside) > 0 {
		h.refuseScope(w, scope, "acknowledging the alerts of another district than "+limit+": "+strings.Join(outside, ", "))
		return
	}
	for j, ev := range events {
		if errs := h.val.Validate(j, ev); len(errs) > 0 {
			// The alert came from the log, so this is the hub's bug, not the board's.
			writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "the hub built an invalid acknowledgement; nothing was stored: " + errs[0].Error(), Errors: errs})
			return
		}
	}
	if len(events) > 0 && r.Context().Err() != nil {
		// The connection broke before anything was stored.
		w.Header().Set("Retry-After", "2")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "the request was cancelled before its acknowledgements were stored (the connection broke); nothing was stored: send it again"})
		return
	}
	// One event at a time, so each id's answer says whether it was stored
	// now or a concurrent ack of the same alert won (a duplicate). Once
	// begun, storing runs to its end whatever the client does.
	ctx := context.WithoutCancel(r.Context())
	for j, ev := range events {
		o := &out[stored[j]]
		taken, err := h.storeAck(ctx, ev, o)
		if err == nil && taken != "" {
			// Not an acknowledgement: the ack's own id is held in the log
			// by an event that is none, so the hub's state would never
			// show the alert acknowledged.
			writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "the acknowledgement of " + o.AlertID + " cannot be stored: " + taken + "; nothing more was stored. Tell the hub's operator: something writes to the event log behind the hubs' back"})
			return
		}
		if err != nil {
			code, problem, retry := http.StatusServiceUnavailable, "event log unavailable", "2"
			if reason := h.diskFullReason(); reason != "" {
				code, problem, retry = http.StatusInsufficientStorage, reason, "30"
			} else {
				h.log.Warn("acks: log unavailable", "err", err)
			}
			w.Header().Set("Retry-After", retry)
			writeJSON(w, code, ErrorBody{Error: problem + "; " + ackStoredSoFar(out, stored[:j], o.AlertID, err) + ": send the acknowledgement again after Retry-After seconds (it is stored once however often it is sent)"})
			return
		}
	}
	writeJSON(w, http.StatusOK, feed.AckResponse{Alerts: out})
}

// storeAck stores ev, the hub's acknowledgement of o's alert, and sets o
// to the outcome: stored at its seq, or, when another acknowledgement of
// the alert already holds the id (a board acknowledging at the same time,
// through this hub or another), already acknowledged, with that one's by,
// at and seq read from the log. An id held by an event that is not the
// alert's acknowledgement is taken once more with AckFallbackID; taken
// says why even that failed.
func (h *Hub) storeAck(ctx context.Context, ev feed.Event, o *feed.AckOutcome) (taken string, err error) {
	for try := 0; ; try++ {
		seq, dup, err := h.publishOne(ctx, ev)
		if err != nil {
			return "", err
		}
		if !dup {
			o.Seq = seq
			h.m.ingested.Add(1)
			return "", nil
		}
		holder := "an event the log holds or held"
		if seq == 0 {
			// Known to the id set, and so folded: an acknowledgement of
			// the alert shows in the state.
			if a, ok := h.ackedAlert(o.AlertID); ok {
				*o = feed.AckOutcome{AlertID: o.AlertID, Status: feed.AckAlready, By: a.AckedBy, At: a.AckedAt}
				return "", nil
			}
		} else {
			held, err := h.eventAt(ctx, seq)
			if err != nil {
				return "", fmt.Errorf("reading the event that holds the acknowledgement's id %s at seq %d: %w", ev.ID, seq, err)
			}
			if ack, err := feed.Decode[feed.AlertAcknowledged](held); err == nil && held.Type == feed.TypeAlertAcknowledged && ack.AlertID == o.AlertID && held.District == ev.District {
				*o = feed.AckOutcome{AlertID: o.AlertID, Status: feed.AckAlready, By: ack.By, At: held.At, Seq: seq}
				return "", nil
			}
			holder = fmt.Sprintf("a %s at seq %d", held.Type, seq)
		}
		if try == 1 {
			return fmt.Sprintf("its id %s is held by %s that is not its acknowledgement", ev.ID, holder), nil
		}
		h.log.Warn("acks: an acknowledgement's id is held by another event; storing it under another id", "id", ev.ID, "holder", holder)
		ev.ID = feed.AckFallbackID(ev.ID, seq)
	}
}

// publishOne stores one event the hub writes and returns its seq; dup says
// the log holds or held its id, and seq is then the holder's (0 when only
// the id set knows it: the holder may be gone from the log).
func (h *Hub) publishOne(ctx context.Context, ev feed.Event) (seq uint64, dup bool, err error) {
	if _, known := h.ids.unknown([]feed.Event{ev}); known > 0 {
		return 0, true, nil
	}
	release, err := h.roomFor([]feed.Event{ev})
	if err != nil {
		return 0, false, err
	}
	defer release()
	ctx, cancel := h.storeContext(ctx)
	defer cancel()
	data, err := json.Marshal(ev)
	if err != nil {
		return 0, false, err
	}
	ack, err := h.js.PublishMsg(ctx, &nats.Msg{Subject: h.opts.Subject, Data: data}, jetstream.WithMsgID(ev.ID), jetstream.WithExpectStream(h.opts.Stream))
	if err != nil {
		if apiErr := (*jetstream.APIError)(nil); !errors.As(err, &apiErr) {
			err = partial(err, IngestResult{}, 1) // the answer was lost: it may be stored
		}
		return 0, false, err
	}
	return ack.Sequence, ack.Duplicate, nil
}

// ackedAlert is the active alert id, if the state shows it acknowledged.
func (h *Hub) ackedAlert(id string) (campaign.Alert, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a, _, ok := h.state.AlertByID(id); ok && a.Acked() {
		return a, true
	}
	return campaign.Alert{}, false
}

// eventAt reads the event stored at seq.
func (h *Hub) eventAt(ctx context.Context, seq uint64) (feed.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, logReadWait)
	defer cancel()
	msg, err := h.stream.GetMsg(ctx, seq)
	if err != nil {
		return feed.Event{}, err
	}
	return decodeStored(msg.Data, seq)
}

// ackStoredSoFar says which acknowledgements of a request are in the log
// when storing the one of alert failing failed with err.
func ackStoredSoFar(out []feed.AckOutcome, done []int, failing string, err error) string {
	var ids []string
	for _, i := range done {
		if out[i].Status == feed.AckStored {
			ids = append(ids, out[i].AlertID)
		}
	}
	said := "nothing was stored"
	if len(ids) > 0 {
		said = "the acknowledgements of " + strings.Join(ids, ", ") + " were stored"
	}
	if se := (*storeError)(nil); errors.As(err, &se) && se.unconfirmed > 0 {
		said += "; that of " + failing + " may or may not have been"
	}
	return said
}

// parseAckRequest reads and checks a POST /v1/acks body; a problem is
// returned as a sentence for the 400.
func parseAckRequest(body []byte) (feed.AckRequest, string) {
	var req feed.AckRequest
	if !utf8.Valid(body) {
		return req, "the body is not UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return req, "the body is not a JSON object of the right shape (" + err.Error() + ")"
	}
	if dec.More() {
		return req, "the body holds more than one JSON value"
	}
	if len(req.Alerts) == 0 {
		return req, "no alert ids in \"alerts\""
	}
	if len(req.Alerts) > feed.MaxAcksPerRequest {
		return req, fmt.Sprintf("%d alert ids, more than %d in one request", len(req.Alerts), feed.MaxAcksPerRequest)
	}
	seen := make(map[string]bool, len(req.Alerts))
	ids := req.Alerts[:0]
	for i, id := range req.Alerts {
		if p := feed.IDProblem(id, feed.MaxIDLen); id == "" || p != "" {
			if id == "" {
				p = "empty"
			}
			return req, fmt.Sprintf("alerts[%d]: %s", i, p)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	req.Alerts = ids
	switch n := utf8.RuneCountInString(req.By); {
	case req.By == "":
		return req, "\"by\" is missing: name the station or board acknowledging"
	case n > feed.MaxAckByLen:
		return req, fmt.Sprintf("\"by\" is %d characters, longer than %d", n, feed.MaxAckByLen)
	default:
		if p := feed.TextProblem(req.By); p != "" {
			return req, "\"by\": " + p
		}
	}
	if !req.At.IsZero() && req.At.Year() < feed.MinYear {
		return req, fmt.Sprintf("\"at\" year %d is before %d", req.At.Year(), feed.MinYear)
	}
	return req, ""
}
