package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// Data text from the config follows the language where the config has both.

func (c *Context) districtName(id string) string { return Sanitize(c.Cfg.DistrictName(id, c.Lang)) }

func (c *Context) gridName(id string) string {
	if i, ok := c.Cfg.GridIndex(id); ok {
		g := c.Cfg.Grids[i]
		if c.Lang == "en" && g.En != "" {
			return Sanitize(g.En)
		}
		if g.Zh != "" {
			return Sanitize(g.Zh)
		}
	}
	return Sanitize(id)
}

func (c *Context) notableName(id string) string {
	n, ok := c.Cfg.NotableByID(id)
	if !ok {
		return Sanitize(id)
	}
	if c.Lang == "en" && n.En != "" {
		return Sanitize(n.En)
	}
	return Sanitize(n.Zh)
}

func (c *Context) campaignNames() (city, name, short string) {
	m := c.Cfg.Campaign
	if c.Lang == "en" {
		return Sanitize(m.CityEn), Sanitize(m.NameEn), Sanitize(m.ShortEn)
	}
	return Sanitize(m.CityZh), Sanitize(m.NameZh), Sanitize(m.ShortZh)
}

func (c *Context) label(prefix, id string) string {
	if s, ok := labels[c.Lang][prefix+id]; ok {
		return s
	}
	return Sanitize(id)
}

// clock is event time in demo mode, wall time when live.
func (c *Context) clock() time.Time {
	loc := c.Cfg.Location()
	if c.Demo {
		if !c.DemoInfo.CampaignTime.IsZero() {
			return c.DemoInfo.CampaignTime.In(loc)
		}
		if c.State != nil && !c.State.LastAt.IsZero() {
			return c.State.LastAt.In(loc)
		}
	}
	return c.frameNow().In(loc)
}

func (c *Context) day() int {
	if c.State != nil && c.State.Day > 0 {
		return c.State.Day
	}
	return min(max(c.Cfg.Day(c.clock()), 1), c.Cfg.Days())
}

// renderHeader: campaign, day, clock on the left; seq and the connection
// badges on the right. The whole line turns red when the data is stale.
func renderHeader(c *Context, w int) string {
	st := c.St
	base := st.Title
	if c.stale() || c.Conn.Status == ConnFailed {
		base = st.Stale
	}
	var right strings.Builder
	var seq uint64
	if c.State != nil {
		seq = c.State.Seq
	}
	seqText := " " + c.T("seq") + " " + fmtInt(int64(seq)) + " "
	rw := Width(seqText)
	right.WriteString(base.R(seqText))
	for _, b := range c.badges() {
		t := " " + b.text + " "
		right.WriteString(b.style.R(t))
		rw += Width(t)
	}
	city, name, short := c.campaignNames()
	day := c.Tf("day", c.day(), c.Cfg.Days())
	now := c.clock()
	long := now.Format("2006-01-02 15:04:05")
	brief := now.Format("01-02 15:04:05")
	for _, left := range []string{
		" " + city + " " + name + "  " + day + "  " + long,
		" " + city + " " + short + "  " + day + "  " + long,
		" " + short + " " + day + " " + brief,
		" " + day + " " + brief,
	} {
		if Width(left)+rw+1 <= w || left == " "+day+" "+brief {
			return Fit(base.R(Fit(left, max(w-rw, 0)))+right.String(), w)
		}
	}
	return ""
}

