package sshd

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"sitboard/feed/client"
	"sitboard/internal/testtool"
)

// waitUntil polls cond until it holds or d passes.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForAfter is waitFor on what the terminal received after mark bytes.
func (tm *terminal) waitForAfter(t testing.TB, mark int, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		raw := tm.out.String()
		if mark > len(raw) {
			mark = len(raw)
		}
		if strings.Contains(stripEscapes(raw[mark:]), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q within %s after byte %d; got:\n%s", want, d, mark, tail(stripEscapes(raw[mark:]), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stripEscapes(s string) string { return ansi.Strip(s) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// waitClosed waits for the server to close a client's connection.
func waitClosed(t testing.TB, c *gossh.Client, d time.Duration, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: the server did not close the connection within %s", what, d)
	}
}

func withFakeBoard(c *Config) { c.Board = fakeBoard{} }

func TestTerminalSizeCapped(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) { c.MaxWidth, c.MaxHeight = 300, 100 })
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	// Without the cap the board would be built for 65535x65535: four
	// billion cells, which ends the whole server with "out of memory".
	term := openBoard(t, c, 65535, 65535, nil)
	term.waitFor(t, "size 300x100", 10*time.Second)
	resizes := []struct {
		w, h int
		want string
	}{
		{200, 50, "size 200x50"}, // within the cap: as asked
		{65535, 65535, "size 300x100"},
		{1000, 60, "size 300x60"}, // each dimension is capped on its own
		{120, 4000, "size 120x100"},
	}
	for _, r := range resizes {
		mark := term.out.Len()
		if err := term.sess.WindowChange(r.h, r.w); err != nil {
			t.Fatal(err)
		}
		term.waitForAfter(t, mark, r.want, 10*time.Second)
	}
	waitUntil(t, 5*time.Second, "the clamp is logged", func() bool {
		return strings.Contains(ts.logs.String(), "requested_width=65535 requested_height=65535 max_width=300 max_height=100")
	})
}

// dialStalled opens a TCP connection that never starts its handshake, and
// reads the server's version line so the server is known to hold it.
func dialStalled(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
		t.Fatalf("stalled connection: want the server's version line, got %q, %v", line, err)
	}
	return c
}

func TestStartupCap(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) {
		c.MaxStartups = 3
		c.HandshakeTimeout = time.Minute // the cap, not the deadline, must act
	})
	var stalled []net.Conn
	for range 3 {
		stalled = append(stalled, dialStalled(t, ts.addr))
	}
	waitUntil(t, 5*time.Second, "3 connections in their handshake", func() bool { return ts.srv.Startups() == 3 })

	// The next one is answered and closed at once, not held.
	extra, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(extra)
	if err != nil {
		t.Fatalf("the connection past the cap was not closed: %v (got %q)", err, got)
	}
	if !strings.Contains(string(got), "too many connections are logging in") || strings.Contains(string(got), "SSH-2.0-") {
		t.Errorf("past the cap: got %q, want only the refusal line", got)
	}
	if _, err := dialKey(t, ts.addr, k); err == nil {
		t.Fatal("a station logged in past the cap")
	}
	if !strings.Contains(ts.logs.String(), "too many connections are logging in at once") {
		t.Errorf("the refusal is not logged:\n%s", ts.logs.String())
	}

	// A place frees when a stalled connection goes.
	stalled[0].Close()
	waitUntil(t, 5*time.Second, "the closed connection's place is given back", func() bool { return ts.srv.Startups() == 2 })
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatalf("a station was refused with a place free: %v", err)
	}
	openBoard(t, c, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
	if n := ts.srv.Startups(); n != 2 {
		t.Errorf("after a login, %d connections counted in their handshake, want 2", n)
	}
}

func TestHandshakeDeadline(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) { c.HandshakeTimeout = 300 * time.Millisecond })
	c := dialStalled(t, ts.addr)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server held a stalled handshake past its deadline")
	}
	waitUntil(t, 5*time.Second, "the stalled connection's place is given back", func() bool { return ts.srv.Startups() == 0 })
}

