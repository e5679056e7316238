package replay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/feed"
)

var zone = time.FixedZone("+08:00", 8*3600)

// synthetic is a recording of n alarms, one every step, from 2023-06-25.
func synthetic(n int, step time.Duration, marker bool) []byte {
	var b bytes.Buffer
	t0 := time.Date(2023, 6, 25, 0, 0, 0, 0, zone)
	enc := json.NewEncoder(&b)
	if marker {
		data, _ := json.Marshal(feed.CampaignStarted{Run: 1})
		enc.Encode(feed.Event{ID: "ev-start", Type: feed.TypeCampaignStarted, At: t0, District: "chuanhui", Data: data})
	}
	for i := range n {
		data, _ := json.Marshal(feed.AlarmReceived{AlarmID: fmt.Sprint("a", i), Category: "criminal", Priority: 2})
		enc.Encode(feed.Event{ID: fmt.Sprintf("ev-%05d", i), Type: feed.TypeAlarmReceived, At: t0.Add(time.Duration(i) * step), District: "chuanhui", Data: data})
	}
	return b.Bytes()
}

// fakeHub is POST /v1/events with the hub's idempotency: it stores each id
// once, and can fail requests on purpose.
type fakeHub struct {
	mu       sync.Mutex
	token    string
	ids      map[string]int
	order    []feed.Event
	requests int
	// fail decides a request's fate by its number (1-based): 0 store and
	// accept; 503 or 507 refuse; -503 store but answer 503 (a lost
	// answer); -507 store the first half of the batch, then answer 507 (a
	// disk that filled during the request).
	fail func(n int) int
	// retryAfter is the Retry-After of a refusal ("0" when empty).
	retryAfter string
}

func newFakeHub(t testing.TB) (*fakeHub, *httptest.Server) {
	h := &fakeHub{token: "secret", ids: map[string]int{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/events" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+h.token {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"bad token"}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	fate := 0
	if h.fail != nil {
		fate = h.fail(h.requests)
	}
	retry := h.retryAfter
	if retry == "" {
		retry = "0"
	}
	switch fate {
	case 503:
		w.Header().Set("Retry-After", retry)
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":"log unavailable"}`)
		return
	case 507:
		w.Header().Set("Retry-After", retry)
		w.WriteHeader(http.StatusInsufficientStorage)
		io.WriteString(w, `{"error":"disk nearly full: ..."}`)
		return
	}
	var res struct{ Accepted, Duplicates int }
	lines := bytes.Count(body, []byte("\n"))
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for n := 0; sc.Scan(); n++ {
		if fate == -507 && n == lines/2 {
			w.Header().Set("Retry-After", retry)
			w.WriteHeader(http.StatusInsufficientStorage)
			io.WriteString(w, `{"error":"disk full: ... may have been stored in part"}`)
			return
		}
		var ev feed.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if strings.HasPrefix(ev.ID, feed.HubIDPrefix) {
			// As the hub: its own namespace is not a publisher's.
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if h.ids[ev.ID] > 0 {
			res.Duplicates++
		} else {
			res.Accepted++
			h.order = append(h.order, ev)
		}
		h.ids[ev.ID]++
	}
	if fate == -503 {
		w.Header().Set("Retry-After", retry)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]int{"accepted": res.Accepted, "duplicates": res.Duplicates})
}

func (h *fakeHub) stored() []feed.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]feed.Event(nil), h.order...)
}

func fastRetry(o Options) Options {
	o.MinBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return o
}

