package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/report"
)

// The office's notes (主要做法, 存在问题, 下步工作) per bulletin:
// PUT /v1/reports/notes?period=P&date=D stores them, GET reads them,
// DELETE removes them; GET /v1/reports serves the bulletin with them.
// They live in a JetStream key-value bucket beside the log (the log's
// stream name with notesSuffix), on the log's storage: a file store or an
// external NATS keeps them across restarts, as it keeps the log; the
// demo's memory log keeps them as long as it runs. docs/protocol.md,
// "The office's notes".

const notesSuffix = "_notes"

// notesBucket opens the bucket on first use: the first PUT makes it; a
// read finds it, or finds none (no notes). An error making it is kept for
// a minute, then tried again.
type notesBucket struct {
	mu     sync.Mutex
	kv     jetstream.KeyValue
	err    error
	failed time.Time
}

// errNoNotes is a read before any notes were stored: no bucket yet.
var errNoNotes = errors.New("no notes stored yet")

func (h *Hub) notesKV(ctx context.Context, create bool) (jetstream.KeyValue, error) {
	nb := &h.notes
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if nb.kv != nil {
		return nb.kv, nil
	}
	if nb.err != nil && time.Since(nb.failed) < time.Minute {
		return nil, nb.err
	}
	if !create {
		kv, err := h.js.KeyValue(ctx, h.opts.Stream+notesSuffix)
		switch {
		case errors.Is(err, jetstream.ErrBucketNotFound):
			return nil, errNoNotes
		case err != nil:
			return nil, fmt.Errorf("cannot open the notes bucket %s: %w", h.opts.Stream+notesSuffix, err)
		}
		nb.kv = kv
		return kv, nil
	}
	storage := jetstream.FileStorage
	if h.opts.DataDir == "" && h.opts.NatsURL == "" {
		storage = jetstream.MemoryStorage
	}
	kv, err := h.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      h.opts.Stream + notesSuffix,
		Description: "sitboard: the office's notes per bulletin of the log " + h.opts.Stream + " (docs/protocol.md)",
		History:     4, // the last versions, for whoever has to see what was replaced
		Storage:     storage,
		Replicas:    h.opts.Replicas,
		MaxBytes:    int64(notesBucketBytes),
	})
	if err != nil {
		nb.err, nb.failed = fmt.Errorf("cannot open the notes bucket %s: %w", h.opts.Stream+notesSuffix, err), time.Now()
		return nil, nb.err
	}
	nb.kv, nb.err = kv, nil
	return kv, nil
}

// notesBucketBytes bounds the bucket: every bulletin of a long campaign
// with notes of the largest size, and their history, fit many times.
const notesBucketBytes = 64 << 20

// StoredNotes is the body of GET /v1/reports/notes and of a PUT's answer.
type StoredNotes struct {
	Period string        `json:"period"`
	From   string        `json:"from"` // the period's first and last day
	To     string        `json:"to"`
	Notes  *report.Notes `json:"notes"`
	// StoredAt is when the hub stored them (its clock).
	StoredAt time.Time `json:"stored_at"`
}

// notesKey names a bulletin's notes: its kind and its period's first day.
func notesKey(kind string, from string) string { return kind + "." + from }

// bulletinPeriod reads ?period= and ?date= into the period's span,
// answering a refusal itself.
func (h *Hub) bulletinPeriod(w http.ResponseWriter, r *http.Request) (kind string, sp campaign.Span, ok bool) {
	q := r.URL.Query()
	kind = q.Get("period")
	if kind == "" || q.Get("date") == "" {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "give the bulletin: ?period=day|week|half-month|month|campaign&date=YYYY-MM-DD (a day in its period)"})
		return "", sp, false
	}
	when, err := report.ParseDate(h.cfg, q.Get("date"))
	if err == nil {
		err = report.CheckDate(h.cfg, when)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return "", sp, false
	}
	sp, err = h.cfg.PeriodSpan(kind, h.cfg.Day(when))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return "", sp, false
	}
	return kind, sp, true
}

// notesWriteAllowed is who may write a bulletin's notes: the office. That
// is a city-scoped token (--scoped-tokens), or the ingest token.
func (h *Hub) notesWriteAllowed(w http.ResponseWriter, r *http.Request) bool {
	if t := bearer(r); t != "" && tokenOK(t, h.ingestToken()) {
		return true
	}
	if s, ok := h.scopeOf(r); ok && s.Kind == ScopeCity {
		return true
	} else if ok && bearer(r) != "" {
		h.refuseScope(w, s, "writing a bulletin's notes (the office's: a city token or the ingest token)")
		return false
	}
	h.logRefusedToken(r, "ingest")
	w.Header().Set("WWW-Authenticate", `Bearer realm="sitboard notes"`)
	writeJSON(w, http.StatusUnauthorized, ErrorBody{Error: "missing or wrong token: send Authorization: Bearer <a city-scoped token, or the ingest token>"})
	return false
}

