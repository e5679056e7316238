// Package sshd serves the board over SSH to county stations: one Bubble Tea
// program per session, public-key auth against an authorized_keys file
// whose key options set each station's district, language and layout, and
// one shared upstream subscription fanned out to every session.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	"github.com/pires/go-proxyproto"
	gossh "golang.org/x/crypto/ssh"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/internal/lograte"
	"sitboard/internal/peer"
	"sitboard/tui"
)

// Board makes each session's model and the messages that feed it. The
// production board is the tui package's (TUIBoard); tests may substitute.
type Board interface {
	Model(info SessionInfo) tea.Model
	// StateMsg and ConnMsg turn feed updates into the model's messages.
	// The state is shared by every session and must only be read.
	StateMsg(st *campaign.State, events []feed.Event) tea.Msg
	ConnMsg(c client.Conn) tea.Msg
}

// SessionInfo is what a session's board is built from.
type SessionInfo struct {
	Campaign *campaign.Config
	Station  Station
	Lang     string   // resolved: the key's lang=, else the client's locale
	Theme    string   // resolved: the key's theme=, else mono under NO_COLOR, else dark
	Layout   string   // the key's layout=, or "" for automatic
	Environ  []string // the client's environment (with TERM)
	Width    int
	Height   int
	FetchDay tui.DayFetcher // the server's shared fetcher of past days
	// Ack sends the session's acknowledgements to the hub as the
	// station's AckBy; nil when the server has no Ack.
	Ack tui.AckSender
	// Reply sends the station's sign-offs and reports of instructions for
	// its key's district; nil when the server has no Reply or the key no
	// district.
	Reply tui.ReplySender
}

// Getenv reads the client's environment.
func (i SessionInfo) Getenv(key string) string { return env(i.Environ, key) }

// Config configures a Server.
type Config struct {
	HostKeyPath        string
	AuthorizedKeysPath string
	Campaign           *campaign.Config
	Source             Source
	Board              Board // nil: TUIBoard
	// FetchDay gets past days for review (复盘); one for the whole server
	// (a feed/client Days), so sessions share what it fetched. nil: no review.
	FetchDay tui.DayFetcher
	// Ack sends acknowledgements to the hub (POST /v1/acks) as by, for
	// district; one for the whole server (a feed/client Acker). Each
	// session's are sent as its station's Station.AckBy, for its key's
	// district= ("" for a key without one), which the hub holds them to.
	// nil: acks stay on the session's board.
	Ack func(ctx context.Context, district string, ids []string, by string, at time.Time) error
	// Reply sends a sign-off or report of an instruction (POST
	// /v1/directives/sign, /report) for district as by; one for the whole
	// server (a feed/client Office). Each session's are sent for its key's
	// district=, as its Station.AckBy; a key without a district sends
	// none. nil: the stations' boards cannot sign.
	Reply func(ctx context.Context, district, by, id string, report bool, text string, at time.Time) error

	// MaxSessions caps the slots of the server (default 100). Every
	// authenticated connection holds one, with or without a board session,
	// and each further session on one connection one more. A session past
	// the cap is told the limit and closed; open ones are untouched.
	MaxSessions int
	// MaxSessionsPerKey caps the slots one key may hold (default 10), so a
	// single station, or a stolen key, cannot take every slot.
	MaxSessionsPerKey int
	// MaxStartups caps connections that have not authenticated yet
	// (default 50). Past it a new connection is told so and closed at once.
	MaxStartups int
	// MaxStartupsPerIP caps the connections one client address (an IPv4
	// address, an IPv6 /64; loopback is not counted, see internal/peer)
	// may have logging in at once (default DefaultMaxStartupsPerIP;
	// negative: no cap), so one host cannot take every place MaxStartups
	// leaves. Past it a new connection is told so and closed at once.
	MaxStartupsPerIP int
	// NoSessionTimeout closes an authenticated connection that has no
	// board session for this long (default 30s), such as "ssh -N".
	NoSessionTimeout time.Duration
	// ClientAliveInterval is how often a logged-in connection is asked for
	// a reply (default 15s); one silent for three intervals is closed.
	ClientAliveInterval time.Duration
	// KeyCheckInterval is how often the authorized keys are re-read to
	// close the connections of removed keys (default 1s).
	KeyCheckInterval time.Duration
	// MaxWidth and MaxHeight cap the terminal size a board is drawn for
	// (default 400x150), at the pty request and on every resize. A bigger
	// terminal gets a board of the cap's size: the board's memory grows
	// with the cells, and a client may ask for 65535x65535.
	MaxWidth, MaxHeight int
	// IdleTimeout closes a session whose station has not typed for this
	// long; 0 never does. Keys marked no-idle-timeout are exempt.
	IdleTimeout time.Duration
	// UpdateInterval is the least time between two state deliveries to a
	// session (default 1s); updates in between are coalesced. It bounds
	// what a station on a slow link has to receive: the renderer rewrites
	// every line holding Chinese text on each frame (see docs/operations.md),
	// so bandwidth grows with the frame rate, not just with what changed.
	UpdateInterval time.Duration
	// FPS caps each session's frame rate (default 10).
	FPS int
	// HandshakeTimeout bounds an unauthenticated connection (default 20s).
	HandshakeTimeout time.Duration
	Logger           *slog.Logger

	// ProxyProtocolFrom lists the TCP proxies (addresses or CIDR ranges;
	// HAProxy "send-proxy", nginx stream "proxy_protocol on") in front of
	// the server. When set, every connection must come from one of them
	// with a PROXY protocol header (v1 or v2), and the address in the
	// header is the station's: for MaxStartupsPerIP and the logs. Any other
	// connection is dropped. Empty: stations connect directly.
	ProxyProtocolFrom []string

	// countLoopback counts loopback under MaxStartupsPerIP (tests only,
	// which have no other address to connect from).
	countLoopback bool
}