func TestReplayRetriesWithoutLossOrDuplicates(t *testing.T) {
	hub, srv := newFakeHub(t)
	hub.fail = func(n int) int {
		switch n {
		case 1, 2, 5:
			return 503
		case 4, 7:
			return -503 // stored, but the answer is lost: the resend must not double
		}
		return 0
	}
	var last Progress
	opts := fastRetry(Options{URL: srv.URL, Token: "secret", BatchSize: 100, Progress: func(p Progress) { last = p }})
	if err := Run(context.Background(), opts, bytes.NewReader(synthetic(1000, time.Minute, false))); err != nil {
		t.Fatal(err)
	}
	got := hub.stored()
	if len(got) != 1000 {
		t.Fatalf("hub stored %d events, want 1000", len(got))
	}
	for i, ev := range got {
		if want := fmt.Sprintf("ev-%05d", i); ev.ID != want {
			t.Fatalf("event %d is %s, want %s: order broken", i, ev.ID, want)
		}
	}
	if !last.Done || last.Sent != 1000 || last.Total != 1000 || last.Retries != 5 {
		t.Errorf("final progress %+v, want done, 1000/1000 sent, 5 retries", last)
	}
	if last.Accepted != 800 || last.Duplicates != 0 {
		// Two batches were stored with their answers lost: the hub counted
		// them, the replay saw only the resends (as duplicates).
		t.Logf("accepted %d, duplicates %d", last.Accepted, last.Duplicates)
	}
	if last.Accepted+last.Duplicates != 1000 || last.Duplicates != 200 {
		t.Errorf("accepted %d + duplicates %d, want 800 + 200", last.Accepted, last.Duplicates)
	}
}

// TestReplayWaitsForTheHub: a hub that answers 503 or 507 (a full disk,
// after storing part of the batch or before) is waited for until it takes
// the batch: its Retry-After is honoured even past MaxBackoff, the
// progress says why the replay waits and how many tries, and nothing is
// stored twice or lost.
func TestReplayWaitsForTheHub(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fates map[int]int
		why   string
	}{
		{"disk full", map[int]int{2: 507, 3: 507, 4: 507}, "disk full on the hub (507)"},
		{"disk filled during the request", map[int]int{2: -507, 3: 507}, "disk full on the hub (507)"},
		{"log unavailable", map[int]int{2: 503, 3: -503}, "hub unavailable (503)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub, srv := newFakeHub(t)
			hub.retryAfter = "7"
			hub.fail = func(n int) int { return tc.fates[n] }
			var waits []time.Duration
			var seen []Progress
			opts := Options{URL: srv.URL, Token: "secret", BatchSize: 10, MaxBackoff: time.Second, Progress: func(p Progress) { seen = append(seen, p) }}
			opts.sleep = func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return ctx.Err()
			}
			if err := Run(context.Background(), opts, bytes.NewReader(synthetic(50, time.Minute, false))); err != nil {
				t.Fatal(err)
			}
			got := hub.stored()
			if len(got) != 50 {
				t.Fatalf("the hub holds %d events, want the 50 of the recording once each", len(got))
			}
			for i, ev := range got {
				if want := fmt.Sprintf("ev-%05d", i); ev.ID != want {
					t.Fatalf("event %d is %s, want %s", i, ev.ID, want)
				}
			}
			if len(waits) == 0 || slices.Min(waits) < 7*time.Second {
				t.Errorf("waits %v: want each at least the hub's Retry-After of 7s", waits)
			}
			tries := 0
			for _, p := range seen {
				if p.Waiting != "" {
					if p.Waiting != tc.why {
						t.Errorf("waiting %q, want %q", p.Waiting, tc.why)
					}
					tries = max(tries, p.Tries)
				}
			}
			fails := 0
			for _, f := range tc.fates {
				if f != 0 {
					fails++
				}
			}
			if tries != fails {
				t.Errorf("the progress counted %d tries, the hub refused %d", tries, fails)
			}
			if last := seen[len(seen)-1]; !last.Done || last.Waiting != "" {
				t.Errorf("final progress %+v, want done and no longer waiting", last)
			}
		})
	}
}

// TestReplayMovesToAFreshConnection: after failed tries in a row the
// replay drops its idle connections, so a connection that is itself what
// fails (a proxy's, or one the hub spoiled) is not used for ever.
func TestReplayMovesToAFreshConnection(t *testing.T) {
	hub := &fakeHub{token: "secret", ids: map[string]int{}}
	hub.fail = func(n int) int {
		if n <= 6 {
			return 503
		}
		return 0
	}
	srv := httptest.NewUnstartedServer(hub)
	var mu sync.Mutex
	conns := 0
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	opts := fastRetry(Options{URL: srv.URL, Token: "secret", BatchSize: 100, Client: &http.Client{}})
	if err := Run(context.Background(), opts, bytes.NewReader(synthetic(10, time.Minute, false))); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if conns < 3 {
		t.Errorf("7 tries (6 refused) went over %d connection(s): want a fresh one after every 3 failures", conns)
	}
}

