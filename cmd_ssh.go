package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
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
	fs := flag.NewFlagSet("ssh", flag.ContinueOnError)
	listen := fs.String("listen", ":2222", "address to listen on for SSH")
	hubURL := fs.String("hub", "", "hub address (ws://HOST:PORT or http://HOST:PORT); one subscription serves every session")
	token := fs.String("token", "", "read token for the hub (or env SITBOARD_READ_TOKEN)")
	authKeys := fs.String("authorized-keys", "", "OpenSSH authorized_keys file listing the station keys; re-read when it changes")
	hostKey := fs.String("host-key", "", "host key file; an ed25519 key is generated there (mode 0600) on first start")
	maxSessions := fs.Int("max-sessions", 100, "most board sessions open at once; past it a new session is told the limit and closed")
	idle := fs.Duration("idle-timeout", 0, "close a session after this long without input (e.g. 30m); 0 never; keys with no-idle-timeout are exempt")
	refresh := fs.Duration("refresh", time.Second, "least time between two board updates for one session; raise it (e.g. 3s) for very slow links")
	campaignFile := fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	verbose := fs.Bool("v", false, "log debug detail (failed handshakes)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: sitboard ssh --listen ADDR --hub URL [--token T] --authorized-keys FILE --host-key FILE [--max-sessions N] [--idle-timeout D] [--campaign FILE]

Serves the board over SSH, one board per session, to the station keys in
--authorized-keys only. A key line's options set the station's defaults:

  district="xihua",lang="zh",layout="compact" ssh-ed25519 AAAA... xihua-duty-room
  district="chuanhui",no-idle-timeout ssh-ed25519 AAAA... chuanhui-wall

Stations connect with: ssh -p PORT HOST   (see docs/operations.md, "SSH stations")`)
		fs.PrintDefaults()
	}
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
	cfg, err := loadCampaign(*campaignFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", err)
		return 2
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	readToken := envOr(*token, "SITBOARD_READ_TOKEN")
	// Every line goes through the redactor: the hub address may carry
	// ?token=, and the feed client's errors quote the address it dialled.
	logger := slog.New(feed.RedactHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}), readToken))
	if _, err := client.StreamURL(*hubURL); err != nil {
		fmt.Fprintln(os.Stderr, "ssh:", feed.RedactError(err, readToken))
		return 2
	}
	srv, err := sshd.New(sshd.Config{
		HostKeyPath:        *hostKey,
		AuthorizedKeysPath: *authKeys,
		Campaign:           cfg,
		Source: sshd.HubSource(client.Options{
			URL:      *hubURL,
			Token:    readToken,
			Campaign: cfg,
			Logger:   logger.With("component", "feed"),
		}),
		MaxSessions:    *maxSessions,
		IdleTimeout:    *idle,
		UpdateInterval: *refresh,
		Logger:         logger,
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
		"host_key", srv.HostKeyFingerprint, "max_sessions", *maxSessions, "idle_timeout", idle.String())
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
