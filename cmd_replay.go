package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sitboard/feed"
	"sitboard/feed/replay"
)

func init() {
	register("replay", "publish a recording to a hub, paced by its own timestamps", cmdReplay)
}

const replayUsage = `Usage: sitboard replay FILE --hub http://HOST:PORT [--token-file FILE | --token T] [--speed X|max] [--from DATE] [--until DATE] [--loop]
                      [--resume-at N [--resume-id ID] [--resume-run R]]

Publishes a recording (JSON Lines of events, gzipped or not; - reads stdin)
to a hub's POST /v1/events, in file order, paced by the events' timestamps
divided by --speed. A batch the hub cannot take now (503, 507 disk full,
429, a proxy's 502/504, network errors) is sent again until it is taken,
after the hub's Retry-After, on a fresh connection after 3 failures in a
row; the progress line says why it waits ("waiting: disk full on the hub
(507), 3 tries"). Event ids make the hub ignore anything it already has, so
a batch that was partly stored before a 503 or 507, or a file replayed
twice, counts nothing twice.

--from and --until are date filters: they select the events whose time is
in [from, until), wherever they are in the file. They are not resume
points: a recording of a live feed is in arrival order and its times go
back and forth. A replay stopped by Ctrl-C or a failure prints the command
that resumes it at the first event the hub has not acknowledged, by
position (--resume-at), in the same loop run (--resume-run).

Examples:
  sitboard replay demo/recordings/summer-action-2023.jsonl.gz --hub http://127.0.0.1:8470 --speed 28224
      the whole 98-day Summer Action in about 5 minutes
  sitboard replay feed.jsonl.gz --hub http://hub:8470 --speed max --from 2023-08-01 --until 2023-08-31
      August only, as fast as the hub takes it`

func cmdReplay(args []string) int {
	var s replaySettings
	fs := newFlagSet("replay", replayUsage)
	s.hubURL = fs.String("hub", "", "hub URL, http://HOST:PORT (required)")
	s.token = fs.Secret("token", "SITBOARD_INGEST_TOKEN", "the hub's ingest token")
	s.speedFlag = fs.String("speed", "1", "campaign seconds per real second: 1 is real time, "+strconv.Itoa(replay.DemoSpeed)+" plays 98 days in 5 minutes, max sends as fast as the hub takes them")
	s.fromFlag = fs.String("from", "", "start at this time: 2023-07-14, 2023-07-14T21:30 (the recording's zone) or RFC 3339")
	s.untilFlag = fs.String("until", "", "stop before this time; a date alone includes that whole day")
	s.loop = fs.Bool("loop", false, "replay again and again, each run a fresh campaign (new ids, a campaign.started marker)")
	s.batch = fs.Int("batch", 500, "events per request")
	s.maxWait = fs.Duration("max-wait", 0, "longest pause between two events (default 1s at --speed 60 and above, none below; negative: none)")
	s.quiet = fs.Bool("quiet", false, "print no progress, only errors and the result")
	s.caFile = caFlag(fs)
	s.resumeAt = fs.Int("resume-at", -1, "resume at this event of the file, counting from 0, as printed by a stopped replay")
	s.resumeID = fs.String("resume-id", "", "with --resume-at: the id that event must have (refuses a different file)")
	s.resumeRun = fs.Int("resume-run", 1, "with --resume-at: the loop run to continue (ids keep that run's prefix)")
	flags, pos := splitArgs(args, "loop", "quiet", "h", "help")
	if err := fs.Parse(flags); err != nil {
		return exitUsage(err)
	}
	pos = append(pos, fs.Args()...)
	if len(pos) != 1 {
		fmt.Fprintln(os.Stderr, "replay: give exactly one recording FILE, e.g. sitboard replay demo/recordings/summer-action-2023.jsonl.gz --hub http://127.0.0.1:8470")
		return 2
	}
	return runReplay(&s, pos[0])
}

// replaySettings are the flags of cmdReplay, parsed.
type replaySettings struct {
	hubURL    *string
	token     *secretFlag
	speedFlag *string
	fromFlag  *string
	untilFlag *string
	loop      *bool
	batch     *int
	maxWait   *time.Duration
	quiet     *bool
	caFile    *string
	resumeAt  *int
	resumeID  *string
	resumeRun *int
}

