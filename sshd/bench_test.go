package sshd

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitboard/campaign"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

// The feed rate the benchmarks replay: the demo at its default speed plays
// the 98-day campaign in about 5 minutes, roughly 1,000 events a second,
// which reach the server as ~20 websocket batches a second.
const (
	benchBatchEvery  = 50 * time.Millisecond
	benchBatchEvents = 50
)

// countWriter counts what a station's terminal receives.
type countWriter struct{ n atomic.Int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// BenchmarkSessions runs SITBOARD_BENCH_SESSIONS (default 10) stations at
// 80x24 on one server while the feed runs at demo speed. Each op is one
// feed batch (50 events). Reported: bytes/s per session (mean and the
// least-served session), CPU cores used by the whole process (server and
// the in-process clients), and resident memory per session.
//
//	SITBOARD_BENCH_SESSIONS=100 go test ./sshd -run '^$' -bench Sessions -benchtime 200x
func BenchmarkSessions(b *testing.B) {
	n := 10
	if v, err := strconv.Atoi(os.Getenv("SITBOARD_BENCH_SESSIONS")); err == nil && v > 0 {
		n = v
	}
	benchStations(b, n, 80, 24)
}

// BenchmarkSession80x24 and BenchmarkSession120x40 measure one station's
// bandwidth at the two common sizes (target: <= 16 KB/s at 120x40).
func BenchmarkSession80x24(b *testing.B)  { benchStations(b, 1, 80, 24) }
func BenchmarkSession120x40(b *testing.B) { benchStations(b, 1, 120, 40) }

// BenchmarkSessionsOversized is BenchmarkSessions with every station
// asking for a 65535x65535 terminal: the boards are drawn at the default
// cap (400x150), and RSS-KB/session is what the cap lets one session cost.
//
//	go test ./sshd -run '^$' -bench SessionsOversized -benchtime 20x
func BenchmarkSessionsOversized(b *testing.B) {
	n := 10
	if v, err := strconv.Atoi(os.Getenv("SITBOARD_BENCH_SESSIONS")); err == nil && v > 0 {
		n = v
	}
	benchStations(b, n, 65535, 65535)
}

func benchStations(b *testing.B, n, w, h int) {
	k := newTestKey(b, "bench")
	ts := startServer(b, []string{`district="xihua",lang="zh" ` + k.line}, func(c *Config) {
		// Production pacing, not the fast test pacing.
		c.UpdateInterval, c.FPS, c.MaxSessions, c.MaxSessionsPerKey = 0, 0, n, n
		// Overrides to compare pacings.
		if d, err := time.ParseDuration(os.Getenv("SITBOARD_BENCH_UPDATE")); err == nil {
			c.UpdateInterval = d
		}
		if v, err := strconv.Atoi(os.Getenv("SITBOARD_BENCH_FPS")); err == nil {
			c.FPS = v
		}
	})
	cfg := ts.cfg
	rss0 := rssKB()
	counters := make([]*countWriter, n)
	for i := range n {
		c, err := gossh.Dial("tcp", ts.addr, clientConfig(gossh.PublicKeys(k.signer)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		sess, err := c.NewSession()
		if err != nil {
			b.Fatal(err)
		}
		cw := &countWriter{}
		counters[i] = cw
		sess.Stdout, sess.Stderr = cw, cw
		if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
			b.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, cw := range counters {
		for cw.n.Load() == 0 {
			if time.Now().After(deadline) {
				b.Fatal("a session never drew its first frame")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	runtime.GC()
	rss1 := rssKB()

	st := testState(b, cfg, 0)
	seq := 0
	start := make([]int64, n)
	for i, cw := range counters {
		start[i] = cw.n.Load()
	}
	cpu0 := cpuTime()
	t0 := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		next := st.Clone()
		evs := hubtest.Events(cfg, "bench", seq, benchBatchEvents)
		for i := range evs {
			seq++
			evs[i].Seq = uint64(seq)
			campaign.Apply(cfg, next, evs[i])
		}
		st = next
		ts.source.more <- client.Batch{State: st, Events: evs, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}}
		time.Sleep(benchBatchEvery)
	}
	b.StopTimer()
	elapsed := time.Since(t0).Seconds()
	cpu := (cpuTime() - cpu0).Seconds()
	var total, least int64 = 0, -1
	for i, cw := range counters {
		got := cw.n.Load() - start[i]
		total += got
		if least < 0 || got < least {
			least = got
		}
	}
	if least == 0 && elapsed > 2 {
		b.Errorf("a session received nothing for %.1fs", elapsed)
	}
	b.ReportMetric(float64(total)/float64(n)/elapsed, "B/s/session")
	b.ReportMetric(float64(least)/elapsed, "min-B/s/session")
	b.ReportMetric(cpu/elapsed, "cpu-cores")
	if n >= 10 { // below that the difference is noise
		b.ReportMetric(float64(rss1-rss0)/float64(n), "RSS-KB/session")
	}
	b.ReportMetric(float64(seq)/elapsed, "events/s")
}

// rssKB is the process's resident set size.
func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
