package tui

import (
	"fmt"
	"strings"
	"time"

	"sitboard/campaign"
)

// The 战区 page (docs/figures.md, "Zones"): every zone's figures over the
// ranking's span with what is open and overdue now, and its leader's
// title; on a board filtered to a zone (z) or to a district, that zone's
// districts and the zone's total, and its overdue items named.

// overdueItems are the items past a deadline at an instant, per
// district: open alarms past their response threshold (出警超时), open
// supervision findings past their deadline (督察逾期), instructions not
// signed or reported by their deadline (指令逾期).
type overdueItems struct {
	alarms, findings, directives map[string]int
}

func (o overdueItems) of(districts ...string) (alarms, findings, directives int) {
	for _, d := range districts {
		alarms += o.alarms[d]
		findings += o.findings[d]
		directives += o.directives[d]
	}
	return alarms, findings, directives
}

// overdueAt counts the overdue items of s at now, per district.
func (c *Context) overdueAt(s *campaign.State, now time.Time) overdueItems {
	o := overdueItems{alarms: map[string]int{}, findings: map[string]int{}, directives: map[string]int{}}
	for _, a := range campaign.OpenAges(c.Cfg, s, "", now) {
		if a.Late != campaign.InTime {
			o.alarms[a.District]++
		}
	}
	for _, f := range campaign.OpenFindings(s, now) {
		if f.Overdue {
			o.findings[f.District]++
		}
	}
	for _, v := range campaign.DirectivesAt(s, "", now) {
		for j, r := range v.Replies {
			if campaign.Overdue(v.Status[j]) {
				o.directives[r.District]++
			}
		}
	}
	return o
}

// zoneShown is the zone the page details: the filtered zone, or the
// filtered district's; "" for all zones.
func (c *Context) zoneShown() string {
	if c.D.Zone != "" {
		return c.D.Zone
	}
	if c.D.Filtered {
		if z, ok := c.Cfg.ZoneOf(c.District); ok {
			return z.ID
		}
	}
	return ""
}

// zoneColumn is one numeric column of the page.
type zoneColumn struct {
	key   string
	value func(r zoneRow) int64
	alarm bool // red when above 0
}

// zoneRow is one line of the table: a zone, a district, or a zone's total.
type zoneRow struct {
	name      string
	districts []string
	counts    *campaign.Counters
	mine      bool
}

// renderZones is the 战区 page.
func renderZones(c *Context, w, h int) []string {
	st := c.St
	s := c.D.S
	if len(c.Cfg.Zones) == 0 {
		return []string{st.Dim.R(Trunc(" "+c.T("zone.none"), w))}
	}
	now := c.clock()
	counts, spanned := c.spanCounts(s)
	label := c.T("ranking.span.campaign")
	if spanned {
		label = c.rankingLabel()
	}
	over := c.overdueAt(s, now)
	open := map[string]int{}
	for _, o := range s.OpenAlarms {
		open[o.District]++
	}
	cols := []zoneColumn{
		{"zone.alarms", func(r zoneRow) int64 { return int64(campaign.DistrictMeasure(r.counts, "alarms_total")) }, false},
		{"zone.solved", func(r zoneRow) int64 { return int64(campaign.DistrictMeasure(r.counts, "cases_solved")) }, false},
		{"zone.arrested", func(r zoneRow) int64 { return int64(campaign.DistrictMeasure(r.counts, "suspects_arrested")) }, false},
		{"zone.rectified", func(r zoneRow) int64 { return int64(campaign.DistrictMeasure(r.counts, "hazards_rectified")) }, false},
		{"zone.open", func(r zoneRow) int64 {
			n := 0
			for _, d := range r.districts {
				n += open[d]
			}
			return int64(n)
		}, false},
		{"zone.late_alarms", func(r zoneRow) int64 { a, _, _ := over.of(r.districts...); return int64(a) }, true},
		{"zone.overdue_findings", func(r zoneRow) int64 { _, f, _ := over.of(r.districts...); return int64(f) }, true},
		{"zone.overdue_directives", func(r zoneRow) int64 { _, _, d := over.of(r.districts...); return int64(d) }, true},
	}
	var rows []zoneRow
	var out []string
	zone := c.zoneShown()
	if zone == "" {
		out = append(out, st.Dim.R(Trunc(" "+c.Tf("zone.span", label), w)))
		for _, z := range c.Cfg.Zones {
			ds := c.Cfg.ZoneDistricts(z.ID)
			rows = append(rows, zoneRow{name: c.zoneName(z.ID), districts: ds, counts: campaign.GroupCounters(counts, ds), mine: z.Holds(c.District)})
		}
	} else {
		i, _ := c.Cfg.ZoneIndex(zone)
		z := c.Cfg.Zones[i]
		head := " " + c.zoneName(zone) + "  " + c.T("zone.leader") + " " + Sanitize(z.Leader(c.Lang))
		out = append(out, st.Accent.R(Trunc(head, w)), st.Dim.R(Trunc(" "+c.Tf("zone.span", label), w)))
		ds := c.Cfg.ZoneDistricts(zone)
		for _, d := range ds {
			rows = append(rows, zoneRow{name: c.districtName(d), districts: []string{d}, counts: counts[d], mine: d == c.District})
		}
		rows = append(rows, zoneRow{name: c.T("zone.total"), districts: ds, counts: campaign.GroupCounters(counts, ds)})
	}
	out = append(out, zoneTable(c, w, rows, cols)...)
	if zone == "" {
		// Who answers for each zone.
		out = append(out, st.Dim.R(Trunc(" "+c.T("zone.leaders"), w)))
		nw := 0
		for _, z := range c.Cfg.Zones {
			nw = max(nw, Width(c.zoneName(z.ID)))
		}
		for _, z := range c.Cfg.Zones {
			out = append(out, Trunc(" "+Fit(c.zoneName(z.ID), nw)+"  "+Sanitize(z.Leader(c.Lang)), w))
		}
		return cutWithMore(c, out, h)
	}
	out = append(out, overdueFindingLines(c, campaign.OpenFindings(s, now, c.Cfg.ZoneDistricts(zone)...), w, max(h-len(out), 0))...)
	return cutWithMore(c, out, h)
}

