package hub

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
)

// Scoped read tokens (docs/security.md, "Scoped tokens"): besides the
// shared --read-token, a token file binds each read token to the city, to
// one district, or to an SSH server's stations. Every scope reads the
// whole feed; what it may write differs, and the hub enforces it: a
// district's board acknowledges, signs and reports for its own district
// only, only the city issues instructions. A refusal is a 403 that says
// what the token allows (Scope.Allows).

// Scope kinds.
const (
	// ScopeShared is the plain --read-token: it views the city and
	// acknowledges any alert, as before scopes; it issues, signs and
	// reports nothing.
	ScopeShared = "shared"
	// ScopeCity views the city, acknowledges any alert, issues
	// instructions.
	ScopeCity = "city"
	// ScopeStations is an SSH server's token: it acts for the district
	// each request names (its station key's district=), as that
	// district's token would, and without one as the city's board it
	// serves, but never issues.
	ScopeStations = "stations"
	// ScopeDistrict is one district's token.
	ScopeDistrict = "district"
	// ScopePublic is no token, on a hub serving --public-read: it views
	// only.
	ScopePublic = "public"
)

// Scope is what a read token allows.
type Scope struct {
	Kind     string
	District string // for ScopeDistrict
}

func (s Scope) String() string {
	if s.Kind == ScopeDistrict {
		return "district:" + s.District
	}
	return s.Kind
}

// Allows says in a sentence what the token allows beyond reading: the
// second half of every 403.
func (s Scope) Allows() string {
	switch s.Kind {
	case ScopeCity:
		return "this token is the city's: it views the whole city, acknowledges any alert and issues instructions; a district signs and reports with its own token"
	case ScopeStations:
		return "this token is an SSH server's (stations): for the district a request names it acknowledges that district's alerts and signs and reports that district's instructions; it issues none"
	case ScopeDistrict:
		return fmt.Sprintf("this token is district %s's: it views the whole city, and acknowledges alerts and signs and reports instructions for %s only", s.District, s.District)
	case ScopePublic:
		return "this hub serves the feed without a token (--public-read), and a request without one only reads"
	}
	return "this is the hub's shared read token (--read-token): it views the whole city and acknowledges any alert, but issues, signs and reports no instructions; use a token of the hub's --scoped-tokens file (docs/security.md, \"Scoped tokens\")"
}

// ackLimit is the district whose alerts a request may acknowledge ("":
// any), named its district in the request (or ""); refusal says what was
// refused when the token may not.
func (s Scope) ackLimit(named string) (district, refusal string) {
	switch s.Kind {
	case ScopePublic:
		return "", "acknowledging alerts"
	case ScopeDistrict:
		if named != "" && named != s.District {
			return "", "acknowledging alerts for " + named
		}
		return s.District, ""
	}
	return named, ""
}

// replyDistrict is the district a sign-off or report is for, named the
// one the request names (or ""); refusal says what was refused when the
// token may not sign or report for it.
func (s Scope) replyDistrict(named, what string) (district, refusal string) {
	switch s.Kind {
	case ScopeDistrict:
		if named != "" && named != s.District {
			return "", what + " for " + named
		}
		return s.District, ""
	case ScopeStations:
		if named == "" {
			return "", what + " without naming the district (send \"district\": the station's)"
		}
		return named, ""
	}
	if named != "" {
		return "", what + " for " + named
	}
	return "", what
}

// ScopedTokens are the tokens of a --scoped-tokens file, by the SHA-256
// of each token, so a lookup takes the same time for every token of a
// length.
type ScopedTokens struct {
	byHash map[[32]byte]Scope
	plain  []string // for CheckAccess: none may be the ingest or the shared read token
}

// Len is how many tokens the file holds.
func (t *ScopedTokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.byHash)
}

// Count is how many tokens the file binds to each scope kind, for the
// log.
func (t *ScopedTokens) Count() map[string]int {
	out := map[string]int{}
	if t == nil {
		return out
	}
	for _, s := range t.byHash {
		out[s.Kind]++
	}
	return out
}

// Tokens are the file's tokens, for a log's redactor.
func (t *ScopedTokens) Tokens() []string {
	if t == nil {
		return nil
	}
	return t.plain
}

