package sshd

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"sitboard/internal/peer"
)

// Connection limits. A connection goes through three stages, each bounded:
//
//   - before authentication it holds one of MaxStartups places for at most
//     HandshakeTimeout; past MaxStartups a new connection is told so and
//     closed at once (OpenSSH's MaxStartups and LoginGraceTime);
//   - once authenticated it holds a slot of MaxSessions and of its key's
//     MaxSessionsPerKey, with or without a board session, and is closed if
//     it has no session for NoSessionTimeout (an "ssh -N" would otherwise
//     hold its slot for ever);
//   - its key is re-checked every KeyCheckInterval, and removing the key
//     from authorized_keys ends its sessions and closes it;
//   - it is asked for a reply every ClientAliveInterval, and closed when a
//     request goes unanswered for clientAliveCountMax intervals (OpenSSH's
//     ClientAliveInterval): a station whose link died must not keep its
//     slots until TCP gives up, which can take a quarter of an hour.
//
// A connection's slot covers its first board session; each further session
// on the same connection takes one more.

// The default terminal size cap. A 4K wall screen with a small font is
// about 480x135; a board at 400x150 is 60,000 cells, where the 65535x65535
// a client may ask for is four billion.
const (
	DefaultMaxWidth  = 400
	DefaultMaxHeight = 150
)

// DefaultMaxStartupsPerIP is how many connections one address may have
// logging in at once. A station logs in once, a wall screen reconnecting
// after an outage a few times; 10 of MaxStartups' 50 leaves room for four
// other hosts even while one floods. (OpenSSH's PerSourceMaxStartups,
// which is off by default there.)
const DefaultMaxStartupsPerIP = 10

// ctxKeyStationConn finds a session's connection in the ssh context, which
// every session of a connection shares.
var ctxKeyStationConn = &struct{ name string }{"sitboard-station-conn"}

// revokeGrace is how long a revoked connection's boards have to show the
// station why before the connection is cut.
const revokeGrace = 2 * time.Second

// overLimitGrace bounds a connection that authenticated when no slot was
// free: long enough to open a session and read why it is refused.
const overLimitGrace = 5 * time.Second

// clientAliveCountMax is how many keepalive intervals a request may go
// unanswered before the connection is taken for dead (as OpenSSH's
// ClientAliveCountMax, default 3).
const clientAliveCountMax = 3

// stationConn is one TCP connection, from accept to close.
type stationConn struct {
	raw    net.Conn // closing it ends the connection
	remote string
	opened time.Time

	releaseStartup sync.Once // gives back the pre-auth place
	releaseIP      func()    // gives back its address's pre-auth place

	// Guarded by Server.mu.
	authenticated bool
	station       Station
	holdsSlot     bool
	overLimit     string // the refusal a session gets when no slot was free
	sessions      map[*stationSession]struct{}
	revoked       bool
	closed        bool
	noSession     *time.Timer
	closeReason   string
}

// usage is how many slots the connection holds.
func (c *stationConn) usage() int {
	if !c.holdsSlot {
		return 0
	}
	return max(1, len(c.sessions))
}

// onConnect is the ConnCallback: it admits a connection to the handshake
// or, past MaxStartups, tells it so and closes it without a handshake.
func (s *Server) onConnect(ctx ssh.Context, raw net.Conn) net.Conn {
	if n := s.startups.Add(1); n > int64(s.cfg.MaxStartups) {
		s.startups.Add(-1)
		s.refusedStartups.Add(1)
		if s.startupRefusalLog.due(time.Now()) {
			s.log.Warn("connection refused: too many connections are logging in at once",
				"remote", raw.RemoteAddr().String(), "max_startups", s.cfg.MaxStartups, "refused_so_far", s.refusedStartups.Load())
		}
		// RFC 4253 lets a server send lines before its version; clients
		// show or log them. The write cannot block: it fits the socket
		// buffer, and the deadline covers a peer that never reads.
		_ = raw.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = raw.Write([]byte("sitboard: too many connections are logging in at once; try again in a few seconds\r\n"))
		return nil // the ssh server closes it
	}
	remote := raw.RemoteAddr().String()
	releaseIP, ok := s.startupsPerIP.Take(remote)
	if !ok {
		s.startups.Add(-1)
		s.refusePerIP(raw, remote)
		return nil
	}
	c := &stationConn{raw: raw, remote: remote, opened: time.Now(), sessions: map[*stationSession]struct{}{}, releaseIP: releaseIP}
	ctx.SetValue(ctxKeyStationConn, c)
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	// The context ends when the connection closes, however it closes.
	go func() {
		<-ctx.Done()
		s.onDisconnect(c)
	}()
	return raw
}

