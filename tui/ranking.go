package tui

import (
	"fmt"
	"slices"
	"strings"

	"sitboard/campaign"
)

// The district ranking (红黄旗) region and page.

// renderRanking is the ranking region: its title, then the table.
func renderRanking(c *Context, w, h int) []string {
	title := " " + c.T("ranking.title") + "  " + c.rankingLabel()
	if Width(title) > w {
		// The span and its days say more than the region's name.
		title = " " + c.rankingLabel()
	}
	return append([]string{c.St.Title.R(Fit(title, w))}, rankingTable(c, w, h-1)...)
}

// rankingTable: the districts by the flag rules, with flags, score and as
// many of the measures behind them as fit. As a rotator page it goes under
// the rotator's own title.
func rankingTable(c *Context, w, h int) []string {
	st := c.St
	rules := c.D.Ranking.Measures
	if rules == nil {
		rules = c.Cfg.FlagMeasures()
	}
	nw := 0
	for _, d := range c.Cfg.Districts {
		nw = max(nw, Width(c.districtName(d.ID)))
	}
	nw = max(nw, Width(c.T("ranking.district")))
	// A measure column is one space and its points or its label, whichever
	// is wider, the label abbreviated to at most mw columns; the points add
	// up to the score. The tally of flags awarded so far comes first.
	const mw = 9
	tw := 1 + max(Width(c.T("ranking.tally")), Width(c.tallyText(campaign.Tally{Red: 99, Yellow: 99})))
	fixed := 3 + 3 + nw + 1 + 6 + tw
	var heads []string
	used := fixed
	for _, r := range rules {
		head := fitLabel(c, mw-1, "measure."+r.Measure)
		cw := 1 + max(Width(head), 5)
		if used+cw > w {
			break
		}
		heads = append(heads, PadLeft(head, cw))
		used += cw
	}
	head := fmt.Sprintf("%-3s%-3s", "#", "")
	head += Fit(c.T("ranking.district"), nw) + " " + PadLeft(c.T("ranking.score"), 6) + PadLeft(c.T("ranking.tally"), tw) + strings.Join(heads, "")
	out := []string{st.Dim.R(head)}
	// Before any measure has data there is no ranking: "－", not 0.000.
	ranked := c.D.Ranking.Ranked
	if c.rankingLoading() {
		status := c.T("review.loading")
		if c.rank.failed != "" {
			status = c.T("ranking.span_failed")
		}
		out = append(out, st.Dim.R(" "+c.rankingLabel()+"  "+status))
	}
	for _, r := range c.D.Ranking.Rows {
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
			PadLeft(fmtScore(r.Score, c.D.ZoneRanking.Ranked), 6) + PadLeft(c.tallyText(c.D.Tally[r.District]), tw)
		for j := range heads {
			s := noValue
			if ranked && !slices.Contains(c.D.Ranking.LeftOut, rules[j].Measure) {
				s = fmt.Sprintf("%.3f", r.Measures[j].Points)
			}
			line += PadLeft(s, Width(heads[j]))
		}
		if mine {
			line = st.Highlight.R(Fit(line, w))
		}
		out = append(out, line)
	}
	// Measures with no room for a column still count in the score: say
	// which, where a line is free, so the score is not read as the sum of
	// the columns shown.
	if len(heads) < len(rules) {
		items := []string{" " + c.T("ranking.not_shown")}
		for _, r := range rules[len(heads):] {
			items = append(items, fitLabel(c, mw-1, "measure."+r.Measure))
		}
		if note := flowText(strings.Join(items, "  "), w-1); len(out)+len(note) <= h {
			for i, l := range note {
				if i > 0 {
					l = " " + l // under the first line's text
				}
				out = append(out, st.Dim.R(Fit(l, w)))
			}
		}
	}
	// The zones come last, where they fit whole: the districts' table and
	// its note come first on a short region.
	if zones := zoneRankLines(c, w); len(out)+len(zones) <= h {
		out = append(out, zones...)
	}
	return cutWithMore(c, out, h)
}

// tallyText is a district's flags so far: 红2黄1, or — with none.
func (c *Context) tallyText(t campaign.Tally) string {
	if t.Red == 0 && t.Yellow == 0 {
		return noValue
	}
	return c.Tf("ranking.tally_cell", t.Red, t.Yellow)
}

// fmtScore is a ranking score, or — while there is nothing to rank on.
func fmtScore(v float64, ranked bool) string {
	if !ranked {
		return noValue
	}
	return fmt.Sprintf("%.3f", v)
}

// zoneRankLines are the 战区 under the districts, scored on the same span
// and measures (campaign.ZoneScores): rank, name, score; the zone shown
// (z) or holding the board's district highlighted.
func zoneRankLines(c *Context, w int) []string {
	rows := c.D.ZoneRanking.Rows
	if len(rows) == 0 {
		return nil
	}
	st := c.St
	zw := 0
	for _, r := range rows {
		zw = max(zw, Width(c.zoneName(r.District)))
	}
	out := []string{st.Dim.R(" " + c.T("ranking.zones"))}
	for _, r := range rows {
		line := fmt.Sprintf("%-3d", r.Rank) + "   " + Fit(c.zoneName(r.District), zw) + " " + PadLeft(fmtScore(r.Score, c.D.ZoneRanking.Ranked), 6)
		mine := r.District == c.D.Zone
		if z, ok := c.Cfg.ZoneOf(c.District); ok && c.District != "" && z.ID == r.District {
			mine = true
		}
		line = Trunc(line, w)
		if mine {
			line = st.Highlight.R(Fit(line, w))
		}
		out = append(out, line)
	}
	return out
}