func TestPerKeyCap(t *testing.T) {
	a := newTestKey(t, "a")
	b := newTestKey(t, "b")
	ts := startServer(t, []string{a.line, b.line}, withFakeBoard, func(c *Config) {
		c.MaxSessions = 10
		c.MaxSessionsPerKey = 2
	})
	for range 2 {
		c, err := dialKey(t, ts.addr, a)
		if err != nil {
			t.Fatal(err)
		}
		openBoard(t, c, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
	}
	c, err := dialKey(t, ts.addr, a)
	if err != nil {
		t.Fatal(err)
	}
	third := openBoard(t, c, 80, 24, nil)
	third.waitFor(t, "the limit per key is 2", 10*time.Second)
	var ee *gossh.ExitError
	if err := third.sess.Wait(); !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Fatalf("refused session: want exit status 1, got %v", err)
	}
	// Another station is not affected by a's use.
	cb, err := dialKey(t, ts.addr, b)
	if err != nil {
		t.Fatal(err)
	}
	openBoard(t, cb, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)

	// Two sessions on one connection take two slots.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	cb2, err := dialKey(t, ts.addr, b)
	if err != nil {
		t.Fatal(err)
	}
	openBoard(t, cb2, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second) // b's second slot
	openBoard(t, cb, 80, 24, nil).waitFor(t, "the limit per key is 2", 10*time.Second)
}

func TestConnectionWithoutSession(t *testing.T) {
	a := newTestKey(t, "a")
	b := newTestKey(t, "b")
	ts := startServer(t, []string{a.line, b.line}, withFakeBoard, func(c *Config) {
		c.MaxSessions = 1
		c.NoSessionTimeout = 4 * time.Second // the margin for b to log in and be refused
	})
	// Like "ssh -N": authenticated, no session.
	idle, err := dialKey(t, ts.addr, a)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the connection is logged", func() bool {
		return strings.Contains(ts.logs.String(), `msg="connection authenticated"`)
	})
	// It holds the only slot.
	cb, err := dialKey(t, ts.addr, b)
	if err != nil {
		t.Fatal(err)
	}
	openBoard(t, cb, 80, 24, nil).waitFor(t, "all 1 board sessions", 10*time.Second)

	// It is closed, and says why in the log.
	waitClosed(t, idle, 20*time.Second, "a connection without a session")
	waitUntil(t, 5*time.Second, "the time-out is logged", func() bool {
		return strings.Contains(ts.logs.String(), `reason="no board session within 4s"`)
	})
	// Its slot is free again.
	cb2, err := dialKey(t, ts.addr, b)
	if err != nil {
		t.Fatal(err)
	}
	openBoard(t, cb2, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
	waitUntil(t, 5*time.Second, "the over-limit connection is gone too", func() bool { return ts.srv.Connections() == 1 })
}

func TestRevokedKeyClosesSessions(t *testing.T) {
	a := newTestKey(t, "a")
	b := newTestKey(t, "b")
	ts := startServer(t, []string{a.line, b.line}, withFakeBoard, func(c *Config) { c.KeyCheckInterval = 50 * time.Millisecond })
	ca, err := dialKey(t, ts.addr, a)
	if err != nil {
		t.Fatal(err)
	}
	boardA := openBoard(t, ca, 80, 24, nil)
	boardA.waitFor(t, "size 80x24", 10*time.Second)
	quietA, err := dialKey(t, ts.addr, a) // a's connection without a session
	if err != nil {
		t.Fatal(err)
	}
	cb, err := dialKey(t, ts.addr, b)
	if err != nil {
		t.Fatal(err)
	}
	boardB := openBoard(t, cb, 80, 24, nil)
	boardB.waitFor(t, "size 80x24", 10*time.Second)
	waitUntil(t, 5*time.Second, "three connections", func() bool { return ts.srv.Connections() == 3 })

	writeKeys(t, ts.keys, b.line)
	boardA.waitFor(t, "removed from the authorized keys", 10*time.Second)
	waitClosed(t, ca, 10*time.Second, "the revoked key's board connection")
	waitClosed(t, quietA, 10*time.Second, "the revoked key's connection without a session")
	if !strings.Contains(ts.logs.String(), "key revoked") {
		t.Errorf("the revocation is not logged:\n%s", ts.logs.String())
	}
	// b is untouched and still gets updates.
	mark := boardB.out.Len()
	st := testState(t, ts.cfg, 40)
	ts.source.more <- client.Batch{State: st, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}}
	boardB.waitForAfter(t, mark, "40", 10*time.Second) // the renderer redraws only the changed digits
	if n := ts.srv.Connections(); n != 1 {
		t.Errorf("%d connections open, want b's only", n)
	}
}

