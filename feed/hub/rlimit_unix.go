//go:build unix

package hub

import "syscall"

// defaultMaxConnections is DefaultMaxConnections, or less when the
// process may not open that many descriptors.
func defaultMaxConnections() int {
	var rl syscall.Rlimit
	// Cur is a uint64 on Linux and macOS, an int64 on the BSDs.
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && uint64(rl.Cur) < uint64(DefaultMaxConnections+fdHeadroom) {
		return max(64, int(rl.Cur)-fdHeadroom)
	}
	return DefaultMaxConnections
}
