package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/sshd"
)

// sshSettings are sitboard ssh's flags (or its --config file's keys).
type sshSettings struct {
	listen, hub, authKeys, hostKey, maxTerminal, campaign, ca *string
	token                                                     *secretFlag
	maxSessions, maxPerKey, maxStartups, maxStartupsPerIP     *int
	proxies                                                   listFlag
	handshake, noSession, alive, idle, refresh                *time.Duration
	log                                                       *logFlags
	verbose                                                   *bool
}

// sshPlan is what the settings resolve to once every file is read: what
// --check reports and what runSSH serves.
type sshPlan struct {
	config sshd.Config
	token  string
	logger *slog.Logger
	// secrets are what the log hides; a reloaded token joins them.
	secrets *feed.SecretSet
	tls     *tls.Config // --ca's trust, nil for the system's
	// ca is --ca, read again on SIGHUP: the hub connection trusts the CA
	// in force from its next reconnect.
	ca *feed.ReloadableCA
}

// plan checks the settings and reads what they name, starting nothing.
// Its error is the line to print; every such error is exit status 2.
func (s *sshSettings) plan() (*sshPlan, error) {
	var missing []string
	for _, f := range []struct{ name, val string }{{"--hub", *s.hub}, {"--authorized-keys", *s.authKeys}, {"--host-key", *s.hostKey}} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%v required; see 'sitboard ssh --help'", missing)
	}
	switch {
	case *s.idle < 0 || *s.maxSessions < 1 || *s.refresh < 100*time.Millisecond:
		return nil, fmt.Errorf("--idle-timeout must be >= 0, --max-sessions >= 1 and --refresh >= 100ms")
	case *s.maxStartupsPerIP < 0:
		return nil, fmt.Errorf("--max-startups-per-ip must be >= 0 (0: no cap)")
	case *s.maxPerKey < 1 || *s.maxStartups < 1 || *s.handshake < time.Second || *s.noSession < time.Second || *s.alive < time.Second:
		return nil, fmt.Errorf("--max-sessions-per-key and --max-startups must be >= 1, --handshake-timeout, --no-session-timeout and --client-alive-interval >= 1s")
	}
	maxW, maxH, err := parseTerminalSize(*s.maxTerminal)
	if err != nil {
		return nil, fmt.Errorf("--max-terminal: %w", err)
	}
	cfg, err := loadCampaign(*s.campaign)
	if err != nil {
		return nil, err
	}
	var ca *feed.ReloadableCA
	if *s.ca != "" {
		if ca, err = feed.LoadReloadableCA(*s.ca); err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
	}
	token, err := s.token.Get()
	if err != nil {
		return nil, err
	}
	if *s.verbose {
		*s.log.level = "debug"
	}
	p := &sshPlan{token: token, secrets: &feed.SecretSet{}}
	p.secrets.Add(token)
	// Every line goes through the redactor: the hub address may carry
	// ?token=, and the feed client's errors quote the address it dialled.
	if p.logger, err = s.log.Logger(os.Stderr, p.secrets); err != nil {
		return nil, err
	}
	stream, err := client.StreamURL(*s.hub)
	if err != nil {
		return nil, feed.RedactError(err, token)
	}
	streamURL, err := url.Parse(stream)
	if err != nil {
		return nil, feed.RedactError(err, token)
	}
	p.config = sshd.Config{
		HostKeyPath:         *s.hostKey,
		AuthorizedKeysPath:  *s.authKeys,
		Campaign:            cfg,
		MaxSessions:         *s.maxSessions,
		MaxSessionsPerKey:   *s.maxPerKey,
		MaxStartups:         *s.maxStartups,
		MaxStartupsPerIP:    noCapIfZero(*s.maxStartupsPerIP),
		ProxyProtocolFrom:   s.proxies,
		HandshakeTimeout:    *s.handshake,
		NoSessionTimeout:    *s.noSession,
		ClientAliveInterval: *s.alive,
		MaxWidth:            maxW,
		MaxHeight:           maxH,
		IdleTimeout:         *s.idle,
		UpdateInterval:      *s.refresh,
		Logger:              p.logger,
	}
	if ca != nil {
		p.ca, p.tls = ca, ca.ClientTLS(streamURL.Hostname())
	}
	return p, nil
}

