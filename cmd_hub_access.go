package main

import (
	"net"
	"strings"
)

// listFlag is a flag that may be given several times, each value possibly
// a comma-separated list: --allow-origin A --allow-origin B,C.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// exposedPlainHTTP says whether a listener without TLS can be reached from
// other machines: then tokens and events cross the network in clear. An
// unspecified address (0.0.0.0, ::) listens on every interface.
func exposedPlainHTTP(addr net.Addr, tls bool) bool {
	if tls {
		return false
	}
	tcp, ok := addr.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}
