package tui

import (
	"sitboard/campaign"
	"sitboard/feed"
)

// The patrol (巡防) page.

// renderPatrol: the grid heat view, deployments, posts, violations by kind
// and persons/vehicles checked with a per-day sparkline.
func renderPatrol(c *Context, w, h int) []string {
	st := c.St
	t := c.D.C
	sumMap := func(m map[string]int64) int64 {
		var s int64
		for _, v := range m {
			s += v
		}
		return s
	}
	var secs []section
	secs = append(secs, section{lines: []string{
		c.Tf("patrol.deploy", st.Value.R(fmtInt(sumMap(t.Officers))), st.Value.R(fmtInt(sumMap(t.Vehicles))), st.Value.R(fmtInt(t.Volunteers))),
		c.Tf("patrol.posts", st.Value.R(fmtInt(t.Posts[feed.PostTrafficStation])), st.Value.R(fmtInt(t.Posts[feed.PostTrafficDuty])), st.Value.R(fmtInt(t.Posts[feed.PostCheckpoint]))),
	}})
	secs = append(secs, section{c.T("patrol.grid"), gridRows(c, colWidth(w), false)})
	kinds := []string{"unlicensed", "drink_driving", "drunk_driving", "speeding", "passenger_overload", "cargo_overload", "other"}
	var top int64
	for _, k := range kinds[:len(kinds)-1] {
		top = max(top, t.Violations[k])
	}
	lw := 8
	if c.Lang == "en" {
		lw = 14
	}
	var shown []string
	var vals []string
	for _, k := range kinds {
		if t.Violations[k] == 0 && k == "other" {
			continue
		}
		shown = append(shown, k)
		vals = append(vals, fmtInt(t.Violations[k]))
	}
	vals = alignRight(vals)
	var rows []string
	for i, k := range shown {
		frac := 0.0
		if top > 0 {
			frac = float64(t.Violations[k]) / float64(top) // "other" is off the scale of the named kinds and shows full
		}
		rows = append(rows, barRow(c, colWidth(w), c.label("viol.", k), frac, vals[i], lw))
	}
	secs = append(secs, section{c.Tf("patrol.violations", fmtInt(sumMap(t.Violations))), rows})
	persons := c.daySeries(func(d campaign.DayCounts) int64 { return d.PersonsChecked })
	secs = append(secs, section{lines: []string{
		c.Tf("patrol.checked", st.Value.R(fmtInt(t.PersonsChecked)), st.Value.R(fmtInt(t.VehiclesChecked))),
		labelled(c, "trend.checked", spark(st, persons, min(colWidth(w)-10, 98))),
	}})
	return stack(c, w, h, secs)
}
