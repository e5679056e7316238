package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"sitboard/feed"
	"sitboard/feed/hub"
)

// hubSettings are sitboard hub's flags (or its --config file's keys).
type hubSettings struct {
	listen, data, nats, campaign, tlsCert, tlsKey, sync *string
	scopedTokens                                        *string
	natsSec                                             hub.NatsSecurity
	replicas, maxConns, maxConnsPerIP, maxStreamsPerIP  *int
	ingestToken, readToken                              *secretFlag
	maxAge, dupWindow, stallAfter, maxClockSkew, tick   *time.Duration
	maxBytes                                            *int64
	compress, publicRead                                *bool
	origins                                             listFlag
	log                                                 *logFlags
}

// hubPlan is what the settings resolve to once every file is read: what
// --check reports and what runHub serves.
type hubPlan struct {
	opts    hub.Options
	certs   *certReloader // nil without TLS
	logger  *slog.Logger
	secrets *feed.SecretSet
}

// plan checks the settings and reads every file they name, starting and
// creating nothing: a typo in a path must not leave a data directory
// behind or log "hub ready" first. Its error is the line to print; every
// such error is exit status 2.
func (s *hubSettings) plan(fs *flagSet) (*hubPlan, error) {
	if *s.maxConnsPerIP < 0 || *s.maxStreamsPerIP < 0 {
		return nil, errors.New("--max-connections-per-ip and --max-streams-per-ip must be >= 0 (0: no cap)")
	}
	if *s.nats != "" {
		// The NATS servers keep the log: a --data or --sync here would be
		// ignored while the hub's log line claims them.
		for _, f := range []struct{ flag, where string }{{"data", "store_dir"}, {"sync", "sync_interval"}} {
			if flagGiven(fs, f.flag) {
				return nil, fmt.Errorf("--%s does not go with --nats: the NATS servers keep the log, so set their jetstream %s instead (docs/operations.md, \"Three hubs on a 3-node NATS cluster\") and drop --%s", f.flag, f.where, f.flag)
			}
		}
	}
	if (*s.tlsCert == "") != (*s.tlsKey == "") {
		return nil, errors.New("give both --tls-cert and --tls-key, or neither")
	}
	p := &hubPlan{secrets: &feed.SecretSet{}}
	if *s.tlsCert != "" {
		var err error
		if p.certs, err = loadCertificate(*s.tlsCert, *s.tlsKey); err != nil {
			return nil, err
		}
	}
	cfg, err := loadCampaign(*s.campaign)
	if err != nil {
		return nil, err
	}
	ingest, err := s.ingestToken.Get()
	if err != nil {
		return nil, err
	}
	if ingest == "" {
		return nil, errors.New("no ingest token: pass --ingest-token-file FILE (or --ingest-token, or set SITBOARD_INGEST_TOKEN or SITBOARD_INGEST_TOKEN_FILE)")
	}
	read, err := s.readToken.Get()
	if err != nil {
		return nil, err
	}
	p.secrets.Add(ingest, read)
	var scoped *hub.ScopedTokens
	if *s.scopedTokens != "" {
		if scoped, err = readScopedTokens(*s.scopedTokens, cfg); err != nil {
			return nil, err
		}
		p.secrets.Add(scoped.Tokens()...)
	}
	// Tokens are never logged on purpose; the redactor also catches them
	// (and a NATS URL's password) inside errors that quote a URL.
	if p.logger, err = s.log.Logger(os.Stderr, p.secrets); err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(*s.listen); err != nil {
		return nil, fmt.Errorf("--listen %q: %v (give HOST:PORT, such as :8470 or 127.0.0.1:8470)", *s.listen, err)
	}
	if *s.data != "" {
		if err := checkWritableDir(*s.data); err != nil {
			return nil, err
		}
	}
	p.opts = hub.Options{
		Campaign: cfg, DataDir: *s.data, NatsURL: *s.nats, NatsSecurity: s.natsSec, Replicas: *s.replicas,
		IngestToken: ingest, ReadToken: read, ScopedTokens: scoped, PublicRead: *s.publicRead, Sync: *s.sync,
		MaxAge: *s.maxAge, MaxBytes: *s.maxBytes, DuplicateWindow: *s.dupWindow,
		EnableCompression: *s.compress, AllowedOrigins: s.origins, StallAfter: *s.stallAfter, MaxClockSkew: noSkewLimitIfZero(*s.maxClockSkew), ClockTick: noSkewLimitIfZero(*s.tick),
		MaxConnections: *s.maxConns, MaxConnectionsPerIP: noCapIfZero(*s.maxConnsPerIP), MaxStreamsPerIP: noCapIfZero(*s.maxStreamsPerIP),
		Logger: p.logger,
	}
	if err := hub.CheckAccess(&p.opts); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "hub: "))
	}
	return p, nil
}

