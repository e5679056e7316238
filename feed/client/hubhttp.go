package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// EndpointURL is the hub's HTTP address for path (/v1/snapshot,
// /v1/reports) for any of the forms StreamURL takes, with query added to
// any the address carries (?token=).
func EndpointURL(hub, path string, query url.Values) (string, error) {
	s, err := endpointURL(hub, path)
	if err != nil || len(query) == 0 {
		return s, err
	}
	u, _ := url.Parse(s)
	q := u.Query()
	for k, vs := range query {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Get reads one of a hub's read-token endpoints (GET path?query) with
// opts' URL, Token and TLS, and says what to do when the hub cannot be
// reached or refuses. Errors never carry the token.
func Get(ctx context.Context, opts Options, path string, query url.Values) ([]byte, error) {
	body, err := get(ctx, opts, path, query)
	return body, feed.RedactError(err, opts.token())
}

// get asks again after a 503 that says when (Retry-After: a hub that is
// starting, or still folding its log for bulletins), while ctx leaves time
// for it; opts.Logger hears why it waits. Any other answer is final.
func get(ctx context.Context, opts Options, path string, query url.Values) ([]byte, error) {
	for tries := 1; ; tries++ {
		body, retryAfter, err := getOnce(ctx, opts, path, query)
		if retryAfter <= 0 {
			return body, err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < retryAfter {
			return nil, err
		}
		if opts.Logger != nil {
			opts.Logger.Info("waiting for the hub", "why", err.Error(), "retry_in", retryAfter, "tries", tries)
		}
		t := time.NewTimer(retryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// maxRetryAfter caps how long get waits on one Retry-After.
const maxRetryAfter = 30 * time.Second

// getOnce is one GET; retryAfter is set for a 503 with Retry-After.
func getOnce(ctx context.Context, opts Options, path string, query url.Values) (body []byte, retryAfter time.Duration, err error) {
	u, err := EndpointURL(opts.URL, path, query)
	if err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	if tok := opts.token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := hubHTTP(opts).Do(req)
	if err != nil {
		if hint := feed.UntrustedCertHint(err); hint != "" {
			return nil, 0, fmt.Errorf("%s (%w)", hint, err)
		}
		return nil, 0, fmt.Errorf("cannot reach the hub: %w (is 'sitboard hub' running at %s?)", err, opts.URL)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	switch resp.StatusCode {
	case http.StatusOK:
		return body, 0, nil
	case http.StatusUnauthorized:
		return nil, 0, errors.New("the hub refused the read token: check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN)")
	}
	if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && secs > 0 && resp.StatusCode == http.StatusServiceUnavailable {
		// The hub says why and how far it has come in the error's words.
		var why struct{ Error string }
		if json.Unmarshal(body, &why) == nil && why.Error != "" {
			body = []byte(why.Error)
		}
		retryAfter = min(time.Duration(secs)*time.Second, maxRetryAfter)
	}
	return nil, retryAfter, fmt.Errorf("hub answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
}

// FetchSnapshot reads the hub's current state (GET /v1/snapshot).
func FetchSnapshot(ctx context.Context, opts Options) (*campaign.State, error) {
	body, err := Get(ctx, opts, "/v1/snapshot", nil)
	if err != nil {
		return nil, err
	}
	var snap struct {
		Epoch string          `json:"epoch"`
		Seq   uint64          `json:"seq"`
		State *campaign.State `json:"state"`
	}
	if err := json.Unmarshal(body, &snap); err != nil || snap.State == nil {
		return nil, fmt.Errorf("the hub's snapshot is unreadable (%v): is %s a sitboard hub?", err, feed.RedactURL(opts.URL))
	}
	return snap.State, nil
}
