// Package replay publishes a recording (JSON Lines of events, gzipped or
// not) to a hub's POST /v1/events, paced by the events' own timestamps.
//
// Batches are retried until the hub takes them: on 503 (log unavailable,
// draining), 507 (the hub's disk is full), 429 and proxy errors, honouring
// the hub's Retry-After, and on network errors, on a fresh connection after
// a few failures in a row. Event ids are the hub's idempotency keys, so a
// batch resent after a lost answer, or after a 503 or 507 that stored part
// of it, is never counted twice. A replay that stops (interrupted, or refused by the hub)
// reports the Position of the first event the hub has not acknowledged, and
// Options.ResumeAt continues from there.
//
// A recording of a live feed is in arrival (seq) order and its `at` times
// go back and forth, so a resume point is a position in the file, never a
// time: resuming at the time of the first unsent event would skip every
// later event that happened before it. From and Until are date filters.
package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// DemoSpeed plays the 98-day Summer Action in about five minutes: the
// default of 'sitboard demo'.
const DemoSpeed = 98 * 86400 / 300

// Options configure Run.
type Options struct {
	// URL is the hub: http://HOST:PORT or https://...; ws:// and wss:// are
	// accepted and mapped. The path defaults to /v1/events.
	URL   string
	Token string // ingest token, sent as Authorization: Bearer

	// Speed is campaign seconds per wall-clock second: 28224 plays the
	// 98-day campaign in five minutes. 0 means as fast as the hub takes them.
	Speed float64
	// MaxWait caps a single pause between events, so quiet stretches of the
	// recording do not leave the board still: 0 means the default (1s when
	// Speed is 60 or more, no cap below: a real-time replay keeps real
	// gaps); negative means no cap.
	MaxWait time.Duration
	// Tick is the shortest interval between two posts while pacing: events
	// due within it go in one batch (default 100ms).
	Tick time.Duration

	// From (inclusive) and Until (exclusive) select events by their `at`
	// time, wherever they are in the file; zero values do not limit. They
	// filter, they do not resume: see ResumeAt.
	From, Until time.Time
	// ResumeAt continues a stopped replay: run ResumeAt.Run starts at the
	// event at ResumeAt.Index of the recording, and every event of the
	// window from there on, in file order, is sent. If ResumeAt.ID is set it
	// must be that event's id, so a resume against another file is refused.
	// The zero value starts at the beginning of run 1.
	ResumeAt Position
	// Loop replays the window again and again until ctx ends. Each run after
	// the first is a fresh campaign: ids get the prefix "r<run>-" and the run
	// opens with a campaign.started marker, on which every fold resets.
	Loop bool

	BatchSize  int           // events per POST (default 500)
	MinBackoff time.Duration // first retry delay (default 250ms)
	// MaxBackoff caps the replay's own retry delay (default 10s); a longer
	// Retry-After from the hub is honoured (up to maxRetryAfter).
	MaxBackoff time.Duration
	// MaxAttempts gives up a batch after this many failed tries; 0 retries
	// until ctx ends (a hub restart must not end a long replay).
	MaxAttempts int

	// Progress, if set, is called on Run's goroutine at most every
	// ProgressEvery (default 250ms), and once more when Run ends.
	Progress      func(Progress)
	ProgressEvery time.Duration

	Client *http.Client // default: 30s timeout
	Logger *slog.Logger

	// clock and sleep are replaced in tests.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// Progress is the replay's state for a progress bar or the board's status line.
type Progress struct {
	Run     int       // 1 for the first pass, 2.. for loops
	At      time.Time // campaign time of the last event sent
	Next    time.Time // campaign time of the next event to send (the resume point)
	Sent    int       // events sent in this run
	Total   int       // events in this run's window
	AllSent int64     // events sent over all runs
	// Accepted and Duplicates are the hub's counts; a duplicate is an event
	// the hub already had (a resumed replay, or a retried batch).
	Accepted int64
	// HubSeq is the highest log sequence the hub acknowledged: a board has
	// everything this replay sent once it has folded up to it.
	HubSeq     uint64
	Duplicates int64
	Retries    int // failed posts retried
	// Waiting says why the replay is waiting for the hub, e.g. "disk full
	// on the hub (507)", while it retries a batch; "" when it is not.
	// Tries is how many times that batch has failed so far.
	Waiting string
	Tries   int
	Rate    float64 // events per second, recent
	Speed   float64 // as configured: 0 is max
	Elapsed time.Duration
	Done    bool // the replay has ended (finished, stopped or failed)
}

// Fraction is how much of this run is sent, 0..1.
func (p Progress) Fraction() float64 {
	if p.Total == 0 {
		return 1
	}
	return float64(p.Sent) / float64(p.Total)
}

// Position is a place in a replay: an event of the recording in a run.
type Position struct {
	Run   int       // 1 for the first pass, 2.. for loops (0 means 1)
	Index int       // the event's index in the recording, counting events from 0
	ID    string    // that event's id in the recording (without a loop's prefix)
	At    time.Time // its time, for people
}

// Flags are the replay command's flags that resume at p.
func (p Position) Flags() []string {
	f := []string{"--resume-at", strconv.Itoa(p.Index)}
	if p.ID != "" {
		f = append(f, "--resume-id", p.ID)
	}
	if p.Run > 1 {
		f = append(f, "--resume-run", strconv.Itoa(p.Run))
	}
	return f
}

func (p Position) String() string {
	s := fmt.Sprintf("event %d (id %s, at %s)", p.Index, p.ID, p.At.Format(time.RFC3339))
	if p.Run > 1 {
		s += fmt.Sprintf(" of run %d", p.Run)
	}
	return s
}

// InterruptedError is returned when ctx ends before the replay finishes.
// Resume is the first event the hub has not acknowledged: every event of the
// window before it, in file order, is in the hub.
type InterruptedError struct {
	Resume Position
	Sent   int64 // events sent by this replay
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("replay stopped after %d events, before %s; resume with: %s", e.Sent, e.Resume, strings.Join(e.Resume.Flags(), " "))
}

// FailedError is a replay that stopped on an error it cannot retry (the
// hub's refusal, or MaxAttempts failed posts). Resume is the first event the
// hub has not acknowledged, to continue from once the cause is fixed.
type FailedError struct {
	Err    error
	Resume Position
	Sent   int64
}

func (e *FailedError) Error() string { return e.Err.Error() }
func (e *FailedError) Unwrap() error { return e.Err }

// HubError is a refusal the replay cannot fix by retrying: a bad token, an
// invalid event in the recording, a wrong URL.
type HubError struct {
	Status int
	Msg    string
}

func (e *HubError) Error() string { return e.Msg }

// Recording is a loaded recording: each event's line, time and id.
type Recording struct {
	lines [][]byte
	at    []time.Time
	types []string
}

// Load reads a recording, gunzipping it if it is gzip. Lines must be
// events; blank lines are skipped.
func Load(r io.Reader) (*Recording, error) {
	zr, err := feed.MaybeGunzip(r)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(zr, 1<<20)
	rec := &Recording{}
	types := map[string]string{} // one string per type, not per event
	// Lines are copied into fixed-size chunks: no buffer is ever regrown,
	// which on a 30 MB recording costs more than parsing it.
	var chunk []byte
	const chunkSize = 4 << 20
	n := 0
	for {
		raw, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the reader's buffer: collect it whole.
			long := append([]byte(nil), raw...)
			for err == bufio.ErrBufferFull {
				raw, err = br.ReadSlice('\n')
				long = append(long, raw...)
			}
			raw = long
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read recording: %w", err)
		}
		if len(raw) == 0 && err == io.EOF {
			break
		}
		n++
		line := bytes.TrimSpace(raw)
		if len(line) == 0 {
			if err == io.EOF {
				break
			}
			continue
		}
		if len(line) > chunkSize/4 {
			line = append([]byte(nil), line...)
		} else {
			if len(chunk)+len(line) > cap(chunk) {
				chunk = make([]byte, 0, chunkSize)
			}
			off := len(chunk)
			chunk = append(chunk, line...)
			line = chunk[off:len(chunk):len(chunk)]
		}
		if !json.Valid(line) {
			return nil, fmt.Errorf("recording line %d: not JSON: each line must be one event object", n)
		}
		id, typ, at, ok := envelope(line)
		if !ok {
			var env struct {
				ID   string    `json:"id"`
				Type string    `json:"type"`
				At   time.Time `json:"at"`
			}
			if err := json.Unmarshal(line, &env); err != nil {
				return nil, fmt.Errorf("recording line %d: not an event: %v", n, err)
			}
			id, typ, at = env.ID, env.Type, env.At
		}
		if id == "" || at.IsZero() {
			return nil, fmt.Errorf("recording line %d: an event needs an id and an at time", n)
		}
		if t, ok := types[typ]; ok {
			typ = t
		} else {
			types[typ] = typ
		}
		rec.lines = append(rec.lines, line)
		rec.at = append(rec.at, at)
		rec.types = append(rec.types, typ)
		if err == io.EOF {
			break
		}
	}
	if len(rec.lines) == 0 {
		return nil, errors.New("the recording has no events")
	}
	return rec, nil
}

