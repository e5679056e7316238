package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"sitboard/feed"
	"sitboard/feed/hub"
)

func init() {
	register("hub", "run the feed hub: ingest, durable log, websocket stream", cmdHub)
}

func cmdHub(args []string) int {
	fs := newFlagSet("hub", "Usage: sitboard hub --listen ADDR [--data DIR] [--nats URL] [--campaign FILE] [--ingest-token T] [--read-token T]\n\nRuns the feed hub. See docs/operations.md.")
	listen := fs.String("listen", "127.0.0.1:8470", "address to serve HTTP and the websocket on")
	data := fs.String("data", "", "directory for the JetStream file store (empty: memory only, lost on exit)")
	natsURL := fs.String("nats", "", "external NATS server or cluster URL instead of the embedded one")
	var natsSec hub.NatsSecurity
	fs.StringVar(&natsSec.Creds, "nats-creds", "", "with --nats: credentials file (user JWT and seed) for a server in operator mode")
	fs.StringVar(&natsSec.Nkey, "nats-nkey", "", "with --nats: file with the hub's user nkey seed (SU...) for a server that lists users by nkey")
	fs.StringVar(&natsSec.CA, "nats-ca", "", "with --nats: PEM file of the CA that signed the NATS servers' certificates; connects with TLS")
	fs.StringVar(&natsSec.Cert, "nats-cert", "", "with --nats: client certificate (PEM) for servers that verify clients")
	fs.StringVar(&natsSec.Key, "nats-key", "", "with --nats: the client certificate's private key (PEM)")
	replicas := fs.Int("replicas", 1, "stream replicas on an external cluster (1, 3 or 5)")
	campaignFile := fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	ingestToken := fs.Secret("ingest-token", "SITBOARD_INGEST_TOKEN", "bearer token for POST /v1/events")
	readToken := fs.Secret("read-token", "SITBOARD_READ_TOKEN", "bearer token for the stream, snapshot, reports and acknowledgements; must differ from the ingest token")
	tlsCert := fs.String("tls-cert", "", "TLS certificate (PEM) to serve https and wss")
	tlsKey := fs.String("tls-key", "", "TLS private key (PEM)")
	sync := fs.String("sync", hub.DefaultSync, `fsync policy: "always" (before each acknowledgement; no acknowledged event is lost) or an interval such as "2m" (faster, may lose the last interval on power loss)`)
	maxAge := fs.Duration("max-age", hub.DefaultMaxAge, "retention: drop events older than this")
	maxBytes := fs.Size("max-bytes", 0, "retention: cap the log at this size, such as 64G (0: 16G on disk, cut to what the disk holds, or 512M in memory); an explicit value must fit on the disk")
	dupWindow := fs.Duration("dup-window", hub.DefaultDuplicateWindow, "idempotency window: a resent event id within it is dropped")
	stallAfter := fs.Duration("stall-after", hub.DefaultStallAfter, "how long the fold may lag the log's head before /healthz answers 503 \"degraded\" and a WARN is logged")
	maxConns := fs.Int("max-connections", 0, "most open HTTP and websocket connections (0: 4096, fewer if the descriptor limit is lower); past it a plain 503, with a few kept for /healthz and /metrics")
	maxConnsPerIP := fs.Int("max-connections-per-ip", hub.DefaultMaxConnectionsPerIP, "most open connections from one client address (an IPv4 address, an IPv6 /64; loopback is not counted); past it a 429. 0: no cap (behind a proxy on another host, where every client has its address)")
	maxStreamsPerIP := fs.Int("max-streams-per-ip", hub.DefaultMaxStreamsPerIP, "most open websocket streams (boards, recorders, SSH servers) from one client address; past it the upgrade is answered 429. 0: no cap")
	compress := fs.Bool("compress", false, "offer websocket compression (about 2x CPU, 1/3 the bytes: for slow links)")
	publicRead := fs.Bool("public-read", false, "serve the stream, snapshot and reports without a read token, to anyone who reaches the hub (such a hub takes no acknowledgements)")
	var origins listFlag
	fs.Var(&origins, "allow-origin", "a browser origin (https://host[:port]) allowed to open the stream; repeat or comma-separate; clients without an Origin header are always allowed")
	fs.Var(&origins, "allowed-origins", "same as --allow-origin (older name)")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "hub: unexpected argument %q: every option is a flag (see 'sitboard hub --help')\n", fs.Arg(0))
		return 2
	}
	if *maxConnsPerIP < 0 || *maxStreamsPerIP < 0 {
		fmt.Fprintln(os.Stderr, "hub: --max-connections-per-ip and --max-streams-per-ip must be >= 0 (0: no cap)")
		return 2
	}
	if *natsURL != "" {
		// The NATS servers keep the log: a --data or --sync here would be
		// ignored while the hub's log line claims them.
		for _, f := range []struct{ flag, where string }{{"data", "store_dir"}, {"sync", "sync_interval"}} {
			if flagGiven(fs, f.flag) {
				fmt.Fprintf(os.Stderr, "hub: --%s does not go with --nats: the NATS servers keep the log, so set their jetstream %s instead (docs/operations.md, \"Three hubs on a 3-node NATS cluster\") and drop --%s\n", f.flag, f.where, f.flag)
				return 2
			}
		}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintln(os.Stderr, "hub: give both --tls-cert and --tls-key, or neither")
		return 2
	}
	// Check the TLS files before anything starts or is created: a typo in
	// a path must not leave a data dir behind or log "hub ready" first.
	if *tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey); err != nil {
			fmt.Fprintf(os.Stderr, "hub: cannot use --tls-cert %s and --tls-key %s: %v (give a PEM certificate and its private key that this user can read, or leave both flags out to serve plain http)\n", *tlsCert, *tlsKey, err)
			return 2
		}
	}
	cfg, err := loadCampaign(*campaignFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		return 2
	}
	ingest, err := ingestToken.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		return 2
	}
	if ingest == "" {
		fmt.Fprintln(os.Stderr, "hub: no ingest token: pass --ingest-token-file FILE (or --ingest-token, or set SITBOARD_INGEST_TOKEN or SITBOARD_INGEST_TOKEN_FILE)")
		return 2
	}
	read, err := readToken.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		return 2
	}
	opts := hub.Options{
		Campaign: cfg, DataDir: *data, NatsURL: *natsURL, NatsSecurity: natsSec, Replicas: *replicas,
		IngestToken: ingest, ReadToken: read, PublicRead: *publicRead, Sync: *sync,
		MaxAge: *maxAge, MaxBytes: *maxBytes, DuplicateWindow: *dupWindow,
		EnableCompression: *compress, AllowedOrigins: origins, StallAfter: *stallAfter,
		MaxConnections: *maxConns, MaxConnectionsPerIP: noCapIfZero(*maxConnsPerIP), MaxStreamsPerIP: noCapIfZero(*maxStreamsPerIP),
	}
	if err := hub.CheckAccess(&opts); err != nil {
		fmt.Fprintln(os.Stderr, "hub:", strings.TrimPrefix(err.Error(), "hub: "))
		return 2
	}
	// Take the address first, so a busy port fails before the log starts.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hub: cannot listen on %s: %v (pick a free --listen address)\n", *listen, err)
		return 1
	}
	// Tokens are never logged on purpose; the redactor also catches them
	// (and a NATS URL's password) inside errors that quote a URL.
	logger := slog.New(feed.RedactHandler(slog.NewTextHandler(os.Stderr, nil), ingest, read))
	opts.Logger = logger
	h, err := hub.New(opts)
	if err != nil {
		ln.Close()
		fmt.Fprintln(os.Stderr, "hub:", feed.Redact(strings.TrimPrefix(err.Error(), "hub: "), ingest, read))
		return 1
	}
	srv := hub.NewServer(h) // timeouts and the connection limit: docs/operations.md "HTTP limits"
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	if exposedPlainHTTP(ln.Addr(), *tlsCert != "") {
		logger.Warn("serving plain HTTP beyond this machine: tokens and events cross the network in clear; pass --tls-cert and --tls-key, put a TLS proxy in front, or listen on 127.0.0.1 (docs/security.md)", "listen", ln.Addr().String())
	}
	if *publicRead {
		logger.Warn("--public-read: anyone who reaches the hub can read the feed, snapshot and reports")
	}
	logger.Info("hub listening", "url", scheme+"://"+ln.Addr().String(), "stream", "/v1/stream", "data", *data)
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		logger.Info("draining", "signal", s.String())
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "hub:", feed.RedactError(err, ingest, read))
			h.Close()
			return 1
		}
	}
	// Close the hub first so websocket clients get the shutdown code and
	// in-flight ingests finish, then stop accepting HTTP.
	closeErr := h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if closeErr != nil {
		fmt.Fprintln(os.Stderr, "hub:", feed.RedactError(closeErr, ingest, read))
		return 1
	}
	return 0
}

// noCapIfZero turns a flag's 0 ("no cap") into the options' negative (0
// there takes the default).
func noCapIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
