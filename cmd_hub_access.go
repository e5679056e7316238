package main

import "net"

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
