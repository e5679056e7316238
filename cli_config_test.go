package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// stationKeyLine is an authorized_keys line for a fresh key.
func stationKeyLine(t *testing.T, comment string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment
}

// TestSSHConfigAndCheck: sitboard ssh takes its settings from a TOML file,
// flags override it, --check says what would run without writing the host
// key, and a wrong file gets its line and what to write instead.
func TestSSHConfigAndCheck(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "stations")
	os.WriteFile(keys, []byte(stationKeyLine(t, "xihua")+"\n"+stationKeyLine(t, "chuanhui")+"\n"), 0o600)
	token := filepath.Join(dir, "read.token")
	os.WriteFile(token, []byte("rtok-config-test\n"), 0o640)
	hostKey := filepath.Join(dir, "state", "ssh_host_ed25519_key")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	good := write("ssh.toml", `# sitboard ssh settings
listen = "127.0.0.1:2299"
hub = "ws://127.0.0.1:8470"
token-file = "`+token+`"
authorized-keys = "`+keys+`"
host-key = "`+hostKey+`"
idle-timeout = "30m"
max-sessions-per-key = 4
proxy-protocol-from = ["10.0.0.5", "10.0.1.0/24"]
log-format = "json"
`)
	t.Setenv("SITBOARD_READ_TOKEN", "")
	out, stderr, code := runSitboard(t, "ssh", "--check", "--config", good)
	if code != 0 || !strings.Contains(out, "ssh: settings OK: would listen on 127.0.0.1:2299 for 2 station keys, host key generated on first start at "+hostKey) {
		t.Fatalf("--check --config: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if _, err := os.Stat(hostKey); err == nil {
		t.Errorf("--check wrote the host key")
	}
	out, _, code = runSitboard(t, "ssh", "--check", "--config", good, "--listen", "127.0.0.1:2300")
	if code != 0 || !strings.Contains(out, "would listen on 127.0.0.1:2300") {
		t.Errorf("a flag does not override the file: exit %d, %s", code, out)
	}

	tests := []struct {
		name, file, want string
	}{
		{"unknown key", "hub = \"ws://h:1\"\nlisen = \":2222\"\n", "bad.toml:2: lisen: not a setting of 'sitboard ssh' (did you mean listen?)"},
		{"a token in the file", "token = \"abc\"\n", "bad.toml:1: token: a config file names the secret's file, not the secret: write token-file ="},
		{"a table", "[hub]\nurl = \"x\"\n", "bad.toml:1: hub: a table is not a setting"},
		{"bad value", "idle-timeout = \"soon\"\n", `bad.toml:1: idle-timeout: "soon" is not a duration`},
		{"a list for one value", "listen = [\":1\", \":2\"]\n", "bad.toml:1: listen: takes one value, not a list"},
		{"not TOML", "listen = \n", "bad.toml:1: "},
		{"check in the file", "check = true\n", "bad.toml:1: check: check is given on the command line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := write("bad.toml", tc.file)
			_, stderr, code := runSitboard(t, "ssh", "--check", "--config", bad)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, stderr, code := runSitboard(t, "ssh", "--check", "--config", filepath.Join(dir, "nope.toml"))
		if code != 2 || !strings.Contains(stderr, "--config: open ") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("check finds an unsafe key file", func(t *testing.T) {
		os.Chmod(keys, 0o666)
		defer os.Chmod(keys, 0o600)
		_, stderr, code := runSitboard(t, "ssh", "--check", "--config", good)
		if code != 2 || !strings.Contains(stderr, "cannot be trusted") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

// TestSSHLogsJSON: sitboard ssh --log-format json writes every line as one
// JSON object, its hub connection's included.
func TestSSHLogsJSON(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "stations")
	os.WriteFile(keys, []byte(stationKeyLine(t, "xihua")+"\n"), 0o600)
	cmd, logs := startProcess(t, []string{"SITBOARD_READ_TOKEN=rtok-json-ssh"}, "ssh", "--listen", "127.0.0.1:0", "--hub", "ws://"+freeAddr(t),
		"--authorized-keys", keys, "--host-key", filepath.Join(dir, "hk"), "--log-format", "json")
	logs.waitFor(t, `"msg":"stream lost; reconnecting"`, 30*time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	for _, l := range strings.Split(logs.text(), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil || m["level"] == nil {
			t.Errorf("not a JSON log line: %q", l)
		}
	}
	if strings.Contains(logs.text(), "rtok-json-ssh") {
		t.Errorf("the token reached the log")
	}
}
