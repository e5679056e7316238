package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// exportedMetrics reads /metrics into a map from each family name to its
// TYPE line's type.
func exportedMetrics(t *testing.T, url string) map[string]string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	types := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
		}
	}
	return types
}

// TestMetricNamesKept: dashboards and alerts in the field use these names;
// renaming one silently breaks them.
func TestMetricNamesKept(t *testing.T) {
	s := hubtest.Start(t, nil)
	got := exportedMetrics(t, s.URL)
	for name, typ := range map[string]string{
		// The names the hand-written exporter had.
		"sitboard_ingest_requests_total":        "counter",
		"sitboard_events_ingested_total":        "counter",
		"sitboard_events_duplicate_total":       "counter",
		"sitboard_events_invalid_total":         "counter",
		"sitboard_ingest_rejected_total":        "counter",
		"sitboard_ingest_batch_fallbacks_total": "counter",
		"sitboard_stream_rejected_total":        "counter",
		"sitboard_subscribers":                  "gauge",
		"sitboard_subscriber_queued_bytes":      "gauge",
		"sitboard_stream_connections_total":     "counter",
		"sitboard_deliveries_total":             "counter",
		"sitboard_frames_total":                 "counter",
		"sitboard_slow_consumer_closes_total":   "counter",
		"sitboard_snapshots_sent_total":         "counter",
		"sitboard_resumes_ring_total":           "counter",
		"sitboard_resumes_log_total":            "counter",
		"sitboard_fold_seq":                     "gauge",
		"sitboard_log_head_seq":                 "gauge",
		"sitboard_log_lag":                      "gauge",
		"sitboard_log_up":                       "gauge",
		// Added with client_golang.
		"sitboard_boards_dropped_total":           "counter",
		"sitboard_ingest_duration_seconds":        "histogram",
		"sitboard_delivery_lag_seconds":           "histogram",
		"sitboard_ring_events":                    "gauge",
		"sitboard_ring_bytes":                     "gauge",
		"sitboard_http_connections_refused_total": "counter",
		"go_goroutines":                           "gauge",
		"go_sched_latencies_seconds":              "histogram",
		"process_resident_memory_bytes":           "gauge",
	} {
		if got[name] != typ {
			t.Errorf("/metrics: %s has type %q, want %q", name, got[name], typ)
		}
	}
}

// TestMetricsAreDocumented: operations.md sends operators to the list in
// docs/protocol.md, so every sitboard_ family the hub exports is named there.
func TestMetricsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	s := hubtest.Start(t, nil)
	named := 0
	for name := range exportedMetrics(t, s.URL) {
		if !strings.HasPrefix(name, "sitboard_") {
			continue
		}
		named++
		// Named alone (`name`) or with its labels (`name{reason=...}`).
		if !regexp.MustCompile("`" + name + "[`{]").Match(doc) {
			t.Errorf("/metrics exports %s, but docs/protocol.md's list of metrics does not name it", name)
		}
	}
	if named == 0 {
		t.Fatal("/metrics exported no sitboard_ metric")
	}
}

// TestIngestLatencyObserved: every 202 is one observation of the ingest
// histogram; a refused POST is not.
func TestIngestLatencyObserved(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "lat", 0, 3))
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "lat", 3, 3))
	_, _, _ = hubtest.PostRaw(s.URL, "bad", "application/json", []byte("[]"))
	if got := metric(t, s.URL, "sitboard_ingest_duration_seconds_count"); got != "2" {
		t.Fatalf("ingest histogram count %s, want 2", got)
	}
}

// TestDeliveryLagObserved: each batch a board receives is one observation
// of the fold-to-board histogram.
func TestDeliveryLagObserved(t *testing.T) {
	s := hubtest.Start(t, nil)
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello("", 0)
	c.mustNext() // snapshot
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "lag", 0, 5))
	c.collect(0, 5)
	// The hub counts a frame after its last byte is in the socket, which
	// the board may read first: wait for the count.
	waitMetric(t, s.URL, "sitboard_delivery_lag_seconds_count", func(v string) bool { return v != "0" })
}

