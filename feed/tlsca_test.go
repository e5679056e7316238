package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientTLSRefusesWrongFiles: a wrong --ca says what the file must be.
func TestClientTLSRefusesWrongFiles(t *testing.T) {
	dir := t.TempDir()
	keyOnly := filepath.Join(dir, "key.pem")
	os.WriteFile(keyOnly, []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"), 0o600)
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o600)
	for _, tc := range []struct{ file, want string }{
		{filepath.Join(dir, "missing.pem"), "give the PEM file of the CA"},
		{keyOnly, "not its key"},
		{garbage, "garbage.pem"},
	} {
		_, err := ClientTLS(tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ClientTLS(%s) = %v, want an error saying %q", filepath.Base(tc.file), err, tc.want)
		}
	}
	if cfg, err := ClientTLS(""); cfg != nil || err != nil {
		t.Errorf("no --ca: want nil, nil; got %v, %v", cfg, err)
	}
}
