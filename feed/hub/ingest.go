package hub

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
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

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/feed"
)

var jsonUnmarshal = json.Unmarshal

// IngestResult is the 202 answer to POST /v1/events. FirstSeq and LastSeq
// span the newly stored events; both are 0 when every event was a duplicate.
type IngestResult struct {
	Accepted   int    `json:"accepted"`
	Duplicates int    `json:"duplicates"`
	FirstSeq   uint64 `json:"first_seq"`
	LastSeq    uint64 `json:"last_seq"`
}

// ErrorBody is every 4xx/5xx answer. Errors lists per-event problems for a
// refused batch; Index is -1 when the body as a whole is the problem.
type ErrorBody struct {
	Error  string            `json:"error"`
	Errors []feed.FieldError `json:"errors,omitempty"`
	// Stored and Unconfirmed are set on a 503 or 507 whose store failed
	// after it began: the events the log acknowledged before it failed,
	// and how many more it may or may not have stored.
	Stored      *IngestResult `json:"stored,omitempty"`
	Unconfirmed int           `json:"unconfirmed,omitempty"`
	// Scope is the token's scope on a 403 (city, stations, district:ID,
	// shared, public): what it allows is in Error.
	Scope string `json:"scope,omitempty"`
}

// tokenOK compares in constant time. Hashing first hides the token's length.
func tokenOK(got, want string) bool {
	if want == "" {
		return true
	}
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return normalizeToken(a[7:])
	}
	return ""
}

// normalizeToken is a token as the hub compares it, configured (CheckAccess)
// or sent: without the spaces around it, which headers, files and shells
// add or drop.
func normalizeToken(t string) string { return strings.TrimSpace(t) }

// withoutSpace is t without any white space, for telling tokens apart.
func withoutSpace(t string) string {
	return strings.Join(strings.Fields(t), "")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Hub) refuse(w http.ResponseWriter, code int, reason, msg string, errs []feed.FieldError) {
	h.m.reject(reason)
	writeJSON(w, code, ErrorBody{Error: msg, Errors: errs})
}

