package hub_test

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sitboard/feed/hub/hubtest"
)

// startHubProcess starts a child hub. The benchmarks' hub gets the timer
// slack the shipped unit gives (TimerSlackNSec in
// deploy/sitboard-hub.service), so they measure the hub as deployed;
// SITBOARD_BENCH_TIMER_SLACK (a Go duration) gives it another, 50us being
// the kernel's default (docs/operations.md, "Fan-out cost"). Other child
// hubs have this process's.
func startHubProcess(tb testing.TB, cmd *exec.Cmd, env string) error {
	if env != benchHubEnv {
		return cmd.Start()
	}
	slack := unitTimerSlack(tb)
	if s := os.Getenv("SITBOARD_BENCH_TIMER_SLACK"); s != "" {
		var err error
		if slack, err = time.ParseDuration(s); err != nil || slack <= 0 {
			tb.Fatalf("SITBOARD_BENCH_TIMER_SLACK=%q: give a duration such as 1ms (50us is the kernel's default)", s)
		}
	}
	return startWithTimerSlack(cmd, slack)
}

// hubUnit is the shipped systemd unit of the hub.
const hubUnit = "../../deploy/sitboard-hub.service"

// unitTimerSlack is the TimerSlackNSec the shipped unit sets.
func unitTimerSlack(tb testing.TB) time.Duration {
	b, err := os.ReadFile(hubUnit)
	if err != nil {
		tb.Fatalf("the benchmarks' hub takes its timer slack from the shipped unit: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "TimerSlackNSec=")
		if !ok {
			continue
		}
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
		if ns, err := strconv.ParseInt(v, 10, 64); err == nil && ns > 0 {
			return time.Duration(ns) // systemd's bare number is nanoseconds
		}
		tb.Fatalf("%s: TimerSlackNSec=%q is neither a duration such as 1ms nor nanoseconds", hubUnit, v)
	}
	tb.Fatalf("%s sets no TimerSlackNSec: add it back, or give SITBOARD_BENCH_TIMER_SLACK", hubUnit)
	return 0
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

// TestBenchHubTakesTheTimerSlack: the benchmarks' hub has the shipped
// unit's timer slack, or the one SITBOARD_BENCH_TIMER_SLACK asks for, and
// its /metrics says so.
func TestBenchHubTakesTheTimerSlack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hub processes")
	}
	tests := []struct {
		name string
		env  string // SITBOARD_BENCH_TIMER_SLACK
		want time.Duration
	}{
		{"the unit's", "", unitTimerSlack(t)},
		{"asked for", "1.5ms", 1500 * time.Microsecond}, // neither the kernel's default nor the unit's
	}
	own, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if time.Duration(own) == tt.want {
				t.Skipf("this process has a timer slack of %v already, so a hub that did not get it would pass", tt.want)
			}
			t.Setenv("SITBOARD_BENCH_TIMER_SLACK", tt.env)
			_, url := startProcess(t, t.TempDir(), benchHubEnv)
			if got := metricF(t, url, "sitboard_timer_slack_seconds"); time.Duration(got*1e9+0.5) != tt.want {
				t.Errorf("the benchmarks' hub reports a timer slack of %gs, want %v", got, tt.want)
			}
		})
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
