package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/report"
)

func getReport(t *testing.T, url, query, token string) (int, http.Header, []byte) {
	t.Helper()
	return getWithToken(t, url+"/v1/reports?"+query, token)
}

// getWithToken sends GET url with the token as a bearer (none when empty)
// and returns the status, headers and body.
func getWithToken(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// TestReportsEndpoint: GET /v1/reports serves the bulletin a History folded
// from the same events gives, as JSON, HTML and Markdown, with the read
// token; it follows events appended later, and refuses what it cannot answer
// with a status and a message.
func TestReportsEndpoint(t *testing.T) {
	s := hubtest.Start(t, nil)
	cfg := s.Cfg
	// The shipped recording's first days are enough to fill two campaign
	// weeks: take the events dated on days 1–9.
	var evs []feed.Event
	rc, err := feed.OpenRecording("../../demo/recordings/summer-action-2023.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	err = feed.ScanEvents(rc, func(ev feed.Event) error {
		if cfg.Day(ev.At) <= 9 {
			evs = append(evs, ev)
		}
		return nil
	})
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	first, rest := evs[:len(evs)*3/4], evs[len(evs)*3/4:]
	post := func(batch []feed.Event) {
		for i := 0; i < len(batch); i += 2000 {
			hubtest.Post(t, s.URL, batch[i:min(i+2000, len(batch))])
		}
	}
	post(first)
	s.WaitSeq(t, uint64(len(first)))

	local := func(n int, kind, date string) *report.Bulletin {
		h := campaign.NewHistory(cfg)
		for i, ev := range evs[:n] {
			ev.Seq = uint64(i + 1)
			h.Apply(ev)
		}
		when, _ := report.ParseDate(cfg, date)
		b, err := report.Build(h, report.Request{Kind: kind, Date: when})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	check := func(n int, query, kind, date string) {
		t.Helper()
		code, hdr, body := getReport(t, s.URL, query, hubtest.ReadToken)
		if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: status %d, %s: %s", query, code, hdr.Get("Content-Type"), body)
		}
		want, _ := json.Marshal(local(n, kind, date))
		var got bytes.Buffer
		json.Compact(&got, body)
		if got.String() != string(want) {
			t.Errorf("%s: the hub's bulletin differs from one built from the same events\n got %.400s\nwant %.400s", query, got.String(), want)
		}
	}
	check(len(first), "period=week&date=2023-06-27&format=json", campaign.PeriodWeek, "2023-06-27")

	// Events appended after the first request are in the next one.
	post(rest)
	s.WaitSeq(t, uint64(len(evs)))
	check(len(evs), "period=week&date=2023-07-03&format=json", campaign.PeriodWeek, "2023-07-03")
	check(len(evs), "period=campaign&format=json", campaign.PeriodCampaign, "")

	code, hdr, body := getReport(t, s.URL, "period=week&date=2023-06-27&format=html", hubtest.ReadToken)
	if code != http.StatusOK || hdr.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(body, []byte("夏季行动周通报")) || !bytes.Contains(body, []byte("第1期")) || !bytes.Contains(body, []byte("<svg")) {
		t.Errorf("html: status %d, %s, %.200s", code, hdr.Get("Content-Type"), body)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("html: Content-Security-Policy %q, want default-src 'none'", csp)
	}
	code, hdr, body = getReport(t, s.URL, "period=day&date=2023-06-26&format=md&lang=en", hubtest.ReadToken)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/markdown") || !bytes.Contains(body, []byte("# Summer Action: Daily update")) {
		t.Errorf("md: status %d, %s, %.200s", code, hdr.Get("Content-Type"), body)
	}

	refusals := []struct {
		query, token, want string
		code               int
	}{
		{"period=week", "", "read token", http.StatusUnauthorized},
		{"period=week", "wrong", "read token", http.StatusUnauthorized},
		{"format=html", hubtest.ReadToken, "no period", http.StatusBadRequest},
		{"period=fortnight", hubtest.ReadToken, "use one of day, week", http.StatusBadRequest},
		{"period=week&format=pdf", hubtest.ReadToken, "use html, md, text or json", http.StatusBadRequest},
		{"period=week&lang=fr", hubtest.ReadToken, "use zh or en", http.StatusBadRequest},
		{"period=day&date=next-tuesday", hubtest.ReadToken, "give a date like", http.StatusBadRequest},
		{"period=day&date=2023-10-01", hubtest.ReadToken, "outside the campaign", http.StatusBadRequest},
		{"period=day&date=2023-08-12", hubtest.ReadToken, "no data for 2023-08-12 yet", http.StatusNotFound},
	}
	for _, r := range refusals {
		code, _, body := getReport(t, s.URL, r.query, r.token)
		if code != r.code || !strings.Contains(string(body), r.want) {
			t.Errorf("%s (token %q): status %d %s; want %d and %q", r.query, r.token, code, body, r.code, r.want)
		}
	}
}

