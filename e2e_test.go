package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"sitboard/internal/testtool"
)

// tmuxSession runs the built sitboard in a detached tmux session of the
// given size, so tests can read the screen the way a person sees it.
type tmuxSession struct {
	t    *testing.T
	name string
}

// tmuxSocket is this test process's own tmux server: sessions never meet
// a person's tmux, or another package's tests starting and killing the
// default server at the same moment ("server exited unexpectedly").
var tmuxSocket = "sitboard-e2e-" + itoa(os.Getpid())

func tmux(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", tmuxSocket}, args...)...)
}

// killTmuxServer stops the private server and removes the socket file
// that tmux leaves in /tmp/tmux-UID.
func killTmuxServer() {
	tmux("kill-server").Run()
	dir := os.Getenv("TMUX_TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	os.Remove(filepath.Join(dir, "tmux-"+itoa(os.Getuid()), tmuxSocket))
}

func needTmux(t *testing.T) {
	t.Helper()
	testtool.Need(t, "tmux", "tmux")
}

func startTmux(t *testing.T, width, height int, env []string, args ...string) *tmuxSession {
	t.Helper()
	cmdline := append([]string{"env"}, env...)
	cmdline = append(cmdline, sitboardBin)
	return startTmuxCmd(t, width, height, append(cmdline, args...))
}

// startTmuxExit is startTmux with the exit status written to a file by a
// shell wrapper: tmux's pane_dead_status stays empty while the process is
// a zombie on a busy machine, so it cannot be waited on.
func startTmuxExit(t *testing.T, width, height int, env []string, args ...string) (*tmuxSession, func() string) {
	t.Helper()
	exitFile := filepath.Join(t.TempDir(), "exit")
	cmdline := append([]string{"env"}, env...)
	cmdline = append(cmdline, sitboardBin)
	cmdline = append(cmdline, args...)
	quoted := make([]string, len(cmdline))
	for i, a := range cmdline {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := strings.Join(quoted, " ") + "; echo EXIT=$? > '" + exitFile + "'"
	s := startTmuxCmd(t, width, height, []string{"sh", "-c", script})
	exit := func() string {
		b, err := os.ReadFile(exitFile)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "EXIT="))
	}
	return s, exit
}

func startTmuxCmd(t *testing.T, width, height int, cmdline []string) *tmuxSession {
	t.Helper()
	return startTmuxNamed(t, "", width, height, cmdline)
}

// startTmuxAs is startTmux for a test that runs more than one terminal:
// each is a session of its own, told apart by as.
func startTmuxAs(t *testing.T, as string, width, height int, env []string, args ...string) *tmuxSession {
	t.Helper()
	cmdline := append([]string{"env"}, env...)
	cmdline = append(cmdline, sitboardBin)
	return startTmuxNamed(t, as, width, height, append(cmdline, args...))
}

