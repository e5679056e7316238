package hub_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// serveLimited serves s's hub behind hub.NewServer (as `sitboard hub`
// does) on loopback and returns its address.
func serveLimited(t *testing.T, s *hubtest.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(s.Hub)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// heldConn opens a connection and has one request answered on it, so the
// hub has surely accepted it; it stays open (keep-alive). It returns the
// answer's status and body.
func heldConn(t *testing.T, addr, path string) (net.Conn, int, string) {
	t.Helper()
	return heldConnFrom(t, "127.0.0.1", addr, path)
}

// heldConnFrom is heldConn from the loopback address local.
func heldConnFrom(t *testing.T, local, addr, path string) (net.Conn, int, string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: hub\r\n\r\n", path)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer on a new connection: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	return c, resp.StatusCode, string(body)
}

// waitOpenConnections waits until the hub holds n connections.
func waitOpenConnections(t *testing.T, s *hubtest.Server, n int) {
	t.Helper()
	waitMetric(t, s.URL, "sitboard_http_connections", func(v string) bool { return v == fmt.Sprint(n) })
}

// TestConnectionsPerAddressCap: one address gets --max-connections-per-ip
// connections and the next is answered 429 with Retry-After and what to
// do, while another address is served; the places come back however the connections end (closed by the
// client, cut mid-request, refused past the global limit), round after
// round, so nothing leaks.
func TestConnectionsPerAddressCap(t *testing.T) {
	const perIP = 3
	logs := &syncBuffer{}
	s := hubtest.Start(t, func(o *hub.Options) {
		hub.CapLoopback(o)
		o.MaxConnectionsPerIP = perIP
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	addr := serveLimited(t, s)
	fill := func(round string) []net.Conn {
		t.Helper()
		var held []net.Conn
		for i := range perIP {
			c, code, body := heldConn(t, addr, "/healthz")
			if code != http.StatusOK {
				t.Fatalf("%s: connection %d of %d answered %d %q", round, i+1, perIP, code, body)
			}
			held = append(held, c)
		}
		_, code, body := heldConn(t, addr, "/healthz")
		if code != http.StatusTooManyRequests || !strings.Contains(body, "too many connections from your address") || !strings.Contains(body, "--max-connections-per-ip") {
			t.Fatalf("%s: connection %d answered %d %q, want 429 saying what to do", round, perIP+1, code, body)
		}
		return held
	}

	held := fill("first round")
	// Another address is not starved by the one at its cap.
	other, code, body := heldConnFrom(t, "127.0.0.2", addr, "/healthz")
	if code != http.StatusOK {
		t.Fatalf("another address answered %d %q while one was at its cap", code, body)
	}
	other.Close()

	// Closed by the client.
	for _, c := range held {
		c.Close()
	}
	waitOpenConnections(t, s, 0)

	// Cut in the middle of a request: the server's read fails.
	held = fill("after closes")
	for _, c := range held {
		fmt.Fprintf(c, "POST /v1/events HTTP/1.1\r\nHost: hub\r\nContent-Length: 100\r\n\r\n[")
		c.Close()
	}
	waitOpenConnections(t, s, 0)
	fill("after cut requests")
	if got := metric(t, s.URL, `sitboard_per_address_refused_total{limit="connections"}`); got != "3" {
		t.Errorf("refusals counted %s, want 3", got)
	}
	if n := strings.Count(logs.String(), "per-address cap"); n != 1 {
		t.Errorf("%d log lines for 3 refusals within 10 s, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "address_block=127.0.0.1") {
		t.Errorf("the refusal's log line lacks the address:\n%s", logs)
	}
}

// TestGlobalRefusalGivesBackTheAddressPlace: a connection refused at the
// global limit (503) had taken its address's place first; it gives it
// back, or the address would soon be refused 429 for places it does not
// hold.
func TestGlobalRefusalGivesBackTheAddressPlace(t *testing.T) {
	const global, reserve = 1, 32 // reserve: hub's healthReserve
	s := hubtest.Start(t, func(o *hub.Options) {
		hub.CapLoopback(o)
		o.MaxConnections = global
		o.MaxConnectionsPerIP = global + reserve + 1
	})
	addr := serveLimited(t, s)
	for round := range 2 {
		// The first global+reserve connections are held (waiting for a
		// request); each one after is refused at the global limit. With a
		// leak, the second refused would be told 429 instead.
		var conns []net.Conn
		for range global + reserve + 6 {
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns[global+reserve:] {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("round %d: connection %d past the global limit got no answer: %v", round, global+reserve+i+1, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("round %d: connection %d past the global limit answered %d %q, want 503", round, global+reserve+i+1, resp.StatusCode, body)
			}
		}
		for _, c := range conns {
			c.Close()
		}
		waitOpenConnections(t, s, 0)
	}
}

// dialStream opens a stream; ok false with the handshake's answer when
// the hub refuses the upgrade.
func dialStream(t *testing.T, url, token string) (*websocket.Conn, *http.Response, bool) {
	t.Helper()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	conn, resp, err := websocket.DefaultDialer.Dial(url, hdr)
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, resp, false
	}
	t.Cleanup(func() { conn.Close() })
	return conn, resp, true
}

// acceptedStream dials until the hub accepts the upgrade: a place given
// back when a stream ends is free once the hub has seen the end.
func acceptedStream(t *testing.T, url, token, why string) *websocket.Conn {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		conn, resp, ok := dialStream(t, url, token)
		if ok {
			return conn
		}
		if resp.StatusCode != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("%s: the hub answered %s and never took a new stream: a place leaked", why, resp.Status)
		}
	}
}

// TestStreamsPerAddressCap: one address gets --max-streams-per-ip streams;
// the next upgrade is answered 429 with Retry-After and what to do, while
// another address still gets its stream. A
// stream's place comes back on every way it ends (closed by the board,
// refused token, no hello, a garbage frame), so after each, a full set of
// new streams is accepted again.
func TestStreamsPerAddressCap(t *testing.T) {
	const perIP = 2
	s := hubtest.Start(t, func(o *hub.Options) {
		hub.CapLoopback(o)
		o.MaxStreamsPerIP = perIP
		o.HelloTimeout = 300 * time.Millisecond // the no-hello path ends soon
	})
	refusedNext := func(why string) {
		t.Helper()
		_, resp, ok := dialStream(t, s.WS, hubtest.ReadToken)
		if ok {
			t.Fatalf("%s: a stream past the cap of %d was accepted", why, perIP)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "--max-streams-per-ip") {
			t.Fatalf("%s: refused with %d (Retry-After %q) %q, want 429 with Retry-After saying what to do", why, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	// full waits until perIP streams are accepted again (the place comes
	// back once the hub has seen the end), then checks the cap holds.
	full := func(why string) []*wsClient {
		t.Helper()
		var boards []*wsClient
		for len(boards) < perIP {
			c := &wsClient{t, acceptedStream(t, s.WS, hubtest.ReadToken, why)}
			c.hello("", 0)
			c.mustNext()
			boards = append(boards, c)
		}
		refusedNext(why)
		return boards
	}

	boards := full("first")
	// Another address is not starved by the one at its cap.
	other := websocket.Dialer{NetDial: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).Dial}
	hdr := http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}}
	if conn, resp, err := other.Dial(s.WS, hdr); err != nil {
		t.Fatalf("another address was refused a stream while one was at its cap: %v %v", err, resp)
	} else {
		conn.Close()
	}
	for _, b := range boards {
		b.conn.Close() // the board goes away
	}
	boards = full("after boards closed")

	// Each way a stream ends gives its place back.
	ends := []struct {
		name string
		end  func(*websocket.Conn)
	}{
		{"refused token", nil},
		{"no hello", func(c *websocket.Conn) { _, _, _ = c.ReadMessage() }},
		{"garbage frame", func(c *websocket.Conn) {
			_ = c.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2})
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}},
	}
	for _, e := range ends {
		boards[0].conn.Close()
		boards = boards[1:]
		token := hubtest.ReadToken
		if e.end == nil {
			token = "wrong"
		}
		conn := acceptedStream(t, s.WS, token, e.name)
		if e.end == nil {
			_, _, _ = conn.ReadMessage() // the hub closes it with 4501
		} else {
			e.end(conn)
		}
		conn.Close()
		c := &wsClient{t, acceptedStream(t, s.WS, hubtest.ReadToken, e.name)}
		c.hello("", 0)
		c.mustNext()
		boards = append(boards, c)
		refusedNext(e.name)
	}
	if got := metric(t, s.URL, `sitboard_per_address_refused_total{limit="streams"}`); got == "0" {
		t.Errorf("stream refusals not counted")
	}
}