// renderAlerts: newest first; unacknowledged alerts flash, acknowledged
// ones stay steady until the state drops them or c clears them.
func renderAlerts(c *Context, w, h int) []string {
	st := c.St
	vis := c.Alerts.visible(c.State)
	// Unacknowledged alerts come first: they are the ones needing action.
	slices.SortStableFunc(vis, func(a, b campaign.Alert) int {
		return boolInt(c.Alerts.acked[a.ID]) - boolInt(c.Alerts.acked[b.ID])
	})
	if len(vis) == 0 {
		return []string{st.Dim.R(" " + c.T("alerts.none"))}
	}
	var out []string
	loc := c.Cfg.Location()
	shown := vis
	if len(vis) > h && h > 1 {
		shown = vis[:h-1]
	} else if len(vis) > h {
		shown = vis[:h]
	}
	for i, a := range shown {
		rule := a.Type
		if a.Rule >= 0 && a.Rule < len(c.Cfg.Alerts) {
			r := c.Cfg.Alerts[a.Rule]
			rule = r.Zh
			if c.Lang == "en" && r.En != "" {
				rule = r.En
			}
		}
		acked := c.Alerts.acked[a.ID]
		state := c.T("alerts.unack")
		if acked {
			state = c.T("alerts.ack")
		}
		text := fmt.Sprintf(" [!] %s  %s  %s  [%s]  %s", Sanitize(rule), c.districtName(a.District),
			a.At.In(loc).Format("01-02 15:04"), state, Sanitize(a.Summary))
		style := st.AlertAck
		if !acked {
			style = st.AlertOn
			if !c.Flash {
				style = st.AlertOff
			}
		}
		if i == 0 && h == 1 && len(vis) > 1 {
			more := " " + fmt.Sprintf(c.T("alerts.more"), len(vis)-1) + " "
			out = append(out, style.R(Fit(text, w-Width(more)))+st.AlertOff.R(more))
			continue
		}
		out = append(out, style.R(Fit(text, w)))
	}
	if len(shown) < len(vis) && h > 1 {
		out = append(out, st.AlertOff.R(" "+fmt.Sprintf(c.T("alerts.more"), len(vis)-len(shown))))
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

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

// renderRotatorTitle: the pages with the current one marked, and the time
// to the next or PAUSED.
func renderRotatorTitle(c *Context, w int) string {
	st := c.St
	r := c.Rot
	var b strings.Builder
	b.WriteString(" ")
	for i, p := range r.pages {
		t := fmt.Sprintf("%d %s", i+1, c.T("page."+p))
		if i == r.idx {
			b.WriteString("[" + t + "]")
		} else {
			b.WriteString(" " + t + " ")
		}
		b.WriteString(" ")
	}
	left := b.String()
	var right string
	if r.paused {
		right = " || " + c.T("rot.paused") + " "
	} else {
		right = " " + c.Tf("rot.next", fmtAge(c.Lang, r.remaining(c.frameNow()))) + " "
	}
	if c.D.Filtered {
		right = " " + c.Tf("status.filtered", c.districtName(c.District)) + " " + right
	}
	style := st.Title
	rs := st.Title
	if r.paused {
		rs = st.Reconnecting
	}
	lw := max(w-Width(right), 0)
	return style.R(Fit(left, lw)) + rs.R(Trunc(right, w-lw))
}

// section is a titled block of lines; panels stack sections and drop the
// ones that no longer fit.
type section struct {
	title string
	lines []string
}

// stack places sections in one column, or two when the panel is wide, and
// cuts at h lines.
func stack(c *Context, w, h int, secs []section) []string {
	render := func(ss []section, cw int) []string {
		var out []string
		for _, s := range ss {
			if s.title != "" {
				out = append(out, c.St.Accent.R(Trunc(s.title, cw)))
			}
			out = append(out, s.lines...)
			out = append(out, "")
		}
		if len(out) > 0 {
			out = out[:len(out)-1]
		}
		return out
	}
	if w < 96 || len(secs) < 2 {
		return render(secs, w)
	}
	// Two columns: fill the left with sections in order until it would
	// pass h, the rest go right.
	lw := (w - 2) / 2
	rw := w - 2 - lw
	var left, right []section
	used := 0
	for i, s := range secs {
		n := len(s.lines) + 2
		if (used+n-1 <= h || i == 0) && len(right) == 0 {
			left = append(left, s)
			used += n
		} else {
			right = append(right, s)
		}
	}
	l, r := render(left, lw), render(right, rw)
	out := make([]string, max(len(l), len(r)))
	for i := range out {
		var a, b string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			b = r[i]
		}
		out[i] = Fit(a, lw) + "  " + Fit(b, rw)
	}
	return out
}

// barRow is "label  ⣿⣿⣿⣀⣀  value": label and value columns fixed, the
// bar takes what is left.
func barRow(c *Context, w int, label string, frac float64, value string, lw int) string {
	vw := Width(value)
	bw := min(w-lw-vw-3, 40)
	if bw < 4 {
		return Fit(label, lw) + " " + value
	}
	if lw == 0 {
		return bar(c.St, frac, bw) + "  " + value
	}
	return Fit(label, lw) + " " + bar(c.St, frac, bw) + "  " + value
}

// alignRight pads values to the widest, so the bars beside them line up.
func alignRight(vals []string) []string {
	wmax := 0
	for _, v := range vals {
		wmax = max(wmax, Width(v))
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = PadLeft(v, wmax)
	}
	return out
}

// labelled puts a dim series label before a sparkline.
func labelled(c *Context, key, line string) string {
	return c.St.Dim.R(Fit(c.T(key), 9)) + " " + line
}

func sumPrefix(m map[string]int64, prefix string) int64 {
	var t int64
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			t += v
		}
	}
	return t
}

