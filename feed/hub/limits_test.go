package hub_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// limitsHubEnv makes the test binary run a memory-store hub behind
// hub.NewServer, as `sitboard hub` serves it.
const limitsHubEnv = "SITBOARD_HUBTEST_LIMITS_DIR"

func runLimitsHub(dir string) {
	h, err := hub.New(hub.Options{Campaign: hubtest.Campaign(nil), IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	if err != nil {
		fmt.Fprintln(os.Stderr, "limits hub:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "limits hub:", err)
		os.Exit(1)
	}
	srv := hub.NewServer(h)
	tmp := filepath.Join(dir, "addr.tmp")
	_ = os.WriteFile(tmp, []byte(ln.Addr().String()), 0o600)
	_ = os.Rename(tmp, filepath.Join(dir, "addr"))
	_ = os.WriteFile(filepath.Join(dir, "maxconns"), []byte(fmt.Sprint(srv.MaxConnections())), 0o600)
	_ = srv.Serve(ln)
}

// raiseFileLimit lets this process open n more descriptors, or skips.
func raiseFileLimit(t *testing.T, n uint64) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("cannot read the descriptor limit: %v", err)
	}
	if rl.Cur >= n {
		return
	}
	if rl.Max < n {
		t.Skipf("this test opens %d connections; the hard descriptor limit is %d (raise it with ulimit -Hn)", n, rl.Max)
	}
	old := rl.Cur
	rl.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("cannot raise the descriptor limit to %d: %v", n, err)
	}
	t.Cleanup(func() { rl.Cur = old; _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl) })
}

// TestTenThousandIdleConnections: 10,000 keep-alive connections left idle
// after one request each do not grow the hub without bound, and /healthz
// and ingest still answer: health from the reserve, ingest with a clear
// 503 at the limit.
func TestTenThousandIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 10,000 connections to a hub process")
	}
	const conns = 10_000
	raiseFileLimit(t, conns+2000) // the child inherits it
	dir := t.TempDir()
	cmd, url := startProcess(t, dir, limitsHubEnv)
	addr := strings.TrimPrefix(url, "http://")
	limitText, _ := os.ReadFile(filepath.Join(dir, "maxconns"))
	before, _ := procMem(t, cmd.Process.Pid)

	open := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	// A request each (answered 404: no token needed, nothing to compute),
	// then idle on keep-alive.
	req := "GET /idle HTTP/1.1\r\nHost: " + addr + "\r\n\r\n"
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		open = append(open, c)
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	// Every connection got its answer (404, or 503 past the limit).
	answered := map[int]int{}
	for i, c := range open {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d got no answer: %v", i, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		answered[resp.StatusCode]++
		if resp.StatusCode == http.StatusServiceUnavailable && !strings.Contains(string(body), "connection limit") {
			t.Fatalf("connection %d: 503 without saying why: %q", i, body)
		}
	}
	during, _ := procMem(t, cmd.Process.Pid)

	// Health from the reserve; ingest told clearly that the hub is full.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("/healthz with %d connections open: %v", conns, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz answered %d with %d connections open", resp.StatusCode, conns)
	}
	post, _ := http.NewRequest(http.MethodPost, url+"/v1/events", strings.NewReader("[]"))
	post.Header.Set("Authorization", "Bearer "+hubtest.IngestToken)
	post.Header.Set("Content-Type", "application/json")
	resp, err = hc.Do(post)
	if err != nil {
		t.Fatalf("ingest with %d connections open: %v", conns, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "connection limit") {
		t.Fatalf("ingest at the limit: %d %q, want 503 saying the connection limit", resp.StatusCode, body)
	}
	t.Logf("limit %s: %d answered 404 and idle, %d answered 503; hub RSS %d KiB before, %d KiB with %d connections open",
		limitText, answered[404], answered[503], before, during, conns)
	if grown := during - before; grown > 200<<10 && !raceDetector {
		t.Fatalf("hub RSS grew by %d KiB with %d idle connections", grown, conns)
	}
	if answered[503] == 0 {
		t.Fatal("no connection was refused: the limit is not in force")
	}
}

// TestRefusedBodyDoesNotHoldTheConnection: a POST without a token whose
// body trickles in is answered 401 with Connection: close, and the
// connection ends, instead of the server reading the rest of the body at
// the client's pace: at once for a large body, after a moment for a small
// one (which the hub would have read, to keep the connection, had it come).
func TestRefusedBodyDoesNotHoldTheConnection(t *testing.T) {
	s := hubtest.Start(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(s.Hub)
	go srv.Serve(ln)
	defer srv.Close()
	for _, declared := range []int{100000, 100} {
		t.Run(fmt.Sprint(declared), func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n[", declared)
			br := bufio.NewReader(c)
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
				t.Fatalf("status %d, Connection %q: want 401 and close", resp.StatusCode, resp.Header.Get("Connection"))
			}
			// The client goes on trickling; the hub has already let go.
			go func() {
				for {
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(50 * time.Millisecond) // the trickle's pace
				}
			}()
			if b, err := br.ReadByte(); err == nil {
				rest, _ := br.Peek(br.Buffered())
				t.Fatalf("the hub sent more after the 401: %q%q", b, rest)
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the hub kept the connection of a refused, trickling body open")
			}
		})
	}
}

// TestServerLimitsAreInForceAndDocumented: the HTTP server the hub runs
// behind has the limits docs/operations.md's table promises, and a header
// past its size limit is answered 431 instead of being read on.
func TestServerLimitsAreInForceAndDocumented(t *testing.T) {
	s := hubtest.Start(t, nil)
	srv := hub.NewServer(s.Hub)
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		got  time.Duration
		line string
	}{
		{srv.ReadHeaderTimeout, fmt.Sprintf("| request headers | %d s, %d KiB |", int(srv.ReadHeaderTimeout.Seconds()), srv.MaxHeaderBytes>>10)},
		{srv.ReadTimeout, fmt.Sprintf("| a whole request, body included | %d s |", int(srv.ReadTimeout.Seconds()))},
		{srv.WriteTimeout, fmt.Sprintf("| writing a response | %d s |", int(srv.WriteTimeout.Seconds()))},
		{srv.IdleTimeout, fmt.Sprintf("| idle keep-alive | %d s |", int(srv.IdleTimeout.Seconds()))},
	} {
		if row.got <= 0 {
			t.Errorf("a limit is off (%v): want a timeout like %q", row.got, row.line)
		}
		if !strings.Contains(string(doc), row.line) {
			t.Errorf("docs/operations.md's HTTP limits table lacks %q", row.line)
		}
	}
	if srv.MaxHeaderBytes <= 0 {
		t.Fatal("no header size limit")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 2*srv.MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a %d KiB header answered %d, want 431", 2*srv.MaxHeaderBytes>>10, resp.StatusCode)
	}
}
