package bench

import (
	"bytes"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkSummary times the whole headless fold of the shipped recording,
// with the figures check, as an operator runs it:
//
//	sitboard summary --recording demo/recordings/summer-action-2023.jsonl.gz --check demo/facts/summer-action-2023.json
//
// Each op is one run of the command (ns/op is its wall time). Also
// reported: seconds per run, events folded per second of wall time, and
// the CPU seconds (user+sys) the process used. Issues 4 and 5's target:
// under 2 s on this 2-core machine.
//
//	go test ./bench -run '^$' -bench Summary -benchtime 5x
func BenchmarkSummary(b *testing.B) {
	bin := sitboard(b)
	events, err := countEvents(shippedRecording)
	if err != nil {
		b.Fatal(err)
	}
	var wall, cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "summary", "--recording", shippedRecording, "--check", shippedFacts)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		wall += time.Since(t0)
		if err != nil {
			b.Fatalf("summary --check failed (%v): the figures no longer match or the command broke:\n%s", err, tail(out.String(), 2000))
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "s/run")
	b.ReportMetric(float64(events)*n/wall.Seconds(), "events/s")
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/run")
	b.Logf("%d events, %.2fs wall and %.2fs CPU per run over %d runs; load %s", events, wall.Seconds()/n, cpu.Seconds()/n, b.N, loadAvg())
}

// tail keeps the end of a long output, where the error usually is.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
