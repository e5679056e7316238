package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const tok = "s3cr3t-read-token"
	for _, tc := range []struct {
		name, in, want string
		secrets        []string
	}{
		{"query token", "ws://hub:8470/v1/stream?token=" + tok, "ws://hub:8470/v1/stream?token=REDACTED", nil},
		{"query among others", "http://h/v1/snapshot?day=3&token=" + tok + "&x=1", "http://h/v1/snapshot?day=3&token=REDACTED&x=1", nil},
		{"query in quoted url error", `Get "https://h/?access_token=` + tok + `": EOF`, `Get "https://h/?access_token=REDACTED": EOF`, nil},
		{"bearer header", "Authorization: Bearer " + tok, "Authorization: Bearer REDACTED", nil},
		{"bearer placeholder kept", "send Authorization: Bearer <read token>", "send Authorization: Bearer <read token>", nil},
		{"url password", "nats://hub:" + tok + "@n1:4222", "nats://hub:REDACTED@n1:4222", nil},
		{"nats url token", "cannot connect to NATS at nats://" + tok + "@n1:4222,tls://" + tok + "@n2:4222", "cannot connect to NATS at nats://REDACTED@n1:4222,tls://REDACTED@n2:4222", nil},
		{"websocket user kept", "ws://station@hub:8470/v1/stream", "ws://station@hub:8470/v1/stream", nil},
		{"flag value", "sitboard watch --token=" + tok, "sitboard watch --token=REDACTED", nil},
		{"flag advice kept", "check --token or SITBOARD_READ_TOKEN", "check --token or SITBOARD_READ_TOKEN", nil},
		{"token-file advice kept", "check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN)", "check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN)", nil},
		{"known secret anywhere", "read token " + tok + " refused", "read token REDACTED refused", []string{tok}},
		{"short secret ignored", "a board", "a board", []string{"a"}},
		{"nothing to hide", "ws://hub:8470/v1/stream", "ws://hub:8470/v1/stream", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Redact(tc.in, tc.secrets...)
			if got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactErrorKeepsChain(t *testing.T) {
	base := fmt.Errorf("cannot reach ws://h/?token=abcdef: %w", fs.ErrNotExist)
	err := RedactError(base)
	if strings.Contains(err.Error(), "abcdef") {
		t.Fatalf("token left in %q", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("redacted error lost its chain: %v", err)
	}
	if RedactError(nil) != nil {
		t.Error("RedactError(nil) is not nil")
	}
	plain := errors.New("nothing secret")
	if RedactError(plain) != plain {
		t.Error("an error without secrets should come back unchanged")
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestRedactHandler(t *testing.T) {
	const tok = "tok-0123456789"
	var buf bytes.Buffer
	log := slog.New(RedactHandler(slog.NewTextHandler(&buf, nil), tok))
	u, _ := url.Parse("wss://hub/v1/stream?token=" + tok)
	log = log.With("hub", "ws://hub?token="+tok)
	log.Warn("stream lost for token "+tok,
		"err", errors.New("dial ws://x/?token="+tok+": refused"),
		"url", u,
		"hdr", "Bearer "+tok,
		"list", []string{tok},
		slog.Group("g", "inner", tok))
	log.WithGroup("grp").Info("again", "k", tok)
	out := buf.String()
	if strings.Contains(out, tok) {
		t.Fatalf("token in log output:\n%s", out)
	}
	if n := strings.Count(out, Redacted); n < 8 {
		t.Errorf("want every secret replaced by %s (8 places), got %d:\n%s", Redacted, n, out)
	}
}