// runHub serves until SIGINT or SIGTERM, which drain; SIGHUP re-reads the
// TLS certificate and the token files. With check it only reports whether
// the settings would start.
func runHub(fs *flagSet, s *hubSettings, check bool) int {
	p, err := s.plan(fs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		return 2
	}
	if check {
		fmt.Println("hub: settings OK:", p.describe(*s.listen))
		return 0
	}
	logger := p.logger
	routeLibraryLogs(logger)
	// From here on a failure is a log line like any other (in the log's
	// format, redacted), and the exit status 1.
	fail := func(msg string, err error) int {
		logger.Error(msg, "err", strings.TrimPrefix(err.Error(), "hub: "))
		return 1
	}
	// Take the address first, so a busy port fails before the log starts.
	ln, err := net.Listen("tcp", *s.listen)
	if err != nil {
		return fail("cannot listen on "+*s.listen+" (pick a free --listen address)", err)
	}
	// Start serves while it opens and folds the log: /healthz says
	// "starting" with the fold's progress and boards and upstreams are
	// told to retry, instead of the port hanging until the fold is done.
	h, err := hub.Start(p.opts)
	if err != nil {
		ln.Close()
		return fail("the hub cannot start", err)
	}
	srv := hub.NewServer(h) // timeouts and the connection limit: docs/operations.md "HTTP limits"
	// net/http's own lines (a failed TLS handshake) go through the log,
	// rate-limited: a board without --ca retries every few seconds.
	srv.ErrorLog = httpErrorLog(logger)
	scheme := "http"
	if p.certs != nil {
		scheme = "https"
		srv.TLSConfig = &tls.Config{GetCertificate: p.certs.get, MinVersion: tls.VersionTLS12}
	}
	if exposedPlainHTTP(ln.Addr(), p.certs != nil) {
		logger.Warn("serving plain HTTP beyond this machine: tokens and events cross the network in clear; pass --tls-cert and --tls-key, put a TLS proxy in front, or listen on 127.0.0.1 (docs/security.md)", "listen", ln.Addr().String())
	}
	if *s.publicRead {
		logger.Warn("--public-read: anyone who reaches the hub can read the feed, snapshot and reports")
	}
	attrs := []any{"url", scheme + "://" + ln.Addr().String(), "stream", "/v1/stream", "data", *s.data}
	if p.certs != nil {
		attrs = append(attrs, p.certs.describe()...)
	}
	logger.Info("hub listening", attrs...)
	errc := make(chan error, 1)
	go func() {
		if p.certs != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sig)
	ready := make(chan error, 1)
	go func() { ready <- h.WaitReady(context.Background()) }()
wait:
	for {
		select {
		case err := <-ready:
			if err != nil {
				// The hub has let go of the log; stop answering "starting".
				srv.Close()
				return fail("the hub cannot start", err)
			}
			ready = nil
		case sg := <-sig:
			if sg == syscall.SIGHUP {
				reloadHub(h, s, p)
				continue
			}
			logger.Info("draining", "signal", sg.String())
			break wait
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				h.Close()
				return fail("serving HTTP failed", err)
			}
			break wait
		}
	}
	// Close the hub first so websocket clients get the shutdown code and
	// in-flight ingests finish, then stop accepting HTTP.
	closeErr := h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if closeErr != nil {
		return fail("the hub did not close cleanly", closeErr)
	}
	return 0
}

// reloadHub is SIGHUP: the TLS certificate and the token files are read
// again. What cannot be read is logged and the old one kept: a renewal
// half done must not take the hub down. Open streams and requests carry
// on; new connections get the new certificate, new requests need the new
// tokens.
func reloadHub(h *hub.Hub, s *hubSettings, p *hubPlan) {
	log := p.logger
	log.Info("SIGHUP: reloading the TLS certificate and the token files")
	if p.certs != nil {
		if err := p.certs.reload(); err != nil {
			log.Error("cannot reload the TLS certificate; still serving the old one", "err", err)
		} else {
			log.Info("TLS certificate reloaded", p.certs.describe()...)
		}
	}
	ingestFile, readFile := s.ingestToken.File(), s.readToken.File()
	if ingestFile == "" && readFile == "" && *s.scopedTokens == "" {
		return
	}
	ingest, err := s.ingestToken.Get()
	if err != nil {
		log.Error("cannot reload the tokens; keeping the ones in use", "err", err)
		return
	}
	read, err := s.readToken.Get()
	if err != nil {
		log.Error("cannot reload the tokens; keeping the ones in use", "err", err)
		return
	}
	scoped := p.opts.ScopedTokens
	if *s.scopedTokens != "" {
		if scoped, err = readScopedTokens(*s.scopedTokens, p.opts.Campaign); err != nil {
			log.Error("cannot reload the tokens; keeping the ones in use", "err", err)
			return
		}
	}
	p.secrets.Add(ingest, read)
	p.secrets.Add(scoped.Tokens()...)
	if err := h.SetAccess(ingest, read, scoped); err != nil {
		log.Error("refusing the reloaded tokens; keeping the ones in use", "err", strings.TrimPrefix(err.Error(), "hub: "))
		return
	}
	p.opts.ScopedTokens = scoped
	log.Info("tokens reloaded: new requests and streams need them; open streams carry on", "ingest_token_file", ingestFile, "read_token_file", readFile,
		"scoped_tokens_file", *s.scopedTokens, "scoped_tokens", scoped.Len())
}

