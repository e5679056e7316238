package hub

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"sitboard/campaign"
	"sitboard/feed"
)

// dayStates keeps the state at the end of each campaign day, for review
// (复盘) and GET /v1/snapshot?day=N. The end of day N is the state just
// before the fold takes the first event, in log order, dated after day N:
// what the board showed when the day closed. An event of day N that
// arrives later is in the later days' states and the live one, not in N's.
//
// Each day is kept as gzipped JSON, the snapshot's own encoding: about
// 16 KB at the Summer Action's end, so 98 days cost about 1.5 MB of hub
// memory (docs/protocol.md, "Snapshot of a past day"). The hub folds its
// whole log at start, so the days are rebuilt with it and never stored.
type dayStates struct {
	days [][]byte // days[N-1]: the end of day N; nil when not reached
}

// keepDayStates is called under h.mu with each event before it is
// folded: when the event is dated after the state's day, the days from
// that one to the event's day have ended, and their end is the state as
// it is now.
func (h *Hub) keepDayStates(ev feed.Event) {
	if ev.Seq > 0 && ev.Seq <= h.state.Seq {
		return // a redelivery: Apply skips it
	}
	if ev.Type == feed.TypeCampaignStarted {
		// A new run starts from nothing (Apply resets the state): so do
		// its days.
		clear(h.days.days)
		return
	}
	if !campaign.MovesClock(ev.Type) {
		return // an ack's time is not a campaign day's (see campaign.MovesClock)
	}
	total := h.cfg.Days()
	evDay := min(h.cfg.Day(ev.At), total)
	from := max(h.state.Day, 1) // no dated event yet: every day before this one ended empty
	if evDay <= from {
		return
	}
	gz, err := gzipState(h.state)
	if err != nil {
		h.log.Error("cannot keep the end of a campaign day for review", "day", from, "err", err)
		return
	}
	if len(h.days.days) < total {
		h.days.days = make([][]byte, total)
	}
	for d := from; d < evDay; d++ {
		h.days.days[d-1] = gz // days without events share one copy
	}
}

func gzipState(st *campaign.State) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(st); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// DayStatesBytes is the memory the kept days take (for the metrics and
// the benchmark).
func (h *Hub) DayStatesBytes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, seen := 0, map[*byte]bool{}
	for _, b := range h.days.days {
		if len(b) > 0 && !seen[&b[0]] {
			seen[&b[0]] = true
			n += len(b)
		}
	}
	return n
}

// DayState is the state at the end of campaign day `day`, as JSON, with
// the seq it holds and whether the day is still today (then the state is
// the live one so far). The error says what to ask for instead.
func (h *Hub) DayState(day int) (state json.RawMessage, seq uint64, today bool, err error) {
	return h.dayState(nil, day)
}

// dayState is DayState for a request that may go away (done).
func (h *Hub) dayState(done <-chan struct{}, day int) (state json.RawMessage, seq uint64, today bool, err error) {
	total := h.cfg.Days()
	if day < 1 || day > total {
		return nil, 0, false, fmt.Errorf("%w: day %d is outside the campaign; ask for a day from 1 to %d", errDayOutside, day, total)
	}
	h.mu.Lock()
	if h.state.Day == 0 || day >= h.state.Day {
		current := h.state.Day
		h.mu.Unlock()
		if day > current {
			return nil, 0, false, fmt.Errorf("%w: day %d has not begun; the newest event is on day %d", errDayNotYet, day, current)
		}
		// Today: the live state, in the encoding the boards share, made
		// outside the hub's lock (sharedSnapshot).
		snap, err := h.sharedSnapshot(done)
		if err != nil {
			return nil, 0, false, err
		}
		h.mu.Lock()
		over := h.state.Day > day
		h.mu.Unlock()
		if !over {
			return snap.state, snap.seq, true, nil
		}
		// The day ended meanwhile: its kept state is the answer.
		return h.dayState(done, day)
	}
	var gz []byte
	if day <= len(h.days.days) {
		gz = h.days.days[day-1]
	}
	h.mu.Unlock()
	if gz == nil {
		return nil, 0, false, fmt.Errorf("%w: this campaign run began after day %d, so the hub has no state for it", errDayNotYet, day)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, 0, false, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, 0, false, err
	}
	// The seq is in the state; read only that field.
	var head struct {
		Seq uint64 `json:"seq"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, 0, false, err
	}
	return bytes.TrimSpace(b), head.Seq, false, nil
}

var (
	errDayNotYet  = errors.New("no state for that day")
	errDayOutside = errors.New("not a campaign day")
)

// handleDaySnapshot answers GET /v1/snapshot?day=N.
func (h *Hub) handleDaySnapshot(w http.ResponseWriter, r *http.Request, dayArg string) {
	day, err := strconv.Atoi(dayArg)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: fmt.Sprintf("day=%q is not a number: ask for a campaign day from 1 to %d, e.g. /v1/snapshot?day=3", dayArg, h.cfg.Days())})
		return
	}
	st, seq, today, err := h.dayState(r.Context().Done(), day)
	switch {
	case errors.Is(err, errDayNotYet):
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: err.Error()})
		return
	case errors.Is(err, errDayOutside):
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	case errors.Is(err, errAbandoned):
		writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "the hub is shutting down: try again in a moment"})
		return
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "cannot read the day's state: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, SnapshotBody{Epoch: h.epoch, Seq: seq, Day: day, Today: today, State: st})
}