// refusePerIP tells a connection whose address already has
// MaxStartupsPerIP connections logging in why it is closed, before any
// handshake, and logs it at most once per 10 s with the count held back.
func (s *Server) refusePerIP(raw net.Conn, remote string) {
	total := s.refusedPerIP.Add(1)
	if s.perIPRefusalLog.due(time.Now()) {
		s.log.Warn("connection refused: too many connections from one address are logging in at once",
			"remote", remote, "address_block", peer.Describe(remote), "max_startups_per_ip", s.cfg.MaxStartupsPerIP,
			"refused_since_last_line", s.perIPRefusalSkipped.Swap(0), "refused_so_far", total)
	} else {
		s.perIPRefusalSkipped.Add(1)
	}
	_ = raw.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(raw, "sitboard: too many connections from your address are logging in at once (the limit is %d); let them finish or close them, then try again in a few seconds\r\n", s.cfg.MaxStartupsPerIP)
}

// RefusedPerIP is how many connections were refused past
// MaxStartupsPerIP.
func (s *Server) RefusedPerIP() int64 { return s.refusedPerIP.Load() }

func (c *stationConn) leaveStartup(s *Server) {
	c.releaseStartup.Do(func() {
		s.startups.Add(-1)
		c.releaseIP()
	})
}

// serverConfig adds to each connection's ssh configuration the hook that
// marks the end of authentication.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if err == nil {
				s.onAuthenticated(ctx)
			}
		},
	}
}

