package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// directivesLog is a week of hand-built instructions in the sites
// campaign (east, north, west); until (when not zero) cuts it there:
//
//	D1 day 1 09:00 to all, sign by 10:00, report by 18:00: east signs
//	   09:30, reports 17:00; west signs 10:30 (late), reports 20:00
//	   (late); north does nothing.
//	D2 day 3 09:00 to east and west, sign by 09:30, report by day 4
//	   12:00: east signs 09:10, reports day 4 13:00 (late); west signs
//	   09:20, reports day 4 11:00.
//	D3 day 6 08:00 to north, sign by 09:00, report by day 7 20:00: north
//	   signs 08:40, reports day 7 19:00.
func directivesLog(t *testing.T, cfg *campaign.Config, until time.Time) *campaign.History {
	t.Helper()
	day := func(d, hh, mm int) time.Time {
		return cfg.Date(d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	var evs []feed.Event
	add := func(at time.Time, typ, district string, data any) {
		b, _ := json.Marshal(data)
		evs = append(evs, feed.Event{ID: fmt.Sprint("d", len(evs)), Type: typ, At: at, District: district, Data: b})
	}
	issue := func(id string, at, sign, report time.Time, text string, to ...string) {
		add(at, feed.TypeDirectiveIssued, feed.CityDistrict, feed.DirectiveIssued{DirectiveID: id, To: to, Text: text, Level: feed.LevelUrgent, DeadlineSign: sign, DeadlineReport: report})
	}
	sign := func(id, district string, at time.Time) {
		add(at, feed.TypeDirectiveSigned, district, feed.DirectiveSigned{DirectiveID: id, By: district + "值班台"})
	}
	report := func(id, district string, at time.Time) {
		add(at, feed.TypeDirectiveReported, district, feed.DirectiveReported{DirectiveID: id, By: district + "值班台", Text: "已落实"})
	}
	issue("D1", day(1, 9, 0), day(1, 10, 0), day(1, 18, 0), "夜间集中清查", "all")
	sign("D1", "east", day(1, 9, 30))
	sign("D1", "west", day(1, 10, 30))
	report("D1", "east", day(1, 17, 0))
	report("D1", "west", day(1, 20, 0))
	issue("D2", day(3, 9, 0), day(3, 9, 30), day(4, 12, 0), "校园周边巡逻", "east", "west")
	sign("D2", "east", day(3, 9, 10))
	sign("D2", "west", day(3, 9, 20))
	report("D2", "east", day(4, 13, 0))
	report("D2", "west", day(4, 11, 0))
	issue("D3", day(6, 8, 0), day(6, 9, 0), day(7, 20, 0), "夜市安全检查", "north")
	sign("D3", "north", day(6, 8, 40))
	report("D3", "north", day(7, 19, 0))
	// Patrol reports keep the campaign's clock moving (instructions do
	// not) to the week's end.
	for d := 1; d <= 7; d++ {
		for _, at := range []time.Time{day(d, 8, 0), day(d, 18, 30), day(d, 23, 59).Add(59 * time.Second)} {
			add(at, feed.TypeShiftReport, "east", feed.ShiftReport{Duty: feed.DutyTraffic, Officers: 1})
		}
	}
	slices.SortStableFunc(evs, func(a, b feed.Event) int { return a.At.Compare(b.At) })
	h := campaign.NewHistory(cfg)
	for i, e := range evs {
		if !until.IsZero() && e.At.After(until) {
			break
		}
		e.Seq = uint64(i + 1)
		h.Apply(e)
	}
	return h
}

// TestDirectivesBulletin checks the 指令 section of a week and of a day
// still running against figures worked out by hand:
//
//	week: east signs 2 of 2 in time (100%), reports D1 in time, D2 late
//	(50%); north misses D1's sign-off and report, does D3 in time (50%,
//	50%); west signs D1 late, D2 in time (50%), reports D1 late, D2 in time
//	(50%). City: sign-offs 4 of 6 (66.67%), reports 3 of 6 (50%). Laggards
//	below the city's sign-off rate: north (2 missing), then west. Median
//	times to sign: east 10 and 30 min (10 min), city 10 20 30 40 90 min
//	(30 min).
//
//	day 1 as of 19:00: east both in time; west signed late, its report
//	not in; north nothing. Sign-offs 1 of 3, reports 1 of 3.
func TestDirectivesBulletin(t *testing.T) {
	cfg, err := campaign.ParseConfig("sites.toml", []byte(sitesCampaign))
	if err != nil {
		t.Fatal(err)
	}
	h := directivesLog(t, cfg, time.Time{})
	week, err := Build(h, Request{Kind: campaign.PeriodWeek, Date: cfg.Date(1)})
	if err != nil {
		t.Fatal(err)
	}
	d := week.Directives
	c := d.City
	if d.Issued != 3 || c.SignDue != 6 || c.SignOnTime != 4 || c.SignLate != 1 || c.SignMissing != 1 || c.ReportDue != 6 || c.ReportOnTime != 3 ||
		c.ReportLate != 2 || c.ReportMissing != 1 || c.SignRate() != campaign.Rate(4, 6) || c.ReportRate() != (campaign.Figure{Value: 50, OK: true}) ||
		c.SignTime.Median != 30*time.Minute {
		t.Errorf("city %+v, issued %d", c, d.Issued)
	}
	if !reflect.DeepEqual(d.Laggards, []string{"north", "west"}) {
		t.Errorf("laggards %v, want north (2 missing) then west", d.Laggards)
	}
	if e := d.Districts[0]; e.SignRate().Value != 100 || e.ReportRate().Value != 50 || e.SignTime.Median != 10*time.Minute || e.ReportTime.Median != 8*time.Hour {
		t.Errorf("east %+v", e)
	}
	var lapses []string
	for _, l := range d.Lapses {
		lapses = append(lapses, fmt.Sprintf("%s %s %v %v", l.Directive, l.District, l.Report, l.At.IsZero()))
	}
	if want := []string{"D1 north false true", "D1 west false false", "D1 north true true", "D1 west true false", "D2 east true false"}; !reflect.DeepEqual(lapses, want) {
		t.Errorf("lapses %q, want %q", lapses, want)
	}

	asOf := cfg.Date(1).Add(19 * time.Hour)
	running := directivesLog(t, cfg, asOf)
	day, err := Build(running, Request{Kind: campaign.PeriodDay, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if c := day.Directives.City; c.SignDue != 3 || c.SignOnTime != 1 || c.SignLate != 1 || c.SignMissing != 1 || c.ReportDue != 3 || c.ReportOnTime != 1 || c.ReportMissing != 2 {
		t.Errorf("day 1 at 19:00: %+v", c)
	}
	for _, g := range []struct {
		b          *Bulletin
		format     string
		lang, file string
	}{
		{week, FormatText, LangZh, "directives-week-zh.txt"},
		{week, FormatMD, LangEn, "directives-week-en.md"},
		{day, FormatText, LangZh, "directives-day-zh.txt"},
	} {
		var buf bytes.Buffer
		if err := Render(&buf, g.b, cfg, Options{Format: g.format, Lang: g.lang}); err != nil {
			t.Fatal(err)
		}
		title := "指令签收与反馈"
		if g.lang == LangEn {
			title = "Instructions: sign-off and feedback"
		}
		if !strings.Contains(buf.String(), title) {
			t.Errorf("%s has no instructions section", g.file)
		}
		golden(t, filepath.Join("testdata", g.file), buf.String())
	}
	// A bulletin of a period with no instruction leaves the section out.
	early := cfg.Date(1).Add(8*time.Hour + 30*time.Minute)
	quiet, err := Build(directivesLog(t, cfg, early), Request{Kind: campaign.PeriodDay, AsOf: early})
	if err != nil {
		t.Fatal(err)
	}
	if hasDirectives(quiet) {
		t.Error("a week without instructions shows the section")
	}
}
