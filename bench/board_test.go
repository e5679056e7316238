package bench

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkBoardBytes measures what `sitboard demo` at its default speed
// writes to a real terminal (a tmux pane, read with pipe-pane) in steady
// state: it waits for the board to show a seq, lets it run
// SITBOARD_BENCH_WARMUP (default 5s), then counts bytes over
// SITBOARD_BENCH_WINDOW (default 20s). Each op is one fresh demo.
// Reported: B/s over the window and the busiest single second (max1s-B/s).
// Issue 6's target: <= 16 KB/s at 120x40.
//
//	go test ./bench -run '^$' -bench BoardBytes -benchtime 1x
func BenchmarkBoardBytes(b *testing.B) {
	sizes := []struct{ w, h int }{{120, 40}, {80, 24}}
	for _, lang := range []string{"zh", "en"} {
		for _, sz := range sizes {
			b.Run(fmt.Sprintf("%s-%dx%d", lang, sz.w, sz.h), func(b *testing.B) {
				benchBoardBytes(b, lang, sz.w, sz.h)
			})
		}
	}
}

func benchBoardBytes(b *testing.B, lang string, w, h int) {
	needTmux(b)
	bin := sitboard(b)
	warmup := envDuration(b, "SITBOARD_BENCH_WARMUP", 5*time.Second)
	window := envDuration(b, "SITBOARD_BENCH_WINDOW", 20*time.Second)
	var total, peak float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "pane.out")
		t := startTmux(b, w, h, bin, "demo", "--lang", lang)
		t.pipeTo(out)
		t.waitFor("the board with a seq", 60*time.Second, func(s string) bool { return headerSeq(s) > 0 })
		time.Sleep(warmup)

		// Per-second samples give both the mean and the worst second.
		start := fileSize(b, out)
		t0 := time.Now()
		prev, prevT := start, t0
		var worst float64
		for time.Since(t0) < window {
			time.Sleep(time.Second)
			n, now := fileSize(b, out), time.Now()
			worst = max(worst, float64(n-prev)/now.Sub(prevT).Seconds())
			prev, prevT = n, now
		}
		elapsed := time.Since(t0).Seconds()
		rate := float64(prev-start) / elapsed
		screen := t.capture()
		if headerSeq(screen) <= 0 {
			b.Fatalf("the board lost its header during the window:\n%s", screen)
		}
		t.kill()
		total += rate
		peak = max(peak, worst)
		b.Logf("%s %dx%d: %d bytes in %.1fs = %.0f B/s (busiest second %.0f B/s); board at seq %d; load %s",
			lang, w, h, prev-start, elapsed, rate, worst, headerSeq(screen), loadAvg())
	}
	b.ReportMetric(total/float64(b.N), "B/s")
	b.ReportMetric(peak, "max1s-B/s")
}
