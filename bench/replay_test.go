package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkReplayMax measures `sitboard replay --speed max` publishing the
// whole shipped recording into a real `sitboard hub` process on loopback,
// with no board connected. Each op is one fresh hub and one full replay.
// Sub-benchmarks:
//
//   - memory: the hub's memory store (no --data), as issue 5 asks;
//   - file-sync-1s: a file store under a temp --data with --sync 1s;
//   - file-sync-always: a file store with the default --sync always
//     (fsync before each acknowledgement, once per atomic batch), what an
//     operator gets by default.
//
// Reported: events/s from the command's wall time (loading the recording
// included), the rate replay itself prints (sending only), the hub's RSS
// after the campaign, and the seconds per replay.
//
//	go test ./bench -run '^$' -bench ReplayMax -benchtime 1x
func BenchmarkReplayMax(b *testing.B) {
	stores := []struct {
		name string
		args func(b *testing.B) []string
	}{
		{"memory", func(*testing.B) []string { return nil }},
		{"file-sync-1s", func(b *testing.B) []string {
			return []string{"--data", filepath.Join(b.TempDir(), "data"), "--sync", "1s"}
		}},
		{"file-sync-always", func(b *testing.B) []string {
			return []string{"--data", filepath.Join(b.TempDir(), "data")}
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			benchReplay(b, st.args)
		})
	}
}

func benchReplay(b *testing.B, hubArgs func(*testing.B) []string) {
	bin := sitboard(b)
	var wall, sending time.Duration
	var events, hubRSS int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := startHub(b, hubArgs(b)...)
		b.StartTimer()
		cmd := exec.Command(bin, "replay", shippedRecording, "--hub", h.url, "--speed", "max", "--quiet")
		cmd.Env = append(os.Environ(), "SITBOARD_INGEST_TOKEN="+h.token)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		wall += time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatalf("replay: %v\n%s\nhub log:\n%s", err, tail(out.String(), 2000), tail(h.log(), 2000))
		}
		n, elapsed, rate, err := parseReplayDone(out.String())
		if err != nil {
			b.Fatal(err)
		}
		events += n
		sending += elapsed
		rss, _ := procStatusKB(h.cmd.Process.Pid, "VmRSS")
		hubRSS += rss
		h.stop()
		b.Logf("%d events in %.1fs wall, %.1fs sending (replay says %.0f events/s); hub RSS %d KiB; load %s",
			n, time.Since(t0).Seconds(), elapsed.Seconds(), rate, rss, loadAvg())
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/wall.Seconds(), "events/s")
	b.ReportMetric(float64(events)/sending.Seconds(), "sending-events/s")
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(hubRSS)/float64(b.N), "hub-KiB")
}