// gatedLog holds back the events of the log reads that bulletins (and
// resumes) make, one message at a time, while its gate is shut; with
// reader set it holds the hub's own reader (a Consume) instead. It
// records where each read for bulletins or resumes started.
type gatedLog struct {
	jetstream.Stream
	reader  bool
	mu      sync.Mutex
	cond    *sync.Cond
	allow   int // messages that may still pass; negative: the gate is open
	waiting int // reads held at the gate now
	starts  []uint64
}

func newGatedLog() *gatedLog {
	g := &gatedLog{allow: -1}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// let lets n more messages through (negative: all, for good).
func (g *gatedLog) let(n int) {
	g.mu.Lock()
	if n < 0 || g.allow < 0 {
		g.allow = n
	} else {
		g.allow += n
	}
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *gatedLog) pass() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.allow == 0 {
		g.waiting++
		g.cond.Wait()
		g.waiting--
	}
	if g.allow > 0 {
		g.allow--
	}
}

// waitHeld waits until a read is held at the shut gate.
func (g *gatedLog) waitHeld(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		g.mu.Lock()
		held := g.waiting > 0 && g.allow == 0
		g.mu.Unlock()
		if held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no log read reached the gate")
		}
	}
}

func (g *gatedLog) readStarts() []uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]uint64(nil), g.starts...)
}

func (g *gatedLog) OrderedConsumer(ctx context.Context, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	c, err := g.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &gatedConsumer{Consumer: c, log: g, start: cfg.OptStartSeq}, nil
}

type gatedConsumer struct {
	jetstream.Consumer
	log   *gatedLog
	start uint64
}

func (c *gatedConsumer) Consume(handler jetstream.MessageHandler, opts ...jetstream.PullConsumeOpt) (jetstream.ConsumeContext, error) {
	if !c.log.reader {
		return c.Consumer.Consume(handler, opts...)
	}
	return c.Consumer.Consume(func(msg jetstream.Msg) {
		c.log.pass()
		handler(msg)
	}, opts...)
}

func (c *gatedConsumer) Messages(opts ...jetstream.PullMessagesOpt) (jetstream.MessagesContext, error) {
	if c.log.reader {
		return c.Consumer.Messages(opts...)
	}
	m, err := c.Consumer.Messages(opts...)
	if err != nil {
		return nil, err
	}
	c.log.mu.Lock()
	c.log.starts = append(c.log.starts, c.start)
	c.log.mu.Unlock()
	return &gatedMessages{MessagesContext: m, log: c.log}, nil
}

type gatedMessages struct {
	jetstream.MessagesContext
	log *gatedLog
}

func (m *gatedMessages) Next(opts ...jetstream.NextOpt) (jetstream.Msg, error) {
	m.log.pass()
	return m.MessagesContext.Next(opts...)
}

