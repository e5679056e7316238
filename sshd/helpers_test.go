package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
)

// testKey is a station's key pair.
type testKey struct {
	signer gossh.Signer
	line   string // authorized_keys line without options
}

func newTestKey(t testing.TB, comment string) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + comment
	return testKey{signer: s, line: line}
}

// newTestKeyFile makes a key and writes its private half for ssh -i.
func newTestKeyFile(t testing.TB, dir, comment string) (testKey, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := gossh.NewSignerFromKey(priv)
	block, err := gossh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, comment)
	var buf bytes.Buffer
	if err := pem.Encode(&buf, block); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + comment
	return testKey{signer: s, line: line}, path
}

// testSource is a fixed feed: it publishes a state at start, then whatever
// the test pushes.
type testSource struct {
	first client.Batch
	more  chan client.Batch
}

func newTestSource(st *campaign.State) *testSource {
	return &testSource{
		first: client.Batch{State: st, Snapshot: true, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}},
		more:  make(chan client.Batch, 16),
	}
}

func (s *testSource) Run(ctx context.Context, out func(client.Batch)) error {
	out(s.first)
	for {
		select {
		case <-ctx.Done():
			return nil
		case b := <-s.more:
			out(b)
		}
	}
}

// testState folds a few alarms into the Zhoukou campaign.
func testState(t testing.TB, cfg *campaign.Config, n int) *campaign.State {
	t.Helper()
	st := campaign.NewState(cfg)
	at := time.Date(2023, 7, 10, 21, 0, 0, 0, time.FixedZone("CST", 8*3600))
	districts := []string{"xihua", "chuanhui", "shangshui"}
	for i := range n {
		data, _ := json.Marshal(map[string]any{
			"alarm_id": fmt.Sprintf("A%d", i), "category": "criminal", "priority": 2,
			"summary": "某某报警称电动车被盗",
		})
		campaign.Apply(cfg, st, feed.Event{
			Seq: uint64(i + 1), ID: fmt.Sprintf("t%d", i), Type: feed.TypeAlarmReceived,
			At: at.Add(time.Duration(i) * time.Minute), District: districts[i%len(districts)], Data: data,
		})
	}
	return st
}

type testServer struct {
	srv     *Server
	addr    string
	keys    string // authorized_keys path
	hostKey string
	source  *testSource
	logs    *syncBuffer
	cfg     *campaign.Config
	stop    func() // stops the server and waits for Serve to return
}

type serverOpt func(*Config)

// startServer runs a server on loopback with the given authorized_keys
// lines; it stops when the test ends.
func startServer(t testing.TB, lines []string, opts ...serverOpt) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := demo.Campaign()
	ts := &testServer{
		keys:    filepath.Join(dir, "authorized_keys"),
		hostKey: filepath.Join(dir, "state", "ssh_host_ed25519_key"),
		source:  newTestSource(testState(t, cfg, 12)),
		logs:    &syncBuffer{},
		cfg:     cfg,
	}
	writeKeys(t, ts.keys, lines...)
	c := Config{
		HostKeyPath:        ts.hostKey,
		AuthorizedKeysPath: ts.keys,
		Campaign:           cfg,
		Source:             ts.source,
		Board:              testBoard(),
		UpdateInterval:     20 * time.Millisecond,
		FPS:                30,
		Logger:             slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&c)
	}
	srv, err := New(c)
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
	ts.stop = func() { cancel(); <-done }
	t.Cleanup(ts.stop)
	ts.srv, ts.addr = srv, ln.Addr().String()
	return ts
}

func writeKeys(t testing.TB, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User:            "station",
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         20 * time.Second,
	}
}

func dialKey(t testing.TB, addr string, k testKey) (*gossh.Client, error) {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, clientConfig(gossh.PublicKeys(k.signer)))
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// terminal collects a session's output and answers "does the screen text
// contain X" on the escape-stripped stream.
type terminal struct {
	sess  *gossh.Session
	out   *syncBuffer
	stdin io.WriteCloser // set by openBoardWithInput
}

func openBoard(t testing.TB, c *gossh.Client, w, h int, env map[string]string) *terminal {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	term := &terminal{sess: sess, out: &syncBuffer{}}
	sess.Stdout = term.out
	sess.Stderr = term.out
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return term
}

// openBoardWithInput is openBoard with a keyboard.
func openBoardWithInput(t testing.TB, c *gossh.Client, w, h int) *terminal {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	term := &terminal{sess: sess, out: &syncBuffer{}}
	sess.Stdout, sess.Stderr = term.out, term.out
	if term.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return term
}

// text is everything received so far, without escape sequences.
func (tm *terminal) text() string { return ansi.Strip(tm.out.String()) }

func (tm *terminal) waitFor(t testing.TB, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if strings.Contains(tm.text(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("screen never showed %q within %s; got:\n%s", want, d, tail(tm.text(), 3000))
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

var _ io.Writer = (*syncBuffer)(nil)

// styledRuns splits a terminal stream into text runs, each with the SGR
// parameters in force (accumulated since the last reset), so a test can
// ask "was this text drawn on that background".
func styledRuns(raw string) []styledRun {
	var runs []styledRun
	var sgr []string
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			runs = append(runs, styledRun{text: text.String(), sgr: strings.Join(sgr, ";")})
			text.Reset()
		}
	}
	for i := 0; i < len(raw); {
		if raw[i] != 0x1b {
			if raw[i] >= 0x20 {
				text.WriteByte(raw[i])
			} else {
				flush()
			}
			i++
			continue
		}
		// An escape sequence ends any run.
		seq := raw[i:]
		n := 2
		if len(seq) > 1 && seq[1] == '[' {
			for n < len(seq) && (seq[n] < 0x40 || seq[n] > 0x7e) {
				n++
			}
			n++
			if n <= len(seq) && seq[n-1] == 'm' {
				flush()
				params := seq[2 : n-1]
				if params == "" || params == "0" {
					sgr = nil
				} else {
					sgr = append(sgr, params)
				}
			} else if n <= len(seq) && !strings.ContainsAny(seq[n-1:n], "h") {
				flush()
			}
		} else if len(seq) > 1 && seq[1] == ']' {
			end := strings.IndexAny(seq, "\a")
			if end < 0 {
				end = len(seq) - 1
			}
			n = end + 1
			flush()
		} else {
			flush()
		}
		i += min(n, len(seq))
	}
	flush()
	return runs
}

type styledRun struct{ text, sgr string }

// waitForStyled waits until want is drawn with the SGR parameter sequence
// param in force (e.g. a background colour).
func (tm *terminal) waitForStyled(t testing.TB, want, param string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var seen []string
		for _, r := range styledRuns(tm.out.String()) {
			if strings.Contains(r.text, want) {
				if strings.Contains(";"+r.sgr+";", ";"+param+";") {
					return
				}
				seen = append(seen, r.sgr)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q never drawn with SGR %s within %s; it was drawn with %q", want, param, d, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
