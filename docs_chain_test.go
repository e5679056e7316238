//go:build linux

package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sitboard/internal/testtool"
)

// chainDoc is the document whose marked blocks set up a fresh host.
const chainDoc = "docs/security.md"

// chainStep is one marked block of the document: the marker's kind and
// arguments, the block's text and where it stands.
type chainStep struct {
	kind string // run, terminal, copy, append
	args []string
	opts map[string]string // key=value arguments (waitfor=)
	text string
	line int
}

var (
	chainMarker = regexp.MustCompile(`^\s*<!-- chain: (.*?) -->\s*$`)
	fenceLine   = regexp.MustCompile("^(\\s*)```")
)

// parseChain reads the marked blocks of a document in order. A marker is
// an HTML comment on its own line, `<!-- chain: KIND ARGS -->`; all but
// copy apply to the fenced block that follows it.
func parseChain(doc string) ([]chainStep, error) {
	lines := strings.Split(doc, "\n")
	var steps []chainStep
	for i := 0; i < len(lines); i++ {
		m := chainMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		st := chainStep{line: i + 1, opts: map[string]string{}}
		for j, f := range strings.Fields(m[1]) {
			switch k, v, ok := strings.Cut(f, "="); {
			case j == 0:
				st.kind = f
			case ok:
				st.opts[k] = v
			default:
				st.args = append(st.args, f)
			}
		}
		if st.kind == "copy" {
			if len(st.args) != 2 {
				return nil, fmt.Errorf("line %d: copy takes FROM TO", st.line)
			}
			steps = append(steps, st)
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		open := fenceLine.FindStringSubmatch(lines[min(j, len(lines)-1)])
		if j >= len(lines) || open == nil {
			return nil, fmt.Errorf("line %d: a chain marker must be followed by a fenced block", st.line)
		}
		indent := open[1]
		var body []string
		for j++; j < len(lines) && !fenceLine.MatchString(lines[j]); j++ {
			body = append(body, strings.TrimPrefix(lines[j], indent))
		}
		if j >= len(lines) {
			return nil, fmt.Errorf("line %d: the block never closes", st.line)
		}
		st.text = strings.Join(body, "\n") + "\n"
		steps = append(steps, st)
		i = j
	}
	return steps, nil
}

// TestDocsChainParses: the set-up's blocks are marked, every marker is one
// the chain test knows, and the steps the issue asks for are all there.
func TestDocsChainParses(t *testing.T) {
	doc, err := os.ReadFile(chainDoc)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseChain(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, st := range steps {
		switch st.kind {
		case "run", "terminal", "copy", "append":
		default:
			t.Errorf("%s:%d: unknown chain step %q", chainDoc, st.line, st.kind)
		}
		if st.kind == "terminal" && st.opts["waitfor"] == "" {
			t.Errorf("%s:%d: a terminal step needs waitfor=REGEXP", chainDoc, st.line)
		}
		all.WriteString(st.text)
	}
	for _, want := range []string{"/dev/urandom", "openssl x509", "sitboard hub --config /etc/sitboard/hub.toml --check",
		"systemctl enable --now sitboard-hub", "sitboard watch --hub \"$SITBOARD_HUB\" --ca \"$SITBOARD_CA\"",
		"ssh -i ~/.ssh/sitboard -p 2222 sitboard.internal", "systemctl enable --now sitboard-record", "systemctl reload sitboard-hub"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("%s's chain has no step with %q", chainDoc, want)
		}
	}
}

// TestDocsChain runs docs/security.md's set-up, block by block in the
// order written, as root on a fresh host: in a scratch root (overlays on
// /etc, /var, /root, /usr/local and the checkout, so nothing on this
// machine changes), with a private network (hub.internal and
// sitboard.internal are this host), a real OpenSSH client in a real
// terminal, and a stand-in for systemctl that starts each installed unit's
// ExecStart with its EnvironmentFile. It fails at the first step that does
// not follow from the last, then checks that the boards connected before
// the certificate renewal are still connected, that every path the docs
// name is one the steps made, and that the recording is 0640.
func TestDocsChain(t *testing.T) {
	if root := os.Getenv(chainChildEnv); root != "" {
		runDocsChain(t, root)
		return
	}
	if testing.Short() {
		t.Skip("sets up a whole host in a scratch root; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root): it mounts overlays over /etc, /var, /root and /usr/local in a private mount and network namespace so that the documented commands run as written without touching this machine")
	}
	for _, tool := range [][2]string{{"openssl", "openssl"}, {"ssh", "openssh-client"}, {"ssh-keygen", "openssh-client"},
		{"tmux", "tmux"}, {"groupadd", "passwd"}, {"od", "coreutils"}, {"bash", "bash"}, {"go", "golang"}} {
		testtool.Need(t, tool[0], tool[1])
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDocsChain$", "-test.v", "-test.count=1", "-test.timeout=15m")
	// The scratch root's mount point is made here, so it goes with the test.
	cmd.Env = append(os.Environ(), chainChildEnv+"="+repo, "SITBOARD_TEST_BIN="+sitboardBin, "SITBOARD_CHAIN_SCRATCH="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the documented set-up failed (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestDocsChain") {
		t.Fatalf("the chain did not run:\n%s", out)
	}
	t.Logf("%s", out)
}

// chainRun is the state of one run of the chain inside its namespaces.
type chainRun struct {
	t     *testing.T
	repo  string
	ctl   string   // where the systemctl stand-in leaves its requests
	env   []string // what every step runs with
	mu    sync.Mutex
	units map[string]*chainUnit
}

type chainUnit struct {
	name string
	cmd  *exec.Cmd
	log  *processLog
}

// unitReady is the line each unit logs once it serves.
var unitReady = map[string]string{
	"sitboard-hub":    `msg="hub ready"`,
	"sitboard-ssh":    `msg="serving the board over SSH"`,
	"sitboard-record": `events written`,
}

func runDocsChain(t *testing.T, repo string) {
	c := &chainRun{t: t, repo: repo, units: map[string]*chainUnit{}}
	c.scratchRoot()
	doc, err := os.ReadFile(filepath.Join(repo, chainDoc))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseChain(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go c.serveSystemctl(stop)
	t.Cleanup(c.stopUnits)
	terminals := map[string]*tmuxSession{}
	for i, st := range steps {
		where := fmt.Sprintf("%s:%d (step %d, %s)", chainDoc, st.line, i+1, st.kind)
		switch st.kind {
		case "run":
			out, err := c.shell(st.text).CombinedOutput()
			if err != nil {
				t.Fatalf("%s failed: %v\n--- block\n%s--- output\n%s%s", where, err, st.text, out, c.unitLogs())
			}
			t.Logf("%s: ok\n%s", where, out)
		case "terminal":
			s := startTmuxNamed(t, st.args[0], 120, 40, append([]string{"env", "-i"}, append(c.envFor("LANG=en_US.UTF-8", "TERM=xterm-256color"), "bash", "-c", "cd "+repo+" && "+st.text)...))
			terminals[st.args[0]] = s
			waitScreen(t, s, regexp.MustCompile(st.opts["waitfor"]), 60*time.Second, where, c.unitLogs)
			t.Logf("%s: the screen shows %s", where, st.opts["waitfor"])
		case "copy":
			from, to := c.path(st.args[0]), c.path(st.args[1])
			b, err := os.ReadFile(from)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if err := os.WriteFile(to, b, 0o644); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		case "append":
			to := c.path(st.args[0])
			os.MkdirAll(filepath.Dir(to), 0o700)
			f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
			if err == nil {
				_, err = f.WriteString(st.text)
				f.Close()
			}
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		}
	}

	// The boards connected before the renewal are still connected: the
	// hub logged no board leaving, and their screens still say live.
	hub := c.unit("sitboard-hub")
	if hub == nil {
		t.Fatal("the chain never started sitboard-hub")
	}
	text := hub.log.text()
	if i := strings.LastIndex(text, "TLS certificate reloaded"); i < 0 {
		t.Errorf("the hub never reloaded its certificate:\n%s", text)
	} else if strings.Contains(text[i:], "board disconnected") {
		t.Errorf("a board was dropped after the certificate was renewed:\n%s", text[i:])
	}
	for name, s := range terminals {
		if screen := s.capture(); !regexp.MustCompile(`LIVE|实时`).MatchString(screen) {
			t.Errorf("terminal %s is no longer live:\n%s", name, screen)
		}
	}
	// A new connection gets the renewed certificate.
	pemBytes, _ := os.ReadFile("/etc/sitboard/hub.pem")
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("/etc/sitboard/hub.pem holds no certificate")
	}
	want, _ := x509.ParseCertificate(block.Bytes)
	roots := poolOf(t, "/etc/sitboard/ca.pem")
	conn, err := tls.Dial("tcp", "hub.internal:8470", &tls.Config{RootCAs: roots, ServerName: "hub.internal"})
	if err != nil {
		t.Fatalf("a board with the CA cannot reach wss://hub.internal:8470: %v", err)
	}
	got := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	if got.SerialNumber.Cmp(want.SerialNumber) != 0 {
		t.Errorf("the hub serves serial %x, not the renewed %x", got.SerialNumber, want.SerialNumber)
	}
	// The recorder writes whole events, 0640.
	rec := "/var/lib/sitboard-record/feed.jsonl.gz"
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if fi, err := os.Stat(rec); err == nil && fi.Size() > 0 {
			if fi.Mode().Perm() != 0o640 {
				t.Errorf("%s has mode %04o, want 0640", rec, fi.Mode().Perm())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recorder wrote nothing to %s:\n%s", rec, c.unitLogs())
		}
	}
	c.checkDocumentedPaths()
}

// scratchRoot makes this process's view of the machine a scratch copy:
// its mounts are private, /etc, /var, /root, /usr/local and the checkout
// are overlays whose writes go to a tmpfs, loopback is up in the private
// network, and hub.internal and sitboard.internal are this host.
func (c *chainRun) scratchRoot() {
	t := c.t
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("make mounts private", unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""))
	scratch := os.Getenv("SITBOARD_CHAIN_SCRATCH")
	must("tmpfs", unix.Mount("tmpfs", scratch, "tmpfs", 0, "mode=0755"))
	for i, dir := range []string{"/etc", "/var", "/root", "/usr/local", c.repo} {
		upper, work := filepath.Join(scratch, "upper", strconv.Itoa(i)), filepath.Join(scratch, "work", strconv.Itoa(i))
		must("mkdir", os.MkdirAll(upper, 0o755))
		must("mkdir", os.MkdirAll(work, 0o755))
		must("overlay on "+dir, unix.Mount("overlay", dir, "overlay", 0, "lowerdir="+dir+",upperdir="+upper+",workdir="+work))
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	must("socket", err)
	ifr, err := unix.NewIfreq("lo")
	must("ifreq", err)
	must("lo flags", unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr))
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	must("lo up", unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr))
	unix.Close(fd)
	unix.Sethostname([]byte("sitboard-chain"))
	hosts, err := os.OpenFile("/etc/hosts", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	must("/etc/hosts", err)
	fmt.Fprintln(hosts, "127.0.0.1 hub.internal sitboard.internal")
	hosts.Close()
	// The systemctl stand-in, ahead of the real one on PATH.
	c.ctl = filepath.Join(scratch, "systemctl")
	must("ctl dir", os.MkdirAll(c.ctl, 0o755))
	must("sbin", os.MkdirAll("/usr/local/sbin", 0o755))
	must("systemctl stand-in", os.WriteFile("/usr/local/sbin/systemctl", []byte(systemctlStandIn), 0o755))
	goBin, err := exec.LookPath("go")
	must("go", err)
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + filepath.Dir(goBin)
	c.env = []string{"PATH=" + path, "HOME=/root", "USER=root", "LOGNAME=root", "SITBOARD_CHAIN_CTL=" + c.ctl}
	for _, k := range []string{"GOCACHE", "GOPATH", "GOMODCACHE", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			c.env = append(c.env, k+"="+v)
		}
	}
}

// systemctlStandIn hands each request to the test and waits for its
// answer: the test starts units, sends signals, and says how it went.
const systemctlStandIn = `#!/bin/sh
# The docs chain test's systemctl: requests go to the test, which acts.
dir=${SITBOARD_CHAIN_CTL:?not in the docs chain test}
printf '%s\n' "$*" > "$dir/req.$$.tmp" && mv "$dir/req.$$.tmp" "$dir/req.$$"
while [ ! -e "$dir/done.$$" ]; do sleep 0.05; done
cat "$dir/out.$$" 2>/dev/null
exit "$(cat "$dir/done.$$")"
`

// serveSystemctl answers the stand-in's requests until stop.
func (c *chainRun) serveSystemctl(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
		reqs, _ := filepath.Glob(filepath.Join(c.ctl, "req.*"))
		sort.Strings(reqs)
		for _, r := range reqs {
			if strings.HasSuffix(r, ".tmp") {
				continue
			}
			id := strings.TrimPrefix(filepath.Base(r), "req.")
			b, _ := os.ReadFile(r)
			os.Remove(r)
			out, rc := c.systemctl(strings.Fields(string(b)))
			os.WriteFile(filepath.Join(c.ctl, "out."+id), []byte(out), 0o644)
			os.WriteFile(filepath.Join(c.ctl, "done."+id), []byte(strconv.Itoa(rc)), 0o644)
		}
	}
}