func TestReplayAcceptsGzip(t *testing.T) {
	hub, srv := newFakeHub(t)
	var gz bytes.Buffer
	zw := newGzip(&gz)
	zw.Write(synthetic(50, time.Minute, false))
	zw.Close()
	if err := Run(context.Background(), Options{URL: srv.URL, Token: "secret"}, &gz); err != nil {
		t.Fatal(err)
	}
	if n := len(hub.stored()); n != 50 {
		t.Fatalf("stored %d, want 50", n)
	}
}

func TestReplayRefusalsAreClear(t *testing.T) {
	_, srv := newFakeHub(t)
	rec := synthetic(5, time.Minute, false)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad token", Options{URL: srv.URL, Token: "wrong"}, "--token-file FILE (or --token, SITBOARD_INGEST_TOKEN_FILE"},
		{"wrong path", Options{URL: srv.URL + "/nothing", Token: "secret"}, "404"},
		{"bad scheme", Options{URL: "ftp://x", Token: "secret"}, "http://HOST:PORT"},
		{"empty window", Options{URL: srv.URL, Token: "secret", From: time.Date(2024, 1, 1, 0, 0, 0, 0, zone)}, "no events between"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(context.Background(), tc.opts, bytes.NewReader(rec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	t.Run("network down gives up after MaxAttempts", func(t *testing.T) {
		opts := fastRetry(Options{URL: "http://127.0.0.1:1", Token: "secret", MaxAttempts: 3})
		err := Run(context.Background(), opts, bytes.NewReader(rec))
		if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestReplayWindow(t *testing.T) {
	rec := synthetic(48, time.Hour, false) // 2023-06-25 00:00 .. 06-26 23:00
	tests := []struct {
		from, until string
		n           int
		first, last string
	}{
		{"", "", 48, "ev-00000", "ev-00047"},
		{"2023-06-26", "", 24, "ev-00024", "ev-00047"},
		{"", "2023-06-25", 24, "ev-00000", "ev-00023"}, // a date alone: through its end
		{"2023-06-25T10:00", "2023-06-25T12:00", 2, "ev-00010", "ev-00011"},
		{"2023-06-25T10:00:00+08:00", "2023-06-25T10:00:01+08:00", 1, "ev-00010", "ev-00010"},
		{"2023-06-25T02:30:00Z", "", 37, "ev-00011", "ev-00047"}, // 10:30 in +08:00
	}
	for _, tc := range tests {
		t.Run(tc.from+".."+tc.until, func(t *testing.T) {
			hub, srv := newFakeHub(t)
			opts := Options{URL: srv.URL, Token: "secret"}
			var err error
			if tc.from != "" {
				if opts.From, err = ParseTime(tc.from, zone, false); err != nil {
					t.Fatal(err)
				}
			}
			if tc.until != "" {
				if opts.Until, err = ParseTime(tc.until, zone, true); err != nil {
					t.Fatal(err)
				}
			}
			if err := Run(context.Background(), opts, bytes.NewReader(rec)); err != nil {
				t.Fatal(err)
			}
			got := hub.stored()
			if len(got) != tc.n || got[0].ID != tc.first || got[len(got)-1].ID != tc.last {
				t.Fatalf("sent %d (%s..%s), want %d (%s..%s)", len(got), got[0].ID, got[len(got)-1].ID, tc.n, tc.first, tc.last)
			}
		})
	}
}

func TestParseTimeRefusesGarbage(t *testing.T) {
	for _, s := range []string{"yesterday", "2023-13-01", "25.06.2023"} {
		if _, err := ParseTime(s, zone, false); err == nil || !strings.Contains(err.Error(), "2023-07-14") {
			t.Errorf("ParseTime(%q) = %v, want an error with an example", s, err)
		}
	}
}

func TestReplayLoopIsAFreshCampaignEachRun(t *testing.T) {
	for _, marker := range []bool{true, false} {
		t.Run(fmt.Sprint("recording has marker: ", marker), func(t *testing.T) {
			hub, srv := newFakeHub(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := Options{URL: srv.URL, Token: "secret", Loop: true, BatchSize: 7, Progress: func(p Progress) {
				if p.Run == 3 && p.Sent == p.Total {
					cancel()
				}
			}, ProgressEvery: time.Nanosecond}
			err := Run(ctx, opts, bytes.NewReader(synthetic(20, time.Minute, marker)))
			var ie *InterruptedError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an interruption after run 3", err)
			}
			got := hub.stored()
			per := 20
			if marker {
				per = 21
			}
			want := per + 2*(21) // runs 2 and 3 always open with a marker
			if len(got) != want {
				t.Fatalf("stored %d events over 3 runs, want %d", len(got), want)
			}
			for run, start := range []int{0, per, per + 21} {
				ev := got[start]
				if run == 0 {
					if !marker && ev.Type == feed.TypeCampaignStarted {
						t.Error("run 1 got a marker the recording does not have")
					}
					continue
				}
				if ev.Type != feed.TypeCampaignStarted {
					t.Fatalf("run %d starts with %s, want campaign.started", run+1, ev.Type)
				}
				cs, _ := feed.Decode[feed.CampaignStarted](ev)
				if cs.Run != run+1 {
					t.Errorf("run %d marker says run %d", run+1, cs.Run)
				}
				for _, e := range got[start : start+21] {
					if prefix := fmt.Sprintf("r%d-", run+1); !strings.HasPrefix(e.ID, prefix) {
						t.Fatalf("run %d event id %s lacks prefix %s", run+1, e.ID, prefix)
					}
				}
			}
			for id, n := range hub.ids {
				if n != 1 {
					t.Errorf("id %s sent %d times", id, n)
				}
			}
		})
	}
}

// TestReplayInterruptedResumes stops a paced replay, then resumes it at the
// position the error gives: together the runs send everything, and the
// resume sends nothing the hub already has.
func TestReplayInterruptedResumes(t *testing.T) {
	hub, srv := newFakeHub(t)
	rec := synthetic(300, time.Minute, true)
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{URL: srv.URL, Token: "secret", BatchSize: 10, Progress: func(p Progress) {
		if p.Sent >= 120 {
			cancel()
		}
	}, ProgressEvery: time.Nanosecond}
	err := Run(ctx, opts, bytes.NewReader(rec))
	var ie *InterruptedError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *InterruptedError", err)
	}
	first := len(hub.stored())
	// Event 0 is the marker, so event i is alarm ev-(i-1).
	if ie.Resume.Index != first || ie.Resume.ID != fmt.Sprintf("ev-%05d", first-1) {
		t.Errorf("resume at %+v, want index %d (the first event not stored)", ie.Resume, first)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("--resume-at %d --resume-id %s", first, ie.Resume.ID)) {
		t.Errorf("message %q does not say how to resume", err)
	}
	var last Progress
	opts = Options{URL: srv.URL, Token: "secret", ResumeAt: ie.Resume, Progress: func(p Progress) { last = p }}
	if err := Run(context.Background(), opts, bytes.NewReader(rec)); err != nil {
		t.Fatal(err)
	}
	if n := len(hub.stored()); n != 301 {
		t.Fatalf("stored %d after resume, want 301", n)
	}
	if last.Duplicates != 0 || last.Accepted != int64(301-first) {
		t.Errorf("resume accepted %d, duplicates %d; want %d, 0 (resume starts at the first unsent event)", last.Accepted, last.Duplicates, 301-first)
	}
}

// outOfOrder is a live feed's recording: in arrival order, with at times
// going back: A 10:00, B 10:05, C 10:03, D 10:06, E 10:01.
func outOfOrder() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for i, m := range []int{0, 5, 3, 6, 1} {
		data, _ := json.Marshal(feed.AlarmReceived{AlarmID: fmt.Sprint("a", i), Category: "criminal", Priority: 2})
		enc.Encode(feed.Event{ID: string(rune('A' + i)), Type: feed.TypeAlarmReceived, Seq: uint64(i + 1),
			At: time.Date(2023, 7, 1, 10, m, 0, 0, zone), District: "chuanhui", Data: data})
	}
	return b.Bytes()
}

// TestResumeSkipsNothingWhenTimesGoBack interrupts after each event of an
// out-of-order recording in turn: the resume sends every event after the
// stop, including those whose time is before the stop's.
func TestResumeSkipsNothingWhenTimesGoBack(t *testing.T) {
	rec := outOfOrder()
	for stopAfter := 1; stopAfter < 5; stopAfter++ {
		t.Run(fmt.Sprint("stopped after ", stopAfter), func(t *testing.T) {
			hub, srv := newFakeHub(t)
			ctx, cancel := context.WithCancel(context.Background())
			opts := Options{URL: srv.URL, Token: "secret", BatchSize: 1, ProgressEvery: time.Nanosecond, Progress: func(p Progress) {
				if p.Sent >= stopAfter {
					cancel()
				}
			}}
			var ie *InterruptedError
			if err := Run(ctx, opts, bytes.NewReader(rec)); !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an interruption", err)
			}
			if ie.Resume.Index != stopAfter || ie.Resume.ID != string(rune('A'+stopAfter)) {
				t.Fatalf("resume at %+v, want event %d", ie.Resume, stopAfter)
			}
			var last Progress
			opts = Options{URL: srv.URL, Token: "secret", BatchSize: 1, ResumeAt: ie.Resume, Progress: func(p Progress) { last = p }}
			if err := Run(context.Background(), opts, bytes.NewReader(rec)); err != nil {
				t.Fatal(err)
			}
			var ids string
			for _, ev := range hub.stored() {
				ids += ev.ID
			}
			if ids != "ABCDE" || last.Duplicates != 0 {
				t.Fatalf("the hub got %s (%d duplicates), want ABCDE in file order and none twice", ids, last.Duplicates)
			}
		})
	}
}

// TestReplayFailureSaysWhereToResume: a hub that refuses for good (here its
// token changed) stops the replay with the position to resume from.
func TestReplayFailureSaysWhereToResume(t *testing.T) {
	hub, srv := newFakeHub(t)
	rec := synthetic(50, time.Minute, false)
	opts := Options{URL: srv.URL, Token: "secret", BatchSize: 10, ProgressEvery: time.Nanosecond, Progress: func(p Progress) {
		if p.Sent == 20 {
			hub.mu.Lock()
			hub.token = "rotated"
			hub.mu.Unlock()
		}
	}}
	err := Run(context.Background(), opts, bytes.NewReader(rec))
	var fe *FailedError
	var he *HubError
	if !errors.As(err, &fe) || !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
		t.Fatalf("err = %#v, want a *FailedError wrapping the 401", err)
	}
	if fe.Resume.Index != 20 || fe.Resume.ID != "ev-00020" || fe.Sent != 20 {
		t.Fatalf("resume at %+v after %d sent, want event 20 after 20", fe.Resume, fe.Sent)
	}
	opts = Options{URL: srv.URL, Token: "rotated", ResumeAt: fe.Resume}
	if err := Run(context.Background(), opts, bytes.NewReader(rec)); err != nil {
		t.Fatal(err)
	}
	if got := hub.stored(); len(got) != 50 || got[20].ID != "ev-00020" {
		t.Fatalf("stored %d, want all 50 in order", len(got))
	}
}

// TestLoopResumeKeepsItsRun stops a loop in its second run and resumes it:
// the rest of run 2 keeps run 2's ids with no second marker (which would
// reset the fold mid-run), and run 3 follows.
func TestLoopResumeKeepsItsRun(t *testing.T) {
	hub, srv := newFakeHub(t)
	rec := synthetic(20, time.Minute, false)
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{URL: srv.URL, Token: "secret", Loop: true, BatchSize: 4, ProgressEvery: time.Nanosecond, Progress: func(p Progress) {
		if p.Run == 2 && p.Sent >= 9 {
			cancel()
		}
	}}
	var ie *InterruptedError
	if err := Run(ctx, opts, bytes.NewReader(rec)); !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an interruption in run 2", err)
	}
	// Run 2 sent three batches of 4: its marker and events 0 to 10.
	if ie.Resume.Run != 2 || ie.Resume.Index != 11 {
		t.Fatalf("resume at %+v, want run 2 event 11", ie.Resume)
	}
	if f := strings.Join(ie.Resume.Flags(), " "); f != "--resume-at 11 --resume-id ev-00011 --resume-run 2" {
		t.Errorf("flags %q", f)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	opts.ResumeAt = ie.Resume
	opts.Progress = func(p Progress) {
		if p.Run == 3 && p.Sent == p.Total {
			cancel()
		}
	}
	if err := Run(ctx, opts, bytes.NewReader(rec)); !errors.As(err, &ie) || ie.Resume.Run != 4 {
		t.Fatalf("err = %v, want an interruption at the start of run 4", err)
	}
	got := hub.stored()
	if len(got) != 20+21+21 {
		t.Fatalf("stored %d events, want 20 + 2 runs of 21", len(got))
	}
	markers := 0
	for i, ev := range got[20:] {
		want := "r2-"
		if i >= 21 {
			want = "r3-"
		}
		if !strings.HasPrefix(ev.ID, want) {
			t.Fatalf("event %d of the loop runs is %s, want prefix %s", i, ev.ID, want)
		}
		if ev.Type == feed.TypeCampaignStarted {
			markers++
		}
	}
	if markers != 2 {
		t.Errorf("%d campaign.started markers for runs 2 and 3, want 2", markers)
	}
	for id, n := range hub.ids {
		if n != 1 {
			t.Errorf("id %s sent %d times", id, n)
		}
	}
}

func TestResumeRefusesAnotherFile(t *testing.T) {
	_, srv := newFakeHub(t)
	rec := synthetic(10, time.Minute, false)
	for _, tc := range []struct {
		at   Position
		want string
	}{
		{Position{Index: 3, ID: "ev-00004"}, "is ev-00003, not ev-00004"},
		{Position{Index: 10}, "has events 0 to 9"},
		{Position{Index: -1}, "has events 0 to 9"},
	} {
		err := Run(context.Background(), Options{URL: srv.URL, Token: "secret", ResumeAt: tc.at}, bytes.NewReader(rec))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("resume at %+v: err = %v, want %q", tc.at, err, tc.want)
		}
	}
}

// fakeClock drives the runner's pacing without real sleeps.
type fakeClock struct {
	t     time.Time
	slept time.Duration
	waits []time.Duration
}

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	c.slept += d
	c.waits = append(c.waits, d)
	return nil
}

func TestReplayPacing(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		step    time.Duration
		speed   float64
		maxWait time.Duration
		want    time.Duration // total wall time slept, about
	}{
		{"an hour of events at 3600x takes a second", 61, time.Minute, 3600, 0, time.Second},
		{"real time keeps real gaps", 3, 10 * time.Minute, 1, 0, 20 * time.Minute},
		{"default campaign speed: a day in about 3s", 1441, time.Minute, 28224, 0, 3061 * time.Millisecond},
		{"quiet stretches are capped", 3, 24 * time.Hour, 28224, 0, 2 * time.Second},
		{"a cap can be set", 5, time.Hour, 60, 2 * time.Second, 8 * time.Second},
		{"max speed does not sleep", 100, time.Hour, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hub, srv := newFakeHub(t)
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			opts := Options{URL: srv.URL, Token: "secret", Speed: tc.speed, MaxWait: tc.maxWait, Tick: time.Nanosecond}
			opts.now, opts.sleep = clk.now, clk.sleep
			if err := Run(context.Background(), opts, bytes.NewReader(synthetic(tc.n, tc.step, false))); err != nil {
				t.Fatal(err)
			}
			if len(hub.stored()) != tc.n {
				t.Fatalf("stored %d, want %d", len(hub.stored()), tc.n)
			}
			if d := clk.slept - tc.want; d < -10*time.Millisecond || d > 10*time.Millisecond {
				t.Errorf("slept %s, want about %s", clk.slept, tc.want)
			}
		})
	}
}

