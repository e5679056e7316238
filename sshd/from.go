package sshd

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"strings"
)

// fromRule is a key line's from="..." option: the source addresses the key
// may log in from. A county station's key then works only from that
// station's network, so a copied key is useless anywhere else.
//
// The syntax is OpenSSH's pattern list, on addresses only: comma-separated
// entries, each an IP address, a CIDR range (10.20.0.0/16, 2001:db8::/32),
// or a wildcard pattern on the address's text (10.20.*, 192.168.1.?);
// "!" before an entry refuses what it matches, whatever else matches. The
// address must match at least one entry without "!" and none with it.
//
// Host names are refused when the file is read: OpenSSH matches them only
// against a reverse DNS lookup (UseDNS), which anyone who controls their
// own reverse zone can answer, and this server does no DNS.
type fromRule struct {
	text  string // as written, for logs
	allow []addrPattern
	deny  []addrPattern
}

type addrPattern struct {
	prefix netip.Prefix // a single address is a /32 or /128
	glob   string       // or a wildcard pattern on the address text
	// mapped: written as IPv4-mapped IPv6 (::ffff:10.20.0.0/112,
	// ::ffff:10.20.*), so it is about IPv4 addresses.
	mapped bool
}

// match reports whether p matches a. A connection's IPv4-mapped address
// is read as IPv4 (remoteIP), so a pattern written in the mapped form
// ("!::ffff:10.20.9.0/120") is matched against that form: a refusal
// written so must never fail open. Other IPv6 patterns (::/0) still
// match no IPv4 address, as in OpenSSH.
func (p addrPattern) match(a netip.Addr) bool {
	if p.mapped && a.Is4() {
		a = netip.AddrFrom16(a.As16())
	}
	return p.matchOne(a)
}

func (p addrPattern) matchOne(a netip.Addr) bool {
	if p.glob != "" {
		ok, _ := path.Match(p.glob, a.String())
		return ok
	}
	return p.prefix.Contains(a)
}

// parseFrom reads a from= value. Every mistake is refused with what to
// write instead: a restriction that is silently narrower or wider than the
// operator meant is worse than a key that does not work yet.
func parseFrom(value string) (*fromRule, error) {
	r := &fromRule{text: value}
	for _, entry := range strings.Split(value, ",") {
		raw := strings.TrimSpace(entry)
		neg := strings.HasPrefix(raw, "!")
		e := strings.TrimPrefix(raw, "!")
		if e == "" {
			return nil, fmt.Errorf("from=%q has an empty entry: write comma-separated addresses or ranges, e.g. from=\"10.20.0.0/16,192.168.1.7\"", value)
		}
		p, err := parseAddrPattern(e)
		if err != nil {
			return nil, fmt.Errorf("from=%q: %v", value, err)
		}
		if neg {
			r.deny = append(r.deny, p)
		} else {
			r.allow = append(r.allow, p)
		}
	}
	if len(r.allow) == 0 {
		return nil, fmt.Errorf("from=%q only refuses addresses, so the key could log in from nowhere: add the station's own network, e.g. from=\"10.20.0.0/16,!10.20.9.9\"", value)
	}
	return r, nil
}

func parseAddrPattern(e string) (addrPattern, error) {
	if strings.Contains(e, "/") {
		pfx, err := netip.ParsePrefix(e)
		if err != nil {
			return addrPattern{}, fmt.Errorf("%q is not a CIDR range (%v); write e.g. 10.20.0.0/16", e, err)
		}
		if pfx.Masked() != pfx {
			return addrPattern{}, fmt.Errorf("%q has host bits set; the range is %s", e, pfx.Masked())
		}
		return addrPattern{prefix: pfx, mapped: pfx.Addr().Is4In6() && pfx.Bits() >= 96}, nil
	}
	if a, err := netip.ParseAddr(e); err == nil {
		a = a.Unmap()
		return addrPattern{prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	if strings.ContainsAny(e, "*?") && strings.Trim(e, "0123456789abcdefABCDEF.:*?") == "" {
		if _, err := path.Match(e, ""); err != nil {
			return addrPattern{}, fmt.Errorf("%q is not a valid wildcard pattern (%v)", e, err)
		}
		glob := strings.ToLower(e)
		return addrPattern{glob: glob, mapped: strings.HasPrefix(glob, "::ffff:")}, nil
	}
	return addrPattern{}, fmt.Errorf("%q is not an IP address, a CIDR range or an address wildcard: host names are not matched (that would trust reverse DNS); list the station's addresses", e)
}

// allows says whether a connection from addr may use the key.
func (r *fromRule) allows(addr net.Addr) bool {
	if r == nil {
		return true
	}
	a, ok := remoteIP(addr)
	if !ok {
		return false
	}
	for _, p := range r.deny {
		if p.match(a) {
			return false
		}
	}
	for _, p := range r.allow {
		if p.match(a) {
			return true
		}
	}
	return false
}

// remoteIP is the connection's source address, an IPv4-mapped IPv6
// address read as the IPv4 address it carries.
func remoteIP(addr net.Addr) (netip.Addr, bool) {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		a, ok := netip.AddrFromSlice(tcp.IP)
		return a.Unmap(), ok
	}
	if addr == nil {
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}
