package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// TestDailyPage: each row holds the day before, the day shown and the
// change. Live, both days are counted to the same whole hour from the
// state's hourly series, with yesterday's whole day beside them; a state
// without the series (an older hub) falls back to today so far against
// the whole of yesterday, marked "so far"; in review the page shows the
// reviewed day against the whole day before.
func TestDailyPage(t *testing.T) {
	cfg, s := fixture()
	render := func(m Model) []string {
		return strings.Split(ansi.Strip(strings.Join(renderDaily(m.ctx, 120, 20), "\n")), "\n")
	}
	row := func(t *testing.T, lines []string, label string) []string {
		t.Helper()
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), label) {
				return strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), label))
			}
		}
		t.Fatalf("no row %q in\n%s", label, strings.Join(lines, "\n"))
		return nil
	}
	// check: every row is yesterday, today, the change and, when whole
	// is given, yesterday's whole day.
	check := func(t *testing.T, m Model, yesterday, today campaign.DayCounts, whole *campaign.DayCounts, notCompared bool) {
		t.Helper()
		lines := render(m)
		for _, r := range dailyRows {
			y, d := r.pick(yesterday), r.pick(today)
			want := []string{fmtInt(y), fmtInt(d), fmtSigned(d - y), fmtChange(campaign.Change(d, y))}
			if (r.byReport && d == 0 && whole != nil) || notCompared {
				want[2], want[3] = noValue, noValue
			}
			if whole != nil {
				want = append(want, fmtInt(r.pick(*whole)))
			}
			if got := row(t, lines, m.ctx.T(r.key)); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: %v, want %v", r.key, got, want)
			}
		}
	}
	t.Run("live: to the same hour", func(t *testing.T) {
		m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
		today, yesterday, ok := s.SameTime(s.Day, fixedNow.Hour())
		if !ok {
			t.Fatal("the fixture has no hourly series")
		}
		check(t, m, yesterday, today, &s.Days[s.Day-2], false)
		if head := render(m)[0]; !strings.Contains(head, "to 14:00") || !strings.Contains(head, "Yday all day") {
			t.Errorf("live head %q does not say both days are to 14:00 and which column is the whole day", head)
		}
	})
	t.Run("live, a state without the hourly series: today so far", func(t *testing.T) {
		old := s.Clone()
		old.Intraday = nil // what a hub older than the series sends
		m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
		m = send(m, StateMsg{State: old})
		// Today so far against the whole of yesterday is not like for like
		// (docs/figures.md, rule 1): the counts, no change.
		check(t, m, s.Days[s.Day-2], s.Days[s.Day-1], nil, true)
		if head := render(m)[0]; !strings.Contains(head, "to 14:05") || strings.Contains(head, "all day") {
			t.Errorf("fallback head %q: want today so far, to 14:05, and no whole-day column", head)
		}
	})
	t.Run("live, the wall clock past the day: whole days", func(t *testing.T) {
		later := func() time.Time { return cfg.Start().AddDate(0, 0, 120) } // after the campaign
		m := board(t, Options{Lang: "en", Theme: "dark", Now: later}, 120, 40)
		check(t, m, s.Days[s.Day-2], s.Days[s.Day-1], nil, false)
		if head := render(m)[0]; strings.Contains(head, " to ") || strings.Contains(head, "all day") {
			t.Errorf("head %q: want the whole day, not so far", head)
		}
	})
	t.Run("review", func(t *testing.T) {
		m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
		m.opts.FetchDay = nil
		// The fixture's state stands for the end of day 20: the page reads
		// the reviewed day from the header, not from the live day.
		m.ctx.live, m.ctx.review = m.ctx.State, &review{day: 20, state: s}
		check(t, m, s.Days[18], s.Days[19], nil, false)
		// In review the day shown is "Day 07-14" (当日), never "Today".
		if head := render(m)[0]; !strings.Contains(head, "Day "+cfg.Start().AddDate(0, 0, 19).Format("01-02")) || strings.Contains(head, "Today") {
			t.Errorf("review head %q does not name the reviewed day, or calls it today", head)
		}
		m.ctx.Lang = "zh"
		if head := render(m)[0]; !strings.Contains(head, "当日 07-14") || strings.Contains(head, "今日") {
			t.Errorf("review head %q does not say 当日", head)
		}
		if kpi := ansi.Strip(strings.Join(renderKPI(m.ctx, 200, 4), "\n")); strings.Contains(kpi, "今日") || !strings.Contains(kpi, "当日") {
			t.Errorf("in review the tiles say 今日:\n%s", kpi)
		}
	})
}