// envelope reads id, type and at straight from a line written by an
// encoder that puts them before data (as feed.Event's does): four times
// faster than decoding, which matters for the demo's start. Anything else
// reports !ok and is decoded properly.
func envelope(line []byte) (id, typ string, at time.Time, ok bool) {
	data := bytes.Index(line, []byte(`"data":`))
	get := func(key string) (string, bool) {
		i := bytes.Index(line, []byte(`"`+key+`":"`))
		if i < 0 || (data >= 0 && i > data) {
			return "", false
		}
		rest := line[i+len(key)+4:]
		j := bytes.IndexByte(rest, '"')
		if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
			return "", false
		}
		return string(rest[:j]), true
	}
	var okID, okType, okAt bool
	var ats string
	id, okID = get("id")
	typ, okType = get("type")
	ats, okAt = get("at")
	if !okID || !okType || !okAt {
		return "", "", time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, ats)
	if err != nil {
		return "", "", time.Time{}, false
	}
	return id, typ, at, true
}

// Len is the number of events.
func (r *Recording) Len() int { return len(r.lines) }

// ID is the id of the event at index i. Load checked that it has one; it is
// read again from the line rather than kept for every event.
func (r *Recording) ID(i int) string {
	if id, _, _, ok := envelope(r.lines[i]); ok {
		return id
	}
	var env struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(r.lines[i], &env)
	return env.ID
}

