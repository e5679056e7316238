package bench

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkWatchRSS runs `sitboard watch` in a 120x40 tmux pane against a
// separate `sitboard hub` (memory store) while `sitboard replay --speed
// max` publishes the whole shipped campaign, and samples the watch
// process's VmRSS from /proc when the hub has folded 10% and 50% of the
// events, and again once the board shows the last seq (100%, after 2s to
// settle). Each op is one fresh hub, board and campaign. Reported, in KiB:
// the RSS before the first event, at 10%, 50% and 100%, the growth from
// 10% to 100%, and the peak (VmHWM). Issue 6's target: flat, not growing
// with events.
//
//	go test ./bench -run '^$' -bench WatchRSS -benchtime 1x
func BenchmarkWatchRSS(b *testing.B) {
	needTmux(b)
	bin := sitboard(b)
	total, err := countEvents(shippedRecording)
	if err != nil {
		b.Fatal(err)
	}
	marks := []float64{0.10, 0.50}
	var sum struct{ start, at10, at50, at100, hwm float64 }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := startHub(b)
		t := startTmux(b, 120, 40, bin, "watch", "--hub", "ws"+strings.TrimPrefix(h.url, "http"), "--lang", "en")
		t.waitFor("the board connected", 30*time.Second, func(s string) bool { return headerSeq(s) == 0 })
		pid := t.pid()
		time.Sleep(time.Second)
		start := rssKB(b, pid)

		replay := exec.Command(bin, "replay", shippedRecording, "--hub", h.url, "--speed", "max", "--quiet")
		replay.Env = append(os.Environ(), "SITBOARD_INGEST_TOKEN="+h.token)
		var out bytes.Buffer
		replay.Stdout, replay.Stderr = &out, &out
		if err := replay.Start(); err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- replay.Wait() }()

		var at []int
		var atSeq []int
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		replayErr := func() error {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case err := <-done:
					return err
				case <-ctx.Done():
					replay.Process.Kill()
					return ctx.Err()
				case <-tick.C:
				}
				if len(at) == len(marks) {
					continue
				}
				seq, err := h.seq(ctx)
				if err != nil {
					continue
				}
				if float64(seq) >= marks[len(at)]*float64(total) {
					at = append(at, rssKB(b, pid))
					atSeq = append(atSeq, seq)
				}
			}
		}()
		cancel()
		if replayErr != nil {
			b.Fatalf("replay: %v\n%s", replayErr, out.String())
		}
		if len(at) != len(marks) {
			b.Fatalf("the replay ended before the 10%%/50%% samples (%d taken); it went faster than the 50ms poll:\n%s", len(at), out.String())
		}
		t.waitFor("the board at the last seq", 2*time.Minute, func(s string) bool { return headerSeq(s) == total })
		time.Sleep(2 * time.Second)
		end := rssKB(b, pid)
		hwm, err := procStatusKB(pid, "VmHWM")
		if err != nil {
			b.Fatal(err)
		}
		t.kill()
		h.stop()

		b.Logf("watch RSS: start %d KiB, 10%% (seq %d) %d KiB, 50%% (seq %d) %d KiB, 100%% (seq %d) %d KiB, peak %d KiB; load %s",
			start, atSeq[0], at[0], atSeq[1], at[1], total, end, hwm, loadAvg())
		sum.start += float64(start)
		sum.at10 += float64(at[0])
		sum.at50 += float64(at[1])
		sum.at100 += float64(end)
		sum.hwm += float64(hwm)
	}
	n := float64(b.N)
	b.ReportMetric(sum.start/n, "KiB-start")
	b.ReportMetric(sum.at10/n, "KiB-10%")
	b.ReportMetric(sum.at50/n, "KiB-50%")
	b.ReportMetric(sum.at100/n, "KiB-100%")
	b.ReportMetric((sum.at100-sum.at10)/n, "KiB-growth-10-100%")
	b.ReportMetric(sum.hwm/n, "KiB-peak")
}

func rssKB(b testing.TB, pid int) int {
	b.Helper()
	kb, err := procStatusKB(pid, "VmRSS")
	if err != nil {
		b.Fatalf("the watch process %d: %v (did it exit?)", pid, err)
	}
	return kb
}
