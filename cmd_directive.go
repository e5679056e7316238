package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub"
	"sitboard/tui"
)

func init() {
	register("directive", "the office's instructions (指令): issue one to districts, list who has signed and reported", cmdDirective)
}

const directiveUsage = `Usage: sitboard directive issue|list --hub URL --token-file FILE ...

The campaign office's instructions (指令) from a shell, through the hub:

  sitboard directive issue --hub URL --to DISTRICTS --text TEXT [--level L] [--sign-within D] [--report-within D]
      sends an instruction to districts, zones or all (a city-scoped token);
  sitboard directive list --hub URL [--district D] [--json]
      lists the instructions the hub holds: who has signed and reported,
      who is overdue.

The hub decides what the token may do (docs/security.md, "Scoped tokens");
a refusal says what the token allows. See 'sitboard directive issue --help'
and 'sitboard directive list --help'.`

// cmdDirective is 'sitboard directive': issue or list.
func cmdDirective(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "issue":
			return cmdDirectiveIssue(args[1:])
		case "list":
			return cmdDirectiveList(args[1:])
		}
	}
	fs := newFlagSet("directive", directiveUsage)
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "directive: unknown %q: say issue or list (see 'sitboard directive --help')\n", fs.Arg(0))
	} else {
		fmt.Fprintln(os.Stderr, "directive: say issue or list (see 'sitboard directive --help')")
	}
	return 2
}

// directiveHubFlags are the flags both subcommands take to reach the hub.
type directiveHubFlags struct {
	hubURL, caFile, campaignFile *string
	token                        *secretFlag
}

func hubFlags(fs *flagSet, tokenUse string) directiveHubFlags {
	return directiveHubFlags{
		hubURL:       fs.String("hub", "", "hub base URL (http(s)://HOST:PORT or ws(s)://HOST:PORT) (required)"),
		token:        fs.Secret("token", "SITBOARD_READ_TOKEN", tokenUse),
		caFile:       caFlag(fs),
		campaignFile: fs.String("campaign", "", "campaign config TOML (default: the embedded Zhoukou 2023 config)"),
	}
}

// options reads the token, the CA and the campaign; its error is the line
// to print (exit 2).
func (f directiveHubFlags) options() (client.Options, *campaign.Config, error) {
	if *f.hubURL == "" {
		return client.Options{}, nil, errors.New("give the hub with --hub URL")
	}
	tok, err := f.token.Get()
	if err != nil {
		return client.Options{}, nil, err
	}
	tlsCfg, err := hubTLS(*f.caFile)
	if err != nil {
		return client.Options{}, nil, err
	}
	cfg, err := loadCampaign(*f.campaignFile)
	if err != nil {
		return client.Options{}, nil, err
	}
	return hubOptions(*f.hubURL, tok, tlsCfg), cfg, nil
}

