package tui

import (
	"sitboard/campaign"
)

// The alarm ticker region.

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
	cat := Sanitize(it.Type)
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
