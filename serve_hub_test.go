package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

// processLog collects a process's stderr lines for a test to wait on.
type processLog struct {
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func (l *processLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// waitFor waits until a line contains want and returns it.
func (l *processLog) waitFor(t *testing.T, want string, within time.Duration) string {
	t.Helper()
	deadline := time.After(within)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, want) {
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("no log line with %q within %v:\n%s", want, within, l.text())
		}
	}
}

// startProcess runs the built sitboard with args and collects its stderr.
func startProcess(t *testing.T, env []string, args ...string) (*exec.Cmd, *processLog) {
	t.Helper()
	cmd := exec.Command(sitboardBin, args...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &processLog{added: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			logs.mu.Lock()
			logs.lines = append(logs.lines, sc.Text())
			logs.mu.Unlock()
			select {
			case logs.added <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		cmd.Wait()
	})
	return cmd, logs
}

// writeFile writes a test file with mode, or fails the test.
func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode)
}

// copyFile copies src over dst in place, as a renewal tool writes a
// renewed certificate over the old one.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, string(b), 0o600)
}

// servedSerial is the serial of the certificate a new TLS connection to
// addr gets.
func servedSerial(t *testing.T, addr string, roots *x509.CertPool) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Text(16)
}

// TestHubReloadsOnSIGHUP: with the hub's settings in a config file, SIGHUP
// after a certificate renewal makes new connections get the renewed
// certificate, and after a token rotation new requests need the new
// tokens, while a board connected before both stays connected and keeps
// receiving events. SIGTERM still drains.
func TestHubReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	files := hubtest.PrivateCA(t, dir)
	cert, key := filepath.Join(dir, "hub.pem"), filepath.Join(dir, "hub-key.pem")
	copyFile(t, files.ServerCert, cert)
	copyFile(t, files.ServerKey, key)
	ingestFile, readFile := filepath.Join(dir, "ingest.token"), filepath.Join(dir, "read.token")
	writeFile(t, ingestFile, "itok-before\n", 0o600)
	writeFile(t, readFile, "rtok-before\n", 0o640)
	scopedFile := filepath.Join(dir, "scoped.tokens")
	writeFile(t, scopedFile, "# boards\nstok-city-before-0123 city\nstok-east-before-0123 district:east\n", 0o640)
	config := filepath.Join(dir, "hub.toml")
	writeFile(t, config, `listen = "127.0.0.1:0"
tls-cert = "`+cert+`"
tls-key = "`+key+`"
ingest-token-file = "`+ingestFile+`"
read-token-file = "`+readFile+`"
scoped-tokens = "`+scopedFile+`"
campaign = "campaign/testdata/small.toml"
max-age = "30d"
max-bytes = "1G"
`, 0o644)
	env := []string{"SITBOARD_INGEST_TOKEN=", "SITBOARD_READ_TOKEN=", "SITBOARD_INGEST_TOKEN_FILE=", "SITBOARD_READ_TOKEN_FILE="}
	out, stderr, code := runSitboard(t, "hub", "--config", config, "--check")
	if code != 0 || !strings.Contains(out, "hub: settings OK: listen 127.0.0.1:0 (https, wss), certificate for localhost,127.0.0.1,::1 valid until") || !strings.Contains(out, "retention 30d") ||
		!strings.Contains(out, "a read token, 2 scoped tokens (1 city, 0 stations, 1 district)") {
		t.Fatalf("--check: exit %d\n%s%s", code, out, stderr)
	}
	cmd, logs := startProcess(t, env, "hub", "--config", config)
	line := logs.waitFor(t, `msg="hub listening"`, 30*time.Second)
	logs.waitFor(t, `msg="hub ready"`, 30*time.Second) // it serves once its log is folded
	if !strings.Contains(line, "tls_serial=2") {
		t.Errorf("the listening line does not name the certificate's serial: %s", line)
	}
	base := strings.TrimPrefix(strings.Fields(strings.SplitAfter(line, "url=")[1])[0], "https://")
	hubURL := "https://" + base
	roots := x509.NewCertPool()
	caPEM, _ := os.ReadFile(files.CA)
	roots.AppendCertsFromPEM(caPEM)
	tlsCfg := &tls.Config{RootCAs: roots}

	// A board, connected before the renewal and the rotation.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var last client.Conn
	boardCfg, err := loadCampaign("campaign/testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	go client.Run(ctx, client.Options{URL: "wss://" + base, Token: "rtok-before", TLS: tlsCfg, Campaign: boardCfg}, func(b client.Batch) {
		mu.Lock()
		last = b.Conn
		mu.Unlock()
	})
	boardAt := func(seq uint64) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			c := last
			mu.Unlock()
			if c.Status == client.Live && c.Seq >= seq {
				if c.Reconnects != 0 {
					t.Fatalf("the board reconnected %d times", c.Reconnects)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the board is at %+v, want live at seq %d", c, seq)
			}
		}
	}
	if code, body, err := postTLS(hubURL, "itok-before", tlsCfg, recordingLines(t, 0, 4)); err != nil || code != http.StatusAccepted {
		t.Fatalf("ingest before: %d %s %v", code, body, err)
	}
	boardAt(4)
	if s := servedSerial(t, base, roots); s != "2" {
		t.Fatalf("serving serial %s before the renewal, want 2", s)
	}

	// Renew the certificate and rotate both tokens, then SIGHUP.
	copyFile(t, files.RenewedCert, cert)
	copyFile(t, files.RenewedKey, key)
	writeFile(t, ingestFile, "itok-after\n", 0o600)
	writeFile(t, readFile, "rtok-after\n", 0o640)
	writeFile(t, scopedFile, "stok-city-after-01234 city\n", 0o640)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "tls_serial=4", 10*time.Second)
	logs.waitFor(t, "tokens reloaded", 10*time.Second)
	if s := servedSerial(t, base, roots); s != "4" {
		t.Errorf("serving serial %s after SIGHUP, want the renewed 4", s)
	}
	if code, _, _ := postTLS(hubURL, "itok-before", tlsCfg, recordingLines(t, 4, 2)); code != http.StatusUnauthorized {
		t.Errorf("the old ingest token after the rotation: %d, want 401", code)
	}
	if code, body, err := postTLS(hubURL, "itok-after", tlsCfg, recordingLines(t, 4, 2)); err != nil || code != http.StatusAccepted {
		t.Fatalf("the new ingest token: %d %s %v", code, body, err)
	}
	if code := getTLS(t, hubURL+"/v1/snapshot", "rtok-before", tlsCfg); code != http.StatusUnauthorized {
		t.Errorf("the old read token after the rotation: %d, want 401", code)
	}
	if code := getTLS(t, hubURL+"/v1/snapshot", "rtok-after", tlsCfg); code != http.StatusOK {
		t.Errorf("the new read token: %d, want 200", code)
	}
	for tok, want := range map[string]int{"stok-city-before-0123": http.StatusUnauthorized, "stok-east-before-0123": http.StatusUnauthorized, "stok-city-after-01234": http.StatusOK} {
		if code := getTLS(t, hubURL+"/v1/snapshot", tok, tlsCfg); code != want {
			t.Errorf("scoped token %s after the rotation: %d, want %d", tok, code, want)
		}
	}
	// A scoped-tokens file that went wrong keeps the tokens in use.
	writeFile(t, scopedFile, "stok-city-after-01234 county\n", 0o640)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, `unknown scope \"county\"`, 10*time.Second)
	if code := getTLS(t, hubURL+"/v1/snapshot", "stok-city-after-01234", tlsCfg); code != http.StatusOK {
		t.Errorf("the scoped token after a bad reload: %d, want 200 still", code)
	}
	boardAt(6) // the board connected before both still gets events

	// A renewal that went wrong keeps the old certificate and the hub.
	writeFile(t, key, "not a key\n", 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, "cannot reload the TLS certificate; still serving the old one", 10*time.Second)
	if s := servedSerial(t, base, roots); s != "4" {
		t.Errorf("serving serial %s after a bad renewal, want 4 still", s)
	}
	if strings.Contains(logs.text(), "rtok-after") || strings.Contains(logs.text(), "itok-after") || strings.Contains(logs.text(), "stok-") {
		t.Errorf("a reloaded token reached the log:\n%s", logs.text())
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the hub did not drain and exit 0 on SIGTERM: %v\n%s", err, logs.text())
	}
	logs.waitFor(t, `msg=draining signal=terminated`, 5*time.Second)
}

