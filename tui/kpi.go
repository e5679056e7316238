package tui

import (
	"fmt"
	"strings"

	"sitboard/campaign"
)

// The KPI band: one tile per headline figure. Tiles size to their content
// and the spare columns are shared out, so a headline number is never cut:
// where the full numbers do not fit, large ones take their 万 / k form;
// where that is not enough, the band falls back to a denser form.

// kpiTile is one KPI: today's value, the campaign total, and a comparison.
type kpiTile struct {
	key          string // label suffix: "kpi."+key, "kpis."+key
	label, short string
	today        string // today's value as the boxed tile shows it
	todayInc     string // today's value as an increment: "+40", "+3/+0"
	totals       []int64
	total        string // the totals in full, or the rate
	rate         campaign.Figure
	cmpLabel     string
	// cmpShort is the comparison's bare label ("环比"), for bands with no
	// room to say to which day it compares.
	cmpShort            string
	cmp                 campaign.Figure
	hasBase             bool // a baseline exists: no figure yet means "nothing to compare yet"
	hasCmp, lowerIsGood bool
	isRate              bool
}

// totalText is the tile's headline: the totals in full or in their
// compact form, or the rate.
func (k kpiTile) totalText(lang string, compact bool) string {
	if k.isRate {
		return fmtRate(k.rate)
	}
	parts := make([]string, len(k.totals))
	for i, v := range k.totals {
		if compact {
			parts[i] = fmtCompact(lang, v)
		} else {
			parts[i] = fmtInt(v)
		}
	}
	return strings.Join(parts, "/")
}

func kpiTiles(c *Context) []kpiTile {
	d := &c.D
	t := d.C
	today := fmtInt // d.Today is the district's when filtered
	inc := func(v int64) string { return "+" + fmtInt(v) }
	cmp := func(metric, basis string) campaign.Comparison {
		if d.Filtered {
			// Against the district's (the zone's districts') own
			// baselines where the file gives them; the city's is not the
			// district's.
			return campaign.GroupToDate(c.Cfg, d.S, d.In, metric, basis, c.asOf())
		}
		// The campaign's complete days against the baseline pro-rated to
		// them: like with like at any hour, and the published figure once
		// the campaign is whole; nothing before a day is complete
		// (docs/figures.md, rule 1).
		return campaign.ToDate(c.Cfg, d.S, metric, basis, c.asOf())
	}
	solved := int64(campaign.DistrictMeasure(t, "cases_solved"))
	arrested := int64(campaign.DistrictMeasure(t, "suspects_arrested"))
	var officers int64
	for _, v := range t.Officers {
		officers += v
	}
	count := func(key string, todayV int64, totals ...int64) kpiTile {
		k := kpiTile{key: key, label: c.T("kpi." + key), short: c.T("kpis." + key), today: today(todayV), todayInc: inc(todayV), totals: totals}
		k.total = k.totalText(c.Lang, false)
		return k
	}
	withCmp := func(k kpiTile, label, metric, basis string) kpiTile {
		cp := cmp(metric, basis)
		k.cmpLabel, k.cmp, k.hasBase, k.hasCmp, k.lowerIsGood = c.T(label), cp.Change, cp.Whole > 0, true, true
		k.cmpShort = k.cmpLabel
		if cp.Change.OK && cp.Days < c.Cfg.Days() {
			// Complete days only: say to which day.
			k.cmpLabel = c.Tf(label+"_to", c.dayDate(cp.Days).Format("01-02"))
		}
		return k
	}
	solvedTile := count("solved", 0, solved, arrested)
	solvedTile.today = today(d.Today.CasesSolved) + "/" + today(d.Today.Arrested)
	solvedTile.todayInc = inc(d.Today.CasesSolved) + "/" + inc(d.Today.Arrested)
	// Today's resolutions include older disputes, so a rate of today's
	// resolved over today's new disputes would pass 100%: today shows both
	// counts, the campaign the rate (docs/figures.md).
	disputes := kpiTile{key: "dispute_rate", label: c.T("kpi.dispute_rate"), short: c.T("kpis.dispute_rate"), isRate: true,
		rate:     campaign.ShownRate(t.DisputesResolved, t.DisputesFound),
		today:    c.Tf("kpi.disputes_today", fmtInt(d.Today.DisputesResolved), fmtInt(d.Today.DisputesFound)),
		todayInc: c.Tf("kpi.disputes_inc", fmtInt(d.Today.DisputesResolved), fmtInt(d.Today.DisputesFound))}
	disputes.total = disputes.totalText(c.Lang, false)
	return []kpiTile{
		withCmp(count("alarms_criminal", d.Today.AlarmsCriminal, campaign.Metric(t, "alarms_criminal")), "kpi.mom", "alarms_criminal", campaign.VsPreviousPeriod),
		withCmp(count("alarms_public_order", d.Today.AlarmsPublic, campaign.Metric(t, "alarms_public_order")), "kpi.mom", "alarms_public_order", campaign.VsPreviousPeriod),
		withCmp(count("cases_filed", d.Today.CasesFiled, campaign.Metric(t, "criminal_cases_filed")), "kpi.yoy", "criminal_cases_filed", campaign.VsSamePeriodLast),
		solvedTile,
		count("officers", d.Today.Officers, officers),
		count("rectified", d.Today.Rectified, int64(campaign.DistrictMeasure(t, "hazards_rectified"))),
		disputes,
	}
}