// renderStrike: solved against filed by category with clearance rates,
// persons and measures, money, recent closures and notable cases.
func renderStrike(c *Context, w, h int) []string {
	st := c.St
	t := c.D.C
	var secs []section
	persons := c.Tf("strike.persons",
		st.Value.R(fmtInt(sumPrefix(t.Persons, feed.ActionArrest+"/"))),
		st.Value.R(fmtInt(sumPrefix(t.Persons, feed.ActionCriminalMeasure+"/"))),
		st.Value.R(fmtInt(sumPrefix(t.Persons, feed.ActionProsecution+"/"))),
		st.Value.R(fmtInt(sumPrefix(t.Persons, feed.ActionAdminPenalty+"/"))))
	money := c.Tf("strike.money",
		st.Value.R(fmtMoney(c.Lang, sumPrefix(t.AmountsCNY, feed.ActionSeizure+"/"))),
		st.Value.R(fmtMoney(c.Lang, sumPrefix(t.AmountsCNY, feed.ActionRecovery+"/"))))
	secs = append(secs, section{lines: []string{persons, money}})

	lw := 8
	if c.Lang == "en" {
		lw = 16
	}
	var cats []string
	for _, cat := range feed.CaseCategories {
		if t.CasesFiled[cat] > 0 || t.CasesSolved[cat] > 0 {
			cats = append(cats, cat)
		}
	}
	var rows, vals []string
	var fracs []float64
	for _, cat := range cats {
		filed, solved := t.CasesFiled[cat], t.CasesSolved[cat]
		rate := campaign.ClearanceRate(t, cat)
		frac := 0.0
		if rate.OK {
			frac = rate.Value / 100
		} else if solved > 0 {
			frac = 1
		}
		fracs = append(fracs, frac)
		vals = append(vals, fmt.Sprintf("%s/%s %7s", fmtInt(solved), fmtInt(filed), fmtPct(rate)))
	}
	vals = alignRight(vals)
	for i, cat := range cats {
		rows = append(rows, barRow(c, colWidth(w), c.label("case.", cat), fracs[i], vals[i], lw))
	}
	if len(rows) > 0 {
		secs = append(secs, section{c.T("strike.by_category"), rows})
	}
	if cl := closureLines(c, colWidth(w), 5); len(cl) > 0 {
		secs = append(secs, section{c.T("strike.closures"), cl})
	}
	if nl := notableLines(c); len(nl) > 0 {
		secs = append(secs, section{c.T("strike.notables"), nl})
	}
	return stack(c, w, h, secs)
}

// colWidth is the width of one column when stack splits a panel in two.
func colWidth(w int) int {
	if w < 96 {
		return w
	}
	return (w - 2) / 2
}

func closureLines(c *Context, w, n int) []string {
	if c.State == nil {
		return nil
	}
	loc := c.Cfg.Location()
	var out []string
	for _, cl := range c.State.Closures {
		if c.D.Filtered && cl.District != c.District {
			continue
		}
		cat := c.label("case.", cl.Category)
		if cl.Cold {
			cat += "(" + c.T("case.cold") + ")"
		}
		sum := cl.Summary
		if cl.Notable != "" && sum == "" {
			sum = c.notableName(cl.Notable)
		}
		out = append(out, Trunc(fmt.Sprintf("%s %s %s %s", c.St.Dim.R(cl.At.In(loc).Format("01-02 15:04")),
			c.districtName(cl.District), c.St.Accent.R(cat), Sanitize(sum)), w))
		if len(out) == n {
			break
		}
	}
	return out
}

func notableLines(c *Context) []string {
	var out []string
	for _, n := range c.Cfg.Notable {
		status := c.St.Dim.R(c.T("notable.pending"))
		var ns *campaign.NotableState
		if c.State != nil {
			ns = c.State.Notables[n.ID]
		}
		where := ""
		if ns != nil {
			switch {
			case ns.Solved:
				status = c.St.Good.R(c.T("notable.solved"))
			case ns.Filed:
				status = c.St.Warn.R(c.T("notable.filed"))
			}
			if ns.District != "" {
				where = " " + c.districtName(ns.District)
			}
		}
		out = append(out, status+" "+c.notableName(n.ID)+c.St.Dim.R(where))
	}
	return out
}

