package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/report"
	"sitboard/tui"
)

func init() {
	register("report", "write a bulletin: 日动态, 周通报, 半月讲评, 月考核 or the closing bulletin", cmdReport)
}

func cmdReport(args []string) int {
	var s reportSettings
	fs := newFlagSet("report", `Usage: sitboard report --period day|week|half-month|month|campaign [--date D] (--hub URL | --recording FILE) [--campaign FILE] [--lang zh|en] [--format text|md|html] [--out FILE] [--notes FILE]

Writes the campaign office's bulletin for the period holding --date: 日动态 (day),
周通报 (week: campaign weeks of 7 days from the first day), 半月讲评 (1st–15th or
16th–end of a month), 月考核 (calendar month, with the [assessment] scores) or the
closing bulletin (campaign). Periods and comparisons: docs/figures.md, "Periods".

--notes adds the office's own words: a Markdown file with the headings
## 主要做法, ## 存在问题 and ## 下步工作 (or a TOML file with those keys). With
--hub, notes stored on the hub (PUT /v1/reports/notes) are used unless
--notes is given.`)
	s.period = fs.String("period", "", "day, week, half-month, month or campaign (required)")
	s.date = fs.String("date", "", "a date in the period, YYYY-MM-DD (default: the newest event's day)")
	s.hubURL = fs.String("hub", "", "hub base URL (http://HOST:PORT or ws://HOST:PORT) to ask for the bulletin")
	s.recording = fs.String("recording", "", "recording file (JSON Lines, optionally .gz) to fold")
	s.campaignFile = fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config); with --hub, the hub's own")
	s.lang = fs.String("lang", "", "language: zh or en (default: from LC_ALL, LC_MESSAGES or LANG when it names one, else the campaign's lang, else zh)")
	s.format = fs.String("format", "text", "text, md or html")
	s.out = fs.String("out", "", "write to this file instead of standard output")
	s.notes = fs.String("notes", "", "the office's notes (主要做法, 存在问题, 下步工作): a Markdown or TOML file")
	s.token = fs.Secret("token", "SITBOARD_READ_TOKEN", "read token for --hub")
	s.caFile = caFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	return runReport(&s)
}

// reportSettings are the flags of cmdReport, parsed.
type reportSettings struct {
	period       *string
	date         *string
	hubURL       *string
	recording    *string
	campaignFile *string
	lang         *string
	format       *string
	out          *string
	notes        *string
	token        *secretFlag
	caFile       *string
}

// runReport builds the bulletin and writes it to --out or stdout.
func runReport(s *reportSettings) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "report: "+format+"\n", a...)
		return code
	}
	if !slices.Contains(campaign.PeriodKinds, *s.period) {
		return fail(2, "--period %q: use one of %s", *s.period, strings.Join(campaign.PeriodKinds, ", "))
	}
	if (*s.hubURL == "") == (*s.recording == "") {
		return fail(2, "give exactly one of --hub URL or --recording FILE")
	}
	if *s.lang != "" && *s.lang != report.LangZh && *s.lang != report.LangEn {
		return fail(2, "--lang %q: use zh or en", *s.lang)
	}
	if *s.format != report.FormatText && *s.format != report.FormatMD && *s.format != report.FormatHTML {
		return fail(2, "--format %q: use text, md or html", *s.format)
	}
	cfg, err := loadCampaign(*s.campaignFile)
	if err != nil {
		return fail(2, "%v", err)
	}
	if *s.lang == "" {
		*s.lang = tui.DefaultLang(os.Getenv, cfg.Campaign.Lang)
	}
	tok, err := s.token.Get()
	if err != nil {
		return fail(2, "%v", err)
	}
	// Everything that can be refused is refused before the fold, which
	// reads the whole recording (or waits for the hub's).
	when, err := report.ParseDate(cfg, *s.date)
	if err == nil {
		err = report.CheckDate(cfg, when)
	}
	if err != nil {
		return fail(2, "--date: %v", err)
	}
	if *s.out != "" {
		if err := checkWritable(*s.out); err != nil {
			return fail(2, "--out %s: %v (check the directory exists and is writable)", *s.out, err)
		}
	}
	var notes *report.Notes
	if *s.notes != "" {
		data, err := os.ReadFile(*s.notes)
		if err == nil {
			notes, err = report.ParseNotes(data)
		}
		if err != nil {
			return fail(2, "--notes %s: %v", *s.notes, err)
		}
	}
	facts, err := loadFacts("")
	if err != nil {
		return fail(1, "%v", err)
	}
	b, code, err := bulletinOf(cfg, bulletinSource{Recording: *s.recording, Hub: *s.hubURL, Token: tok, CAFile: *s.caFile}, *s.period, *s.date, when)
	if err != nil {
		return fail(code, "%v", err)
	}
	if *s.hubURL != "" && b.Campaign != cfg.Campaign.ID {
		return fail(2, "the hub runs campaign %q, not %q: pass the hub's campaign file with --campaign", b.Campaign, cfg.Campaign.ID)
	}
	if notes != nil {
		b.Notes = notes // the file given wins over notes stored on the hub
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, b, cfg, report.Options{Format: *s.format, Lang: *s.lang, Facts: facts}); err != nil {
		return fail(1, "%v", err)
	}
	if *s.out == "" {
		os.Stdout.Write(buf.Bytes())
		return 0
	}
	if err := writeFileAtomic(*s.out, buf.Bytes()); err != nil {
		return fail(1, "write %s: %v (check the directory exists and is writable)", *s.out, err)
	}
	return 0
}

