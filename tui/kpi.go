package tui

import (
	"fmt"
	"strings"

	"sitboard/campaign"
)

// The KPI band: one tile per headline figure.

// kpiTile is one KPI: today's value, the campaign total, and a comparison.
type kpiTile struct {
	label, short        string
	today, total        string
	cmpLabel            string
	cmp                 campaign.Figure
	hasCmp, lowerIsGood bool
	isRate              bool
}

func kpiTiles(c *Context) []kpiTile {
	d := &c.D
	t := d.C
	b := c.Cfg.Baselines
	today := fmtInt // d.Today is the district's when filtered
	cmp := func(metric string, base map[string]int64) campaign.Figure {
		if d.Filtered {
			return campaign.Figure{} // the baselines are city-wide: a district has no honest comparison
		}
		// Campaign to date against the baseline pro-rated to the days
		// elapsed: like with like, and the published figure on the last day.
		return campaign.ToDate(c.Cfg, d.S, &d.S.Totals, metric, base)
	}
	solved := int64(campaign.DistrictMeasure(t, "cases_solved"))
	arrested := int64(campaign.DistrictMeasure(t, "suspects_arrested"))
	var officers int64
	for _, v := range t.Officers {
		officers += v
	}
	todayRate := fmtPct(campaign.Rate(d.Today.DisputesResolved, d.Today.DisputesFound))
	return []kpiTile{
		{label: c.T("kpi.alarms_criminal"), short: c.T("kpis.alarms_criminal"), today: today(d.Today.AlarmsCriminal), total: fmtInt(campaign.Metric(t, "alarms_criminal")),
			cmpLabel: c.T("kpi.mom"), cmp: cmp("alarms_criminal", b.Previous), hasCmp: true, lowerIsGood: true},
		{label: c.T("kpi.alarms_public_order"), short: c.T("kpis.alarms_public_order"), today: today(d.Today.AlarmsPublic), total: fmtInt(campaign.Metric(t, "alarms_public_order")),
			cmpLabel: c.T("kpi.mom"), cmp: cmp("alarms_public_order", b.Previous), hasCmp: true, lowerIsGood: true},
		{label: c.T("kpi.cases_filed"), short: c.T("kpis.cases_filed"), today: today(d.Today.CasesFiled), total: fmtInt(campaign.Metric(t, "criminal_cases_filed")),
			cmpLabel: c.T("kpi.yoy"), cmp: cmp("criminal_cases_filed", b.LastYear), hasCmp: true, lowerIsGood: true},
		{label: c.T("kpi.solved"), short: c.T("kpis.solved"), today: today(d.Today.CasesSolved) + "/" + today(d.Today.Arrested), total: fmtInt(solved) + "/" + fmtInt(arrested)},
		{label: c.T("kpi.officers"), short: c.T("kpis.officers"), today: today(d.Today.Officers), total: fmtInt(officers)},
		{label: c.T("kpi.rectified"), short: c.T("kpis.rectified"), today: today(d.Today.Rectified), total: fmtInt(int64(campaign.DistrictMeasure(t, "hazards_rectified")))},
		{label: c.T("kpi.dispute_rate"), short: c.T("kpis.dispute_rate"), today: todayRate, total: fmtPct(campaign.Rate(t.DisputesResolved, t.DisputesFound)), isRate: true},
	}
}

// cmpText is "MoM ▾7.16%" in the colour that says whether it is good news.
func (c *Context) cmpText(k kpiTile) string {
	if !k.hasCmp {
		return ""
	}
	st := c.St
	if !k.cmp.OK {
		return st.Dim.R(k.cmpLabel + " " + c.T("kpi.na"))
	}
	v := k.cmp.Value
	arrow, style := "=", st.Text
	switch {
	case v < 0:
		arrow = "▾"
	case v > 0:
		arrow = "▴"
	}
	if v != 0 {
		if (v < 0) == k.lowerIsGood {
			style = st.Good
		} else {
			style = st.Bad
		}
	}
	return k.cmpLabel + " " + style.R(fmt.Sprintf("%s%.2f%%", arrow, abs(v)))
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// renderKPI lays the tiles out in a row of boxes when there are three or
// more lines, or as a grid of one-line tiles below that.
func renderKPI(c *Context, w, h int) []string {
	st := c.St
	tiles := kpiTiles(c)
	n := len(tiles)
	if cw := (w - (n - 1)) / n; h >= 3 && cw >= 15 {
		out := make([]string, h)
		for i, t := range tiles {
			tw := cw
			if i == n-1 {
				tw = w - (cw+1)*(n-1)
			}
			lines := []string{
				st.Title.R(Fit(" "+t.label, tw)),
				" " + st.Dim.R(c.T("kpi.today")) + " " + st.Value.R(t.today),
				" " + st.Dim.R(c.T("kpi.total")) + " " + st.Value.R(t.total),
				" " + c.cmpText(t),
			}
			if h == 3 {
				lines = []string{lines[0], " " + st.Value.R(t.today) + st.Dim.R(" / ") + st.Value.R(t.total), lines[3]}
			}
			for y := 0; y < h; y++ {
				s := ""
				if y < len(lines) {
					s = lines[y]
				}
				if i > 0 {
					out[y] += " "
				}
				out[y] += Fit(s, tw)
			}
		}
		return out
	}
	perLine := (n + h - 1) / max(h, 1)
	cw := (w - (perLine - 1)) / perLine
	var out []string
	for y := 0; y < h; y++ {
		var cells []string
		for i := y * perLine; i < min((y+1)*perLine, n); i++ {
			t := tiles[i]
			inc := "(+" + t.today + ")"
			if t.isRate {
				inc = "(" + c.T("kpi.today") + " " + t.today + ")"
			}
			cm := ""
			if t.hasCmp {
				cm = " " + c.cmpText(t)
				if t.cmp.OK {
					cm = " " + strings.TrimPrefix(c.cmpText(t), t.cmpLabel+" ")
				}
			}
			tw := cw
			if i == (y+1)*perLine-1 || i == n-1 {
				tw = w - (cw+1)*(i-y*perLine)
			}
			// Today's increment goes first when space is short: the total
			// and its comparison are what the tile is for.
			s := st.Accent.R(t.short) + " " + st.Value.R(t.total) + st.Dim.R(inc) + cm
			if Width(s) > tw {
				s = st.Accent.R(t.short) + " " + st.Value.R(t.total) + cm
			}
			cells = append(cells, Fit(s, tw))
		}
		out = append(out, strings.Join(cells, " "))
	}
	return out
}
