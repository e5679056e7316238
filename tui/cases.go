package tui

import (
	"fmt"

	"sitboard/campaign"
)

// The cases page: recent closures and notable cases (also part of strike).

// renderCases: the recent closures and the notable cases.
func renderCases(c *Context, w, h int) []string {
	return stack(c, w, h, func(cw int) []section {
		return []section{
			{title: c.T("strike.closures"), lines: closureLines(c, cw, max(h-2, 1))},
			{title: c.T("strike.notables"), lines: notableLines(c, cw)},
		}
	})
}

func closureLines(c *Context, w, n int) []string {
	if c.State == nil {
		return nil
	}
	loc := c.Cfg.Location()
	var out []string
	for _, cl := range c.State.Closures {
		if !c.inFilter(cl.District) {
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

func notableLines(c *Context, w int) []string {
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
		out = append(out, Trunc(status+" "+c.notableName(n.ID)+c.St.Dim.R(where), w))
	}
	return out
}
