//go:build unix

package hub

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestDirectWriteToFullSocketKeepsTheFrame: when the fan-out's direct
// write finds a live board's socket full at a frame boundary (it takes
// no byte), the frame goes to the queue intact, and the writer later
// sends it, then what was queued after it, in order. The queued frame
// once shared the fan-out's one-item buffer, which deliver clears after
// each write: the writer then found an item without a frame and
// panicked in sendSliced.
func TestDirectWriteToFullSocketKeepsTheFrame(t *testing.T) {
	// A Unix socket pair stands in for the board's TCP socket: unlike
	// TCP, where an ACK arriving late can free room after the socket said
	// it was full, a full Unix socket stays full until read.
	r, w := socketPair(t)
	raw, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}

	h := &Hub{opts: Options{WriteTimeout: 10 * time.Second, PingInterval: time.Hour}, log: slog.New(slog.DiscardHandler)}
	h.m = newMetrics(h)
	s := &subscriber{
		h: h, nc: socketFileConn{w}, raw: raw, limit: 1 << 20,
		notify: make(chan struct{}, 1), nextPing: time.Now().Add(time.Hour),
	}

	// Fill the pipe until it takes nothing more: the next frame finds it
	// full.
	var filled bytes.Buffer
	chunk := bytes.Repeat([]byte{'x'}, 1024)
	for {
		n, err := writeNow(s.raw, chunk)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		filled.Write(chunk[:n])
		if filled.Len() > 64<<20 {
			t.Fatal("the pipe took 64 MiB without filling")
		}
	}

	first := newRawFrame(websocket.TextMessage, []byte(`{"type":"heartbeat","seq":1}`))
	second := newRawFrame(websocket.TextMessage, []byte(`{"type":"heartbeat","seq":2}`))
	if s.deliver(item{f: first, size: first.size()}) {
		t.Fatal("a full pipe took the whole frame")
	}
	s.deliver(item{f: second, size: second.size()})
	s.mu.Lock()
	var queued []string
	for _, it := range s.queue {
		switch it.f {
		case first:
			queued = append(queued, "first")
		case second:
			queued = append(queued, "second")
		case nil:
			queued = append(queued, "no frame")
		default:
			queued = append(queued, "another frame")
		}
	}
	s.mu.Unlock()
	if s.hasPartial {
		t.Fatalf("a frame was started on a socket that took no byte")
	}
	if want := []string{"first", "second"}; !slices.Equal(queued, want) {
		t.Fatalf("queue after two deliveries to a full socket = %q, want %q", queued, want)
	}

	// The board reads again; the writer sends the queue.
	want := append(append(filled.Bytes(), first.wire...), second.wire...)
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, len(want))
		_ = r.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, _ := io.ReadFull(r, b)
		got <- b[:n]
	}()
	_, items, _, _, _ := s.take(nil)
	s.wmu.Lock()
	sent := s.send(items, true)
	s.wmu.Unlock()
	if !sent {
		t.Fatal("the writer abandoned a board that reads")
	}
	b := <-got
	if !bytes.Equal(b, want) {
		t.Fatalf("board read %d bytes ending %q, want %d ending %q", len(b), tail(b), len(want), tail(want))
	}
}

func tail(b []byte) []byte {
	if len(b) > 80 {
		return b[len(b)-80:]
	}
	return b
}

// socketPair is a connected pair of non-blocking Unix stream sockets, as
// files the runtime polls (so read deadlines work).
func socketPair(t *testing.T) (r, w *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if err := syscall.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	r, w = os.NewFile(uintptr(fds[0]), "board"), os.NewFile(uintptr(fds[1]), "hub")
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// socketFileConn is a socket file's end as the subscriber's connection.
type socketFileConn struct{ *os.File }

func (socketFileConn) LocalAddr() net.Addr  { return nil }
func (socketFileConn) RemoteAddr() net.Addr { return nil }
