package tui

import (
	"fmt"
	"sitboard/campaign"
	"strings"
)

// The help screen, drawn over the board between header and status bar:
// every key, then the figures' definitions in short (docs/figures.md has
// them in full).

// renderHelp lists every key, two to a line when that is what fits, then
// one line per figure group and the ranking score's formula.
func renderHelp(c *Context, w, h int) []string {
	st := c.St
	out := []string{st.Title.R(Fit(" "+c.T("help.title"), w)), ""}
	var keys []string
	for _, b := range c.Keys.FullHelp() {
		hp := b.Help()
		key, desc := hp.Key, hp.Desc
		switch desc {
		case "key.jump":
			// As many digits as the rotator has pages.
			key = fmt.Sprintf("1-%d", max(len(c.Rot.pages), 1))
		case "key.filter":
			if !c.ownDistrict {
				// Without --district there is no "my district": f steps through them.
				desc = "key.filter_next"
			}
		}
		keys = append(keys, st.Accent.R(Fit(key, 6))+" "+c.T(desc))
	}
	defs := c.figureHelp()
	cols := 1
	if len(keys)+len(defs)+6 > h {
		cols = 2
	}
	cw := (w - 3) / cols
	for i := 0; i < len(keys); i += cols {
		line := "   "
		for j := i; j < min(i+cols, len(keys)); j++ {
			line += Fit(keys[j], cw-1) + " "
		}
		out = append(out, line)
	}
	out = append(out, "", " "+st.Accent.R(c.T("help.figures")))
	// Definitions wrap when the rows allow it, else each keeps one line.
	var wrapped []string
	for _, d := range defs {
		for _, l := range wrap(d, w-5) {
			wrapped = append(wrapped, "   "+l)
		}
	}
	if len(out)+len(wrapped)+2 <= h {
		out = append(out, wrapped...)
	} else {
		for _, d := range defs {
			out = append(out, "   "+Trunc(d, w-3))
		}
	}
	out = append(out, "", "   "+st.Dim.R(c.T("help.close")))
	return strings.Split(Block(out, w, h), "\n")
}

// figureHelp is the figures' definitions in short, the score formula built
// from the campaign's own flag rules.
func (c *Context) figureHelp() []string {
	var terms []string
	for _, m := range c.Cfg.FlagMeasures() {
		w := m.Weight
		if m.Better == campaign.BetterLess {
			w = -w // fewer is better
		}
		terms = append(terms, fmt.Sprintf("%s %+g", c.label("measure.", m.Measure), w))
	}
	score := c.Tf("help.score", strings.Join(terms, ", "), c.Cfg.Flags.Red, c.Cfg.Flags.Yellow)
	return []string{
		c.T("help.cmp"), c.T("help.clearance"), c.T("help.disputes"), c.T("help.units"), score, c.T("help.none"),
	}
}
