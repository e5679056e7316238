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
			if !c.inFilter(it.District) {
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
		return []string{st.Warn.R("["+open+"] ") + tickerLine(c, items[0], w-Width(open)-3)}
	}
	out := []string{st.Title.R(Fit(" "+c.T("ticker.title"), max(w-Width(open)-2, 0))) + st.Reconnecting.R(" "+open+" ")}
	if len(items) == 0 {
		return append(out, st.Dim.R(c.T("ticker.empty")))
	}
	rows := items[:min(len(items), h-1)]
	return append(out, tickerTable(c, rows, w)...)
}

// maxTickerColumn bounds the type, district and grid columns: the longest
// label or config name is 14 columns ("Public order" and English grid
// names).
const maxTickerColumn = 16

// tickerField is one alarm's columns.
type tickerField struct {
	when, cat, district, grid, status, summary string
	catStyle, statusStyle                      Style
	mine                                       bool
}

func tickerFields(c *Context, it campaign.TickerItem, shortLabels bool) tickerField {
	st := c.St
	pick := func(prefix, id string) string {
		if _, ok := labels[c.Lang][prefix+id]; !ok {
			return c.label(prefix, id)
		}
		if shortLabels {
			forms := labelForms(c.Lang, prefix+id)
			return forms[len(forms)-1]
		}
		return c.T(prefix + id)
	}
	f := tickerField{when: it.At.In(c.Cfg.Location()).Format("15:04:05"), cat: Sanitize(it.Type), district: c.districtName(it.District),
		status: pick("status.", it.Status), summary: Sanitize(it.Summary), catStyle: st.Cat(it.Category), statusStyle: st.Warn, mine: it.District == c.District}
	if it.Category != "" {
		f.cat = pick("alarm.", it.Category)
	}
	if it.Grid != "" {
		f.grid = c.gridName(it.Grid)
	}
	// Columns take the width of their widest entry, so one event with a
	// 10,000-character type or an unknown district id must not push every
	// summary off the line: what comes from data is cut to a column.
	f.cat, f.district, f.grid = Trunc(f.cat, maxTickerColumn), Trunc(f.district, maxTickerColumn), Trunc(f.grid, maxTickerColumn)
	switch it.Status {
	case campaign.StatusDispatched:
		f.statusStyle = st.Info
	case campaign.StatusClosed:
		f.statusStyle = st.Good
	case campaign.StatusUnknown:
		f.statusStyle = st.Dim
	}
	return f
}

// tickerTable lays alarms out in columns as wide as their widest entry.
// The summary is what an officer reads, so it gets the width it needs
// first: when the line is too long the grid column goes, then the labels
// take their short forms, and only then is the summary cut.
func tickerTable(c *Context, items []campaign.TickerItem, w int) []string {
	st := c.St
	var fs []tickerField
	var cw, dw, gw, sw, tw int
	measure := func(short bool) {
		fs = fs[:0]
		cw, dw, gw, sw, tw = 0, 0, 0, 0, 0
		for _, it := range items {
			f := tickerFields(c, it, short)
			fs = append(fs, f)
			cw, dw, gw = max(cw, Width(f.cat)), max(dw, Width(f.district)), max(gw, Width(f.grid))
			sw, tw = max(sw, Width(f.status)), max(tw, Width(f.summary))
		}
	}
	measure(false)
	line := func(grid bool) int {
		n := 8 + 1 + cw + 1 + dw + 1 + sw + 1 + tw
		if grid && gw > 0 {
			n += gw + 1
		}
		return n
	}
	grid := line(true) <= w
	if !grid && line(false) > w {
		measure(true)
	}
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		district := f.district
		if f.mine {
			district = st.Highlight.R(district)
		}
		l := st.Dim.R(f.when) + " " + Fit(f.catStyle.R(f.cat), cw) + " " + Fit(district, dw) + " "
		if grid && gw > 0 {
			l += Fit(st.Dim.R(f.grid), gw) + " "
		}
		l += Fit(f.statusStyle.R(f.status), sw) + " " + f.summary
		out = append(out, Trunc(l, w))
	}
	return out
}

// tickerLine is one alarm on the one-line ticker of compact layouts.
func tickerLine(c *Context, it campaign.TickerItem, w int) string {
	f := tickerFields(c, it, false)
	st := c.St
	return Trunc(st.Dim.R(f.when)+" "+f.catStyle.R(f.cat)+" "+f.district+" "+f.statusStyle.R(f.status)+" "+f.summary, w)
}