// heatCell is one grid's glyph in the heat view.
func heatCell(c *Context, gridID string) string {
	lvl := c.D.GridHeat[gridID]
	return c.St.Heat[lvl].R(sparkLevels[max(lvl, 1)])
}

// gridRows is the heat view: one line per district, one cell per grid.
func gridRows(c *Context, w int, wide bool) []string {
	lw := 8
	if c.Lang == "en" {
		lw = 11
	}
	var out []string
	for _, d := range c.Cfg.Districts {
		if c.D.Filtered && d.ID != c.District {
			continue
		}
		var b strings.Builder
		var alarms, officers int64
		n := 0
		for _, g := range c.Cfg.Grids {
			if g.District != d.ID {
				continue
			}
			if n > 0 && wide {
				b.WriteString(" ")
			}
			b.WriteString(heatCell(c, g.ID))
			if wide {
				b.WriteString(heatCell(c, g.ID))
			}
			n++
			if c.State != nil {
				if gc := c.State.Grids[g.ID]; gc != nil {
					alarms += gc.Alarms
					officers += gc.Officers
				}
			}
		}
		name := c.districtName(d.ID)
		if d.ID == c.District {
			name = c.St.Highlight.R(name)
		}
		line := Fit(name, lw) + " " + b.String()
		if wide {
			line += c.St.Dim.R(fmt.Sprintf("  %s/%s", fmtInt(alarms), fmtInt(officers)))
		}
		out = append(out, Trunc(line, w))
	}
	var legend strings.Builder
	for lvl := 1; lvl <= 4; lvl++ {
		legend.WriteString(c.St.Heat[lvl].R(sparkLevels[lvl]))
	}
	out = append(out, c.St.Dim.R(c.Tf("patrol.heat_legend", legend.String())))
	return out
}

func (c *Context) daySeries(pick func(campaign.DayCounts) int64) []int64 {
	if c.State == nil {
		return nil
	}
	n := min(max(c.State.Day, 0), len(c.State.Days))
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		out[i] = pick(c.State.Days[i])
	}
	return out
}

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

// renderHazard: rectified against found per unit type as progress bars,
// disputes and their resolution rate, schools, days without an accident.
func renderHazard(c *Context, w, h int) []string {
	st := c.St
	t := c.D.C
	lw := 8
	if c.Lang == "en" {
		lw = 14
	}
	cw := colWidth(w)
	var rows, vals []string
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
	for i, u := range feed.UnitTypes {
		v := vals[i] + " " + st.Dim.R(c.Tf("hazard.inspections", insp[i]))
		rows = append(rows, barRow(c, cw, c.label("unit.", u), fracs[i], v, lw))
	}
	var secs []section
	secs = append(secs, section{c.T("hazard.units"), rows})
	dr := campaign.Rate(t.DisputesResolved, t.DisputesFound)
	frac := 0.0
	if dr.OK {
		frac = dr.Value / 100
	}
	secs = append(secs, section{c.Tf("hazard.disputes", fmtInt(t.DisputesResolved), fmtInt(t.DisputesFound)), []string{
		barRow(c, cw, "", frac, fmtPct(dr), 0),
	}})
	var safe string
	if t.MajorAccidents == 0 {
		safe = st.Good.R(c.Tf("hazard.safe_days", c.day()))
	} else {
		safe = st.Bad.R(c.Tf("hazard.accidents", fmtInt(t.MajorAccidents)))
	}
	secs = append(secs, section{lines: []string{
		c.Tf("hazard.schools", st.Value.R(fmtInt(t.Inspections[feed.UnitSchool])), st.Value.R(fmtInt(t.Rectified[feed.UnitSchool])), st.Value.R(fmtInt(t.Officers[feed.DutySchool]))),
		c.Tf("hazard.notices", st.Value.R(fmtInt(t.Notices))),
		safe,
		labelled(c, "trend.rectified", spark(st, c.daySeries(func(d campaign.DayCounts) int64 { return d.Rectified }), min(cw-10, 98))),
	}})
	return stack(c, w, h, secs)
}

// renderGridPage is the large heat view for the wall's detail panel.
func renderGridPage(c *Context, w, h int) []string {
	return append([]string{c.St.Accent.R(c.T("patrol.grid"))}, gridRows(c, w, true)...)
}