func (t *ScopedTokens) lookup(token string) (Scope, bool) {
	if t == nil || token == "" {
		return Scope{}, false
	}
	s, ok := t.byHash[sha256.Sum256([]byte(token))]
	return s, ok
}

// MinScopedTokenLen is the shortest token the file takes: a token is the
// only proof of a station's district.
const MinScopedTokenLen = 16

// ParseScopedTokens reads a --scoped-tokens file: one token a line, then
// its scope (city, stations, or district:ID with an id of districts), and
// nothing more but a # comment; blank lines and # lines are skipped. An
// error names the file and line and says what to write. known says
// whether a district id is the campaign's.
func ParseScopedTokens(name string, data []byte, known func(district string) bool) (*ScopedTokens, error) {
	t := &ScopedTokens{byHash: map[[32]byte]Scope{}}
	seen := map[[32]byte]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<10)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.Index(text, "#"); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
		}
		if len(fields) != 2 {
			return nil, fail("want a token and its scope (city, stations or district:ID), got %d fields: write one token a line, then its scope", len(fields))
		}
		token, scope := fields[0], fields[1]
		if len(token) < MinScopedTokenLen {
			return nil, fail("the token is %d characters, fewer than %d: make one with 'od -An -tx1 -N32 /dev/urandom | tr -d \" \\n\"'", len(token), MinScopedTokenLen)
		}
		if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			return nil, fail("the token holds a character that is not printable ASCII: tokens travel in HTTP headers")
		}
		var s Scope
		switch kind, district, _ := strings.Cut(scope, ":"); {
		case scope == ScopeCity || scope == ScopeStations:
			s = Scope{Kind: scope}
		case kind == ScopeDistrict && district != "":
			if known != nil && !known(district) {
				return nil, fail("unknown district %q: use an id of the campaign's [[districts]]", district)
			}
			s = Scope{Kind: ScopeDistrict, District: district}
		default:
			return nil, fail("unknown scope %q: write city, stations, or district:ID with a district id of the campaign", scope)
		}
		sum := sha256.Sum256([]byte(token))
		if prev, dup := seen[sum]; dup {
			return nil, fail("the token of line %d again: give each board its own token", prev)
		}
		seen[sum] = line
		t.byHash[sum] = s
		t.plain = append(t.plain, token)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	return t, nil
}

// checkScoped refuses a scoped token that is the ingest token or the
// shared read token (or differs from one only in spaces): its scope
// would be ambiguous, or a board could inject events.
func checkScoped(o *Options) error {
	if o.ScopedTokens == nil {
		return nil
	}
	for _, tok := range o.ScopedTokens.plain {
		switch tok {
		case o.IngestToken, withoutSpace(o.IngestToken):
			return fmt.Errorf("hub: a token of --scoped-tokens is the ingest token, so that board could inject events: give it another")
		case o.ReadToken, withoutSpace(o.ReadToken):
			return fmt.Errorf("hub: a token of --scoped-tokens is the shared --read-token, so its scope is ambiguous: give it another, or drop the shared token")
		}
	}
	return nil
}

// scopeOf is what the request's token allows; false when it may not even
// read (no token, or a wrong one, on a hub that is not --public-read).
func (h *Hub) scopeOf(r *http.Request) (Scope, bool) {
	tok := h.tok.Load()
	t := bearer(r)
	if t == "" {
		t = normalizeToken(r.URL.Query().Get("token"))
	}
	if s, ok := tok.scoped.lookup(t); ok {
		return s, true
	}
	if tok.read != "" && t != "" && tokenOK(t, tok.read) {
		return Scope{Kind: ScopeShared}, true
	}
	if tok.read == "" && h.opts.PublicRead {
		return Scope{Kind: ScopePublic}, true
	}
	return Scope{}, false
}

// refuseScope answers 403: what was refused, and what the token allows.
// Nothing of the request is stored.
func (h *Hub) refuseScope(w http.ResponseWriter, s Scope, refused string) {
	writeJSON(w, http.StatusForbidden, ErrorBody{Error: "refused " + refused + "; nothing was stored: " + s.Allows(), Scope: s.String()})
}
