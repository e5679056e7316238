//go:build unix

package hub

import "syscall"

// defaultMaxConnections is DefaultMaxConnections, or less when the
// process may not open that many descriptors.
func defaultMaxConnections() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < uint64(DefaultMaxConnections+fdHeadroom) {
		return max(64, int(rl.Cur)-fdHeadroom)
	}
	return DefaultMaxConnections
}