// renderCases: the recent closures and the notable cases.
func renderCases(c *Context, w, h int) []string {
	secs := []section{{c.T("strike.closures"), closureLines(c, colWidth(w), max(h-2, 1))}}
	secs = append(secs, section{c.T("strike.notables"), notableLines(c)})
	return stack(c, w, h, secs)
}

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

// renderTicker: newest first. One line in compact layouts, else a title
// with the open queue and one alarm per line.
func renderTicker(c *Context, w, h int) []string {
	st := c.St
	open := c.Tf("ticker.open", fmtInt(int64(c.D.Open)))
	var items []campaign.TickerItem
	if c.State != nil {
		for _, it := range c.State.Ticker {
			if c.D.Filtered && it.District != c.District {
				continue
			}
			items = append(items, it)
			if len(items) >= max(h, 1) {
				break
			}
		}
	}
	if h == 1 {
		if len(items) == 0 {
			return []string{st.Warn.R("["+open+"] ") + st.Dim.R(c.T("ticker.empty"))}
		}
		return []string{st.Warn.R("["+open+"] ") + tickerLine(c, items[0], w-Width(open)-3, true)}
	}
	out := []string{st.Title.R(Fit(" "+c.T("ticker.title"), max(w-Width(open)-2, 0))) + st.Reconnecting.R(" "+open+" ")}
	if len(items) == 0 {
		out = append(out, st.Dim.R(c.T("ticker.empty")))
	}
	for _, it := range items {
		if len(out) >= h {
			break
		}
		out = append(out, tickerLine(c, it, w, false))
	}
	return out
}

func tickerLine(c *Context, it campaign.TickerItem, w int, compact bool) string {
	st := c.St
	loc := c.Cfg.Location()
	cat := it.Type
	if it.Category != "" {
		cat = c.label("alarm.", it.Category)
	}
	cw, dw, gw := 8, 8, 12
	if c.Lang == "en" {
		cw, dw, gw = 13, 11, 14
	}
	status := c.label("status.", it.Status)
	stStyle := st.Warn
	switch it.Status {
	case campaign.StatusDispatched:
		stStyle = st.Info
	case campaign.StatusClosed:
		stStyle = st.Good
	case campaign.StatusUnknown:
		stStyle = st.Dim
	}
	grid := ""
	if it.Grid != "" {
		grid = c.gridName(it.Grid)
	}
	when := it.At.In(loc).Format("15:04:05")
	if compact {
		return Trunc(st.Dim.R(when)+" "+st.Cat(it.Category).R(cat)+" "+c.districtName(it.District)+" "+stStyle.R(status)+" "+Sanitize(it.Summary), w)
	}
	district := c.districtName(it.District)
	if it.District == c.District {
		district = st.Highlight.R(district)
	}
	line := st.Dim.R(when) + " " + Fit(st.Cat(it.Category).R(cat), cw) + " " + Fit(district, dw) + " " +
		Fit(st.Dim.R(grid), gw) + " " + Fit(stStyle.R(status), 10) + " " + Sanitize(it.Summary)
	return Trunc(line, w)
}

// renderRanking: the districts by the flag rules, with flags, score and as
// many of the measures behind them as fit.
func renderRanking(c *Context, w, h int) []string {
	st := c.St
	rules := c.Cfg.Flags.Measures
	nw := 8
	if c.Lang == "en" {
		nw = 11
	}
	const mw = 9
	fixed := 3 + 3 + nw + 1 + 6
	cols := min(len(rules), max((w-fixed)/mw, 0))
	head := fmt.Sprintf("%-3s%-3s", "#", "")
	head += Fit(c.T("ranking.district"), nw) + " " + PadLeft(c.T("ranking.score"), 6)
	for j := 0; j < cols; j++ {
		head += PadLeft(c.label("measure.", rules[j].Measure), mw)
	}
	out := []string{st.Title.R(Fit(" "+c.T("ranking.title"), w)), st.Dim.R(head)}
	for _, r := range c.D.Ranking {
		mine := r.District == c.District
		flag := "  "
		// The station's own row is one highlighted run: a styled flag inside
		// it would end the highlight with its reset.
		switch {
		case r.Flag == campaign.FlagRed && mine:
			flag = "⚑R"
		case r.Flag == campaign.FlagYellow && mine:
			flag = "⚑Y"
		case r.Flag == campaign.FlagRed:
			flag = st.FlagRed.R("⚑R")
		case r.Flag == campaign.FlagYellow:
			flag = st.FlagYellow.R("⚑Y")
		}
		line := fmt.Sprintf("%-3d", r.Rank) + flag + " " + Fit(c.districtName(r.District), nw) + " " +
			PadLeft(fmt.Sprintf("%.3f", r.Score), 6)
		for j := 0; j < cols; j++ {
			v := r.Measures[j]
			s := fmtInt(int64(v))
			if rules[j].Measure == "dispute_resolution_rate" {
				s = fmt.Sprintf("%.1f%%", v)
			}
			line += PadLeft(s, mw)
		}
		if mine {
			line = st.Highlight.R(Fit(line, w))
		}
		out = append(out, line)
	}
	return out
}

