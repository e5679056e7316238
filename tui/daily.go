package tui

import (
	"fmt"

	"sitboard/campaign"
)

// The 日动态 page: the day shown and the day before, side by side, with
// each figure's change. The day shown is the header's: today when live,
// the reviewed day in review (复盘). Whole days come from the state's
// per-day series, the same the trends page draws; today against yesterday
// to the same hour from its hourly series (docs/figures.md, "日动态").

// dailyRows are the page's figures, in the order of the three lines of
// work (打击, 巡防, 隐患清零), with the alarms first.
//
// byReport marks the figures that arrive only in shift reports
// (patrol.shift_report, sent after a shift ends: officer shifts, persons
// and vehicles checked): until today's first report, today's zero means
// "not reported yet", not a 100% drop.
var dailyRows = []struct {
	key      string
	pick     func(campaign.DayCounts) int64
	byReport bool
}{
	{"daily.alarms", func(d campaign.DayCounts) int64 { return d.Alarms }, false},
	{"daily.alarms_criminal", func(d campaign.DayCounts) int64 { return d.AlarmsCriminal }, false},
	{"daily.alarms_public", func(d campaign.DayCounts) int64 { return d.AlarmsPublic }, false},
	{"daily.cases_filed", func(d campaign.DayCounts) int64 { return d.CasesFiled }, false},
	{"daily.cases_solved", func(d campaign.DayCounts) int64 { return d.CasesSolved }, false},
	{"daily.arrested", func(d campaign.DayCounts) int64 { return d.Arrested }, false},
	{"daily.officers", func(d campaign.DayCounts) int64 { return d.Officers }, true},
	{"daily.persons_checked", func(d campaign.DayCounts) int64 { return d.PersonsChecked }, true},
	{"daily.vehicles_checked", func(d campaign.DayCounts) int64 { return d.VehiclesChecked }, true},
	{"daily.rectified", func(d campaign.DayCounts) int64 { return d.Rectified }, false},
	{"daily.disputes_found", func(d campaign.DayCounts) int64 { return d.DisputesFound }, false},
	{"daily.disputes_resolved", func(d campaign.DayCounts) int64 { return d.DisputesResolved }, false},
}

