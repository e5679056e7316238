package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/report"
	"sitboard/tui"
)

func init() {
	register("summary", "fold a recording or a hub's state headlessly and print every figure", cmdSummary)
}

func cmdSummary(args []string) int {
	var s summarySettings
	fs := newFlagSet("summary", "Usage: sitboard summary (--hub URL | --recording FILE [--campaign FILE]) [--period P [--date D]] [--json] [--check FACTS.json]\n\nFolds every event with the same fold the hub and board use and prints every figure,\nfor the campaign to date or, with --period, for the period holding --date\n(a change figure of a period is its 环比 or 同比, as in its bulletin).")
	s.hubURL = fs.String("hub", "", "hub base URL (http://HOST:PORT or ws://HOST:PORT) to read the snapshot from")
	s.recording = fs.String("recording", "", "recording file (JSON Lines, optionally .gz) to fold")
	s.campaignFile = fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)")
	s.asJSON = fs.Bool("json", false, "print one JSON object: {campaign, seq, events, figures}")
	s.check = fs.String("check", "", "facts JSON file to compare with; exits 1 listing every figure that is off")
	s.token = fs.Secret("token", "SITBOARD_READ_TOKEN", "read token for --hub")
	s.lang = fs.String("lang", "", "label language: zh or en (default: from LC_ALL, LC_MESSAGES or LANG when it names one, else the campaign's lang, else zh)")
	s.period = fs.String("period", "", "print the figures of one period instead of the campaign to date: day, week, half-month, month or campaign (docs/figures.md, \"Periods\")")
	s.date = fs.String("date", "", "with --period: a date in the period, YYYY-MM-DD (default: the newest event's day)")
	s.caFile = caFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	return runSummary(&s)
}

// summarySettings are the flags of cmdSummary, parsed.
type summarySettings struct {
	hubURL       *string
	recording    *string
	campaignFile *string
	asJSON       *bool
	check        *string
	token        *secretFlag
	lang         *string
	period       *string
	date         *string
	caFile       *string
}

// runSummary folds the recording or asks the hub, and prints the figures.
func runSummary(s *summarySettings) int {
	if (*s.hubURL == "") == (*s.recording == "") {
		fmt.Fprintln(os.Stderr, "summary: give exactly one of --hub URL or --recording FILE")
		return 2
	}
	if *s.period == "" && *s.date != "" {
		fmt.Fprintln(os.Stderr, "summary: --date needs --period (day, week, half-month, month or campaign)")
		return 2
	}
	if *s.period != "" && !slices.Contains(campaign.PeriodKinds, *s.period) {
		fmt.Fprintf(os.Stderr, "summary: --period %q: use one of %s\n", *s.period, strings.Join(campaign.PeriodKinds, ", "))
		return 2
	}
	if *s.check != "" && *s.period != "" && *s.period != campaign.PeriodCampaign {
		fmt.Fprintln(os.Stderr, "summary: --check compares the campaign's published figures: drop --period, or use --period campaign")
		return 2
	}
	cfg, err := loadCampaign(*s.campaignFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		return 2
	}
	tok, err := s.token.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		return 2
	}
	if *s.lang == "" {
		*s.lang = tui.DefaultLang(os.Getenv, cfg.Campaign.Lang)
	}
	if *s.period != "" {
		return summaryOfPeriod(cfg, *s.period, *s.date, *s.recording, *s.hubURL, tok, *s.caFile, *s.check, *s.asJSON, *s.lang)
	}
	var st *campaign.State
	if *s.recording != "" {
		st, err = foldRecording(cfg, *s.recording)
	} else {
		tlsCfg, cerr := hubTLS(*s.caFile)
		if cerr != nil {
			fmt.Fprintln(os.Stderr, "summary: --ca:", cerr)
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		st, err = client.FetchSnapshot(ctx, hubOptions(*s.hubURL, tok, tlsCfg))
		cancel()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		return 1
	}
	facts, err := loadFacts(*s.check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		return 2
	}
	return printSummary(cfg, summaryHead{Seq: st.Seq, Events: st.Events}, campaign.Figures(cfg, st), facts, *s.check, *s.asJSON, *s.lang)
}

// summaryHead is what the summary says about its source, above the figures.
type summaryHead struct {
	Seq    uint64
	Events int64
	// Period, From and To are set for a period's figures.
	Period   string
	From, To string
}

func printSummary(cfg *campaign.Config, head summaryHead, figs map[string]campaign.Figure, facts *campaign.Facts, check string, asJSON bool, lang string) int {
	if asJSON {
		writeSummaryJSON(os.Stdout, cfg, head, figs, facts)
	} else {
		writeSummaryText(os.Stdout, cfg, head, figs, facts, lang)
	}
	if check != "" {
		if bad := campaign.CheckFacts(figs, facts); len(bad) > 0 {
			fmt.Fprintf(os.Stderr, "summary: %d of %d figures do not match %s:\n", len(bad), len(facts.Figures), check)
			for _, m := range bad {
				fmt.Fprintln(os.Stderr, "  "+m.String())
			}
			return 1
		}
		fmt.Fprintf(os.Stderr, "summary: all %d figures match %s\n", len(facts.Figures), check)
	}
	return 0
}

