package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
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

// TestHubAnswersStartingBeforeItsLogOpens: `sitboard hub` whose log is not
// there yet (a NATS server without JetStream, as a cluster still electing
// its leaders) holds its port and answers /healthz 503 "starting" saying
// what it waits for, and boards and ingest 503 with Retry-After. Before,
// it listened and served nothing until the log was folded: /healthz and
// boards hung.
func TestHubAnswersStartingBeforeItsLogOpens(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(sitboardBin, "hub", "--listen", addr, "--nats", ns.ClientURL(), "--ingest-token", "itok", "--read-token", "rtok")
	logPath := filepath.Join(t.TempDir(), "hub.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	hubLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// A hub that holds its port without answering would hang a request:
	// the client's timeout turns that into a failure.
	client := &http.Client{Timeout: 10 * time.Second}
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err = client.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		if time.Now().After(deadline) || strings.Contains(err.Error(), "Timeout") {
			t.Fatalf("/healthz of a starting hub: %v\n%s", err, hubLog())
		}
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	reason, _ := body["reason"].(string)
	if resp.StatusCode != http.StatusServiceUnavailable || body["status"] != "starting" || !strings.Contains(reason, "opening the event log") {
		t.Errorf("/healthz of a hub whose log is not there yet: %d %v", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/events", strings.NewReader("[]"))
	req.Header.Set("Authorization", "Bearer itok")
	req.Header.Set("Content-Type", "application/json")
	if resp, err = client.Do(req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "the hub is starting") {
		t.Errorf("ingest while starting: %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
}