// Server is the SSH board server.
type Server struct {
	cfg    Config
	keys   *keyFile
	feed   *fanout
	ssh    *ssh.Server
	log    *slog.Logger
	active atomic.Int64 // board sessions
	// Connections in their handshake, and those refused past MaxStartups.
	startups          atomic.Int64
	refusedStartups   atomic.Int64
	startupRefusalLog logGate
	// Connections in their handshake per client address, and those
	// refused past MaxStartupsPerIP.
	startupsPerIP   *peer.Limiter
	refusedPerIP    atomic.Int64
	perIPRefusalLog logGate
	// refusedKeyLog holds back the lines of refused keys a client repeats.
	refusedKeyLog       lograte.Limiter
	perIPRefusalSkipped atomic.Int64 // refusals not logged since the last line
	// proxyPolicy reads PROXY protocol headers (nil: no proxy in front);
	// connections from elsewhere are dropped and counted.
	proxyPolicy      proxyproto.ConnPolicyFunc
	refusedUnproxied atomic.Int64
	unproxiedLog     logGate
	// Keepalive replies received, over all connections.
	keepalivesAnswered atomic.Int64
	// HostKeyFingerprint is the SHA256 fingerprint stations see on first
	// connect; operators read it out to them to check.
	HostKeyFingerprint string

	mu       sync.Mutex
	sessions map[*stationSession]struct{}
	conns    map[*stationConn]struct{}
	slots    int            // in use, of MaxSessions
	keySlots map[string]int // in use per key fingerprint
}

// defaultBoard is TUIBoard (set in board.go).
var defaultBoard Board

// Extension keys recorded in the connection's permissions at auth time.
const (
	permFingerprint = "sitboard-key-fingerprint"
)

