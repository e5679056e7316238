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

// officeCampaign is the night-market test campaign (east, north, west;
// 06-25 to 07-01) with two zones, two supervision teams and a monthly
// assessment on cases solved.
const officeCampaign = sitesCampaign + `
[[zones]]
id = "zone-ne"
zh = "东北战区"
en = "North-east zone"
districts = ["north", "east"]
leader_zh = "副局长"
leader_en = "Deputy Director"

[[zones]]
id = "zone-w"
zh = "西部战区"
en = "West zone"
districts = ["west"]
leader_zh = "政治部主任"

[[supervision.teams]]
id = "team-01"
zh = "第一督察组"
en = "Team 1"

[[supervision.teams]]
id = "team-02"
zh = "第二督察组"
en = "Team 2"

[[assessment.measures]]
measure = "cases_solved"
weight = 100
`

// officeLog is a week of hand-built cases and supervision; until (when
// not zero) cuts it there. TestOfficeBulletin works it out by hand.
func officeLog(t *testing.T, cfg *campaign.Config, until time.Time) *campaign.History {
	t.Helper()
	var evs []feed.Event
	at := func(d, hh, mm int) time.Time {
		return cfg.Date(d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	add := func(when time.Time, typ, district string, data any) {
		b, _ := json.Marshal(data)
		evs = append(evs, feed.Event{ID: fmt.Sprint("o", len(evs)), Type: typ, At: when, District: district, Data: b})
	}
	// Cases solved: east 4, north 1, west 3, all in June (days 1-6).
	for i, d := range []string{"east", "east", "east", "east", "north", "west", "west", "west"} {
		add(at(1+i%6, 15, 0), feed.TypeCaseSolved, d, feed.CaseSolved{CaseID: fmt.Sprint("C", i), Category: feed.CaseTheft, Kind: feed.KindCriminal, Cold: true})
	}
	visit := func(when time.Time, district, team, mode string, n int64) {
		add(when, feed.TypeSupervisionVisit, district, feed.SupervisionVisit{Team: team, Mode: mode, Focus: "督进度", Findings: n})
	}
	finding := func(when time.Time, district, id, team, summary string, due time.Time) {
		add(when, feed.TypeSupervisionFinding, district, feed.SupervisionFinding{FindingID: id, Team: team, Summary: summary, Severity: feed.SeveritySerious,
			Deadline: due.Format(time.RFC3339)})
	}
	rectified := func(when time.Time, district, id string) {
		add(when, feed.TypeSupervisionRectified, district, feed.SupervisionRectified{FindingID: id, Note: "已整改"})
	}
	visit(at(1, 10, 0), "east", "team-01", feed.ModeOpen, 2)
	finding(at(1, 10, 0), "east", "F1", "team-01", "卡点夜间无人值守", at(3, 18, 0))
	finding(at(1, 10, 0), "east", "F2", "team-01", "巡防台账不全", at(4, 18, 0))
	visit(at(2, 21, 0), "west", "team-02", feed.ModeCovert, 1)
	finding(at(2, 21, 0), "west", "F4", "team-02", "夜市周边巡防力量不足", at(9, 18, 0))
	rectified(at(2, 15, 0), "east", "F1")
	visit(at(3, 21, 0), "north", "team-01", feed.ModeCovert, 1)
	finding(at(3, 21, 0), "north", "F3", "team-01", "接处警记录填写不规范", at(6, 18, 0))
	visit(at(5, 10, 0), "west", "team-02", feed.ModeOpen, 0)
	rectified(at(7, 10, 0), "north", "F3")
	add(at(7, 23, 59).Add(59*time.Second), feed.TypeShiftReport, "west", feed.ShiftReport{Duty: feed.DutyArea, Officers: 1}) // the week ends
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

// TestOfficeBulletin checks the 督察 and 战区 sections against figures
// worked out by hand:
//
//	visits: team-01 east day 1 (announced, 2 problems), north day 3
//	(unannounced, 1); team-02 west day 2 (unannounced, 1), west day 5
//	(announced, 0). Findings: F1 east, due day 3, rectified day 2; F2
//	east, due day 4 18:00, never; F3 north, due day 6 18:00, rectified
//	day 7 10:00 (late); F4 west, due day 9, open. At the week's end F2
//	is overdue by 3 days 6 hours, F4 open.
//
//	zones: 东北 (east 4 + north 1 = 5 solved) ahead of 西部 (3): counts
//	scored against the best, 1.000 and 0.600; east took the red flag,
//	north the yellow. June's 月考核 (days 1-6): 100 and 60 points.
//
// A day bulletin of day 4 as of 19:00 names F2, an hour overdue.
func TestOfficeBulletin(t *testing.T) {
	cfg, err := campaign.ParseConfig("office.toml", []byte(officeCampaign))
	if err != nil {
		t.Fatal(err)
	}
	h := officeLog(t, cfg, time.Time{})
	week, err := Build(h, Request{Kind: campaign.PeriodWeek, Date: cfg.Date(1)})
	if err != nil {
		t.Fatal(err)
	}
	s := week.Supervision
	if s == nil {
		t.Fatal("no 督察 in the week")
	}
	tally := func(r campaign.SupervisionTally) string {
		return fmt.Sprintf("%s v%d/%d p%d f%d r%d l%d o%d od%d", r.Key, r.Visits[0], r.Visits[1], r.Problems, r.Found, r.Rectified, r.Late, r.Open, r.Overdue)
	}
	var got []string
	for _, r := range append(append([]campaign.SupervisionTally{s.City}, s.Districts...), s.Teams...) {
		got = append(got, tally(r))
	}
	want := []string{" v2/2 p4 f4 r2 l1 o2 od1", "east v1/0 p2 f2 r1 l0 o1 od1", "north v0/1 p1 f1 r1 l1 o0 od0", "west v1/1 p1 f1 r0 l0 o1 od0",
		"team-01 v1/1 p3 f3 r2 l1 o1 od1", "team-02 v1/1 p1 f1 r0 l0 o1 od0"}
	if !slices.Equal(got, want) {
		t.Errorf("the week's 督察:\n got %q\nwant %q", got, want)
	}
	if s.OverdueTotal != 1 || len(s.Overdue) != 1 || s.Overdue[0].ID != "F2" || s.Overdue[0].Summary != "巡防台账不全" {
		t.Errorf("overdue %d: %+v, want F2 named", s.OverdueTotal, s.Overdue)
	}
	zones := func(b *Bulletin) []string {
		var out []string
		for _, z := range b.Zones {
			out = append(out, fmt.Sprintf("%d %s %s solved%d flags%d/%d open%d/%d %.3f", z.Rank, z.Zone, strings.Join(z.Districts, "+"), z.CasesSolved, z.Red, z.Yellow, z.OpenFindings, z.OverdueFindings, z.Score))
		}
		return out
	}
	if got, want := zones(week), []string{"1 zone-ne east+north solved5 flags1/1 open1/1 1.000", "2 zone-w west solved3 flags0/0 open1/0 0.600"}; !slices.Equal(got, want) {
		t.Errorf("the week's zones:\n got %q\nwant %q", got, want)
	}
	june, err := Build(h, Request{Kind: campaign.PeriodMonth, Date: cfg.Date(2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := zones(june); len(got) != 2 || june.Zones[0].Score != 100 || june.Zones[1].Score != 60 || june.ZoneScoring.Max != 100 {
		t.Errorf("June's zone standing %q (max %v), want 100 and 60 points out of 100", got, june.ZoneScoring.Max)
	}

	asOf := cfg.Date(4).Add(19 * time.Hour)
	day, err := Build(officeLog(t, cfg, asOf), Request{Kind: campaign.PeriodDay, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if d := day.Supervision; d == nil || d.City.Open != 3 || d.City.Overdue != 1 || !reflect.DeepEqual(ids(d.Overdue), []string{"F2"}) {
		t.Errorf("day 4 at 19:00: %+v", d)
	}

	for _, g := range []struct {
		b          *Bulletin
		format     string
		lang, file string
	}{
		{week, FormatText, LangZh, "office-week-zh.txt"},
		{week, FormatMD, LangEn, "office-week-en.md"},
		{june, FormatText, LangZh, "office-month-zh.txt"},
		{day, FormatText, LangZh, "office-day-zh.txt"},
	} {
		var buf bytes.Buffer
		if err := Render(&buf, g.b, cfg, Options{Format: g.format, Lang: g.lang}); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", g.file), buf.String())
	}
}

func ids(fs []campaign.FindingRecord) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

// TestWeeklyDirectivesListTheDistrictsBehind: a 周通报's 指令 table, on
// its four pages, lists the districts with a sign-off or report late or
// missing, or below the city's rate, and the city; a longer bulletin
// lists every district that was sent one.
func TestWeeklyDirectivesListTheDistrictsBehind(t *testing.T) {
	cfg, err := campaign.ParseConfig("office.toml", []byte(officeCampaign))
	if err != nil {
		t.Fatal(err)
	}
	tally := func(d string, late int) campaign.DirectiveTally {
		return campaign.DirectiveTally{District: d, SignDue: 1, SignOnTime: 1 - late, SignLate: late, ReportDue: 1, ReportOnTime: 1}
	}
	b := &Bulletin{Directives: DirectiveTable{Issued: 1, Districts: []campaign.DirectiveTally{tally("east", 0), tally("north", 1), tally("west", 0)},
		City: campaign.DirectiveTally{SignDue: 3, SignOnTime: 2, SignLate: 1, ReportDue: 3, ReportOnTime: 3}}}
	for _, tc := range []struct {
		kind string
		want []string
	}{{campaign.PeriodWeek, []string{"北区"}}, {campaign.PeriodHalfMonth, []string{"东区", "北区", "西区"}}} {
		b.Kind = tc.kind
		var d textDoc
		directivesSection(&d, b, newWords(cfg, nil, LangZh))
		var got []string
		for _, name := range []string{"东区", "北区", "西区"} {
			if strings.Contains(d.String(), "  "+name+" ") {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tc.want) || !strings.Contains(d.String(), "全市") {
			t.Errorf("%s lists %v, want %v and the city:\n%s", tc.kind, got, tc.want, d.String())
		}
	}
}
