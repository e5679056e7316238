//go:build !unix

package hub

import (
	"errors"
	"net"
	"syscall"
)

// rawConn: direct writes are unix-only; elsewhere every frame goes through
// the subscriber's writer goroutine.
func rawConn(net.Conn) syscall.RawConn { return nil }

func writeNow(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("direct writes are not supported on this platform")
}