// startGatedHub runs a hub whose log reads for bulletins go through a
// gate, and which answers 503 after wait.
func startGatedHub(t *testing.T, wait time.Duration) (*hubtest.Server, *gatedLog) {
	g := newGatedLog()
	s := hubtest.Start(t, func(o *hub.Options) {
		hub.WrapStream(o, func(st jetstream.Stream) jetstream.Stream { g.Stream = st; return g })
		hub.ReportWait(o, wait)
	})
	t.Cleanup(func() { g.let(-1) }) // before the hub closes
	return s, g
}

// TestAbandonedReportRequestKeepsTheCache: a client that goes away while
// its bulletin's fold reads the log throws nothing away: the next request
// folds only what is new. Before, any read error, a client gone included,
// dropped the cache, and the next request folded the whole log again (50
// abandoned requests a second took bulletins from 5 ms to 4.1 s).
func TestAbandonedReportRequestKeepsTheCache(t *testing.T) {
	s, g := startGatedHub(t, time.Minute) // no 503 for a slow machine: these tests are not about it
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "rc", 0, 1000))
	s.WaitSeq(t, 1000)
	if code, _, body := getReport(t, s.URL, "period=campaign&format=json", hubtest.ReadToken); code != http.StatusOK {
		t.Fatalf("first bulletin: %d %s", code, body)
	}
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "rc", 1000, 500))
	s.WaitSeq(t, 1500)

	// A client asks through a server that tells the test when the hub's
	// handler sees the client gone, then gives up while the fold waits.
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		go func() { <-r.Context().Done(); close(gone) }()
		s.Hub.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	g.let(0)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/reports?period=campaign&format=json", nil)
	req.Header.Set("Authorization", "Bearer "+hubtest.ReadToken)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	g.waitHeld(t)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("the abandoned request was answered")
	}
	<-gone
	g.let(-1)

	code, _, body := getReport(t, s.URL, "period=campaign&format=json", hubtest.ReadToken)
	var b report.Bulletin
	if code != http.StatusOK || json.Unmarshal(body, &b) != nil {
		t.Fatalf("after an abandoned request: %d %.300s", code, body)
	}
	if b.Seq != 1500 {
		t.Errorf("bulletin at seq %d, want 1500", b.Seq)
	}
	// The first fold read from seq 1, the second from 1001, and nothing
	// read from the start again.
	if starts := g.readStarts(); len(starts) != 2 || starts[0] != 1 || starts[1] != 1001 {
		t.Errorf("log reads started at %v, want [1 1001]: the abandoned request threw the cache away", starts)
	}
}

// TestSlowFirstReportFoldRunsOnce: a first fold that takes longer than a
// request may wait runs once in the background. Requests meanwhile get
// 503 with Retry-After and the fold's progress, and a 200 once it is done.
// Before, each request waited for a fold of its own, which a client's
// timeout (sitboard report's is 30 s) cancelled and threw away, so a fold
// longer than that never completed.
func TestSlowFirstReportFoldRunsOnce(t *testing.T) {
	s, g := startGatedHub(t, 100*time.Millisecond)
	const n = 3000
	for i := 0; i < n; i += 1000 {
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "slow", i, 1000))
	}
	s.WaitSeq(t, n)
	g.let(1100) // part of the log, then the fold waits
	client := &http.Client{Timeout: 20 * time.Second}
	get := func() (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/reports?period=campaign&format=json", nil)
		req.Header.Set("Authorization", "Bearer "+hubtest.ReadToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET /v1/reports while the first fold is slow: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, body
	}
	get() // starts the fold
	g.waitHeld(t)
	code, hdr, body := get()
	var p hub.FoldProgress
	if code != http.StatusServiceUnavailable || json.Unmarshal(body, &p) != nil {
		t.Fatalf("while folding: %d %s, want 503 with the fold's progress", code, body)
	}
	if secs, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After %q, want whole seconds", hdr.Get("Retry-After"))
	}
	if p.Fold != "reports" || p.Seq == 0 || p.Seq >= n || p.Of != n || !strings.Contains(p.Error, fmt.Sprintf("seq %d of %d", p.Seq, n)) {
		t.Errorf("progress %+v, want reports, part of %d, and the error saying so", p, n)
	}

	g.let(-1)
	last := p.Seq
	for deadline := time.Now().Add(10 * time.Second); ; {
		code, _, body = get()
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || json.Unmarshal(body, &p) != nil || p.Seq < last {
			t.Fatalf("while folding: %d %s", code, body)
		}
		if p.Seq > last {
			last, deadline = p.Seq, time.Now().Add(10*time.Second)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fold stopped at %d of %d", p.Seq, n)
		}
	}
	var b report.Bulletin
	if err := json.Unmarshal(body, &b); err != nil || b.Seq != n {
		t.Fatalf("bulletin at seq %d (%v), want %d", b.Seq, err, n)
	}
	if starts := g.readStarts(); len(starts) != 1 || starts[0] != 1 {
		t.Errorf("log reads started at %v, want one fold from seq 1", starts)
	}
}

