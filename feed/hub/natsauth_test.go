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

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/internal/testtool"
)

// securedNats runs Debian's nats-server (2.9 in .ci/run) with the shape of
// config docs/operations.md gives a cluster node: TLS from a private CA
// that also verifies clients, and users known only by their nkey.
func securedNats(t *testing.T) (url string, files hubtest.TLSFiles, seedFile string) {
	t.Helper()
	bin := testtool.Need(t, "nats-server", "nats-server")
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
	return runNatsConfig(t, bin, conf, port), files, seedFile
}

// runNatsConfig runs nats-server with a config file listening on
// 127.0.0.1:port, waits until it accepts connections, and returns its URL.
func runNatsConfig(t *testing.T, bin, conf string, port int) string {
	t.Helper()
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
			return "nats://" + addr
		}
	}
	t.Fatalf("nats-server did not start:\n%s", logs.String())
	return ""
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

// operatorNats runs nats-server in operator mode (the nsc way): accounts
// and users are JWTs signed by an operator, and a user logs in with a
// .creds file. It returns the server URL and a creds file for a user of a
// JetStream-enabled account.
func operatorNats(t *testing.T) (url, credsFile string) {
	t.Helper()
	bin := testtool.Need(t, "nats-server", "nats-server")
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	op, err := nkeys.CreateOperator()
	must(err)
	opPub, _ := op.PublicKey()
	opJWT, err := jwt.NewOperatorClaims(opPub).Encode(op)
	must(err)
	account := func(name string, js bool) (nkeys.KeyPair, string, string) {
		kp, err := nkeys.CreateAccount()
		must(err)
		pub, _ := kp.PublicKey()
		c := jwt.NewAccountClaims(pub)
		c.Name = name
		if js {
			c.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		enc, err := c.Encode(op)
		must(err)
		return kp, pub, enc
	}
	_, sysPub, sysJWT := account("SYS", false)
	accKP, accPub, accJWT := account("SITBOARD", true)
	user, err := nkeys.CreateUser()
	must(err)
	userPub, _ := user.PublicKey()
	userSeed, _ := user.Seed()
	uc := jwt.NewUserClaims(userPub)
	uc.Name = "hub-1"
	userJWT, err := uc.Encode(accKP)
	must(err)
	creds, err := jwt.FormatUserConfig(userJWT, userSeed)
	must(err)
	credsFile = filepath.Join(dir, "hub-1.creds")
	must(os.WriteFile(credsFile, creds, 0o600))
	opFile := filepath.Join(dir, "operator.jwt")
	must(os.WriteFile(opFile, []byte(opJWT), 0o600))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "nats.conf")
	must(os.WriteFile(conf, []byte(fmt.Sprintf(`
listen: 127.0.0.1:%d
jetstream { store_dir: %q }
operator: %q
system_account: %s
resolver: MEMORY
resolver_preload: {
  %s: %q
  %s: %q
}
`, port, filepath.Join(dir, "js"), opFile, sysPub, sysPub, sysJWT, accPub, accJWT)), 0o600))
	return runNatsConfig(t, bin, conf, port), credsFile
}

// TestHubWithNatsCreds: --nats-creds logs in to a server in operator mode;
// without it the refusal names the flag.
func TestHubWithNatsCreds(t *testing.T) {
	url, creds := operatorNats(t)
	cfg := hubtest.Campaign(t)
	open := func(sec hub.NatsSecurity) (*hub.Hub, error) {
		return hub.New(hub.Options{Campaign: cfg, NatsURL: url, NatsSecurity: sec,
			IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	}
	h, err := open(hub.NatsSecurity{Creds: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	defer func() { h.Close(); srv.Close() }()
	res := hubtest.Post(t, srv.URL, hubtest.Events(cfg, "creds", 0, 5))
	if res.Accepted != 5 {
		t.Fatalf("accepted %d of 5 through the creds login", res.Accepted)
	}

	if h2, err := open(hub.NatsSecurity{}); err == nil {
		h2.Close()
		t.Fatal("hub started without credentials on an operator-mode server")
	} else if !strings.Contains(err.Error(), "--nats-creds") {
		t.Fatalf("error %q does not name --nats-creds", err)
	}
	if h3, err := open(hub.NatsSecurity{Creds: creds, Nkey: creds}); err == nil {
		h3.Close()
		t.Fatal("hub started with both --nats-creds and --nats-nkey")
	}
}
