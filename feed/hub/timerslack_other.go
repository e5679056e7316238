//go:build !linux

package hub

import "time"

// timerSlack: only Linux has a per-thread timer slack to report.
func timerSlack() (time.Duration, bool) { return 0, false }
