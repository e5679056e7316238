package client

import (
	"context"
	"net/http"
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
	return a.AckFor(ctx, "", ids, by, at)
}

// AckFor is Ack for a board acting for district (an SSH server's
// station): the hub takes only that district's alerts. "" acts as the
// token allows.
func (a *Acker) AckFor(ctx context.Context, district string, ids []string, by string, at time.Time) (feed.AckResponse, error) {
	var res feed.AckResponse
	err := postJSON(ctx, a.http, a.url, a.token(), feed.AckRequest{Alerts: ids, By: by, At: at, District: district}, &res, "to acknowledge")
	// Errors quote the address, which may carry ?token=.
	return res, feed.RedactError(err, a.token())
}
