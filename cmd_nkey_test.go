package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"sitboard/feed/hub/hubtest"
	"sitboard/internal/testtool"
)

// TestNatsNkeyMakesALogin: the seed file is private and matches the public
// key printed for the servers' config; an existing file is never replaced.
func TestNatsNkeyMakesALogin(t *testing.T) {
	seedFile := filepath.Join(t.TempDir(), "hub.nk")
	pub, stderr, code := runSitboard(t, "nats-nkey", "--out", seedFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pub = strings.TrimSpace(pub)
	fi, err := os.Stat(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("seed file mode %v, want 0600", fi.Mode().Perm())
	}
	seed, _ := os.ReadFile(seedFile)
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		t.Fatalf("seed file unreadable as an nkey: %v", err)
	}
	if got, _ := kp.PublicKey(); got != pub || !strings.HasPrefix(pub, "U") {
		t.Fatalf("printed %q, the seed's public key is %q", pub, got)
	}
	_, stderr, code = runSitboard(t, "nats-nkey", "--out", seedFile)
	if code == 0 || !strings.Contains(stderr, "exists") {
		t.Fatalf("second run over the same file: exit %d, %q", code, stderr)
	}
	if again, _ := os.ReadFile(seedFile); string(again) != string(seed) {
		t.Fatal("the seed file was replaced")
	}
}

// TestHubCommandOnSecuredNats: `sitboard hub` with the flags of the docs'
// cluster example starts on a nats-server that requires TLS, a client
// certificate and the nkey 'sitboard nats-nkey' made.
func TestHubCommandOnSecuredNats(t *testing.T) {
	bin := testtool.Need(t, "nats-server", "nats-server")
	dir := t.TempDir()
	files := hubtest.PrivateCA(t, dir)
	seedFile := filepath.Join(dir, "hub-1.nk")
	pub, stderr, code := runSitboard(t, "nats-nkey", "--out", seedFile)
	if code != 0 {
		t.Fatalf("nats-nkey: exit %d: %s", code, stderr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	conf := filepath.Join(dir, "nats.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listen: %s\njetstream { store_dir: %q }\ntls { cert_file: %q, key_file: %q, ca_file: %q, verify: true }\nauthorization { users: [ { nkey: %s } ] }\n",
		addr, filepath.Join(dir, "js"), files.ServerCert, files.ServerKey, files.CA, strings.TrimSpace(pub))), 0o600)
	srv := exec.Command(bin, "-c", conf)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nats-server did not start")
		}
	}
	log := hubStartupLog(t, "--listen", "127.0.0.1:0", "--ingest-token", "itok-1234", "--read-token", "rtok-1234",
		"--nats", "nats://"+addr, "--nats-nkey", seedFile, "--nats-ca", files.CA, "--nats-cert", files.ClientCert, "--nats-key", files.ClientKey)
	if !strings.Contains(log, "store=external") {
		t.Fatalf("hub not on the external server:\n%s", log)
	}
}
