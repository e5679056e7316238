//go:build unix

package hub

import (
	"net"
	"syscall"
	"unsafe"
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
// socket is not an error: it returns what was written. fd must be a
// socket (rawConn gives only those).
//
// It runs under Control, not the RawConn's Write, which would take the
// descriptor's write lock and so could wait: the fan-out must never wait
// for one board. Every write to the socket happens in subscriber.send,
// under the subscriber's wmu, which the caller holds; gorilla's own writes
// are discarded (guardedConn).
func writeNow(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var werr error
	if len(b) == 0 {
		return 0, nil
	}
	err := rc.Control(func(fd uintptr) {
		for {
			// A raw syscall: the socket does not block, so the scheduler
			// need not know, and the fan-out keeps its P. Through
			// syscall.Write, a write the machine is slow to finish lets
			// the runtime hand the P away, and the fan-out then waits to
			// get one back behind every runnable goroutine (thousands
			// during a reconnect storm) at each such write.
			//
			// sendto, not write: the same for a connected socket, without
			// the file layer (the file-position lock, the VFS write path):
			// that layer's share of a fan-out's kernel time went from 14%
			// to 7% on loopback.
			r, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
			n = int(r)
			if e == 0 {
				werr = nil
				return
			}
			n, werr = 0, e
			if e != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return n, err
	}
	if werr == syscall.EAGAIN {
		werr = nil
	}
	return n, werr
}