// New checks the configuration, loads or creates the host key and reads
// the authorized keys.
func New(cfg Config) (*Server, error) {
	if cfg.Campaign == nil {
		return nil, errors.New("sshd: no campaign config")
	}
	if cfg.Source == nil {
		return nil, errors.New("sshd: no feed source: pass --hub URL")
	}
	if cfg.AuthorizedKeysPath == "" {
		return nil, errors.New("no authorized keys file: pass --authorized-keys FILE (OpenSSH authorized_keys format, one line per station)")
	}
	if cfg.Board == nil {
		cfg.Board = defaultBoard
	}
	if cfg.Board == nil {
		return nil, errors.New("sshd: no board")
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 100
	}
	if cfg.UpdateInterval <= 0 {
		cfg.UpdateInterval = time.Second
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 10
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 20 * time.Second
	}
	if cfg.MaxSessionsPerKey <= 0 {
		cfg.MaxSessionsPerKey = 10
	}
	if cfg.MaxStartups <= 0 {
		cfg.MaxStartups = 50
	}
	if cfg.MaxStartupsPerIP == 0 {
		cfg.MaxStartupsPerIP = DefaultMaxStartupsPerIP
	}
	if cfg.NoSessionTimeout <= 0 {
		cfg.NoSessionTimeout = 30 * time.Second
	}
	if cfg.ClientAliveInterval <= 0 {
		cfg.ClientAliveInterval = 15 * time.Second
	}
	if cfg.KeyCheckInterval <= 0 {
		cfg.KeyCheckInterval = time.Second
	}
	if cfg.MaxWidth <= 0 {
		cfg.MaxWidth = DefaultMaxWidth
	}
	if cfg.MaxHeight <= 0 {
		cfg.MaxHeight = DefaultMaxHeight
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, feed: newFanout(), log: cfg.Logger, sessions: map[*stationSession]struct{}{},
		conns: map[*stationConn]struct{}{}, keySlots: map[string]int{}, startupRefusalLog: logGate{every: 10 * time.Second},
		startupsPerIP: peer.NewLimiter(cfg.MaxStartupsPerIP), perIPRefusalLog: logGate{every: 10 * time.Second},
		refusedKeyLog: lograte.Limiter{Burst: refusedKeyBurst, Every: 10 * time.Second}}
	if cfg.countLoopback {
		s.startupsPerIP.CountLoopback()
	}
	if len(cfg.ProxyProtocolFrom) > 0 {
		s.unproxiedLog = logGate{every: 10 * time.Second}
		policy, err := s.newProxyPolicy(cfg.ProxyProtocolFrom)
		if err != nil {
			return nil, err
		}
		s.proxyPolicy = policy
	}

	var err error
	// The key file first: a mistyped path must not leave a host key behind.
	s.keys, err = newKeyFile(cfg.AuthorizedKeysPath, cfg.Campaign, s.log)
	if err != nil {
		return nil, err
	}

	signer, created, err := LoadOrCreateHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s.HostKeyFingerprint = gossh.FingerprintSHA256(signer.PublicKey())
	if created {
		s.log.Info("generated a new host key", "file", cfg.HostKeyPath, "fingerprint", s.HostKeyFingerprint)
	}
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithPublicKeyAuth(s.authorize),
		func(srv *ssh.Server) error {
			srv.HandshakeTimeout = cfg.HandshakeTimeout
			srv.ConnCallback = s.onConnect
			srv.ServerConfigCallback = s.serverConfig
			// No forwarding of any kind: nil callbacks deny, and only the
			// "session" channel type is registered. Subsystems (sftp) have
			// no handlers and are refused.
			srv.LocalPortForwardingCallback = nil
			srv.ReversePortForwardingCallback = nil
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": ssh.DefaultSessionHandler}
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
			srv.ConnectionFailedCallback = func(c net.Conn, err error) {
				s.log.Debug("ssh connection failed", "remote", c.RemoteAddr().String(), "err", err)
			}
			return nil
		},
		// The last middleware listed runs first: station checks wrap the
		// board program.
		wish.WithMiddleware(
			bubbletea.MiddlewareWithProgramHandler(s.program),
			s.stationMiddleware,
		),
	)
	if err != nil {
		return nil, err
	}
	s.ssh = srv
	return s, nil
}