func cmdDirectiveIssue(args []string) int {
	fs := newFlagSet("directive issue", `Usage: sitboard directive issue --hub URL --to DISTRICTS --text TEXT [--level urgent|expedited|routine] [--sign-within D | --sign-by TIME] [--report-within D | --report-by TIME] [--by TITLE] [--id ID]

Issues an instruction (指令) to districts, zones or all, through the hub
(POST /v1/directives/issue) with a city-scoped token. Each district must
sign it by its sign-off deadline and report on it by its report deadline;
a deadline is a duration after the instruction's time (--sign-within 2h)
or a time (--sign-by "2023-07-01 12:00", in the campaign's zone). The
same --id sent again is stored once: give one to make a retry safe.
Prints the instruction's id, who it went to and its deadlines.`)
	hf := hubFlags(fs, "a city-scoped read token (the hub's --scoped-tokens): only the city issues")
	var to listFlag
	fs.Var(&to, "to", "district ids, zone ids, or all; comma-separated or repeated (required)")
	text := fs.String("text", "", "the instruction, one line of at most 200 characters (required)")
	level := fs.String("level", feed.LevelRoutine, "urgent (特急), expedited (加急) or routine (平急)")
	signWithin := fs.Duration("sign-within", 0, "the sign-off deadline, after the instruction's time (default 2h)")
	signBy := fs.String("sign-by", "", "the sign-off deadline as a time: RFC 3339, or YYYY-MM-DD HH:MM in the campaign's zone")
	reportWithin := fs.Duration("report-within", 0, "the report deadline, after the instruction's time (default 1d)")
	reportBy := fs.String("report-by", "", "the report deadline as a time, as --sign-by")
	by := fs.String("by", "", "who issues: a title such as 市局指挥中心, not a person's name")
	id := fs.String("id", "", "the instruction's id, at most 64 printable ASCII characters (default: D- and the time and a hash of the text)")
	asJSON := fs.Bool("json", false, "print the hub's answer as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "directive issue: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q: every option is a flag (see 'sitboard directive issue --help')", fs.Arg(0))
	}
	if len(to) == 0 || *text == "" {
		return fail("give who it goes to and what it says: --to chuanhui,huaiyang (or all) --text \"...\"")
	}
	opts, cfg, err := hf.options()
	if err != nil {
		return fail("%v", feed.RedactError(err, opts.Token))
	}
	req := feed.IssueRequest{DirectiveID: *id, To: to, Text: *text, Level: *level, By: *by}
	if req.DirectiveID == "" {
		sum := sha256.Sum256([]byte(strings.Join(to, ",") + "\x00" + *text))
		req.DirectiveID = "D-" + time.Now().In(cfg.Location()).Format("20060102-150405") + "-" + hex.EncodeToString(sum[:2])
	}
	deadline := func(name string, within time.Duration, at string, dflt time.Duration) (time.Time, string, error) {
		switch {
		case at != "" && within != 0:
			return time.Time{}, "", fmt.Errorf("give --%s-within or --%s-by, not both", name, name)
		case at != "":
			t, err := parseWhen(at, cfg.Location())
			if err != nil {
				return time.Time{}, "", fmt.Errorf("--%s-by %q: %v", name, at, err)
			}
			return t, "", nil
		case within == 0:
			within = dflt
		}
		return time.Time{}, within.String(), nil
	}
	if req.DeadlineSign, req.SignWithin, err = deadline("sign", *signWithin, *signBy, 2*time.Hour); err != nil {
		return fail("%v", err)
	}
	if req.DeadlineReport, req.ReportWithin, err = deadline("report", *reportWithin, *reportBy, 24*time.Hour); err != nil {
		return fail("%v", err)
	}
	office, err := client.NewOffice(opts)
	if err != nil {
		return fail("%v", feed.RedactError(err, opts.Token))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := office.Issue(ctx, req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "directive issue:", err)
		return 1
	}
	if *asJSON {
		return printJSON(os.Stdout, out)
	}
	loc := cfg.Location()
	what := "issued"
	if out.Status == feed.OutcomeAlreadyIssued {
		what = "already issued"
	}
	names := make([]string, len(out.Districts))
	for i, d := range out.Districts {
		names[i] = cfg.DistrictName(d, "zh")
	}
	fmt.Printf("%s %s at %s (seq %d) to %d districts: %s\nsign by %s, report by %s\n", out.DirectiveID, what, out.At.In(loc).Format("2006-01-02 15:04:05"),
		out.Seq, len(out.Districts), strings.Join(names, " "), out.DeadlineSign.In(loc).Format("2006-01-02 15:04"), out.DeadlineReport.In(loc).Format("2006-01-02 15:04"))
	return 0
}

// parseWhen reads a time: RFC 3339, or a date and time in loc.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("give RFC 3339 (2023-07-01T12:00:00+08:00) or YYYY-MM-DD HH:MM in the campaign's zone")
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, "directive:", err)
		return 1
	}
	return 0
}

// directiveList is what 'directive list --json' prints.
type directiveList struct {
	AsOf       time.Time                `json:"as_of"`
	Seq        uint64                   `json:"seq"`
	Directives []campaign.DirectiveView `json:"directives"`
}

