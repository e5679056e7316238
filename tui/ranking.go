package tui

import (
	"fmt"

	"sitboard/campaign"
)

// The district ranking (红黄旗) region and page.

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
