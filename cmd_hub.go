package main

import (
	"fmt"
	"os"

	"sitboard/feed/hub"
)

func init() {
	register("hub", "run the feed hub: ingest, durable log, websocket stream", cmdHub)
}

func cmdHub(args []string) int {
	fs := newFlagSet("hub", `Usage: sitboard hub --listen ADDR [--data DIR] [--nats URL] [--campaign FILE] [--ingest-token-file FILE] [--read-token-file FILE] [--tls-cert FILE --tls-key FILE]
       sitboard hub --config FILE [--check]

Runs the feed hub: POST /v1/events, the websocket stream, snapshots, reports,
/healthz and /metrics. Settings may come from a TOML file (--config), whose keys
are these flags without their dashes; flags given here override it. --check
validates them without starting. SIGHUP re-reads the TLS certificate and the
token files without dropping a board; SIGTERM drains. See docs/operations.md.`)
	var s hubSettings
	s.listen = fs.String("listen", "127.0.0.1:8470", "address to serve HTTP and the websocket on")
	s.data = fs.String("data", "", "directory for the JetStream file store (empty: memory only, lost on exit)")
	s.nats = fs.String("nats", "", "external NATS server or cluster URL instead of the embedded one")
	fs.StringVar(&s.natsSec.Creds, "nats-creds", "", "with --nats: credentials file (user JWT and seed) for a server in operator mode")
	fs.StringVar(&s.natsSec.Nkey, "nats-nkey", "", "with --nats: file with the hub's user nkey seed (SU...) for a server that lists users by nkey")
	fs.StringVar(&s.natsSec.CA, "nats-ca", "", "with --nats: PEM file of the CA that signed the NATS servers' certificates; connects with TLS")
	fs.StringVar(&s.natsSec.Cert, "nats-cert", "", "with --nats: client certificate (PEM) for servers that verify clients")
	fs.StringVar(&s.natsSec.Key, "nats-key", "", "with --nats: the client certificate's private key (PEM)")
	s.replicas = fs.Int("replicas", 1, "stream replicas on an external cluster (1, 3 or 5)")
	s.campaign = fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	s.ingestToken = fs.Secret("ingest-token", "SITBOARD_INGEST_TOKEN", "bearer token for POST /v1/events")
	s.readToken = fs.Secret("read-token", "SITBOARD_READ_TOKEN", "bearer token for the stream, snapshot, reports and acknowledgements; must differ from the ingest token")
	s.scopedTokens = fs.String("scoped-tokens", "", "`FILE` binding read tokens to the city, a district or an SSH server's stations, one per line (TOKEN city|stations|district:ID): each reads like --read-token, and the hub lets it acknowledge, issue, sign and report only what its scope allows (docs/security.md, \"Scoped tokens\"); re-read on SIGHUP")
	s.tlsCert = fs.String("tls-cert", "", "TLS certificate (PEM, the chain after it) to serve https and wss; re-read on SIGHUP")
	s.tlsKey = fs.String("tls-key", "", "TLS private key (PEM); re-read on SIGHUP")
	s.sync = fs.String("sync", hub.DefaultSync, `fsync policy: "always" (before each acknowledgement; no acknowledged event is lost) or an interval such as "2m" (faster, may lose the last interval on power loss)`)
	s.maxAge = fs.Duration("max-age", hub.DefaultMaxAge, "retention: drop events older than this (0: never; an event answered 202 is dropped only by --max-age or --max-bytes)")
	s.maxBytes = fs.Size("max-bytes", 0, "retention: cap the log at this size, such as 64G, dropping the oldest events (0: no cap on disk, where the hub answers 507 before the disk fills; 512M in memory); it must fit on the disk")
	s.dupWindow = fs.Duration("dup-window", hub.DefaultDuplicateWindow, "JetStream's duplicate window; the hub itself drops a resent event id over the log's whole life")
	s.maxClockSkew = fs.Duration("max-clock-skew", hub.DefaultMaxClockSkew, "refuse (400) an event dated more than this past the hub's clock: a wrong date, zone or clock would move every board's clock (0: no limit)")
	s.tick = fs.Duration("clock-tick", hub.DefaultClockTick, "write a clock.tick into the log this often while the hub's clock is within the campaign, so warning rules that wait for time (an alarm undispatched after N minutes) fire on a quiet night, the same on every board (0: none)")
	s.stallAfter = fs.Duration("stall-after", hub.DefaultStallAfter, "how long the fold may lag the log's head before /healthz answers 503 \"degraded\" and a WARN is logged")
	s.maxConns = fs.Int("max-connections", 0, "most open HTTP and websocket connections (0: 4096, fewer if the descriptor limit is lower); past it a plain 503, with a few kept for /healthz and /metrics")
	s.maxConnsPerIP = fs.Int("max-connections-per-ip", hub.DefaultMaxConnectionsPerIP, "most open connections from one client address (an IPv4 address, an IPv6 /64; loopback is not counted); past it a 429. 0: no cap (behind a proxy on another host, where every client has its address)")
	s.maxStreamsPerIP = fs.Int("max-streams-per-ip", hub.DefaultMaxStreamsPerIP, "most open websocket streams (boards, recorders, SSH servers) from one client address; past it the upgrade is answered 429. 0: no cap")
	s.compress = fs.Bool("compress", false, "offer websocket compression (about 2x CPU, 1/3 the bytes: for slow links)")
	s.publicRead = fs.Bool("public-read", false, "serve the stream, snapshot and reports without a read token, to anyone who reaches the hub (such a hub takes no acknowledgements)")
	fs.Var(&s.origins, "allow-origin", "a browser origin (https://host[:port]) allowed to open the stream; repeat or comma-separate; clients without an Origin header are always allowed")
	fs.Var(&s.origins, "allowed-origins", "same as --allow-origin (older name)")
	s.log = fs.LogFlags()
	config := fs.ConfigFlag("ingest-token", "read-token")
	check := fs.Bool("check", false, "check the settings (flags and --config), the token files, the TLS files, the campaign and the data directory, say what would run, and exit without starting")
	if err := fs.ParseWithConfig(args, config); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "hub: unexpected argument %q: every option is a flag (see 'sitboard hub --help')\n", fs.Arg(0))
		return 2
	}
	return runHub(fs, &s, *check)
}

// noCapIfZero turns a flag's 0 ("no cap") into the options' negative (0
// there takes the default).
func noCapIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
