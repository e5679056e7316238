// Package testtool finds the programs tests run (tmux, ssh, nats-server,
// openssl, chromium, systemd-analyze) the way a person would: on PATH,
// and in the sbin directories a non-root PATH leaves out, where Debian
// puts nats-server. A test that cannot find one skips with a message that
// names the program, where it looked and what installs it.
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sbinDirs are searched after PATH: Debian installs daemons such as
// nats-server in /usr/sbin, which is not on a non-root user's PATH.
var sbinDirs = []string{"/usr/local/sbin", "/usr/sbin", "/sbin"}

// Find looks for name on PATH, then in the sbin directories. Its error
// says where it looked.
func Find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range sbinDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: looked on PATH (%s) and in %s", name, os.Getenv("PATH"), strings.Join(sbinDirs, ", "))
}

// Need returns the path of name, or skips the test saying what is
// missing, where it looked and which Debian package installs it (CI,
// .ci/run, installs every one, so nothing skips there).
func Need(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := Find(name)
	if err != nil {
		t.Skipf("%v; install it (apt-get install %s; .ci/run does)", err, debianPackage)
	}
	return p
}