// onAuthenticated runs when a connection has proved it holds a listed key.
// The library calls the public-key callback last with the key that signed
// (it caches a single key), so the fingerprint it recorded is that key's;
// sessions re-check it against the key the connection reports.
func (s *Server) onAuthenticated(ctx ssh.Context) {
	c, _ := ctx.Value(ctxKeyStationConn).(*stationConn)
	if c == nil {
		return
	}
	c.leaveStartup(s)
	fp := ctx.Permissions().Extensions[permFingerprint]
	st, ok := s.keys.byFingerprint(fp)
	if !ok {
		st = Station{Fingerprint: fp}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.authenticated, c.station = true, st
	log := s.log.With("fingerprint", st.Fingerprint, "station", st.Name(), "remote", c.remote)
	if refusal := s.takeSlotLocked(st.Fingerprint); refusal != "" {
		c.overLimit = refusal
		log.Warn("connection authenticated over the limit: its sessions will be refused",
			"max_sessions", s.cfg.MaxSessions, "max_sessions_per_key", s.cfg.MaxSessionsPerKey)
		s.armNoSessionLocked(c, min(s.cfg.NoSessionTimeout, overLimitGrace))
		return
	}
	c.holdsSlot = true
	log.Info("connection authenticated", "slots_in_use", s.slots, "key_slots_in_use", s.keySlots[st.Fingerprint])
	s.armNoSessionLocked(c, s.cfg.NoSessionTimeout)
	go s.keepAlive(ctx, c)
}

// keepAlive closes the connection once a keepalive request has gone
// unanswered for clientAliveCountMax intervals. Any reply counts, the
// "unknown request" failure that OpenSSH clients send included.
func (s *Server) keepAlive(ctx ssh.Context, c *stationConn) {
	every := s.cfg.ClientAliveInterval
	t := time.NewTicker(every)
	defer t.Stop()
	replied := make(chan struct{}, 1)
	var sentAt time.Time // of the unanswered request, or zero
	for {
		select {
		case <-ctx.Done():
			return
		case <-replied:
			sentAt = time.Time{}
			continue
		case now := <-t.C:
			if !sentAt.IsZero() {
				if now.Sub(sentAt) >= clientAliveCountMax*every {
					s.closeConn(c, fmt.Sprintf("no answer to keepalives for %s: the station's link is down", now.Sub(sentAt).Round(time.Second)))
					return
				}
				continue
			}
		}
		// The library stores the connection just after authentication.
		conn, _ := ctx.Value(ssh.ContextKeyConn).(gossh.Conn)
		if conn == nil {
			continue
		}
		sentAt = time.Now()
		go func() {
			if _, _, err := conn.SendRequest("keepalive@openssh.com", true, nil); err == nil {
				s.keepalivesAnswered.Add(1)
				select {
				case replied <- struct{}{}:
				default:
				}
			}
		}()
	}
}

// takeSlotLocked takes one slot for a key, or says why it cannot.
func (s *Server) takeSlotLocked(fp string) string {
	if s.slots >= s.cfg.MaxSessions {
		return fmt.Sprintf("sitboard: sorry, all %d board sessions of this server are in use (the limit is %d). Please try again in a few minutes, or ask the command centre to raise --max-sessions.", s.cfg.MaxSessions, s.cfg.MaxSessions)
	}
	if s.keySlots[fp] >= s.cfg.MaxSessionsPerKey {
		return fmt.Sprintf("sitboard: this station's key already has %d connections or board sessions open (the limit per key is %d). Close one of them, or ask the command centre to raise --max-sessions-per-key.", s.keySlots[fp], s.cfg.MaxSessionsPerKey)
	}
	s.slots++
	s.keySlots[fp]++
	return ""
}

func (s *Server) giveSlotLocked(fp string) {
	s.slots--
	if s.keySlots[fp]--; s.keySlots[fp] <= 0 {
		delete(s.keySlots, fp)
	}
}

// armNoSessionLocked closes the connection if it still has no session
// after d.
func (s *Server) armNoSessionLocked(c *stationConn, d time.Duration) {
	if c.noSession != nil {
		c.noSession.Stop()
	}
	c.noSession = time.AfterFunc(d, func() {
		s.mu.Lock()
		idle := len(c.sessions) == 0 && !c.closed
		s.mu.Unlock()
		if idle {
			s.closeConn(c, fmt.Sprintf("no board session within %s", d))
		}
	})
}

// beginSession counts a board session on its connection, or returns the
// refusal to show the station.
func (s *Server) beginSession(c *stationConn, ss *stationSession) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case c.revoked || c.closed:
		return "sitboard: this station's key is no longer authorized. Ask the command centre."
	case !c.holdsSlot:
		// A slot may have freed since authentication.
		if refusal := s.takeSlotLocked(c.station.Fingerprint); refusal != "" {
			return refusal
		}
		c.holdsSlot, c.overLimit = true, ""
	case len(c.sessions) > 0:
		if refusal := s.takeSlotLocked(c.station.Fingerprint); refusal != "" {
			return refusal
		}
	}
	c.sessions[ss] = struct{}{}
	if c.noSession != nil {
		c.noSession.Stop()
	}
	return ""
}

// endSession gives back what beginSession took; a connection left without
// a session starts its no-session clock again.
func (s *Server) endSession(c *stationConn, ss *stationSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := c.sessions[ss]; !ok {
		return
	}
	delete(c.sessions, ss)
	if len(c.sessions) > 0 {
		// A connection that has closed gave back all its slots already.
		if c.holdsSlot {
			s.giveSlotLocked(c.station.Fingerprint)
		}
		return
	}
	if !c.closed && !c.revoked {
		s.armNoSessionLocked(c, s.cfg.NoSessionTimeout)
	}
}

// closeConn cuts a connection and records why.
func (s *Server) closeConn(c *stationConn, reason string) {
	s.mu.Lock()
	if c.closeReason == "" {
		c.closeReason = reason
	}
	s.mu.Unlock()
	_ = c.raw.Close()
}

// onDisconnect gives back everything the connection held and logs an
// authenticated connection's end.
func (s *Server) onDisconnect(c *stationConn) {
	c.leaveStartup(s)
	s.mu.Lock()
	if c.closed {
		s.mu.Unlock()
		return
	}
	c.closed = true
	delete(s.conns, c)
	for range c.usage() {
		s.giveSlotLocked(c.station.Fingerprint)
	}
	c.holdsSlot = false
	if c.noSession != nil {
		c.noSession.Stop()
	}
	reason := c.closeReason
	authenticated := c.authenticated
	s.mu.Unlock()
	if !authenticated {
		return
	}
	log := s.log.With("fingerprint", c.station.Fingerprint, "station", c.station.Name(), "remote", c.remote,
		"duration", time.Since(c.opened).Round(time.Millisecond))
	if reason == "" {
		log.Info("connection closed", "reason", "closed by the station")
		return
	}
	log.Warn("connection closed by the server", "reason", reason)
}

