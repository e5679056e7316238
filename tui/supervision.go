package tui

import (
	"fmt"
	"strings"

	"sitboard/campaign"
)

// The 督察 page (docs/figures.md, "Supervision"): each team's visits this
// week, the findings still open by district with the overdue ones in red,
// and the overdue ones named. Ages count with the clock, so it is a clock
// page.

// renderSupervision is the 督察 page.
func renderSupervision(c *Context, w, h int) []string {
	st := c.St
	s := c.D.S
	if len(c.Cfg.Supervision.Teams) == 0 {
		return []string{st.Dim.R(Trunc(" "+c.T("sup.none"), w))}
	}
	now := c.clock()
	day := max(c.day(), 1)
	week, _ := c.Cfg.PeriodSpan(campaign.PeriodWeek, day)
	teams := s.Supervision.WeekVisits(c.Cfg, day)
	var modes [2]int64
	for _, t := range teams {
		modes[0], modes[1] = modes[0]+t.Week[0], modes[1]+t.Week[1]
	}
	head := " " + c.Tf("sup.week", c.dayDate(week.From).Format("01-02"), c.dayDate(min(day, week.To)).Format("01-02"), fmtInt(modes[0]+modes[1]), fmtInt(modes[0]), fmtInt(modes[1]))
	out := []string{st.Dim.R(Trunc(head, w))}
	out = append(out, teamLines(c, teams, w)...)

	var shown []string // the districts the board shows, in file order
	for _, d := range c.Cfg.Districts {
		if c.inFilter(d.ID) {
			shown = append(shown, d.ID)
		}
	}
	open := campaign.OpenFindings(s, now, shown...)
	overdue := 0
	byDistrict := map[string][2]int{} // open, overdue
	for _, f := range open {
		n := byDistrict[f.District]
		n[0]++
		if f.Overdue {
			n[1]++
			overdue++
		}
		byDistrict[f.District] = n
	}
	summary := c.Tf("sup.open", fmtInt(int64(len(open))))
	if overdue > 0 {
		summary += " " + st.Bad.R(c.Tf("sup.overdue", fmtInt(int64(overdue))))
	}
	out = append(out, st.Title.R(Fit(" "+c.T("sup.findings"), w)), Trunc(" "+summary, w))
	// Open findings by district: name, open, overdue (red), as many to a
	// line as fit.
	var cells []string
	for _, d := range shown {
		n, ok := byDistrict[d]
		if !ok {
			continue
		}
		cell := c.districtName(d) + " " + fmtInt(int64(n[0]))
		if n[1] > 0 {
			cell += st.Bad.R("(" + c.Tf("sup.overdue_n", n[1]) + ")")
		}
		if d == c.District {
			cell = st.Highlight.R(cell)
		}
		cells = append(cells, cell)
	}
	out = append(out, flowCells(cells, w)...)
	if overdue > 0 {
		out = append(out, st.Bad.R(Fit(" "+c.T("sup.overdue_head"), w)))
		out = append(out, overdueFindingLines(c, open, w, max(h-len(out), 0))...)
	}
	return cutWithMore(c, out, h)
}

// teamLines are the teams' visits this week: name, visits (open/covert),
// the campaign's visits, as many teams to a line as fit.
func teamLines(c *Context, teams []campaign.TeamVisits, w int) []string {
	st := c.St
	nw := 0
	for _, t := range c.Cfg.Supervision.Teams {
		nw = max(nw, Width(c.teamName(t.ID)))
	}
	ww, mw, tw := max(Width(c.T("sup.week_n")), 2), max(Width(c.T("sup.modes")), 5), max(Width(c.T("sup.total")), 4)
	cell := func(i int) string {
		v := teams[i]
		return Fit(c.teamName(c.Cfg.Supervision.Teams[i].ID), nw) + " " + PadLeft(fmtInt(v.WeekTotal()), ww) +
			st.Dim.R(" "+PadLeft(fmt.Sprintf("%d/%d", v.Week[0], v.Week[1]), mw)+" "+PadLeft(fmtInt(v.Total()), tw))
	}
	cw := Width(cell(0))
	per := max((w-1+3)/(cw+3), 1)
	head := Fit(c.T("sup.team"), nw) + " " + PadLeft(c.T("sup.week_n"), ww) + " " + PadLeft(c.T("sup.modes"), mw) + " " + PadLeft(c.T("sup.total"), tw)
	heads := make([]string, min(per, len(teams)))
	for i := range heads {
		heads[i] = Fit(head, cw)
	}
	out := []string{st.Dim.R(Trunc(" "+strings.Join(heads, "   "), w))}
	for i := 0; i < len(teams); i += per {
		var parts []string
		for j := i; j < min(i+per, len(teams)); j++ {
			parts = append(parts, cell(j))
		}
		out = append(out, Trunc(" "+strings.Join(parts, "   "), w))
	}
	return out
}

// flowCells puts cells two spaces apart, as many to a line as fit.
func flowCells(cells []string, w int) []string {
	var out []string
	cur := ""
	for _, cell := range cells {
		switch {
		case cur == "":
			cur = " " + cell
		case Width(cur)+2+Width(cell) <= w:
			cur += "  " + cell
		default:
			out = append(out, Trunc(cur, w))
			cur = " " + cell
		}
	}
	if cur != "" {
		out = append(out, Trunc(cur, w))
	}
	return out
}
