package hub_test

import (
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/testtool"
)

// startNatsServer runs Debian's nats-server with JetStream on loopback.
func startNatsServer(t *testing.T) string {
	t.Helper()
	bin := testtool.Need(t, "nats-server", "nats-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-sd", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "nats://" + addr
		}
	}
	t.Fatal("nats-server did not start")
	return ""
}

// TestTwoHubsOnExternalNats: ingest into one hub, subscribe to the other.
func TestTwoHubsOnExternalNats(t *testing.T) {
	url := startNatsServer(t)
	cfg := hubtest.Campaign(t)
	start := func() (*hub.Hub, *httptest.Server) {
		h, err := hub.New(hub.Options{Campaign: cfg, NatsURL: url, IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h.Handler())
		t.Cleanup(func() { h.Close(); srv.Close() })
		return h, srv
	}
	a, srvA := start()
	b, srvB := start()
	if a.Epoch() != b.Epoch() {
		t.Fatalf("two hubs on one stream disagree on the epoch: %s vs %s", a.Epoch(), b.Epoch())
	}
	sub := dial(t, "ws"+strings.TrimPrefix(srvB.URL, "http")+"/v1/stream", hubtest.ReadToken)
	sub.hello("", 0)
	if m := sub.mustNext(); m.Type != feed.MsgSnapshot {
		t.Fatalf("got %s, want a snapshot", m.Type)
	}
	const n = 2000
	for i := 0; i < n; i += 200 {
		hubtest.Post(t, srvA.URL, hubtest.Events(cfg, "ext", i, 200))
	}
	got := sub.collect(0, n)
	if len(got) != n || got[n-1].ID != fmt.Sprintf("ext-%d", n-1) {
		t.Fatalf("subscriber of the other hub got %d events", len(got))
	}
	sa, sb := hubtest.Snapshot(t, srvA.URL), hubtest.Snapshot(t, srvB.URL)
	if sa.Seq != n || sb.Seq != n || sa.Epoch != sb.Epoch || string(sa.State) != string(sb.State) {
		t.Fatalf("snapshots differ: seq %d/%d epoch %s/%s", sa.Seq, sb.Seq, sa.Epoch, sb.Epoch)
	}
	// A restarted hub on the same stream keeps the epoch, so boards resume.
	c, _ := start()
	if c.Epoch() != a.Epoch() || c.Seq() != n {
		t.Fatalf("restarted hub: epoch %s seq %d, want %s and %d", c.Epoch(), c.Seq(), a.Epoch(), n)
	}
}

// TestClusterExampleConfigIsValid keeps docs/operations.md's cluster example
// working with the nats-server that .ci/run installs (Debian's 2.9): the
// example, with loopback addresses and a temp store dir, passes the
// server's own configuration check.
func TestClusterExampleConfigIsValid(t *testing.T) {
	bin := testtool.Need(t, "nats-server", "nats-server")
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```\n(# nats-1.conf.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/operations.md has no ``` block starting with '# nats-1.conf'")
	}
	conf := strings.ReplaceAll(string(m[1]), "10.0.0.", "127.0.0.") // one loopback address per machine
	conf = strings.ReplaceAll(conf, "/var/lib/nats/1", t.TempDir())
	// The example's TLS files, made by a CA of the test's own.
	tlsFiles := hubtest.PrivateCA(t, t.TempDir())
	conf = strings.NewReplacer("/etc/nats/nats-1.pem", tlsFiles.ServerCert, "/etc/nats/nats-1-key.pem", tlsFiles.ServerKey, "/etc/nats/ca.pem", tlsFiles.CA).Replace(conf)
	if strings.Contains(conf, "/etc/nats/") {
		t.Fatalf("the example names a file this test does not make:\n%s", conf)
	}
	file := filepath.Join(t.TempDir(), "nats-1.conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-c", file, "-t").CombinedOutput()
	if err != nil {
		ver, _ := exec.Command(bin, "--version").Output()
		t.Fatalf("%s refuses the docs' cluster example: %v\n%s\n%s", strings.TrimSpace(string(ver)), err, out, conf)
	}
}

// TestExternalServerDurabilityWarned: on a server older than 2.10 (Debian
// 12's 2.9, which .ci/run installs), which cannot fsync before each
// acknowledgement, the hub warns at start-up; on a newer one it says to set
// sync_interval: always.
func TestExternalServerDurabilityWarned(t *testing.T) {
	url := startNatsServer(t)
	out, err := exec.Command("nats-server", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(string(out)), "nats-server: v"), "%d.%d", &major, &minor); err != nil {
		t.Fatalf("cannot read the version in %q: %v", out, err)
	}
	logs := &syncBuffer{}
	h, err := hub.New(hub.Options{Campaign: hubtest.Campaign(t), NatsURL: url, IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	want := "level=INFO msg=\"durability is the NATS servers' setting: set jetstream { sync_interval: always }"
	if major < 2 || (major == 2 && minor < 10) {
		want = "level=WARN msg=\"the NATS server cannot fsync before each acknowledgement"
	}
	if !strings.Contains(logs.String(), want) {
		t.Errorf("nats-server %d.%d: start-up log lacks %q:\n%s", major, minor, want, logs)
	}
}
