package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkIngest posts batches of 500 events over HTTP into a file store,
// for each --sync setting. Reports events/s.
func BenchmarkIngest(b *testing.B) {
	for _, sync := range []string{"always", "2m"} {
		b.Run("sync="+sync, func(b *testing.B) {
			s := hubtest.Start(b, func(o *hub.Options) { o.DataDir = b.TempDir(); o.Sync = sync })
			const per = 500
			batches := make([][]byte, 0, 64)
			i := 0
			for b.Loop() {
				if len(batches) == 0 {
					// Pre-encode off the clock so the number is the hub's.
					b.StopTimer()
					for range 64 {
						body, _ := json.Marshal(hubtest.Events(s.Cfg, "bench"+strconv.Itoa(i), 0, per))
						batches = append(batches, body)
						i++
					}
					b.StartTimer()
				}
				body := batches[len(batches)-1]
				batches = batches[:len(batches)-1]
				code, out, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
				if err != nil || code != 202 {
					b.Fatalf("%d %s %v", code, out, err)
				}
			}
			b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkSmallPosts is the live feed's shape: one request per event or
// per handful of events, each answered only once durable. ns/op is the
// time to a 202 for one request; with --sync always that is mostly fsync.
func BenchmarkSmallPosts(b *testing.B) {
	for _, sync := range []string{"always", "2m"} {
		for _, per := range []int{1, 10, 50} {
			b.Run("sync="+sync+"/per="+strconv.Itoa(per), func(b *testing.B) {
				s := hubtest.Start(b, func(o *hub.Options) { o.DataDir = b.TempDir(); o.Sync = sync })
				i := 0
				for b.Loop() {
					b.StopTimer()
					body, _ := json.Marshal(hubtest.Events(s.Cfg, "small", i, per))
					i += per
					b.StartTimer()
					code, out, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
					if err != nil || code != 202 {
						b.Fatalf("%d %s %v", code, out, err)
					}
				}
				b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// benchHubEnv makes the test binary run the fan-out benchmark's hub, so the
// hub's CPU, memory and scheduling are its own and not the subscribers'.
const benchHubEnv = "SITBOARD_HUBTEST_BENCH_HUB"

// runBenchHub is the hub process of BenchmarkFanout: the production
// handler plus pprof, configured from the environment:
// SITBOARD_BENCH_STORE (memory, the default, or file), SITBOARD_BENCH_SYNC
// (with file; default always) and SITBOARD_BENCH_LINGER (a duration).
func runBenchHub(dir string) {
	if os.Getenv("SITBOARD_BENCH_BARE") != "" {
		runBareBroadcast(dir)
		return
	}
	opts := hub.Options{Campaign: hubtest.Campaign(nil), IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken}
	if os.Getenv("SITBOARD_BENCH_STORE") == "file" {
		opts.DataDir = filepath.Join(dir, "data")
		opts.Sync = os.Getenv("SITBOARD_BENCH_SYNC")
	}
	opts.JoinsInFlight = envInt("SITBOARD_BENCH_JOIN_SLOTS", 0) // -1: no cap
	if d, err := time.ParseDuration(os.Getenv("SITBOARD_BENCH_LINGER")); err == nil {
		opts.BatchLinger = d
	}
	h, err := hub.New(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench hub:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench hub:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	serveChild(dir, ln, mux)
}

// procCPU is a process's user+system CPU time so far, from /proc/PID/stat
// (in clock ticks of 10ms, USER_HZ on Linux).
func procCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14 and stime 15.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	ut, _ := strconv.ParseInt(f[14-3], 10, 64)
	st, _ := strconv.ParseInt(f[15-3], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// machineCPU is the CPU time every core spent busy so far, from /proc/stat.
func machineCPU(b *testing.B) time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 {
			continue // idle, iowait; guest time is already in user
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * 10 * time.Millisecond
}

// procMem is a process's resident memory now and at its peak, in KiB.
func procMem(b testing.TB, pid int) (rss, hwm int) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.Atoi(f[1])
		case "VmHWM:":
			hwm, _ = strconv.Atoi(f[1])
		}
	}
	return rss, hwm
}

func deliveries(b *testing.B, url string) float64 {
	return metricF(b, url, "sitboard_deliveries_total")
}

func metricF(b testing.TB, url, name string) float64 {
	v, err := strconv.ParseFloat(metric(b, url, name), 64)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// metricValue reads one metric from the hub's /metrics: its value, and
// whether the hub exports it.
func metricValue(tb testing.TB, url, name string) (string, bool) {
	tb.Helper()
	body, err := httpGet(url + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			return f[1], true
		}
	}
	return "", false
}

// BenchmarkStartupFold builds a file-store log of SITBOARD_BENCH_LOG events
// (default 50000; 300000 for the figure), then measures hub.New on
// it: the fold from the log at start-up. Reports events/s and the snapshot
// size.
func BenchmarkStartupFold(b *testing.B) {
	n := envInt("SITBOARD_BENCH_LOG", 50000)
	dir := b.TempDir()
	cfg := hubtest.Campaign(b)
	opts := hub.Options{Campaign: cfg, DataDir: dir, Sync: "1m", IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken}
	h, err := hub.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	for i := 0; i < n; i += 5000 {
		hubtest.Post(b, srv.URL, hubtest.Events(cfg, "fold", i, min(5000, n-i)))
	}
	srv.Close()
	_ = h.Close()
	var size int
	for b.Loop() {
		h, err := hub.New(opts)
		if err != nil {
			b.Fatal(err)
		}
		if h.Seq() != uint64(n) {
			b.Fatalf("folded %d, want %d", h.Seq(), n)
		}
		b.StopTimer()
		_, _, st := h.Snapshot()
		js, _ := json.Marshal(st)
		size = len(js)
		_ = h.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(size)/1024, "snapshot-KB")
	b.ReportMetric(float64(n), "log-events")
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// metricOr reads a metric, or gives def when the hub does not export it
// (a hub from before it, measured for comparison).
func metricOr(b *testing.B, url, name string, def float64) float64 {
	if v, ok := metricValue(b, url, name); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return def
}

// slowRuns counts the hub's goroutine runs so far, and those that waited
// more than about 10 ms for a core, from go_sched_latencies_seconds (the
// Go runtime samples one run in eight; the collector's bucket ends at
// 10.49 ms). Their difference over a run is how saturated the hub was: on
// a shared machine, the live latency follows it. Both are 0 when the hub
// does not export that bucket.
func slowRuns(b *testing.B, url string) (all, slow float64) {
	body, err := httpGet(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	const bucket = `go_sched_latencies_seconds_bucket{le="`
	within := -1.0
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, bucket)
		if !ok {
			continue
		}
		le, count, ok := strings.Cut(rest, `"} `)
		n, err := strconv.ParseFloat(count, 64)
		if !ok || err != nil {
			continue
		}
		if le == "+Inf" {
			all = n
		} else if bound, err := strconv.ParseFloat(le, 64); err == nil && bound > 0.010 && bound < 0.011 {
			within = n
		}
	}
	if within < 0 {
		return 0, 0
	}
	return all, all - within
}

// recordDebug starts fetching a pprof endpoint of the hub (a profile or a
// trace over the next seconds) when the environment variable env names a
// file, and returns what writes it there once the fetch is done; both do
// nothing when env is unset.
func recordDebug(b *testing.B, env, url string) (save func()) {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	body := make(chan []byte, 1)
	go func() {
		data, err := httpGet(url)
		if err != nil {
			b.Error(err)
		}
		body <- []byte(data)
	}()
	return func() {
		if err := os.WriteFile(path, <-body, 0o644); err != nil {
			b.Error(err)
		}
	}
}
