package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
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
	conn, err := gossh.Dial("tcp", sshAddr, &gossh.ClientConfig{User: "station", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var screen bytes.Buffer
	sess.Stdout = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return screen.Write(p) })
	sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{})
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	waitScreenText := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			mu.Lock()
			text := ansi.Strip(screen.String())
			mu.Unlock()
			if strings.Contains(text, want) {
				return
			}
			select {
			case err := <-ended:
				t.Fatalf("the station's board ended (%v):\n%s", err, logs.text())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("the station's board never showed %q:\n%s", want, text)
			}
		}
	}
	waitScreenText("实时")

	// The CA and the read token are replaced, and the server told.
	copyFile(t, second.CA, caFile)
	writeFile(t, tokenFile, "rtok-second-hub-0123\n", 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "CA reloaded", 10*time.Second)
	logs.waitFor(t, "token reloaded", 10*time.Second)

	// The new hub: another CA's certificate, the new token only.
	stopFirst()
	logs.waitFor(t, "stream lost; reconnecting", 30*time.Second)
	mu.Lock()
	screen.Reset()
	mu.Unlock()
	startHub(second, "rtok-second-hub-0123")
	logs.waitFor(t, "stream live again: reconnected to the hub", 30*time.Second)
	waitScreenText("实时") // the same board, live on the new hub

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