// systemctl does what systemd would for the commands the docs use.
func (c *chainRun) systemctl(args []string) (string, int) {
	if len(args) == 0 {
		return "systemctl: no command\n", 1
	}
	switch {
	case args[0] == "daemon-reload":
		return "", 0
	case args[0] == "enable" && len(args) > 2 && args[1] == "--now":
		for _, name := range args[2:] {
			if err := c.startUnit(strings.TrimSuffix(name, ".service")); err != nil {
				return fmt.Sprintf("systemctl: %s: %v\n", name, err), 1
			}
		}
		return "", 0
	case args[0] == "reload" && len(args) == 2:
		u := c.unit(strings.TrimSuffix(args[1], ".service"))
		if u == nil {
			return "systemctl: " + args[1] + " is not running\n", 1
		}
		before := strings.Count(u.log.text(), "reloaded")
		u.cmd.Process.Signal(syscall.SIGHUP) // ExecReload=/bin/kill -HUP $MAINPID
		for deadline := time.Now().Add(30 * time.Second); strings.Count(u.log.text(), "reloaded") == before; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				return "systemctl: " + args[1] + " did not say it reloaded\n" + u.log.text(), 1
			}
		}
		return "", 0
	}
	return fmt.Sprintf("systemctl %v: the docs chain's stand-in knows daemon-reload, enable --now and reload\n", args), 1
}

