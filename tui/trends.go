package tui

import (
	"sitboard/campaign"
)

// The daily trends page.

// renderTrends: one sparkline per day series, with today's value.
func renderTrends(c *Context, w, h int) []string {
	st := c.St
	series := []struct {
		key  string
		pick func(campaign.DayCounts) int64
	}{
		{"trend.alarms", func(d campaign.DayCounts) int64 { return d.Alarms }},
		{"trend.cases_filed", func(d campaign.DayCounts) int64 { return d.CasesFiled }},
		{"trend.solved", func(d campaign.DayCounts) int64 { return d.CasesSolved }},
		{"trend.arrested", func(d campaign.DayCounts) int64 { return d.Arrested }},
		{"trend.officers", func(d campaign.DayCounts) int64 { return d.Officers }},
		{"trend.checked", func(d campaign.DayCounts) int64 { return d.PersonsChecked }},
		{"trend.rectified", func(d campaign.DayCounts) int64 { return d.Rectified }},
		{"trend.disputes", func(d campaign.DayCounts) int64 { return d.DisputesResolved }},
	}
	lw := 6
	if c.Lang == "en" {
		lw = 9
	}
	var out []string
	for _, s := range series {
		vals := c.daySeries(s.pick)
		var last int64
		if len(vals) > 0 {
			last = vals[len(vals)-1]
		}
		v := fmtInt(last)
		sw := max(w-lw-2-10, 1)
		out = append(out, Fit(c.T(s.key), lw)+" "+spark(st, vals, sw)+" "+PadLeft(st.Value.R(v), 10))
	}
	if c.D.Filtered {
		out = append(out, st.Dim.R(c.T("kpi.city_only")))
	}
	return out
}