func TestAuthorizedKeysMustBeSafe(t *testing.T) {
	k := newTestKey(t, "station")
	tests := []struct {
		name    string
		fileMod os.FileMode
		dirMod  os.FileMode
		owner   int // -1: this user
		want    string
	}{
		{"private", 0o600, 0o700, -1, ""},
		{"readable by all", 0o644, 0o755, -1, ""},
		{"world-writable", 0o666, 0o700, -1, "writable by group and others (mode 0666)"},
		{"group-writable", 0o620, 0o700, -1, "writable by its group (mode 0620)"},
		{"others-writable", 0o602, 0o700, -1, "writable by others (mode 0602)"},
		{"directory world-writable", 0o600, 0o777, -1, "its directory"},
		{"directory sticky", 0o600, os.ModeSticky | 0o777, -1, ""},
		{"owned by another user", 0o600, 0o700, 54321, "owned by uid 54321"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.owner >= 0 && os.Geteuid() != 0 {
				t.Skip("changing a file's owner needs root")
			}
			dir := filepath.Join(t.TempDir(), "keys")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "authorized_keys")
			writeKeys(t, path, k.line)
			if err := os.Chmod(path, tc.fileMod); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.dirMod); err != nil {
				t.Fatal(err)
			}
			if tc.owner >= 0 {
				if err := os.Chown(path, tc.owner, tc.owner); err != nil {
					t.Fatal(err)
				}
			}
			_, err := newKeyFile(path, nil, discardLogger())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("a safe file was refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("an unsafe file was accepted")
			}
			fix := "chmod 600 " + path
			switch {
			case tc.owner >= 0:
				fix = "chown "
			case tc.dirMod&0o022 != 0:
				fix = "chmod go-w " + dir
			}
			for _, w := range []string{tc.want, fix, path} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

// TestUnsafeReloadOnlyRevokes: a change that leaves the file writable by
// others cannot add a key, and is logged each time; it can remove one.
func TestUnsafeReloadOnlyRevokes(t *testing.T) {
	a := newTestKey(t, "a")
	b := newTestKey(t, "b")
	c := newTestKey(t, "c")
	ts := startServer(t, []string{a.line, b.line}, withFakeBoard, func(cfg *Config) { cfg.KeyCheckInterval = 50 * time.Millisecond })
	ca, err := dialKey(t, ts.addr, a)
	if err != nil {
		t.Fatal(err)
	}
	boardA := openBoard(t, ca, 80, 24, nil)
	boardA.waitFor(t, "size 80x24", 10*time.Second)

	// Unsafe first, then the edit: the other order would let the server
	// read the edit while the file was still safe.
	if err := os.Chmod(ts.keys, 0o666); err != nil {
		t.Fatal(err)
	}
	writeKeys(t, ts.keys, b.line, `district="xihua" `+c.line)
	if _, err := dialKey(t, ts.addr, c); err == nil {
		t.Fatal("a key added to a world-writable file got in")
	}
	if _, err := dialKey(t, ts.addr, b); err != nil {
		t.Fatalf("a key listed before and after was refused: %v", err)
	}
	boardA.waitFor(t, "removed from the authorized keys", 10*time.Second)
	logs := ts.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "chmod 600 "+ts.keys) {
		t.Errorf("the unsafe file is not logged with its fix:\n%s", logs)
	}

	if err := os.Chmod(ts.keys, 0o600); err != nil {
		t.Fatal(err)
	}
	cc, err := dialKey(t, ts.addr, c)
	if err != nil {
		t.Fatalf("once the file is safe again, its new key is refused: %v", err)
	}
	openBoard(t, cc, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
}

// TestSlotsGivenBackOnce: a connection that drops with two boards open
// gives back exactly its two slots, however its sessions and its close
// interleave.
func TestSlotsGivenBackOnce(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) { c.MaxSessions = 2 })
	for range 3 {
		c, err := dialKey(t, ts.addr, k)
		if err != nil {
			t.Fatal(err)
		}
		openBoard(t, c, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
		openBoard(t, c, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
		c.Close()
		waitUntil(t, 10*time.Second, "the connection and its sessions are gone", func() bool {
			return ts.srv.Connections() == 0 && ts.srv.Sessions() == 0
		})
	}
	// Still exactly two slots: two boards, and a third refused.
	var held []*gossh.Client
	for range 2 {
		c, err := dialKey(t, ts.addr, k)
		if err != nil {
			t.Fatal(err)
		}
		openBoard(t, c, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
		held = append(held, c)
	}
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	openBoard(t, c, 80, 24, nil).waitFor(t, "all 2 board sessions", 10*time.Second)
}

// TestOpenSSHNoSession: the real client's "ssh -N" logs in and opens no
// session; the server closes it after the no-session timeout, and the
// client exits.
func TestOpenSSHNoSession(t *testing.T) {
	testtool.Need(t, "ssh", "openssh-client")
	dir := t.TempDir()
	key, keyPath := newTestKeyFile(t, dir, "station")
	ts := startServer(t, []string{key.line}, withFakeBoard, func(c *Config) { c.NoSessionTimeout = time.Second })
	host, port, _ := net.SplitHostPort(ts.addr)
	cmd := exec.Command("ssh", "-N", "-i", keyPath, "-p", port, "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "LogLevel=ERROR", "station@"+host)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("ssh -N was not disconnected; log:\n%s", ts.logs.String())
	}
	waitUntil(t, 5*time.Second, "the time-out is logged", func() bool {
		logs := ts.logs.String()
		return strings.Contains(logs, `msg="connection authenticated"`) && strings.Contains(logs, `reason="no board session within 1s"`)
	})
}

// blackHole forwards TCP to the server until cut, then swallows everything
// both ways without closing: a station whose link died.
type blackHole struct {
	addr string
	cut  atomic.Bool
}

func newBlackHole(t testing.TB, target string) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	bh := &blackHole{addr: ln.Addr().String()}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			t.Cleanup(func() { in.Close(); out.Close() })
			go bh.pipe(in, out)
			go bh.pipe(out, in)
		}
	}()
	return bh
}

