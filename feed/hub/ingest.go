package hub

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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
		return strings.TrimSpace(a[7:])
	}
	return ""
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
	h.m.requests.Add(1)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, http.StatusMethodNotAllowed, "method", "use POST to send events", nil)
		return
	}
	if !tokenOK(bearer(r), h.opts.IngestToken) || bearer(r) == "" {
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
	for i, ev := range events {
		if !bad[i] {
			errs = append(errs, h.val.Validate(i, ev)...)
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b feed.FieldError) int { return a.Index - b.Index })
		n := map[int]bool{}
		for _, fe := range errs {
			n[fe.Index] = true
		}
		h.m.invalidEvents.Add(uint64(len(n)))
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
	res, err := h.store(r.Context(), events)
	if err != nil {
		h.log.Warn("ingest: log unavailable", "err", err, "events", len(events))
		w.Header().Set("Retry-After", "2")
		h.refuse(w, http.StatusServiceUnavailable, "unavailable", "event log unavailable: retry the same batch after Retry-After seconds (ingest is idempotent by id, nothing is counted twice)", nil)
		return
	}
	h.m.ingested.Add(uint64(res.Accepted))
	h.m.duplicates.Add(uint64(res.Duplicates))
	writeJSON(w, http.StatusAccepted, res)
}

// store publishes every event asynchronously and waits for all acks, so the
// log can batch its writes (and its fsyncs with --sync always).
func (h *Hub) store(ctx context.Context, events []feed.Event) (IngestResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	for _, ev := range events {
		ev.Seq = 0 // the log assigns seq; a client's value means nothing
		data, err := json.Marshal(ev)
		if err != nil {
			return IngestResult{}, err
		}
		msg := &nats.Msg{Subject: h.opts.Subject, Data: data, Header: nats.Header{}}
		f, err := h.js.PublishMsgAsync(msg, jetstream.WithMsgID(ev.ID), jetstream.WithExpectStream(h.opts.Stream))
		if err != nil {
			return IngestResult{}, err
		}
		futures = append(futures, f)
	}
	var res IngestResult
	for _, f := range futures {
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
			return IngestResult{}, err
		case <-ctx.Done():
			return IngestResult{}, ctx.Err()
		}
	}
	return res, nil
}

func (h *Hub) handleSnapshot(w http.ResponseWriter, r *http.Request) {
	if !h.readAllowed(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sitboard read"`)
		writeJSON(w, http.StatusUnauthorized, ErrorBody{Error: "missing or wrong read token: send Authorization: Bearer <read token>"})
		return
	}
	h.mu.Lock()
	st, err := json.Marshal(h.state)
	seq := h.state.Seq
	h.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "cannot encode the state: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, SnapshotBody{Epoch: h.epoch, Seq: seq, State: st})
}

// SnapshotBody is the answer to GET /v1/snapshot.
type SnapshotBody struct {
	Epoch string          `json:"epoch"`
	Seq   uint64          `json:"seq"`
	State json.RawMessage `json:"state"`
}

func (h *Hub) readAllowed(r *http.Request) bool {
	if h.opts.ReadToken == "" {
		return true
	}
	t := bearer(r)
	if t == "" {
		t = r.URL.Query().Get("token")
	}
	return t != "" && tokenOK(t, h.opts.ReadToken)
}

func (h *Hub) handleHealth(w http.ResponseWriter, r *http.Request) {
	status, code := "ok", http.StatusOK
	if h.closed.Load() {
		status, code = "draining", http.StatusServiceUnavailable
	} else if h.nc.Status() != nats.CONNECTED {
		status, code = "log unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "epoch": h.epoch, "seq": h.Seq(), "store": h.storeName()})
}
