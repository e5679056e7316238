package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sitboard/feed/record"
)

func init() {
	register("record", "write a hub's live feed to a file (JSON Lines, .gz to compress)", cmdRecord)
}

const recordUsage = `Usage: sitboard record --hub ws://HOST:PORT [--token-file FILE | --token T] --out FILE

Writes every event of the hub's feed to FILE as JSON Lines, with its seq,
gzipped when FILE ends in .gz, flushed at least every second. A new file
starts with everything the hub's log still holds (--live-only: from now):
on a log whose start the hub's retention dropped, at its first event, and
record says which seqs are missing.
An existing file is continued after its last seq, once the hub confirms it
has the same event there; so after a stop or a crash, run the same command
again (a torn end left by a crash is cut back to the last whole event,
streaming, whatever the file's size). Ctrl-C closes the file cleanly.

If the file cannot be written (a full disk, an I/O error), record stops at
once and exits 1, saying up to which seq the file holds the feed; the file
is left with whole events only. Free space and run the same command again.
Replay the file with 'sitboard replay', or check it with
'sitboard summary --recording FILE'.`

func cmdRecord(args []string) int {
	var s recordSettings
	fs := newFlagSet("record", recordUsage)
	s.hubURL = fs.String("hub", "", "hub URL, ws://HOST:PORT (required)")
	s.token = fs.Secret("token", "SITBOARD_READ_TOKEN", "the hub's read token")
	s.out = fs.String("out", "", "file to write or continue: .jsonl, or .jsonl.gz to compress (required)")
	s.liveOnly = fs.Bool("live-only", false, "on a new file, start at the hub's newest event instead of the start of its log")
	s.flush = fs.Duration("flush", time.Second, "longest time an event waits before it is written to the file")
	s.quiet = fs.Bool("quiet", false, "print no progress, only errors and the result")
	s.caFile = caFlag(fs)
	flags, pos := splitArgs(args, "live-only", "quiet", "h", "help")
	if err := fs.Parse(flags); err != nil {
		return exitUsage(err)
	}
	if len(pos)+fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "record: unexpected argument; give the file with --out FILE")
		return 2
	}
	return runRecord(&s)
}

// recordSettings are the flags of cmdRecord, parsed.
type recordSettings struct {
	hubURL   *string
	token    *secretFlag
	out      *string
	liveOnly *bool
	flush    *time.Duration
	quiet    *bool
	caFile   *string
}

// runRecord writes the hub's feed to --out until Ctrl-C or SIGTERM.
func runRecord(s *recordSettings) int {
	if *s.hubURL == "" || *s.out == "" {
		fmt.Fprintln(os.Stderr, "record: --hub and --out are required, e.g. sitboard record --hub ws://127.0.0.1:8470 --out feed.jsonl.gz")
		return 2
	}
	tlsCfg, err := hubTLS(*s.caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "record: --ca:", err)
		return 2
	}
	readToken, err := s.token.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tty := isTerminal(os.Stderr)
	var last record.Stats
	var lastLine time.Time
	var lines progressLog
	drawn, toldMissing := false, false
	opts := record.Options{URL: *s.hubURL, Token: readToken, TLS: tlsCfg, Out: *s.out, LiveOnly: *s.liveOnly, FlushEvery: *s.flush,
		Progress: func(st record.Stats) {
			changed := st.Conn.Status != last.Conn.Status
			last = st
			if *s.quiet {
				return
			}
			if st.Missing > 0 && !toldMissing {
				toldMissing = true
				fmt.Fprintf(os.Stderr, "record: the hub's log starts at seq %d: events 1 to %d were dropped by its retention (--max-bytes/--max-age) and cannot be recorded; %s starts at seq %d\n",
					st.Missing+1, st.Missing, st.File, st.Missing+1)
			}
			line := fmt.Sprintf("%s: seq %d, %d events written, %s", st.File, st.Seq, st.Written, st.Conn.Status)
			if st.Gaps > 0 {
				line += fmt.Sprintf(", %d gaps", st.Gaps)
			}
			if st.Conn.Err != nil {
				line += " (" + st.Conn.Err.Error() + ")"
			}
			switch {
			case tty && time.Since(lastLine) >= 200*time.Millisecond:
				lastLine = time.Now()
				fmt.Fprintf(os.Stderr, "\r\x1b[2Krecord: %s", line)
				drawn = true
			case !tty && lines.due(line, changed, time.Now()):
				fmt.Fprintf(os.Stderr, "record: %s\n", line)
			}
		}}
	err = record.Run(ctx, opts)
	if drawn {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "record: stopped; %s holds the feed up to seq %d (%d events written now). Run the same command to continue.\n",
		*s.out, last.Seq, last.Written)
	return 0
}

// progressLog decides when a recorder without a terminal (a service's
// journal) prints its progress: at once when the connection changes,
// otherwise at most every 10 s and only when the line has changed, so a
// quiet feed does not fill the journal with the same line.
type progressLog struct {
	last    string
	lastAt  time.Time
	printed bool
}

func (p *progressLog) due(line string, changed bool, now time.Time) bool {
	switch {
	case changed || !p.printed:
	case line == p.last || now.Sub(p.lastAt) < 10*time.Second:
		return false
	}
	p.last, p.lastAt, p.printed = line, now, true
	return true
}