// startUnit starts an installed unit as systemd would for these units:
// its EnvironmentFile and Environment, its StateDirectory, and ExecStart
// with ${VAR}, $VAR and %S expanded; then waits for its ready line.
func (c *chainRun) startUnit(name string) error {
	b, err := os.ReadFile("/etc/systemd/system/" + name + ".service")
	if err != nil {
		return err
	}
	env := map[string]string{}
	var exec_ []string
	for _, line := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		switch key {
		case "EnvironmentFile":
			f, err := os.ReadFile(strings.TrimPrefix(val, "-"))
			if err != nil {
				if strings.HasPrefix(val, "-") {
					continue
				}
				return err
			}
			for _, l := range strings.Split(string(f), "\n") {
				if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok && !strings.HasPrefix(k, "#") {
					env[k] = strings.Trim(v, `"'`)
				}
			}
		case "Environment":
			for _, kv := range strings.Fields(val) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
		case "StateDirectory":
			for _, d := range strings.Fields(val) {
				if err := os.MkdirAll(filepath.Join("/var/lib", d), 0o700); err != nil {
					return err
				}
			}
		case "ExecStart":
			val = strings.ReplaceAll(strings.ReplaceAll(val, "%S", "/var/lib"), "%%", "%")
			for _, w := range strings.Fields(val) {
				switch {
				case strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}") && strings.Count(w, "$") == 1:
					exec_ = append(exec_, env[w[2:len(w)-1]])
				case strings.HasPrefix(w, "$") && !strings.ContainsAny(w[1:], "${}"):
					exec_ = append(exec_, strings.Fields(env[w[1:]])...)
				default:
					exec_ = append(exec_, os.Expand(w, func(k string) string { return env[k] }))
				}
			}
		}
	}
	if len(exec_) == 0 {
		return fmt.Errorf("no ExecStart")
	}
	environ := append([]string{}, c.env...)
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	cmd := exec.Command(exec_[0], exec_[1:]...)
	cmd.Env = environ
	cmd.Dir = "/"
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	u := &chainUnit{name: name, cmd: cmd, log: &processLog{added: make(chan struct{}, 1)}}
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			u.log.mu.Lock()
			u.log.lines = append(u.log.lines, sc.Text())
			u.log.mu.Unlock()
			select {
			case u.log.added <- struct{}{}:
			default:
			}
		}
		cmd.Wait()
		close(exited)
	}()
	c.mu.Lock()
	c.units[name] = u
	c.mu.Unlock()
	ready := unitReady[name]
	for deadline := time.After(60 * time.Second); !strings.Contains(u.log.text(), ready); {
		select {
		case <-u.log.added:
		case <-exited:
			return fmt.Errorf("exited (%v) before %q:\n%s", cmd.ProcessState, ready, u.log.text())
		case <-deadline:
			return fmt.Errorf("no %q within 60 s:\n%s", ready, u.log.text())
		}
	}
	return nil
}

