package hub_test

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sitboard/feed/hub/hubtest"
)

// startHubProcess starts a child hub. SITBOARD_BENCH_TIMER_SLACK (a Go
// duration) gives the benchmarks' hub that timer slack, as systemd's
// TimerSlackNSec would (docs/operations.md, "Fan-out cost"); without it
// the hub has this process's, the kernel's default of 50µs as a rule.
func startHubProcess(tb testing.TB, cmd *exec.Cmd, env string) error {
	s := os.Getenv("SITBOARD_BENCH_TIMER_SLACK")
	if env != benchHubEnv || s == "" {
		return cmd.Start()
	}
	slack, err := time.ParseDuration(s)
	if err != nil || slack <= 0 {
		tb.Fatalf("SITBOARD_BENCH_TIMER_SLACK=%q: give a duration such as 1ms (50us is the kernel's default)", s)
	}
	return startWithTimerSlack(cmd, slack)
}

// startWithTimerSlack starts cmd with the given timer slack, which its
// threads inherit: a child takes the slack of the thread that forks it.
// cmd.Start forks on the calling thread, which is locked meanwhile and
// given its own slack back afterwards.
func startWithTimerSlack(cmd *exec.Cmd, slack time.Duration) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(slack.Nanoseconds()), 0, 0, 0); err != nil {
		return err
	}
	defer func() { _ = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0) }()
	return cmd.Start()
}

// TestBenchHubTakesTheTimerSlackAsked: SITBOARD_BENCH_TIMER_SLACK reaches
// the benchmarks' hub, and its /metrics says so.
func TestBenchHubTakesTheTimerSlackAsked(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub process")
	}
	const want = 1500 * time.Microsecond // neither the kernel's default nor a round figure
	t.Setenv("SITBOARD_BENCH_TIMER_SLACK", want.String())
	_, url := startProcess(t, t.TempDir(), benchHubEnv)
	if got := metricF(t, url, "sitboard_timer_slack_seconds"); time.Duration(got*1e9+0.5) != want {
		t.Errorf("the benchmarks' hub reports a timer slack of %gs, want the %v asked for", got, want)
	}
}

// TestTimerSlackMetric: the gauge is the slack the hub's threads have.
func TestTimerSlackMetric(t *testing.T) {
	own, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := hubtest.Start(t, nil)
	if got := metricF(t, s.URL, "sitboard_timer_slack_seconds"); time.Duration(got*1e9+0.5) != time.Duration(own) {
		t.Errorf("sitboard_timer_slack_seconds is %gs, but the process's threads have %v", got, time.Duration(own))
	}
}
