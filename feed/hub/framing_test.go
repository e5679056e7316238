package hub_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// rawBoard is a board that reads the hub's bytes itself, slowly, through a
// tiny receive buffer, and checks that every byte belongs to a valid
// websocket frame: a control frame inside a data frame, a half frame
// followed by anything but its rest, or a frame after the close all fail.
type rawBoard struct {
	t      *testing.T
	ws     *websocket.Conn // for writing the hello, pings and pongs
	nc     net.Conn        // read raw
	wmu    sync.Mutex
	read   int64 // bytes parsed
	hubURL string

	lastSeq   uint64
	pongs     int
	pings     int
	closeCode int
	frames    int
}

func dialRaw(t *testing.T, s *hubtest.Server, rcvbuf int) *rawBoard {
	url := s.WS
	t.Helper()
	d := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf) })
			if err != nil {
				return err
			}
			return serr
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	ws, _, err := d.Dial(url, http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	// The hub sends nothing before the hello, so gorilla has buffered
	// nothing past the handshake: the raw connection starts at frame one.
	b := &rawBoard{t: t, ws: ws, nc: ws.NetConn(), hubURL: s.URL}
	if err := ws.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
		t.Fatal(err)
	}
	return b
}

// dropped reads the hub's drop counters, to say why a board was cut.
func (b *rawBoard) dropped() string {
	resp, err := http.Get(b.hubURL + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "sitboard_boards_dropped_total{") && !strings.HasSuffix(line, " 0") {
			out = append(out, line)
		}
	}
	return strings.Join(out, ", ")
}

func (b *rawBoard) control(op int, data []byte) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	_ = b.ws.WriteControl(op, data, time.Now().Add(time.Second))
}

// readFull reads exactly len(p) bytes in small reads, pausing after each to
// act as a slow link. It fails if the hub sends nothing for 15s.
func (b *rawBoard) readFull(p []byte, chunk int, pause time.Duration) error {
	for got := 0; got < len(p); {
		_ = b.nc.SetReadDeadline(time.Now().Add(15 * time.Second))
		n, err := b.nc.Read(p[got:min(len(p), got+chunk)])
		got += n
		b.read += int64(n)
		if err != nil {
			return err
		}
		if pause > 0 {
			time.Sleep(pause) // pacing a slow link, not waiting for anything
		}
	}
	return nil
}

// run parses frames until the close frame or until it has event seq
// `until` (0: only the close ends it). It fails the test on any invalid
// byte. eof reports the connection ending without a close frame.
func (b *rawBoard) run(until uint64, chunk int, pause time.Duration) (eof bool) {
	t := b.t
	hdr := make([]byte, 14)
	for {
		at := b.read
		if err := b.readFull(hdr[:2], chunk, pause); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				return true
			}
			t.Fatalf("at byte %d: %v", at, err)
		}
		fin, rsv, op := hdr[0]&0x80 != 0, hdr[0]&0x70, int(hdr[0]&0x0f)
		masked, n := hdr[1]&0x80 != 0, uint64(hdr[1]&0x7f)
		if rsv != 0 || masked || !fin {
			t.Fatalf("at byte %d: bad frame header % x (fin %v rsv %x masked %v): a frame boundary was lost", at, hdr[:2], fin, rsv, masked)
		}
		switch n {
		case 126:
			if err := b.readFull(hdr[2:4], chunk, pause); err != nil {
				t.Fatalf("at byte %d: header cut: %v", at, err)
			}
			n = uint64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if err := b.readFull(hdr[2:10], chunk, pause); err != nil {
				t.Fatalf("at byte %d: header cut: %v", at, err)
			}
			n = binary.BigEndian.Uint64(hdr[2:10])
		}
		if n > 64<<20 {
			t.Fatalf("at byte %d: frame of %d bytes: a frame boundary was lost", at, n)
		}
		payload := make([]byte, n)
		if err := b.readFull(payload, chunk, pause); err != nil {
			t.Fatalf("at byte %d: a frame of %d bytes was cut after %d: %v (boards dropped: %s)", at, n, b.read-at, err, b.dropped())
		}
		b.frames++
		switch op {
		case websocket.TextMessage:
			var m feed.Message
			if !utf8.Valid(payload) || json.Unmarshal(payload, &m) != nil {
				t.Fatalf("at byte %d: text frame of %d bytes is not a message: %.80q", at, n, payload)
			}
			for _, ev := range m.Events {
				if ev.Seq != b.lastSeq+1 && b.lastSeq != 0 {
					t.Fatalf("event seq %d after %d", ev.Seq, b.lastSeq)
				}
				b.lastSeq = ev.Seq
			}
			if m.Type == feed.MsgSnapshot {
				b.lastSeq = m.Seq
			}
		case websocket.PingMessage, websocket.PongMessage, websocket.CloseMessage:
			if n > 125 {
				t.Fatalf("at byte %d: control frame of %d bytes", at, n)
			}
			switch op {
			case websocket.PingMessage:
				b.pings++
				if os.Getenv("FRAMING_DEBUG") != "" {
					fmt.Fprintf(os.Stderr, "%s ping at byte %d\n", time.Now().Format("15:04:05.000"), at)
				}
				b.control(websocket.PongMessage, payload)
			case websocket.PongMessage:
				b.pongs++
			default:
				if n >= 2 {
					b.closeCode = int(binary.BigEndian.Uint16(payload))
				}
				// Nothing may follow a close frame.
				_ = b.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
				if k, err := b.nc.Read(hdr[:1]); k > 0 {
					t.Fatalf("byte %#x after the close frame", hdr[0])
				} else if err == nil {
					t.Fatal("read nothing and no error after the close frame")
				}
				return false
			}
		default:
			t.Fatalf("at byte %d: opcode %d: a frame boundary was lost", at, op)
		}
		if until > 0 && b.lastSeq >= until {
			return false
		}
	}
}

