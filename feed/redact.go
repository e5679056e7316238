package feed

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces a secret in logs and on-screen errors.
const Redacted = "REDACTED"

// Secrets can ride in a URL's query (?token=T, the form a browser needs),
// in its user info (user:pass@), or in an Authorization header quoted in an
// error. Each pattern keeps the name and hides only the value, so a log
// still says which credential was wrong.
var (
	querySecret = regexp.MustCompile(`(?i)([?&;](?:token|access_token|read_token|ingest_token|password|passwd|secret)=)[^&#;\s"'<>]*`)
	// The value class is RFC 6750's b64token, so the placeholder in
	// "send Authorization: Bearer <read token>" stays readable.
	bearerSecret = regexp.MustCompile(`((?i:bearer)\s+|Basic\s+)[A-Za-z0-9\-._~+/]+=*`)
	userinfoPass = regexp.MustCompile(`(://[^/\s:@]*:)[^@\s/]*@`)
	// NATS takes a token as the user info alone (nats://TOKEN@host), so in
	// a NATS address a user without a password is the secret itself.
	natsToken = regexp.MustCompile(`(?i)(\b(?:nats|tls)://)[^/\s:@,]+@`)
	// Only the --flag=value form: "check --token or ..." is advice, not a secret.
	flagSecret = regexp.MustCompile(`(?i)(--?(?:token|read-token|ingest-token|nats-password)=)\S+`)
)

// minSecretLen keeps a one-letter test token from blanking every matching
// letter of a log line; real tokens are far longer than this.
const minSecretLen = 4

// Redact hides the secrets in s: every value of the given secrets, plus any
// token= query value, Bearer credential, URL password, NATS URL token or
// --token flag value, whatever secret it holds. Use it on anything about to be logged or shown.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= minSecretLen {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	s = querySecret.ReplaceAllString(s, "${1}"+Redacted)
	s = bearerSecret.ReplaceAllString(s, "${1}"+Redacted)
	s = userinfoPass.ReplaceAllString(s, "${1}"+Redacted+"@")
	s = natsToken.ReplaceAllString(s, "${1}"+Redacted+"@")
	s = flagSecret.ReplaceAllString(s, "${1}"+Redacted)
	return s
}

// RedactURL is Redact for a hub address: ws://h:8470/v1/stream?token=T
// becomes ws://h:8470/v1/stream?token=REDACTED.
func RedactURL(u string) string { return Redact(u) }

// RedactError returns err with its text redacted, or nil. The result keeps
// the original for errors.Is and errors.As.
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := Redact(msg, secrets...)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactHandler wraps a slog handler so that no record it writes carries a
// secret: the message and every string, error or Stringer attribute, also
// inside groups and attributes added with With, go through Redact.
func RedactHandler(next slog.Handler, secrets ...string) slog.Handler {
	set := &SecretSet{}
	set.Add(secrets...)
	return RedactHandlerSet(next, set)
}

// RedactHandlerSet is RedactHandler for secrets that may be added while
// the process runs (a token file re-read on SIGHUP).
func RedactHandlerSet(next slog.Handler, set *SecretSet) slog.Handler {
	return &redactHandler{next: next, set: set}
}

// SecretSet is the secrets a log hides. Secrets are only ever added: a
// token replaced by a reload is still a secret.
type SecretSet struct {
	mu   sync.RWMutex
	list []string
}

// Add adds secrets; empty ones are ignored.
func (s *SecretSet) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range secrets {
		if sec != "" && !slices.Contains(s.list, sec) {
			s.list = append(s.list, sec)
		}
	}
}

// List is the secrets added so far.
func (s *SecretSet) List() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.list
}

type redactHandler struct {
	next slog.Handler
	set  *SecretSet
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	secrets := h.set.List()
	clean := slog.NewRecord(r.Time, r.Level, Redact(r.Message, secrets...), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		clean.AddAttrs(h.attr(a, secrets))
		return true
	})
	return h.next.Handle(ctx, clean)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	secrets := h.set.List()
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a, secrets)
	}
	return &redactHandler{next: h.next.WithAttrs(clean), set: h.set}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), set: h.set}
}

func (h *redactHandler) attr(a slog.Attr, secrets []string) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String(), secrets...))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga, secrets)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Redact(x.Error(), secrets...))
		case interface{ String() string }:
			return slog.String(a.Key, Redact(x.String(), secrets...))
		case []string:
			clean := make([]string, len(x))
			for i, s := range x {
				clean[i] = Redact(s, secrets...)
			}
			return slog.Any(a.Key, clean)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
