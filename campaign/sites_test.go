package campaign

import (
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// TestSiteCoverageByNight folds hand-built shift reports around a day
// boundary (2023-06-26 00:00 +08:00 starts day 2) and checks each site's
// nights covered per span, worked out by hand: a site is covered on a
// night if a shift report of that campaign day lists it, once however
// many reports do; a site of another district or not in the config is
// not counted; reports before or after the campaign count on its first
// or last day, like every event.
func TestSiteCoverageByNight(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml") // 21 days from 2023-06-25
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("+08:00", 8*3600)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	seq := uint64(0)
	shift := func(when time.Time, district, grid string, sites ...string) feed.Event {
		seq++
		return feed.Event{ID: "s" + time.Duration(seq).String(), Seq: seq, Type: feed.TypeShiftReport, At: when, District: district, Grid: grid,
			Data: eventJSON(feed.ShiftReport{Duty: feed.DutyArea, Officers: 4, Sites: sites})}
	}
	evs := []feed.Event{
		shift(at("2023-06-25 22:30:00"), "east", "east-01", "nm-1", "nm-2"), // day 1
		shift(at("2023-06-25 23:59:59"), "east", "east-02", "nm-1"),         // day 1 again: still one night
		// 2023-06-25 16:00 UTC is 2023-06-26 00:00 +08:00: day 2.
		shift(time.Date(2023, 6, 25, 16, 0, 0, 0, time.UTC), "east", "east-01", "nm-1"),
		shift(at("2023-06-27 21:00:00"), "west", "west-01", "nm-1", "nm-x"), // day 3: another district's site, an unknown one: not counted
		shift(at("2023-06-27 22:00:00"), "west", "west-01", "nm-w", "sq-1"), // day 3; sq-1 is not a night market
		shift(at("2023-06-28 22:00:00"), "east", "east-01"),                 // day 4: a report with no site
		shift(at("2023-07-20 22:00:00"), "east", "east-02", "nm-2"),         // after the campaign: its last day, 21
	}
	h := NewHistory(cfg)
	for _, e := range evs {
		h.Apply(e)
	}
	cases := []struct {
		span   Span
		nights int
		want   map[string]int // night markets' covered nights
	}{
		{Span{1, 1}, 1, map[string]int{"nm-1": 1, "nm-2": 1, "nm-w": 0}},
		{Span{2, 2}, 1, map[string]int{"nm-1": 1, "nm-2": 0, "nm-w": 0}},
		{Span{1, 3}, 3, map[string]int{"nm-1": 2, "nm-2": 1, "nm-w": 1}},
		{Span{4, 20}, 17, map[string]int{"nm-1": 0, "nm-2": 0, "nm-w": 0}},
		{Span{21, 21}, 1, map[string]int{"nm-1": 0, "nm-2": 1, "nm-w": 0}},
		{Span{1, 21}, 21, map[string]int{"nm-1": 2, "nm-2": 2, "nm-w": 1}},
		{Span{-6, 0}, 0, map[string]int{"nm-1": 0, "nm-2": 0, "nm-w": 0}}, // before the campaign: no night in the log
		{Span{-1, 2}, 2, map[string]int{"nm-1": 2, "nm-2": 1, "nm-w": 0}},
	}
	for _, tc := range cases {
		p := h.Period(PeriodWeek, tc.span)
		if p.Nights() != tc.nights {
			t.Errorf("%v: %d nights, want %d", tc.span, p.Nights(), tc.nights)
		}
		got := map[string]int{}
		var order []string
		for _, c := range p.SiteCoverage(SiteNightMarket) {
			got[c.Site] = c.Covered
			order = append(order, c.Site)
			if c.Nights != tc.nights {
				t.Errorf("%v: %s has %d nights, want %d", tc.span, c.Site, c.Nights, tc.nights)
			}
			if s, _ := cfg.SiteByID(c.Site); s.District != c.District {
				t.Errorf("%v: %s in district %q, want %q", tc.span, c.Site, c.District, s.District)
			}
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%v: covered %v, want %v", tc.span, got, tc.want)
		}
		if want := []string{"nm-1", "nm-2", "nm-w"}; !reflect.DeepEqual(order, want) {
			t.Errorf("%v: sites %v, want the config's night markets in order %v", tc.span, order, want)
		}
	}
	if sq := h.Period(PeriodCampaign, Span{1, 21}).Counts.Sites["sq-1"]; sq != 1 {
		t.Errorf("the square was covered %d nights, want 1 (every kind of site is recorded)", sq)
	}

	// A new run starts the record from nothing.
	seq++
	h.Apply(feed.Event{ID: "run-2", Seq: seq, Type: feed.TypeCampaignStarted, At: at("2023-06-25 00:00:00"), District: "east", Data: eventJSON(feed.CampaignStarted{Run: 2})})
	for _, c := range h.Period(PeriodCampaign, Span{1, 21}).SiteCoverage(SiteNightMarket) {
		if c.Covered != 0 {
			t.Errorf("after campaign.started, %s still has %d nights", c.Site, c.Covered)
		}
	}
}

// TestConfigRefusesBadSites: a site id must be unique and usable as an id
// on the wire, since shift reports name sites by it.
func TestConfigRefusesBadSites(t *testing.T) {
	base := `[campaign]
id = "t"
name_zh = "测"
name_en = "T"
start = "2023-06-25"
end = "2023-06-30"
[[districts]]
id = "east"
zh = "东"
en = "East"
`
	site := func(id string) string {
		return "[[sites]]\nid = \"" + id + "\"\nkind = \"night_market\"\ndistrict = \"east\"\nzh = \"夜市\"\n"
	}
	cases := []struct {
		name, src, want string
	}{
		{"duplicate id", base + site("nm-1") + site("nm-1"), "sites[1].id: duplicate site id nm-1"},
		{"space in id", base + site("nm 1"), "sites[0].id: U+0020 (space) not allowed"},
	}
	for _, tc := range cases {
		_, err := ParseConfig("c.toml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	cfg, err := ParseConfig("c.toml", []byte(base+site("nm-1")))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.SiteName("nm-1", "en"); got != "夜市" {
		t.Errorf("English name without en = %q, want the zh name", got)
	}
	if v := cfg.Validator(); v.Sites["nm-1"] != "east" {
		t.Errorf("validator sites = %v, want nm-1 in east", v.Sites)
	}
}
