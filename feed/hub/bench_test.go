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
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
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

// BenchmarkFanout runs a hub in its own process (the test binary
// re-executed) and SITBOARD_BENCH_SUBS websocket subscribers (default 100;
// 1000 for the figure) in this one, while events are posted at
// SITBOARD_BENCH_RATE events/s (default 1000, in one POST every 10ms, the
// way a dispatch system flushes) for SITBOARD_BENCH_SECONDS (default 5).
// Run it with -benchtime=1x.
//
// It reports deliveries/s; p50, p99 and max latency from just before the
// POST (the time is in each event's id) to the moment a subscriber has read
// the frame, over every event at every subscriber; and the hub process's
// CPU (utime+stime from /proc/PID/stat over the run, in cores) and memory
// (VmRSS at the end, VmHWM the peak since start). The subscribers scan
// frames for ids without decoding them, on epoll rather than a goroutine
// each (fanout_linux_test.go), to leave the machine to the hub;
// their process's CPU is reported as client-cores, and the CPU everything
// else on the machine used meanwhile as other-cores: on a shared machine,
// latency is only meaningful when that is small.
// SITBOARD_BENCH_HUB_PROCS sets the hub's GOMAXPROCS, SITBOARD_BENCH_HUB_CPUS
// pins it (taskset -c); SITBOARD_BENCH_CPUPROFILE writes a pprof CPU profile
// of the hub over the run, SITBOARD_BENCH_TRACE an execution trace of 2s.
func BenchmarkFanout(b *testing.B) {
	subs := envInt("SITBOARD_BENCH_SUBS", 100)
	rate := envInt("SITBOARD_BENCH_RATE", 1000)
	secs := envInt("SITBOARD_BENCH_SECONDS", 5)
	var env []string
	if p := os.Getenv("SITBOARD_BENCH_HUB_PROCS"); p != "" {
		env = append(env, "GOMAXPROCS="+p)
	}
	pin := os.Getenv("SITBOARD_BENCH_HUB_CPUS")
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		cmd, url := startProcess(b, dir, benchHubEnv, env...)
		pid := cmd.Process.Pid
		if pin != "" {
			// Give the hub its own CPUs: its latency is then its own, not
			// the subscribers' on the same cores.
			if out, err := exec.Command("taskset", "-a", "-p", "-c", pin, strconv.Itoa(pid)).CombinedOutput(); err != nil {
				b.Fatalf("taskset: %v %s", err, out)
			}
		}
		wsURL := "ws" + strings.TrimPrefix(url, "http") + "/v1/stream"
		cfg := hubtest.Campaign(b)

		per := max(rate/100, 1)
		interval := time.Second * time.Duration(per) / time.Duration(rate)
		posts := rate * secs / per
		total := posts * per
		ws := make([]*websocket.Conn, subs)
		for i := range ws {
			c, _, err := websocket.DefaultDialer.Dial(wsURL+"?token="+hubtest.ReadToken, nil)
			if err != nil {
				b.Fatalf("subscriber %d: %v", i, err)
			}
			if err := c.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
				b.Fatal(err)
			}
			ws[i] = c
		}
		clients, err := newFanoutClients(ws, total)
		if err != nil {
			b.Fatal(err)
		}
		ready, err := clients.start(runtime.GOMAXPROCS(0))
		if err != nil {
			b.Fatal(err)
		}
		select { // every subscriber has its snapshot before the clock starts
		case <-ready:
		case <-time.After(60 * time.Second):
			b.Fatalf("subscribers did not get their snapshots: %v", clients.err)
		}
		// The subscribers came as a crowd: the hub writes those past its
		// first 256 from its tail writer until a second after the last
		// (tail.go). The benchmark measures a hub whose boards are
		// settled, so it waits for that (the next heartbeat, 2 s at most).
		for deadline := time.Now().Add(30 * time.Second); metricOr(b, url, "sitboard_stream_tail_boards", 0) != 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatal("the subscribers are still the tail writer's 30s after they joined")
			}
		}
		var profile, trace chan []byte
		if path := os.Getenv("SITBOARD_BENCH_CPUPROFILE"); path != "" {
			profile = make(chan []byte, 1)
			go func() {
				body, err := httpGet(url + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs))
				if err != nil {
					b.Error(err)
				}
				profile <- []byte(body)
			}()
		}
		if path := os.Getenv("SITBOARD_BENCH_TRACE"); path != "" {
			trace = make(chan []byte, 1)
			go func() {
				body, err := httpGet(url + "/debug/pprof/trace?seconds=2")
				if err != nil {
					b.Error(err)
				}
				trace <- []byte(body)
			}()
		}
		bodies := make([][]feed.Event, posts)
		for i := range bodies {
			bodies[i] = hubtest.Events(cfg, "x", i*per, per)
		}
		startDeliveries := deliveries(b, url)
		startFrames := metricF(b, url, "sitboard_frames_total")
		cpu0 := procCPU(b, pid)
		self0 := procCPU(b, os.Getpid())
		all0 := machineCPU(b)
		b.StartTimer()
		start := time.Now()
		// POSTs go out on schedule even while earlier ones are in flight,
		// as from several upstream systems, so the offered rate holds.
		var posting sync.WaitGroup
		postLat := make([]int32, len(bodies))
		inflight := make(chan struct{}, 64)
		for i, evs := range bodies {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			inflight <- struct{}{}
			posting.Add(1)
			go func() {
				defer func() { <-inflight; posting.Done() }()
				stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
				for j := range evs {
					evs[j].ID = "f-" + stamp + "-" + strconv.Itoa(i*per+j)
				}
				t0 := time.Now()
				if _, err := hubtest.TryPost(url, evs); err != nil {
					b.Error(err)
				}
				postLat[i] = int32(time.Since(t0).Microseconds())
			}()
		}
		posting.Wait()
		posted := time.Since(start)
		done := make(chan struct{})
		go func() { clients.done.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.Fatalf("subscribers did not receive all %d events within 30s of the last POST", total)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cpu := procCPU(b, pid) - cpu0
		self := procCPU(b, os.Getpid()) - self0
		others := machineCPU(b) - all0 - cpu - self
		delivered := deliveries(b, url) - startDeliveries
		frames := metricF(b, url, "sitboard_frames_total") - startFrames
		rss, hwm := procMem(b, pid)
		if clients.err != nil {
			b.Fatal(clients.err)
		}
		var lat []int32
		for _, c := range clients.conns {
			lat = append(lat, c.lat...)
		}
		clients.close()
		if profile != nil {
			if err := os.WriteFile(os.Getenv("SITBOARD_BENCH_CPUPROFILE"), <-profile, 0o644); err != nil {
				b.Error(err)
			}
		}
		if trace != nil {
			if err := os.WriteFile(os.Getenv("SITBOARD_BENCH_TRACE"), <-trace, 0o644); err != nil {
				b.Error(err)
			}
		}
		slices.Sort(lat)
		slices.Sort(postLat)
		ms := func(us int32) float64 { return float64(us) / 1000 }
		b.ReportMetric(float64(total)/posted.Seconds(), "events/s")
		b.ReportMetric(delivered/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(frames/elapsed.Seconds(), "frames/s")
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		b.ReportMetric(ms(postLat[len(postLat)*99/100]), "post-p99-ms")
		b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "hub-cores")
		b.ReportMetric(self.Seconds()/elapsed.Seconds(), "client-cores")
		b.ReportMetric(max(others, 0).Seconds()/elapsed.Seconds(), "other-cores")
		b.ReportMetric(float64(rss)/1024, "hub-rss-MB")
		b.ReportMetric(float64(hwm)/1024, "hub-hwm-MB")
		b.ReportMetric(float64(subs), "subscribers")
		_ = cmd.Process.Kill()
		b.StartTimer() // b.Loop wants it running
	}
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

func metricF(b *testing.B, url, name string) float64 {
	v, err := strconv.ParseFloat(metricB(b, url, name), 64)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

func metricB(b *testing.B, url, name string) string {
	resp, err := httpGet(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(resp, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			return f[1]
		}
	}
	b.Fatalf("metric %s missing", name)
	return ""
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