func TestPacerMath(t *testing.T) {
	t0 := time.Date(2023, 6, 25, 0, 0, 0, 0, zone)
	w0 := time.Unix(0, 0)
	p := newPacer(3600, time.Second, t0, w0)
	if got := p.clock(w0.Add(2 * time.Second)); !got.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("clock after 2s at 3600x = %s, want +2h", got)
	}
	if got := p.wait(t0.Add(30*time.Minute), w0); got != 500*time.Millisecond {
		t.Errorf("wait for +30min = %s, want 500ms", got)
	}
	if got := p.wait(t0.Add(10*time.Hour), w0); got != time.Second {
		t.Errorf("wait for +10h = %s, want the 1s cap", got)
	}
	// The cap moved the campaign clock: +10h is due one second later.
	if got := p.clock(w0.Add(time.Second)); !got.Equal(t0.Add(10 * time.Hour)) {
		t.Errorf("clock after the skip = %s, want +10h", got)
	}
	if got := p.wait(t0, w0); got != 0 {
		t.Errorf("wait for a past event = %s, want 0", got)
	}
}

func TestEventsURL(t *testing.T) {
	tests := map[string]string{
		"http://127.0.0.1:8080":      "http://127.0.0.1:8080/v1/events",
		"ws://hub:80":                "http://hub:80/v1/events",
		"wss://hub.example/":         "https://hub.example/v1/events",
		"hub:9000":                   "http://hub:9000/v1/events",
		"http://hub/v1/stream":       "http://hub/v1/events",
		"https://x/custom/v1/events": "https://x/custom/v1/events",
	}
	for in, want := range tests {
		if got, err := EventsURL(in); err != nil || got != want {
			t.Errorf("EventsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func BenchmarkReplayMaxSpeed(b *testing.B) {
	_, srv := newFakeHub(b)
	rec, err := Load(bytes.NewReader(synthetic(20_000, time.Minute, false)))
	if err != nil {
		b.Fatal(err)
	}
	var events int
	for b.Loop() {
		hub := &fakeHub{token: "secret", ids: map[string]int{}}
		srv.Config.Handler = hub
		if err := RunRecording(context.Background(), Options{URL: srv.URL, Token: "secret"}, rec); err != nil {
			b.Fatal(err)
		}
		events += rec.Len()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func newGzip(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }

func TestLoad(t *testing.T) {
	long := strings.Repeat("长", 700_000) // a line far longer than the read buffer
	tests := []struct {
		name, in string
		n        int
		err      string
	}{
		{"no final newline", `{"id":"a","type":"x","at":"2023-06-25T00:00:00+08:00","district":"d"}`, 1, ""},
		{"blank lines and CRLF", "\n\r\n" + `{"id":"a","type":"x","at":"2023-06-25T00:00:00+08:00","district":"d"}` + "\r\n\n", 1, ""},
		{"keys in another order", `{"data":{"at":"1999-01-01T00:00:00Z"},"district":"d","at":"2023-06-25T00:00:00+08:00","type":"x","id":"a"}`, 1, ""},
		{"a recorded line with seq", `{"seq":7,"id":"a","type":"x","at":"2023-06-25T00:00:00+08:00","district":"d"}`, 1, ""},
		{"very long line", `{"id":"a","type":"x","at":"2023-06-25T00:00:00+08:00","district":"d","data":{"summary":"` + long + `"}}`, 1, ""},
		{"bad JSON names its line", `{"id":"a","type":"x","at":"2023-06-25T00:00:00+08:00","district":"d"}` + "\n{oops\n", 0, "line 2"},
		{"no time", `{"id":"a","type":"x","district":"d"}`, 0, "needs an id and an at time"},
		{"empty", "\n\n", 0, "no events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := Load(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Len() != tc.n || !rec.First().Equal(time.Date(2023, 6, 25, 0, 0, 0, 0, zone)) {
				t.Fatalf("loaded %d events from %s", rec.Len(), rec.First())
			}
		})
	}
}

// TestReplayErrorsHideToken: a hub address carrying a secret (?token=,
// user:pass@) or the ingest token itself never appears in the error or
// the retry warnings, whatever net/http quotes.
func TestReplayErrorsHideToken(t *testing.T) {
	const secret = "ingest-secret-4242"
	_, srv := newFakeHub(t)
	rec := synthetic(5, time.Minute, false)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"network down", Options{URL: "http://u:" + secret + "@127.0.0.1:1/?token=" + secret, Token: secret, MaxAttempts: 2}},
		{"wrong path", Options{URL: srv.URL + "/nothing?token=" + secret, Token: "secret"}},
		{"bad scheme", Options{URL: "ftp://x/?token=" + secret, Token: secret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			opts := fastRetry(tc.opts)
			opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			err := Run(context.Background(), opts, bytes.NewReader(rec))
			if err == nil {
				t.Fatal("replay succeeded")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
				t.Fatalf("secret shown:\nerr: %v\nlog: %s", err, logs.String())
			}
		})
	}
}

// withAck is synthetic(n, step) with an acknowledgement of the first
// alarm after event ackAfter, dated at.
func withAck(n int, step time.Duration, ackAfter int, at time.Time) []byte {
	lines := bytes.SplitAfter(synthetic(n, step, false), []byte("\n"))
	data, _ := json.Marshal(feed.AlertAcknowledged{AlertID: "ev-00000", By: "川汇值班台"})
	ack, _ := json.Marshal(feed.Event{ID: feed.AckEventID("ev-00000", 1), Type: feed.TypeAlertAcknowledged, At: at, District: "chuanhui", Data: data})
	var b bytes.Buffer
	for i, l := range lines {
		b.Write(l)
		if i == ackAfter {
			b.Write(append(ack, '\n'))
		}
	}
	return b.Bytes()
}

// TestReplayLoopKeepsAcknowledgements: a later run renames every event id,
// so the acknowledgement must name the alert by its renamed id, or the
// fold finds no such alert and every run after the first loses its acks.
func TestReplayLoopKeepsAcknowledgements(t *testing.T) {
	hub, srv := newFakeHub(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := Options{URL: srv.URL, Token: "secret", Loop: true, BatchSize: 7, ProgressEvery: time.Nanosecond, Progress: func(p Progress) {
		if p.Run == 2 && p.Sent == p.Total {
			cancel()
		}
	}}
	t0 := time.Date(2023, 6, 25, 0, 0, 0, 0, zone)
	_ = Run(ctx, opts, bytes.NewReader(withAck(5, time.Minute, 2, t0.Add(3*time.Minute))))
	alerts := map[string]string{} // ack event id -> the alert it names
	for _, ev := range hub.stored() {
		if ev.Type == feed.TypeAlertAcknowledged {
			p, err := feed.Decode[feed.AlertAcknowledged](ev)
			if err != nil {
				t.Fatal(err)
			}
			alerts[ev.ID] = p.AlertID
		}
	}
	// The recorded hub's own id (hub:) is not a publisher's: replay sends
	// it under rec:, which the hub takes.
	want := map[string]string{"rec:ack:1:ev-00000": "ev-00000", "r2-rec:ack:1:ev-00000": "r2-ev-00000"}
	if fmt.Sprint(alerts) != fmt.Sprint(want) {
		t.Errorf("acknowledgements name %v, want %v", alerts, want)
	}
}

// TestReplayPacingIgnoresAckTimes: an acknowledgement's time is the board's
// act, not the campaign's clock (campaign.MovesClock); one dated years
// ahead (the hub's wall clock on a replayed hub) must not stall the replay
// nor make the pacer jump, which would send the rest of the recording at
// once.
func TestReplayPacingIgnoresAckTimes(t *testing.T) {
	hub, srv := newFakeHub(t)
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	opts := Options{URL: srv.URL, Token: "secret", Speed: 60, Tick: time.Nanosecond}
	opts.now, opts.sleep = clk.now, clk.sleep
	far := time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	if err := Run(context.Background(), opts, bytes.NewReader(withAck(4, time.Minute, 1, far))); err != nil {
		t.Fatal(err)
	}
	if got := len(hub.stored()); got != 5 {
		t.Fatalf("stored %d, want 5", got)
	}
	// Three minutes of campaign at 60x: three seconds, as without the ack.
	if d := clk.slept - 3*time.Second; d < -10*time.Millisecond || d > 10*time.Millisecond {
		t.Errorf("slept %s, want about 3s", clk.slept)
	}
}