// renderDaily: a row per figure with yesterday, today and the change as a
// count and a percentage.
//
// While today runs (live, not in review), both days are counted to the
// same whole hour from the state's hourly series (campaign.Intraday): at
// 09:17, yesterday 00:00–09:00 against today 00:00–09:00, never more of
// yesterday than of today, with yesterday's whole day beside them for
// context. A state without the series (from an older hub) falls back to
// today so far against the whole of yesterday, marked "so far". A finished
// or reviewed day is the whole day against the whole day before.
func renderDaily(c *Context, w, h int) []string {
	st := c.St
	s := c.D.S
	day := max(c.day(), 1)
	today := dayCounts(s, day)
	yesterday, hasYesterday := campaign.DayCounts{}, day > 1
	if hasYesterday {
		yesterday = dayCounts(s, day-1)
	}
	wholeYesterday := yesterday
	// A live board whose wall clock has passed the end of the day shown
	// (the campaign is over, the feed stopped) shows that day whole.
	finished := !c.Demo && !c.frameNow().Before(c.dayDate(day+1))
	soFar := c.review == nil && !finished && s != nil && s.Day == day && !s.LastAt.IsZero()
	sameTime := false
	hour := ""
	if soFar && hasYesterday {
		clk := c.clock()
		if t, y, ok := s.SameTime(day, clk.Hour()); ok && c.Cfg.Day(clk) == day {
			today, yesterday, sameTime, soFar = t, y, true, false
			hour = clk.Format("15")
		}
	}
	date := func(d int) string { return c.dayDate(d).Format("01-02") }
	todayHead := fmt.Sprintf(c.DayT("daily.today"), date(day))
	yesterdayHead := fmt.Sprintf(c.DayT("daily.yesterday"), date(day-1))
	wholeHead := ""
	note := ""
	switch {
	case sameTime:
		todayHead = c.Tf("daily.today_to", date(day), hour)
		yesterdayHead = c.Tf("daily.yesterday_to", date(day-1), hour)
		wholeHead = c.T("daily.yesterday_whole")
		note = c.Tf("daily.same_time_note", hour)
	case soFar:
		todayHead = c.Tf("daily.today_sofar", date(day), c.clock().Format("15:04"))
	}
	lw := 0
	for _, r := range dailyRows {
		lw = max(lw, Width(c.T(r.key)))
	}
	// What goes when the box is narrow, in turn: the long column heads
	// (the dates stay, the note below says what they count), the change
	// as a count, yesterday's whole day, then the labels' width. The
	// percentage stays: it is what a bulletin quotes.
	const dw, pw = 9, 10
	showDiff, showWhole := true, wholeHead != ""
	vw, ww := 0, 0
	need := func() int {
		vw = max(Width(todayHead), Width(yesterdayHead), 7) + 1
		n := 1 + lw + 2*vw + pw
		if showDiff {
			n += dw
		}
		if showWhole {
			ww = max(Width(wholeHead), 7) + 1
			n += ww
		}
		return n
	}
	if need() > w {
		switch {
		case sameTime:
			todayHead, yesterdayHead = date(day)+"*", date(day-1)+"*"
			wholeHead = c.T("daily.whole_short")
		case soFar:
			note = c.Tf("daily.sofar_note", c.clock().Format("15:04"))
			todayHead, yesterdayHead = date(day)+"*", date(day-1)
		default:
			todayHead, yesterdayHead = date(day), date(day-1)
		}
	}
	if need() > w {
		showDiff = false
	}
	if need() > w {
		showWhole = false
	}
	if need() > w {
		lw = max(w-(need()-lw), 4)
	}
	head := " " + Fit(c.T("daily.figure"), lw) + PadLeft(yesterdayHead, vw) + PadLeft(todayHead, vw)
	if showDiff {
		head += PadLeft(c.T("daily.change"), dw)
	}
	head += PadLeft(c.T("daily.change_pct"), pw)
	if showWhole {
		head += PadLeft(wholeHead, ww)
	}
	out := []string{st.Dim.R(Fit(head, w))}
	if note != "" {
		// Under the head, where a short box never cuts it: what the
		// columns count.
		out = append(out, st.Dim.R(Fit(" "+note, w)))
	}
	for _, r := range dailyRows {
		t, y := r.pick(today), r.pick(yesterday)
		yv, diff, pct, whole := noValue, noValue, noValue, noValue
		if hasYesterday {
			// The one rule (campaign.LikeForLike): the same hours of both
			// days, or two whole days; a day so far against the whole day
			// before (a hub older than the hourly series) is not compared.
			base := campaign.Base{Value: float64(y), Days: 1}
			if sameTime {
				base = campaign.Base{Value: float64(y), SameHours: true}
			}
			yv, diff, pct = fmtInt(y), fmtSigned(t-y), fmtChange(campaign.LikeForLike(t, 1, base).Change)
			whole = fmtInt(r.pick(wholeYesterday))
			if soFar || (sameTime && r.byReport && t == 0) {
				diff, pct = noValue, noValue // not like for like; or no report in yet today
			}
		}
		line := " " + Fit(c.T(r.key), lw) + PadLeft(yv, vw) + PadLeft(st.Value.R(fmtInt(t)), vw)
		if showDiff {
			line += PadLeft(diff, dw)
		}
		line += PadLeft(pct, pw)
		if showWhole {
			line += PadLeft(st.Dim.R(whole), ww)
		}
		out = append(out, Fit(line, w))
	}
	if c.D.Filtered {
		out = append(out, st.Dim.R(" "+c.T("kpi.city_only")))
	}
	return cutWithMore(c, out, h)
}

// dayCounts is campaign day d's city-wide counts in s (zero when s has none).
func dayCounts(s *campaign.State, d int) campaign.DayCounts {
	if s == nil || d < 1 || d > len(s.Days) {
		return campaign.DayCounts{}
	}
	return s.Days[d-1]
}

// fmtSigned is a count with its sign: +12, -3, 0.
func fmtSigned(v int64) string {
	if v > 0 {
		return "+" + fmtInt(v)
	}
	return fmtInt(v)
}
