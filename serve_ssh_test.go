package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"sitboard/feed/hub/hubtest"
)

// TestSSHReloadsOnSIGHUP: sitboard ssh re-reads its --ca and its
// --token-file on SIGHUP. The hub is then replaced by one whose
// certificate comes from another CA and that takes another read token:
// the server's hub connection reconnects with the new trust and the new
// token, and a station's board opened before it all stays open and live.
// Before, the CA was read once, so the reconnect failed for good.
func TestSSHReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	first, second := hubtest.PrivateCA(t, t.TempDir()), hubtest.PrivateCA(t, t.TempDir())
	hubAddr := freeAddr(t)
	startHub := func(files hubtest.TLSFiles, readToken string) (stop func()) {
		cmd, logs := startProcess(t, []string{"SITBOARD_INGEST_TOKEN=itok-sighup-ssh", "SITBOARD_READ_TOKEN=" + readToken,
			"SITBOARD_INGEST_TOKEN_FILE=", "SITBOARD_READ_TOKEN_FILE="},
			"hub", "--listen", hubAddr, "--tls-cert", files.ServerCert, "--tls-key", files.ServerKey, "--campaign", "campaign/testdata/small.toml")
		logs.waitFor(t, `msg="hub ready"`, 30*time.Second)
		return func() {
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("the hub did not drain: %v\n%s", err, logs.text())
			}
		}
	}
	stopFirst := startHub(first, "rtok-first-hub-0123")

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	keys := filepath.Join(dir, "stations")
	writeFile(t, keys, `district="east" `+strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))+" east-duty\n", 0o600)
	caFile, tokenFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "read.token")
	copyFile(t, first.CA, caFile)
	writeFile(t, tokenFile, "rtok-first-hub-0123\n", 0o600)
	sshAddr := freeAddr(t)
	cmd, logs := startProcess(t, []string{"SITBOARD_READ_TOKEN=", "SITBOARD_READ_TOKEN_FILE="},
		"ssh", "--listen", sshAddr, "--hub", "wss://"+hubAddr, "--ca", caFile, "--token-file", tokenFile,
		"--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key"), "--campaign", "campaign/testdata/small.toml")
	logs.waitFor(t, `msg="stream live"`, 30*time.Second)

	// A station's board, open before the reload and the new hub.
	board := openStationBoard(t, sshAddr, signer, logs)
	board.waitFor("实时")

	// The CA and the read token are replaced, and the server told.
	copyFile(t, second.CA, caFile)
	writeFile(t, tokenFile, "rtok-second-hub-0123\n", 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "CA reloaded", 10*time.Second)
	logs.waitFor(t, "token reloaded", 10*time.Second)

	// The new hub: another CA's certificate, the new token only.
	stopFirst()
	logs.waitFor(t, "stream lost; reconnecting", 30*time.Second)
	board.reset()
	startHub(second, "rtok-second-hub-0123")
	logs.waitFor(t, "stream live again: reconnected to the hub", 30*time.Second)
	board.waitFor("实时") // the same board, live on the new hub

	for _, secret := range []string{"rtok-first-hub-0123", "rtok-second-hub-0123"} {
		if strings.Contains(logs.text(), secret) {
			t.Errorf("the token %s reached the log:\n%s", secret, logs.text())
		}
	}
	// A CA file that went wrong keeps the CA in force.
	writeFile(t, caFile, "not a certificate\n", 0o644)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "cannot reload the CA (--ca); keeping the one in use", 10*time.Second)
}

// stationBoard is a station's board session over SSH (x/crypto/ssh's
// client), with what it has drawn so far.
type stationBoard struct {
	t      *testing.T
	conn   *gossh.Client
	logs   *processLog
	mu     sync.Mutex
	screen bytes.Buffer
	ended  chan error
}

func openStationBoard(t *testing.T, addr string, signer gossh.Signer, logs *processLog) *stationBoard {
	t.Helper()
	conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "station", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.text())
	}
	t.Cleanup(func() { conn.Close() })
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	b := &stationBoard{t: t, conn: conn, logs: logs, ended: make(chan error, 1)}
	sess.Stdout = writerFunc(func(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.screen.Write(p) })
	sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{})
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { b.ended <- sess.Wait() }()
	return b
}

// waitFor waits until the board has drawn want, failing if the session
// ends first.
func (b *stationBoard) waitFor(want string) {
	b.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b.mu.Lock()
		text := ansi.Strip(b.screen.String())
		b.mu.Unlock()
		if strings.Contains(text, want) {
			return
		}
		select {
		case err := <-b.ended:
			b.t.Fatalf("the station's board ended (%v):\n%s", err, b.logs.text())
		default:
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the station's board never showed %q:\n%s", want, text)
		}
	}
}

// reset forgets what the board drew so far.
func (b *stationBoard) reset() {
	b.mu.Lock()
	b.screen.Reset()
	b.mu.Unlock()
}

// TestSSHSessionsLogInTheServersFormat: with --log-format json, a station
// that opens a board and drops its connection leaves only JSON lines in
// the log. wish's Bubble Tea middleware logged "app exit with error"
// through charm's own logger, as plain text at ERROR, for every such
// session.
func TestSSHSessionsLogInTheServersFormat(t *testing.T) {
	hub := hubtest.Start(t, nil)
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	keys := filepath.Join(dir, "stations")
	writeFile(t, keys, `district="east" `+strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey())))+" east-duty\n", 0o600)
	sshAddr := freeAddr(t)
	cmd, logs := startProcess(t, []string{"SITBOARD_READ_TOKEN=" + hubtest.ReadToken, "SITBOARD_READ_TOKEN_FILE="},
		"ssh", "--listen", sshAddr, "--hub", hub.URL, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key"),
		"--campaign", "campaign/testdata/small.toml", "--log-format", "json")
	logs.waitFor(t, `"msg":"stream live"`, 30*time.Second)
	for i := 0; i < 2; i++ {
		board := openStationBoard(t, sshAddr, signer, logs)
		board.waitFor("实时")
		board.conn.Close() // the station's link drops
		for deadline := time.Now().Add(30 * time.Second); strings.Count(logs.text(), `"msg":"session ended"`) <= i; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no session end logged:\n%s", logs.text())
			}
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	for _, l := range strings.Split(logs.text(), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil || m["level"] == nil {
			t.Errorf("not a JSON log line: %q", l)
		} else if m["msg"] == "app exit with error" {
			t.Errorf("a station leaving is logged as an error: %q", l)
		}
	}
}
