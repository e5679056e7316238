// Package client subscribes to a hub's stream: it dials, resumes, folds the
// events into its own campaign state, and hands the board batches. All I/O
// happens on the client's goroutine, so the board's Update never waits.
package client

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"sitboard/campaign"
	"sitboard/feed"
)

// Status is the connection state the board shows.
type Status int

const (
	Connecting   Status = iota // first attempt in progress
	Live                       // snapshot or resume received; data flowing
	Reconnecting               // lost; next attempt at Conn.NextAttempt
	Failed                     // terminal refusal (bad token, bad request); Run has returned
)

func (s Status) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Live:
		return "live"
	case Reconnecting:
		return "reconnecting"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// Conn reports the connection for the board's header.
type Conn struct {
	Status      Status
	Attempt     int       // consecutive failed attempts since the last live connection
	NextAttempt time.Time // when Status is Reconnecting
	Err         error     // why the last connection ended; nil while live
	Epoch       string    // the log's identity
	Seq         uint64    // last seq folded
	HubSeq      uint64    // the hub's head at its last heartbeat
	// LastData is when the newest frame (events, snapshot or heartbeat)
	// arrived. A board shows STALE when it is too old, whatever Status says.
	LastData   time.Time
	Reconnects int // connections lost since Run started
	Resyncs    int // times a gap forced a fresh snapshot
}

// Batch is what the board receives: one per read of the wire (one or more
// frames), never one per event.
type Batch struct {
	// State is a private copy the receiver may keep and read; nil when only
	// the connection report changed (a heartbeat, a reconnect).
	State *campaign.State
	// Events were just folded into State, in seq order (for the ticker).
	Events []feed.Event
	// Snapshot is set when State was replaced by a hub snapshot; Events
	// then holds only what followed it.
	Snapshot bool
	Conn     Conn
}

// Options configure Run.
type Options struct {
	// URL of the hub: ws://HOST:PORT, wss://..., or http(s)://; the path
	// defaults to /v1/stream.
	URL   string
	Token string // read token, sent as Authorization: Bearer
	// TokenFunc, when set, gives the token at every connection and
	// request instead of Token: a token file re-read on SIGHUP takes
	// effect at the next reconnect, without dropping what is open.
	TokenFunc func() string
	Campaign  *campaign.Config // required unless NoState
	// NoState skips the fold: Batches carry Events only (for `record`).
	NoState bool
	// Resume from a known point: Epoch and LastSeq, with the State folded
	// up to LastSeq (or NoState). Without them Run starts from a snapshot.
	Epoch   string
	LastSeq uint64
	State   *campaign.State

	MinBackoff time.Duration // first retry delay (default 250ms)
	MaxBackoff time.Duration // cap (default 10s)
	// ReadTimeout ends a connection that has sent nothing, not even a
	// heartbeat, for this long (default 10s; the hub beats every 2s).
	ReadTimeout time.Duration
	Dialer      *websocket.Dialer // default websocket.DefaultDialer settings
	// TLS verifies a wss:// hub (e.g. feed.ClientTLS(--ca)); nil uses the
	// system roots. It applies to Dialer too when Dialer has none.
	TLS    *tls.Config
	Header http.Header // extra handshake headers
	Logger *slog.Logger
}

// token is the token to send now.
func (o Options) token() string {
	if o.TokenFunc != nil {
		return o.TokenFunc()
	}
	return o.Token
}

// CloseError is a terminal refusal by the hub.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	switch e.Code {
	// What to do comes first: a board's status line may cut the rest.
	case feed.CloseBadToken:
		return fmt.Sprintf("hub refused the read token: check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN) (%d: %s)", e.Code, e.Reason)
	case feed.CloseBadRequest:
		return fmt.Sprintf("hub refused the request: this client and the hub may be incompatible versions (%d: %s)", e.Code, e.Reason)
	}
	return fmt.Sprintf("hub closed the stream (%d): %s", e.Code, e.Reason)
}

// errGap asks for a resync: the next connection starts from a snapshot.
var errGap = errors.New("gap in the event sequence; resyncing from a snapshot")