// TestConcurrentReportRequestsFoldOnce: many requests for bulletins while
// events arrive share one History: the log is read from its start once,
// never again because one request's view of the hub's seq was older than
// what another's fold had reached.
func TestConcurrentReportRequestsFoldOnce(t *testing.T) {
	s, g := startGatedHub(t, time.Minute) // no 503 for a slow machine: these tests are not about it
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "many", 0, 2000))
	s.WaitSeq(t, 2000)
	stop := make(chan struct{})
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := hubtest.TryPost(s.URL, hubtest.Events(s.Cfg, "more", i*5, 5)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for served := 0; served < 10; {
				req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/reports?period=campaign&format=json", nil)
				req.Header.Set("Authorization", "Bearer "+hubtest.ReadToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					served++
				case http.StatusServiceUnavailable: // the fold outlasted the wait (a loaded machine): ask again
				default:
					t.Errorf("status %d: %.200s", resp.StatusCode, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-posted
	fromStart := 0
	for _, seq := range g.readStarts() {
		if seq == 1 {
			fromStart++
		}
	}
	if fromStart != 1 {
		t.Errorf("the log was read from its start %d times for bulletins, want once (reads started at %v)", fromStart, g.readStarts())
	}
}

// BenchmarkReportWhileClientsGiveUp: GET /v1/reports (the campaign
// bulletin) on a hub holding SITBOARD_BENCH_LOG events (default 50000)
// while events keep arriving (10 every 50 ms) and 50 requests a second
// give up after 2 ms. ms/op is one bulletin for a client that waits.
// Before, each request given up during its fold threw the History away,
// and the next bulletin folded the whole log again (the issue: 5 ms to
// 4.1 s).
func BenchmarkReportWhileClientsGiveUp(b *testing.B) {
	n := envInt("SITBOARD_BENCH_LOG", 50000)
	s := hubtest.Start(b, nil)
	for i := 0; i < n; i += 5000 {
		hubtest.Post(b, s.URL, hubtest.Events(s.Cfg, "bulk", i, min(5000, n-i)))
	}
	s.WaitSeq(b, uint64(n))
	client := &http.Client{Timeout: 2 * time.Minute}
	get := func(ctx context.Context) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/v1/reports?period=campaign&format=json", nil)
		req.Header.Set("Authorization", "Bearer "+hubtest.ReadToken)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for code := 0; code != http.StatusOK; {
		var err error
		if code, err = get(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	every := func(d time.Duration, f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(d)
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-t.C:
					f(i)
				}
			}
		}()
	}
	every(50*time.Millisecond, func(i int) { _, _ = hubtest.TryPost(s.URL, hubtest.Events(s.Cfg, "live", i*10, 10)) })
	every(20*time.Millisecond, func(int) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
			defer cancel()
			_, _ = get(ctx)
		}()
	})
	busy := 0
	for b.Loop() {
		code, err := get(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if code == http.StatusServiceUnavailable {
			busy++
		} else if code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
	}
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(busy)/float64(b.N), "503/op")
}