// pingLoop sends the hub pings until stop closes, so pongs are due while
// frames are half written.
func (b *rawBoard) pingLoop(stop <-chan struct{}) {
	tick := time.NewTicker(3 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-tick.C:
			b.control(websocket.PingMessage, []byte(fmt.Sprint(i)))
		}
	}
}

// slowLinkHub has a small socket buffer, so writes to a slow board are
// partial, and pings every 300ms, so they fall due mid-frame.
func slowLinkHub(t *testing.T, mutate func(*hub.Options)) *hubtest.Server {
	return hubtest.Start(t, func(o *hub.Options) {
		o.SocketSendBuffer = 4096
		o.PingInterval = 300 * time.Millisecond
		// The board answers pings as it reads; on a loaded machine that
		// may take seconds, which is not what these tests are about.
		o.PongWait = time.Minute
		if testing.Verbose() {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
		}
		o.SendQueueBytes = 64 << 20
		// The boards ping every 3 ms, far past a board's budget, so that
		// pongs are due mid-frame.
		hub.ClientFrameBudget(o, 1<<30)
		if mutate != nil {
			mutate(o)
		}
	})
}

// postAll sends n events in batches, so the hub sends frames of up to 512
// events (about 100 KB), each written in many pieces to a slow board.
// It stops at the first refusal (the hub closing).
func postAll(s *hubtest.Server, prefix string, n int) {
	for i := 0; i < n; i += 1000 {
		body, _ := json.Marshal(hubtest.Events(s.Cfg, prefix, i, min(1000, n-i)))
		if code, _, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body); err != nil || code != http.StatusAccepted {
			return
		}
	}
}

// TestSlowLinkFramesStayWhole: a board behind a slow link, with hub pings
// and board pings (so pongs) due all the time, reads only whole, valid
// frames, and every event in order.
func TestSlowLinkFramesStayWhole(t *testing.T) {
	s := slowLinkHub(t, nil)
	b := dialRaw(t, s, 4096)
	stop := make(chan struct{})
	defer close(stop)
	go b.pingLoop(stop)
	const total = 8000
	go postAll(s, "frm", total)
	if eof := b.run(total, 1500, 200*time.Microsecond); eof {
		t.Fatal("the hub closed the connection")
	}
	if b.pongs == 0 || b.pings == 0 {
		t.Fatalf("no control frames crossed the data (pings %d, pongs %d): the test did not test interleaving", b.pings, b.pongs)
	}
	t.Logf("%d frames, %d bytes, %d pings, %d pongs, all whole", b.frames, b.read, b.pings, b.pongs)
}

// TestCloseWaitsForTheFrame: boards shut down (hub Close) or closed for
// a full queue while frames are half written get the rest of the frame,
// then the close, and nothing else.
func TestCloseWaitsForTheFrame(t *testing.T) {
	for _, tc := range []struct {
		name  string
		queue int
		close func(s *hubtest.Server)
		code  int
	}{
		{"hub shutdown", 64 << 20, func(s *hubtest.Server) { s.Hub.Close() }, feed.CloseShutdown},
		{"slow consumer", 256 << 10, nil, feed.CloseSlowConsumer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := slowLinkHub(t, func(o *hub.Options) { o.SendQueueBytes = tc.queue })
			b := dialRaw(t, s, 4096)
			stop := make(chan struct{})
			defer close(stop)
			go b.pingLoop(stop)
			// Read until a few frames are in, then stop reading for a while
			// by reading in tiny pieces, so a frame is half written when the
			// close comes.
			go postAll(s, "cls", 20000)
			if eof := b.run(600, 4096, 0); eof {
				t.Fatal("the hub closed the connection early")
			}
			if tc.close != nil {
				go tc.close(s)
			} else {
				// Read nothing until the queue has overflowed.
				waitMetric(t, s.URL, `sitboard_boards_dropped_total{reason="slow_consumer"}`, func(v string) bool { return v == "1" })
			}
			if eof := b.run(0, 700, 100*time.Microsecond); eof {
				t.Fatal("the connection ended without a close frame")
			}
			if b.closeCode != tc.code {
				t.Fatalf("close code %d, want %d", b.closeCode, tc.code)
			}
		})
	}
}

// TestHelloAfterCloseIsRefused: a hello that reaches the hub after Close
// returned gets 4000, not a snapshot, and the board is not left open.
func TestHelloAfterCloseIsRefused(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "late", 0, 3))
	s.WaitSeq(t, 3)
	conn, _, err := websocket.DefaultDialer.Dial(s.WS, http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := s.Hub.Close(); err != nil {
		t.Fatal(err)
	}
	c := &wsClient{t, conn}
	c.hello("", 0)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != feed.CloseShutdown {
				t.Fatalf("the board ended with %v, want close %d", err, feed.CloseShutdown)
			}
			return
		}
		var m feed.Message
		_ = json.Unmarshal(data, &m)
		if m.Type != feed.MsgError {
			t.Fatalf("got a %s after Close, want only the error and the close", m.Type)
		}
	}
}
