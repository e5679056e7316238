package hub

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nats-io/nats.go"

	"sitboard/feed"
)

// NatsSecurity is how the hub proves itself to an external NATS server and
// checks the server's certificate. Without it anyone who reaches NATS could
// publish into the log and bypass the hub's tokens and validation, so an
// operator's cluster should require both (docs/security.md).
type NatsSecurity struct {
	// Creds is a .creds file (user JWT and nkey seed) for servers run in
	// operator mode (nsc).
	Creds string
	// Nkey is a file holding a user nkey seed (SU...) for servers that list
	// users by nkey in their config.
	Nkey string
	// CA is the PEM file of the CA that signed the servers' certificates;
	// set, it makes the connection TLS and trusts only that CA.
	CA string
	// Cert and Key are a client certificate for servers that verify
	// clients (tls { verify: true }).
	Cert, Key string
}

func (s NatsSecurity) set() bool {
	return s.Creds != "" || s.Nkey != "" || s.CA != "" || s.Cert != "" || s.Key != ""
}

// options turns the settings into nats.go options, checking each file
// first so a typo is reported as such, not as a refused connection.
func (s NatsSecurity) options() ([]nats.Option, error) {
	var opts []nats.Option
	if s.Creds != "" && s.Nkey != "" {
		return nil, errors.New("hub: give --nats-creds or --nats-nkey, not both")
	}
	if (s.Cert == "") != (s.Key == "") {
		return nil, errors.New("hub: give both --nats-cert and --nats-key, or neither")
	}
	for flag, file := range map[string]string{"--nats-creds": s.Creds, "--nats-nkey": s.Nkey, "--nats-cert": s.Cert, "--nats-key": s.Key} {
		if file == "" {
			continue
		}
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("hub: %s: %w (give a file this user can read)", flag, err)
		}
	}
	if s.Creds != "" {
		opts = append(opts, nats.UserCredentials(s.Creds))
	}
	if s.Nkey != "" {
		opt, err := nats.NkeyOptionFromSeed(s.Nkey)
		if err != nil {
			return nil, fmt.Errorf("hub: --nats-nkey %s: %w (the file must hold a user seed, SU..., as 'nk -gen user' writes it)", s.Nkey, err)
		}
		opts = append(opts, opt)
	}
	if s.CA != "" {
		cfg, err := feed.ClientTLS(s.CA)
		if err != nil {
			return nil, fmt.Errorf("hub: --nats-ca: %w", err)
		}
		opts = append(opts, nats.Secure(cfg))
	}
	if s.Cert != "" {
		opts = append(opts, nats.ClientCert(s.Cert, s.Key))
	}
	return opts, nil
}

// natsConnectHint says what to do about a failed connection to an
// external NATS server, or "" when the error says it already.
func natsConnectHint(err error) string {
	var unknown x509.UnknownAuthorityError
	msg := strings.ToLower(err.Error())
	switch {
	case errors.As(err, &unknown):
		return "the NATS server's certificate is signed by a CA this machine does not trust: pass --nats-ca FILE with that CA"
	case strings.Contains(msg, "authorization violation") || strings.Contains(msg, "authentication"):
		return "the NATS server refused the hub's credentials: pass --nats-creds FILE or --nats-nkey FILE for a user the server allows"
	case strings.Contains(msg, "bad certificate") || strings.Contains(msg, "certificate required"):
		return "the NATS server verifies clients and refused the hub's certificate: pass --nats-cert and --nats-key with a certificate its CA signed"
	case strings.Contains(msg, "secure connection") || strings.Contains(msg, "tls"):
		return "the NATS server and the hub disagree on TLS: for a server that requires TLS pass --nats-ca, and --nats-cert and --nats-key if it verifies clients"
	}
	return "is the server running and reachable?"
}
