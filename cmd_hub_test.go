package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHubChecksFilesBeforeReady: a wrong TLS path or an unusable data dir
// stops the hub before it logs "hub ready" or creates anything, with an
// error that says what to do.
func TestHubChecksFilesBeforeReady(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "a-file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		wantText []string
		notMade  string
	}{
		{
			name:     "missing TLS files",
			args:     []string{"--data", filepath.Join(dir, "data"), "--tls-cert", filepath.Join(dir, "hub.crt"), "--tls-key", filepath.Join(dir, "hub.key")},
			code:     2,
			wantText: []string{"--tls-cert", "no such file", "PEM", "leave both flags out"},
			notMade:  filepath.Join(dir, "data"),
		},
		{
			// No disk holds 4 EiB: refused at once, before the log starts.
			name:     "max-bytes larger than the disk",
			args:     []string{"--data", filepath.Join(dir, "big"), "--max-bytes", "4611686018427387904"},
			code:     1,
			wantText: []string{"does not fit on the disk holding", "lower --max-bytes to at most", "leave it out to keep every event"},
		},
		{
			name:     "negative cap per address",
			args:     []string{"--data", filepath.Join(dir, "capped"), "--max-streams-per-ip", "-1"},
			code:     2,
			wantText: []string{"--max-streams-per-ip", "must be >= 0 (0: no cap)"},
			notMade:  filepath.Join(dir, "capped"),
		},
		{
			name:     "data dir under a file",
			args:     []string{"--data", filepath.Join(notDir, "data")},
			code:     2,
			wantText: []string{"data dir", filepath.Join(notDir, "data"), "check the path"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runSitboard(t, append([]string{"hub", "--listen", "127.0.0.1:0", "--ingest-token", "itok", "--read-token", "rtok"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, never := range []string{"hub ready", "hub listening"} {
				if strings.Contains(stderr, never) {
					t.Errorf("stderr says %q before failing:\n%s", never, stderr)
				}
			}
			if tc.notMade != "" {
				if _, err := os.Stat(tc.notMade); !os.IsNotExist(err) {
					t.Errorf("%s was created before the hub failed (stat: %v)", tc.notMade, err)
				}
			}
		})
	}
}
