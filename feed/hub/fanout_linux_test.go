package hub_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// fanoutClients are the fan-out benchmark's subscribers, read the way a
// load generator reads: a few goroutines on epoll, each reading whatever
// its ready sockets hold and parsing websocket frames in place, instead of
// a goroutine and a buffered reader per connection. On a 2-core machine
// the subscribers' CPU is taken from the hub, so it must be small.
type fanoutClients struct {
	conns []*fanoutConn
	want  int // events each subscriber must get
	done  sync.WaitGroup
	errMu sync.Mutex
	err   error
}

// fanoutConn is one subscriber: its socket, the bytes of an unfinished
// frame, and one latency per event received.
type fanoutConn struct {
	fd       int
	buf      []byte
	snapshot bool // the first frame (the snapshot) has been read
	got      int
	lat      []int32 // microseconds from the POST to the read
}

// newFanoutClients takes over dialled connections whose hello has been
// sent and which have received nothing yet (so gorilla has buffered
// nothing of theirs).
func newFanoutClients(ws []*websocket.Conn, want int) (*fanoutClients, error) {
	fc := &fanoutClients{want: want}
	for _, c := range ws {
		rc, err := c.NetConn().(*net.TCPConn).SyscallConn()
		if err != nil {
			return nil, err
		}
		// A copy of the socket, then the Go connection closed: the runtime's
		// poller no longer wakes for this socket, only our epoll does.
		fd, derr := -1, error(nil)
		if err := rc.Control(func(f uintptr) { fd, derr = syscall.Dup(int(f)) }); err != nil || derr != nil {
			return nil, fmt.Errorf("dup: %v %v", err, derr)
		}
		_ = c.NetConn().Close()
		fc.conns = append(fc.conns, &fanoutConn{fd: fd, buf: make([]byte, 0, 64<<10), lat: make([]int32, 0, want)})
	}
	return fc, nil
}

// start runs `workers` epoll loops over the connections; ready is closed
// once every subscriber has its snapshot.
func (fc *fanoutClients) start(workers int) (ready chan struct{}, err error) {
	var snapshots sync.WaitGroup
	snapshots.Add(len(fc.conns))
	ready = make(chan struct{})
	go func() { snapshots.Wait(); close(ready) }()
	for w := range workers {
		var mine []*fanoutConn
		for i := w; i < len(fc.conns); i += workers {
			mine = append(mine, fc.conns[i])
		}
		ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return nil, err
		}
		for i, c := range mine {
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(i)}
			if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
				return nil, err
			}
		}
		fc.done.Add(1)
		go fc.loop(ep, mine, &snapshots)
	}
	return ready, nil
}

// close ends every connection.
func (fc *fanoutClients) close() {
	for _, c := range fc.conns {
		_ = syscall.Close(c.fd)
	}
}

func (fc *fanoutClients) fail(err error) {
	fc.errMu.Lock()
	if fc.err == nil {
		fc.err = err
	}
	fc.errMu.Unlock()
}

func (fc *fanoutClients) loop(ep int, conns []*fanoutConn, snapshots *sync.WaitGroup) {
	defer fc.done.Done()
	defer syscall.Close(ep)
	events := make([]syscall.EpollEvent, 256)
	left := len(conns)
	for left > 0 {
		n, err := syscall.EpollWait(ep, events, 1000)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			fc.fail(err)
			return
		}
		for _, ev := range events[:n] {
			c := conns[ev.Fd]
			if len(c.buf) == cap(c.buf) {
				c.buf = append(c.buf, make([]byte, cap(c.buf))...)[:len(c.buf)]
			}
			m, err := syscall.Read(c.fd, c.buf[len(c.buf):cap(c.buf)])
			if err == syscall.EAGAIN {
				continue
			}
			if err != nil || m == 0 {
				fc.fail(fmt.Errorf("subscriber read: %v (%d bytes)", err, m))
				return
			}
			now := time.Now().UnixNano()
			c.buf = c.buf[:len(c.buf)+m]
			wasDone := c.got >= fc.want
			hadSnapshot := c.snapshot
			if err := c.frames(now); err != nil {
				fc.fail(err)
				return
			}
			if !hadSnapshot && c.snapshot {
				snapshots.Done()
			}
			if !wasDone && c.got >= fc.want {
				left--
				_ = syscall.EpollCtl(ep, syscall.EPOLL_CTL_DEL, c.fd, nil)
			}
		}
	}
}

// frames consumes every complete frame in c.buf.
func (c *fanoutConn) frames(now int64) error {
	p := c.buf
	for len(p) >= 2 {
		if p[1]&0x80 != 0 {
			return fmt.Errorf("masked frame from the hub")
		}
		n, h := uint64(p[1]&0x7f), 2
		if n == 126 {
			if len(p) < 4 {
				break
			}
			n, h = uint64(binary.BigEndian.Uint16(p[2:])), 4
		} else if n == 127 {
			if len(p) < 10 {
				break
			}
			n, h = binary.BigEndian.Uint64(p[2:]), 10
		}
		if uint64(len(p)-h) < n {
			break // the rest of this frame is still on its way
		}
		payload := p[h : h+int(n)]
		switch op := int(p[0] & 0x0f); {
		case op == websocket.PingMessage:
			c.pong(payload)
		case op == websocket.CloseMessage:
			return fmt.Errorf("hub closed a subscriber: %q", payload)
		case !c.snapshot:
			c.snapshot = true
		default:
			if err := c.events(payload, now); err != nil {
				return err
			}
		}
		p = p[h+int(n):]
	}
	c.buf = c.buf[:copy(c.buf, p)]
	return nil
}

// pong answers a ping: a client frame, so masked.
func (c *fanoutConn) pong(data []byte) {
	key := [4]byte{0x5a, 0xa5, 0x3c, 0xc3}
	f := append([]byte{0x80 | websocket.PongMessage, 0x80 | byte(len(data))}, key[:]...)
	for i, b := range data {
		f = append(f, b^key[i%4])
	}
	_, _ = syscall.Write(c.fd, f)
}

// events records one latency per event id ("f-<unix ns>-<n>") in a frame.
func (c *fanoutConn) events(frame []byte, now int64) error {
	for rest := frame; ; {
		i := bytes.Index(rest, idMark)
		if i < 0 {
			return nil
		}
		rest = rest[i+len(idMark):]
		j := bytes.IndexByte(rest, '-')
		if j < 0 {
			return fmt.Errorf("bad id in %q", rest)
		}
		var ns int64
		for _, d := range rest[:j] {
			if d < '0' || d > '9' {
				return fmt.Errorf("bad id in %q", rest)
			}
			ns = ns*10 + int64(d-'0')
		}
		c.lat = append(c.lat, int32((now-ns)/1000))
		c.got++
		// An event is longer than this, so skip it unsearched.
		rest = rest[min(j+minEventJSON, len(rest)):]
	}
}

var idMark = []byte(`"id":"f-`)

// minEventJSON is less than any benchmark event's encoding from its id on.
const minEventJSON = 120
