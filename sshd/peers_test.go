package sshd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitboard/demo"
)

// dialFrom connects to addr from the loopback address local (127.0.0.1,
// 127.0.0.2, ...), so a test has several client addresses.
func dialFrom(t testing.TB, addr, local string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stalledFrom is dialStalled from a given address: a connection in its
// handshake that sends nothing.
func stalledFrom(t testing.TB, addr, local string) net.Conn {
	t.Helper()
	c := dialFrom(t, addr, local)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
		t.Fatalf("stalled connection from %s: want the server's version line, got %q, %v", local, line, err)
	}
	return c
}

// refusedFrom dials from local and returns what the server wrote before
// closing, failing if it did not close.
func refusedFrom(t testing.TB, addr, local string) string {
	t.Helper()
	c := dialFrom(t, addr, local)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("from %s: the refused connection was not closed: %v (got %q)", local, err, got)
	}
	if strings.Contains(string(got), "SSH-2.0-") {
		t.Fatalf("from %s: refused after the handshake began: %q", local, got)
	}
	return string(got)
}

// loginFrom logs k in from local.
func loginFrom(t testing.TB, addr, local string, k testKey) (*gossh.Client, error) {
	t.Helper()
	c := dialFrom(t, addr, local)
	cc, chans, reqs, err := gossh.NewClientConn(c, addr, clientConfig(gossh.PublicKeys(k.signer)))
	if err != nil {
		return nil, err
	}
	client := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { client.Close() })
	return client, nil
}

const perIPRefusal = "too many connections from your address are logging in at once"

// TestStartupCapPerAddress: one address gets --max-startups-per-ip
// connections logging in at once; the next is told why and closed before
// the handshake, and logged with the address (once, however many), while
// another address logs in. Places come back however the handshake ends:
// closed by the client, a refused key, a login, the deadline; a connection
// refused by the global cap takes no address place.
func TestStartupCapPerAddress(t *testing.T) {
	k := newTestKey(t, "station")
	stranger := newTestKey(t, "stranger")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) {
		c.countLoopback = true
		c.MaxStartups = 4
		c.MaxStartupsPerIP = 2
		c.HandshakeTimeout = time.Minute // the caps, not the deadline, must act
	})
	const a, b = "127.0.0.1", "127.0.0.2"
	open := func(local string) int { return ts.srv.startupsPerIP.Open(local + ":1") }
	gone := func(local string, what string) {
		t.Helper()
		waitUntil(t, 10*time.Second, what, func() bool { return open(local) == 0 })
	}
	full := func(why string) []net.Conn {
		t.Helper()
		held := []net.Conn{stalledFrom(t, ts.addr, a), stalledFrom(t, ts.addr, a)}
		waitUntil(t, 10*time.Second, why+": 2 connections from "+a+" in their handshake", func() bool { return open(a) == 2 })
		if got := refusedFrom(t, ts.addr, a); !strings.Contains(got, perIPRefusal) || !strings.Contains(got, "(the limit is 2)") {
			t.Fatalf("%s: past the cap got %q, want the refusal", why, got)
		}
		return held
	}

	held := full("first")
	if _, err := loginFrom(t, ts.addr, a, k); err == nil {
		t.Fatal("a station logged in from an address past its cap")
	}
	// Another address is not affected.
	if _, err := loginFrom(t, ts.addr, b, k); err != nil {
		t.Fatalf("a station on another address was refused: %v", err)
	}
	logs := ts.logs.String()
	if n := strings.Count(logs, "too many connections from one address"); n != 1 {
		t.Errorf("%d log lines for 2 refusals within 10 s, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "remote=127.0.0.1:") || !strings.Contains(logs, "address_block=127.0.0.1") {
		t.Errorf("the refusal's log line lacks the address:\n%s", logs)
	}
	if got := ts.srv.RefusedPerIP(); got != 2 {
		t.Errorf("RefusedPerIP %d, want 2", got)
	}

	// Closed by the client.
	for _, c := range held {
		c.Close()
	}
	gone(a, "closed connections' places given back")

	// A refused key: the handshake fails.
	for range 3 {
		if _, err := loginFrom(t, ts.addr, a, stranger); err == nil {
			t.Fatal("an unknown key logged in")
		}
	}
	gone(a, "refused keys' places given back")

	// Logins leave the handshake: three logged in from one address hold
	// no pre-auth place.
	for i := range 3 {
		if _, err := loginFrom(t, ts.addr, a, k); err != nil {
			t.Fatalf("login %d from %s: %v", i+1, a, err)
		}
	}
	gone(a, "logged-in connections' places given back")

	// The global cap refuses before an address place is taken.
	held = full("after logins")
	other := stalledFrom(t, ts.addr, b)
	other2 := stalledFrom(t, ts.addr, b)
	waitUntil(t, 10*time.Second, "the global cap full", func() bool { return ts.srv.Startups() == 4 })
	if got := refusedFrom(t, ts.addr, b); !strings.Contains(got, "too many connections are logging in") {
		t.Fatalf("past the global cap got %q", got)
	}
	if n := open(b); n != 2 {
		t.Fatalf("%s holds %d places after a global refusal, want 2", b, n)
	}
	for _, c := range append(held, other, other2) {
		c.Close()
	}
	gone(a, "all closed")
	gone(b, "all closed")
	full("at the end")
}