// runReplay publishes the recording file (- for stdin) as s says.
func runReplay(s *replaySettings, file string) int {
	if *s.hubURL == "" {
		fmt.Fprintln(os.Stderr, "replay: --hub is required, e.g. --hub http://127.0.0.1:8470 (start one with 'sitboard hub')")
		return 2
	}
	speed, err := parseSpeed(*s.speedFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		return 2
	}
	if *s.resumeAt < 0 && (*s.resumeID != "" || *s.resumeRun != 1) {
		fmt.Fprintln(os.Stderr, "replay: --resume-id and --resume-run go with --resume-at N: copy the whole resume command a stopped replay printed")
		return 2
	}
	if *s.resumeRun < 1 {
		fmt.Fprintln(os.Stderr, "replay: --resume-run must be 1 or more")
		return 2
	}
	tlsCfg, err := hubTLS(*s.caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay: --ca:", err)
		return 2
	}
	tok, err := s.token.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		return 2
	}
	if tok == "" {
		fmt.Fprintln(os.Stderr, "replay: no ingest token: pass --token-file FILE (or --token, or set SITBOARD_INGEST_TOKEN or SITBOARD_INGEST_TOKEN_FILE) with the hub's ingest token")
		return 2
	}

	// Ctrl-C is ours from here on, even while a large file loads.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var src io.ReadCloser
	if file == "-" {
		src = os.Stdin
	} else if src, err = feed.OpenRecording(file); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		return 1
	}
	rec, err := replay.Load(src)
	src.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "replay: %s: %v\n", file, err)
		return 1
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "replay: stopped before sending anything")
		return 130
	}
	opts := replay.Options{URL: *s.hubURL, Token: tok, Speed: speed, Loop: *s.loop, BatchSize: *s.batch, MaxWait: *s.maxWait, Client: hubHTTPClient(tlsCfg)}
	if *s.resumeAt >= 0 {
		opts.ResumeAt = replay.Position{Index: *s.resumeAt, ID: *s.resumeID, Run: *s.resumeRun}
	}
	if *s.fromFlag != "" {
		if opts.From, err = replay.ParseTime(*s.fromFlag, rec.Location(), false); err != nil {
			fmt.Fprintln(os.Stderr, "replay: --from:", err)
			return 2
		}
	}
	if *s.untilFlag != "" {
		if opts.Until, err = replay.ParseTime(*s.untilFlag, rec.Location(), true); err != nil {
			fmt.Fprintln(os.Stderr, "replay: --until:", err)
			return 2
		}
	}

	out := newProgressPrinter(os.Stderr, *s.quiet)
	opts.Progress = out.replay
	if !*s.quiet {
		first, last := rec.First(), rec.Last()
		if !opts.From.IsZero() && opts.From.After(first) {
			first = opts.From
		}
		if !opts.Until.IsZero() && opts.Until.Before(last) {
			last = opts.Until
		}
		pace := "as fast as the hub takes them"
		if speed > 0 {
			pace = fmt.Sprintf("at %sx (about %s)", *s.speedFlag, (time.Duration(float64(last.Sub(first)) / speed)).Round(time.Second))
		}
		fmt.Fprintf(os.Stderr, "replay: %s: %d events, %s to %s, to %s %s. Ctrl-C stops.\n",
			file, rec.Len(), first.Format("2006-01-02 15:04"), last.Format("2006-01-02 15:04"), feed.RedactURL(*s.hubURL), pace)
	}
	err = replay.RunRecording(ctx, opts, rec)
	out.end()
	resume := func(at replay.Position) string {
		return resumeCommand(file, *s.hubURL, *s.caFile, s.token.File(), *s.speedFlag, *s.fromFlag, *s.untilFlag, *s.loop, at)
	}
	var ie *replay.InterruptedError
	var fe *replay.FailedError
	switch {
	case errors.As(err, &ie):
		fmt.Fprintf(os.Stderr, "replay: stopped after %d events, before %s.\nThe hub has acknowledged every event of the file before it. Resume with:\n  %s\n",
			ie.Sent, ie.Resume, resume(ie.Resume))
		return 130
	case errors.As(err, &fe):
		fmt.Fprintf(os.Stderr, "replay: %v\nStopped after %d events, before %s; the hub has acknowledged every event of the file before it.\nOnce that is fixed, resume with:\n  %s\n",
			fe.Err, fe.Sent, fe.Resume, resume(fe.Resume))
		return 1
	case err != nil:
		fmt.Fprintln(os.Stderr, "replay:", err)
		return 1
	}
	p := out.last
	fmt.Fprintf(os.Stderr, "replay: done: %d events in %s (%.0f events/s); the hub took %d new, %d it already had\n",
		p.AllSent, p.Elapsed.Round(100*time.Millisecond), p.Rate, p.Accepted, p.Duplicates)
	return 0
}

