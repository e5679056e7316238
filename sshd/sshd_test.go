package sshd

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitboard/demo"
	"sitboard/feed/client"
	"sitboard/tui"
)

// testBoard is the real board: the assertions are about what stations see.
func testBoard() Board { return TUIBoard{} }

// resizeMarker is text the board shows only at that size: the status line
// names the layout chosen for the terminal.
func resizeMarker(w, h int) string {
	if w >= 120 && h >= 40 {
		return "standard zh dark"
	}
	return "compact zh dark"
}

// highlightBg is the dark theme's highlight background (#3a3a3a) as the
// board draws it on a 256-colour terminal: xterm colour 237.
const highlightBg = "48;5;237"

func TestStationGetsItsBoard(t *testing.T) {
	xihua := newTestKey(t, "xihua-duty")
	compact := newTestKey(t, "xihua-compact")
	english := newTestKey(t, "shangshui-en")
	plain := newTestKey(t, "hq-laptop")
	ts := startServer(t, []string{
		`district="xihua",lang="zh" ` + xihua.line,
		`district="xihua",layout="compact" ` + compact.line,
		`district="shangshui",lang="en" ` + english.line,
		plain.line,
	})
	cfg := ts.cfg
	tests := []struct {
		name      string
		key       testKey
		w, h      int
		env       map[string]string
		want      []string
		highlight string // text drawn on the highlight background
	}{
		{"zh station, 120x40", xihua, 120, 40, nil, []string{cfg.Campaign.NameZh, "standard zh dark"}, "西华县"},
		// At 80x24 the header has room for the short name, and names the
		// station's district on the highlight background.
		{"zh station, 80x24", xihua, 80, 24, nil, []string{cfg.Campaign.ShortZh, "compact zh dark"}, "西华县"},
		{"layout option wins over size", compact, 120, 40, nil, []string{cfg.Campaign.NameZh, "compact zh dark"}, ""},
		{"en station", english, 120, 40, nil, []string{cfg.Campaign.NameEn, "standard en dark"}, "Shangshui"},
		{"en station, 80x24", english, 80, 24, nil, []string{cfg.Campaign.ShortEn, "compact en dark"}, ""},
		{"language from the client's LANG", plain, 120, 40, map[string]string{"LANG": "en_US.UTF-8"}, []string{cfg.Campaign.NameEn}, ""},
		{"no language: zh", plain, 120, 40, nil, []string{cfg.Campaign.NameZh}, ""},
		{"NO_COLOR: mono", plain, 80, 24, map[string]string{"NO_COLOR": "1"}, []string{"compact zh mono"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialKey(t, ts.addr, tc.key)
			if err != nil {
				t.Fatalf("authorized key refused: %v", err)
			}
			term := openBoard(t, c, tc.w, tc.h, tc.env)
			for _, w := range tc.want {
				term.waitFor(t, w, 20*time.Second)
			}
			if tc.highlight != "" {
				term.waitForStyled(t, tc.highlight, highlightBg, 20*time.Second)
			}
		})
	}
	if !strings.Contains(ts.logs.String(), "session started") {
		t.Errorf("no session log:\n%s", ts.logs.String())
	}
}

func TestRefusals(t *testing.T) {
	known := newTestKey(t, "known")
	stranger := newTestKey(t, "stranger")
	ts := startServer(t, []string{known.line})
	tests := []struct {
		name string
		auth []gossh.AuthMethod
	}{
		{"unknown key", []gossh.AuthMethod{gossh.PublicKeys(stranger.signer)}},
		{"password", []gossh.AuthMethod{gossh.Password("hunter2")}},
		{"keyboard-interactive", []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2"}, nil
		})}},
		{"no auth", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := gossh.Dial("tcp", ts.addr, clientConfig(tc.auth...))
			if err == nil {
				c.Close()
				t.Fatal("server let the connection in")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Errorf("want an authentication failure, got %v", err)
			}
		})
	}
	if !strings.Contains(ts.logs.String(), "unknown key refused") || !strings.Contains(ts.logs.String(), gossh.FingerprintSHA256(stranger.signer.PublicKey())) {
		t.Errorf("the stranger's key is not logged:\n%s", ts.logs.String())
	}
}