func startTmuxNamed(t *testing.T, as string, width, height int, cmdline []string) *tmuxSession {
	t.Helper()
	needTmux(t)
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	if as != "" {
		name += "-" + as
	}
	tmuxArgs := []string{"new-session", "-d", "-s", name, "-x", itoa(width), "-y", itoa(height)}
	tmuxArgs = append(tmuxArgs, cmdline...)
	tmux("kill-session", "-t", name).Run()
	// Killing a test's last session makes the private server exit; a
	// new-session that reaches it while it is going down fails with
	// "server exited unexpectedly". A fresh attempt starts a new server.
	for attempt := 1; ; attempt++ {
		out, err := tmux(tmuxArgs...).CombinedOutput()
		if err == nil {
			break
		}
		if attempt < 5 && strings.Contains(string(out), "server exited unexpectedly") {
			continue
		}
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	// Keep the pane after the program exits so a crash's text can be read.
	tmux("set-option", "-t", name, "remain-on-exit", "on").Run()
	s := &tmuxSession{t, name}
	t.Cleanup(func() { tmux("kill-session", "-t", name).Run() })
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
	out, err := tmux("capture-pane", "-p", "-t", s.name).CombinedOutput()
	if err != nil {
		s.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	args := append([]string{"send-keys", "-t", s.name}, keys...)
	if out, err := tmux(args...).CombinedOutput(); err != nil {
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

// fastLayout is the compact layout with a two-second rotation, so a test
// sees every panel take its turn quickly.
func fastLayout(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("layouts/compact.toml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fast.toml")
	fast := strings.Replace(string(src), "rotate_seconds = 15", "rotate_seconds = 2", 1)
	if fast == string(src) {
		t.Fatal("layouts/compact.toml no longer says rotate_seconds = 15: update this test")
	}
	if err := os.WriteFile(path, []byte(fast), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var tickerRow = regexp.MustCompile(`\d\d:\d\d:\d\d .*(received|dispatched|closed)`)

// TestDemoInTerminal runs 'sitboard demo' as a person would and reads the
// screen: a moving board whose panels take turns, ticker rows, a pause
// that holds, and a clean quit.
func TestDemoInTerminal(t *testing.T) {
	needTmux(t)
	tests := []struct {
		name          string
		width, height int
		fast          bool
	}{
		{"80x24", 80, 24, true},
		{"200x60", 200, 60, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"demo", "--lang", "en"}
			if tc.fast {
				args = append(args, "--layout", fastLayout(t))
			}
			s := startTmux(t, tc.width, tc.height, []string{"TERM=xterm-256color"}, args...)
			screen := s.waitFor("the campaign header", 20*time.Second, contains("Summer Action"))
			if !strings.Contains(screen, "DEMO") {
				t.Errorf("no DEMO badge:\n%s", screen)
			}
			s.waitFor("ticker rows", 20*time.Second, func(sc string) bool { return tickerRow.MatchString(sc) })
			for _, line := range strings.Split(strings.TrimRight(s.capture(), "\n"), "\n") {
				if w := runewidth.StringWidth(line); w > tc.width {
					t.Errorf("line wider than the terminal (%d > %d): %q", w, tc.width, line)
				}
			}
			if tc.fast {
				// The figures page stays one interval per part.
				// The figures page is the layout's last, whatever came in
				// between (its number then follows the layout file).
				for _, page := range []string{"[1 Strike]", "[2 Patrol]", "[3 Hazards]", "[4 Daily]", " Figures 1/", "[1 Strike]"} {
					s.waitFor("panel "+page, 30*time.Second, contains(page))
				}
				s.keys("Space")
				paused := s.waitFor("PAUSED", 20*time.Second, contains("PAUSED"))
				page := currentPage(paused)
				// The page holds for more than two rotation intervals (2s
				// each): watched until the board draws a new seq after
				// them, so a starved board cannot pass by drawing nothing.
				lived := time.Now().Add(5 * time.Second)
				seqThen := ""
				s.waitFor("a new seq drawn two rotation intervals after the pause", 60*time.Second, func(sc string) bool {
					if now := currentPage(sc); now != page {
						t.Fatalf("rotation moved from %q to %q while paused:\n%s", page, now, sc)
					}
					if seqThen == "" {
						if time.Now().After(lived) {
							seqThen = headerSeq.FindString(sc)
						}
						return false
					}
					return headerSeq.FindString(sc) != seqThen
				})
				s.keys("Right")
				s.waitFor("the next panel after a step", 20*time.Second, func(sc string) bool { return currentPage(sc) != page })
			}
			s.keys("q")
			s.waitFor("the board to quit", 10*time.Second, func(sc string) bool {
				out, _ := tmux("display-message", "-p", "-t", s.name, "#{pane_dead}").Output()
				return strings.TrimSpace(string(out)) == "1"
			})
		})
	}
}

// headerSeq is the header's seq, which moves as the demo's events arrive.
var headerSeq = regexp.MustCompile(`seq [\d,]+`)

var pageMarker = regexp.MustCompile(`\[\d+ [A-Za-z ]+?( \d+/\d+)?\]`)

func currentPage(screen string) string { return pageMarker.FindString(screen) }

// TestDemoEndsWithFiguresChecked plays the whole shipped campaign as fast
// as the hub takes it, through the real wire, and waits for the board's
// verdict: every published figure reproduced, checked on the state the
// board drew at the hub's last seq, which the check names and the header
// shows at the same moment.
func TestDemoEndsWithFiguresChecked(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the whole campaign; skipped with -short")
	}
	s := startTmux(t, 140, 40, []string{"TERM=xterm-256color"}, "demo", "--speed", "max", "--lang", "en")
	screen := s.waitFor("the figures check", 4*time.Minute, func(sc string) bool {
		return strings.Contains(sc, "figures check OK") || strings.Contains(sc, "figures off") || strings.Contains(sc, "did not receive")
	})
	m := checkedSeq.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("the demo did not reproduce the published figures at a named seq:\n%s", screen)
	}
	if want := fmtCount(recordingEvents(t)); m[1] != want {
		t.Errorf("the check ran at seq %s, want the hub's last seq %s (every event of the recording)", m[1], want)
	}
	header := strings.SplitN(screen, "\n", 2)[0]
	if !strings.Contains(header, "seq "+m[1]+" ") {
		t.Errorf("the check names seq %s but the board shows another: %q", m[1], header)
	}
}

var checkedSeq = regexp.MustCompile(`✓ figures check OK \(66\) at seq ([0-9,]+)`)

// recordingEvents counts the shipped recording's events.
func recordingEvents(t *testing.T) int {
	t.Helper()
	f, err := os.Open("demo/recordings/summer-action-2023.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// fmtCount writes n with thousands separators, as the board does.
func fmtCount(n int) string {
	s := itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