// StreamURL turns a hub address into the stream's websocket URL.
func StreamURL(hub string) (string, error) {
	if !strings.Contains(hub, "://") {
		hub = "ws://" + hub
	}
	u, err := url.Parse(hub)
	if err != nil {
		return "", fmt.Errorf("bad hub URL %q: %w (use ws://HOST:PORT)", hub, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("bad hub URL %q: use ws://, wss://, http:// or https://", hub)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/stream"
	}
	return u.String(), nil
}

type runner struct {
	opts  Options
	url   string
	out   func(Batch)
	log   *slog.Logger
	state *campaign.State
	conn  Conn
	// resume is false after a gap: the next hello asks for a snapshot.
	resume bool
	// lostAt is when the stream was last lost (zero before the first
	// loss), for the line that says it is back.
	lostAt time.Time
}

// Run subscribes until ctx ends (returning nil) or the hub refuses the
// client for good (returning a *CloseError after a Failed batch). Network
// errors are retried forever with exponential backoff and jitter: a wall
// board must come back by itself. out is called on Run's goroutine.
func Run(ctx context.Context, opts Options, out func(Batch)) error {
	if opts.Campaign == nil && !opts.NoState {
		return errors.New("client: no campaign config: pass Options.Campaign")
	}
	u, err := StreamURL(opts.URL)
	if err != nil {
		return feed.RedactError(err, opts.token())
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &runner{opts: opts, url: u, out: out, log: opts.Logger}
	if opts.Epoch != "" && (opts.State != nil || opts.NoState) {
		r.conn.Epoch, r.conn.Seq, r.state, r.resume = opts.Epoch, opts.LastSeq, opts.State, true
	}
	r.conn.Status = Connecting
	r.emit(nil, nil, false)
	for {
		started := time.Now()
		// The address may carry ?token=, and errors quote it: what reaches
		// the board, the log and the caller is redacted once, here.
		err := feed.RedactError(r.session(ctx), r.opts.token())
		if ctx.Err() != nil {
			return nil
		}
		var ce *CloseError
		if errors.As(err, &ce) {
			r.conn.Status, r.conn.Err = Failed, err
			r.emit(nil, nil, false)
			r.log.Error("stream refused", "code", ce.Code, "reason", ce.Reason)
			return err
		}
		r.conn.Reconnects++
		if r.conn.Status == Live || time.Since(started) > 30*time.Second {
			r.conn.Attempt = 0
		}
		delay := r.backoff()
		if errors.Is(err, errGap) {
			r.conn.Resyncs++
			delay = 0
		}
		wasLive := r.conn.Status == Live
		r.conn.Status, r.conn.Err, r.conn.NextAttempt = Reconnecting, err, time.Now().Add(delay)
		r.conn.Attempt++
		// A hub that stays away is said once and then every tenth try
		// (about every 100 s at the longest backoff), not on every retry.
		switch {
		case wasLive || r.conn.Reconnects == 1:
			r.lostAt = time.Now()
			r.log.Warn("stream lost; reconnecting", "err", err, "in", delay.Round(time.Millisecond))
		case r.conn.Attempt%10 == 0:
			r.log.Warn("stream still down; reconnecting", "err", err, "attempts", r.conn.Attempt, "down_for", time.Since(r.lostAt).Round(time.Second))
		default:
			r.log.Debug("reconnect failed", "err", err, "attempt", r.conn.Attempt, "in", delay.Round(time.Millisecond))
		}
		r.emit(nil, nil, false)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// backoff grows exponentially and keeps the upper half jittered, so a hub
// restart is not met by every board in the city at the same instant.
func (r *runner) backoff() time.Duration {
	d := r.opts.MinBackoff << min(r.conn.Attempt, 16)
	if d > r.opts.MaxBackoff || d <= 0 {
		d = r.opts.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func (r *runner) emit(evs []feed.Event, changed *campaign.State, snapshot bool) {
	b := Batch{Events: evs, Snapshot: snapshot, Conn: r.conn}
	if changed != nil {
		b.State = changed.Clone()
	}
	r.out(b)
}

// frame is one read from the wire.
type frame struct {
	msg feed.Message
	err error
}

// session is one connection: dial, hello, then fold frames until it ends.
func (r *runner) session(ctx context.Context) error {
	dialer := r.opts.Dialer
	if dialer == nil {
		dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 10 * time.Second}
	}
	if r.opts.TLS != nil && dialer.TLSClientConfig == nil {
		withTLS := *dialer
		withTLS.TLSClientConfig = r.opts.TLS
		dialer = &withTLS
	}
	hdr := http.Header{}
	for k, v := range r.opts.Header {
		hdr[k] = v
	}
	if tok := r.opts.token(); tok != "" {
		hdr.Set("Authorization", "Bearer "+tok)
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	ws, resp, err := dialer.DialContext(dctx, r.url, hdr)
	cancel()
	if err != nil {
		if resp != nil {
			switch resp.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				return &CloseError{Code: feed.CloseBadToken, Reason: "HTTP " + resp.Status}
			case http.StatusNotFound:
				return &CloseError{Code: feed.CloseBadRequest, Reason: "HTTP 404 at " + feed.Redact(r.url, r.opts.token()) + ": is this a sitboard hub?"}
			}
			// The hub says what to do in the body (a 429 past its cap of
			// streams per address, a 503 at its connection limit); the
			// board shows it while it retries.
			if msg := handshakeMessage(resp); msg != "" {
				return fmt.Errorf("hub answered %s to the websocket handshake: %s", resp.Status, msg)
			}
			return fmt.Errorf("hub answered %s to the websocket handshake", resp.Status)
		}
		if hint := feed.UntrustedCertHint(err); hint != "" {
			return fmt.Errorf("%s (%s: %w)", hint, r.url, err)
		}
		return fmt.Errorf("cannot reach the hub at %s: %w (is 'sitboard hub' running there? check --hub)", r.url, err)
	}
	defer ws.Close()
	ws.SetReadLimit(64 << 20)
	hello := feed.Hello{Type: feed.MsgHello}
	if r.resume {
		hello.Epoch, hello.LastSeq = r.conn.Epoch, r.conn.Seq
	}
	_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := ws.WriteJSON(hello); err != nil {
		return fmt.Errorf("cannot send hello: %w", err)
	}
	frames := make(chan frame, 64)
	done := make(chan struct{})
	defer close(done)
	go readFrames(ws, r.opts.ReadTimeout, frames, done)
	go func() {
		select {
		case <-ctx.Done():
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "client stopping"), time.Now().Add(time.Second))
			_ = ws.Close()
		case <-done:
		}
	}()
	for {
		var f frame
		select {
		case f = <-frames:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Coalesce whatever else has arrived into one batch for the board.
		var applied []feed.Event
		changed, snapshot := false, false
		for {
			if f.err != nil {
				if changed || snapshot {
					r.emit(applied, r.state, snapshot)
				}
				if errors.Is(f.err, errGap) {
					// A bare 4002 close: resuming again would be refused
					// again, at once and forever.
					r.resume = false
				}
				return f.err
			}
			ch, snap, evs, err := r.handle(f.msg)
			if err != nil {
				applied = append(applied, evs...)
				if changed || snapshot || ch {
					r.emit(applied, r.state, snapshot)
				}
				if errors.Is(err, errGap) {
					r.resume = false
				}
				return err
			}
			if snap {
				applied, snapshot = nil, true
			}
			applied = append(applied, evs...)
			changed = changed || ch
			select {
			case f = <-frames:
				continue
			default:
			}
			break
		}
		var st *campaign.State
		if changed && !r.opts.NoState {
			st = r.state
		}
		r.emit(applied, st, snapshot)
	}
}

// handle folds one frame. changed says the state moved; snap that it was
// replaced by a snapshot.
func (r *runner) handle(m feed.Message) (changed, snap bool, applied []feed.Event, err error) {
	r.conn.LastData = time.Now()
	switch m.Type {
	case feed.MsgSnapshot:
		if !r.opts.NoState {
			st := campaign.NewState(r.opts.Campaign)
			if err := json.Unmarshal(m.State, st); err != nil {
				return false, false, nil, fmt.Errorf("unreadable snapshot from the hub: %w", err)
			}
			r.state = st
		}
		r.conn.Epoch, r.conn.Seq, r.conn.HubSeq = m.Epoch, m.Seq, max(r.conn.HubSeq, m.Seq)
		r.resume = true
		r.live()
		return true, true, nil, nil
	case feed.MsgEvents:
		if m.Recovered {
			if m.Epoch != "" && m.Epoch != r.conn.Epoch {
				return false, false, nil, errGap
			}
			r.live()
		}
		if r.conn.Status != Live {
			return false, false, nil, errors.New("hub sent events before a snapshot or resume")
		}
		for _, ev := range m.Events {
			switch {
			case ev.Seq <= r.conn.Seq:
				continue // already folded: a resume overlapped
			case ev.Seq != r.conn.Seq+1:
				r.log.Warn("gap in the stream", "have", r.conn.Seq, "got", ev.Seq)
				return len(applied) > 0, false, applied, errGap
			}
			if !r.opts.NoState {
				campaign.Apply(r.opts.Campaign, r.state, ev)
			}
			r.conn.Seq = ev.Seq
			applied = append(applied, ev)
		}
		r.conn.HubSeq = max(r.conn.HubSeq, r.conn.Seq)
		return len(applied) > 0, false, applied, nil
	case feed.MsgHeartbeat:
		r.conn.HubSeq = m.Seq
		if r.conn.Status == Live && (m.Epoch != r.conn.Epoch || m.Seq > r.conn.Seq) {
			// The hub queues a heartbeat behind every event up to its
			// head, so a head beyond ours means something was lost.
			r.log.Warn("heartbeat ahead of the stream", "have", r.conn.Seq, "hub", m.Seq)
			return false, false, nil, errGap
		}
		return false, false, nil, nil
	case feed.MsgError:
		if m.Code != 0 && !feed.Reconnectable(m.Code) {
			return false, false, nil, &CloseError{Code: m.Code, Reason: m.Reason}
		}
		if m.Code == feed.CloseResync {
			return false, false, nil, errGap
		}
		return false, false, nil, fmt.Errorf("hub closed the stream (%d): %s", m.Code, m.Reason)
	}
	return false, false, nil, nil // a newer hub's message type: ignore
}

func (r *runner) live() {
	if r.conn.Status != Live {
		if r.lostAt.IsZero() {
			r.log.Info("stream live", "hub", feed.RedactURL(r.url), "seq", r.conn.Seq)
		} else {
			r.log.Info("stream live again: reconnected to the hub", "hub", feed.RedactURL(r.url), "seq", r.conn.Seq,
				"down_for", time.Since(r.lostAt).Round(time.Millisecond), "attempts", r.conn.Attempt)
		}
	}
	r.conn.Status, r.conn.Err, r.conn.Attempt, r.conn.NextAttempt = Live, nil, 0, time.Time{}
}

// readFrames is the connection's only reader. It ends with one error frame.
func readFrames(ws *websocket.Conn, timeout time.Duration, out chan<- frame, done <-chan struct{}) {
	for {
		_ = ws.SetReadDeadline(time.Now().Add(timeout))
		var m feed.Message
		_, data, err := ws.ReadMessage()
		if err == nil {
			if err = json.Unmarshal(data, &m); err != nil {
				err = fmt.Errorf("unreadable frame from the hub: %w", err)
			}
		}
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				if ce.Code >= 4500 {
					err = &CloseError{Code: ce.Code, Reason: ce.Text}
				} else if ce.Code == feed.CloseResync {
					err = errGap
				} else {
					err = fmt.Errorf("hub closed the stream (%d): %s", ce.Code, ce.Text)
				}
			}
			select {
			case out <- frame{err: err}:
			case <-done:
			}
			return
		}
		select {
		case out <- frame{msg: m}:
		case <-done:
			return
		}
	}
}

// handshakeMessage is the first line of a refused handshake's body, made
// safe to show: at most 300 bytes, printable text only.
func handshakeMessage(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, line))
}