// TestStartupDeadlineGivesBackTheAddressPlace: connections closed by the
// handshake deadline give their address's places back.
func TestStartupDeadlineGivesBackTheAddressPlace(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) {
		c.countLoopback = true
		c.MaxStartupsPerIP = 2
		c.HandshakeTimeout = 300 * time.Millisecond
	})
	for round := range 3 {
		held := []net.Conn{dialStalled(t, ts.addr), dialStalled(t, ts.addr)}
		for _, c := range held {
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.ReadAll(c); err != nil {
				t.Fatalf("round %d: the deadline did not close a stalled connection: %v", round, err)
			}
		}
		waitUntil(t, 10*time.Second, "places given back", func() bool { return ts.srv.startupsPerIP.Open("127.0.0.1:1") == 0 })
	}
	if _, err := dialKey(t, ts.addr, k); err != nil {
		t.Fatalf("a station refused after the deadlines: %v", err)
	}
}

// viaProxy connects from 127.0.0.1 as a proxy would for a station at src:
// a PROXY protocol v1 header first.
func viaProxy(t testing.TB, addr, src string) net.Conn {
	t.Helper()
	c := dialFrom(t, addr, "127.0.0.1")
	if _, err := fmt.Fprintf(c, "PROXY TCP4 %s 203.0.113.1 40000 2222\r\n", src); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProxyProtocolAddresses: behind a proxy listed in ProxyProtocolFrom
// (--proxy-protocol-from), a station's address is the one in the PROXY
// header: the cap per address and the logs use it, so stations behind
// one proxy do not share a cap. A connection not from a listed proxy is
// dropped before the SSH handshake and logged.
func TestProxyProtocolAddresses(t *testing.T) {
	k := newTestKey(t, "station")
	ts := startServer(t, []string{k.line}, withFakeBoard, func(c *Config) {
		c.ProxyProtocolFrom = []string{"127.0.0.1"}
		c.MaxStartupsPerIP = 2
		c.HandshakeTimeout = time.Minute
	})
	stalled := func(src string) {
		t.Helper()
		c := viaProxy(t, ts.addr, src)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
			t.Fatalf("via the proxy for %s: got %q, %v", src, line, err)
		}
	}
	stalled("192.0.2.7")
	stalled("192.0.2.7")
	waitUntil(t, 10*time.Second, "2 of 192.0.2.7's connections counted", func() bool { return ts.srv.startupsPerIP.Open("192.0.2.7:1") == 2 })
	c := viaProxy(t, ts.addr, "192.0.2.7")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(c); err != nil || !strings.Contains(string(got), perIPRefusal) {
		t.Fatalf("192.0.2.7 past its cap: got %q, %v; want the refusal", got, err)
	}
	// Another station behind the same proxy logs in.
	conn := viaProxy(t, ts.addr, "192.0.2.8")
	cc, chans, reqs, err := gossh.NewClientConn(conn, ts.addr, clientConfig(gossh.PublicKeys(k.signer)))
	if err != nil {
		t.Fatalf("a station behind the proxy was refused: %v", err)
	}
	gossh.NewClient(cc, chans, reqs).Close()
	waitUntil(t, 10*time.Second, "the login logged with the station's address", func() bool {
		return strings.Contains(ts.logs.String(), "remote=192.0.2.8:40000")
	})
	if logs := ts.logs.String(); !strings.Contains(logs, "address_block=192.0.2.7") {
		t.Errorf("the refusal is not logged with the station's address:\n%s", logs)
	}

	// Not from the proxy: dropped before the handshake.
	direct := dialFrom(t, ts.addr, "127.0.0.2")
	direct.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(direct); err != nil || len(got) > 0 {
		t.Fatalf("a connection not from the proxy got %q, %v; want it dropped", got, err)
	}
	waitUntil(t, 10*time.Second, "the drop logged", func() bool {
		return strings.Contains(ts.logs.String(), "does not come from a proxy listed in --proxy-protocol-from") && strings.Contains(ts.logs.String(), "remote=127.0.0.2:")
	})
}

func TestProxyProtocolFromMustParse(t *testing.T) {
	dir := t.TempDir()
	k := newTestKey(t, "station")
	keys := dir + "/keys"
	writeKeys(t, keys, k.line)
	_, err := New(Config{HostKeyPath: dir + "/host", AuthorizedKeysPath: keys, Campaign: demo.Campaign(), Source: newTestSource(testState(t, demo.Campaign(), 1)), ProxyProtocolFrom: []string{"10.0.0.0/33"}})
	if err == nil || !strings.Contains(err.Error(), "--proxy-protocol-from") || !strings.Contains(err.Error(), "CIDR") {
		t.Fatalf("a bad range: %v, want an error naming the flag and the form", err)
	}
}