// refusedKeyBurst is how many refused-key lines one address block logs at
// once; then one a second, each saying how many were held back.
const refusedKeyBurst = 10

// authorize is the public-key callback. It only admits keys listed in the
// authorized_keys file and records which key it admitted.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	st, ok, err := s.keys.lookup(key)
	fp := gossh.FingerprintSHA256(key)
	if err != nil {
		s.log.Error("refusing every key: cannot read authorized keys", "err", err)
		return false
	}
	remote := ctx.RemoteAddr().String()
	if !ok {
		// Anyone can offer keys in a loop: a burst per address block, then
		// a line now and then with the count held back.
		if log, held := s.refusedKeyLog.Allow("unknown "+peer.Describe(remote), time.Now()); log {
			s.log.Info("unknown key refused", "fingerprint", fp, "remote", remote, "user", ctx.User(), "held_back", held)
		}
		return false
	}
	if !st.From.allows(ctx.RemoteAddr()) {
		if log, held := s.refusedKeyLog.Allow("from "+fp+" "+peer.Describe(remote), time.Now()); log {
			s.log.Warn("key refused from this address: its from= option does not allow it", "fingerprint", fp, "station", st.Name(),
				"remote", remote, "from", st.From.text, "held_back", held)
		}
		return false
	}
	// Offering a key is not proof of holding it: this callback also runs
	// for keys the client only asks about. Record the fingerprint, and the
	// session middleware checks it against the key that actually signed.
	perms := ctx.Permissions()
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	perms.Extensions[permFingerprint] = st.Fingerprint
	return true
}

// Serve runs the shared feed subscription and accepts connections on l
// until ctx ends, then closes every session.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	feedDone := make(chan error, 1)
	go func() { feedDone <- s.cfg.Source.Run(ctx, s.feed.publish) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- s.ssh.Serve(s.listen(l)) }()
	go s.watchKeys(ctx)
	select {
	case <-ctx.Done():
		// Tell every station why its board ends, give the messages a
		// moment to go out, then close the connections.
		s.quitAll("the board server is shutting down")
		deadline := time.Now().Add(5 * time.Second)
		for s.Sessions() > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		_ = s.ssh.Close()
		s.closeAllConns("the board server is shutting down")
		<-serveDone
		return nil
	case err := <-serveDone:
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return err
	case err := <-feedDone:
		// The feed client only returns for good on a terminal refusal
		// (bad token): serving boards that can never update would hide it.
		_ = s.ssh.Close()
		s.closeAllConns("the hub subscription ended")
		<-serveDone
		if err == nil {
			return nil
		}
		return fmt.Errorf("hub subscription ended: %w", err)
	}
}

// quitAll ends every session's board, telling the station why.
func (s *Server) quitAll(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.sessions {
		ss.setReason(reason)
		if p := ss.program.Load(); p != nil {
			go p.Quit()
		}
	}
}

// Close stops accepting and closes every connection.
func (s *Server) Close() error {
	err := s.ssh.Close()
	s.closeAllConns("the board server closed")
	return err
}

// Sessions is the number of open board sessions.
func (s *Server) Sessions() int { return int(s.active.Load()) }

