package hub

import (
	"net/http"
	"time"
)

// tokens are the ingest, read and scoped read tokens in force.
type tokens struct {
	ingest, read string
	scoped       *ScopedTokens
}

// SetTokens replaces the ingest and read tokens (sitboard hub re-reads its
// token files on SIGHUP), keeping the scoped tokens in force. They are
// checked as at start: a read token is still required unless the hub runs
// --public-read or has scoped tokens, and must differ from the ingest
// token. Streams already open stay open; new requests and connections need
// the new tokens.
func (h *Hub) SetTokens(ingest, read string) error {
	return h.SetAccess(ingest, read, h.tok.Load().scoped)
}

// SetAccess is SetTokens with the scoped tokens too (a --scoped-tokens
// file re-read; nil: none).
func (h *Hub) SetAccess(ingest, read string, scoped *ScopedTokens) error {
	o := Options{IngestToken: ingest, ReadToken: read, PublicRead: h.opts.PublicRead, ScopedTokens: scoped}
	if err := CheckAccess(&o); err != nil {
		return err
	}
	h.tok.Store(&tokens{ingest: o.IngestToken, read: o.ReadToken, scoped: scoped})
	return nil
}

func (h *Hub) ingestToken() string { return h.tok.Load().ingest }
func (h *Hub) readToken() string   { return h.tok.Load().read }

// logRefusedToken logs a request refused for its token, at most once per
// refusalLogEvery for each kind of token, with the count held back: a
// misconfigured upstream retrying in a loop must not flood the log, and
// the operator must still see that something is knocking with a wrong
// token, and from where.
func (h *Hub) logRefusedToken(r *http.Request, which string) {
	gate := &h.readTokenLog
	if which == "ingest" {
		gate = &h.ingestTokenLog
	}
	if due, held := gate.due(time.Now(), refusalLogEvery); due {
		what := "missing"
		if bearer(r) != "" || r.URL.Query().Get("token") != "" {
			what = "wrong"
		}
		h.log.Warn("refused a request with a "+what+" "+which+" token", "remote", r.RemoteAddr, "path", r.URL.Path,
			"user_agent", r.UserAgent(), "refused_since_last_line", held)
	}
}
