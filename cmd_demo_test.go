package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDemoListenCanBeWatched: 'demo --listen' prints the command that
// watches it, token included, and that command, run as printed, shows the
// demo's board; with --read-token-file the token is the one chosen.
func TestDemoListenCanBeWatched(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	stderr := filepath.Join(dir, "demo.stderr")
	startTmuxCmd(t, 120, 40, []string{"sh", "-c", "LANG=en_US.UTF-8 SITBOARD_READ_TOKEN= SITBOARD_READ_TOKEN_FILE= exec '" + sitboardBin + "' demo --listen " + addr + " --speed 600 2>'" + stderr + "'"})
	var printed string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(stderr)
		if m := regexp.MustCompile(`demo: watch this demo from another terminal with: (.*)\n`).FindSubmatch(b); m != nil {
			printed = string(m[1])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --listen printed no watch command:\n%s", b)
		}
	}
	if !strings.HasPrefix(printed, "SITBOARD_READ_TOKEN=") || !strings.HasSuffix(printed, "sitboard watch --hub ws://"+addr) {
		t.Fatalf("the printed command is %q", printed)
	}
	// Run it as printed, with this build as 'sitboard'.
	w := startTmuxNamed(t, "watcher", 120, 40, []string{"sh", "-c", "PATH='" + filepath.Dir(sitboardBin) + "':$PATH LANG=en_US.UTF-8 " + printed})
	w.waitFor("the printed command's board, live", 30*time.Second, contains("LIVE"))
	w.keys("q")

	// A token chosen with --read-token-file, used by another client.
	token := filepath.Join(dir, "demo.token")
	writeFile(t, token, "demo-read-token\n", 0o600)
	addr2 := freeAddr(t)
	startTmuxNamed(t, "chosen", 120, 40, []string{"sh", "-c", "SITBOARD_READ_TOKEN= exec '" + sitboardBin + "' demo --listen " + addr2 + " --read-token-file '" + token + "' --speed 600 2>'" + stderr + ".2'"})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(stderr + ".2")
		if strings.Contains(string(b), "sitboard watch --hub ws://"+addr2+" --token-file "+token) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo --read-token-file printed:\n%s", b)
		}
	}
	if out, errOut, code := runSitboard(t, "summary", "--hub", "http://"+addr2, "--token-file", token, "--json"); code != 0 || !strings.Contains(out, `"figures"`) {
		t.Fatalf("summary with the demo's chosen token: exit %d %s", code, errOut)
	}
}
