package hub_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

// BenchmarkFanout runs SITBOARD_BENCH_SUBS websocket subscribers (default
// 100; 1000 for the figure) while events are ingested at
// SITBOARD_BENCH_RATE events/s (default 1000) for SITBOARD_BENCH_SECONDS
// (default 3). Run it with -benchtime=1x. Reports deliveries/s, p50/p99
// ingest-to-receive latency (measured on a sample of subscribers so that
// decoding does not dominate the machine), process CPU and RSS. Subscribers
// run in the same process, so CPU includes their reading.
func BenchmarkFanout(b *testing.B) {
	subs := envInt("SITBOARD_BENCH_SUBS", 100)
	rate := envInt("SITBOARD_BENCH_RATE", 1000)
	secs := envInt("SITBOARD_BENCH_SECONDS", 3)
	const sampled = 10
	for b.Loop() {
		s := hubtest.Start(b, nil)
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		var frames atomic.Int64
		total := uint64(rate * secs)
		conns := make([]*websocket.Conn, 0, subs)
		for i := range subs {
			c, _, err := websocket.DefaultDialer.Dial(s.WS+"?token="+hubtest.ReadToken, nil)
			if err != nil {
				b.Fatalf("subscriber %d: %v", i, err)
			}
			conns = append(conns, c)
			_ = c.WriteJSON(feed.Hello{Type: feed.MsgHello})
			wg.Add(1)
			go func(c *websocket.Conn, decode bool) {
				defer wg.Done()
				for {
					_, data, err := c.ReadMessage()
					if err != nil {
						return
					}
					now := time.Now()
					frames.Add(1)
					if !decode {
						continue
					}
					var m feed.Message
					if json.Unmarshal(data, &m) != nil {
						continue
					}
					if m.Type != feed.MsgEvents {
						continue
					}
					mu.Lock()
					for _, ev := range m.Events {
						// The id carries the time it was posted.
						if ns, err := strconv.ParseInt(strings.SplitN(ev.ID, "-", 3)[1], 10, 64); err == nil {
							lat = append(lat, now.Sub(time.Unix(0, ns)))
						}
					}
					mu.Unlock()
					if m.Events[len(m.Events)-1].Seq >= total {
						return
					}
				}
			}(c, i < sampled)
		}
		var ru0 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		startDeliveries := deliveries(b, s.URL)
		// Post every 10ms, the way a dispatch system flushes.
		per := max(rate/100, 1)
		tick := time.NewTicker(10 * time.Millisecond)
		start := time.Now()
		for sent := 0; uint64(sent) < total; sent += per {
			<-tick.C
			evs := hubtest.Events(s.Cfg, "x", sent, per)
			stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
			for i := range evs {
				evs[i].ID = "f-" + stamp + "-" + strconv.Itoa(sent+i)
			}
			hubtest.Post(b, s.URL, evs)
		}
		tick.Stop()
		s.WaitSeq(b, total)
		time.Sleep(200 * time.Millisecond)
		elapsed := time.Since(start)
		var ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		delivered := deliveries(b, s.URL) - startDeliveries
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
		slices.Sort(lat)
		if len(lat) == 0 {
			b.Fatal("no latency samples")
		}
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		b.ReportMetric(float64(delivered)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cpu-cores")
		b.ReportMetric(float64(rssKB())/1024, "rss-MB")
		b.ReportMetric(float64(subs), "subscribers")
		s.Close()
	}
}

func deliveries(b *testing.B, url string) float64 {
	v, err := strconv.ParseFloat(metricB(b, url, "sitboard_deliveries_total"), 64)
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

func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}

// BenchmarkStartupFold builds a file-store log of SITBOARD_BENCH_LOG events
// (default 50000; 300000 for the figure), then measures hub.New on
// it: the fold from the log at start-up. Reports events/s and the snapshot
// size.
func BenchmarkStartupFold(b *testing.B) {
	n := envInt("SITBOARD_BENCH_LOG", 50000)
	dir := b.TempDir()
	cfg := hubtest.Campaign(b)
	opts := hub.Options{Campaign: cfg, DataDir: dir, Sync: "1m", IngestToken: hubtest.IngestToken}
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