// parseSpeed reads --speed: a positive number, or max.
func parseSpeed(s string) (float64, error) {
	if strings.EqualFold(s, "max") {
		return 0, nil
	}
	x, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
	if err != nil || x <= 0 {
		return 0, fmt.Errorf("bad --speed %q: give a positive number (1 is real time, %d plays 98 days in 5 minutes) or max", s, replay.DemoSpeed)
	}
	return x, nil
}

// resumeCommand is the command that continues a stopped replay at: the same
// file, hub, CA, token file, pace and date filters, and the position. A
// token given as a value is never printed; it must be given again.
func resumeCommand(file, hub, ca, tokenFile, speed, from, until string, loop bool, at replay.Position) string {
	args := []string{"sitboard", "replay", file, "--hub", feed.RedactURL(hub)}
	if ca != "" {
		args = append(args, "--ca", ca)
	}
	if tokenFile != "" && os.Getenv("SITBOARD_INGEST_TOKEN_FILE") != tokenFile {
		args = append(args, "--token-file", tokenFile)
	}
	args = append(args, "--speed", speed)
	if from != "" {
		args = append(args, "--from", from)
	}
	if until != "" {
		args = append(args, "--until", until)
	}
	if loop {
		args = append(args, "--loop")
	}
	args = append(args, at.Flags()...)
	for i, a := range args {
		args[i] = shellWord(a)
	}
	return strings.Join(args, " ")
}

// shellWord quotes s for a POSIX shell when it holds anything but plain
// characters, so a printed command can be pasted as it is.
func shellWord(s string) string {
	plain := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=+,@%", c)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// progressPrinter shows progress: a redrawn bar on a terminal, a plain line
// every few seconds otherwise (logs, CI).
type progressPrinter struct {
	w        *os.File
	tty      bool
	quiet    bool
	last     replay.Progress
	lastLine time.Time
	drawn    bool
}

func newProgressPrinter(w *os.File, quiet bool) *progressPrinter {
	return &progressPrinter{w: w, tty: isTerminal(w), quiet: quiet}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func (p *progressPrinter) replay(pr replay.Progress) {
	if p.quiet {
		p.last = pr
		return
	}
	at := "-"
	if !pr.At.IsZero() {
		at = pr.At.Format("2006-01-02 15:04")
	}
	text := fmt.Sprintf("%s  %d/%d events  %.0f/s", at, pr.Sent, pr.Total, pr.Rate)
	if pr.Waiting != "" {
		// The rate is 0 while waiting: say why instead.
		text = fmt.Sprintf("%s  %d/%d events  %s", at, pr.Sent, pr.Total, waitingText(pr))
	}
	if pr.Run > 1 {
		text = fmt.Sprintf("run %d  %s", pr.Run, text)
	}
	changed := pr.Waiting != p.last.Waiting || pr.Tries != p.last.Tries
	p.last = pr
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[2K%s %s", bar(pr.Fraction(), 30), text)
		p.drawn = true
		return
	}
	if time.Since(p.lastLine) >= 5*time.Second || pr.Done || changed {
		p.lastLine = time.Now()
		fmt.Fprintf(p.w, "replay: %3.0f%%  %s\n", 100*pr.Fraction(), text)
	}
}

// waitingText is why the replay waits, e.g. "waiting: disk full on the hub
// (507), 3 tries".
func waitingText(pr replay.Progress) string {
	tries := "1 try"
	if pr.Tries != 1 {
		tries = strconv.Itoa(pr.Tries) + " tries"
	}
	return "waiting: " + pr.Waiting + ", " + tries
}

// end finishes a redrawn line so later messages start on their own.
func (p *progressPrinter) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// bar draws a progress bar of width cells with eighth-block precision.
func bar(frac float64, width int) string {
	frac = min(max(frac, 0), 1)
	eighths := int(frac * float64(width*8))
	var b strings.Builder
	b.WriteString("[")
	for i := range width {
		switch n := eighths - i*8; {
		case n >= 8:
			b.WriteRune('█')
		case n > 0:
			b.WriteRune([]rune("▏▎▍▌▋▊▉")[n-1])
		default:
			b.WriteRune(' ')
		}
	}
	fmt.Fprintf(&b, "] %3.0f%%", 100*frac)
	return b.String()
}
