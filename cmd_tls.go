package main

import (
	"crypto/tls"
	"flag"
	"net/http"
	"time"

	"sitboard/feed"
)

// caFlag adds --ca to a command that reaches a hub.
func caFlag(fs *flag.FlagSet) *string {
	return fs.String("ca", "", "PEM file of the CA that signed the hub's certificate (a wss:// or https:// hub with a private CA); only it is trusted then (default: the system's roots)")
}

// hubTLS loads --ca; nil when it is not given.
func hubTLS(caFile string) (*tls.Config, error) { return feed.ClientTLS(caFile) }

// hubHTTPClient is the HTTP client for a hub's plain HTTP endpoints, with
// the --ca trust when given.
func hubHTTPClient(cfg *tls.Config) *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if cfg != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = cfg
		c.Transport = t
	}
	return c
}