func (bh *blackHole) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if !bh.cut.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
}

func TestDeadLinkClosed(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) { c.ClientAliveInterval = 500 * time.Millisecond })
	bh := newBlackHole(t, ts.addr)
	c, err := dialKey(t, bh.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	openBoard(t, c, 80, 24, nil).waitFor(t, "size 80x24", 10*time.Second)
	// A live client answers: several intervals pass and it stays.
	waitUntil(t, 10*time.Second, "keepalives answered", func() bool {
		return ts.srv.keepalivesAnswered.Load() >= 3
	})
	if n := ts.srv.Connections(); n != 1 {
		t.Fatalf("a live connection was closed: %d open\n%s", n, ts.logs.String())
	}
	bh.cut.Store(true)
	waitUntil(t, 10*time.Second, "the dead link is closed", func() bool {
		return ts.srv.Connections() == 0 && ts.srv.Sessions() == 0
	})
	if !strings.Contains(ts.logs.String(), "no answer to keepalives") {
		t.Errorf("the reason is not logged:\n%s", ts.logs.String())
	}
}

// TestReloadKeysNow: ReloadKeys (sitboard ssh's SIGHUP) reads the key file
// at once and closes the connections of the keys it dropped, without
// waiting for the periodic check.
func TestReloadKeysNow(t *testing.T) {
	a := newTestKey(t, "a")
	b := newTestKey(t, "b")
	ts := startServer(t, []string{a.line, b.line}, withFakeBoard, func(c *Config) { c.KeyCheckInterval = time.Hour })
	ca, err := dialKey(t, ts.addr, a)
	if err != nil {
		t.Fatal(err)
	}
	boardA := openBoard(t, ca, 80, 24, nil)
	boardA.waitFor(t, "size 80x24", 10*time.Second)
	writeKeys(t, ts.keys, b.line)
	if err := ts.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	boardA.waitFor(t, "removed from the authorized keys", 10*time.Second)
	waitClosed(t, ca, 10*time.Second, "the dropped key's connection")
	if !strings.Contains(ts.logs.String(), "authorized keys reloaded") {
		t.Errorf("the reload is not logged:\n%s", ts.logs.String())
	}
	if _, err := dialKey(t, ts.addr, b); err != nil {
		t.Errorf("the key still listed cannot log in: %v", err)
	}
}
