package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSystemdUnitsVerify checks deploy/'s units with systemd's own checker:
// no unknown key, no bad value, an ExecStart that runs, and the hardening
// that systemd-analyze security scores (a dedicated user, read-only
// system, the state directory only).
func TestSystemdUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd): cannot verify deploy/*.service")
	}
	units, err := filepath.Glob("deploy/*.service")
	if err != nil || len(units) < 2 {
		t.Fatalf("want the hub and ssh units in deploy/, found %v (%v)", units, err)
	}
	dir := t.TempDir()
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "ExecStart=/usr/local/bin/sitboard "} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no %q", u, strings.TrimSpace(want))
			}
		}
		// verify checks that ExecStart's program exists: point it at the
		// binary built for the tests.
		text = strings.ReplaceAll(text, "/usr/local/bin/sitboard", sitboardBin)
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(u)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copies, _ := filepath.Glob(filepath.Join(dir, "*.service"))
	out, err := exec.Command(analyze, append([]string{"verify"}, copies...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	exposure := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)
	for _, u := range copies {
		out, err := exec.Command(analyze, "security", "--offline=yes", u).CombinedOutput()
		if err != nil && !exposure.Match(out) {
			t.Logf("systemd-analyze security --offline not supported here (%v); skipping the exposure check", err)
			continue
		}
		m := exposure.FindSubmatch(out)
		if m == nil {
			t.Fatalf("systemd-analyze security %s: no exposure level in\n%s", u, out)
		}
		level, _ := strconv.ParseFloat(string(m[1]), 64)
		if level > 2.0 {
			t.Errorf("%s: exposure level %.1f, want at most 2.0 (systemd-analyze security --offline=yes %s lists what is open)", filepath.Base(u), level, u)
		}
	}
}