// summaryOfPeriod prints one period's figures: the recording is folded into
// a History, or the hub is asked for the period's bulletin, so the figures
// are the ones its bulletin words.
func summaryOfPeriod(cfg *campaign.Config, period, date, recording, hubURL, token, caFile, check string, asJSON bool, lang string) int {
	when, err := report.ParseDate(cfg, date)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary: --date:", err)
		return 2
	}
	b, code, err := bulletinOf(cfg, bulletinSource{Recording: recording, Hub: hubURL, Token: token, CAFile: caFile}, period, date, when)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		return code
	}
	facts, err := loadFacts(check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		return 2
	}
	figs := make(map[string]campaign.Figure, len(b.Figures))
	for _, f := range b.Figures {
		figs[f.ID] = campaign.Figure{Value: f.Value, OK: f.OK}
	}
	head := summaryHead{Seq: b.Seq, Events: b.Events, Period: b.Kind,
		From: cfg.Date(b.Span.From).Format(time.DateOnly), To: cfg.Date(b.Span.To).Format(time.DateOnly)}
	return printSummary(cfg, head, figs, facts, check, asJSON, lang)
}

// loadFacts reads a facts file, or the embedded one for labels when path is empty.
func loadFacts(path string) (*campaign.Facts, error) {
	if path == "" {
		return campaign.ParseFacts("embedded facts", demo.Facts())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	return campaign.ParseFacts(path, b)
}

func foldRecording(cfg *campaign.Config, path string) (*campaign.State, error) {
	st := campaign.NewState(cfg)
	if err := scanRecording(path, func(ev feed.Event) { campaign.Apply(cfg, st, ev) }); err != nil {
		return nil, err
	}
	return st, nil
}

// scanRecording hands every event of a recording file to apply, in order;
// a read or decode error names the file.
func scanRecording(path string, apply func(feed.Event)) error {
	rc, err := feed.OpenRecording(path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := feed.ScanEvents(rc, func(ev feed.Event) error { apply(ev); return nil }); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// figureDecimals gives each pct figure its published precision (2 otherwise).
func figureDecimals(facts *campaign.Facts) map[string]int {
	d := map[string]int{}
	if facts == nil {
		return d
	}
	for _, f := range facts.Figures {
		if f.Kind == "pct" {
			d[f.ID] = f.Decimals
		}
	}
	return d
}

func isPct(id string) bool { return strings.HasSuffix(id, "_pct") }

func writeSummaryJSON(w io.Writer, cfg *campaign.Config, head summaryHead, figs map[string]campaign.Figure, facts *campaign.Facts) {
	dec := figureDecimals(facts)
	out := struct {
		Campaign string              `json:"campaign"`
		Seq      uint64              `json:"seq"`
		Events   int64               `json:"events"`
		Period   string              `json:"period,omitempty"`
		From     string              `json:"from,omitempty"`
		To       string              `json:"to,omitempty"`
		Figures  map[string]*float64 `json:"figures"`
	}{cfg.Campaign.ID, head.Seq, head.Events, head.Period, head.From, head.To, map[string]*float64{}}
	for id, f := range figs {
		if !f.OK {
			out.Figures[id] = nil // n/a: a zero baseline has no comparison
			continue
		}
		v := f.Value
		if isPct(id) {
			d, ok := dec[id]
			if !ok {
				d = 2
			}
			v = campaign.Round(v, d)
		}
		out.Figures[id] = &v
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}

func writeSummaryText(w io.Writer, cfg *campaign.Config, head summaryHead, figs map[string]campaign.Figure, facts *campaign.Facts, lang string) {
	name := cfg.Campaign.NameZh
	if lang == "en" {
		name = cfg.Campaign.NameEn
	}
	fmt.Fprintf(w, "%s  seq %d  events %d", name, head.Seq, head.Events)
	if head.Period != "" {
		fmt.Fprintf(w, "  %s %s..%s", head.Period, head.From, head.To)
	}
	fmt.Fprint(w, "\n\n")
	labels := map[string]string{}
	for _, f := range facts.Figures {
		labels[f.ID] = f.Zh
		if lang == "en" {
			labels[f.ID] = f.En
		}
	}
	dec := figureDecimals(facts)
	for _, id := range campaign.FigureIDs() {
		f := figs[id]
		val := "n/a"
		if f.OK {
			val = campaign.FormatNumber(f.Value)
			if isPct(id) {
				d, ok := dec[id]
				if !ok {
					d = 2
				}
				val = fmt.Sprintf("%+.*f%%", d, f.Value)
				if !strings.Contains(id, "_yoy_") && !strings.Contains(id, "_mom_") {
					val = fmt.Sprintf("%.*f%%", d, f.Value)
				}
			}
		}
		fmt.Fprintf(w, "%-48s %14s  %s\n", id, val, labels[id])
	}
}
