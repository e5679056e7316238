// Package bench measures the built sitboard binary as a user runs it: the
// board's bytes in a real terminal, the watch process's memory over a whole
// campaign, summary's wall time and replay's throughput into a real hub.
// Everything here is a benchmark; see README.md for the commands and the
// numbers. Plain `go test ./...` runs only the cheap parser tests below and
// never builds the binary.
package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sitboard/internal/testtool"
)

// repoRoot is where `go build .` makes the sitboard command; go test runs
// in the package directory, one level down.
const repoRoot = ".."

// shippedRecording and shippedFacts are the demo's campaign, relative to
// the package directory.
var (
	shippedRecording = filepath.Join(repoRoot, "demo", "recordings", "summer-action-2023.jsonl.gz")
	shippedFacts     = filepath.Join(repoRoot, "demo", "facts", "summer-action-2023.json")
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain only removes the binary the benchmarks built, if any. The build
// is lazy so that `go test ./...` without -bench costs nothing here.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// sitboard builds the command once per `go test` run, as main_test.go
// does, and returns its path.
func sitboard(b testing.TB) string {
	b.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "sitboard-bench-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "sitboard")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		b.Logf("built sitboard from %s; load %s", sourceVersion(), loadAvg())
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// sourceVersion names what was measured: the commit, and whether the
// working tree had uncommitted changes (others edit it concurrently).
func sourceVersion() string {
	head, err := exec.Command("git", "-C", repoRoot, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "an unknown commit (no git)"
	}
	v := "commit " + strings.TrimSpace(string(head))
	if st, err := exec.Command("git", "-C", repoRoot, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		v += " plus uncommitted changes"
	}
	return v
}

// envDuration reads a duration knob such as SITBOARD_BENCH_WINDOW=30s.
func envDuration(b testing.TB, name string, def time.Duration) time.Duration {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: give a positive duration such as 30s", name, v)
	}
	return d
}

// countEvents counts the events (non-empty lines) in a JSON Lines
// recording, gzipped or not.
func countEvents(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return n, sc.Err()
}

// procStatusKB reads a VmRSS-style field, in KiB, from /proc/PID/status.
func procStatusKB(pid int, field string) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusKB(string(data), field)
}

func parseStatusKB(status, field string) (int, error) {
	for _, line := range strings.Split(status, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		return strconv.Atoi(f[0])
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

// loadAvg is the 1-minute load, logged with every result because the
// machine is shared and a busy neighbour changes the numbers.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// hubProc is a `sitboard hub` process on a free loopback port.
type hubProc struct {
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:PORT
	token  string
	mu     sync.Mutex
	stderr bytes.Buffer
}

var hubListening = regexp.MustCompile(`msg="hub listening" url=(\S+)`)

// startHub runs `sitboard hub --listen 127.0.0.1:0 [extra...]` and waits
// for the address it logs. The hub is stopped with SIGTERM at cleanup.
func startHub(b testing.TB, extra ...string) *hubProc {
	b.Helper()
	h := &hubProc{token: "bench-ingest"}
	args := append([]string{"hub", "--listen", "127.0.0.1:0", "--public-read"}, extra...)
	h.cmd = exec.Command(sitboard(b), args...)
	h.cmd.Env = append(os.Environ(), "SITBOARD_INGEST_TOKEN="+h.token, "SITBOARD_READ_TOKEN=")
	pipe, err := h.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(h.stop)
	found := make(chan string, 1)
	go func() {
		// The hub logs its address, then "hub ready" once it serves.
		url := ""
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			h.mu.Lock()
			h.stderr.WriteString(line + "\n")
			h.mu.Unlock()
			if m := hubListening.FindStringSubmatch(line); m != nil {
				url = m[1]
			}
			if strings.Contains(line, `msg="hub ready"`) && url != "" {
				select {
				case found <- url:
				default:
				}
			}
		}
	}()
	select {
	case h.url = <-found:
	case <-time.After(30 * time.Second):
		b.Fatalf("the hub did not log its address within 30s; stderr:\n%s", h.log())
	}
	return h
}

func (h *hubProc) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stderr.String()
}

func (h *hubProc) stop() {
	if h.cmd.Process == nil || h.cmd.ProcessState != nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		h.cmd.Process.Kill()
		<-done
	}
}

var healthSeq = regexp.MustCompile(`"seq":\s*(\d+)`)

// seq is the last sequence the hub folded, from GET /healthz.
func (h *hubProc) seq(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/healthz", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	m := healthSeq.FindSubmatch(body)
	if m == nil {
		return 0, fmt.Errorf("no seq in /healthz: %s", body)
	}
	return strconv.Atoi(string(m[1]))
}

// replayDone parses replay's last line:
// "replay: done: 157735 events in 9.7s (16208 events/s); ..."
var replayDone = regexp.MustCompile(`replay: done: (\d+) events in (\S+) \((\d+) events/s\)`)

func parseReplayDone(out string) (events int, elapsed time.Duration, rate float64, err error) {
	m := replayDone.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("no \"replay: done:\" line in:\n%s", out)
	}
	events, _ = strconv.Atoi(m[1])
	elapsed, err = time.ParseDuration(m[2])
	if err != nil {
		return 0, 0, 0, err
	}
	rate, _ = strconv.ParseFloat(m[3], 64)
	return events, elapsed, rate, nil
}

// tmuxTerm is a private tmux server (its own -L socket, so nothing here
// touches anyone else's sessions) holding one pane of a given size.
type tmuxTerm struct {
	b      testing.TB
	socket string
	name   string
}