// First and Last are the earliest and latest event times.
func (r *Recording) First() time.Time { return slices.MinFunc(r.at, time.Time.Compare) }

func (r *Recording) Last() time.Time { return slices.MaxFunc(r.at, time.Time.Compare) }

// Location is the zone of the first event, for reading dates given
// without one.
func (r *Recording) Location() *time.Location { return r.at[0].Location() }

// window lists the indices of events inside [from, until).
func (r *Recording) window(from, until time.Time) []int {
	var idx []int
	for i, at := range r.at {
		if !from.IsZero() && at.Before(from) {
			continue
		}
		if !until.IsZero() && !at.Before(until) {
			continue
		}
		idx = append(idx, i)
	}
	return idx
}

// ParseTime reads a --from or --until value: a date (2023-07-14), a date
// and minute (2023-07-14T21:30) in loc, or an RFC 3339 time. A date alone
// means its midnight; with endOfDay, the midnight after it, so that
// "--until 2023-07-31" includes the 31st.
func ParseTime(s string, loc *time.Location, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q: use a date like 2023-07-14, 2023-07-14T21:30, or RFC 3339 like 2023-07-14T21:30:00+08:00", s)
}

// Run loads the recording from src and replays it; see RunRecording.
func Run(ctx context.Context, opts Options, src io.Reader) error {
	rec, err := Load(src)
	if err != nil {
		return err
	}
	return RunRecording(ctx, opts, rec)
}

// RunRecording publishes the recording's window, once or in a loop. It
// returns nil when done, an *InterruptedError when ctx ends first, a
// *HubError when the hub refuses for good.
func RunRecording(ctx context.Context, opts Options, rec *Recording) error {
	r, err := newRunner(opts, rec)
	if err != nil {
		return err
	}
	return r.run(ctx)
}

type runner struct {
	opts     Options
	rec      *Recording
	url      string
	log      *slog.Logger
	idx      []int
	prog     Progress
	started  time.Time
	lastProg time.Time
	rateAt   time.Time
	rateSent int64
}

