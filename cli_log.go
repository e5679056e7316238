package main

// The servers' logs: --log-format text|json and --log-level, every line
// through slog and the token redactor, net/http's own error log included,
// and the lines a client can make the server repeat rate-limited.

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"sitboard/feed"
	"sitboard/internal/lograte"
)

// logFlags are a server's --log-format and --log-level.
type logFlags struct {
	format, level *string
}

// LogFlags defines --log-format and --log-level.
func (fs *flagSet) LogFlags() *logFlags {
	return &logFlags{
		format: fs.String("log-format", "text", "log lines as text (logfmt, key=value) or json (one object per line, for Loki, Elasticsearch, journald's JSON export)"),
		level:  fs.String("log-level", "info", "least severe lines logged: debug, info, warn or error"),
	}
}

// Logger builds the logger the flags ask for, writing to w, with every
// line passed through the redactor for the secrets in the set (and those
// added to it later).
func (l *logFlags) Logger(w io.Writer, secrets *feed.SecretSet) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(*l.level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", *l.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch *l.format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("--log-format %q: use text or json", *l.format)
	}
	return slog.New(feed.RedactHandlerSet(h, secrets)), nil
}

// httpErrorLog is a log.Logger for http.Server.ErrorLog that sends net/http's
// own lines ("http: TLS handshake error from ...") through logger, so they
// take the log's format and level, and rate-limits them: a board that
// does not trust the hub's certificate retries every few seconds, and
// each retry would otherwise be a line.
func httpErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(&httpErrorWriter{log: logger, limit: &lograte.Limiter{Burst: 5, Every: time.Minute}}, "", 0)
}

type httpErrorWriter struct {
	log   *slog.Logger
	limit *lograte.Limiter
}

var (
	tlsHandshakeError = regexp.MustCompile(`^http: TLS handshake error from (\S+): (.*)$`)
	// addressInText is a client address inside an error's text (a read
	// error quotes both ends), left out of the rate limit's key.
	addressInText = regexp.MustCompile(`\[?[0-9a-fA-F:.]+\]?:\d+`)
)

func (w *httpErrorWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	if m := tlsHandshakeError.FindStringSubmatch(line); m != nil {
		remote, why := m[1], m[2]
		if ok, held := w.limit.Allow("tls "+addressInText.ReplaceAllString(why, "ADDR"), time.Now()); ok {
			attrs := []any{"remote", remote, "err", why, "held_back", held}
			if strings.Contains(why, "bad certificate") || strings.Contains(why, "unknown certificate") {
				attrs = append(attrs, "hint", "the client does not trust this hub's certificate: give it --ca with the CA that signed it (docs/security.md)")
			}
			w.log.Warn("TLS handshake failed", attrs...)
		}
		return len(p), nil
	}
	if ok, held := w.limit.Allow(addressInText.ReplaceAllString(line, "ADDR"), time.Now()); ok {
		w.log.Error("http server: "+line, "held_back", held)
	}
	return len(p), nil
}