func cmdDirectiveList(args []string) int {
	fs := newFlagSet("directive list", `Usage: sitboard directive list --hub URL [--district D] [--at TIME] [--json] [--lang zh|en]

Lists every instruction of the campaign's run (GET /v1/directives, the
bulletins' record), newest first, as of the hub's clock (the newest
event's time when the campaign is not running now, as in a replay; or
--at): for each district it went to, whether it signed and reported and
when, the feedback, and who is overdue. Any read token will do.`)
	hf := hubFlags(fs, "read token for --hub")
	district := fs.String("district", "", "only the instructions sent to this district, and only its line")
	at := fs.String("at", "", "as of this time: RFC 3339, or YYYY-MM-DD HH:MM in the campaign's zone")
	asJSON := fs.Bool("json", false, "print one JSON object: {as_of, seq, directives}")
	lang := fs.String("lang", "", "label language: zh or en (default: from LC_ALL, LC_MESSAGES or LANG when it names one, else the campaign's lang, else zh)")
	if err := fs.Parse(args); err != nil {
		return exitUsage(err)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "directive list: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q: every option is a flag (see 'sitboard directive list --help')", fs.Arg(0))
	}
	opts, cfg, err := hf.options()
	if err != nil {
		return fail("%v", feed.RedactError(err, opts.Token))
	}
	if *district != "" {
		if _, ok := cfg.DistrictIndex(*district); !ok {
			return fail("--district %q is not a district of the campaign", *district)
		}
	}
	l := *lang
	switch l {
	case "":
		l = tui.DefaultLang(os.Getenv, cfg.Campaign.Lang)
	case "zh", "en":
	default:
		return fail("--lang %q: use zh or en", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := client.Get(ctx, opts, "/v1/directives", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "directive list:", err)
		return 1
	}
	var rec hub.DirectiveRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		fmt.Fprintf(os.Stderr, "directive list: the hub's answer is unreadable (%v): is it a sitboard hub that keeps instructions?\n", err)
		return 1
	}
	now := time.Now()
	switch {
	case *at != "":
		if now, err = parseWhen(*at, cfg.Location()); err != nil {
			return fail("--at %q: %v", *at, err)
		}
	case cfg.Day(now) < 1 || cfg.Day(now) > cfg.Days():
		now = rec.LastAt // a replayed campaign: its own clock, as the board's
	}
	now = now.In(cfg.Location())
	views := campaign.DirectivesOf(&campaign.DirectiveBook{Items: rec.Directives}, *district, now)
	if *asJSON {
		return printJSON(os.Stdout, directiveList{AsOf: now, Seq: rec.Seq, Directives: views})
	}
	writeDirectiveList(os.Stdout, cfg, l, *district, views, now, rec.Seq)
	return 0
}

// writeDirectiveList prints the instructions in lang: one block each,
// a line per district.
func writeDirectiveList(w io.Writer, cfg *campaign.Config, lang, district string, views []campaign.DirectiveView, now time.Time, seq uint64) {
	T := func(key string) string { return tui.T(lang, key) }
	loc := cfg.Location()
	fmt.Fprintf(w, T("dirlist.head")+"\n", now.Format("2006-01-02 15:04:05"), seq)
	if len(views) == 0 {
		fmt.Fprintln(w, T("dir.none"))
		return
	}
	for _, v := range views {
		fmt.Fprintf(w, "\n%s %s %s %s\n", v.ID, T("dir.level."+v.Level), v.At.In(loc).Format("01-02 15:04"), tui.Sanitize(v.Text))
		fmt.Fprintf(w, "  "+T("dirlist.deadlines")+"\n", v.DeadlineSign.In(loc).Format("01-02 15:04"), v.DeadlineReport.In(loc).Format("01-02 15:04"),
			v.Signed, len(v.Replies), v.Done, len(v.Replies), v.Overdue)
		for i, r := range v.Replies {
			if district != "" && r.District != district {
				continue
			}
			sign, report := T("dirlist.pending"), T("dirlist.pending")
			if r.Signed(now) {
				sign = r.SignedAt.In(loc).Format("01-02 15:04")
				if r.SignedAt.After(v.DeadlineSign) {
					sign += " " + T("dirlist.late")
				}
			} else if now.After(v.DeadlineSign) {
				sign = T("dirlist.overdue")
			}
			if r.Reported(now) {
				report = r.ReportedAt.In(loc).Format("01-02 15:04")
				if r.ReportedAt.After(v.DeadlineReport) {
					report += " " + T("dirlist.late")
				}
				report += " " + tui.Sanitize(r.Report)
			} else if now.After(v.DeadlineReport) {
				report = T("dirlist.overdue")
			}
			mark := "  "
			if campaign.Overdue(v.Status[i]) {
				mark = "! "
			}
			fmt.Fprintf(w, "  %s%s  %s %s  %s %s\n", mark, tui.Sanitize(cfg.DistrictName(r.District, lang)), T("dir.sign"), sign, T("dir.report"), report)
		}
	}
}