func (h *Hub) handleIngest(w http.ResponseWriter, r *http.Request) {
	h.m.requests.Inc()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, http.StatusMethodNotAllowed, "method", "use POST to send events", nil)
		return
	}
	if !tokenOK(bearer(r), h.ingestToken()) || bearer(r) == "" {
		h.logRefusedToken(r, "ingest")
		w.Header().Set("WWW-Authenticate", `Bearer realm="sitboard ingest"`)
		h.refuse(w, http.StatusUnauthorized, "unauthorized", "missing or wrong ingest token: send Authorization: Bearer <ingest token>", nil)
		return
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (ct != "application/json" && ct != "application/x-ndjson" && ct != "application/jsonl") {
		h.refuse(w, http.StatusUnsupportedMediaType, "content_type", "send Content-Type: application/json (an array of events) or application/x-ndjson (one event per line)", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.refuse(w, http.StatusRequestEntityTooLarge, "too_large", "body larger than "+strconv.FormatInt(h.opts.MaxBodyBytes, 10)+" bytes: split the batch", nil)
			return
		}
		h.refuse(w, http.StatusBadRequest, "read", "cannot read the body: "+err.Error(), nil)
		return
	}
	events, errs, err := feed.DecodeBatch(body, h.opts.MaxEventsPerRequest)
	if err != nil {
		h.refuse(w, http.StatusBadRequest, "malformed", err.Error()+"; nothing was stored", []feed.FieldError{{Index: -1, Field: "body", Reason: err.Error()}})
		return
	}
	bad := map[int]bool{}
	for _, fe := range errs {
		bad[fe.Index] = true
	}
	now := h.opts.Now()
	for i, ev := range events {
		if !bad[i] {
			errs = append(errs, h.val.Validate(i, ev)...)
			if strings.HasPrefix(ev.ID, feed.HubIDPrefix) {
				errs = append(errs, feed.FieldError{Index: i, Field: "id", Reason: reservedIDReason})
			}
			if p := h.timeProblem(ev, now); p != "" {
				errs = append(errs, feed.FieldError{Index: i, Field: "at", Reason: p})
			}
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b feed.FieldError) int { return a.Index - b.Index })
		n := map[int]bool{}
		for _, fe := range errs {
			n[fe.Index] = true
		}
		h.m.invalidEvents.Add(float64(len(n)))
		h.refuse(w, http.StatusBadRequest, "invalid", strconv.Itoa(len(n))+" of "+strconv.Itoa(len(events))+" events are invalid; nothing was stored: fix them and send the whole batch again", errs)
		return
	}
	h.drain.RLock()
	defer h.drain.RUnlock()
	if h.closed.Load() {
		w.Header().Set("Retry-After", "5")
		h.refuse(w, http.StatusServiceUnavailable, "unavailable", "hub is shutting down: retry in a few seconds (ingest is idempotent by id)", nil)
		return
	}
	if reason := h.diskFullReason(); reason != "" {
		h.refuseDiskFull(w, reason, nil)
		return
	}
	if r.Context().Err() != nil {
		// The connection broke (or the client gave up) before anything
		// was published: say so, and publish nothing.
		w.Header().Set("Retry-After", "2")
		h.refuse(w, http.StatusServiceUnavailable, "unavailable", "the request was cancelled before its events were stored (the connection broke); nothing was stored: send the batch again", nil)
		return
	}
	// Once publishing has begun it runs to its end whatever the client
	// does, so the answer says what is in the log.
	res, err := h.store(context.WithoutCancel(r.Context()), events)
	if reason := h.diskFullReason(); err != nil && reason != "" {
		h.refuseDiskFull(w, reason, err)
		return
	}
	if err != nil {
		h.log.Warn("ingest: log unavailable", "err", err, "events", len(events))
		w.Header().Set("Retry-After", "2")
		h.refuseStore(w, http.StatusServiceUnavailable, "unavailable", "event log unavailable", err, "retry the same batch after Retry-After seconds")
		return
	}
	h.m.ingested.Add(float64(res.Accepted))
	h.m.duplicates.Add(float64(res.Duplicates))
	writeJSON(w, http.StatusAccepted, res)
}

// timeProblem refuses an event time that cannot be true: more than
// MaxClockSkew past the hub's clock, or after the campaign's end. Either
// would move the state's clock (LastAt, Day) past every real event, and
// with it review mode and the times of acknowledgements, for the rest of
// the run. An acknowledgement's time moves no clock, so only the first
// applies to it. Times before the campaign's start are taken: they count
// in the totals only (a case filed before the campaign, solved in it).
func (h *Hub) timeProblem(ev feed.Event, now time.Time) string {
	at := ev.At.Format(time.RFC3339)
	if skew := h.opts.MaxClockSkew; skew >= 0 && ev.At.After(now.Add(skew)) {
		return fmt.Sprintf("%s is %s past the hub's clock (%s), more than the %s the hub allows (--max-clock-skew): check the time, date and zone the sending system writes, and its clock (or the hub's)",
			at, ev.At.Sub(now).Round(time.Second), now.In(h.cfg.Location()).Format(time.RFC3339), skew)
	}
	if campaign.MovesClock(ev.Type) && h.cfg.Day(ev.At) > h.cfg.Days() {
		end := h.cfg.Start().AddDate(0, 0, h.cfg.Days())
		return fmt.Sprintf("%s is after the campaign's end (%s): it would count in no day and move every board's clock past the campaign; check the event's date and zone, or, if the campaign goes on, extend it in the campaign config and restart the hub",
			at, end.Format(time.RFC3339))
	}
	return ""
}

// reservedIDReason refuses an event id in the hub's own namespace.
const reservedIDReason = `the prefix "` + feed.HubIDPrefix + `" is reserved for events the hub writes itself (boards' acknowledgements): give the event an id of your own; to acknowledge an alert from another system, send alert.acknowledged with your own id, e.g. dispatch-ack-<alert id>`

