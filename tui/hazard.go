package tui

import (
	"fmt"

	"sitboard/campaign"
	"sitboard/feed"
)

// The hazard clearance (隐患清零) page.

// renderHazard: rectified against found per unit type as progress bars,
// disputes and their resolution rate, schools, days without an accident.
func renderHazard(c *Context, w, h int) []string {
	return stack(c, w, h, func(cw int) []section { return hazardSections(c, cw) })
}

// hazardSections builds the page for columns cw wide.
func hazardSections(c *Context, cw int) []section {
	st := c.St
	t := c.D.C
	var vals []string
	var fracs []float64
	for _, u := range feed.UnitTypes {
		found, fixed := t.Found[u], t.Rectified[u]
		rate := campaign.Rate(fixed, found)
		frac := 0.0
		if rate.OK {
			frac = rate.Value / 100
		}
		fracs = append(fracs, frac)
		vals = append(vals, fmt.Sprintf("%s/%s %7s", fmtInt(fixed), fmtInt(found), fmtPct(rate)))
	}
	vals = alignRight(vals)
	var insp []string
	for _, u := range feed.UnitTypes {
		insp = append(insp, fmtInt(t.Inspections[u]))
	}
	insp = alignRight(insp)
	for i := range vals {
		vals[i] += " " + st.Dim.R(c.Tf("hazard.inspections", insp[i]))
	}
	lw, names := labelColumn(c, "unit.", feed.UnitTypes, labelCap(c))
	var secs []section
	secs = append(secs, barSection(c, c.T("hazard.units"), cw, lw, names, fracs, vals))
	dr := campaign.Rate(t.DisputesResolved, t.DisputesFound)
	frac := 0.0
	if dr.OK {
		frac = dr.Value / 100
	}
	secs = append(secs, section{title: c.Tf("hazard.disputes", fmtInt(t.DisputesResolved), fmtInt(t.DisputesFound)), lines: []string{
		barRow(c, cw, "", frac, fmtPct(dr), 0),
	}})
	var safe string
	if t.MajorAccidents == 0 {
		safe = st.Good.R(c.Tf("hazard.safe_days", c.day()))
	} else {
		safe = st.Bad.R(c.Tf("hazard.accidents", fmtInt(t.MajorAccidents)))
	}
	schools := c.Tf("hazard.schools", st.Value.R(fmtInt(t.Inspections[feed.UnitSchool])), st.Value.R(fmtInt(t.Rectified[feed.UnitSchool])), st.Value.R(fmtInt(t.Officers[feed.DutySchool])))
	lines := flowText(schools, cw)
	lines = append(lines, c.Tf("hazard.notices", st.Value.R(fmtInt(t.Notices))), safe,
		labelled(c, "trend.rectified", spark(st, c.daySeries(func(d campaign.DayCounts) int64 { return d.Rectified }), min(cw-10, 98))))
	secs = append(secs, section{lines: lines})
	return secs
}
