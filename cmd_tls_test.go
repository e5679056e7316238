package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"sitboard/feed/hub/hubtest"
)

var hubListeningURL = regexp.MustCompile(`msg="hub listening" url=(\S+)`)

// startTLSHub runs `sitboard hub` with a certificate from a private CA on
// a loopback port and returns its https:// URL.
func startTLSHub(t *testing.T, files hubtest.TLSFiles) string {
	t.Helper()
	cmd := exec.Command(sitboardBin, "hub", "--listen", "127.0.0.1:0", "--ingest-token", "itok-tls", "--public-read",
		"--tls-cert", files.ServerCert, "--tls-key", files.ServerKey, "--campaign", "campaign/testdata/small.toml")
	cmd.Env = append(os.Environ(), "SITBOARD_READ_TOKEN=", "SITBOARD_INGEST_TOKEN=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		// The hub logs its address, then "hub ready" once it serves.
		url := ""
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if m := hubListeningURL.FindStringSubmatch(sc.Text()); m != nil {
				url = m[1]
			}
			if strings.Contains(sc.Text(), `msg="hub ready"`) && url != "" {
				found <- url
				url = ""
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatal("hub exited before listening")
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("hub did not start")
	}
	return ""
}

// TestCommandsReachHubWithPrivateCA: replay and record reach a hub whose
// certificate a private CA signed when given --ca, and say to pass --ca
// when not.
func TestCommandsReachHubWithPrivateCA(t *testing.T) {
	dir := t.TempDir()
	files := hubtest.PrivateCA(t, dir)
	hub := startTLSHub(t, files)
	wss := strings.Replace(hub, "https", "wss", 1)
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	t.Setenv("SITBOARD_READ_TOKEN", "")

	t.Run("replay without --ca", func(t *testing.T) {
		_, stderr, code := runSitboard(t, "replay", "testdata/small.jsonl", "--hub", hub, "--token", "itok-tls", "--speed", "max", "--quiet")
		if code == 0 || !strings.Contains(stderr, "pass --ca FILE") {
			t.Fatalf("exit %d, stderr %q: want a refusal naming --ca", code, stderr)
		}
	})
	t.Run("replay with --ca", func(t *testing.T) {
		_, stderr, code := runSitboard(t, "replay", "testdata/small.jsonl", "--hub", hub, "--ca", files.CA, "--token", "itok-tls", "--speed", "max", "--quiet")
		if code != 0 || !strings.Contains(stderr, "the hub took 10 new") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("summary with and without --ca", func(t *testing.T) {
		_, stderr, code := runSitboard(t, "summary", "--hub", hub, "--campaign", "campaign/testdata/small.toml")
		if code == 0 || !strings.Contains(stderr, "pass --ca FILE") {
			t.Fatalf("without --ca: exit %d, stderr %q", code, stderr)
		}
		stdout, stderr, code := runSitboard(t, "summary", "--hub", hub, "--ca", files.CA, "--campaign", "campaign/testdata/small.toml", "--json")
		if code != 0 || !strings.Contains(stdout, `"seq": 10`) && !strings.Contains(stdout, `"seq":10`) {
			t.Fatalf("with --ca: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
	t.Run("record without --ca", func(t *testing.T) {
		cmd := exec.Command(sitboardBin, "record", "--hub", wss, "--out", dir+"/untrusted.jsonl")
		out, ok := runWithin(t, cmd, 30*time.Second, func(s string) bool { return strings.Contains(s, "pass --ca FILE") })
		if !ok {
			t.Fatalf("record does not say to pass --ca:\n%s", out)
		}
	})
	t.Run("record with --ca", func(t *testing.T) {
		out := dir + "/feed.jsonl"
		cmd := exec.Command(sitboardBin, "record", "--hub", wss, "--ca", files.CA, "--out", out, "--flush", "20ms", "--quiet")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			b, _ := os.ReadFile(out)
			if strings.Count(string(b), "\n") == 10 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("recorded %q; stderr:\n%s", b, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("record: %v\n%s", err, stderr.String())
		}
	})
	t.Run("watch with --ca", func(t *testing.T) {
		needTmux(t)
		s := startTmux(t, 120, 40, []string{"LANG=en_US.UTF-8", "SITBOARD_READ_TOKEN="}, "watch", "--hub", wss, "--ca", files.CA, "--campaign", "campaign/testdata/small.toml")
		s.waitFor("the live board over wss", 15*time.Second, contains("LIVE"))
		s.keys("q")
	})
	t.Run("bad --ca file", func(t *testing.T) {
		for _, cmd := range [][]string{
			{"watch", "--hub", wss, "--ca", files.ServerKey},
			{"record", "--hub", wss, "--ca", files.ServerKey, "--out", dir + "/x.jsonl"},
			{"replay", "testdata/small.jsonl", "--hub", hub, "--token", "t", "--ca", files.ServerKey},
			{"ssh", "--hub", wss, "--ca", files.ServerKey, "--authorized-keys", "x", "--host-key", dir + "/hk"},
		} {
			_, stderr, code := runSitboard(t, cmd...)
			if code != 2 || !strings.Contains(stderr, "--ca:") || !strings.Contains(stderr, "not its key") {
				t.Errorf("sitboard %s with a key as --ca: exit %d, stderr %q", cmd[0], code, stderr)
			}
		}
	})
}