// storeLog writes a request's events to the log and returns once the log
// has acknowledged every one. With the embedded file store and --sync always
// it publishes atomic batches, which the server fsyncs once per batch;
// otherwise one asynchronous publish per event.
func (h *Hub) storeLog(ctx context.Context, events []feed.Event) (IngestResult, error) {
	ctx, cancel := h.storeContext(ctx)
	defer cancel()
	if !h.atomicBatches || len(events) < minAtomicBatch {
		return h.storeEach(ctx, events)
	}
	// Even chunks, so that none falls under minAtomicBatch.
	chunks := (len(events) + maxAtomicBatch - 1) / maxAtomicBatch
	size := (len(events) + chunks - 1) / chunks
	var res IngestResult
	for len(events) > 0 {
		n := min(len(events), size)
		r, err := h.storeBatch(ctx, events[:n])
		if err != nil {
			return IngestResult{}, partial(err, res, 0)
		}
		res.add(r)
		events = events[n:]
	}
	return res, nil
}

// storeContext bounds a store: 30 s, and not past a fault of the log's
// store (a full disk), which never acknowledges: it gives up at once.
func (h *Hub) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	stop := context.AfterFunc(h.faultContext(), cancel)
	return ctx, func() { stop(); cancel() }
}

func (r *IngestResult) add(o IngestResult) {
	r.Accepted += o.Accepted
	r.Duplicates += o.Duplicates
	if o.FirstSeq != 0 && (r.FirstSeq == 0 || o.FirstSeq < r.FirstSeq) {
		r.FirstSeq = o.FirstSeq
	}
	r.LastSeq = max(r.LastSeq, o.LastSeq)
}

// Atomic batch publish (nats-server 2.12+, stream option allow_atomic). The
// server stages the messages, then on the commit writes them all and, for a
// file store with sync always, fsyncs once before it sends the one
// acknowledgement. That keeps "acknowledged means on disk" at one fsync per
// batch instead of one per event.
const (
	// maxAtomicBatch is the server's default limit on messages per batch.
	maxAtomicBatch = 1000
	// minAtomicBatch: a batch costs the server a staging store (a directory
	// and files, created and removed) and a handful of syncs, some 5-6ms
	// on the reference VM, against about 0.35ms per event published on its
	// own: they break even at about 16 events (BenchmarkSmallPosts).
	// Smaller requests, the live feed's usual one or few events, go event
	// by event.
	minAtomicBatch = 20
	// maxAtomicInflight stays under the server's 50 open batches per stream.
	maxAtomicInflight = 32
	hdrBatchID        = "Nats-Batch-Id"
	hdrBatchSeq       = "Nats-Batch-Sequence"
	hdrBatchCommit    = "Nats-Batch-Commit"
)

// batchAck is the server's answer to a batch commit.
type batchAck struct {
	Stream string `json:"stream"`
	Seq    uint64 `json:"seq"`
	Batch  string `json:"batch"`
	Count  int    `json:"count"`
	Error  *struct {
		Code        int    `json:"code"`
		ErrCode     int    `json:"err_code"`
		Description string `json:"description"`
	} `json:"error"`
}

