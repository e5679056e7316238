package hub

import (
	"fmt"
	"net/http"
	"time"

	"sitboard/internal/peer"
)

// Caps per client address (an IPv4 address, an IPv6 /64; loopback is not
// counted, see package internal/peer). The global --max-connections alone
// lets one host hold every connection and starve every county station; with
// these, it takes at least 4096/128 = 32 hosts. A station's boards, a
// recorder and a replay need a handful; a command centre behind one NAT
// address with dozens of wall screens may need --max-streams-per-ip raised.
const (
	DefaultMaxConnectionsPerIP = 128
	DefaultMaxStreamsPerIP     = 32
	// perIPRetryAfter is the Retry-After of a 429, in seconds.
	perIPRetryAfter = "5"
)

// What a per-address refusal refused: sitboard_per_address_refused_total's
// labels.
const (
	perIPConnections = "connections"
	perIPStreams     = "streams"
)

func newPeerLimiter(max int, countLoopback bool) *peer.Limiter {
	l := peer.NewLimiter(max)
	if countLoopback {
		l.CountLoopback()
	}
	return l
}

// connectionsPerIPMessage is the body of a 429 past MaxConnectionsPerIP.
func connectionsPerIPMessage(max int) string {
	return fmt.Sprintf("too many connections from your address (the hub allows %d at once per address): close idle ones and retry in a few seconds, or ask the hub's operator to raise --max-connections-per-ip", max)
}

// refusePerIP counts a per-address refusal and logs it, at most once per
// refusalLogEvery with the count held back, so a flood cannot flood the log.
func (h *Hub) refusePerIP(what, remote string, max int) {
	h.m.perIPRefused.WithLabelValues(what).Inc()
	if due, skipped := h.perIPLog.due(time.Now(), refusalLogEvery); due {
		h.log.Warn("refused a client over its per-address cap", "refused", what, "remote", remote,
			"address_block", peer.Describe(remote), "cap", max, "refused_since_last_line", skipped)
	}
}

// takeStream counts a stream for its client address, or answers 429 and
// returns ok false. release gives the place back (once, whatever calls it).
func (h *Hub) takeStream(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	release, ok = h.streamsPerIP.Take(r.RemoteAddr)
	if ok {
		return release, true
	}
	max := h.streamsPerIP.Max()
	h.refusePerIP(perIPStreams, r.RemoteAddr, max)
	w.Header().Set("Retry-After", perIPRetryAfter)
	w.Header().Set("Connection", "close")
	http.Error(w, fmt.Sprintf("too many streams from your address (the hub allows %d open boards, recorders and SSH servers per address): close one on that host and retry in a few seconds, or ask the hub's operator to raise --max-streams-per-ip", max), http.StatusTooManyRequests)
	return nil, false
}
