package hub_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

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
		"sitboard_boards_dropped_total":    "counter",
		"sitboard_ingest_duration_seconds": "histogram",
		"sitboard_delivery_lag_seconds":    "histogram",
		"sitboard_ring_events":             "gauge",
		"sitboard_ring_bytes":              "gauge",
		"go_goroutines":                    "gauge",
		"process_resident_memory_bytes":    "gauge",
	} {
		if got[name] != typ {
			t.Errorf("/metrics: %s has type %q, want %q", name, got[name], typ)
		}
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
	if got := metric(t, s.URL, "sitboard_delivery_lag_seconds_count"); got == "0" {
		t.Fatal("a batch reached a board but the delivery lag histogram has no observation")
	}
}
