package main

import (
	"bufio"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const shownSecret = "tok-must-not-show-9731"

// downAddr is a loopback address where nothing listens.
func downAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestCommandErrorsHideTokens: the errors each command prints for a hub
// address with ?token= (or a NATS URL with a password) show the address
// with the secret replaced, never the secret.
func TestCommandErrorsHideTokens(t *testing.T) {
	t.Setenv("SITBOARD_READ_TOKEN", "")
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"watch bad address", []string{"watch", "--hub", "ftp://hub/?token=" + shownSecret}, "token=REDACTED"},
		{"ssh bad address", []string{"ssh", "--hub", "ftp://hub/?token=" + shownSecret, "--authorized-keys", "x", "--host-key", "y"}, "token=REDACTED"},
		{"replay down hub", []string{"replay", "testdata/small.jsonl", "--hub", "http://" + downAddr(t) + "/?token=" + shownSecret, "--token", shownSecret, "--speed", "max"}, "token=REDACTED"},
		{"summary down hub", []string{"summary", "--hub", "http://" + downAddr(t) + "/?token=" + shownSecret}, "token=REDACTED"},
		{"hub's NATS password", []string{"hub", "--listen", "127.0.0.1:0", "--ingest-token", "itok-1234", "--read-token", "rtok-1234", "--nats", "nats://hub:" + shownSecret + "@" + downAddr(t)}, "hub:REDACTED@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(sitboardBin, tc.args...)
			out, _ := runWithin(t, cmd, 60*time.Second, func(text string) bool { return strings.Contains(text, tc.want) })
			if strings.Contains(out, shownSecret) {
				t.Fatalf("secret shown:\n%s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, out)
			}
		})
	}
}

// runWithin runs cmd and collects its stderr until it exits or enough
// returns true, then stops it. ok says whether enough was reached.
func runWithin(t *testing.T, cmd *exec.Cmd, limit time.Duration, enough func(string) bool) (stderr string, ok bool) {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, done := make(chan string), make(chan struct{})
	defer func() { close(done); cmd.Process.Kill(); cmd.Wait() }()
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	var all strings.Builder
	timeout := time.After(limit)
	for {
		select {
		case l, open := <-lines:
			if !open {
				return all.String(), false
			}
			all.WriteString(l + "\n")
			if enough(all.String()) {
				return all.String(), true
			}
		case <-timeout:
			return all.String(), false
		}
	}
}

// TestRecordHidesToken: record's progress lines carry the connection
// error, with the address the client dialled.
func TestRecordHidesToken(t *testing.T) {
	cmd := exec.Command(sitboardBin, "record", "--hub", "ws://"+downAddr(t)+"/?token="+shownSecret, "--out", t.TempDir()+"/feed.jsonl")
	cmd.Env = append(cmd.Environ(), "SITBOARD_READ_TOKEN=")
	out, ok := runWithin(t, cmd, 30*time.Second, func(s string) bool { return strings.Contains(s, "cannot reach the hub") })
	if !ok {
		t.Fatalf("no connection error shown:\n%s", out)
	}
	if strings.Contains(out, shownSecret) || !strings.Contains(out, "token=REDACTED") {
		t.Fatalf("want the address with token=REDACTED and no secret:\n%s", out)
	}
}

// TestWatchHidesTokenOnScreen: the board's connection line shows why the
// hub is unreachable without the token from the address.
func TestWatchHidesTokenOnScreen(t *testing.T) {
	needTmux(t)
	s := startTmux(t, 250, 40, []string{"LANG=en_US.UTF-8", "SITBOARD_READ_TOKEN="}, "watch", "--hub", "ws://"+downAddr(t)+"/?token="+shownSecret)
	screen := s.waitFor("the connection error", 15*time.Second, contains("token=REDACTED"))
	if strings.Contains(screen, shownSecret) {
		t.Fatalf("token on screen:\n%s", screen)
	}
	s.keys("q")
}
