package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"sitboard/feed"
)

// Office sends the office's instructions, and a station's sign-offs and
// reports, to the hub (POST /v1/directives/issue, /sign, /report) with a
// read token; the hub decides what the token may do (docs/security.md,
// "Scoped tokens"). One Office serves a whole process: every session of
// an SSH server sends through it, each naming its station's district.
type Office struct {
	base  string // the hub's http(s) URL up to /v1/directives
	token func() string
	http  *http.Client
}

// NewOffice makes an Office for the hub in opts (URL, Token, TLS).
func NewOffice(opts Options) (*Office, error) {
	u, err := endpointURL(opts.URL, "/v1/directives")
	if err != nil {
		return nil, err
	}
	return &Office{base: u, token: opts.token, http: hubHTTP(opts)}, nil
}

// Issue sends an instruction (a city token).
func (o *Office) Issue(ctx context.Context, req feed.IssueRequest) (feed.DirectiveOutcome, error) {
	return o.post(ctx, "issue", req)
}

// Sign signs an instruction for req.District (or the token's district).
func (o *Office) Sign(ctx context.Context, req feed.ReplyRequest) (feed.DirectiveOutcome, error) {
	return o.post(ctx, "sign", req)
}

// Report sends a district's one line of feedback on an instruction.
func (o *Office) Report(ctx context.Context, req feed.ReplyRequest) (feed.DirectiveOutcome, error) {
	return o.post(ctx, "report", req)
}

// HubRefusal is a request the hub answered with a 4xx: Status and the
// hub's own words, which say what to do (a 403 says what the token
// allows).
type HubRefusal struct {
	Status  int
	Message string
}

func (e *HubRefusal) Error() string { return e.Message }

func (o *Office) post(ctx context.Context, kind string, body any) (feed.DirectiveOutcome, error) {
	var out feed.DirectiveOutcome
	err := postJSON(ctx, o.http, o.base+"/"+kind, o.token(), body, &out, "to "+kind+" an instruction")
	return out, feed.RedactError(err, o.token())
}

// postJSON posts body as JSON to u with token and reads a 200's JSON
// answer into out; what names the request in errors ("to acknowledge").
func postJSON(ctx context.Context, c *http.Client, u, token string, body, out any, what string) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the address is said once, below
		}
		return fmt.Errorf("cannot reach the hub at %s %s: %w", u, what, err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the hub's answer %s: %w", what, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return &HubRefusal{resp.StatusCode, "the hub refused the token " + what + ": check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN) (" + hubError(resp, rb) + ")"}
	case resp.StatusCode == http.StatusNotFound && hubError(resp, rb) == resp.Status:
		return &HubRefusal{resp.StatusCode, "the hub has no " + u + ": upgrade the hub"}
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return &HubRefusal{resp.StatusCode, "the hub refused " + what + ": " + hubError(resp, rb)}
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("the hub could not answer %s: %s", what, hubError(resp, rb))
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return fmt.Errorf("the hub's answer %s is unreadable (%v): is %s a sitboard hub?", what, err, u)
	}
	return nil
}