func (c *chainRun) unit(name string) *chainUnit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.units[name]
}

func (c *chainRun) stopUnits() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range c.units {
		u.cmd.Process.Signal(syscall.SIGTERM)
	}
}

func (c *chainRun) unitLogs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for name, u := range c.units {
		fmt.Fprintf(&b, "--- %s\n%s\n", name, u.log.text())
	}
	return b.String()
}

// envFor is the steps' environment with extra variables.
func (c *chainRun) envFor(extra ...string) []string {
	return append(append([]string{}, c.env...), extra...)
}

// shell runs a block as root would type it: bash, stopping at the first
// failing command, from the checkout.
func (c *chainRun) shell(block string) *exec.Cmd {
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", block)
	cmd.Dir = c.repo
	cmd.Env = c.envFor("LANG=C.UTF-8")
	return cmd
}

// path is a step's path: ~ is root's home, a relative path the checkout.
func (c *chainRun) path(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join("/root", rest)
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(c.repo, p)
	}
	return p
}

// waitScreen waits until a terminal's screen matches re.
func waitScreen(t *testing.T, s *tmuxSession, re *regexp.Regexp, within time.Duration, where string, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		screen := s.capture()
		if re.MatchString(screen) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the screen never showed %s:\n%s\n%s", where, re, screen, logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// documentedPath is a path under /etc/sitboard or /var/lib/sitboard* in
// the docs, the README or deploy/.
var documentedPath = regexp.MustCompile(`/(?:etc/sitboard|var/lib/sitboard[a-z-]*)(?:/[A-Za-z0-9._-]+)*`)

// notInTheChain are the documented paths the fresh host's set-up does not
// make, each for a reason.
var notInTheChain = map[string]string{
	"/etc/sitboard/hub-1.nk":                         "a NATS cluster's hub login (operations.md)",
	"/etc/sitboard/hub-1-nats.pem":                   "a NATS cluster's hub login (operations.md)",
	"/etc/sitboard/hub-1-nats-key.pem":               "a NATS cluster's hub login (operations.md)",
	"/var/lib/sitboard-ssh/ssh_host_ed25519_key.pub": "never written",
}

// checkDocumentedPaths: every such path the docs name is one the set-up
// made, so no two documents name the same file differently.
func (c *chainRun) checkDocumentedPaths() {
	t := c.t
	files := []string{"README.md", "deploy/etc/sitboard/sitboard.env", "deploy/etc/sitboard/hub.toml", "deploy/etc/sitboard/ssh.toml"}
	docs, _ := filepath.Glob(filepath.Join(c.repo, "docs", "*.md"))
	units, _ := filepath.Glob(filepath.Join(c.repo, "deploy", "*.service"))
	for _, f := range append(docs, units...) {
		rel, _ := filepath.Rel(c.repo, f)
		files = append(files, rel)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(c.repo, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range documentedPath.FindAllString(string(b), -1) {
			p = strings.TrimRight(p, ".")
			if _, ok := notInTheChain[p]; ok {
				continue
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s names %s, which the fresh host's set-up (%s) never made: use the set-up's files", f, p, chainDoc)
			}
		}
	}
}
