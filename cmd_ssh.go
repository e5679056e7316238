package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"sitboard/sshd"
)

func init() {
	register("ssh", "serve the board over SSH to known station keys", cmdSSH)
}

func cmdSSH(args []string) int {
	fs := newFlagSet("ssh", `Usage: sitboard ssh --listen ADDR --hub URL [--token-file FILE | --token T] --authorized-keys FILE --host-key FILE [--max-sessions N] [--max-sessions-per-key N] [--max-startups N] [--max-startups-per-ip N] [--proxy-protocol-from CIDR] [--handshake-timeout D] [--no-session-timeout D] [--client-alive-interval D] [--max-terminal COLSxROWS] [--idle-timeout D] [--campaign FILE]

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

Stations connect with: ssh -i ~/.ssh/sitboard -p PORT HOST
(see docs/operations.md, "SSH stations"). Settings may come from a TOML
file (--config); SIGHUP re-reads the authorized keys, the token file and --ca.`)
	var s sshSettings
	s.listen = fs.String("listen", ":2222", "address to listen on for SSH")
	s.hub = fs.String("hub", "", "hub address (ws://HOST:PORT or http://HOST:PORT); one subscription serves every session")
	s.token = fs.Secret("token", "SITBOARD_READ_TOKEN", "the hub's read token")
	s.authKeys = fs.String("authorized-keys", "", "OpenSSH authorized_keys file listing the station keys; re-read when it changes and on SIGHUP")
	s.hostKey = fs.String("host-key", "", "host key file; an ed25519 key is generated there (mode 0600) on first start")
	s.maxSessions = fs.Int("max-sessions", 100, "most slots in use at once: every logged-in connection holds one (with or without a board), each further board on one connection one more; past it a new session is told the limit and closed")
	s.maxPerKey = fs.Int("max-sessions-per-key", 10, "most slots one station key may hold, so one key cannot take them all")
	s.maxStartups = fs.Int("max-startups", 50, "most connections still logging in at once; past it a new connection is told so and closed at once")
	s.maxStartupsPerIP = fs.Int("max-startups-per-ip", sshd.DefaultMaxStartupsPerIP, "most connections from one client address (an IPv4 address, an IPv6 /64; loopback is not counted) logging in at once; past it a new one is told so and closed before the handshake. 0: no cap (behind a TCP proxy, where every station has its address)")
	fs.Var(&s.proxies, "proxy-protocol-from", "address or CIDR range of a TCP proxy in front (HAProxy send-proxy, nginx proxy_protocol); repeat or comma-separate. Every connection must then come from one with a PROXY protocol header, whose address is the station's (for --max-startups-per-ip and the logs); others are dropped")
	s.handshake = fs.Duration("handshake-timeout", 20*time.Second, "time a connection has to log in before it is closed")
	s.noSession = fs.Duration("no-session-timeout", 30*time.Second, "close a logged-in connection that has no board session for this long (such as 'ssh -N')")
	s.alive = fs.Duration("client-alive-interval", 15*time.Second, "ask each logged-in connection for a reply this often; one silent for three intervals is closed (a dead link)")
	s.maxTerminal = fs.String("max-terminal", fmt.Sprintf("%dx%d", sshd.DefaultMaxWidth, sshd.DefaultMaxHeight), "largest terminal (`COLSxROWS`) a board is drawn for; a bigger one gets a board of this size")
	s.idle = fs.Duration("idle-timeout", 0, "close a session after this long without input (e.g. 30m); 0 never; keys with no-idle-timeout are exempt")
	s.refresh = fs.Duration("refresh", time.Second, "least time between two board updates for one session; raise it (e.g. 3s) for very slow links")
	s.campaign = fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	s.ca = caFlag(fs)
	s.log = fs.LogFlags()
	s.verbose = fs.Bool("v", false, "same as --log-level debug (adds failed handshakes)")
	config := fs.ConfigFlag("token")
	check := fs.Bool("check", false, "check the settings (flags and --config), the key files, the token and the CA, say what would run, and exit without serving")
	if err := fs.ParseWithConfig(args, config); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ssh: unexpected argument %q; see 'sitboard ssh --help'\n", fs.Arg(0))
		return 2
	}
	return runSSH(&s, *check)
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
