package tui

import (
	"fmt"
	"strings"

	"sitboard/campaign"
	"sitboard/feed"
)

// The strike (打击) page.

// renderStrike: solved against filed by category with clearance rates,
// persons and measures, money, recent closures and notable cases.
func renderStrike(c *Context, w, h int) []string {
	out := stack(c, w, h, func(cw int) []section { return strikeSections(c, cw, 5) })
	// A tall panel (the wall's) lists as many recent closures as it has
	// lines for, rather than leaving them empty.
	if spare := h - len(out); spare > 0 && c.State != nil && len(c.State.Closures) > 5 {
		out = stack(c, w, h, func(cw int) []section { return strikeSections(c, cw, 5+spare) })
	}
	return out
}

// strikeSections builds the page for columns cw wide, with up to closures
// recent closures.
func strikeSections(c *Context, cw, closures int) []section {
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
	secs = append(secs, section{lines: append(flowText(persons, cw), flowText(money, cw)...)})

	var cats []string
	for _, cat := range feed.CaseCategories {
		if t.CasesFiled[cat] > 0 || t.CasesSolved[cat] > 0 {
			cats = append(cats, cat)
		}
	}
	var vals []string
	var fracs []float64
	for _, cat := range cats {
		// Backlog (积案) and administrative solves count in the solved number
		// but not in the clearance rate, which divides the campaign's own
		// criminal cases solved by those filed: the row says so.
		filed, solved, cold := t.CasesFiled[cat], t.CasesSolved[cat], t.ColdSolved[cat]
		unfiled := t.SolvedUnfiled[cat] // its filing late or never in the feed
		admin := solved - cold - t.NewSolved[cat] - unfiled
		rate := campaign.ShownRate(t.NewSolved[cat], filed)
		frac := 0.0
		if rate.OK {
			frac = rate.Value / 100
		}
		fracs = append(fracs, frac)
		var apart []string
		if cold > 0 {
			apart = append(apart, c.T("strike.cold")+" "+fmtInt(cold))
		}
		if admin > 0 {
			apart = append(apart, c.T("strike.admin")+" "+fmtInt(admin))
		}
		if unfiled > 0 {
			apart = append(apart, c.T("strike.unfiled")+" "+fmtInt(unfiled))
		}
		v := c.T("strike.solved") + " " + fmtInt(solved)
		if len(apart) > 0 {
			v += " (" + strings.Join(apart, ", ") + ")"
		}
		vals = append(vals, fmt.Sprintf("%s / %s %s ・ %7s", v, c.T("strike.filed"), fmtInt(filed), fmtRate(rate)))
	}
	if len(cats) > 0 {
		lw, names := labelColumn(c, "case.", cats, labelCap(c))
		secs = append(secs, barSection(c, c.T("strike.by_category"), cw, lw, names, fracs, vals))
	}
	if serious, homicide := t.CasesSolved[feed.CaseSeriousViolent], t.CasesSolved[feed.CaseHomicide]; serious > 0 && homicide > 0 {
		// The 通报 page's 侦破严重暴力案件 counts homicides too: say so
		// where the two numbers would otherwise disagree.
		note := c.Tf("strike.violent_note", fmtInt(serious), fmtInt(homicide), fmtInt(serious+homicide))
		secs = append(secs, section{lines: dimLines(c, flowText(note, cw))})
	}
	if cl := closureLines(c, cw, closures); len(cl) > 0 {
		secs = append(secs, section{title: c.T("strike.closures"), lines: cl, short: cl[:min(len(cl), 2)]})
	}
	if nl := notableLines(c, cw); len(nl) > 0 {
		secs = append(secs, section{title: c.T("strike.notables"), lines: nl})
	}
	return secs
}

// dimLines draws lines in the dim style.
func dimLines(c *Context, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = c.St.Dim.R(l)
	}
	return out
}
