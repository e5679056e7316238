// Package peer caps what one client address may hold open at a time: the
// hub's connections and websocket streams, the SSH server's connections
// still logging in. A global limit alone lets one hostile host take every
// slot and starve every station; a cap per address leaves room for the
// others.
//
// An address is counted under its network block: an IPv4 address alone,
// an IPv6 address under its /64. A host is normally given a whole /64
// (SLAAC, privacy addresses), so counting single IPv6 addresses would give
// one host 2^64 caps. The price: stations that share a /64 share a cap.
//
// Loopback is not counted. A client on loopback is this machine, or a
// proxy on it (a TLS terminator in front of a hub on 127.0.0.1), whose
// clients all arrive from the same address: capping it would starve all
// of them together. Such a proxy must limit its clients itself.
package peer

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// IPv6Bits is the prefix an IPv6 address is counted under.
const IPv6Bits = 64

// Key is the block addr (host:port, or a bare address) is counted under.
// ok is false for loopback and for what is not an IP address (a Unix
// socket), which are not counted.
func Key(addr string) (block netip.Prefix, ok bool) {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap().WithZone("")
	if ip.IsLoopback() || ip.IsUnspecified() {
		return netip.Prefix{}, false
	}
	if ip.Is4() {
		return netip.PrefixFrom(ip, 32), true
	}
	block, _ = ip.Prefix(IPv6Bits)
	return block, true
}

// Describe names the block for a log line: "192.0.2.7" or
// "2001:db8:1:2::/64".
func Describe(addr string) string {
	block, ok := Key(addr)
	switch {
	case !ok:
		if host, _, err := net.SplitHostPort(addr); err == nil {
			return host
		}
		return addr
	case block.Addr().Is4():
		return block.Addr().String()
	}
	return block.String()
}

// Limiter counts what each address block holds open.
type Limiter struct {
	max int // <= 0: no cap
	// countLoopback counts loopback too (tests, which have no other
	// address to connect from).
	countLoopback bool

	mu   sync.Mutex
	open map[netip.Prefix]int
}

// NewLimiter caps each block at max open at once; max <= 0 caps nothing.
func NewLimiter(max int) *Limiter {
	return &Limiter{max: max, open: map[netip.Prefix]int{}}
}

// CountLoopback makes l count loopback addresses, each on its own, so
// tests see the cap on 127.0.0.1 and another address on 127.0.0.2.
func (l *Limiter) CountLoopback() { l.countLoopback = true }

// Max is the cap (<= 0: none).
func (l *Limiter) Max() int { return l.max }

// Take counts one more open for addr. ok is false when its block already
// holds the cap; then nothing was counted. Otherwise release gives the
// place back; calling it again does nothing, so every exit path of a
// connection may call it.
func (l *Limiter) Take(addr string) (release func(), ok bool) {
	if l == nil || l.max <= 0 {
		return func() {}, true
	}
	block, counted := l.key(addr)
	if !counted {
		return func() {}, true
	}
	l.mu.Lock()
	if l.open[block] >= l.max {
		l.mu.Unlock()
		return nil, false
	}
	l.open[block]++
	l.mu.Unlock()
	var done atomic.Bool
	return func() {
		if !done.CompareAndSwap(false, true) {
			return
		}
		l.mu.Lock()
		if l.open[block]--; l.open[block] <= 0 {
			delete(l.open, block) // the map holds only blocks with something open
		}
		l.mu.Unlock()
	}, true
}

// key is Key, with loopback addresses counted one by one when asked.
func (l *Limiter) key(addr string) (netip.Prefix, bool) {
	if block, ok := Key(addr); ok || !l.countLoopback {
		return block, ok
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), true
}

// Open is how many places addr's block holds.
func (l *Limiter) Open(addr string) int {
	block, ok := l.key(addr)
	if !ok {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[block]
}

// Blocks is how many blocks hold something open.
func (l *Limiter) Blocks() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}
