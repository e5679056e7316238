package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/sshd"
)

func init() {
	register("ssh", "serve the board over SSH to known station keys", cmdSSH)
}

func cmdSSH(args []string) int {
	fs := newFlagSet("ssh", `Usage: sitboard ssh --listen ADDR --hub URL [--token T] --authorized-keys FILE --host-key FILE [--max-sessions N] [--max-sessions-per-key N] [--max-startups N] [--max-startups-per-ip N] [--proxy-protocol-from CIDR] [--handshake-timeout D] [--no-session-timeout D] [--client-alive-interval D] [--max-terminal COLSxROWS] [--idle-timeout D] [--campaign FILE]

Serves the board over SSH, one board per session, to the station keys in
--authorized-keys only. A key line's options set the station's defaults:

  district="xihua",lang="zh",layout="compact" ssh-ed25519 AAAA... xihua-duty-room
  district="chuanhui",no-idle-timeout ssh-ed25519 AAAA... chuanhui-wall

The key file must be writable by its owner only (chmod 600), as with
OpenSSH's StrictModes; removing a key closes its open sessions within a
second or two. Every connection is bounded: --max-startups (and
--max-startups-per-ip from one address) while logging in,
--handshake-timeout to log in, --max-sessions and --max-sessions-per-key
once in (with or without a board), --no-session-timeout without a board,
--client-alive-interval for a dead link, and --max-terminal for the
board's size.

Stations connect with: ssh -p PORT HOST   (see docs/operations.md, "SSH stations")`)
	listen := fs.String("listen", ":2222", "address to listen on for SSH")
	hubURL := fs.String("hub", "", "hub address (ws://HOST:PORT or http://HOST:PORT); one subscription serves every session")
	token := fs.Secret("token", "SITBOARD_READ_TOKEN", "the hub's read token")
	authKeys := fs.String("authorized-keys", "", "OpenSSH authorized_keys file listing the station keys; re-read when it changes")
	hostKey := fs.String("host-key", "", "host key file; an ed25519 key is generated there (mode 0600) on first start")
	maxSessions := fs.Int("max-sessions", 100, "most slots in use at once: every logged-in connection holds one (with or without a board), each further board on one connection one more; past it a new session is told the limit and closed")
	maxPerKey := fs.Int("max-sessions-per-key", 10, "most slots one station key may hold, so one key cannot take them all")
	maxStartups := fs.Int("max-startups", 50, "most connections still logging in at once; past it a new connection is told so and closed at once")
	maxStartupsPerIP := fs.Int("max-startups-per-ip", sshd.DefaultMaxStartupsPerIP, "most connections from one client address (an IPv4 address, an IPv6 /64; loopback is not counted) logging in at once; past it a new one is told so and closed before the handshake. 0: no cap (behind a TCP proxy, where every station has its address)")
	var proxies listFlag
	fs.Var(&proxies, "proxy-protocol-from", "address or CIDR range of a TCP proxy in front (HAProxy send-proxy, nginx proxy_protocol); repeat or comma-separate. Every connection must then come from one with a PROXY protocol header, whose address is the station's (for --max-startups-per-ip and the logs); others are dropped")
	handshake := fs.Duration("handshake-timeout", 20*time.Second, "time a connection has to log in before it is closed")
	noSession := fs.Duration("no-session-timeout", 30*time.Second, "close a logged-in connection that has no board session for this long (such as 'ssh -N')")
	alive := fs.Duration("client-alive-interval", 15*time.Second, "ask each logged-in connection for a reply this often; one silent for three intervals is closed (a dead link)")
	maxTerminal := fs.String("max-terminal", fmt.Sprintf("%dx%d", sshd.DefaultMaxWidth, sshd.DefaultMaxHeight), "largest terminal (COLSxROWS) a board is drawn for; a bigger one gets a board of this size")
	idle := fs.Duration("idle-timeout", 0, "close a session after this long without input (e.g. 30m); 0 never; keys with no-idle-timeout are exempt")
	refresh := fs.Duration("refresh", time.Second, "least time between two board updates for one session; raise it (e.g. 3s) for very slow links")
	campaignFile := fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	caFile := caFlag(fs)
	verbose := fs.Bool("v", false, "log debug detail (failed handshakes)")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ssh: unexpected argument %q; see 'sitboard ssh --help'\n", fs.Arg(0))
		return 2
	}
	var missing []string
	for _, f := range []struct{ name, val string }{{"--hub", *hubURL}, {"--authorized-keys", *authKeys}, {"--host-key", *hostKey}} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "ssh: %v required; see 'sitboard ssh --help'\n", missing)
		return 2
	}
	if *idle < 0 || *maxSessions < 1 || *refresh < 100*time.Millisecond {
		fmt.Fprintln(os.Stderr, "ssh: --idle-timeout must be >= 0, --max-sessions >= 1 and --refresh >= 100ms")
		return 2
	}
	if *maxStartupsPerIP < 0 {
		fmt.Fprintln(os.Stderr, "ssh: --max-startups-per-ip must be >= 0 (0: no cap)")
		return 2
	}
	if *maxPerKey < 1 || *maxStartups < 1 || *handshake < time.Second || *noSession < time.Second || *alive < time.Second {
		fmt.Fprintln(os.Stderr, "ssh: --max-sessions-per-key and --max-startups must be >= 1, --handshake-timeout, --no-session-timeout and --client-alive-interval >= 1s")
		return 2
	}
	maxW, maxH, err := parseTerminalSize(*maxTerminal)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh: --max-terminal:", err)
		return 2
	}
	cfg, err := loadCampaign(*campaignFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", err)
		return 2
	}
	tlsCfg, err := hubTLS(*caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh: --ca:", err)
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	readToken, err := token.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", err)
		return 2
	}
	// Every line goes through the redactor: the hub address may carry
	// ?token=, and the feed client's errors quote the address it dialled.
	logger := slog.New(feed.RedactHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}), readToken))
	if _, err := client.StreamURL(*hubURL); err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, readToken))
		return 2
	}
	// One fetcher of past days for every session: review (复盘) by many
	// stations costs one request and one state per day.
	days, err := client.NewDays(client.Options{URL: *hubURL, Token: readToken, TLS: tlsCfg}, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, readToken))
		return 2
	}
	// One sender of acknowledgements for every session, each sent as its
	// station's name= (else its key's fingerprint).
	acker, err := client.NewAcker(client.Options{URL: *hubURL, Token: readToken, TLS: tlsCfg})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, readToken))
		return 2
	}
	srv, err := sshd.New(sshd.Config{
		FetchDay: days.Fetch,
		Ack: func(ctx context.Context, ids []string, by string, at time.Time) error {
			_, err := acker.Ack(ctx, ids, by, at)
			return err
		},
		HostKeyPath:        *hostKey,
		AuthorizedKeysPath: *authKeys,
		Campaign:           cfg,
		Source: sshd.HubSource(client.Options{
			URL:      *hubURL,
			Token:    readToken,
			TLS:      tlsCfg,
			Campaign: cfg,
			Logger:   logger.With("component", "feed"),
		}),
		MaxSessions:         *maxSessions,
		MaxSessionsPerKey:   *maxPerKey,
		MaxStartups:         *maxStartups,
		MaxStartupsPerIP:    noCapIfZero(*maxStartupsPerIP),
		ProxyProtocolFrom:   proxies,
		HandshakeTimeout:    *handshake,
		NoSessionTimeout:    *noSession,
		ClientAliveInterval: *alive,
		MaxWidth:            maxW,
		MaxHeight:           maxH,
		IdleTimeout:         *idle,
		UpdateInterval:      *refresh,
		Logger:              logger,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ssh: cannot listen on %s: %v (is another server using the port?)\n", *listen, err)
		return 1
	}
	logger.Info("serving the board over SSH", "listen", ln.Addr().String(), "hub", feed.RedactURL(*hubURL),
		"host_key", srv.HostKeyFingerprint, "max_sessions", *maxSessions, "max_sessions_per_key", *maxPerKey,
		"max_startups", *maxStartups, "handshake_timeout", handshake.String(), "no_session_timeout", noSession.String(),
		"max_terminal", fmt.Sprintf("%dx%d", maxW, maxH), "idle_timeout", idle.String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, readToken))
		return 1
	}
	logger.Info("stopped", "uptime", time.Since(start).Round(time.Second))
	return 0
}

// parseTerminalSize reads COLSxROWS, such as 400x150.
func parseTerminalSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w < 80 || h < 24 || w > 4096 || h > 4096 {
		return 0, 0, fmt.Errorf("%q: want COLSxROWS between 80x24 and 4096x4096, such as %dx%d", s, sshd.DefaultMaxWidth, sshd.DefaultMaxHeight)
	}
	return w, h, nil
}
