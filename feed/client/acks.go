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
	"time"

	"sitboard/feed"
)

// Acker sends a board's acknowledgements to the hub (POST /v1/acks) with
// the read token. One Acker serves a whole process (every SSH session).
type Acker struct {
	url   string
	token func() string
	http  *http.Client
}

// NewAcker makes an Acker for the hub in opts (URL, Token, TLS).
func NewAcker(opts Options) (*Acker, error) {
	u, err := endpointURL(opts.URL, "/v1/acks")
	if err != nil {
		return nil, err
	}
	return &Acker{url: u, token: opts.token, http: hubHTTP(opts)}, nil
}

// Ack acknowledges the alerts ids as by, at the board's clock at (see
// feed.AckEventAt). The answer has one outcome per id; an error means the
// hub stored nothing it said so about, and the board may send again (an
// ack is stored once however often it is sent).
func (a *Acker) Ack(ctx context.Context, ids []string, by string, at time.Time) (feed.AckResponse, error) {
	res, err := a.ack(ctx, ids, by, at)
	// Errors quote the address, which may carry ?token=.
	return res, feed.RedactError(err, a.token())
}

func (a *Acker) ack(ctx context.Context, ids []string, by string, at time.Time) (feed.AckResponse, error) {
	var res feed.AckResponse
	body, err := json.Marshal(feed.AckRequest{Alerts: ids, By: by, At: at})
	if err != nil {
		return res, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok := a.token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the address is said once, below
		}
		return res, fmt.Errorf("cannot reach the hub at %s to acknowledge: %w", a.url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return res, fmt.Errorf("reading the hub's answer to an acknowledgement: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return res, errors.New("the hub refused the read token for acknowledgements: pass --token or set SITBOARD_READ_TOKEN")
	case resp.StatusCode == http.StatusNotFound:
		return res, errors.New("the hub does not take acknowledgements (no POST /v1/acks): upgrade the hub")
	case resp.StatusCode != http.StatusOK:
		return res, fmt.Errorf("the hub refused the acknowledgement: %s", hubError(resp, b))
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, fmt.Errorf("the hub's answer to an acknowledgement is unreadable (%v): is %s a sitboard hub?", err, a.url)
	}
	return res, nil
}
