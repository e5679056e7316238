package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/tui"
)

func init() {
	register("watch", "show the board in this terminal, fed by a hub's stream", cmdWatch)
}

func cmdWatch(args []string) int {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	hubURL := fs.String("hub", "", "hub stream address: ws://HOST:PORT (or wss://, http://, https://)")
	token := fs.String("token", "", "read token (or env SITBOARD_READ_TOKEN)")
	layout := fs.String("layout", "", "layout: compact, standard, wall, or a layout TOML file (default: chosen by terminal size)")
	lang := fs.String("lang", "", "label language: zh or en (default: from LC_ALL/LANG)")
	theme := fs.String("theme", "", "theme: dark, light, high-contrast, mono (default: from the terminal's background, dark or light; mono under NO_COLOR)")
	district := fs.String("district", "", "district id to highlight; f filters the panels to it")
	campaignFile := fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	bell := fs.Bool("bell", false, "ring the terminal bell on a new priority alert")
	staleAfter := fs.Duration("stale-after", 15*time.Second, "show STALE when no data or heartbeat arrived for this long")
	caFile := caFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: sitboard watch --hub ws://HOST:PORT [--token T] [--layout L] [--lang zh|en] [--theme T] [--district D] [--campaign FILE]\n\nShows the live board. Keys: ? help, space pause, <-/-> page, a acknowledge, f filter, l language, q quit.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if *hubURL == "" {
		fmt.Fprintln(os.Stderr, "sitboard watch: --hub is required, e.g. --hub ws://127.0.0.1:8470 (start one with 'sitboard hub', or try 'sitboard demo')")
		return 2
	}
	if _, err := client.StreamURL(*hubURL); err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", feed.RedactError(err))
		return 2
	}
	cfg, err := loadCampaign(*campaignFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch:", err)
		return 2
	}
	tlsCfg, err := hubTLS(*caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitboard watch: --ca:", err)
		return 2
	}
	opts := tui.Options{Lang: *lang, Theme: *theme, Layout: *layout, District: *district, Bell: *bell, StaleAfter: *staleAfter}
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
			URL: *hubURL, Token: envOr(*token, "SITBOARD_READ_TOKEN"), TLS: tlsCfg, Campaign: cfg,
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
