package hub

import (
	"time"

	"golang.org/x/sys/unix"
)

// timerSlack is the kernel's timer slack for the calling thread, which
// every thread of the hub inherits from the process's start
// (prctl PR_GET_TIMERSLACK; systemd's TimerSlackNSec sets it). It moves
// the hub's CPU: after each request wakes an idle hub, the Go runtime's
// sysmon thread sleeps 20µs at a time, and each of those sleeps costs a
// wake-up (docs/operations.md, "Fan-out cost").
func timerSlack() (time.Duration, bool) {
	ns, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		return 0, false
	}
	return time.Duration(ns), true
}
