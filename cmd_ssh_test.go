package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"os/exec"
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

func TestSSHCommandFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"--help"}, 0, "Usage: sitboard ssh"},
		{"nothing", nil, 2, "--hub --authorized-keys --host-key"},
		{"no keys file", []string{"--hub", "ws://127.0.0.1:1", "--host-key", "host/key", "--authorized-keys", "/nonexistent/keys"}, 1, "authorized keys /nonexistent/keys"},
		{"bad refresh", []string{"--hub", "ws://h", "--host-key", "k", "--authorized-keys", "a", "--refresh", "1ms"}, 2, "--refresh >= 100ms"},
		{"bad terminal cap", []string{"--hub", "ws://h", "--host-key", "k", "--authorized-keys", "a", "--max-terminal", "65535x65535"}, 2, "between 80x24 and 4096x4096"},
		{"terminal cap not a size", []string{"--hub", "ws://h", "--host-key", "k", "--authorized-keys", "a", "--max-terminal", "big"}, 2, "want COLSxROWS"},
		{"no per-key slot", []string{"--hub", "ws://h", "--host-key", "k", "--authorized-keys", "a", "--max-sessions-per-key", "0"}, 2, "--max-sessions-per-key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(sitboardBin, append([]string{"ssh"}, tc.args...)...)
			cmd.Dir = t.TempDir()
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if entries, _ := os.ReadDir(cmd.Dir); len(entries) != 0 {
				t.Errorf("wrote into the working directory: %v", entries)
			}
		})
	}
}

// TestSSHCommandRefusesUnsafeKeys: a key file others can write is refused
// at start-up with the command that fixes it, and no host key is created.
func TestSSHCommandRefusesUnsafeKeys(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "stations")
	os.WriteFile(keys, []byte("# none yet\n"), 0o600)
	if err := os.Chmod(keys, 0o666); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sitboardBin, "ssh", "--listen", "127.0.0.1:0", "--hub", "ws://127.0.0.1:1",
		"--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key"))
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1; output:\n%s", code, out)
	}
	if want := "run: chmod 600 " + keys; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if fileExists(filepath.Join(dir, "host_key")) {
		t.Error("a host key was created for a server that did not start")
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestSSHCommandServesBoard runs the built binary against a real hub and
// connects as a station.
func TestSSHCommandServesBoard(t *testing.T) {
	hub := hubtest.Start(t, nil)
	hubtest.Post(t, hub.URL, hubtest.Events(hub.Cfg, "cmd", 0, 30))
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	keys := filepath.Join(dir, "stations")
	line := `district="xihua" ` + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " xihua-duty\n"
	os.WriteFile(keys, []byte(line), 0o600)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()

	var logs bytes.Buffer
	var mu sync.Mutex
	cmd := exec.Command(sitboardBin, "ssh", "--listen", addr, "--hub", hub.URL,
		"--authorized-keys", keys, "--host-key", filepath.Join(dir, "host", "key"))
	// The read token comes from a file named in the environment, as the
	// systemd unit gives it (SITBOARD_READ_TOKEN_FILE).
	tokenFile := filepath.Join(dir, "read.token")
	os.WriteFile(tokenFile, []byte(hubtest.ReadToken+"\n"), 0o600)
	cmd.Env = append(os.Environ(), "SITBOARD_READ_TOKEN=", "SITBOARD_READ_TOKEN_FILE="+tokenFile)
	cmd.Dir = t.TempDir()
	cmd.Stderr = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	var client *gossh.Client
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "station", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: time.Second})
		if err == nil {
			client = c
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("cannot connect: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer client.Close()
	sess, _ := client.NewSession()
	var out bytes.Buffer
	var omu sync.Mutex
	sess.Stdout = writerFunc(func(p []byte) (int, error) { omu.Lock(); defer omu.Unlock(); return out.Write(p) })
	sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{})
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	want := []string{hub.Cfg.Campaign.NameZh, "序号 30", "实时"}
	for {
		omu.Lock()
		screen := ansi.Strip(out.String())
		omu.Unlock()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(screen, w)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("board never showed %q:\n%s", want, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := sess.Wait(); err != nil {
		var ee *gossh.ExitError
		if !errors.As(err, &ee) {
			t.Logf("session ended with %v", err)
		}
	}
	omu.Lock()
	if !strings.Contains(out.String(), "shutting down") {
		t.Errorf("the station was not told about the shutdown")
	}
	omu.Unlock()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sitboard ssh exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sitboard ssh did not stop on SIGTERM")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, w := range []string{"serving the board over SSH", "host_key=SHA256:", "session ended", `station="xihua (xihua-duty)"`, "bytes_sent="} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, logs.String())
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "host", "key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key: %v %v", fi, err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestSSHCommandRedactsToken runs the binary with the read token in the hub
// address and as --token, and reads every line it logs: at start-up, in the
// reconnect warnings of an unreachable hub, and in the final error of a hub
// that refuses the token.
func TestSSHCommandRedactsToken(t *testing.T) {
	const secret = "s3cr3t-read-token-7f2a"
	refusing := hubtest.Start(t, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	unreachable := "ws://" + ln.Addr().String() + "/v1/stream?token=" + secret
	ln.Close()
	tests := []struct {
		name  string
		args  []string
		until string // a log line that shows the token's chance to leak has passed
		exits bool
		inURL bool // the address holds the token, so some line must show it redacted
	}{
		{"unreachable hub, token in the URL", []string{"--hub", unreachable}, "reconnecting", false, true},
		{"unreachable hub, token flag", []string{"--hub", strings.TrimSuffix(unreachable, "?token="+secret), "--token", secret}, "reconnecting", false, false},
		{"hub refuses the token", []string{"--hub", refusing.WS + "?token=" + secret}, "hub subscription ended", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			keys := filepath.Join(dir, "stations")
			os.WriteFile(keys, []byte("# no stations yet\n"), 0o600)
			port, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := port.Addr().String()
			port.Close()
			var logs bytes.Buffer
			var mu sync.Mutex
			cmd := exec.Command(sitboardBin, append([]string{"ssh", "--listen", addr,
				"--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key")}, tc.args...)...)
			cmd.Dir = t.TempDir()
			cmd.Stderr = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) })
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() { cmd.Process.Kill(); <-done })
			logged := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
			deadline := time.Now().Add(15 * time.Second)
			for !strings.Contains(logged(), tc.until) {
				if time.Now().After(deadline) {
					t.Fatalf("never logged %q:\n%s", tc.until, logged())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if tc.exits {
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("did not exit after the hub refused the token")
				}
			} else {
				cmd.Process.Signal(syscall.SIGTERM)
				<-done
			}
			done <- nil // for the cleanup
			out := logged()
			if strings.Contains(out, secret) {
				t.Errorf("the token was logged:\n%s", out)
			}
			if tc.inURL && !strings.Contains(out, "REDACTED") {
				t.Errorf("no redacted token in the log, so the test saw no line that held it:\n%s", out)
			}
		})
	}
}
