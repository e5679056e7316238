package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed/client"
	"sitboard/feed/hub"
	"sitboard/feed/replay"
	"sitboard/tui"
)

func init() {
	register("demo", "replay the 2023 Zhoukou Summer Action through a real hub onto the board", cmdDemo)
}

// demoLength is how long the whole campaign takes to play by default.
const demoLength = 5 * time.Minute

// demoBoardName is who the demo's acknowledgements are recorded as.
const demoBoardName = "演示看板"

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func cmdDemo(args []string) int {
	if len(args) > 0 && args[0] == "generate" {
		return cmdGenerate(args[1:])
	}
	var s demoSettings
	fs := newFlagSet("demo", "Usage: sitboard demo [--speed X] [--from DATE] [--loop] [--layout L] [--lang zh|en] [--theme T]\n       sitboard demo generate --seed N --out FILE\n\nStarts a hub on loopback, replays the shipped recording into it over HTTP and\nshows the board connected over the websocket. At the end the board checks\nevery figure against the published ones.")
	s.speedFlag = fs.String("speed", "", fmt.Sprintf("campaign seconds per wall-clock second, or max (default %.0f: the whole campaign in about %s)", demoDefaultSpeed(), formatDuration(demoLength)))
	s.from = fs.String("from", "", "start the replay at this date (YYYY-MM-DD) or time (RFC 3339)")
	s.loop = fs.Bool("loop", false, "replay again and again; each loop is a fresh campaign")
	s.layout = fs.String("layout", "", "layout: compact, standard, wall, or a layout TOML file (default: chosen by terminal size)")
	s.lang = fs.String("lang", "", "label language: zh or en (default: from LC_ALL, LC_MESSAGES or LANG when it names one, else the campaign's lang, else zh)")
	s.theme = fs.String("theme", "", "theme: dark, light, high-contrast, mono (default: from the terminal's background, dark or light; mono under NO_COLOR)")
	s.district = fs.String("district", "", "district id to highlight; f filters the panels to it")
	s.bell = fs.Bool("bell", false, "ring the terminal bell on a new priority alert, and again when one is left unacknowledged past its escalation time")
	s.listen = fs.String("listen", "127.0.0.1:0", "address of the demo's in-process hub; given, the demo prints the command that watches it from another terminal (before the board starts and after it ends)")
	s.readTokenFlag = fs.Secret("read-token", "SITBOARD_READ_TOKEN", "read token of the demo's hub, for the boards that watch it (default: a random one, printed with the watch command)")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	s.watchers = flagGiven(fs, "listen")
	return runDemo(&s)
}

// demoSettings are the flags of cmdDemo, parsed.
type demoSettings struct {
	speedFlag     *string
	from          *string
	loop          *bool
	layout        *string
	lang          *string
	theme         *string
	district      *string
	bell          *bool
	listen        *string
	readTokenFlag *secretFlag
	// watchers: --listen was given, so other boards may watch the demo.
	watchers bool
}

// demoDefaultSpeed plays the whole campaign in demoLength.
func demoDefaultSpeed() float64 {
	return float64(demo.Campaign().Days()) * 86400 / demoLength.Seconds()
}

