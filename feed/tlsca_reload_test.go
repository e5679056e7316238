package feed_test

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
)

// TestReloadableCATrustsTheCAInForce: a connection made through a
// ReloadableCA's configuration is verified against the CA file as last
// (re)loaded, as strictly as Go's own verification: another CA's
// certificate and a certificate for another name are refused with the
// usual hints, and a reload that fails keeps the CA in force.
func TestReloadableCATrustsTheCAInForce(t *testing.T) {
	first, second := hubtest.PrivateCA(t, t.TempDir()), hubtest.PrivateCA(t, t.TempDir())
	var served atomic.Pointer[tls.Certificate]
	serve := func(files hubtest.TLSFiles) {
		c, err := tls.LoadX509KeyPair(files.ServerCert, files.ServerKey)
		if err != nil {
			t.Fatal(err)
		}
		served.Store(&c)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return served.Load(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	copyTo := func(src string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(caFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyTo(first.CA)
	ca, err := feed.LoadReloadableCA(caFile)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(host string) error {
		c, err := tls.DialWithDialer(&net.Dialer{}, "tcp", ln.Addr().String(), ca.ClientTLS(host))
		if err == nil {
			c.Close()
		}
		return err
	}
	wantHint := func(err error, hint string) {
		t.Helper()
		if err == nil || !strings.Contains(feed.UntrustedCertHint(err), hint) {
			t.Errorf("got %v (hint %q), want a refusal hinting %q", err, feed.UntrustedCertHint(err), hint)
		}
	}

	serve(first)
	if err := dial("127.0.0.1"); err != nil {
		t.Fatalf("the first CA's hub: %v", err)
	}
	if err := dial("localhost"); err != nil {
		t.Fatalf("the first CA's hub by name: %v", err)
	}
	wantHint(dial("hub.elsewhere.example"), "not for this address")

	serve(second) // the hub now has a certificate from another CA
	wantHint(dial("127.0.0.1"), "pass --ca FILE")

	copyTo(second.CA)
	if err := ca.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := dial("127.0.0.1"); err != nil {
		t.Fatalf("after reloading the second CA: %v", err)
	}
	serve(first)
	wantHint(dial("127.0.0.1"), "pass --ca FILE") // the first is no longer trusted

	os.WriteFile(caFile, []byte("not a certificate\n"), 0o644)
	if err := ca.Reload(); err == nil {
		t.Fatal("reloading a file without a certificate succeeded")
	}
	serve(second)
	if err := dial("127.0.0.1"); err != nil {
		t.Fatalf("a failed reload dropped the CA in force: %v", err)
	}
}