func needTmux(b testing.TB) {
	b.Helper()
	testtool.Need(b, "tmux", "tmux") // these benchmarks measure a real terminal
}

var tmuxSeq int

// startTmux runs argv in a detached pane of width x height. TERM is
// xterm-256color, as in the end-to-end tests, unless SITBOARD_BENCH_TERM
// says otherwise.
func startTmux(b testing.TB, width, height int, argv ...string) *tmuxTerm {
	b.Helper()
	needTmux(b)
	tmuxSeq++
	t := &tmuxTerm{b: b, socket: fmt.Sprintf("sitboard-bench-%d-%d", os.Getpid(), tmuxSeq), name: "board"}
	term := os.Getenv("SITBOARD_BENCH_TERM")
	if term == "" {
		term = "xterm-256color"
	}
	args := []string{"new-session", "-d", "-s", t.name, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height),
		"env", "TERM=" + term}
	args = append(args, argv...)
	if out, err := t.cmd(args...).CombinedOutput(); err != nil {
		b.Fatalf("tmux new-session: %v: %s", err, out)
	}
	b.Cleanup(t.kill)
	// Keep a crashed program's last screen readable.
	t.cmd("set-option", "-t", t.name, "remain-on-exit", "on").Run()
	return t
}

// kill stops the private server and removes its socket file, which tmux
// leaves behind in /tmp/tmux-UID otherwise. It is safe to call twice.
func (t *tmuxTerm) kill() {
	sock, err := t.cmd("display-message", "-p", "#{socket_path}").Output()
	t.cmd("kill-server").Run()
	if p := strings.TrimSpace(string(sock)); err == nil && strings.Contains(p, t.socket) {
		os.Remove(p)
	}
}

func (t *tmuxTerm) cmd(args ...string) *exec.Cmd {
	c := exec.Command("tmux", append([]string{"-L", t.socket}, args...)...)
	c.Env = append(os.Environ(), "TMUX=")
	return c
}

// pipeTo appends every byte the program writes to the pane to file.
func (t *tmuxTerm) pipeTo(file string) {
	t.b.Helper()
	if out, err := t.cmd("pipe-pane", "-o", "-t", t.name, "cat >> "+shellQuote(file)).CombinedOutput(); err != nil {
		t.b.Fatalf("tmux pipe-pane: %v: %s", err, out)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (t *tmuxTerm) capture() string {
	out, err := t.cmd("capture-pane", "-p", "-t", t.name).CombinedOutput()
	if err != nil {
		t.b.Fatalf("tmux capture-pane: %v: %s", err, out)
	}
	return string(out)
}

// pid is the pane's process: sitboard itself, since env execs it.
func (t *tmuxTerm) pid() int {
	t.b.Helper()
	out, err := t.cmd("display-message", "-p", "-t", t.name, "#{pane_pid}").Output()
	if err != nil {
		t.b.Fatalf("tmux display-message: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.b.Fatalf("pane pid %q: %v", out, err)
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if strings.TrimSpace(string(comm)) != "sitboard" {
		t.b.Fatalf("the pane's process %d is %q, not sitboard", pid, strings.TrimSpace(string(comm)))
	}
	return pid
}

// waitFor polls the screen until ok accepts it; a panic on screen or the
// timeout fails the benchmark with the last screen.
func (t *tmuxTerm) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	t.b.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for {
		screen = t.capture()
		if strings.Contains(screen, "panic:") || strings.Contains(screen, "goroutine ") {
			t.b.Fatalf("the board panicked:\n%s", screen)
		}
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			t.b.Fatalf("timed out after %v waiting for %s; screen:\n%s", timeout, what, screen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// headerSeq reads the last seq from the board's header: "seq 3,038" in
// English, "序号 3,038" in Chinese. -1 when the header does not show one.
var headerSeqRE = regexp.MustCompile(`(?:seq|序号) ([\d,]+)`)

func headerSeq(screen string) int {
	m := headerSeqRE.FindStringSubmatch(screen)
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		return -1
	}
	return n
}

func fileSize(b testing.TB, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// TestParsers keeps the benchmarks' readers of program output honest
// without running anything.
func TestParsers(t *testing.T) {
	seqs := []struct {
		screen string
		want   int
	}{
		{" Zhoukou Summer Action  Day 3/98   seq 3,038  DEMO x28224", 3038},
		{" 周口夏季行动  第3/98天   序号 157,735  演示 x28224", 157735},
		{" 序号 0  LIVE", 0},
		{"no header yet", -1},
	}
	for _, tc := range seqs {
		if got := headerSeq(tc.screen); got != tc.want {
			t.Errorf("headerSeq(%q) = %d, want %d", tc.screen, got, tc.want)
		}
	}

	n, d, r, err := parseReplayDone("replay:  53%  ...\nreplay: done: 157735 events in 9.7s (16208 events/s); the hub took 157735 new, 0 it already had\n")
	if err != nil || n != 157735 || d != 9700*time.Millisecond || r != 16208 {
		t.Errorf("parseReplayDone = %d, %v, %v, %v", n, d, r, err)
	}
	if _, _, _, err := parseReplayDone("replay: stopped at ..."); err == nil {
		t.Error("parseReplayDone accepted output without a done line")
	}

	status := "Name:\tsitboard\nVmHWM:\t  52344 kB\nVmRSS:\t   48120 kB\n"
	if kb, err := parseStatusKB(status, "VmRSS"); err != nil || kb != 48120 {
		t.Errorf("VmRSS = %d, %v", kb, err)
	}
	if _, err := parseStatusKB(status, "VmSwap"); err == nil {
		t.Error("parseStatusKB found a field that is not there")
	}
}