// runDemo plays the shipped recording through an in-process hub onto the
// board until q.
func runDemo(s *demoSettings) int {
	cfg := demo.Campaign()
	speed := demoDefaultSpeed()
	if *s.speedFlag != "" {
		v, err := parseSpeed(*s.speedFlag)
		if err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			return 2
		}
		speed = v
	}
	rec, err := replay.Load(demo.Recording())
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo: the shipped recording is unreadable:", err)
		return 1
	}
	var fromT time.Time
	if *s.from != "" {
		if fromT, err = replay.ParseTime(*s.from, cfg.Location(), false); err != nil {
			fmt.Fprintln(os.Stderr, "demo: --from:", err)
			return 2
		}
	}
	opts := tui.Options{Lang: *s.lang, Theme: *s.theme, Layout: *s.layout, District: *s.district, Bell: *s.bell, Demo: true}
	if err := tui.Validate(cfg, opts); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}

	// The board owns the terminal, so the hub's and client's logs go nowhere.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	readToken, err := s.readTokenFlag.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
	ingestToken := randomToken()
	if readToken == "" {
		readToken = randomToken()
	}
	h, err := hub.New(hub.Options{Campaign: cfg, IngestToken: ingestToken, ReadToken: readToken, Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo: cannot start the hub:", err)
		return 1
	}
	defer h.Close()
	ln, err := net.Listen("tcp", *s.listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: cannot listen on %s: %v\n", *s.listen, err)
		return 1
	}
	srv := hub.NewServer(h)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	if s.watchers {
		watch := demoWatchCommand(ln.Addr().String(), readToken, s.readTokenFlag)
		fmt.Fprintln(os.Stderr, watch)
		defer fmt.Fprintln(os.Stderr, watch)
	}

	// Review (复盘) asks the demo's hub for past days over HTTP, as watch does.
	days, err := client.NewDays(client.Options{URL: base, Token: readToken}, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	opts.FetchDay = days.Fetch
	// Acknowledgements go to the demo's hub over HTTP, as watch's do: its
	// log records them and every board (and report) sees them.
	acker, err := client.NewAcker(client.Options{URL: base, Token: readToken})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	opts.Ack = AckSender(acker, demoBoardName)
	p := tea.NewProgram(tui.New(cfg, opts), tea.WithFPS(15))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	go client.Run(ctx, client.Options{URL: "ws://" + ln.Addr().String(), Token: readToken, Campaign: cfg, Logger: quiet},
		func(b client.Batch) {
			for _, m := range BoardMsgs(b) {
				p.Send(m)
			}
		})

	var ackedSeq atomic.Uint64
	go func() {
		err := replay.RunRecording(ctx, replay.Options{
			URL: base, Token: ingestToken, Speed: speed, From: fromT, Loop: *s.loop, Logger: quiet,
			Progress: func(pr replay.Progress) {
				ackedSeq.Store(pr.HubSeq)
				if !pr.Done {
					p.Send(tui.DemoMsg{Speed: speed, CampaignTime: pr.At, Sent: pr.Sent, Total: pr.Total})
				}
			},
		}, rec)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.Send(tui.DemoMsg{Speed: speed, Done: true, Mismatches: []string{"replay failed: " + err.Error()}})
			return
		}
		p.Send(finalCheck(ackedSeq.Load(), speed, rec.Last(), !fromT.IsZero()))
	}()

	if _, err := p.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	return 0
}

// finalCheck is the end of the replay: it asks the board to compare the
// figures of the state it has drawn with the published facts once that
// state reaches want, the last sequence the hub acknowledged to the replay.
// The board runs the check on what is on its screen, never on a state it
// has not drawn yet, and names the seq it checked: the proof that the
// whole path, wire included, reproduces the city's numbers.
func finalCheck(want uint64, speed float64, last time.Time, partial bool) tui.DemoMsg {
	done := tui.DemoMsg{Speed: speed, Done: true, CampaignTime: last}
	if partial {
		done.Note = "partial replay (--from): figures not checked"
		return done
	}
	facts, err := campaign.ParseFacts("embedded facts", demo.Facts())
	if err != nil {
		done.Mismatches = []string{err.Error()}
		return done
	}
	done.Facts, done.CheckSeq = facts, want
	return done
}

// demoWatchCommand is the line that tells how to watch a demo started
// with --listen from another terminal: its address and its read token, or
// where the token was given.
func demoWatchCommand(addr, token string, given *secretFlag) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listening everywhere: this host is one of them
	}
	hub := "ws://" + net.JoinHostPort(host, port)
	switch file := given.File(); {
	case file != "":
		return fmt.Sprintf("demo: watch this demo from another terminal with: sitboard watch --hub %s --token-file %s", hub, shellWord(file))
	case *given.value == "" && os.Getenv(given.env) != "":
		return fmt.Sprintf("demo: watch this demo from another terminal, with the same %s, with: sitboard watch --hub %s", given.env, hub)
	}
	return fmt.Sprintf("demo: watch this demo from another terminal with: SITBOARD_READ_TOKEN=%s sitboard watch --hub %s", token, hub)
}
