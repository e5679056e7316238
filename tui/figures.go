package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// The 通报/Figures page: every figure of the campaign, in the article's
// lines of work, each with its value, unit and comparison. The line panels
// show the figures a duty officer acts on; this page shows all of them, so
// no published figure is missing from the board.

// figuresColWidth is the width one column of figures needs to show a name,
// a value, its unit and the counts behind a comparison.
func figuresColWidth(lang string) int {
	if lang == "en" {
		return 76
	}
	return 68
}

// figureNameWidth is the column of figure names; every name fits it.
func figureNameWidth(lang string) int {
	if lang == "en" {
		return 30
	}
	return 20
}

// figureLines is the page as one list of lines: a title per line of work,
// then one line per figure.
func figureLines(c *Context, w int) []string {
	st := c.St
	s := c.D.S
	nw, vw, uw := figureNameWidth(c.Lang), 12, 4
	if c.Lang == "en" {
		uw = 8
	}
	var out []string
	for i, line := range campaign.Lines {
		if i > 0 {
			out = append(out, "")
		}
		heading := c.T("line." + line)
		if c.D.Filtered {
			// A district's board: these are the city's figures.
			heading = c.T("figures.city") + " " + heading
		}
		out = append(out, st.Accent.R(Trunc(heading, w)))
		for _, f := range campaign.FigureInfos {
			if f.Line != line {
				continue
			}
			value, details := c.figureValue(s, f)
			row := " " + Fit(c.T("fig."+f.ID), nw) + " " + PadLeft(st.Value.R(value), vw) + " " + Fit(c.T("funit."+f.Unit), uw)
			// The counts behind the value go in the longest form that
			// fits whole, or not at all: a cut count ("本期 4,38⋯") reads
			// as a different number.
			for _, d := range details {
				if Width(row)+1+Width(d) <= w {
					row += " " + st.Dim.R(d)
					break
				}
			}
			out = append(out, Trunc(row, w))
		}
	}
	if c.D.Filtered {
		out = append(out, "", st.Dim.R(c.T("kpi.city_only")))
	}
	return out
}

// figureValue is a figure's value as shown, and the counts behind it in
// the forms that may show beside it, longest first.
func (c *Context) figureValue(s *campaign.State, f campaign.FigureInfo) (value string, details []string) {
	switch f.Kind {
	case campaign.KindChange:
		cmp := campaign.ToDate(c.Cfg, s, f.Metric, f.Basis, c.asOf())
		basis := c.T("kpi.mom")
		if f.Basis == campaign.VsSamePeriodLast {
			basis = c.T("kpi.yoy")
		}
		now, base := fmtInt(cmp.Current), fmtInt(int64(math.Round(cmp.Base)))
		full := c.Tf("figures.compared", basis, now, base)
		if cmp.Change.OK && cmp.Prorated {
			// While the campaign runs, its complete days against the
			// baseline pro-rated to them: say which days.
			details = append(details, full+" "+c.Tf("figures.prorated", cmp.Days, c.Cfg.Days(), c.dayDate(cmp.Days).Format("01-02")))
		}
		details = append(details, full, c.Tf("figures.compared_short", basis, now, base))
		return fmtChange(cmp.Change), details
	case campaign.KindRate:
		part, whole, _ := campaign.RateCounts(s, f.ID)
		return fmtRate(campaign.ShownRate(part, whole)), []string{fmtInt(part) + "/" + fmtInt(whole)}
	}
	fig := c.D.Figures[f.ID]
	if !fig.OK {
		return noValue, nil
	}
	if f.ID == "strike.serious_violent_cases_solved" {
		// The strike panel's 严重暴力 leaves homicides out: say this one
		// holds them.
		if h := s.Totals.CasesSolved[feed.CaseHomicide]; h > 0 {
			details = []string{c.Tf("figures.violent_incl", fmtInt(h))}
		}
	}
	return fmtInt(int64(fig.Value)), details
}

// noValue stands where there is nothing to show yet: no data to compare,
// or a rate whose definition does not hold.
const noValue = "－"

// fmtChange is a comparison as an arrow and a magnitude: ▾7.16%.
func fmtChange(f campaign.Figure) string {
	if !f.OK {
		return noValue
	}
	arrow := "="
	switch {
	case f.Value < 0:
		arrow = "▾"
	case f.Value > 0:
		arrow = "▴"
	}
	return arrow + strconv.FormatFloat(abs(f.Value), 'f', 2, 64) + "%"
}

// fmtRate is a rate with two decimals, or — where it is not defined.
func fmtRate(f campaign.Figure) string {
	if !f.OK {
		return noValue
	}
	return strconv.FormatFloat(f.Value, 'f', 2, 64) + "%"
}

// figuresLayout is how the page fits a w x h box: columns side by side and,
// when even those do not hold every line, parts shown one after another
// (the rotation stays on the page until every part was shown).
func figuresLayout(lang string, w, h int) (cols, parts int) {
	n := len(campaign.FigureInfos) + 2*len(campaign.Lines) + 1
	cols = max(w/figuresColWidth(lang), 1)
	per := max(h, 1) * cols
	return cols, max((n+per-1)/per, 1)
}

// renderFigures draws the current part of the page.
func renderFigures(c *Context, w, h int) []string {
	if h <= 0 {
		return nil
	}
	cols, parts := figuresLayout(c.Lang, w, h)
	part := min(c.Rot.part, parts-1)
	cw := w
	if cols > 1 {
		cw = (w - 2*(cols-1)) / cols
	}
	lines := figureLines(c, cw)
	per := h * cols
	lines = lines[min(part*per, len(lines)):min((part+1)*per, len(lines))]
	out := make([]string, h)
	for i := range out {
		var cells []string
		for col := 0; col < cols; col++ {
			j := col*h + i
			cell := ""
			if j < len(lines) {
				cell = lines[j]
			}
			cells = append(cells, Fit(cell, cw))
		}
		out[i] = strings.Join(cells, "  ")
	}
	return out
}

// pageLabel is a page's name in the rotator's title; the figures page
// says which of its parts is on screen.
func (c *Context) pageLabel(page string) string {
	name := c.T("page." + page)
	if page == layouts.Ranking && c.rank.kind != "" && c.rank.kind != campaign.PeriodCampaign {
		name += " " + c.rankingLabel() // the campaign's is the default; a span says so
	}
	if (page == layouts.Figures || page == layouts.Daily) && c.D.Filtered {
		name += " " + c.T("figures.city") // the city's figures on a district's board
	}
	if page == layouts.Figures && c.Rot.parts > 1 && c.Rot.page() == page {
		name += fmt.Sprintf(" %d/%d", min(c.Rot.part, c.Rot.parts-1)+1, c.Rot.parts)
	}
	return name
}
