//go:build unix

package hub

import (
	"net"
	"syscall"
)

// rawConn is the socket under a plain TCP websocket, for the fan-out's
// direct writes; nil for anything else (TLS, a test pipe).
func rawConn(c net.Conn) syscall.RawConn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// writeNow writes as much of b as the socket takes without waiting. A full
// socket is not an error: it returns what was written.
//
// It runs under Control, not the RawConn's Write, which would take the
// descriptor's write lock and so could wait: the fan-out must never wait
// for one board. Every write to the socket happens in subscriber.send,
// under the subscriber's wmu, which the caller holds; gorilla's own writes
// are discarded (guardedConn).
func writeNow(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var werr error
	err := rc.Control(func(fd uintptr) {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				return
			}
		}
	})
	if n < 0 {
		n = 0
	}
	if err != nil {
		return n, err
	}
	if werr == syscall.EAGAIN {
		werr = nil
	}
	return n, werr
}