// runSSH serves the board over SSH until SIGINT or SIGTERM; SIGHUP
// re-reads the authorized keys, the token file and the CA (--ca). With check it only
// reports whether the settings would start.
func runSSH(s *sshSettings, check bool) int {
	p, err := s.plan()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", err)
		return 2
	}
	if check {
		c, err := sshd.Check(p.config)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ssh:", err)
			return 2
		}
		hostKey := "generated on first start at " + *s.hostKey
		if c.HostKeyFingerprint != "" {
			hostKey = c.HostKeyFingerprint
		}
		fmt.Printf("ssh: settings OK: would listen on %s for %d station keys, host key %s, board from %s\n",
			*s.listen, c.Stations, hostKey, feed.Redact(*s.hub, p.token))
		return 0
	}
	// The token in force; SIGHUP replaces it from the token file, and the
	// hub connection, review and acknowledgements use the new one from
	// their next request.
	var token atomic.Pointer[string]
	token.Store(&p.token)
	hubOpts := client.Options{URL: *s.hub, TLS: p.tls, TokenFunc: func() string { return *token.Load() }}
	// One fetcher of past days for every session: review (复盘) by many
	// stations costs one request and one state per day.
	days, err := client.NewDays(hubOpts, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, p.token))
		return 2
	}
	// One sender of acknowledgements for every session, each sent as its
	// station's name= (else its key's fingerprint).
	acker, err := client.NewAcker(hubOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, p.token))
		return 2
	}
	cfg := p.config
	feedOpts := hubOpts
	feedOpts.Campaign, feedOpts.Logger = cfg.Campaign, p.logger.With("component", "feed")
	cfg.Source = sshd.HubSource(feedOpts)
	cfg.FetchDay = days.Fetch
	cfg.Ack = func(ctx context.Context, district string, ids []string, by string, at time.Time) error {
		_, err := acker.AckFor(ctx, district, ids, by, at)
		return err
	}
	// One sender of sign-offs and reports for every session, each for its
	// key's district: the hub holds the server's (stations) token to it.
	office, err := client.NewOffice(hubOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, p.token))
		return 2
	}
	cfg.Reply = func(ctx context.Context, district, by, id string, report bool, text string, at time.Time) error {
		return sendReply(ctx, office, district, by, id, report, text, at)
	}
	logger := p.logger
	routeLibraryLogs(logger)
	// From here on a failure is a log line like any other (in the log's
	// format, redacted), and the exit status 1.
	fail := func(msg string, err error) int {
		logger.Error(msg, "err", err)
		return 1
	}
	srv, err := sshd.New(cfg)
	if err != nil {
		return fail("the SSH server cannot start", err)
	}
	ln, err := net.Listen("tcp", *s.listen)
	if err != nil {
		return fail("cannot listen on "+*s.listen+" (is another server using the port?)", err)
	}
	logger.Info("serving the board over SSH", "listen", ln.Addr().String(), "hub", feed.RedactURL(*s.hub),
		"host_key", srv.HostKeyFingerprint, "max_sessions", *s.maxSessions, "max_sessions_per_key", *s.maxPerKey,
		"max_startups", *s.maxStartups, "handshake_timeout", formatDuration(*s.handshake), "no_session_timeout", formatDuration(*s.noSession),
		"max_terminal", fmt.Sprintf("%dx%d", cfg.MaxWidth, cfg.MaxHeight), "idle_timeout", formatDuration(*s.idle))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			logger.Info("SIGHUP: reloading the authorized keys, the token file and the CA")
			srv.ReloadKeys()
			if p.ca != nil {
				if err := p.ca.Reload(); err != nil {
					logger.Error("cannot reload the CA (--ca); keeping the one in use", "err", err)
				} else {
					logger.Info("CA reloaded: the hub connection trusts it from its next reconnect", "file", p.ca.File())
				}
			}
			if file := s.token.File(); file != "" {
				t, err := readSecretFile(file, "token file")
				if err != nil {
					logger.Error("cannot reload the token; keeping the one in use", "err", err)
					continue
				}
				p.secrets.Add(t)
				token.Store(&t)
				logger.Info("token reloaded: the hub connection uses it from its next reconnect", "file", file)
			}
		}
	}()
	start := time.Now()
	if err := srv.Serve(ctx, ln); err != nil {
		return fail("serving SSH failed", err)
	}
	logger.Info("stopped", "uptime", time.Since(start).Round(time.Second))
	return 0
}