// storeBatch stores up to maxAtomicBatch events as one atomic batch. A
// batch that the server refuses as a whole, typically because it holds an
// id the log already has (a retried request), is stored event by event
// instead, so duplicates are counted and the rest accepted.
func (h *Hub) storeBatch(ctx context.Context, events []feed.Event) (IngestResult, error) {
	select {
	case h.atomicSem <- struct{}{}:
	case <-ctx.Done():
		return IngestResult{}, ctx.Err()
	}
	defer func() { <-h.atomicSem }()
	// Unique across restarts too, so no batch left staged by a killed
	// process is ever continued by mistake.
	id := h.batchPrefix + "-" + strconv.FormatUint(h.batchSeq.Add(1), 36)
	var reply *nats.Msg
	for i, ev := range events {
		ev.Seq = 0 // the log assigns seq; a client's value means nothing
		data, err := json.Marshal(ev)
		if err != nil {
			return IngestResult{}, err
		}
		msg := &nats.Msg{Subject: h.opts.Subject, Data: data, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, ev.ID)
		msg.Header.Set(jetstream.ExpectedStreamHeader, h.opts.Stream)
		msg.Header.Set(hdrBatchID, id)
		msg.Header.Set(hdrBatchSeq, strconv.Itoa(i+1))
		if i < len(events)-1 {
			// Staged without a reply: a failure shows in the commit's answer.
			if err := h.nc.PublishMsg(msg); err != nil {
				return IngestResult{}, err
			}
			continue
		}
		msg.Header.Set(hdrBatchCommit, "1")
		if reply, err = h.nc.RequestMsgWithContext(ctx, msg); err != nil {
			// The commit went out: the server may have stored the batch.
			return IngestResult{}, partial(fmt.Errorf("atomic batch commit: %w", err), IngestResult{}, len(events))
		}
	}
	var ack batchAck
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return IngestResult{}, fmt.Errorf("atomic batch commit: unreadable answer %q: %w", reply.Data, err)
	}
	if ack.Error != nil {
		h.log.Debug("atomic batch refused; storing its events one by one", "err", ack.Error.Description, "code", ack.Error.ErrCode, "events", len(events))
		h.m.batchFallbacks.Inc()
		return h.storeEach(ctx, events)
	}
	if ack.Count != len(events) || ack.Seq < uint64(len(events)) {
		return IngestResult{}, partial(fmt.Errorf("atomic batch commit: %d events acknowledged at seq %d, sent %d", ack.Count, ack.Seq, len(events)), IngestResult{}, len(events))
	}
	// The server commits a batch in one piece, so its seqs are contiguous.
	return IngestResult{Accepted: len(events), FirstSeq: ack.Seq - uint64(len(events)) + 1, LastSeq: ack.Seq}, nil
}

// storeEach publishes every event asynchronously and waits for all acks.
// When it fails after the first publish it says what the log took
// (storeError): the events acknowledged, and those whose fate it could not
// learn.
func (h *Hub) storeEach(ctx context.Context, events []feed.Event) (IngestResult, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	var failed error
	for _, ev := range events {
		ev.Seq = 0 // the log assigns seq; a client's value means nothing
		data, err := json.Marshal(ev)
		if err != nil {
			failed = err
			break
		}
		msg := &nats.Msg{Subject: h.opts.Subject, Data: data, Header: nats.Header{}}
		f, err := h.js.PublishMsgAsync(msg, jetstream.WithMsgID(ev.ID), jetstream.WithExpectStream(h.opts.Stream))
		if err != nil {
			failed = err
			break
		}
		futures = append(futures, f)
	}
	var res IngestResult
	unconfirmed := 0
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				res.Duplicates++
				continue
			}
			res.Accepted++
			if res.FirstSeq == 0 || ack.Sequence < res.FirstSeq {
				res.FirstSeq = ack.Sequence
			}
			res.LastSeq = max(res.LastSeq, ack.Sequence)
		case err := <-f.Err():
			if failed == nil {
				failed = err
			}
			// The server's refusal stored nothing; a lost answer may have.
			if apiErr := (*jetstream.APIError)(nil); !errors.As(err, &apiErr) {
				unconfirmed++
			}
		case <-ctx.Done():
			if failed == nil {
				failed = ctx.Err()
			}
			unconfirmed += len(futures) - i
			return IngestResult{}, partial(failed, res, unconfirmed)
		}
	}
	if failed != nil {
		if len(futures) == 0 {
			return IngestResult{}, failed
		}
		return IngestResult{}, partial(failed, res, unconfirmed)
	}
	return res, nil
}

