package sshd

import (
	"fmt"
	"net"
	"time"

	"github.com/pires/go-proxyproto"
)

// proxyHeaderTimeout bounds reading a PROXY protocol header, which a proxy
// sends at once.
const proxyHeaderTimeout = 5 * time.Second

// newProxyPolicy is the PROXY protocol policy for the proxies in from
// (addresses or CIDR ranges): their connections must carry a header, whose
// source address is the station's; a connection from anywhere else is
// dropped before it reaches the SSH server, and logged at most every 10 s.
// The strict rule is the protocol's own: where a header is optional, any
// client could send one and pick its address, and so its per-address cap.
func (s *Server) newProxyPolicy(from []string) (proxyproto.ConnPolicyFunc, error) {
	trust, err := proxyproto.TrustProxyHeaderFromRanges(from)
	if err != nil {
		return nil, fmt.Errorf("sshd: --proxy-protocol-from %v: %w (give the proxies' addresses or CIDR ranges, e.g. 10.0.0.5 or 10.0.0.0/24)", from, err)
	}
	return func(o proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
		p, err := trust(o)
		if err != nil {
			s.refusedUnproxied.Add(1)
			if s.unproxiedLog.due(time.Now()) {
				s.log.Warn("connection dropped: it does not come from a proxy listed in --proxy-protocol-from, and stations must come through one",
					"remote", addrString(o.Upstream), "dropped_so_far", s.refusedUnproxied.Load())
			}
		}
		return p, err
	}, nil
}

// listen wraps l to read PROXY protocol headers when proxies are listed.
func (s *Server) listen(l net.Listener) net.Listener {
	if s.proxyPolicy == nil {
		return l
	}
	return &proxyproto.Listener{Listener: l, ConnPolicy: s.proxyPolicy, ReadHeaderTimeout: proxyHeaderTimeout}
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