// TestDailyPageAtNine: live at 09:05, hand-built events: the page sets
// yesterday 00:00–09:00 against today 00:00–09:00 (today's 09:02 alarm is
// not in, as yesterday's 09:30 is not), counts a late alarm of yesterday's
// in yesterday, and shows yesterday's whole day beside them.
func TestDailyPageAtNine(t *testing.T) {
	cfg, _ := fixture()
	zone := cfg.Location()
	at := func(day, hh, mm int) time.Time { return time.Date(2023, 7, day, hh, mm, 0, 0, zone) }
	var seq uint64
	var evs []feed.Event
	alarm := func(t time.Time, category string) {
		seq++
		id := fmt.Sprintf("A%d", seq)
		b, _ := json.Marshal(feed.AlarmReceived{AlarmID: id, Category: category, Priority: 2})
		evs = append(evs, feed.Event{Seq: seq, ID: id, Type: feed.TypeAlarmReceived, At: t, District: "xihua", Data: b})
	}
	shift := func(t time.Time, officers int64) {
		seq++
		b, _ := json.Marshal(feed.ShiftReport{Duty: "area_patrol", Officers: officers})
		evs = append(evs, feed.Event{Seq: seq, ID: fmt.Sprintf("S%d", seq), Type: feed.TypeShiftReport, At: t, District: "xihua", Data: b})
	}
	// Yesterday, 07-30.
	alarm(at(30, 3, 0), "criminal")
	alarm(at(30, 8, 59), "public_order")
	alarm(at(30, 9, 30), "criminal")
	alarm(at(30, 20, 0), "criminal")
	shift(at(30, 6, 0), 100)
	// Today, 07-31, to 09:02.
	alarm(at(31, 0, 10), "criminal")
	alarm(at(31, 5, 0), "public_order")
	shift(at(31, 6, 0), 120)
	alarm(at(31, 7, 0), "criminal")
	alarm(at(31, 8, 20), "public_order")
	alarm(at(31, 9, 2), "criminal")
	// Late: yesterday's, arriving now.
	alarm(at(30, 8, 0), "criminal")
	s := campaign.NewState(cfg)
	for _, ev := range evs {
		campaign.Apply(cfg, s, ev)
	}
	nine := at(31, 9, 5)
	m := board(t, Options{Lang: "en", Theme: "dark", Now: func() time.Time { return nine }}, 120, 40)
	m = send(m, StateMsg{State: s})
	lines := strings.Split(ansi.Strip(strings.Join(renderDaily(m.ctx, 120, 20), "\n")), "\n")
	if !strings.Contains(lines[0], "Yday 07-30 to 09:00") || !strings.Contains(lines[0], "Today 07-31 to 09:00") {
		t.Errorf("head %q, want both days to 09:00", lines[0])
	}
	// yesterday to 09, today to 09, change, change %, yesterday all day
	want := map[string]string{
		"daily.alarms":          "3 4 +1 ▴33.33% 5",
		"daily.alarms_criminal": "2 2 0 =0.00% 4",
		"daily.alarms_public":   "1 2 +1 ▴100.00% 1",
		"daily.officers":        "100 120 +20 ▴20.00% 100",
	}
	for key, w := range want {
		label := m.ctx.T(key)
		found := false
		for _, l := range lines {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), label+" "); ok {
				found = true
				if got := strings.Join(strings.Fields(rest), " "); got != w {
					t.Errorf("%s: %q, want %q", key, got, w)
				}
			}
		}
		if !found {
			t.Errorf("no row %s in\n%s", key, strings.Join(lines, "\n"))
		}
	}
}

// TestDailyGoldens: the 日动态 page in the rotator of every built-in
// layout that has it, zh and en, live and in review.
func TestDailyGoldens(t *testing.T) {
	_, s := fixture()
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			for _, mode := range []string{"live", "review"} {
				name := fmt.Sprintf("daily/%s_%s_%s", layout, lang, mode)
				t.Run(name, func(t *testing.T) {
					l, err := layouts.Resolve(layout)
					if err != nil {
						t.Fatal(err)
					}
					w, h := l.MinWidth, l.MinHeight
					m := board(t, Options{Lang: lang, Theme: "dark", Layout: layout, District: "xihua"}, w, h)
					if mode == "review" {
						// The fixture as the end of its own day: the page
						// shows the whole day, not "so far".
						m.ctx.live, m.ctx.review = m.ctx.State, &review{day: s.Day, state: s}
					}
					m.ctx.Rot.jumpTo(layouts.Daily, fixedNow)
					if m.ctx.Rot.page() != layouts.Daily {
						t.Skipf("layout %s has no daily page", layout)
					}
					m.bump()
					out := m.Render()
					checkWidths(t, name, out, w, h)
					golden(t, name, out)
				})
			}
		}
	}
}

// TestDailyPageWaitsForShiftReports: live, a figure that arrives only in
// shift reports shows no change while today has none (its zero is "not
// reported yet", not ▾100%); a figure counted event by event, and any
// whole reviewed day, shows its drop.
func TestDailyPageWaitsForShiftReports(t *testing.T) {
	_, base := fixture()
	s := base.Clone()
	today, yesterday := &s.Days[s.Day-1], &s.Days[s.Day-2]
	today.Officers, yesterday.Officers = 0, 2501
	today.Arrested, yesterday.Arrested = 0, 18
	// Live, the page reads both days to the same hour from the hourly
	// series: the same, hour by hour.
	for h := range campaign.HoursPerDay {
		s.Intraday.Today[h].Officers, s.Intraday.Yesterday[h].Officers = 0, 0
		s.Intraday.Today[h].Arrested, s.Intraday.Yesterday[h].Arrested = 0, 0
	}
	s.Intraday.Yesterday[6].Officers, s.Intraday.Yesterday[8].Arrested = 2501, 18
	rowOf := func(m Model, key string) string {
		t.Helper()
		for _, l := range renderDaily(m.ctx, 100, 20) {
			if l = ansi.Strip(l); strings.HasPrefix(strings.TrimSpace(l), m.ctx.T(key)) {
				return l
			}
		}
		t.Fatalf("no row %s", key)
		return ""
	}
	m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
	m = send(m, StateMsg{State: s})
	if l := rowOf(m, "daily.officers"); strings.Contains(l, "▾") || !strings.Contains(l, noValue) {
		t.Errorf("live, no shift report yet today: %q, want no change shown", l)
	}
	if l := rowOf(m, "daily.arrested"); !strings.Contains(l, "▾100.00%") {
		t.Errorf("live, no arrest today: %q, want ▾100.00%%", l)
	}
	m.opts.FetchDay = nil
	m.ctx.live, m.ctx.review = m.ctx.State, &review{day: s.Day, state: s}
	if l := rowOf(m, "daily.officers"); !strings.Contains(l, "▾100.00%") {
		t.Errorf("review of a whole day without shifts: %q, want ▾100.00%%", l)
	}
}