// describe says what the plan would run, for --check.
func (p *hubPlan) describe(listen string) string {
	o := p.opts
	parts := []string{"listen " + listen}
	if p.certs != nil {
		leaf := p.certs.cert.Load().Leaf
		parts[0] += " (https, wss)"
		parts = append(parts, fmt.Sprintf("certificate for %s valid until %s", strings.Join(certNames(leaf), ","), leaf.NotAfter.UTC().Format(time.DateOnly)))
	} else {
		parts[0] += " (plain http)"
	}
	switch {
	case o.NatsURL != "":
		parts = append(parts, "log on NATS "+feed.RedactURL(o.NatsURL))
	case o.DataDir != "":
		parts = append(parts, "log in "+o.DataDir)
	default:
		parts = append(parts, "log in memory (lost on exit: give --data DIR)")
	}
	parts = append(parts, "campaign "+o.Campaign.Campaign.ID, "retention "+describeRetention(o))
	switch {
	case o.PublicRead:
		parts = append(parts, "the feed readable by anyone (--public-read)")
	case o.ReadToken != "":
		parts = append(parts, "a read token")
	}
	if n := o.ScopedTokens.Len(); n > 0 {
		c := o.ScopedTokens.Count()
		parts = append(parts, fmt.Sprintf("%d scoped tokens (%d city, %d stations, %d district)", n, c[hub.ScopeCity], c[hub.ScopeStations], c[hub.ScopeDistrict]))
	}
	if o.ClockTick < 0 {
		parts = append(parts, "no clock ticks (--clock-tick 0: rules waiting for time fire with the next event)")
	} else {
		parts = append(parts, "a clock tick each "+formatDuration(cmp.Or(o.ClockTick, hub.DefaultClockTick))+" within the campaign")
	}
	if skew := o.MaxClockSkew; skew < 0 {
		parts = append(parts, "events dated any time past the hub's clock taken (--max-clock-skew 0)")
	} else {
		parts = append(parts, "events dated over "+formatDuration(cmp.Or(skew, hub.DefaultMaxClockSkew))+" past the hub's clock refused")
	}
	return strings.Join(parts, ", ")
}

// describeRetention says what drops events from the log: only the
// operator's --max-age and --max-bytes (the memory log keeps 512M).
func describeRetention(o hub.Options) string {
	var r []string
	if o.MaxAge > 0 {
		r = append(r, formatDuration(o.MaxAge))
	}
	if o.MaxBytes > 0 {
		r = append(r, formatSize(o.MaxBytes))
	}
	if len(r) == 0 {
		return "none (every event is kept)"
	}
	return strings.Join(r, " or ")
}

// checkWritableDir says whether dir can be used for the log: an existing
// directory this user can write, or one that can be created under the
// nearest directory that exists. It creates nothing.
func checkWritableDir(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		switch {
		case err == nil && !fi.IsDir():
			return fmt.Errorf("the data dir %s cannot be made: %s is a file, not a directory; check the path", dir, d)
		case err == nil:
			if err := unix.Access(d, unix.W_OK|unix.X_OK); err != nil {
				return fmt.Errorf("the data dir %s cannot be made or written: %s is not writable by this user (%v); fix its owner or mode, or pick another --data", dir, d, err)
			}
			return nil
		case errors.Is(err, syscall.ENOTDIR):
			continue // a file above: found on the way up
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("the data dir %s cannot be checked: %v; check the path", dir, err)
		case d == filepath.Dir(d):
			return fmt.Errorf("no part of %s exists", dir)
		}
	}
}

// certReloader serves the hub's certificate and reads it again on demand
// (SIGHUP): a renewed certificate takes effect without a restart, for the
// next TLS handshake; connections already open keep theirs.
type certReloader struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

func loadCertificate(certFile, keyFile string) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile}
	if err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("cannot use --tls-cert %s and --tls-key %s: %v (give a PEM certificate and its private key that this user can read, or leave both flags out to serve plain http)", c.certFile, c.keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("--tls-cert %s: %w", c.certFile, err)
		}
	}
	c.cert.Store(&cert)
	return nil
}

func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cert.Load(), nil }

// describe is the certificate in force, for the log: its names, serial
// and expiry, and a warning when it expires soon.
func (c *certReloader) describe() []any {
	leaf := c.cert.Load().Leaf
	attrs := []any{"tls_names", strings.Join(certNames(leaf), ","), "tls_serial", leaf.SerialNumber.Text(16), "tls_not_after", leaf.NotAfter.UTC().Format(time.RFC3339)}
	if left := time.Until(leaf.NotAfter); left < 14*day {
		attrs = append(attrs, "tls_expires_in", formatDuration(left.Round(time.Hour)))
	}
	return attrs
}

// certNames are the names and addresses a certificate is for.
func certNames(leaf *x509.Certificate) []string {
	names := append([]string{}, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// noSkewLimitIfZero turns --max-clock-skew's 0 ("no limit"), or
// --clock-tick's ("none"), into the options' negative (0 there takes the
// default).
func noSkewLimitIfZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