func (h *Hub) handleNotes(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !h.readAllowedOrRefuse(w, r) {
			return
		}
	case http.MethodPut, http.MethodDelete:
		if !h.notesWriteAllowed(w, r) {
			return
		}
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "use PUT to store a bulletin's notes, GET to read them, DELETE to remove them"})
		return
	}
	kind, sp, ok := h.bulletinPeriod(w, r)
	if !ok {
		return
	}
	from, to := h.cfg.Date(sp.From).Format(time.DateOnly), h.cfg.Date(sp.To).Format(time.DateOnly)
	key := notesKey(kind, from)
	var body []byte
	if r.Method == http.MethodPut {
		if body, ok = readNotesBody(w, r); !ok {
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	kv, err := h.notesKV(ctx, r.Method == http.MethodPut)
	if errors.Is(err, errNoNotes) {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("no notes for the %s bulletin of %s: store them with PUT", kind, from)})
		return
	}
	if err != nil {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: err.Error() + ": check the NATS account may create a key-value bucket, then try again"})
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		stored, err := getNotes(ctx, kv, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("no notes for the %s bulletin of %s: store them with PUT", kind, from)})
		case err != nil:
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "cannot read the notes: " + err.Error()})
		default:
			writeJSON(w, http.StatusOK, stored)
		}
	case http.MethodDelete:
		if _, err := kv.Get(ctx, key); errors.Is(err, jetstream.ErrKeyNotFound) {
			writeJSON(w, http.StatusNotFound, ErrorBody{Error: fmt.Sprintf("no notes for the %s bulletin of %s", kind, from)})
			return
		}
		if err := kv.Delete(ctx, key); err != nil {
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "cannot remove the notes: " + err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPut:
		notes, err := report.ParseNotes(body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "notes: " + err.Error()})
			return
		}
		stored := StoredNotes{Period: kind, From: from, To: to, Notes: notes, StoredAt: time.Now().UTC().Truncate(time.Second)}
		data, _ := json.Marshal(stored)
		if _, err := kv.Put(ctx, key, data); err != nil {
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "cannot store the notes; nothing was stored: " + err.Error()})
			return
		}
		h.log.Info("stored a bulletin's notes", "period", kind, "from", from, "remote", r.RemoteAddr)
		writeJSON(w, http.StatusOK, stored)
	}
}

// readNotesBody checks the content type and the size, and reads the body,
// answering a refusal itself.
func readNotesBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err != nil:
	case ct == "text/markdown", ct == "text/plain", ct == "application/toml", ct == "text/x-toml":
	default:
		err = errors.New(ct)
	}
	if err != nil {
		writeJSON(w, http.StatusUnsupportedMediaType, ErrorBody{Error: "send the notes as Content-Type: text/markdown (## 主要做法, ## 存在问题, ## 下步工作) or application/toml"})
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, report.MaxNotesBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, ErrorBody{Error: fmt.Sprintf("notes longer than %d bytes: a bulletin's notes are a few paragraphs; shorten them", report.MaxNotesBytes)})
		return nil, false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: "cannot read the notes: " + err.Error()})
		return nil, false
	}
	return body, true
}

func getNotes(ctx context.Context, kv jetstream.KeyValue, key string) (*StoredNotes, error) {
	e, err := kv.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	var s StoredNotes
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return nil, fmt.Errorf("the stored notes of %s do not read: %w", key, err)
	}
	return &s, nil
}

// bulletinNotes are the stored notes of a bulletin, nil when none (or
// the bucket cannot be read: the bulletin is served without them, and
// the hub says why in its log).
func (h *Hub) bulletinNotes(ctx context.Context, b *report.Bulletin) *report.Notes {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	kv, err := h.notesKV(ctx, false)
	if errors.Is(err, errNoNotes) {
		return nil
	}
	if err != nil {
		h.log.Warn("serving a bulletin without its notes", "err", err)
		return nil
	}
	s, err := getNotes(ctx, kv, notesKey(b.Kind, b.From))
	if err != nil {
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			h.log.Warn("serving a bulletin without its notes", "period", b.Kind, "from", b.From, "err", err)
		}
		return nil
	}
	return s.Notes
}
