package hub_test

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// securedNats runs Debian's nats-server (2.9 in .ci/run) with the shape of
// config docs/operations.md gives a cluster node: TLS from a private CA
// that also verifies clients, and users known only by their nkey.
func securedNats(t *testing.T) (url string, files hubtest.TLSFiles, seedFile string) {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server not installed: apt-get install nats-server (.ci/run does)")
	}
	dir := t.TempDir()
	files = hubtest.PrivateCA(t, dir)
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile = filepath.Join(dir, "hub.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "nats.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`
listen: 127.0.0.1:%d
jetstream { store_dir: %q }
tls {
  cert_file: %q
  key_file: %q
  ca_file: %q
  verify: true
  timeout: 5
}
authorization {
  users: [ { nkey: %s } ]
}
`, port, filepath.Join(dir, "js"), files.ServerCert, files.ServerKey, files.CA, pub)), 0o600)
	cmd := exec.Command(bin, "-c", conf)
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "nats://" + addr, files, seedFile
		}
	}
	t.Fatalf("nats-server did not start:\n%s", logs.String())
	return
}

// TestHubOnSecuredNats: the hub reaches a NATS server that requires TLS,
// a client certificate and an nkey, and says which flag is missing when
// it is refused.
func TestHubOnSecuredNats(t *testing.T) {
	url, files, seed := securedNats(t)
	cfg := hubtest.Campaign(t)
	full := hub.NatsSecurity{Nkey: seed, CA: files.CA, Cert: files.ClientCert, Key: files.ClientKey}
	open := func(sec hub.NatsSecurity) (*hub.Hub, error) {
		return hub.New(hub.Options{Campaign: cfg, NatsURL: url, NatsSecurity: sec,
			IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	}

	t.Run("every credential", func(t *testing.T) {
		h, err := open(full)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h.Handler())
		defer func() { h.Close(); srv.Close() }()
		sub := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v1/stream", hubtest.ReadToken)
		sub.hello("", 0)
		if m := sub.mustNext(); m.Type != feed.MsgSnapshot {
			t.Fatalf("got %s, want a snapshot", m.Type)
		}
		hubtest.Post(t, srv.URL, hubtest.Events(cfg, "sec", 0, 20))
		if got := sub.collect(0, 20); len(got) != 20 {
			t.Fatalf("got %d events through the secured log, want 20", len(got))
		}
	})
	for _, tc := range []struct {
		name string
		drop func(*hub.NatsSecurity)
		want string
	}{
		{"no nkey", func(s *hub.NatsSecurity) { s.Nkey = "" }, "pass --nats-creds FILE or --nats-nkey FILE"},
		{"no CA", func(s *hub.NatsSecurity) { s.CA = "" }, "--nats-ca"},
		{"no client certificate", func(s *hub.NatsSecurity) { s.Cert, s.Key = "", "" }, "--nats-cert and --nats-key"},
		{"missing seed file", func(s *hub.NatsSecurity) { s.Nkey = s.Nkey + ".gone" }, "--nats-nkey"},
		{"key without cert", func(s *hub.NatsSecurity) { s.Cert = "" }, "give both --nats-cert and --nats-key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := full
			tc.drop(&sec)
			h, err := open(sec)
			if err == nil {
				h.Close()
				t.Fatal("hub started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestNatsSecurityNeedsExternalServer: the flags mean nothing to the
// embedded server, so they are refused rather than ignored.
func TestNatsSecurityNeedsExternalServer(t *testing.T) {
	h, err := hub.New(hub.Options{Campaign: hubtest.Campaign(t), NatsSecurity: hub.NatsSecurity{CA: "ca.pem"},
		IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	if err == nil {
		h.Close()
		t.Fatal("hub started")
	}
	if !strings.Contains(err.Error(), "add --nats URL") {
		t.Fatalf("error %q", err)
	}
}
