package sshd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// Checked is what Check found: what the server would serve.
type Checked struct {
	Stations int // keys the authorized keys file grants
	// HostKeyFingerprint is the existing host key's; "" when the key is
	// still to be generated on first start.
	HostKeyFingerprint string
}

// Check reads what New would read (the authorized keys, the host key, the
// proxy list) and says whether a server could start with cfg, writing
// nothing: 'sitboard ssh --check' validates a config before a restart.
// Skipped key lines are logged as New logs them.
func Check(cfg Config) (Checked, error) {
	var c Checked
	if cfg.Campaign == nil {
		return c, errors.New("sshd: no campaign config")
	}
	if cfg.AuthorizedKeysPath == "" {
		return c, errors.New("no authorized keys file: pass --authorized-keys FILE (OpenSSH authorized_keys format, one line per station)")
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if len(cfg.ProxyProtocolFrom) > 0 {
		if _, err := s.newProxyPolicy(cfg.ProxyProtocolFrom); err != nil {
			return c, err
		}
	}
	keys, err := newKeyFile(cfg.AuthorizedKeysPath, cfg.Campaign, cfg.Logger)
	if err != nil {
		return c, err
	}
	stations, _ := keys.current()
	c.Stations = len(stations)
	if cfg.HostKeyPath == "" {
		return c, errors.New("no host key path: pass --host-key FILE (e.g. /var/lib/sitboard-ssh/ssh_host_ed25519_key)")
	}
	switch _, err := os.Stat(cfg.HostKeyPath); {
	case err == nil:
		signer, _, err := LoadOrCreateHostKey(cfg.HostKeyPath) // exists: only read
		if err != nil {
			return c, err
		}
		c.HostKeyFingerprint = gossh.FingerprintSHA256(signer.PublicKey())
	case errors.Is(err, fs.ErrNotExist):
		// Generated on first start: its directory must be creatable.
		dir := filepath.Dir(cfg.HostKeyPath)
		for {
			fi, err := os.Stat(dir)
			if err == nil {
				if !fi.IsDir() {
					return c, fmt.Errorf("host key %s: %s is not a directory", cfg.HostKeyPath, dir)
				}
				break
			}
			if !errors.Is(err, fs.ErrNotExist) || dir == filepath.Dir(dir) {
				return c, fmt.Errorf("host key %s: %w", cfg.HostKeyPath, err)
			}
			dir = filepath.Dir(dir)
		}
	default:
		return c, fmt.Errorf("host key %s: %w", cfg.HostKeyPath, err)
	}
	return c, nil
}
