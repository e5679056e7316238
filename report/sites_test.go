package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

const sitesCampaign = `[campaign]
id = "sites"
name_zh = "夜市测试"
name_en = "Night market test"
start = "2023-06-25"
end = "2023-07-01"
utc_offset = "+08:00"

[[districts]]
id = "east"
zh = "东区"
en = "East"

[[districts]]
id = "north"
zh = "北区"
en = "North"

[[districts]]
id = "west"
zh = "西区"
en = "West"

[[grids]]
id = "east-01"
district = "east"

[[grids]]
id = "west-01"
district = "west"

[[sites]]
id = "e1"
kind = "night_market"
district = "east"
zh = "东一夜市"
en = "East market 1"

[[sites]]
id = "e2"
kind = "night_market"
district = "east"
zh = "东二夜市"
en = "East market 2"

[[sites]]
id = "e3"
kind = "night_market"
district = "east"
zh = "东三夜市"
en = "East market 3"

[[sites]]
id = "w1"
kind = "night_market"
district = "west"
zh = "西一夜市"

[flags]
red = 1
yellow = 1

[[flags.measures]]
measure = "cases_solved"
weight = 1.0
`

// TestNightMarketCoverage builds a week and a day bulletin from
// hand-built shift reports and checks the coverage against counts worked
// out by hand. Over the 7 nights: e1 and e2 are patrolled every night, e3
// on nights 1–3 only, w1 on every night but the 5th.
//
//	east: 3 sites, 21 site-nights, 7+7+3 = 17 patrolled (80.95%), 2 every night
//	west: 1 site, 7 site-nights, 6 patrolled (85.71%), 0 every night
//	city: 4 sites, 28 site-nights, 23 patrolled (82.14%), 2 every night
//	least covered: e3 3/7 (42.86%), then w1 6/7 (85.71%)
//
// Night 5 alone: e1 and e2 of 4 sites, 2 of 4 (50.00%).
func TestNightMarketCoverage(t *testing.T) {
	cfg, err := campaign.ParseConfig("sites.toml", []byte(sitesCampaign))
	if err != nil {
		t.Fatal(err)
	}
	h := campaign.NewHistory(cfg)
	seq := uint64(0)
	for d := 1; d <= 7; d++ {
		night := cfg.Date(d).Add(22 * time.Hour)
		report := func(district, grid string, sites ...string) {
			seq++
			data, _ := json.Marshal(feed.ShiftReport{Duty: feed.DutyArea, Officers: 5, Sites: sites})
			h.Apply(feed.Event{ID: fmt.Sprint("s", seq), Seq: seq, Type: feed.TypeShiftReport, At: night, District: district, Grid: grid, Data: data})
		}
		east := []string{"e1", "e2"}
		if d <= 3 {
			east = append(east, "e3")
		}
		report("east", "east-01", east...)
		if d != 5 {
			report("west", "west-01", "w1")
		}
	}

	week, err := Build(h, Request{Kind: campaign.PeriodWeek, Date: cfg.Date(3)})
	if err != nil {
		t.Fatal(err)
	}
	nm := week.NightMarkets
	want := NightMarkets{
		Nights: 7,
		Districts: []NightMarketRow{
			{District: "east", Sites: 3, SiteNights: 21, Covered: 17, Percent: 17.0 / 21 * 100, OK: true, EveryNight: 2},
			{District: "west", Sites: 1, SiteNights: 7, Covered: 6, Percent: 6.0 / 7 * 100, OK: true, EveryNight: 0},
		},
		Total: NightMarketRow{Sites: 4, SiteNights: 28, Covered: 23, Percent: 23.0 / 28 * 100, OK: true, EveryNight: 2},
		Least: []campaign.SiteCoverage{
			{Site: "e3", District: "east", Covered: 3, Nights: 7},
			{Site: "w1", District: "west", Covered: 6, Nights: 7},
		},
		Missed: 2,
	}
	if !reflect.DeepEqual(nm, want) {
		t.Errorf("week coverage:\n got %+v\nwant %+v", nm, want)
	}

	text := func(b *Bulletin, lang string) string {
		var buf bytes.Buffer
		if err := Render(&buf, b, cfg, Options{Format: FormatText, Lang: lang}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	// The week says it in a line, naming the markets missed; the closing
	// bulletin (here, of the same seven days) has the full table.
	for lang, want := range map[string]string{
		LangZh: "夜市巡防：全市4处夜市，7晚应巡28处次，实巡23处次，覆盖率82.14%，每晚均有巡防的2处；漏巡：东三夜市（东区）、西一夜市（西区）。",
		LangEn: "Night markets: 23 of 28 site-nights patrolled over 7 nights at the city's 4 markets (82.14%), 2 every night; missed: East market 3 (East), 西一夜市 (West).",
	} {
		if got := text(week, lang); !strings.Contains(got, want) {
			t.Errorf("%s week bulletin lacks %q", lang, want)
		}
	}
	whole, err := Build(h, Request{Kind: campaign.PeriodCampaign})
	if err != nil {
		t.Fatal(err)
	}
	zh, en := text(whole, LangZh), text(whole, LangEn)
	for _, s := range []string{
		"本期7晚，全市4处夜市应巡28处次，实巡23处次，覆盖率82.14%，每晚均有巡防的2处。",
		"巡防覆盖最少的夜市（2处有漏巡，列前2处）",
		"东三夜市", "3/7", "42.86%", "80.95%", "85.71%",
	} {
		if !strings.Contains(zh, s) {
			t.Errorf("zh closing bulletin lacks %q", s)
		}
	}
	for _, s := range []string{
		"Over the period's 7 nights, the city's 4 night markets were patrolled on 23 of 28 site-nights (82.14%); 2 were patrolled every night.",
		"East market 3", "西一夜市", // no English name: the Chinese one
	} {
		if !strings.Contains(en, s) {
			t.Errorf("en closing bulletin lacks %q", s)
		}
	}
	// North has no night market: no row in the coverage table (it is
	// still in the ranking further down).
	sec := zh[strings.Index(zh, "夜市巡防覆盖"):]
	if sec = sec[:strings.Index(sec, "说明：")]; strings.Contains(sec, "北区") {
		t.Errorf("a district without night markets has a coverage row:\n%s", sec)
	}
	if strings.Contains(zh, "不含具体夜市点位") || strings.Contains(en, "names no individual site") {
		t.Error("the bulletin still says the feed names no site")
	}

	day5, err := Build(h, Request{Kind: campaign.PeriodDay, Date: cfg.Date(5)})
	if err != nil {
		t.Fatal(err)
	}
	if got := day5.NightMarkets.Total; got.SiteNights != 4 || got.Covered != 2 || got.EveryNight != 2 || fmt.Sprintf("%.2f", got.Percent) != "50.00" {
		t.Errorf("night 5 total = %+v; want 2 of 4 (50.00%%)", got)
	}
	if l := day5.NightMarkets.Least; len(l) != 2 || l[0].Site != "e3" || l[1].Site != "w1" || l[0].Covered != 0 {
		t.Errorf("night 5 least covered = %+v; want e3 then w1, each 0/1", l)
	}
	for lang, want := range map[string]string{
		LangZh: "当晚全市4处夜市实巡2处，覆盖率50.00%；漏巡：东三夜市（东区）、西一夜市（西区）。",
		LangEn: "2 of the city's 4 patrolled that night (50.00%); missed: East market 3 (East), 西一夜市 (West).",
	} {
		if got := text(day5, lang); !strings.Contains(got, want) {
			t.Errorf("%s night 5 bulletin lacks %q", lang, want)
		}
	}
	day2, _ := Build(h, Request{Kind: campaign.PeriodDay, Date: cfg.Date(2)})
	if len(day2.NightMarkets.Least) != 0 || !strings.Contains(text(day2, LangZh), "覆盖率100.00%，各处夜市均有巡防。") {
		t.Errorf("night 2, every site patrolled: least = %+v", day2.NightMarkets.Least)
	}

	// A bulletin from a hub older than per-site coverage has none: it says
	// so instead of showing 0 markets.
	old := *whole
	old.NightMarkets = NightMarkets{}
	if en := text(&old, LangEn); !strings.Contains(en, "carries no night-market coverage") || !strings.Contains(en, "upgrade the hub") {
		t.Error("a bulletin without coverage from an older hub does not say to upgrade it")
	}
}

// TestNightMarketTonightNotYetReported: a bulletin built during a day,
// before any shift report of that night has named a market, must not
// count the night as owed and missed: that read "0 of 4 patrolled, not
// patrolled: every market" every morning. The night counts once a report
// of it names a site; the nights before count as always.
func TestNightMarketTonightNotYetReported(t *testing.T) {
	cfg, err := campaign.ParseConfig("sites.toml", []byte(sitesCampaign))
	if err != nil {
		t.Fatal(err)
	}
	h := campaign.NewHistory(cfg)
	seq := uint64(0)
	apply := func(typ string, at time.Time, district, grid string, v any) {
		seq++
		data, _ := json.Marshal(v)
		h.Apply(feed.Event{ID: fmt.Sprint("s", seq), Seq: seq, Type: typ, At: at, District: district, Grid: grid, Data: data})
	}
	for d := 1; d <= 2; d++ {
		night := cfg.Date(d).Add(22 * time.Hour)
		apply(feed.TypeShiftReport, night, "east", "east-01", feed.ShiftReport{Duty: feed.DutyArea, Officers: 5, Sites: []string{"e1", "e2", "e3"}})
		apply(feed.TypeShiftReport, night, "west", "west-01", feed.ShiftReport{Duty: feed.DutyArea, Officers: 5, Sites: []string{"w1"}})
	}
	// Day 3, 09:00: the feed has moved on, tonight's patrols are ahead.
	apply(feed.TypeInspection, cfg.Date(3).Add(9*time.Hour), "east", "", feed.Inspection{UnitType: "school", Found: 1, Rectified: 1})

	text := func(b *Bulletin, lang string) string {
		var buf bytes.Buffer
		if err := Render(&buf, b, cfg, Options{Format: FormatText, Lang: lang}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	today, err := Build(h, Request{Kind: campaign.PeriodDay, Date: cfg.Date(3)})
	if err != nil {
		t.Fatal(err)
	}
	if nm := today.NightMarkets; nm.Nights != 0 || nm.Total.Covered != 0 || nm.Missed != 0 || !nm.Pending {
		t.Errorf("today's coverage before tonight's reports = %+v; want no night owed yet, pending", nm)
	}
	for lang, want := range map[string]string{
		LangZh: "当晚尚无列明夜市的巡防上报",
		LangEn: "no shift report has named a night market for that night yet",
	} {
		got := text(today, lang)
		if !strings.Contains(got, want) || strings.Contains(got, "Not patrolled that night") || strings.Contains(got, "当晚未巡的夜市") {
			t.Errorf("%s bulletin for today does not say tonight is still to come (%q):\n%s", lang, want, got)
		}
	}
	week, err := Build(h, Request{Kind: campaign.PeriodWeek, Date: cfg.Date(3)})
	if err != nil {
		t.Fatal(err)
	}
	if nm := week.NightMarkets; nm.Nights != 2 || nm.Total.SiteNights != 8 || nm.Total.Covered != 8 || nm.Missed != 0 || nm.Total.EveryNight != 4 || !nm.Pending {
		t.Errorf("week to date = %+v; want nights 1-2 only, every market every night, pending", nm)
	}
	if en := text(week, LangEn); !strings.Contains(en, "every market patrolled every night") || !strings.Contains(en, "(the night of 27 June not yet reported, not counted)") {
		t.Errorf("week-to-date bulletin:\n%s", en)
	}

	// Once a report of tonight names a site, the night counts, missed
	// markets and all.
	apply(feed.TypeShiftReport, cfg.Date(3).Add(22*time.Hour), "east", "east-01", feed.ShiftReport{Duty: feed.DutyArea, Officers: 5, Sites: []string{"e1"}})
	today, _ = Build(h, Request{Kind: campaign.PeriodDay, Date: cfg.Date(3)})
	if nm := today.NightMarkets; nm.Nights != 1 || nm.Total.Covered != 1 || nm.Missed != 3 || nm.Pending {
		t.Errorf("today's coverage after a report of tonight = %+v; want 1 of 4, 3 missed", nm)
	}
}
