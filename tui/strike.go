package tui

import (
	"fmt"

	"sitboard/campaign"
	"sitboard/feed"
)

// The strike (打击) page.

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