// waitMetric polls /metrics until name's value satisfies ok.
func waitMetric(t *testing.T, url, name string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := metric(t, url, name)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed at %s", name, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDashboardMetricsExist: every metric deploy/grafana/sitboard-hub.json
// charts is one the hub exports, so a rename cannot leave an empty panel.
func TestDashboardMetricsExist(t *testing.T) {
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Query any `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	readDashboard(t, &dash)
	s := hubtest.Start(t, nil)
	exported := exportedMetrics(t, s.URL)
	has := func(name string) bool {
		if exported[name] != "" {
			return true
		}
		// A histogram's series are name_bucket, name_sum and name_count.
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && exported[base] == "histogram" {
				return true
			}
		}
		return false
	}
	metricName := regexp.MustCompile(`\b((?:sitboard|go|process)_[a-z0-9_]+)\b`)
	var exprs []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(string); ok {
			exprs = append(exprs, q)
		}
	}
	checked := 0
	for _, e := range exprs {
		for _, m := range metricName.FindAllStringSubmatch(e, -1) {
			checked++
			if !has(m[1]) {
				t.Errorf("the dashboard queries %s, which the hub does not export (in %s)", m[1], e)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("found only %d metric names in the dashboard; is the test reading the right fields?", checked)
	}
}

// readDashboard decodes deploy/grafana/sitboard-hub.json into v, the
// fields a test looks at.
func readDashboard(t *testing.T, v any) {
	t.Helper()
	raw, err := os.ReadFile("../../deploy/grafana/sitboard-hub.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("the dashboard is not valid JSON: %v", err)
	}
}

// TestDashboardPanelsDoNotOverlap: Grafana draws panels whose gridPos
// overlap on top of each other, so one hides the other on the wall.
func TestDashboardPanelsDoNotOverlap(t *testing.T) {
	var dash struct {
		Panels []struct {
			Title   string                   `json:"title"`
			GridPos struct{ X, Y, W, H int } `json:"gridPos"`
		} `json:"panels"`
	}
	readDashboard(t, &dash)
	for i, a := range dash.Panels {
		if a.GridPos.W <= 0 || a.GridPos.H <= 0 || a.GridPos.X < 0 || a.GridPos.X+a.GridPos.W > 24 {
			t.Errorf("panel %q has gridPos %+v, outside Grafana's 24 columns or empty", a.Title, a.GridPos)
		}
		for _, b := range dash.Panels[i+1:] {
			ga, gb := a.GridPos, b.GridPos
			if ga.X < gb.X+gb.W && gb.X < ga.X+ga.W && ga.Y < gb.Y+gb.H && gb.Y < ga.Y+ga.H {
				t.Errorf("panels %q %+v and %q %+v overlap", a.Title, ga, b.Title, gb)
			}
		}
	}
}

// stuckInfo is a log whose stream info requests hang, as they do on a
// NATS node that accepts the request and never answers, until release.
type stuckInfo struct {
	jetstream.Stream
	stuck   atomic.Bool
	waiting atomic.Int32
	release chan struct{}
}

func (s *stuckInfo) Info(ctx context.Context, opts ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	if s.stuck.Load() {
		s.waiting.Add(1)
		<-s.release // deaf to ctx, as a hung request is until its timeout
		s.waiting.Add(-1)
	}
	return s.Stream.Info(ctx, opts...)
}

// TestScrapeDoesNotWaitForTheLog: while the log does not answer stream
// info requests, a /metrics scrape answers at once from what the
// watchdog knows, and ingest and fan-out go on meanwhile. Before, every
// scrape asked the log itself and waited on it.
func TestScrapeDoesNotWaitForTheLog(t *testing.T) {
	log := &stuckInfo{release: make(chan struct{})}
	s := hubtest.Start(t, func(o *hub.Options) {
		hub.WrapStream(o, func(st jetstream.Stream) jetstream.Stream { log.Stream = st; return log })
	})
	released := false
	release := func() {
		if !released {
			released = true
			close(log.release)
		}
	}
	t.Cleanup(release) // before the hub closes: cleanups run last first
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello("", 0)
	c.mustNext() // snapshot
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "stuck", 0, 5))
	c.collect(0, 5)
	waitHealth(t, s.URL, "seeing the head", func(_ int, body map[string]any) bool { return body["log_head_seq"] == 5.0 })

	log.stuck.Store(true)
	// The watchdog's next look hangs: the log is now as a dead node's.
	for deadline := time.Now().Add(10 * time.Second); log.waiting.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watchdog never asked the log")
		}
	}
	// A scrape waiting on the log would be cut by this timeout (the log
	// stays stuck until the test ends): progress, not timing.
	client := &http.Client{Timeout: 15 * time.Second}
	scrape := func() map[string]string {
		resp, err := client.Get(s.URL + "/metrics")
		if err != nil {
			t.Errorf("/metrics did not answer while the log hung (%d requests waiting on the log): %v", log.waiting.Load(), err)
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		values := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 {
				values[f[0]] = f[1]
			}
		}
		return values
	}
	// Scrapes and ingest at once: ingest and fan-out go on.
	done := make(chan struct{})
	go func() {
		defer close(done)
		scrape()
	}()
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "stuck", 5, 5))
	c.collect(5, 10)
	<-done
	got := scrape()
	if t.Failed() {
		t.FailNow()
	}
	if log.waiting.Load() == 0 {
		t.Fatal("the log answered meanwhile; the test proves nothing")
	}
	// The watchdog saw head 5; the log holds at least what was folded.
	for name, want := range map[string]string{"sitboard_fold_seq": "10", "sitboard_log_head_seq": "10", "sitboard_log_lag": "0", "sitboard_log_up": "1"} {
		if got[name] != want {
			t.Errorf("%s = %q, want %s", name, got[name], want)
		}
	}
	release()
}