func TestOnlyTheBoard(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line})
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("exec", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		out, err := s.CombinedOutput("cat /etc/passwd")
		var ee *gossh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Fatalf("want exit status 1, got %v", err)
		}
		if !strings.Contains(string(out), "commands are not run") {
			t.Errorf("no explanation: %q", out)
		}
	})
	t.Run("no pty", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var out syncBuffer
		s.Stdout, s.Stderr = &out, &out
		if err := s.Shell(); err != nil {
			t.Fatal(err)
		}
		err = s.Wait()
		var ee *gossh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Fatalf("want exit status 1, got %v", err)
		}
		if !strings.Contains(out.String(), "needs a terminal") {
			t.Errorf("no explanation: %q", out.String())
		}
	})
	t.Run("sftp subsystem", func(t *testing.T) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.RequestSubsystem("sftp"); err == nil {
			t.Fatal("sftp subsystem accepted")
		}
	})
	t.Run("local port forwarding", func(t *testing.T) {
		conn, err := c.Dial("tcp", ts.addr)
		if err == nil {
			conn.Close()
			t.Fatal("direct-tcpip channel opened")
		}
	})
	t.Run("remote port forwarding", func(t *testing.T) {
		l, err := c.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			l.Close()
			t.Fatal("tcpip-forward accepted")
		}
	})
}

func TestMaxSessions(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{`district="xihua" ` + k.line}, func(c *Config) { c.MaxSessions = 2 })
	var boards []*terminal
	for range 2 {
		c, err := dialKey(t, ts.addr, k)
		if err != nil {
			t.Fatal(err)
		}
		term := openBoard(t, c, 80, 24, nil)
		term.waitFor(t, ts.cfg.Campaign.ShortZh, 20*time.Second)
		boards = append(boards, term)
	}
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	third := openBoard(t, c, 80, 24, nil)
	third.waitFor(t, "all 2 board sessions", 20*time.Second)
	err = third.sess.Wait()
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Fatalf("refused session: want exit status 1, got %v", err)
	}
	if n := ts.srv.Sessions(); n != 2 {
		t.Fatalf("open sessions = %d, want 2", n)
	}
	// The first two still get updates.
	st := testState(t, ts.cfg, 40)
	ts.source.more <- client.Batch{State: st, Conn: client.Conn{Status: client.Live, Seq: st.Seq, LastData: time.Now()}}
	for _, b := range boards {
		b.waitFor(t, "序号 40", 20*time.Second) // the header's seq
	}
}

func TestHostKeyPersists(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "host_ed25519")
	var fps []string
	for i := range 2 {
		s, created, err := LoadOrCreateHostKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if created != (i == 0) {
			t.Fatalf("start %d: created = %v", i, created)
		}
		fps = append(fps, gossh.FingerprintSHA256(s.PublicKey()))
	}
	if fps[0] != fps[1] {
		t.Fatalf("host key changed across restarts: %s then %s", fps[0], fps[1])
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Dir(path))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("host key dir mode %04o, want 0700", di.Mode().Perm())
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable host key was accepted: %v", err)
	}
	if _, _, err := LoadOrCreateHostKey(""); err == nil {
		t.Error("an empty path was accepted (it would mean the working directory)")
	}
}