// stationMiddleware admits a session: it re-checks the key, refuses
// commands, pty-less sessions and sessions over the limit, and logs the
// session when it ends.
func (s *Server) stationMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		st, ok := s.verify(sess)
		if !ok {
			s.log.Warn("session refused: its key does not match the key that authenticated", "remote", remote)
			refuse(sess, "sitboard: this session's key could not be verified. Reconnect.")
			return
		}
		log := s.log.With("fingerprint", st.Fingerprint, "station", st.Name(), "remote", remote)
		if sess.RawCommand() != "" {
			log.Warn("command refused", "command", truncate(sess.RawCommand(), 80))
			refuse(sess, "sitboard: this server only shows the situation board; commands are not run. Connect without a command: ssh -p PORT HOST")
			return
		}
		if _, _, hasPty := sess.Pty(); !hasPty {
			log.Warn("session without a terminal refused")
			refuse(sess, "sitboard: the board needs a terminal. Connect with 'ssh -t' (and without -T or -N).")
			return
		}
		conn, _ := sess.Context().Value(ctxKeyStationConn).(*stationConn)
		if conn == nil || conn.station.Fingerprint != st.Fingerprint {
			log.Warn("session refused: its key is not the one its connection authenticated with")
			refuse(sess, "sitboard: this session's key could not be verified. Reconnect.")
			return
		}
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		ss := &stationSession{Session: sess, ctx: ctx, conn: conn, station: st, started: time.Now()}
		if refusal := s.beginSession(conn, ss); refusal != "" {
			log.Warn("session refused", "why", strings.TrimPrefix(refusal, "sitboard: "),
				"max_sessions", s.cfg.MaxSessions, "max_sessions_per_key", s.cfg.MaxSessionsPerKey)
			refuse(sess, refusal)
			return
		}
		defer s.endSession(conn, ss)
		s.active.Add(1)
		defer s.active.Add(-1)
		if ssh.AgentRequested(sess) {
			// The request is acknowledged by the ssh library, but this
			// server never opens an agent channel: nothing is forwarded.
			log.Info("agent forwarding requested and ignored")
		}

		ss.lastInput.Store(ss.started.UnixNano())
		requested := ss.clampPty(s.cfg.MaxWidth, s.cfg.MaxHeight)
		s.mu.Lock()
		s.sessions[ss] = struct{}{}
		s.mu.Unlock()
		pty, _, _ := ss.Pty()
		log.Info("session started", "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height,
			"district", st.District, "client", sess.Context().ClientVersion())
		if requested != pty.Window {
			log.Warn("terminal size over the cap: the board is drawn at the cap",
				"requested_width", requested.Width, "requested_height", requested.Height,
				"max_width", s.cfg.MaxWidth, "max_height", s.cfg.MaxHeight)
		}

		next(ss)

		cancel()
		s.mu.Lock()
		delete(s.sessions, ss)
		s.mu.Unlock()
		reason := ss.endReason()
		if reason == "" {
			reason = "closed by the station"
		}
		dur := time.Since(ss.started)
		sent := ss.sent.Load()
		rate := 0.0
		if secs := dur.Seconds(); secs > 0 {
			rate = float64(sent) / secs
		}
		log.Info("session ended", "duration", dur.Round(time.Millisecond), "bytes_sent", sent,
			"bytes_per_second", int64(rate), "reason", reason, "sizes_over_cap", ss.clamped.Load())
		switch {
		case reason == whyKeyRemoved, reason == whyAddressGone:
			wish.Println(ss.Session, "\r\nsitboard: closed: "+reason+". Ask the command centre if this station should still have access.\r")
		case strings.HasPrefix(reason, "idle"):
			wish.Println(ss.Session, "\r\nsitboard: closed after "+reason+". Press a key in the board now and then to stay connected, or ask the command centre to mark this station's key no-idle-timeout.\r")
		case reason != "closed by the station":
			wish.Println(ss.Session, "\r\nsitboard: "+reason+". Reconnect in a minute.\r")
		}
	}
}

// verify re-checks, outside the auth callback, that the key this session
// authenticated with is the one the callback admitted, and that it is
// still listed.
func (s *Server) verify(sess ssh.Session) (Station, bool) {
	key := sess.PublicKey()
	if key == nil {
		return Station{}, false
	}
	recorded := sess.Permissions().Extensions[permFingerprint]
	if recorded == "" || recorded != gossh.FingerprintSHA256(key) {
		return Station{}, false
	}
	st, ok, err := s.keys.lookup(key)
	if err != nil || !ok || st.Fingerprint != recorded || !st.From.allows(sess.RemoteAddr()) {
		return Station{}, false
	}
	return st, true
}