// zoneTable lays rows out under the columns that fit in w, a column's
// width its label's or its widest value's.
func zoneTable(c *Context, w int, rows []zoneRow, cols []zoneColumn) []string {
	st := c.St
	nw := Width(c.T("zone.name"))
	for _, r := range rows {
		nw = max(nw, Width(r.name))
	}
	nw++
	vals := make([][]int64, len(rows))
	for i, r := range rows {
		for _, col := range cols {
			vals[i] = append(vals[i], col.value(r))
		}
	}
	used := nw
	var widths []int
	for j, col := range cols {
		cw := Width(c.T(col.key))
		for i := range rows {
			cw = max(cw, Width(fmtInt(vals[i][j])))
		}
		cw++
		if used+cw > w {
			break
		}
		used += cw
		widths = append(widths, cw)
	}
	head := " " + Fit(c.T("zone.name"), nw-1)
	for j, cw := range widths {
		head += PadLeft(c.T(cols[j].key), cw)
	}
	out := []string{st.Dim.R(Trunc(head, w))}
	for i, r := range rows {
		var b strings.Builder
		b.WriteString(" " + Fit(r.name, nw-1))
		for j, cw := range widths {
			v := PadLeft(fmtInt(vals[i][j]), cw)
			if cols[j].alarm && vals[i][j] > 0 && !r.mine {
				v = st.Bad.R(v)
			}
			b.WriteString(v)
		}
		line := b.String()
		if r.mine {
			line = st.Highlight.R(Fit(line, w))
		}
		out = append(out, Trunc(line, w))
	}
	if len(widths) < len(cols) {
		var left []string
		for _, col := range cols[len(widths):] {
			left = append(left, c.T(col.key))
		}
		out = append(out, st.Dim.R(Trunc(" "+c.T("ranking.not_shown")+" "+strings.Join(left, " "), w)))
	}
	return out
}

// overdueFindingLines names the overdue findings among fs (overdue ones
// come first), red: district, team, what, how long overdue.
func overdueFindingLines(c *Context, fs []campaign.FindingAge, w, h int) []string {
	st := c.St
	var out []string
	for _, f := range fs {
		if !f.Overdue || len(out) >= h {
			break
		}
		l := fmt.Sprintf(" %s %s %s %s", c.districtName(f.District), c.teamName(f.Team), Sanitize(f.Summary), c.Tf("sup.overdue_by", fmtAge(c.Lang, -f.Left)))
		out = append(out, st.Bad.R(Trunc(l, w)))
	}
	return out
}
