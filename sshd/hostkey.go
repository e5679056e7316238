package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// LoadOrCreateHostKey returns the server's host key from path, creating an
// ed25519 key there (mode 0600, parent directory 0700) on first start.
// Stations pin the host key in known_hosts, so it must survive restarts;
// and it is a secret, so a key file others can read is refused, as
// OpenSSH's sshd does. created reports whether the key is new.
func LoadOrCreateHostKey(path string) (signer gossh.Signer, created bool, err error) {
	if path == "" {
		return nil, false, errors.New("no host key path: pass --host-key FILE (e.g. /var/lib/sitboard/ssh_host_ed25519_key)")
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		fi, err := os.Stat(path)
		if err != nil {
			return nil, false, err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, false, fmt.Errorf("host key %s has mode %04o, readable by others: run 'chmod 600 %s'", path, fi.Mode().Perm(), path)
		}
		signer, err := gossh.ParsePrivateKey(data)
		if err != nil {
			return nil, false, fmt.Errorf("host key %s: %w (move it away to have a new one generated; stations will then see a changed host key)", path, err)
		}
		return signer, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("host key %s: %w", path, err)
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("host key directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "sitboard ssh host key")
	if err != nil {
		return nil, false, err
	}
	// O_EXCL: two servers starting at once must not overwrite each
	// other's fresh key; the loser reads the winner's.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateHostKey(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("create host key: %w", err)
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	signer, err = gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, false, err
	}
	return signer, true, nil
}