// bulletinSource is where a bulletin comes from: a recording to fold, or
// else a hub to ask (with its read token and CA file).
type bulletinSource struct {
	Recording          string
	Hub, Token, CAFile string
}

// bulletinOf builds the period's bulletin from the recording, or asks the
// hub for it; report and summary --period share it so both word the same
// figures. On error, code is the exit status: 2 for a bad --ca, else 1.
func bulletinOf(cfg *campaign.Config, src bulletinSource, period, date string, when time.Time) (b *report.Bulletin, code int, err error) {
	if src.Recording != "" {
		h, err := foldHistory(cfg, src.Recording)
		if err != nil {
			return nil, 1, err
		}
		if b, err = report.Build(h, report.Request{Kind: period, Date: when}); err != nil {
			return nil, 1, err
		}
		return b, 0, nil
	}
	tok := src.Token
	tlsCfg, err := hubTLS(src.CAFile)
	if err != nil {
		return nil, 2, fmt.Errorf("--ca: %w", err)
	}
	if b, err = fetchBulletin(hubOptions(src.Hub, tok, tlsCfg), period, date); err != nil {
		return nil, 1, err
	}
	return b, 0, nil
}

// foldHistory folds a recording into a History: the state plus each
// campaign day's counts.
func foldHistory(cfg *campaign.Config, path string) (*campaign.History, error) {
	h := campaign.NewHistory(cfg)
	if err := scanRecording(path, h.Apply); err != nil {
		return nil, err
	}
	return h, nil
}

// fetchBulletin asks the hub for a bulletin as JSON; it is rendered here,
// in the language and format asked for.
func fetchBulletin(hub client.Options, period, date string) (*report.Bulletin, error) {
	q := url.Values{"period": {period}, "format": {report.FormatJSON}}
	if date != "" {
		q.Set("date", date)
	}
	// A hub still folding its log for bulletins answers 503 with its
	// progress and when to ask again: wait for it, saying so.
	hub.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	body, err := client.Get(ctx, hub, "/v1/reports", q)
	if err != nil {
		return nil, err
	}
	var b report.Bulletin
	if err := json.Unmarshal(body, &b); err != nil || b.Kind == "" {
		return nil, fmt.Errorf("the hub's bulletin is unreadable (%v): is %s a sitboard hub of this version?", err, feed.RedactURL(hub.URL))
	}
	return &b, nil
}

// checkWritable tells, before any work, whether writeFileAtomic could
// write path: its directory takes a new file, and path is not a directory.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("is a directory: give a file name")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// writeFileAtomic writes through a temporary file in the same directory,
// so a reader never sees half a bulletin and a failed write leaves any
// older file as it was. The file is 0644 (or keeps the mode of the file it
// replaces), not the temporary file's 0600: a bulletin is for the office
// to open, and a web server or a colleague to read.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := io.Copy(tmp, bytes.NewReader(data))
	if werr == nil {
		werr = tmp.Chmod(mode)
	}
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}
