package feed

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
)

// ClientTLS is the TLS configuration for reaching a hub (or NATS) whose
// certificate is signed by a private CA: only the certificates in caFile
// (PEM) are trusted, not the system's roots, so a public CA cannot vouch
// for a hub it never issued. An empty caFile returns nil: the system roots
// (and SSL_CERT_FILE) apply.
func ClientTLS(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pool, err := LoadCertPool(caFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// LoadCertPool reads every certificate of a PEM file into a pool.
func LoadCertPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w (give the PEM file of the CA that signed the certificate)", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA file %s: %w", file, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA's certificate, not its key", file)
	}
	return pool, nil
}

// UntrustedCertHint says what to do when err is a certificate the client
// does not trust, or "" when it is something else.
func UntrustedCertHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return "the hub's certificate is signed by a CA this machine does not trust: pass --ca FILE with that CA's certificate (PEM)"
	case errors.As(err, &host):
		return "the hub's certificate is not for this address: use the host name the certificate names in --hub"
	case errors.As(err, &invalid):
		return "the hub's certificate is not valid (expired, or not for a server): renew it"
	}
	return ""
}

// ReloadableCA is --ca for a server that keeps reconnecting to one hub
// (sitboard ssh): Reload reads the file again (SIGHUP), and each new TLS
// connection is verified against the certificates in force then, so a
// renewed or replaced CA takes effect at the next reconnect without a
// restart. Connections already open keep the trust they were made with.
type ReloadableCA struct {
	file string
	pool atomic.Pointer[x509.CertPool]
}

// LoadReloadableCA reads caFile as ClientTLS does.
func LoadReloadableCA(caFile string) (*ReloadableCA, error) {
	c := &ReloadableCA{file: caFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the CA file again; on an error the certificates in force
// are kept.
func (c *ReloadableCA) Reload() error {
	pool, err := LoadCertPool(c.file)
	if err != nil {
		return err
	}
	c.pool.Store(pool)
	return nil
}

// File is the CA file's path.
func (c *ReloadableCA) File() string { return c.file }

// ClientTLS is the TLS configuration for the hub at host (a name or an
// address, as in the hub's URL). Go's own verification reads a fixed
// RootCAs, so it is replaced by the same checks (chain to the CA in force,
// the host's name or address, a server certificate, validity) made in
// VerifyConnection, which runs on every handshake: the configuration can
// be cloned by every dialer and still follow Reload.
func (c *ReloadableCA) ClientTLS(host string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: host,
		// Not skipped: VerifyConnection below verifies, against the pool
		// in force at this handshake.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: the hub sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: c.pool.Load(), DNSName: host, Intermediates: x509.NewCertPool()}
			for _, cert := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(cert)
			}
			if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
				return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
			}
			return nil
		},
	}
}
