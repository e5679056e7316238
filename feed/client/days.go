package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// SnapshotURL is the hub's GET /v1/snapshot address for any of the forms
// StreamURL takes (ws://, wss://, http://, https://, HOST:PORT).
func SnapshotURL(hub string) (string, error) { return endpointURL(hub, "/v1/snapshot") }

// endpointURL is the hub's HTTP address for path (/v1/snapshot,
// /v1/acks), keeping a query the address carries (?token=).
func endpointURL(hub, path string) (string, error) {
	s, err := StreamURL(hub)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(s)
	u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1/stream") + path
	return u.String(), nil
}

// hubHTTP is an HTTP client for the hub's endpoints with the options'
// TLS (--ca), bounded in time.
func hubHTTP(opts Options) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if opts.TLS != nil {
		// A copy: the transport adds "h2" to the config's ALPN list, and a
		// websocket dialled later with the shared config would be offered
		// HTTP/2 and fail.
		tr.TLSClientConfig = opts.TLS.Clone()
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// hubError is the error of a hub answer that is not 200: its JSON
// error's text, or the HTTP status.
func hubError(resp *http.Response, body []byte) string {
	var eb struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &eb) != nil || eb.Error == "" {
		return resp.Status
	}
	return eb.Error
}

// Days fetches the state at the end of past campaign days from the hub
// (GET /v1/snapshot?day=N) for boards in review (复盘), and keeps the last
// few asked for. One Days serves a whole process: every board of an SSH
// server shares it, so a hundred stations reviewing day 37 cost one
// request and one state. The states it returns are shared: read only.
type Days struct {
	url    string
	token  func() string
	http   *http.Client
	keep   int
	mu     sync.Mutex
	byDay  map[int]*dayEntry
	recent []int // days in byDay, least recently asked first
}

type dayEntry struct {
	run   int
	ready chan struct{} // closed when st or err is set
	st    *campaign.State
	err   error
}

// DaysKept is how many past days a Days keeps by default: a review steps
// a day or a week at a time, so the last few cover going back and forth.
const DaysKept = 8

// NewDays makes a fetcher for the hub in opts (URL, Token, TLS).
func NewDays(opts Options, keep int) (*Days, error) {
	u, err := SnapshotURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if keep <= 0 {
		keep = DaysKept
	}
	return &Days{url: u, token: opts.token, http: hubHTTP(opts), keep: keep, byDay: map[int]*dayEntry{}}, nil
}

// Fetch returns the state at the end of campaign day `day` of campaign run
// `run` (the live state's Run: a replay loop starts a new run, whose days
// are not the last one's). A day the hub calls today is not kept: it is
// still changing.
func (d *Days) Fetch(ctx context.Context, day, run int) (*campaign.State, error) {
	d.mu.Lock()
	e, ok := d.byDay[day]
	if ok && e.run != run {
		ok = false
	}
	if !ok {
		e = &dayEntry{run: run, ready: make(chan struct{})}
		d.byDay[day] = e
		d.touch(day)
		d.mu.Unlock()
		st, today, err := d.get(ctx, day)
		// Errors quote the address, which may carry ?token=.
		err = feed.RedactError(err, d.token())
		e.st, e.err = st, err
		close(e.ready)
		if err != nil || today || st.Run != run {
			d.forget(day, e)
		}
		return st, err
	}
	d.touch(day)
	d.mu.Unlock()
	select {
	case <-e.ready:
		return e.st, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// touch marks day as the most recently asked for and drops the oldest
// past the limit. Called with d.mu held.
func (d *Days) touch(day int) {
	d.unlist(day)
	d.recent = append(d.recent, day)
	for len(d.recent) > d.keep {
		delete(d.byDay, d.recent[0])
		d.recent = d.recent[1:]
	}
}

func (d *Days) forget(day int, e *dayEntry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byDay[day] == e {
		delete(d.byDay, day)
		d.unlist(day)
	}
}

// unlist takes day out of recent. Called with d.mu held.
func (d *Days) unlist(day int) {
	if i := slices.Index(d.recent, day); i >= 0 {
		d.recent = slices.Delete(d.recent, i, i+1)
	}
}

func (d *Days) get(ctx context.Context, day int) (*campaign.State, bool, error) {
	// The address may already have a query (?token=): add day to it.
	u, err := url.Parse(d.url)
	if err != nil {
		return nil, false, err
	}
	q := u.Query()
	q.Set("day", strconv.Itoa(day))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, false, err
	}
	if tok := d.token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("cannot reach the hub for day %d: %w", day, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, false, fmt.Errorf("reading day %d from the hub: %w", day, err)
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusUnauthorized {
			return nil, false, errors.New("the hub refused the read token for review: check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN)")
		}
		return nil, false, fmt.Errorf("the hub has no day %d: %s", day, hubError(resp, body))
	}
	var snap struct {
		Today bool            `json:"today"`
		State *campaign.State `json:"state"`
	}
	if err := json.Unmarshal(body, &snap); err != nil || snap.State == nil {
		return nil, false, fmt.Errorf("the hub's day %d is unreadable (%v): is %s a sitboard hub?", day, err, d.url)
	}
	return snap.State, snap.Today, nil
}
