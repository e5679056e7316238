package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/tui"
)

func init() {
	register("watch", "show the board in this terminal, fed by a hub's stream", cmdWatch)
}

func cmdWatch(args []string) int {
	var s watchSettings
	fs := newFlagSet("watch", "Usage: sitboard watch --hub ws://HOST:PORT [--token-file FILE | --token T] [--name NAME] [--layout L] [--lang zh|en] [--theme T] [--district D] [--campaign FILE] [--at DATE]\n\nShows the live board. Keys: ? help, space pause, <-/-> page, a acknowledge (sent to the hub as --name), f filter, l language, [ ] a day back/forward and { } a week (review, 复盘), 0 back to live, q quit.")
	s.hubURL = fs.String("hub", "", "hub stream address: ws://HOST:PORT (or wss://, http://, https://)")
	s.token = fs.Secret("token", "SITBOARD_READ_TOKEN", "the hub's read token")
	s.layout = fs.String("layout", "", "layout: compact, standard, wall, or a layout TOML file (default: chosen by terminal size)")
	s.lang = fs.String("lang", "", "label language: zh or en (default: from LC_ALL, LC_MESSAGES or LANG when it names one, else the campaign's lang, else zh)")
	s.theme = fs.String("theme", "", "theme: dark, light, high-contrast, mono (default: from the terminal's background, dark or light; mono under NO_COLOR)")
	s.district = fs.String("district", "", "district id to highlight; f filters the panels to it. The board is then that district's station: its 指令 page lists the district's open instructions, o signs them and e sends feedback (the hub takes them from that district's scoped token)")
	s.campaignFile = fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	s.bell = fs.Bool("bell", false, "ring the terminal bell on a new priority alert, and again when one is left unacknowledged past its escalation time")
	s.staleAfter = fs.Duration("stale-after", 15*time.Second, "show STALE when no data or heartbeat arrived for this long")
	s.at = fs.String("at", "", "start in review (复盘) on this campaign day: a date (2023-08-12) or a date-time (2023-08-12T18:30, RFC 3339); the board shows the state at the end of that day")
	s.name = fs.String("name", "", "this board's name, recorded as who acknowledged each alert acknowledged here (a), e.g. 川汇值班台; at most 64 characters (default: this host's name)")
	s.caFile = caFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	return runWatch(&s)
}

// watchSettings are the flags of cmdWatch, parsed.
type watchSettings struct {
	hubURL       *string
	token        *secretFlag
	layout       *string
	lang         *string
	theme        *string
	district     *string
	campaignFile *string
	bell         *bool
	staleAfter   *time.Duration
	at           *string
	name         *string
	caFile       *string
}

// runWatch shows the board in this terminal until q; a hub that refuses
// the token for good makes it exit 1 after the board closes.
func runWatch(s *watchSettings) int {
	if *s.hubURL == "" {
		fmt.Fprintln(os.Stderr, "sitboard watch: --hub is required, e.g. --hub ws://127.0.0.1:8470 (start one with 'sitboard hub', or try 'sitboard demo')")
		return 2
	}
	if _, err := client.StreamURL(*s.hubURL); err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", feed.RedactError(err))
		return 2
	}
	cfg, err := loadCampaign(*s.campaignFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", err)
		return 2
	}
	tlsCfg, err := hubTLS(*s.caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch: --ca:", err)
		return 2
	}
	readToken, err := s.token.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", err)
		return 2
	}
	days, err := client.NewDays(client.Options{URL: *s.hubURL, Token: readToken, TLS: tlsCfg}, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", feed.RedactError(err))
		return 2
	}
	by, err := boardName(*s.name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", err)
		return 2
	}
	acker, err := client.NewAcker(client.Options{URL: *s.hubURL, Token: readToken, TLS: tlsCfg})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", feed.RedactError(err))
		return 2
	}
	office, err := client.NewOffice(client.Options{URL: *s.hubURL, Token: readToken, TLS: tlsCfg})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", feed.RedactError(err))
		return 2
	}
	opts := tui.Options{Lang: *s.lang, Theme: *s.theme, Layout: *s.layout, District: *s.district, Bell: *s.bell, StaleAfter: *s.staleAfter,
		FetchDay: days.Fetch, Ack: AckSender(acker, by), Reply: ReplySender(office, *s.district, by)}
	if *s.at != "" {
		if opts.ReviewDay, err = reviewDay(cfg, *s.at); err != nil {
			fmt.Fprintln(os.Stderr, "sitboard watch: --at:", err)
			return 2
		}
	}
	if err := tui.Validate(cfg, opts); err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", err)
		return 2
	}
	p := tea.NewProgram(tui.New(cfg, opts), tea.WithFPS(15))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A terminal refusal (a wrong read token) ends the feed for good: the
	// board shows it, and on quit the command says it again and fails.
	refused := make(chan error, 1)
	go func() {
		// The board owns the terminal: client logs would tear it.
		refused <- client.Run(ctx, client.Options{
			URL: *s.hubURL, Token: readToken, TLS: tlsCfg, Campaign: cfg,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		}, func(b client.Batch) {
			for _, m := range BoardMsgs(b) {
				p.Send(m)
			}
		})
	}()
	if _, err := p.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", err)
		return 1
	}
	select {
	case err := <-refused:
		if err != nil {
			fmt.Fprintln(os.Stderr, "sitboard watch:", err)
			return 1
		}
	default:
	}
	return 0
}