// EventsURL turns a hub address into its ingest URL.
func EventsURL(hub string) (string, error) {
	if !strings.Contains(hub, "://") {
		hub = "http://" + hub
	}
	scheme, rest, _ := strings.Cut(hub, "://")
	switch scheme {
	case "http", "ws":
		scheme = "http"
	case "https", "wss":
		scheme = "https"
	default:
		return "", fmt.Errorf("bad hub URL %q: use http://HOST:PORT", hub)
	}
	host, path, _ := strings.Cut(rest, "/")
	if host == "" {
		return "", fmt.Errorf("bad hub URL %q: no host; use http://HOST:PORT", hub)
	}
	if path == "" || path == "v1/stream" {
		path = "v1/events"
	}
	return scheme + "://" + host + "/" + path, nil
}

func newRunner(opts Options, rec *Recording) (*runner, error) {
	u, err := EventsURL(opts.URL)
	if err != nil {
		return nil, feed.RedactError(err, opts.Token)
	}
	if opts.Speed < 0 {
		return nil, errors.New("speed must be positive, or 0 for max")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Tick <= 0 {
		opts.Tick = 100 * time.Millisecond
	}
	if opts.MaxWait == 0 && opts.Speed >= 60 {
		opts.MaxWait = time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 250 * time.Millisecond
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ResumeAt.Run <= 0 {
		opts.ResumeAt.Run = 1
	}
	if i := opts.ResumeAt.Index; i < 0 || i >= rec.Len() {
		return nil, fmt.Errorf("cannot resume at event %d: the recording has events 0 to %d; is it the file the stopped replay read?", i, rec.Len()-1)
	}
	if want := opts.ResumeAt.ID; want != "" {
		if got := rec.ID(opts.ResumeAt.Index); got != want {
			return nil, fmt.Errorf("cannot resume at event %d: it is %s, not %s: the recording is not the one the stopped replay read; give the same file, or replay from the start (the hub drops events it already has)",
				opts.ResumeAt.Index, got, want)
		}
	}
	if opts.now == nil {
		opts.now = time.Now
	}
	if opts.sleep == nil {
		opts.sleep = sleepCtx
	}
	r := &runner{opts: opts, rec: rec, url: u, log: opts.Logger}
	r.idx = rec.window(opts.From, opts.Until)
	if len(r.idx) == 0 {
		return nil, fmt.Errorf("no events between %s and %s: the recording spans %s to %s",
			fmtTime(opts.From), fmtTime(opts.Until), rec.First().Format(time.RFC3339), rec.Last().Format(time.RFC3339))
	}
	return r, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(open)"
	}
	return t.Format(time.RFC3339)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *runner) run(ctx context.Context) error {
	r.started = r.opts.now()
	r.rateAt = r.started
	r.prog.Speed = r.opts.Speed
	defer func() {
		r.prog.Done = true
		r.report(true)
	}()
	for run := r.opts.ResumeAt.Run; ; run++ {
		from := 0
		if run == r.opts.ResumeAt.Run {
			from = r.opts.ResumeAt.Index
		}
		if err := r.pass(ctx, run, from); err != nil {
			return err
		}
		if !r.opts.Loop {
			return nil
		}
	}
}

// pass sends the window once, as run number run, from the event at index
// from of the recording on.
func (r *runner) pass(ctx context.Context, run, from int) error {
	events := r.runEvents(run, from)
	r.prog.Run, r.prog.Sent, r.prog.Total = run, 0, len(events)
	if len(events) == 0 {
		return nil // resumed past the window's last event
	}
	r.prog.Next = events[0].at
	p := newPacer(r.opts.Speed, r.opts.MaxWait, events[0].at, r.opts.now())
	lastPost := time.Time{}
	for i := 0; i < len(events); {
		if err := ctx.Err(); err != nil {
			return r.interrupted(run, events[i])
		}
		now := r.opts.now()
		if p.paced() {
			if w := p.wait(events[i].paceAt(), now); w > 0 {
				if err := r.opts.sleep(ctx, w); err != nil {
					return r.interrupted(run, events[i])
				}
				continue
			}
			// Gather what else falls due within a tick, for fewer posts.
			if since := now.Sub(lastPost); !lastPost.IsZero() && since < r.opts.Tick {
				if err := r.opts.sleep(ctx, r.opts.Tick-since); err != nil {
					return r.interrupted(run, events[i])
				}
				now = r.opts.now()
			}
		}
		j := i + 1
		clock := p.clock(now)
		for j < len(events) && j-i < r.opts.BatchSize && (!p.paced() || !events[j].paceAt().After(clock)) {
			j++
		}
		if err := r.send(ctx, events[i:j]); err != nil {
			if ctx.Err() != nil {
				return r.interrupted(run, events[i])
			}
			return &FailedError{Err: err, Resume: r.position(run, events[i]), Sent: r.prog.AllSent}
		}
		lastPost = r.opts.now()
		r.prog.Sent += j - i
		r.prog.AllSent += int64(j - i)
		for k := j - 1; k >= i; k-- {
			if events[k].movesClock { // an ack's time is not the campaign's
				r.prog.At = events[k].at
				break
			}
		}
		if j < len(events) {
			r.prog.Next = events[j].at
		} else {
			r.prog.Next = time.Time{}
		}
		i = j
		r.report(false)
	}
	return nil
}

func (r *runner) interrupted(run int, next outEvent) error {
	return &InterruptedError{Resume: r.position(run, next), Sent: r.prog.AllSent}
}

// position is where to resume so that next is the first event sent.
func (r *runner) position(run int, next outEvent) Position {
	return Position{Run: run, Index: next.index, ID: r.rec.ID(next.index), At: r.rec.at[next.index]}
}

// outEvent is one event ready to post.
type outEvent struct {
	at    time.Time
	line  []byte
	index int // in the recording; a loop's marker has its run's first event's
	// movesClock is false for an event whose time is not the campaign's
	// (campaign.MovesClock: an acknowledgement, which a replayed hub may
	// date by its own wall clock, years after the campaign).
	movesClock bool
}

// paceAt is when the pacer sends e: its time, or at once for an event
// whose time is not the campaign clock's, so that such a time neither
// stalls the replay nor, through MaxWait, makes the campaign clock jump
// past the rest of the recording.
func (e outEvent) paceAt() time.Time {
	if e.movesClock {
		return e.at
	}
	return time.Time{}
}

// runEvents is the window as run number run sends it, from the event at
// index from of the recording on: the recording's own lines on the first
// run; on later runs, new ids and a campaign.started marker first, so every
// fold starts the run from nothing. A run resumed past its first event has
// no marker: it would reset the fold in the middle of the run.
func (r *runner) runEvents(run, from int) []outEvent {
	idx := r.idx
	for len(idx) > 0 && idx[0] < from {
		idx = idx[1:]
	}
	out := make([]outEvent, 0, len(idx)+1)
	if run == 1 {
		for _, i := range idx {
			line := r.rec.lines[i]
			if id := r.rec.ID(i); feed.ReplayID(id) != id {
				line = republished(line) // an event the recorded hub wrote
			}
			out = append(out, outEvent{r.rec.at[i], line, i, campaign.MovesClock(r.rec.types[i])})
		}
		return out
	}
	prefix := "r" + strconv.Itoa(run) + "-"
	first := r.idx[0]
	if r.rec.types[first] != feed.TypeCampaignStarted && from <= first {
		var env feed.Event
		_ = json.Unmarshal(r.rec.lines[first], &env)
		marker := feed.Event{ID: prefix + "campaign-started", Type: feed.TypeCampaignStarted, At: r.rec.at[first], District: env.District,
			Data: mustJSON(feed.CampaignStarted{Run: run, Note: "回放第" + strconv.Itoa(run) + "轮"})}
		out = append(out, outEvent{marker.At, mustJSON(marker), first, true})
	}
	for _, i := range idx {
		var ev feed.Event
		if err := json.Unmarshal(r.rec.lines[i], &ev); err != nil {
			continue // Load checked every line
		}
		ev.ID, ev.Seq = prefix+feed.ReplayID(ev.ID), 0
		if ev.Type == feed.TypeCampaignStarted {
			var cs feed.CampaignStarted
			_ = json.Unmarshal(ev.Data, &cs)
			cs.Run = run
			if cs.Note == "" {
				cs.Note = "回放第" + strconv.Itoa(run) + "轮"
			}
			ev.Data = mustJSON(cs)
		}
		if ev.Type == feed.TypeAlertAcknowledged {
			// The alert is this run's: its raising event was renamed too.
			if ack, err := feed.Decode[feed.AlertAcknowledged](ev); err == nil {
				ack.AlertID = prefix + ack.AlertID
				ev.Data = mustJSON(ack)
			}
		}
		out = append(out, outEvent{ev.At, mustJSON(ev), i, campaign.MovesClock(ev.Type)})
	}
	return out
}

// republished is a recorded event the hub wrote itself (an
// acknowledgement) under the id replay sends it with (feed.ReplayID): the
// hub refuses its own namespace from publishers.
func republished(line []byte) []byte {
	var ev feed.Event
	if err := json.Unmarshal(line, &ev); err != nil {
		return line // Load checked every line
	}
	ev.ID, ev.Seq = feed.ReplayID(ev.ID), 0
	return mustJSON(ev)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ingestResult is the hub's 202 answer.
type ingestResult struct {
	Accepted   int    `json:"accepted"`
	Duplicates int    `json:"duplicates"`
	LastSeq    uint64 `json:"last_seq"`
}

type errorBody struct {
	Error  string            `json:"error"`
	Errors []feed.FieldError `json:"errors"`
}

var errTooLarge = errors.New("batch too large")

// send posts one batch, retrying transient failures, and halving the batch
// if the hub finds it too large.
func (r *runner) send(ctx context.Context, evs []outEvent) error {
	err := r.post(ctx, evs)
	if errors.Is(err, errTooLarge) && len(evs) > 1 {
		half := len(evs) / 2
		if err := r.send(ctx, evs[:half]); err != nil {
			return err
		}
		return r.send(ctx, evs[half:])
	}
	return err
}

func (r *runner) post(ctx context.Context, evs []outEvent) error {
	var body bytes.Buffer
	for _, e := range evs {
		body.Write(e.line)
		body.WriteByte('\n')
	}
	delay := r.opts.MinBackoff
	defer func() {
		if r.prog.Waiting != "" {
			r.prog.Waiting, r.prog.Tries = "", 0
			r.reportNow() // say at once that the wait is over
		}
	}()
	for attempt := 1; ; attempt++ {
		// The hub address may carry a secret (?token=, user:pass@), and
		// net/http's errors quote it.
		err := r.postOnce(ctx, body.Bytes(), evs)
		err = feed.RedactError(err, r.opts.Token)
		if err == nil {
			return nil
		}
		var he *HubError
		if errors.As(err, &he) || errors.Is(err, errTooLarge) || ctx.Err() != nil {
			return err
		}
		if r.opts.MaxAttempts > 0 && attempt >= r.opts.MaxAttempts {
			return fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		why, retryAfter := "cannot reach the hub", time.Duration(0)
		var te *transientError
		if errors.As(err, &te) {
			why, retryAfter = te.why, te.retryAfter
		}
		if attempt%freshConnAfter == 0 {
			// The connection itself may be what fails (a proxy's, or one a
			// hub has spoiled): the next try dials a new one.
			r.opts.Client.CloseIdleConnections()
		}
		r.prog.Retries++
		wait := max(min(delay, r.opts.MaxBackoff), min(retryAfter, maxRetryAfter))
		r.log.Warn("replay: post failed; retrying the same batch", "err", err, "in", wait, "attempt", attempt)
		r.prog.Waiting, r.prog.Tries = why, attempt
		r.reportNow() // a wait is news, each try too: tries are seconds apart
		if err := r.opts.sleep(ctx, wait); err != nil {
			return err
		}
		delay = min(delay*2, r.opts.MaxBackoff)
	}
}

// freshConnAfter is how many failed tries in a row make the replay drop
// its idle connections, so that the next try dials a new one.
const freshConnAfter = 3

// maxRetryAfter bounds a hub's Retry-After, so that a wrong header cannot
// park the replay for hours.
const maxRetryAfter = 5 * time.Minute

// transientError is a failed post worth retrying: why says, for people,
// why the replay is waiting; retryAfter is the hub's Retry-After.
type transientError struct {
	why        string
	retryAfter time.Duration
	err        error
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// postOnce makes one request. A transient failure returns a
// *transientError; a permanent one a *HubError.
func (r *runner) postOnce(ctx context.Context, body []byte, evs []outEvent) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return &HubError{Msg: "bad hub URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if r.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.opts.Token)
	}
	resp, err := r.opts.Client.Do(req)
	if err != nil {
		if hint := feed.UntrustedCertHint(err); hint != "" {
			// Retrying cannot make a certificate trusted: stop and say why.
			return &HubError{Msg: hint + " (" + err.Error() + ")"}
		}
		return &transientError{why: "cannot reach the hub", err: fmt.Errorf("cannot reach the hub at %s: %w", r.url, err)}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(bufio.NewReader(io.LimitReader(resp.Body, 1<<20)))
	var eb errorBody
	_ = json.Unmarshal(data, &eb)
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK:
		var res ingestResult
		if err := json.Unmarshal(data, &res); err != nil {
			return &transientError{why: "unreadable answer from the hub", err: fmt.Errorf("unreadable answer from the hub: %w", err)}
		}
		r.prog.Accepted += int64(res.Accepted)
		r.prog.Duplicates += int64(res.Duplicates)
		r.prog.HubSeq = max(r.prog.HubSeq, res.LastSeq)
		return nil
	case http.StatusServiceUnavailable, http.StatusInsufficientStorage, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout:
		// A 503 or 507 may come after part of the batch was stored: the
		// resend is safe, the hub counts what it has as duplicates.
		why := map[int]string{
			http.StatusServiceUnavailable:  "hub unavailable (503)",
			http.StatusInsufficientStorage: "disk full on the hub (507)",
			http.StatusTooManyRequests:     "hub busy (429)",
			http.StatusBadGateway:          "no answer through the proxy (502)",
			http.StatusGatewayTimeout:      "no answer through the proxy (504)",
		}[resp.StatusCode]
		if resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(eb.Error, "shutting down") {
			why = "hub shutting down (503)"
		}
		return &transientError{why: why, retryAfter: retryAfter(resp.Header, r.opts.now()), err: fmt.Errorf("hub answered %s: %s", resp.Status, eb.Error)}
	case http.StatusRequestEntityTooLarge:
		return errTooLarge
	case http.StatusUnauthorized:
		return &HubError{resp.StatusCode, "hub refused the ingest token (401): pass the hub's ingest token with --token-file FILE (or --token, SITBOARD_INGEST_TOKEN_FILE, SITBOARD_INGEST_TOKEN)"}
	case http.StatusNotFound:
		return &HubError{resp.StatusCode, "no ingest endpoint at " + r.url + " (404): is --hub the hub's http://HOST:PORT?"}
	case http.StatusBadRequest:
		var b strings.Builder
		fmt.Fprintf(&b, "hub refused a batch of the recording (400): %s", eb.Error)
		for k, fe := range eb.Errors {
			if k == 5 {
				fmt.Fprintf(&b, "\n  ... and %d more", len(eb.Errors)-5)
				break
			}
			if fe.Index >= 0 && fe.Index < len(evs) {
				var env struct {
					ID string `json:"id"`
				}
				_ = json.Unmarshal(evs[fe.Index].line, &env)
				fmt.Fprintf(&b, "\n  event %s: %s: %s", env.ID, fe.Field, fe.Reason)
			} else {
				fmt.Fprintf(&b, "\n  %s: %s", fe.Field, fe.Reason)
			}
		}
		b.WriteString("\nfix the recording (or check that the hub runs the recording's campaign config) and replay again")
		return &HubError{resp.StatusCode, b.String()}
	}
	msg := eb.Error
	if msg == "" {
		msg = strings.TrimSpace(string(data))
	}
	return &HubError{resp.StatusCode, fmt.Sprintf("hub answered %s: %s", resp.Status, msg)}
}

// reportNow calls the progress callback now, unthrottled: the replay
// starts or stops waiting for the hub.
func (r *runner) reportNow() {
	r.lastProg = time.Time{}
	r.report(false)
}

// report calls the progress callback, throttled unless final.
func (r *runner) report(final bool) {
	if r.opts.Progress == nil {
		return
	}
	now := r.opts.now()
	if !final && now.Sub(r.lastProg) < r.opts.ProgressEvery {
		return
	}
	r.lastProg = now
	if dt := now.Sub(r.rateAt); dt >= time.Second || final {
		if dt > 0 {
			r.prog.Rate = float64(r.prog.AllSent-r.rateSent) / dt.Seconds()
		}
		if !final {
			r.rateAt, r.rateSent = now, r.prog.AllSent
		}
	}
	r.prog.Elapsed = now.Sub(r.started)
	if final && r.prog.Elapsed > 0 {
		r.prog.Rate = float64(r.prog.AllSent) / r.prog.Elapsed.Seconds()
	}
	r.opts.Progress(r.prog)
}
