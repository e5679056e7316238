package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gossh "golang.org/x/crypto/ssh"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/hostile"
)

// terminalLog collects the raw bytes a program writes to its terminal.
type terminalLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *terminalLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *terminalLog) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// startLogNATS runs a NATS server with JetStream on loopback, in process:
// the hub's log, which the test also writes to directly.
func startLogNATS(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	return ns.ClientURL()
}

// watchInPty runs `sitboard watch` on a pseudo-terminal of w×h and records
// every byte it writes there.
func watchInPty(t *testing.T, wsURL string, w, h int) *terminalLog {
	t.Helper()
	cmd := exec.Command(sitboardBin, "watch", "--hub", wsURL, "--layout", "standard", "--lang", "zh")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "LANG=zh_CN.UTF-8", "SITBOARD_READ_TOKEN="+hubtest.ReadToken)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(h), Cols: uint16(w)})
	if err != nil {
		t.Skip("no pseudo-terminal here:", err)
	}
	out := &terminalLog{}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(out, ptmx); close(done) }()
	// Answer Bubble Tea's query for grapheme clustering (DECRQM 2027) as a
	// terminal that has it: the board then measures by grapheme cluster,
	// while the SSH session, which gets no answer, keeps wcwidth. The test
	// sees both of Bubble Tea's width rules. The answer waits for the
	// query, so the terminal is in raw mode and does not echo it.
	for deadline := time.Now().Add(20 * time.Second); !bytes.Contains(out.Bytes(), []byte("\x1b[?2027$p")); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("watch never asked the terminal about mode 2027: %q", out.Bytes())
		}
	}
	if _, err := ptmx.Write([]byte("\x1b[?2027;2$y")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptmx.Close()
		<-done
	})
	return out
}