// BoardMsgs turns one client batch into the board's messages: the
// connection report, then the state when it changed. One batch is one
// websocket read, never one event, so the board folds nothing itself.
func BoardMsgs(b client.Batch) []tea.Msg {
	msgs := []tea.Msg{tui.ConnMsgFrom(b.Conn)}
	if b.State != nil {
		msgs = append(msgs, tui.StateMsg{State: b.State, Events: b.Events})
	}
	return msgs
}

// boardName is who a board's acknowledgements are recorded as: name, or
// this host's name. It must pass the rules of alert.acknowledged's by.
func boardName(name string) (string, error) {
	what := "--name"
	if name == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return "", fmt.Errorf("cannot tell this host's name (%v): pass --name, e.g. --name 川汇值班台", err)
		}
		name, what = h, "this host's name "+strconv.Quote(h)
	}
	if n := utf8.RuneCountInString(name); n > feed.MaxAckByLen {
		return "", fmt.Errorf("%s is %d characters: acknowledgements record at most %d; pass a shorter --name", what, n, feed.MaxAckByLen)
	}
	if p := feed.TextProblem(name); p != "" {
		return "", fmt.Errorf("%s: %s; pass another --name", what, p)
	}
	return name, nil
}

// AckSender sends a board's acknowledgements to the hub as by: the same
// for watch, demo and every SSH session (tui.Options.Ack).
func AckSender(a *client.Acker, by string) tui.AckSender {
	return func(ctx context.Context, ids []string, at time.Time) error {
		_, err := a.Ack(ctx, ids, by, at)
		return err
	}
}

// ReplySender sends a station's sign-offs and reports to the hub for
// district as by (tui.Options.Reply); nil without a district: the command
// room's board signs nothing.
func ReplySender(o *client.Office, district, by string) tui.ReplySender {
	if district == "" {
		return nil
	}
	return func(ctx context.Context, id string, report bool, text string, at time.Time) error {
		return sendReply(ctx, o, district, by, id, report, text, at)
	}
}

// sendReply sends one sign-off or report: the same for watch and every
// SSH session.
func sendReply(ctx context.Context, o *client.Office, district, by, id string, report bool, text string, at time.Time) error {
	req := feed.ReplyRequest{DirectiveID: id, District: district, By: by, At: at}
	if report {
		req.Text = text
		_, err := o.Report(ctx, req)
		return err
	}
	_, err := o.Sign(ctx, req)
	return err
}

// reviewDay is the campaign day of --at: a date, or a date-time (in the
// campaign's zone unless it has its own), whose day's end the board shows.
func reviewDay(cfg *campaign.Config, at string) (int, error) {
	var t time.Time
	var err error
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if layout == time.RFC3339 {
			t, err = time.Parse(layout, at)
		} else {
			t, err = time.ParseInLocation(layout, at, cfg.Location())
		}
		if err == nil {
			break
		}
	}
	first, last := cfg.Start(), cfg.Start().AddDate(0, 0, cfg.Days()-1)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date or a date-time: use e.g. %s or %sT18:30", at, first.Format("2006-01-02"), first.Format("2006-01-02"))
	}
	day := cfg.Day(t)
	if day < 1 || day > cfg.Days() {
		return 0, fmt.Errorf("%s is outside the campaign: use a date from %s to %s", at, first.Format("2006-01-02"), last.Format("2006-01-02"))
	}
	return day, nil
}
