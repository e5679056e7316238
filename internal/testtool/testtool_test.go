package testtool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindLooksBeyondPath: a program in an sbin directory is found with a
// PATH that leaves sbin out (a non-root user's), and a missing one's error
// says where it looked.
func TestFindLooksBeyondPath(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "sitboard-test-daemon")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := sbinDirs
	sbinDirs = []string{filepath.Join(dir, "nowhere"), dir}
	defer func() { sbinDirs = old }()
	t.Setenv("PATH", "/usr/bin:/bin")
	if p, err := Find("sitboard-test-daemon"); err != nil || p != prog {
		t.Errorf("Find = %q, %v; want %s", p, err, prog)
	}
	_, err := Find("sitboard-no-such-program")
	if err == nil || !strings.Contains(err.Error(), "looked on PATH (/usr/bin:/bin) and in "+filepath.Join(dir, "nowhere")+", "+dir) {
		t.Errorf("the error does not say where it looked: %v", err)
	}
}
