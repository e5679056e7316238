package sshd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/testtool"
)

// TestOpenSSHClientEndToEnd runs the whole path a station uses: a real hub
// with events, the SSH server subscribed to it over the websocket, and the
// real OpenSSH client in a real terminal (tmux).
func TestOpenSSHClientEndToEnd(t *testing.T) {
	testtool.Need(t, "tmux", "tmux")
	testtool.Need(t, "ssh", "openssh-client")
	hub := hubtest.Start(t, nil)
	cfg := hub.Cfg
	hubtest.Post(t, hub.URL, hubtest.Events(cfg, "e2e", 0, 140))
	hub.WaitSeq(t, 140)

	dir := t.TempDir()
	key, keyPath := newTestKeyFile(t, dir, "xihua-duty")
	authPath := filepath.Join(dir, "authorized_keys")
	writeKeys(t, authPath, `district="xihua",lang="zh" `+key.line)
	logs := &syncBuffer{}
	srv, err := New(Config{
		HostKeyPath:        filepath.Join(dir, "host", "key"),
		AuthorizedKeysPath: authPath,
		Campaign:           cfg,
		Source:             HubSource(client.Options{URL: hub.WS, Token: hubtest.ReadToken, Campaign: cfg}),
		Logger:             slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	port := ln.Addr().(*net.TCPAddr).Port

	// A private tmux server, so nothing else on the machine is touched.
	sock := fmt.Sprintf("sitboard-sshd-e2e-%d", os.Getpid())
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil && args[0] != "kill-server" {
			t.Fatalf("tmux %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		// tmux leaves the socket file of a private server in /tmp/tmux-UID.
		sockPath, err := exec.Command("tmux", "-L", sock, "display-message", "-p", "#{socket_path}").Output()
		tmux("kill-server")
		if p := strings.TrimSpace(string(sockPath)); err == nil && strings.Contains(p, sock) {
			os.Remove(p)
		}
	})
	sshCmd := fmt.Sprintf("ssh -i %s -p %d -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR -t station@127.0.0.1; sleep 30", keyPath, port)
	tmux("new-session", "-d", "-s", "station", "-x", "120", "-y", "40", "env", "TERM=xterm-256color", "sh", "-c", sshCmd)
	tmux("set-option", "-t", "station", "remain-on-exit", "on")

	screen := func() string { return tmux("capture-pane", "-p", "-t", "station") }
	waitScreen := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the pane never showed %s; it shows:\n%s\nserver log:\n%s", what, s, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	has := func(subs ...string) func(string) bool {
		return func(s string) bool {
			for _, sub := range subs {
				if !strings.Contains(s, sub) {
					return false
				}
			}
			return true
		}
	}
	s := waitScreen("the live board at 120x40", has(cfg.Campaign.NameZh, "实时", "序号 140", "standard zh dark", "红黄旗排名", "西华县"))
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 40 {
		t.Errorf("board is %d lines in a 40-line pane", len(lines))
	}

	// The station's district is drawn on the highlight background.
	styled := tmux("capture-pane", "-p", "-e", "-t", "station")
	found := false
	for _, r := range styledRuns(styled) {
		if strings.Contains(r.text, "西华县") && strings.Contains(";"+r.sgr+";", ";48;5;237;") {
			found = true
		}
	}
	if !found {
		t.Errorf("西华县 is not highlighted in the pane:\n%q", styled)
	}

	// New events reach the station through hub, websocket and fan-out.
	hubtest.Post(t, hub.URL, hubtest.Events(cfg, "e2e", 140, 10))
	waitScreen("the new seq", has("序号 150"))

	// A resize re-lays the board out.
	tmux("resize-window", "-t", "station", "-x", "80", "-y", "24")
	waitScreen("the compact layout after resizing to 80x24", has("compact zh dark", cfg.Campaign.ShortZh, "西华县"))

	// q ends the session, and the server logs it.
	tmux("send-keys", "-t", "station", "q")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "session ended") {
		if time.Now().After(deadline) {
			t.Fatalf("no session end logged after q:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), `station="xihua (xihua-duty)"`) {
		t.Errorf("session log lacks the station:\n%s", logs.String())
	}
}
