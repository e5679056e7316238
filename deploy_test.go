package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"sitboard/internal/testtool"
)

// TestSystemdUnitsVerify checks deploy/'s units with systemd's own checker:
// no unknown key, no bad value, an ExecStart that runs, and the hardening
// that systemd-analyze security scores (a dedicated user, read-only
// system, the state directory only).
func TestSystemdUnitsVerify(t *testing.T) {
	analyze := testtool.Need(t, "systemd-analyze", "systemd")
	units, err := filepath.Glob("deploy/*.service")
	if err != nil || len(units) < 3 {
		t.Fatalf("want the hub, ssh and recorder units in deploy/, found %v (%v)", units, err)
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

// TestUnitsShareOneEnvironmentFile: the hub, SSH and recorder units read
// one environment file, which says where the hub is and what CA signed it;
// the SSH server and the recorder take the hub's URL and CA from it, so a
// hub with TLS needs no edit of ExecStart. The servers reload on
// systemctl reload.
func TestUnitsShareOneEnvironmentFile(t *testing.T) {
	env, err := os.ReadFile("deploy/etc/sitboard/sitboard.env")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nSITBOARD_HUB=wss://", "\nSITBOARD_CA=/etc/sitboard/ca.pem", "\nSITBOARD_READ_TOKEN_FILE=/etc/sitboard/read.token"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("deploy/etc/sitboard/sitboard.env lacks %q", strings.TrimSpace(want))
		}
	}
	for unit, wants := range map[string][]string{
		"sitboard-hub.service":    {"EnvironmentFile=/etc/sitboard/sitboard.env\n", "--config /etc/sitboard/hub.toml", "ExecReload=/bin/kill -HUP $MAINPID"},
		"sitboard-ssh.service":    {"EnvironmentFile=/etc/sitboard/sitboard.env\n", "--config /etc/sitboard/ssh.toml", "--hub ${SITBOARD_HUB} --ca ${SITBOARD_CA}", "ExecReload=/bin/kill -HUP $MAINPID"},
		"sitboard-record.service": {"EnvironmentFile=/etc/sitboard/sitboard.env\n", "--hub ${SITBOARD_HUB} --ca ${SITBOARD_CA}", "StateDirectory=sitboard-record", "UMask=0027"},
	} {
		b, err := os.ReadFile(filepath.Join("deploy", unit))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(string(b), want) {
				t.Errorf("deploy/%s lacks %q", unit, strings.TrimSpace(want))
			}
		}
		if strings.Contains(string(b), "ws://127.0.0.1") {
			t.Errorf("deploy/%s hard-codes a plain ws:// hub: take it from SITBOARD_HUB", unit)
		}
	}
}

// TestShippedHubSettingsDropNothing: the hub.toml that security.md's set-up
// installs sets no retention, so an event answered 202 is dropped only by a
// limit the operator writes in (docs/operations.md, "Retention"). It set
// max-age = "400d", and said the size limit defaulted to 16G cut to the
// disk, which the hub no longer does.
func TestShippedHubSettingsDropNothing(t *testing.T) {
	var settings map[string]any
	if _, err := toml.DecodeFile("deploy/etc/sitboard/hub.toml", &settings); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"max-age", "max-bytes"} {
		if v, ok := settings[key]; ok {
			t.Errorf("deploy/etc/sitboard/hub.toml sets %s = %v: the shipped settings must keep every event", key, v)
		}
	}
	b, _ := os.ReadFile("deploy/etc/sitboard/hub.toml")
	if strings.Contains(string(b), "default: 16G") || strings.Contains(string(b), "cut to what the disk holds") {
		t.Errorf("deploy/etc/sitboard/hub.toml describes a default size limit the hub does not have")
	}
}
