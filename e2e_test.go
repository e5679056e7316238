package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs the built sitboard in a detached tmux session of the
// given size, so tests can read the screen the way a person sees it.
type tmuxSession struct {
	t    *testing.T
	name string
}

func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed: apt-get install tmux (.ci/run installs it)")
	}
}

func startTmux(t *testing.T, width, height int, env []string, args ...string) *tmuxSession {
	t.Helper()
	needTmux(t)
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	cmdline := append([]string{"env"}, env...)
	cmdline = append(cmdline, sitboardBin)
	cmdline = append(cmdline, args...)
	tmuxArgs := []string{"new-session", "-d", "-s", name, "-x", itoa(width), "-y", itoa(height)}
	tmuxArgs = append(tmuxArgs, cmdline...)
	exec.Command("tmux", "kill-session", "-t", name).Run()
	if out, err := exec.Command("tmux", tmuxArgs...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	// Keep the pane after the program exits so a crash's text can be read.
	exec.Command("tmux", "set-option", "-t", name, "remain-on-exit", "on").Run()
	s := &tmuxSession{t, name}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return s
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

func (s *tmuxSession) capture() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).CombinedOutput()
	if err != nil {
		s.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	args := append([]string{"send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

// waitFor polls the screen until ok accepts it, or fails with the last screen.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.capture()
		if strings.Contains(screen, "panic:") || strings.Contains(screen, "goroutine ") {
			s.t.Fatalf("the board panicked:\n%s", screen)
		}
		if ok(screen) {
			return screen
		}
		time.Sleep(150 * time.Millisecond)
	}
	s.t.Fatalf("timed out after %v waiting for %s; screen:\n%s", timeout, what, screen)
	return ""
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}
