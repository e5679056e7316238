package feed

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
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
