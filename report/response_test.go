package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// responseCampaign is the night-market test campaign with a response
// clock and shift reports due: every district's traffic report by 22:00,
// every grid's area report by midnight.
const responseCampaign = sitesCampaign + `
[[response]]
priority = 1
dispatch = "3m"
close = "15m"

[[response]]
priority = 2
dispatch = "10m"
close = "1h"

[[reports]]
duty = "traffic"
due = "22:00"
zh = "交通勤务报告"
en = "Traffic report"

[[reports]]
duty = "area"
per = "grid"
due = "24:00"
zh = "夜巡报告"
en = "Night patrol report"
`

// responseLog is a week of hand-built alarms and shift reports; until
// (when not zero) cuts it there. The figures are worked out by hand in
// TestResponseAndReportsBulletin.
func responseLog(t *testing.T, cfg *campaign.Config, until time.Time) *campaign.History {
	t.Helper()
	h := campaign.NewHistory(cfg)
	var evs []feed.Event
	add := func(at time.Time, typ, district, grid string, data any) {
		b, _ := json.Marshal(data)
		evs = append(evs, feed.Event{ID: fmt.Sprint("e", len(evs)), Type: typ, At: at, District: district, Grid: grid, Data: b})
	}
	alarm := func(id, district string, prio int, at time.Time, dispatch, close time.Duration) {
		add(at, feed.TypeAlarmReceived, district, "", feed.AlarmReceived{AlarmID: id, Category: feed.AlarmCriminal, Priority: prio})
		if dispatch > 0 {
			add(at.Add(dispatch), feed.TypeAlarmDispatched, district, "", feed.AlarmDispatched{AlarmID: id, Category: feed.AlarmCriminal})
		}
		if close > 0 {
			add(at.Add(close), feed.TypeAlarmClosed, district, "", feed.AlarmClosed{AlarmID: id, Category: feed.AlarmCriminal})
		}
	}
	day := func(d int, hh, mm int) time.Time {
		return cfg.Date(d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	alarm("E1", "east", 1, day(1, 10, 0), 2*time.Minute, 12*time.Minute)
	alarm("E2", "east", 1, day(1, 11, 0), 4*time.Minute, 20*time.Minute)
	alarm("W1", "west", 2, day(1, 12, 0), 12*time.Minute, 70*time.Minute)
	alarm("E3", "east", 2, day(2, 9, 0), 9*time.Minute+30*time.Second, 50*time.Minute)
	alarm("W2", "west", 1, day(2, 13, 0), time.Minute, 10*time.Minute)
	alarm("E4", "east", 1, day(3, 22, 0), 0, 0) // never dispatched, never closed
	report := func(d, hh, mm int, duty, district, grid string) {
		add(day(d, hh, mm), feed.TypeShiftReport, district, grid, feed.ShiftReport{Duty: duty, Officers: 4})
	}
	for d := 1; d <= 7; d++ {
		if d == 3 {
			report(d, 23, 15, feed.DutyTraffic, "east", "") // late
		} else {
			report(d, 21, 0, feed.DutyTraffic, "east", "")
		}
		if d != 6 {
			report(d, 21, 30, feed.DutyTraffic, "west", "")
		}
		report(d, 23, 0, feed.DutyArea, "east", "east-01")
		if d != 4 {
			report(d, 23, 30, feed.DutyArea, "west", "west-01")
		}
		// north owes a traffic report every night and sends none.
	}
	add(day(7, 23, 59).Add(59*time.Second), feed.TypeShiftReport, "west", "west-01", feed.ShiftReport{Duty: feed.DutyArea, Officers: 1}) // the week ends
	slices.SortStableFunc(evs, func(a, b feed.Event) int { return a.At.Compare(b.At) })
	for i, e := range evs {
		if !until.IsZero() && e.At.After(until) {
			break
		}
		e.Seq = uint64(i + 1)
		h.Apply(e)
	}
	return h
}

// TestResponseAndReportsBulletin checks the 110 table and the shift
// reports of a week against figures worked out by hand:
//
//	dispatch: E1 2 min, E2 4 min (P1, late), W1 12 min (P2, late), E3
//	9.5 min, W2 1 min; in time 3 of 5 (60%), east 2 of 3, west 1 of 2 (the
//	laggard, below the city). Bins 60 120 240 570 720 s: median 4 min (3rd),
//	P90 12 min (5th). Closes 10 12 20 50 70 min, bins 600 900 1200 3000
//	4200 s: median 20 min, P90 1 h 10 min; in time E1 E3 W2, 3 of 5.
//	P1 in time: E1 W2 of E1 E2 W2.
//
//	reports: east traffic 6 on time and night 3 late (23:15), area 7 on
//	time; west traffic missing on night 6, area on night 4; north owes 7
//	traffic reports and sends none. City 35 due: 25 on time, 1 late, 9
//	missing.
//
// A day bulletin of day 3 as of 22:30 has east's traffic report missing
// so far, the area reports pending, and E4 (P1, 22:00) open 30 minutes:
// past its close threshold, the oldest late P1.
func TestResponseAndReportsBulletin(t *testing.T) {
	cfg, err := campaign.ParseConfig("response.toml", []byte(responseCampaign))
	if err != nil {
		t.Fatal(err)
	}
	h := responseLog(t, cfg, time.Time{})
	week, err := Build(h, Request{Kind: campaign.PeriodWeek, Date: cfg.Date(1)})
	if err != nil {
		t.Fatal(err)
	}
	if week.ToDate {
		t.Fatal("the week is complete: its last event is at 23:59:59 on day 7")
	}
	r := week.Response
	c := r.City
	if c.Timed != 5 || c.InTime != 3 || c.Share != (campaign.Figure{Value: 60, OK: true}) || c.P1InTime != 2 || c.P1Timed != 3 ||
		c.Dispatch != (campaign.Percentiles{N: 5, Median: 4 * time.Minute, P90: 12 * time.Minute}) ||
		c.Close != (campaign.Percentiles{N: 5, Median: 20 * time.Minute, P90: 70 * time.Minute}) || c.CloseInTime != 3 {
		t.Errorf("city %+v", c)
	}
	if !reflect.DeepEqual(r.Laggards, []string{"west"}) {
		t.Errorf("laggards %v, want west (50%% against the city's 60%%)", r.Laggards)
	}
	if r.Open != nil {
		t.Errorf("a complete week lists no open alarm: %+v", r.Open)
	}
	rep := week.Reports
	if rep.City != (campaign.ReportTally{Owed: 35, OnTime: 25, Late: 1, Missing: 9}) {
		t.Errorf("reports city %+v", rep.City)
	}
	wantDistricts := []campaign.ReportTally{{District: "east", Owed: 14, OnTime: 13, Late: 1}, {District: "north", Owed: 7, Missing: 7}, {District: "west", Owed: 14, OnTime: 12, Missing: 2}}
	if !reflect.DeepEqual(rep.Districts, wantDistricts) {
		t.Errorf("reports by district %+v, want %+v", rep.Districts, wantDistricts)
	}
	if rep.Total != 10 || len(rep.Lapses) != 10 {
		t.Errorf("%d lapses (%d listed), want 10", rep.Total, len(rep.Lapses))
	}

	// Day 3 as of 22:30, from a log cut there.
	asOf := cfg.Date(3).Add(22*time.Hour + 30*time.Minute)
	running := responseLog(t, cfg, asOf)
	day, err := Build(running, Request{Kind: campaign.PeriodDay, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if o := day.Response.Open; o == nil || *o != (OpenLate{LateClose: 1, OldestP1Secs: 1800, OldestP1: "E4", OldestP1In: "east"}) {
		t.Errorf("open late at 22:30: %+v, want E4 (P1, 30 min) past its close threshold", o)
	}
	if got, want := day.Reports.City, (campaign.ReportTally{Owed: 3, OnTime: 1, Missing: 2, Pending: 2}); got != want {
		t.Errorf("day 3 at 22:30: %+v, want %+v", got, want)
	}

	for _, g := range []struct {
		name       string
		b          *Bulletin
		format     string
		lang, file string
	}{
		{"week zh", week, FormatText, LangZh, "response-week-zh.txt"},
		{"week en", week, FormatMD, LangEn, "response-week-en.md"},
		{"running day zh", day, FormatText, LangZh, "response-day-zh.txt"},
	} {
		var buf bytes.Buffer
		if err := Render(&buf, g.b, cfg, Options{Format: g.format, Lang: g.lang}); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", g.file), buf.String())
	}
}
