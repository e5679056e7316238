package main

// The servers' logs: --log-format text|json and --log-level, every line
// through slog and the token redactor, net/http's own error log included,
// and the lines a client can make the server repeat rate-limited.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	charmlog "charm.land/log/v2"

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

// routeLibraryLogs sends what the libraries log on their own through
// logger, so that every line of a server takes its --log-format, level and
// redaction: charm.land/ssh logs through slog's default logger (and the
// log package's default logger then follows it too), wish's Bubble Tea
// middleware through charm's log package, whose default logger wrote
// plain text to stderr in the middle of a JSON log.
func routeLibraryLogs(logger *slog.Logger) {
	slog.SetDefault(logger)
	charmlog.SetDefault(charmlog.NewWithOptions(&charmLogWriter{log: logger}, charmlog.Options{Formatter: charmlog.JSONFormatter, Level: charmlog.DebugLevel}))
}

// charmLogWriter takes charm's log lines, as JSON, into slog.
type charmLogWriter struct{ log *slog.Logger }

func (w *charmLogWriter) Write(p []byte) (int, error) {
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		w.log.Warn(strings.TrimSpace(string(p)), "component", "wish")
		return len(p), nil
	}
	level := slog.LevelInfo
	switch m[charmlog.LevelKey] {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error", "fatal":
		level = slog.LevelError
	}
	msg, _ := m[charmlog.MessageKey].(string)
	errText, _ := m["error"].(string)
	if msg == "app exit with error" && strings.Contains(errText, tea.ErrProgramKilled.Error()) && !strings.Contains(errText, tea.ErrProgramPanic.Error()) {
		// Every session whose station leaves ends so; its end is logged
		// by the server, with the reason.
		level = slog.LevelDebug
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != charmlog.LevelKey && k != charmlog.MessageKey && k != charmlog.TimestampKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	attrs := []any{"component", "wish"}
	for _, k := range keys {
		attrs = append(attrs, k, m[k])
	}
	w.log.Log(context.Background(), level, msg, attrs...)
	return len(p), nil
}