func TestServerHostKeyAcrossRestarts(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line})
	var seen []string
	cfg := clientConfig(gossh.PublicKeys(k.signer))
	cfg.HostKeyCallback = func(_ string, _ net.Addr, key gossh.PublicKey) error {
		seen = append(seen, gossh.FingerprintSHA256(key))
		return nil
	}
	c, err := gossh.Dial("tcp", ts.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	srv2, err := New(Config{HostKeyPath: ts.hostKey, AuthorizedKeysPath: ts.keys, Campaign: ts.cfg, Source: ts.source, Board: fakeBoard{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != srv2.HostKeyFingerprint || seen[0] != ts.srv.HostKeyFingerprint {
		t.Fatalf("host key fingerprints differ: served %v, restarted %s", seen, srv2.HostKeyFingerprint)
	}
	if wd, _ := os.Getwd(); fileExists(filepath.Join(wd, "id_ed25519")) {
		t.Error("a host key was written into the working directory")
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestAuthorizedKeysReload(t *testing.T) {
	a := newTestKey(t, "a")
	b := newTestKey(t, "b")
	ts := startServer(t, []string{a.line})
	if _, err := dialKey(t, ts.addr, b); err == nil {
		t.Fatal("b got in before it was listed")
	}
	writeKeys(t, ts.keys, a.line, `district="chuanhui" `+b.line)
	c, err := dialKey(t, ts.addr, b)
	if err != nil {
		t.Fatalf("b was added but refused: %v", err)
	}
	term := openBoard(t, c, 120, 40, nil)
	term.waitForStyled(t, "川汇区", highlightBg, 20*time.Second)
	writeKeys(t, ts.keys, `district="chuanhui" `+b.line)
	if _, err := dialKey(t, ts.addr, a); err == nil {
		t.Fatal("a was removed but still got in")
	}
	os.Remove(ts.keys)
	if _, err := dialKey(t, ts.addr, b); err == nil {
		t.Fatal("with the key file gone, b still got in: it must fail closed")
	}
}

func TestParseAuthorizedKeys(t *testing.T) {
	k := newTestKey(t, "xihua-duty-room")
	cfg := demo.Campaign()
	tests := []struct {
		name    string
		line    string
		want    Station
		problem string
	}{
		{"plain", k.line, Station{Comment: "xihua-duty-room"}, ""},
		{"all options", `district="xihua",lang="en",layout="compact",theme="light",no-idle-timeout ` + k.line,
			Station{Comment: "xihua-duty-room", District: "xihua", Lang: "en", Layout: "compact", Theme: "light", NoIdleTimeout: true}, ""},
		{"idle none", `idle="none",restrict ` + k.line, Station{Comment: "xihua-duty-room", NoIdleTimeout: true}, ""},
		{"unquoted", `district=xihua ` + k.line, Station{Comment: "xihua-duty-room", District: "xihua"}, ""},
		{"unknown district", `district="atlantis" ` + k.line, Station{}, "not a district"},
		{"bad lang", `lang="fr" ` + k.line, Station{}, `lang="zh"`},
		{"layout file path refused", `layout="/etc/passwd" ` + k.line, Station{}, "built-in layouts"},
		{"from= with a host name refused", `from="*.example.org" ` + k.line, Station{}, "host names are not matched"},
		{"command= refused", `command="/bin/sh" ` + k.line, Station{}, "not supported"},
		{"idle other", `idle="5m" ` + k.line, Station{}, `idle="none"`},
		{"name", `district="xihua",name="西华县局值班台" ` + k.line, Station{Comment: "xihua-duty-room", District: "xihua", Label: "西华县局值班台"}, ""},
		{"name too long", `name="` + strings.Repeat("值", 65) + `" ` + k.line, Station{}, "1 to 64 characters"},
		{"name with an escape", "name=\"a\x1b[2Jb\" " + k.line, Station{}, "U+001B"},
		{"garbage", `ssh-ed25519 notbase64`, Station{}, "not a public key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stations, problems := parseAuthorizedKeys([]byte("# comment\n\n"+tc.line+"\n"), cfg)
			if tc.problem != "" {
				if len(stations) != 0 || len(problems) != 1 || !strings.Contains(problems[0], tc.problem) || !strings.Contains(problems[0], "line 3") {
					t.Fatalf("want one problem on line 3 mentioning %q; got stations %v problems %q", tc.problem, stations, problems)
				}
				return
			}
			if len(problems) != 0 || len(stations) != 1 {
				t.Fatalf("problems %q, stations %d", problems, len(stations))
			}
			for _, got := range stations {
				tc.want.Fingerprint = gossh.FingerprintSHA256(k.signer.PublicKey())
				tc.want.Line = 3
				if got != tc.want {
					t.Fatalf("got %+v\nwant %+v", got, tc.want)
				}
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	desk := newTestKey(t, "desk")
	typist := newTestKey(t, "typist")
	wall := newTestKey(t, "wall")
	// The typist types ten times per idle limit, so only a stall of nine
	// tenths of a second on a loaded machine could idle it out.
	const limit = time.Second
	ts := startServer(t, []string{desk.line, typist.line, `no-idle-timeout ` + wall.line}, func(c *Config) { c.IdleTimeout = limit })

	var terms []*terminal
	for _, k := range []testKey{desk, typist, wall} {
		c, err := dialKey(t, ts.addr, k)
		if err != nil {
			t.Fatal(err)
		}
		terms = append(terms, openBoardWithInput(t, c, 80, 24))
	}
	deskTerm, typistTerm, wallTerm := terms[0], terms[1], terms[2]
	// The typist presses a harmless key (? toggles help) every limit/10.
	stopTyping := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopTyping:
				return
			case <-time.After(limit / 10):
				typistTerm.stdin.Write([]byte("?"))
			}
		}
	}()
	defer close(stopTyping)

	done := make(chan error, 1)
	go func() { done <- deskTerm.sess.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("idle desk session was not closed")
	}
	deskTerm.waitFor(t, "idle for", 10*time.Second)
	waitUntil(t, 10*time.Second, "the desk's session to be gone", func() bool { return ts.srv.Sessions() <= 2 })
	// The other two outlive two more idle limits: watched, not slept, until
	// the typist's board answers a key pressed after them, so a stalled
	// machine cannot pass this without the sessions having lived that long.
	lived := time.Now().Add(2 * limit)
	mark := -1
	waitUntil(t, 30*time.Second, "the typist's board to answer keys two idle limits on", func() bool {
		if n := ts.srv.Sessions(); n != 2 {
			t.Fatalf("sessions = %d, want the typist and the wall screen still open", n)
		}
		if mark < 0 {
			if time.Now().After(lived) {
				mark = len(typistTerm.out.String())
			}
			return false
		}
		return len(typistTerm.out.String()) > mark
	})
	wallTerm.waitFor(t, ts.cfg.Campaign.NameZh, 10*time.Second)
	if !strings.Contains(ts.logs.String(), "reason=\"idle for") {
		t.Errorf("idle close not logged:\n%s", ts.logs.String())
	}
}

func TestSessionLog(t *testing.T) {
	k := newTestKey(t, "xihua-duty")
	ts := startServer(t, []string{`district="xihua" ` + k.line})
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	term := openBoard(t, c, 80, 24, nil)
	term.waitFor(t, ts.cfg.Campaign.ShortZh, 20*time.Second)
	c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(ts.logs.String(), "session ended") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var line string
	for _, l := range strings.Split(ts.logs.String(), "\n") {
		if strings.Contains(l, "session ended") {
			line = l
		}
	}
	for _, want := range []string{"fingerprint=SHA256:", `station="xihua (xihua-duty)"`, "remote=127.0.0.1:", "duration=", "bytes_sent="} {
		if !strings.Contains(line, want) {
			t.Errorf("session log lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "bytes_sent=0 ") {
		t.Errorf("bytes not counted: %s", line)
	}
}

func TestResizeRelaysOut(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{`district="xihua" ` + k.line})
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	term := openBoard(t, c, 80, 24, nil)
	term.waitFor(t, resizeMarker(80, 24), 20*time.Second)
	if err := term.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	term.waitFor(t, resizeMarker(120, 40), 20*time.Second)
}

func TestShutdownTellsStations(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line})
	c, err := dialKey(t, ts.addr, k)
	if err != nil {
		t.Fatal(err)
	}
	term := openBoard(t, c, 80, 24, nil)
	term.waitFor(t, "compact zh dark", 20*time.Second)
	stopped := make(chan struct{})
	go func() { ts.stop(); close(stopped) }()
	term.waitFor(t, "shutting down", 20*time.Second)
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

// TestConnErrorRedacted: stations see the hub connection's error on their
// board, and the hub address in it may carry the read token.
func TestConnErrorRedacted(t *testing.T) {
	msg := TUIBoard{}.ConnMsg(client.Conn{Status: client.Reconnecting,
		Err: errors.New("cannot reach the hub at ws://hub:8470/v1/stream?token=abcd1234secret: refused")})
	got := msg.(tui.ConnMsg).Err
	if strings.Contains(got, "abcd1234secret") || !strings.Contains(got, "token=REDACTED") {
		t.Errorf("board error = %q, want the token redacted", got)
	}
}

// TestRefusedKeysDoNotFloodTheLog: a client offering unknown keys in a
// loop gets a burst of "unknown key refused" lines, then one a second
// saying how many were held back, not a line per try.
func TestRefusedKeysDoNotFloodTheLog(t *testing.T) {
	known := newTestKey(t, "known")
	stranger := newTestKey(t, "stranger")
	ts := startServer(t, []string{known.line})
	start := time.Now()
	tries := 0
	for !strings.Contains(ts.logs.String(), "held_back=") || strings.Contains(lastLine(ts.logs.String(), "unknown key refused"), "held_back=0") {
		if time.Since(start) > time.Minute {
			t.Fatalf("after %d tries no line says how many were held back:\n%s", tries, ts.logs.String())
		}
		c, err := gossh.Dial("tcp", ts.addr, clientConfig(gossh.PublicKeys(stranger.signer)))
		if err == nil {
			c.Close()
			t.Fatal("the stranger's key was let in")
		}
		tries++
		if n := strings.Count(ts.logs.String(), "unknown key refused"); tries > 2*refusedKeyBurst && n >= tries {
			t.Fatalf("%d lines for %d tries: a line per try", n, tries)
		}
	}
	elapsed := time.Since(start)
	lines := strings.Count(ts.logs.String(), "unknown key refused")
	if most := refusedKeyBurst + int(elapsed/time.Second) + 1; lines > most || lines >= tries {
		t.Errorf("%d 'unknown key refused' lines for %d tries in %v, want at most %d", lines, tries, elapsed.Round(time.Millisecond), most)
	}
}

// lastLine is the last line of text holding want.
func lastLine(text, want string) string {
	last := ""
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, want) {
			last = l
		}
	}
	return last
}