// sshBoard serves the board with `sitboard ssh` and opens one session with
// a w×h pty through the x/crypto/ssh client, recording the raw bytes.
func sshBoard(t *testing.T, hubURL string, w, h int) *terminalLog {
	t.Helper()
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "stations")
	line := `district="xihua" ` + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " xihua-duty\n"
	if err := os.WriteFile(keys, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logs := &terminalLog{}
	cmd := exec.Command(sitboardBin, "ssh", "--listen", addr, "--hub", hubURL,
		"--authorized-keys", keys, "--host-key", filepath.Join(dir, "host", "key"))
	cmd.Env = append(os.Environ(), "SITBOARD_READ_TOKEN="+hubtest.ReadToken)
	cmd.Dir = dir
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var client *gossh.Client
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "station", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 2 * time.Second})
		if err == nil {
			client = c
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cannot connect to sitboard ssh: %v\n%s", err, logs.Bytes())
		}
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &terminalLog{}
	sess.Stdout = out
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileFeedNeverReachesTheTerminal is issue 11's points 1 and 7 at
// the terminal: a log holding every hostile text of testdata/hostile (and
// raw 8-bit C1 bytes), written straight into NATS as a log from before the
// rules would be, is served by a real hub to `sitboard watch` on a pty and
// to an SSH session. The raw bytes both write never hold a C1 control,
// either as a raw byte or as a code point, nor an invisible format
// character, and every escape sequence is one Bubble Tea itself sends:
// none carries data. The corpus goes in rounds, each ended by a marker the
// board must draw, so every text is on screen at some point, with its
// alert flashing.
func TestHostileFeedNeverReachesTheTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub, a board on a pty and an SSH server")
	}
	natsURL := startLogNATS(t)
	srv := hubtest.Start(t, func(o *hub.Options) { o.NatsURL = natsURL })
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	publish := func(data []byte) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := js.Publish(ctx, hub.DefaultSubject, data); err != nil {
			t.Fatal(err)
		}
	}
	publishEvent := func(ev feed.Event) {
		t.Helper()
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		publish(b)
	}

	const w, h = 120, 40
	boards := map[string]*terminalLog{
		"watch": watchInPty(t, srv.WS, w, h),
		"ssh":   sshBoard(t, srv.URL, w, h),
	}
	// SITBOARD_DUMP_PTY=DIR keeps what each board wrote, for a look with
	// a terminal (cat DIR/watch.raw) when this test fails.
	if d := os.Getenv("SITBOARD_DUMP_PTY"); d != "" {
		t.Cleanup(func() {
			for name, out := range boards {
				_ = os.WriteFile(filepath.Join(d, name+".raw"), out.Bytes(), 0o644)
			}
		})
	}
	// waitDrawn waits until every board has written want.
	waitDrawn := func(what string, want []byte) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for name, out := range boards {
			for !bytes.Contains(out.Bytes(), want) {
				if time.Now().After(deadline) {
					t.Fatalf("%s never drew %s (%q); it wrote %d bytes", name, what, want, len(out.Bytes()))
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}

	start := srv.Cfg.Start().Add(40 * 24 * time.Hour)
	texts := hostile.MustTexts()
	// One text a round: with the marker, its three ticker rows fit the
	// ticker of the standard layout at 120x40.
	const perRound = 1
	for round := 0; round*perRound < len(texts)+len(hostile.RawC1); round++ {
		lo := round * perRound
		for _, ev := range hostile.EventsFor(texts[min(lo, len(texts)):min(lo+perRound, len(texts))], fmt.Sprintf("r%d", round), "xihua", "xihua-01", start) {
			publishEvent(ev)
		}
		// The raw C1 bytes, as a log written by something other than a hub
		// may hold them: not UTF-8, so built by hand, not by json.Marshal.
		for i := lo - len(texts); i >= 0 && i < lo+perRound-len(texts) && i < len(hostile.RawC1); i++ {
			publish([]byte(fmt.Sprintf(`{"id":"raw-%d","type":"alarm.received","at":%q,"district":"xihua","grid":"xihua-01",`+
				`"data":{"alarm_id":"raw-%d","category":"mass_incident","priority":1,"summary":"%s"}}`, i, start.Add(time.Hour).Format(time.RFC3339), i, hostile.RawC1[i])))
			publish([]byte(fmt.Sprintf(`{"id":"raw-type-%d","type":"%s","at":%q,"district":"xihua"}`, i, hostile.RawC1[i], start.Add(time.Hour).Format(time.RFC3339))))
		}
		// The marker: three rare CJK characters no board shows otherwise,
		// new every round, so the renderer writes them whole (and distinct,
		// so it has no run to repeat with REP).
		marker := string([]rune{rune(0x9F8D - 3*round), rune(0x9F8C - 3*round), rune(0x9F8B - 3*round)})
		start = start.Add(2 * time.Hour)
		publishEvent(feed.Event{ID: fmt.Sprintf("marker-%d", round), Type: feed.TypeAlarmReceived, At: start, District: "xihua", Grid: "xihua-01",
			Data: json.RawMessage(fmt.Sprintf(`{"alarm_id":"m%d","category":"criminal","priority":2,"summary":"%s"}`, round, marker))})
		waitDrawn(fmt.Sprintf("round %d's marker", round), []byte(marker))
	}

	titles := []string{"sitboard " + srv.Cfg.Campaign.ShortZh, "sitboard " + srv.Cfg.Campaign.ShortEn}
	if !bytes.Contains(boards["watch"].Bytes(), []byte("\x1b[?2027h")) {
		t.Errorf("watch did not take up grapheme clustering (mode 2027)")
	}
	for name, out := range boards {
		raw := out.Bytes()
		for _, p := range hostile.Scan(raw, hostile.RendererSequence(titles...)) {
			t.Errorf("%s: %s", name, p)
		}
		// The hostile texts did reach the screen, as plain text: what is
		// left of an escape sequence once its ESC is gone, the members of
		// a family emoji, the Trojan Source name in logical order.
		for _, want := range []string{"[2J[H[1;1H today 9999 (FAKE)", "2JH today 9999 (FAKE)", "]8;;http://evil.example/\\点击查看", "成员走失后找到", "invoicegpj.exe"} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("%s never drew %q: the test did not show the hostile text", name, want)
			}
		}
	}
}