// refuse tells the station why, on stderr, and ends the session with exit
// status 1.
func refuse(sess ssh.Session, msg string) {
	_, _ = fmt.Fprint(sess.Stderr(), msg+"\r\n")
	_ = sess.Exit(1)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// program builds the session's board program and starts the goroutines
// that feed it and watch for idleness; both end with the session.
func (s *Server) program(raw ssh.Session) *tea.Program {
	ss, ok := raw.(*stationSession)
	if !ok {
		return nil // not admitted by stationMiddleware
	}
	pty, _, _ := ss.Pty()
	environ := append(ss.Environ(), "TERM="+pty.Term)
	info := SessionInfo{
		Campaign: s.cfg.Campaign,
		Station:  ss.station,
		Lang:     ss.station.Lang,
		Theme:    ss.station.Theme,
		Layout:   ss.station.Layout,
		Environ:  environ,
		Width:    pty.Window.Width,
		Height:   pty.Window.Height,
		FetchDay: s.cfg.FetchDay,
	}
	if ack, by, district := s.cfg.Ack, ss.station.AckBy(), ss.station.District; ack != nil {
		info.Ack = func(ctx context.Context, ids []string, at time.Time) error { return ack(ctx, district, ids, by, at) }
	}
	if reply, by, district := s.cfg.Reply, ss.station.AckBy(), ss.station.District; reply != nil && district != "" {
		info.Reply = func(ctx context.Context, id string, report bool, text string, at time.Time) error {
			return reply(ctx, district, by, id, report, text, at)
		}
	}
	if info.Lang == "" {
		info.Lang = tui.DefaultLang(info.Getenv, s.cfg.Campaign.Campaign.Lang)
	}
	if info.Theme == "" && info.Getenv("NO_COLOR") != "" {
		info.Theme = "mono"
	}
	model := s.cfg.Board.Model(info)
	opts := append(bubbletea.MakeOptions(ss),
		tea.WithContext(ss.ctx),
		tea.WithFPS(s.cfg.FPS),
		tea.WithoutSignalHandler(),
	)
	p := tea.NewProgram(model, opts...)
	ss.program.Store(p)

	mb := s.feed.subscribe()
	go func() {
		defer s.feed.unsubscribe(mb)
		s.pump(ss, mb, p)
	}()
	if s.cfg.IdleTimeout > 0 && !ss.station.NoIdleTimeout {
		go s.watchIdle(ss, p)
	}
	return p
}

// pump delivers the newest state to one session, at most once per
// UpdateInterval. It is the only goroutine that waits on this session's
// program, so a slow station delays nobody else.
func (s *Server) pump(ss *stationSession, mb *mailbox, p *tea.Program) {
	var tick <-chan time.Time
	for {
		select {
		case <-ss.ctx.Done():
			return
		case <-mb.ready:
		}
		u := mb.take()
		if u.connChanged {
			p.Send(s.cfg.Board.ConnMsg(u.conn))
		}
		if u.state != nil {
			p.Send(s.cfg.Board.StateMsg(u.state, u.events))
		}
		t := time.NewTimer(s.cfg.UpdateInterval)
		tick = t.C
		select {
		case <-ss.ctx.Done():
			t.Stop()
			return
		case <-tick:
		}
	}
}

// watchIdle ends the session once the station has not typed for the idle
// timeout. The ssh server's own idle timeout cannot do this: it counts the
// board's output as activity, so a board that updates would never idle.
func (s *Server) watchIdle(ss *stationSession, p *tea.Program) {
	limit := s.cfg.IdleTimeout
	t := time.NewTimer(limit)
	defer t.Stop()
	for {
		select {
		case <-ss.ctx.Done():
			return
		case now := <-t.C:
			idle := ss.idleFor(now)
			if idle >= limit {
				ss.setReason(fmt.Sprintf("idle for %s without input (the idle timeout is %s)", idle.Round(time.Second), limit))
				p.Quit()
				return
			}
			t.Reset(limit - idle)
		}
	}
}
