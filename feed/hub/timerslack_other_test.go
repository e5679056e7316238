//go:build !linux

package hub_test

import (
	"os/exec"
	"testing"
)

// startHubProcess starts a child hub: only Linux has a timer slack to give
// the benchmarks' hub (timerslack_linux_test.go).
func startHubProcess(_ testing.TB, cmd *exec.Cmd, _ string) error { return cmd.Start() }
