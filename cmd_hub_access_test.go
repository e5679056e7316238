package main

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHubRefusesRiskyStarts: a hub that anyone could read, or whose board
// hosts could inject events, does not start, and says what to do.
func TestHubRefusesRiskyStarts(t *testing.T) {
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	t.Setenv("SITBOARD_READ_TOKEN", "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no read token", []string{"--ingest-token", "itok-1234"}, "pass --public-read to serve it to anyone on purpose"},
		{"equal tokens", []string{"--ingest-token", "same-1234", "--read-token", "same-1234"}, "every board host could inject events"},
		{"bad origin", []string{"--ingest-token", "itok-1234", "--read-token", "rtok-1234", "--allow-origin", "board.example"}, "want a browser origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runSitboard(t, append([]string{"hub", "--listen", "127.0.0.1:0"}, tc.args...)...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q, want a refusal saying %q", code, stderr, tc.want)
			}
		})
	}
}

// hubStartupLog runs `sitboard hub` until it logs "hub listening" and
// returns what it wrote to stderr by then.
func hubStartupLog(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(sitboardBin, append([]string{"hub"}, args...)...)
	cmd.Env = append(cmd.Environ(), "SITBOARD_INGEST_TOKEN=", "SITBOARD_READ_TOKEN=")
	// The hub listens first, then opens and folds its log ("hub ready").
	log, ok := runWithin(t, cmd, 30*time.Second, func(s string) bool {
		return strings.Contains(s, `msg="hub listening"`) && strings.Contains(s, `msg="hub ready"`)
	})
	if !ok {
		t.Fatalf("hub did not start listening and get ready:\n%s", log)
	}
	return log
}

// TestHubWarnsOnPlainHTTPBeyondLoopback: plain HTTP on every interface is
// allowed (a TLS proxy may sit in front) but never silent; on loopback it
// is quiet. --public-read is announced too.
func TestHubWarnsOnPlainHTTPBeyondLoopback(t *testing.T) {
	const warning = "serving plain HTTP beyond this machine"
	for _, tc := range []struct {
		name, listen string
		warn         bool
	}{
		{"every interface", "0.0.0.0:0", true},
		{"loopback", "127.0.0.1:0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.warn {
				// Only to see whether the machine lets us bind beyond loopback.
				l, err := net.Listen("tcp", tc.listen)
				if err != nil {
					t.Skip("cannot listen on", tc.listen, err)
				}
				l.Close()
			}
			log := hubStartupLog(t, "--listen", tc.listen, "--ingest-token", "itok-1234", "--read-token", "rtok-1234")
			if got := strings.Contains(log, warning); got != tc.warn {
				t.Fatalf("warning shown: %v, want %v; log:\n%s", got, tc.warn, log)
			}
			if tc.warn && !strings.Contains(log, "--tls-cert") {
				t.Errorf("the warning does not say what to do:\n%s", log)
			}
		})
	}
	t.Run("public read", func(t *testing.T) {
		log := hubStartupLog(t, "--listen", "127.0.0.1:0", "--ingest-token", "itok-1234", "--public-read")
		if !strings.Contains(log, "anyone who reaches the hub can read") {
			t.Fatalf("--public-read started silently:\n%s", log)
		}
	})
}

// TestHubNatsFlagsNeedNats: NATS credentials without --nats would be
// silently unused; the hub refuses them instead.
func TestHubNatsFlagsNeedNats(t *testing.T) {
	_, stderr, code := runSitboard(t, "hub", "--listen", "127.0.0.1:0", "--ingest-token", "itok-1234", "--read-token", "rtok-1234", "--nats-ca", "ca.pem")
	if code == 0 || !strings.Contains(stderr, "add --nats URL") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