// renderStatus: the key hint on the left; demo progress, the facts check,
// a layout problem or the filter on the right.
func renderStatus(c *Context, w int) string {
	st := c.St
	var right []string
	if c.LayoutErr != "" {
		right = append(right, st.Bad.R(c.T("status.layout_err")+": "+Sanitize(c.LayoutErr)))
	}
	if c.HasDemo {
		d := c.DemoInfo
		switch {
		case d.Done && d.Note != "":
			right = append(right, Sanitize(d.Note))
		case d.Done && d.CheckOK:
			right = append(right, st.Good.R("✓ "+c.Tf("status.check_ok", len(campaign.FigureIDs()))))
		case d.Done:
			right = append(right, st.Bad.R("✗ "+c.Tf("status.check_bad", len(d.Mismatches), Sanitize(strings.Join(d.Mismatches, ", ")))))
		default:
			pct := 0
			if d.Total > 0 {
				pct = d.Sent * 100 / d.Total
			}
			right = append(right, c.Tf("status.demo", c.clock().Format("2006-01-02"), pct))
		}
	}
	if c.D.Filtered {
		right = append(right, c.Tf("status.filtered", c.districtName(c.District)))
	}
	right = append(right, c.LayoutName+" "+c.Lang+" "+c.St.Theme)
	r := " " + strings.Join(right, " | ") + " "
	// A link that is down says why, and the client's error says what to
	// do (check the token, start the hub): the badge alone does not.
	if e := c.Conn.Err; e != "" && (c.Conn.Status == ConnFailed || c.Conn.Status == ConnReconnecting) {
		rw := min(Width(r), w/3)
		return st.Bad.R(Fit(" "+Sanitize(e), w-rw)) + st.TitleDim.R(Trunc(r, rw))
	}
	hint := " " + c.T("status.hint")
	if Width(hint)+Width(r) > w {
		hint = " " + c.T("status.hint_short")
	}
	rw := min(Width(r), max(w-Width(hint), w/2))
	return st.TitleDim.R(Fit(hint, w-rw)) + st.TitleDim.R(Trunc(r, rw))
}

// renderHelp lists every key.
func renderHelp(c *Context, w, h int) []string {
	st := c.St
	out := []string{st.Title.R(Fit(" "+c.T("help.title"), w)), ""}
	for _, b := range c.Keys.FullHelp() {
		hp := b.Help()
		keys := hp.Key
		if b.Help().Desc == "key.jump" {
			keys = "1 2 3"
		}
		out = append(out, "   "+st.Accent.R(Fit(keys, 10))+"  "+c.T(hp.Desc))
	}
	out = append(out, "", "   "+st.Dim.R(c.T("help.close")))
	return strings.Split(Block(out, w, h), "\n")
}

// renderTooSmall explains what size is needed instead of drawing garbage.
func renderTooSmall(c *Context, w, h int) string {
	msg := fmt.Sprintf(c.T("small"), 80, 24, w, h)
	var lines []string
	for len(msg) > 0 && w > 0 {
		part := Trunc(msg, w)
		if Width(part) >= w && Width(msg) > w {
			part = truncNoTail(msg, w)
		}
		lines = append(lines, part)
		msg = strings.TrimPrefix(msg, part)
		if len(lines) > h {
			break
		}
	}
	top := max((h-len(lines))/2, 0)
	out := make([]string, 0, h)
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	out = append(out, lines...)
	return Block(out, w, h)
}

// truncNoTail cuts s to at most w columns without an ellipsis, never
// splitting a wide character.
func truncNoTail(s string, w int) string {
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := Width(string(r))
		if used+rw > w {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String()
}
