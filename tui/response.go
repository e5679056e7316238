package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/layouts"
)

// The response clock (出警时效, docs/figures.md "The response clock"): a
// page with each district's dispatch share and times over the ranking's
// span, and every open alarm's age counting up, yellow past its dispatch
// threshold undispatched, red past its close threshold; and, for the
// wall, a region with the oldest late P1 call's wait in big digits.

// responseRow is one district's (or the city's) response clock on the
// page.
type responseRow struct {
	district string // "" for the city
	r        campaign.Response
	p1In     int64
	p1Timed  int64
}

// responseRows are the page's rows over the ranking's span (s), as the
// ranking measures it: the state shown less the state at the end of the
// day before the span (campaign.CountersSince); the campaign's while that
// state is awaited. spanned says whether they are the span's.
func (c *Context) responseRows(s *campaign.State) (rows []responseRow, city responseRow, spanned bool) {
	counts, spanned := c.spanCounts(s)
	row := func(id string, cs *campaign.Counters) responseRow {
		in, timed := campaign.PriorityShare(cs, 1)
		return responseRow{district: id, r: campaign.ResponseOf(c.Cfg, cs), p1In: in, p1Timed: timed}
	}
	for _, d := range c.Cfg.Districts {
		rows = append(rows, row(d.ID, counts[d.ID]))
	}
	if spanned {
		city = row("", campaign.SumCounters(counts))
	} else {
		city = row("", &s.Totals)
	}
	return rows, city, spanned
}