func (h *Hub) handleSnapshot(w http.ResponseWriter, r *http.Request) {
	if !h.readAllowedOrRefuse(w, r) {
		return
	}
	if day := r.URL.Query().Get("day"); day != "" {
		h.handleDaySnapshot(w, r, day)
		return
	}
	// The encoding the boards joining at this seq share (sharedSnapshot):
	// made once per seq by the fold loop, outside the hub's lock, so
	// clients polling the state do not hold up the fold or each other.
	snap, err := h.sharedSnapshot(r.Context().Done())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "the hub is shutting down: try again in a moment"})
		return
	}
	writeJSON(w, http.StatusOK, SnapshotBody{Epoch: h.epoch, Seq: snap.seq, State: snap.state})
}

// SnapshotBody is the answer to GET /v1/snapshot.
type SnapshotBody struct {
	Epoch string `json:"epoch"`
	Seq   uint64 `json:"seq"`
	// Day is the campaign day asked for with ?day=N (0 without);
	// Today says that day has not ended, so the state is the live one.
	Day   int             `json:"day,omitempty"`
	Today bool            `json:"today,omitempty"`
	State json.RawMessage `json:"state"`
}

// readAllowedOrRefuse is readAllowed for the HTTP read endpoints: when
// the token is missing or wrong it answers 401 itself.
func (h *Hub) readAllowedOrRefuse(w http.ResponseWriter, r *http.Request) bool {
	if h.readAllowed(r) {
		return true
	}
	h.logRefusedToken(r, "read")
	w.Header().Set("WWW-Authenticate", `Bearer realm="sitboard read"`)
	writeJSON(w, http.StatusUnauthorized, ErrorBody{Error: "missing or wrong read token: send Authorization: Bearer <read token>"})
	return false
}

func (h *Hub) readAllowed(r *http.Request) bool {
	_, ok := h.scopeOf(r)
	return ok
}

// refuseDiskFull answers 507 Insufficient Storage: the request was fine,
// the hub's disk is not. err is the store's failure, if it began.
func (h *Hub) refuseDiskFull(w http.ResponseWriter, reason string, err error) {
	// The hub takes events again within a second of the disk having room.
	w.Header().Set("Retry-After", "10")
	h.refuseStore(w, http.StatusInsufficientStorage, "disk_full", reason, err, "retry the same batch later")
}

// refuseStore answers a store that failed (err; nil when none began) with
// what of the request is in the log, then what to do.
func (h *Hub) refuseStore(w http.ResponseWriter, code int, reason, problem string, err error, todo string) {
	body := ErrorBody{}
	var se *storeError
	if errors.As(err, &se) && (se.stored.Accepted+se.stored.Duplicates > 0 || se.unconfirmed > 0) {
		stored := se.stored
		body.Stored, body.Unconfirmed = &stored, se.unconfirmed
		body.Error = fmt.Sprintf("%s after %d of the request's events were stored", problem, stored.Accepted+stored.Duplicates)
		if stored.Accepted > 0 {
			body.Error += fmt.Sprintf(" (seq %d-%d)", stored.FirstSeq, stored.LastSeq)
		}
		if se.unconfirmed > 0 {
			body.Error += fmt.Sprintf(" and %d more may or may not have been", se.unconfirmed)
		}
		body.Error += ": " + todo + "; ingest is idempotent by id, so the stored ones come back as duplicates and none is counted twice"
	} else {
		body.Error = problem + "; nothing of the request was stored: " + todo + " (ingest is idempotent by id)"
	}
	h.m.reject(reason)
	writeJSON(w, code, body)
}

// storeError is a store that failed after it began publishing: the log
// acknowledged stored, and holds or lacks unconfirmed more.
type storeError struct {
	stored      IngestResult
	unconfirmed int
	err         error
}

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// partial wraps err with what was stored before it.
func partial(err error, stored IngestResult, unconfirmed int) error {
	var se *storeError
	if errors.As(err, &se) {
		stored.add(se.stored)
		unconfirmed += se.unconfirmed
		err = se.err
	}
	return &storeError{stored: stored, unconfirmed: unconfirmed, err: err}
}
