package bench

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkReportCampaign times the closing bulletin from the shipped
// recording, as the campaign office runs it:
//
//	sitboard report --period campaign --recording demo/recordings/summer-action-2023.jsonl.gz --format html
//
// Each op is one run of the command: decode and fold the 98 days with the
// per-day record (campaign.History), compute every period figure and
// write the HTML. Issue 13's target: under 2 s of wall time.
//
//	go test ./bench -run '^$' -bench ReportCampaign -benchtime 5x
func BenchmarkReportCampaign(b *testing.B) {
	bin := sitboard(b)
	var wall, cpu time.Duration
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "report", "--period", "campaign", "--recording", shippedRecording, "--format", "html")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		t0 := time.Now()
		err := cmd.Run()
		wall += time.Since(t0)
		if err != nil || !strings.Contains(out.String(), "总结通报") {
			b.Fatalf("report failed (%v): %s", err, tail(errOut.String(), 2000))
		}
		size = out.Len()
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "s/run")
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/run")
	b.ReportMetric(float64(size), "html-bytes")
	b.Logf("%.2fs wall and %.2fs CPU per run over %d runs; load %s", wall.Seconds()/n, cpu.Seconds()/n, b.N, loadAvg())
}