// fmtWait is a wait as a clock reads it: 4:30, 1:02:05.
func fmtWait(d time.Duration) string {
	s := int64(max(d, 0) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// fmtShare is a share to one decimal, or noValue with nothing to divide.
func fmtShare(f campaign.Figure) string {
	if !f.OK {
		return noValue
	}
	return fmt.Sprintf("%.1f%%", f.Value)
}

func fmtPercentile(p campaign.Percentiles, d time.Duration) string {
	if p.N == 0 {
		return noValue
	}
	return fmtWait(d)
}

// fmtLimit is a threshold in whole hours or minutes: 5分, 3小时 (5m, 3h).
func (c *Context) fmtLimit(d time.Duration) string {
	if d%time.Hour == 0 {
		return c.Tf("resp.limit_h", int(d/time.Hour))
	}
	if d%time.Minute == 0 {
		return c.Tf("resp.limit_m", int(d/time.Minute))
	}
	return fmtWait(d)
}

// lateStyle colours an open alarm by its lateness.
func (c *Context) lateStyle(late int) Style {
	switch late {
	case campaign.LateDispatch:
		return c.St.Warn
	case campaign.LateClose:
		return c.St.Bad
	}
	return c.St.Text
}

// renderResponse is the 出警时效 page: the span and thresholds, the
// districts' table, then the open alarms oldest first with their ages.
func renderResponse(c *Context, w, h int) []string {
	st := c.St
	s := c.D.S
	now := c.clock()
	label := c.T("ranking.span.campaign")
	rows, city, spanned := c.responseRows(s)
	if spanned {
		label = c.rankingLabel()
	}
	var limits []string
	for _, r := range c.Cfg.Response {
		limits = append(limits, fmt.Sprintf("P%d %s/%s", r.Priority, c.fmtLimit(r.Dispatch), c.fmtLimit(r.Close)))
	}
	top := c.Tf("resp.span", label)
	if len(limits) > 0 {
		top += "  " + c.T("resp.thresholds") + " " + strings.Join(limits, " ")
	} else {
		top += "  " + c.T("resp.no_rules")
	}
	out := []string{st.Dim.R(Trunc(top, w))}

	open := c.shownOpenAges(s, now)
	lateD, lateC := map[string]int{}, map[string]int{}
	for _, a := range campaign.OpenAges(c.Cfg, s, "", now) {
		switch a.Late {
		case campaign.LateDispatch:
			lateD[a.District]++
			lateD[""]++
		case campaign.LateClose:
			lateC[a.District]++
			lateC[""]++
		}
	}
	nw := Width(c.T("resp.city"))
	for _, d := range c.Cfg.Districts {
		nw = max(nw, Width(c.districtName(d.ID)))
	}
	cols := []struct {
		key string
		w   int
	}{{"resp.dispatched", 6}, {"resp.share", 7}, {"resp.p1", 7}, {"resp.median", 6}, {"resp.p90", 6}, {"resp.late_dispatch", 5}, {"resp.late_close", 5}}
	used := nw
	n := 0
	for _, col := range cols {
		cw := max(col.w, 1+Width(c.T(col.key)))
		if used+cw > w {
			break
		}
		used += cw
		n++
	}
	cells := func(r responseRow) []string {
		return []string{fmtInt(r.r.Dispatch.N), fmtShare(r.r.Share), fmtShare(campaign.ShownRate(r.p1In, r.p1Timed)),
			fmtPercentile(r.r.Dispatch, r.r.Dispatch.Median), fmtPercentile(r.r.Dispatch, r.r.Dispatch.P90),
			fmtInt(int64(lateD[r.district])), fmtInt(int64(lateC[r.district]))}
	}
	line := func(name string, vals []string, style func(i int) Style) string {
		var b strings.Builder
		b.WriteString(Fit(name, nw))
		for i := range n {
			cw := max(cols[i].w, 1+Width(c.T(cols[i].key)))
			b.WriteString(style(i).R(PadLeft(vals[i], cw)))
		}
		return b.String()
	}
	var heads []string
	for _, col := range cols {
		heads = append(heads, c.T(col.key))
	}
	out = append(out, st.Dim.R(line(c.T("ranking.district"), heads, func(int) Style { return st.Dim })))
	for _, r := range append(rows, city) {
		if len(out) >= h {
			break
		}
		name := c.districtName(r.district)
		if r.district == "" {
			name = c.T("resp.city")
		}
		if r.district != "" && r.district == c.District {
			name = st.Highlight.R(name)
		}
		vals := cells(r)
		out = append(out, line(name, vals, func(i int) Style {
			switch {
			case i == 5 && lateD[r.district] > 0:
				return st.Warn
			case i == 6 && lateC[r.district] > 0:
				return st.Bad
			}
			return st.Text
		}))
	}
	if len(out) >= h {
		return out[:h]
	}
	return append(out, openAlarmLines(c, open, w, h-len(out))...)
}

// shownOpenAges are the open alarms the board shows at now: its
// district's or zone's on a filtered board, oldest first.
func (c *Context) shownOpenAges(s *campaign.State, now time.Time) []campaign.OpenAge {
	all := campaign.OpenAges(c.Cfg, s, "", now)
	if !c.D.Filtered {
		return all
	}
	return slices.DeleteFunc(all, func(a campaign.OpenAge) bool { return !c.inFilter(a.District) })
}

// openAlarmLines lists the open alarms, the late first (past the close
// time, then late to dispatch), each kind oldest first: the age counting
// up, coloured by lateness and said in words (for mono), then when it
// came, where, what and whether a unit is on its way.
func openAlarmLines(c *Context, open []campaign.OpenAge, w, h int) []string {
	st := c.St
	if h <= 0 {
		return nil
	}
	open = slices.Clone(open)
	slices.SortStableFunc(open, func(a, b campaign.OpenAge) int { return b.Late - a.Late })
	var nd, nc int
	for _, a := range open {
		switch a.Late {
		case campaign.LateDispatch:
			nd++
		case campaign.LateClose:
			nc++
		}
	}
	if len(open) == 0 {
		return []string{st.Dim.R(c.T("resp.none_open"))}
	}
	out := []string{st.Title.R(Fit(" "+c.Tf("resp.open", fmtInt(int64(len(open))), fmtInt(int64(nd)), fmtInt(int64(nc))), w))}
	aw, dw := 0, 0
	for _, a := range open {
		aw = max(aw, Width(fmtWait(a.Age)))
		dw = max(dw, Width(c.districtName(a.District)))
	}
	for _, a := range open {
		if len(out) >= h {
			break
		}
		status := c.T("resp.status.undispatched")
		if a.Dispatched {
			status = c.T("resp.status.dispatched")
		}
		switch a.Late {
		case campaign.LateDispatch:
			status = c.T("resp.late.dispatch")
		case campaign.LateClose:
			status = c.T("resp.late.close")
		}
		ls := c.lateStyle(a.Late)
		prio := ""
		if a.Priority > 0 {
			prio = fmt.Sprintf("P%d", a.Priority)
		}
		district := c.districtName(a.District)
		if a.District == c.District {
			district = st.Highlight.R(district)
		}
		age := fmtWait(a.Age)
		l := strings.Repeat(" ", aw-Width(age)) + ls.R(age) + " " + st.Dim.R(a.At.In(c.Cfg.Location()).Format("15:04")) + " " + Fit(prio, 2) + " " +
			Fit(district, min(dw, maxTickerColumn)) + " " + st.Cat(a.Category).R(c.label("alarm.", a.Category)) + " " + ls.R(status)
		out = append(out, Trunc(l, w))
	}
	return out
}

// oldestLateP1 is the oldest late P1 call the board shows (its district's
// on a filtered board).
func (c *Context) oldestLateP1() (campaign.OpenAge, bool) {
	if c.State == nil {
		return campaign.OpenAge{}, false
	}
	for _, a := range c.shownOpenAges(c.State, c.clock()) {
		if a.Priority == 1 && a.Late != campaign.InTime {
			return a, true
		}
	}
	return campaign.OpenAge{}, false
}

// renderOverdue is the wall's region for the oldest late P1 call: its
// wait in big digits, counting up, red; where and what below.
func renderOverdue(c *Context, w, h int) []string {
	st := c.St
	a, ok := c.oldestLateP1()
	if !ok {
		return []string{st.Title.R(Fit(" "+c.T("overdue.title"), w)), "", " " + st.Good.R(c.T("overdue.none"))}
	}
	age := fmtWait(a.Age)
	out := []string{st.AlertOn.R(Fit(" "+c.T("overdue.title"), w))}
	if h >= bigRows+2 && bigWidth(age)+1 <= w {
		for _, r := range bigText(age) {
			out = append(out, " "+st.Bad.R(r))
		}
	} else {
		out = append(out, " "+st.Bad.R(age))
	}
	status := c.T("resp.late.close")
	if a.Late == campaign.LateDispatch {
		status = c.T("resp.late.dispatch")
	}
	foot := " " + c.districtName(a.District) + " " + st.Cat(a.Category).R(c.label("alarm.", a.Category)) + " " + st.Bad.R(status)
	if Width(foot) > w {
		foot = " " + c.districtName(a.District) + " " + st.Bad.R(status)
	}
	if Width(foot) > w {
		foot = " " + c.districtName(a.District) + " " + st.Bad.R(fmt.Sprintf("P%d", a.Priority))
	}
	return append(out, Trunc(foot, w))
}

// clockPages are the pages whose body depends on the clock as well as the
// state: redrawn each second, not only when data comes.
var clockPages = map[string]bool{layouts.Response: true, layouts.Reports: true, layouts.Zones: true, layouts.Supervision: true, layouts.Alerts: true, layouts.Directives: true}