// bigTiles are the tiles the big-figure band shows: one number per tile,
// so solved and arrested part.
func bigTiles(c *Context, tiles []kpiTile) []kpiTile {
	var out []kpiTile
	for _, k := range tiles {
		if k.key != "solved" {
			out = append(out, k)
			continue
		}
		d := &c.D
		for i, part := range []struct {
			key   string
			today int64
		}{{"cases_solved", d.Today.CasesSolved}, {"arrested", d.Today.Arrested}} {
			p := kpiTile{key: part.key, label: c.T("kpi." + part.key), short: c.T("kpis." + part.key),
				today: fmtInt(part.today), todayInc: "+" + fmtInt(part.today), totals: k.totals[i : i+1]}
			p.total = p.totalText(c.Lang, false)
			out = append(out, p)
		}
	}
	return out
}

// cmpText is "MoM to 07-30 ▾7.16%" in the colour that says whether it
// is good news; short drops the day ("MoM ▾7.16%").
func (c *Context) cmpText(k kpiTile, short bool) string {
	if !k.hasCmp {
		return ""
	}
	if short {
		k.cmpLabel = k.cmpShort
	}
	st := c.St
	if !k.cmp.OK {
		if k.hasBase {
			return st.Dim.R(k.cmpLabel + " " + noValue) // nothing to compare yet: no complete day
		}
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

// renderKPI picks the richest form that shows every number whole: big
// figures on the wall when enabled, a row of boxes with three or more
// lines, else tiles flowed over the lines there are.
//
// Each form first says to which day a comparison runs ("环比至07-30"),
// and drops that before it shortens a number.
func renderKPI(c *Context, w, h int) []string {
	tiles := kpiTiles(c)
	if c.BigFigures && h >= bigRows+2 {
		if out, ok := kpiBig(c, bigTiles(c, tiles), w, h); ok {
			return out
		}
	}
	if h >= 3 {
		for _, compact := range []bool{false, true} {
			for _, short := range []bool{false, true} {
				if out, ok := kpiBoxes(c, tiles, w, h, compact, short); ok {
					return out
				}
			}
		}
	}
	return kpiFlow(c, tiles, w, h)
}

// tileWidths shares w among tiles that need need[i] columns each, with gap
// columns between them, or reports that they do not fit.
func tileWidths(need []int, w, gap int) ([]int, bool) {
	sum := gap * (len(need) - 1)
	for _, n := range need {
		sum += n
	}
	if sum > w {
		return nil, false
	}
	out := make([]int, len(need))
	extra := w - sum
	for i, n := range need {
		out[i] = n + extra/len(need)
		if i < extra%len(need) {
			out[i]++
		}
	}
	return out, true
}

// joinTiles lays tile columns side by side, each line of each tile fitted
// to its width.
func joinTiles(cols [][]string, widths []int, gap, h int) []string {
	out := make([]string, h)
	sep := strings.Repeat(" ", gap)
	for y := range out {
		var b strings.Builder
		for i, col := range cols {
			if i > 0 {
				b.WriteString(sep)
			}
			s := ""
			if y < len(col) {
				s = col[y]
			}
			b.WriteString(Fit(s, widths[i]))
		}
		out[y] = b.String()
	}
	return out
}

// kpiBoxes is a row of tiles: label, today, total, comparison.
func kpiBoxes(c *Context, tiles []kpiTile, w, h int, compact, short bool) ([]string, bool) {
	st := c.St
	const gap = 1
	cols := make([][]string, len(tiles))
	need := make([]int, len(tiles))
	for i, t := range tiles {
		total := t.totalText(c.Lang, compact)
		lines := []string{
			"",
			" " + st.Dim.R(c.DayT("kpi.today")) + " " + st.Value.R(t.today),
			" " + st.Dim.R(c.T("kpi.total")) + " " + st.Value.R(total),
			" " + c.cmpText(t, short),
		}
		if h == 3 {
			lines = []string{"", " " + st.Value.R(total) + st.Dim.R(" ("+t.todayInc+")"), lines[3]}
		}
		need[i] = 1 + minLabelWidth(c, "kpi."+t.key, "kpis."+t.key)
		for _, l := range lines {
			need[i] = max(need[i], Width(l)+1)
		}
		cols[i] = lines
	}
	widths, ok := tileWidths(need, w, gap)
	if !ok {
		return nil, false
	}
	for i, t := range tiles {
		cols[i][0] = st.Title.R(Fit(" "+fitLabel(c, widths[i]-1, "kpi."+t.key, "kpis."+t.key), widths[i]))
	}
	return joinTiles(cols, widths, gap, h), true
}

// kpiBig is the band for reading from across the room: the label above,
// the campaign figure three rows high, today and the comparison below.
func kpiBig(c *Context, tiles []kpiTile, w, h int) ([]string, bool) {
	st := c.St
	const gap = 2
	for _, form := range []struct{ compact, short bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
		compact := form.compact
		cols := make([][]string, len(tiles))
		need := make([]int, len(tiles))
		fits := true
		for i, t := range tiles {
			num, unit := splitUnit(t.totalText(c.Lang, compact))
			bw := bigWidth(num)
			if bw < 0 {
				fits = false
				break
			}
			rows := bigText(num)
			if unit != "" {
				rows[bigRows-1] += " " + unit
			}
			foot := " " + st.Dim.R(c.DayT("kpi.today")) + " " + st.Value.R(t.today)
			if t.hasCmp {
				foot += "  " + c.cmpText(t, form.short)
			}
			cols[i] = []string{"", " " + st.Value.R(rows[0]), " " + st.Value.R(rows[1]), " " + st.Value.R(rows[2]), foot}
			need[i] = 1 + minLabelWidth(c, "kpi."+t.key, "kpis."+t.key)
			for _, l := range cols[i] {
				need[i] = max(need[i], Width(l)+1)
			}
		}
		if !fits {
			continue
		}
		widths, ok := tileWidths(need, w, gap)
		if !ok {
			continue
		}
		for i, t := range tiles {
			cols[i][0] = st.Title.R(Fit(" "+fitLabel(c, widths[i]-1, "kpi."+t.key, "kpis."+t.key), widths[i]))
		}
		return joinTiles(cols, widths, gap, h), true
	}
	return nil, false
}

// splitUnit parts a compact number from its unit: "23.05万" is "23.05"
// and "万"; a number without one has an empty unit.
func splitUnit(s string) (num, unit string) {
	i := len(s)
	for i > 0 {
		r := s[i-1]
		if r >= '0' && r <= '9' || r == '%' {
			break
		}
		i--
	}
	return s[:i], s[i:]
}

// kpiFlow writes each tile as one cell, "label total(+today) 环比▾x%",
// and flows the cells over the lines. Every tile shows today the same
// way; when the cells do not fit, the large totals take their short form,
// then every tile drops today.
func kpiFlow(c *Context, tiles []kpiTile, w, h int) []string {
	st := c.St
	cell := func(t kpiTile, compact, today, short bool) string {
		s := st.Accent.R(fitLabel(c, 0, "kpis."+t.key)) + " " + st.Value.R(t.totalText(c.Lang, compact))
		if today {
			s += st.Dim.R("(" + t.todayInc + ")")
		}
		if t.hasCmp {
			s += " " + c.cmpText(t, short)
		}
		return s
	}
	var lines [][]string
	for _, form := range []struct{ compact, today, short bool }{{false, true, false}, {false, true, true}, {true, true, true}, {true, false, true}} {
		lines = lines[:0]
		var cur []string
		used := 0
		for _, t := range tiles {
			s := cell(t, form.compact, form.today, form.short)
			sw := Width(s)
			if len(cur) > 0 && used+2+sw > w {
				lines = append(lines, cur)
				cur, used = nil, 0
			}
			if len(cur) > 0 {
				used += 2
			}
			cur = append(cur, s)
			used += sw
		}
		lines = append(lines, cur)
		if len(lines) <= h {
			break
		}
	}
	out := make([]string, 0, h)
	for _, l := range lines {
		out = append(out, strings.Join(l, "  "))
	}
	return out
}
