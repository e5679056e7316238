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
	if w < 96 {
		// A tall one-column panel (the wall's) adds the districts' work
		// and more daily series where it has the lines.
		return stackFilled(c, w, h, func(cw int) []section { return hazardSections(c, cw) },
			func(cw int) []section { return hazardExtras(c, cw) })
	}
	out := stack(c, w, h, func(cw int) []section { return hazardSections(c, cw) })
	// A tall panel (the wall's) adds the districts' hazard work where it
	// has the lines for all of them, rather than leaving them empty.
	if districts := hazardDistricts(c); len(out)+1+len(districts) <= h {
		out = stack(c, w, h, func(cw int) []section {
			return append(hazardSections(c, cw), section{title: c.T("hazard.by_district"), lines: districts})
		})
	}
	return out
}

// hazardExtras are the sections a tall one-column hazard panel adds, in
// order while they fit: the districts' inspections and disputes, their
// hazards rectified of found by unit type, their work today, and daily
// series of disputes found and resolved.
func hazardExtras(c *Context, cw int) []section {
	var units, today, todayShort []string
	if c.State != nil {
		var cols []districtColumn
		for _, u := range feed.UnitTypes {
			cols = append(cols, districtColumn{c.label("unit.", u), func(id string) string {
				dc := c.State.Districts[id]
				return fmtInt(dc.Rectified[u]) + "/" + fmtInt(dc.Found[u])
			}})
		}
		units = districtTable(c, cw, 1, len(cols), cols) // every unit type, or none
		todayOf := func(pick func(campaign.DayCounts) int64) func(string) string {
			return func(id string) string { return fmtInt(pick(c.State.TodayIn(id))) }
		}
		todayCols := []districtColumn{
			{c.T("hazard.col_today_rectified"), todayOf(func(d campaign.DayCounts) int64 { return d.Rectified })},
			{c.T("hazard.col_today_disputes"), todayOf(func(d campaign.DayCounts) int64 { return d.DisputesFound })},
			{c.T("hazard.col_today_resolved"), todayOf(func(d campaign.DayCounts) int64 { return d.DisputesResolved })},
		}
		today, todayShort = districtTable(c, cw, 1, len(todayCols), todayCols), districtTable(c, cw, 2, len(todayCols), todayCols)
	}
	found := labelled(c, "trend.disputes_found", spark(c.St, c.daySeries(func(d campaign.DayCounts) int64 { return d.DisputesFound }), min(cw-10, 98)))
	resolved := labelled(c, "trend.disputes", spark(c.St, c.daySeries(func(d campaign.DayCounts) int64 { return d.DisputesResolved }), min(cw-10, 98)))
	return []section{
		{title: c.T("hazard.by_district"), lines: hazardDistricts(c)},
		{title: c.T("hazard.units_by_district"), lines: units},
		{title: c.DayT("hazard.today_by_district"), lines: today, short: todayShort},
		{lines: []string{found, resolved}, short: []string{resolved}},
	}
}

// hazardDistricts is one line per district: inspections, hazards
// rectified and disputes resolved of found, with the resolution rate.
func hazardDistricts(c *Context) []string {
	if c.State == nil {
		return nil
	}
	of := func(id string) *campaign.Counters { return c.State.Districts[id] }
	measure := func(name string) func(string) string {
		return func(id string) string { return fmtInt(int64(campaign.DistrictMeasure(of(id), name))) }
	}
	return districtTable(c, 1<<16, 1, 4, []districtColumn{
		{c.T("hazard.col_inspections"), measure("inspections")},
		{c.T("hazard.col_rectified"), measure("hazards_rectified")},
		{c.T("hazard.col_disputes"), func(id string) string {
			return fmtInt(of(id).DisputesResolved) + "/" + fmtInt(of(id).DisputesFound)
		}},
		{c.T("hazard.col_rate"), func(id string) string {
			return fmtPct(campaign.Rate(of(id).DisputesResolved, of(id).DisputesFound))
		}},
	})
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