// watchKeys re-reads the key file every KeyCheckInterval and cuts the
// connections of keys it no longer lists.
func (s *Server) watchKeys(ctx context.Context) {
	t := time.NewTicker(s.cfg.KeyCheckInterval)
	defer t.Stop()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stations, err := s.keys.current()
		if err != nil {
			// New connections are refused (authorize fails closed); open
			// ones keep running: a file that cannot be read says nothing
			// about which key to revoke. Logged once per new problem.
			if err.Error() != lastErr {
				s.log.Error("cannot read authorized keys: refusing new connections, keeping open ones", "err", err)
				lastErr = err.Error()
			}
			continue
		}
		lastErr = ""
		s.revokeUnlisted(byFingerprint(stations))
	}
}

func byFingerprint(stations map[string]Station) map[string]Station {
	listed := make(map[string]Station, len(stations))
	for _, st := range stations {
		listed[st.Fingerprint] = st
	}
	return listed
}

// ReloadKeys re-reads the authorized keys at once, whether or not the file
// looks changed (sitboard ssh does on SIGHUP), and closes the connections
// of keys it no longer lists. A file that cannot be read or trusted is
// handled as by the periodic check: logged, and it never adds a key.
func (s *Server) ReloadKeys() error {
	s.keys.forget()
	stations, err := s.keys.current()
	if err != nil {
		s.log.Error("cannot reload authorized keys: refusing new connections, keeping open ones", "err", err)
		return err
	}
	s.revokeUnlisted(byFingerprint(stations))
	return nil
}

// Why a connection is revoked, as its board and the log say.
const (
	whyKeyRemoved  = "this station's key was removed from the authorized keys"
	whyAddressGone = "this station's key may no longer be used from this address (its from= option changed)"
)

// revokeUnlisted ends the sessions and connections of keys not listed, and
// of keys whose from= option no longer allows the connection's address.
func (s *Server) revokeUnlisted(listed map[string]Station) {
	type revocation struct {
		c   *stationConn
		why string
	}
	s.mu.Lock()
	var revoked []revocation
	for c := range s.conns {
		if !c.authenticated || c.revoked || c.closed {
			continue
		}
		st, ok := listed[c.station.Fingerprint]
		why := whyKeyRemoved
		if ok {
			if st.From.allows(c.raw.RemoteAddr()) {
				continue
			}
			why = whyAddressGone
		}
		c.revoked = true
		revoked = append(revoked, revocation{c, why})
	}
	type board struct {
		ss  *stationSession
		why string
	}
	var boards []board
	for _, r := range revoked {
		for ss := range r.c.sessions {
			boards = append(boards, board{ss, r.why})
		}
	}
	s.mu.Unlock()
	for _, b := range boards {
		b.ss.setReason(b.why)
		if p := b.ss.program.Load(); p != nil {
			go p.Quit()
		}
	}
	for _, r := range revoked {
		c, why := r.c, r.why
		s.log.Warn("key revoked: closing its connection", "fingerprint", c.station.Fingerprint, "station", c.station.Name(), "remote", c.remote, "why", why)
		s.mu.Lock()
		busy := len(c.sessions) > 0
		s.mu.Unlock()
		if !busy {
			s.closeConn(c, why)
			continue
		}
		time.AfterFunc(revokeGrace, func() { s.closeConn(c, why) })
	}
}

// closeAllConns cuts every connection, authenticated or not: the ssh
// library's Close only reaches connections past their handshake.
func (s *Server) closeAllConns(reason string) {
	s.mu.Lock()
	conns := make([]*stationConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.closeConn(c, reason)
	}
}

// Connections is the number of open connections, authenticated or not.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Startups is the number of connections still in their handshake.
func (s *Server) Startups() int { return int(s.startups.Load()) }

// logGate lets a repeated warning through at most once per interval, so a
// flood of refused connections cannot flood the log.
type logGate struct {
	every time.Duration
	mu    sync.Mutex
	last  time.Time
}

func (g *logGate) due(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.last) < g.every {
		return false
	}
	g.last = now
	return true
}