// recordingLines is n events of testdata/small.jsonl from line from, as
// NDJSON: valid events of the small campaign.
func recordingLines(t *testing.T, from, n int) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/small.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(b)), "\n")
	if from+n > len(lines) {
		t.Fatalf("testdata/small.jsonl has %d events, not %d", len(lines), from+n)
	}
	return []byte(strings.Join(lines[from:from+n], ""))
}

func postTLS(base, token string, cfg *tls.Config, ndjson []byte) (int, string, error) {
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/events", strings.NewReader(string(ndjson)))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func getTLS(t *testing.T, u, token string, cfg *tls.Config) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestHubLogsJSONAndHandshakeErrors: --log-format json makes every line
// one JSON object, net/http's TLS handshake errors included, and a client
// that keeps failing the handshake (no --ca) makes a few lines, not one per
// try.
func TestHubLogsJSONAndHandshakeErrors(t *testing.T) {
	dir := t.TempDir()
	files := hubtest.PrivateCA(t, dir)
	env := []string{"SITBOARD_INGEST_TOKEN=itok-json", "SITBOARD_READ_TOKEN=rtok-json"}
	cmd, logs := startProcess(t, env, "hub", "--listen", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug",
		"--tls-cert", files.ServerCert, "--tls-key", files.ServerKey, "--campaign", "campaign/testdata/small.toml")
	line := logs.waitFor(t, `"msg":"hub listening"`, 30*time.Second)
	logs.waitFor(t, `"msg":"hub ready"`, 30*time.Second) // it serves once its log is folded
	var listening struct{ URL string }
	if err := json.Unmarshal([]byte(line), &listening); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	addr := strings.TrimPrefix(listening.URL, "https://")
	for i := 0; i < 40; i++ {
		if c, err := tls.Dial("tcp", addr, &tls.Config{}); err == nil { // the system's roots: refused
			c.Close()
			t.Fatal("a client without the CA completed the handshake")
		}
	}
	logs.waitFor(t, "TLS handshake failed", 10*time.Second)
	// One more line to know the hub has written what it will.
	getTLS(t, listening.URL+"/healthz", "", &tls.Config{RootCAs: poolOf(t, files.CA)})
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	n := 0
	for _, l := range strings.Split(logs.text(), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("a line is not JSON: %q", l)
			continue
		}
		if m["msg"] == "TLS handshake failed" {
			n++
			if m["hint"] == nil || !strings.Contains(m["remote"].(string), "127.0.0.1:") {
				t.Errorf("the handshake line lacks the remote or the hint: %v", m)
			}
		}
	}
	if n < 1 || n > 5 {
		t.Errorf("%d handshake lines for 40 failed handshakes, want 1 to 5 (rate-limited)", n)
	}
}

func poolOf(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(b)
	return p
}

// TestHubCheck: --check validates the settings without starting anything
// or creating the data directory, and names what is wrong.
func TestHubCheck(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "ingest.token")
	writeFile(t, tokens, "itok-check\n", 0o600)
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	t.Setenv("SITBOARD_READ_TOKEN", "rtok-check")
	config := func(text string) string {
		p := filepath.Join(dir, "hub.toml")
		writeFile(t, p, "ingest-token-file = \""+tokens+"\"\n"+text, 0o644)
		return p
	}
	data := filepath.Join(dir, "var", "lib", "sitboard", "hub")
	out, stderr, code := runSitboard(t, "hub", "--check", "--config", config("listen = \":8470\"\ndata = \""+data+"\"\n"))
	if code != 0 || !strings.Contains(out, "hub: settings OK: listen :8470 (plain http), log in "+data+", campaign zhoukou-2023-summer, retention none (every event is kept), a read token") {
		t.Errorf("exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "var")); err == nil {
		t.Errorf("--check created the data directory")
	}
	for skew, want := range map[string]string{
		"":       "events dated over 10m past the hub's clock refused",
		"\"1h\"": "events dated over 1h past the hub's clock refused",
		"\"0\"":  "events dated any time past the hub's clock taken (--max-clock-skew 0)",
	} {
		text := ""
		if skew != "" {
			text = "max-clock-skew = " + skew + "\n"
		}
		if out, stderr, code := runSitboard(t, "hub", "--check", "--config", config(text)); code != 0 || !strings.Contains(out, want) {
			t.Errorf("max-clock-skew %s: exit %d\n%s%s, want %q", skew, code, out, stderr, want)
		}
	}
	for _, tc := range []struct{ config, want string }{
		{"nats = \"nats://10.0.0.1:4222\"\ndata = \"/var/lib/sitboard/hub\"\n", "--data does not go with --nats"},
		{"listen = \"8470\"\n", `--listen "8470": address 8470: missing port in address`},
		{"max-bytes = \"lots\"\n", `max-bytes: "lots" is not a size`},
		{"ingest-token = \"x\"\n", "ingest-token: a config file names the secret's file"},
	} {
		_, stderr, code := runSitboard(t, "hub", "--check", "--config", config(tc.config))
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.config, code, stderr, tc.want)
		}
	}
}
