package tui

import (
	"strings"

	"sitboard/campaign"
)

// Building blocks the line panels and pages share.

// section is a titled block of lines. short, when set, is a smaller form
// of lines that stack uses when the panel is short of lines.
type section struct {
	title string
	lines []string
	short []string
}

// stack places the sections build makes for a column width in one
// column, or two when the panel is wide and every line fits half of it,
// in h lines. When they do not fit it drops the blank lines between
// sections, then uses the sections' smaller forms, and only then cuts,
// with a last line that says how many rows are not shown: never silently.
func stack(c *Context, w, h int, build func(cw int) []section) []string {
	if h <= 0 {
		return nil
	}
	render := func(ss []section, cw int, sep, short bool) []string {
		var out []string
		for i, s := range ss {
			if i > 0 && sep {
				out = append(out, "")
			}
			if s.title != "" {
				out = append(out, c.St.Accent.R(Trunc(s.title, cw)))
			}
			if short && s.short != nil {
				out = append(out, s.short...)
			} else {
				out = append(out, s.lines...)
			}
		}
		return out
	}
	two := w >= 96
	var secs []section
	if two {
		secs = build(colWidth(w))
		two = len(secs) >= 2
		for _, s := range secs {
			for _, l := range s.lines {
				two = two && Width(l) <= colWidth(w)
			}
		}
	}
	if !two {
		secs = build(w)
	}
	// shortened[i]: section i uses its smaller form. Heights are counted,
	// not rendered, while the panel looks for the form that fits.
	shortened := make([]bool, len(secs))
	height := func(i int) int {
		n := len(secs[i].lines)
		if shortened[i] && secs[i].short != nil {
			n = len(secs[i].short)
		}
		if secs[i].title != "" {
			n++
		}
		return n
	}
	// split is how many sections go in the left column (all of them in
	// one column), and heights of the columns.
	split := func(sep bool) (int, []int) {
		gap := 0
		if sep {
			gap = 1
		}
		total := func(from, to int) int {
			n := 0
			for i := from; i < to; i++ {
				if i > from {
					n += gap
				}
				n += height(i)
			}
			return n
		}
		if !two {
			return len(secs), []int{total(0, len(secs))}
		}
		// Fill the left column with sections in order while they fit in
		// h; the rest go right.
		k := len(secs)
		for i := 1; i <= len(secs); i++ {
			if total(0, i) > h {
				k = max(i-1, 1)
				break
			}
		}
		return k, []int{total(0, k), total(k, len(secs))}
	}
	fits := func(sep bool) bool {
		_, hs := split(sep)
		for _, n := range hs {
			if n > h {
				return false
			}
		}
		return true
	}
	sep := fits(true)
	// Then the smaller forms, one section at a time: the one that saves
	// least while making everything fit, else the one that saves most.
	for !sep && !fits(false) {
		best, bestSave, fitting := -1, 0, false
		for i, s := range secs {
			if shortened[i] || s.short == nil || len(s.short) >= len(s.lines) {
				continue
			}
			save := len(s.lines) - len(s.short)
			shortened[i] = true
			ok := fits(false)
			shortened[i] = false
			switch {
			case ok && (!fitting || save < bestSave):
				best, bestSave, fitting = i, save, true
			case !ok && !fitting && save > bestSave:
				best, bestSave = i, save
			}
		}
		if best < 0 {
			break
		}
		shortened[best] = true
	}
	ss := make([]section, len(secs))
	for i, s := range secs {
		ss[i] = s
		if shortened[i] && s.short != nil {
			ss[i].lines = s.short
		}
	}
	k, _ := split(sep)
	var cols [][]string
	var widths []int
	if !two {
		cols, widths = [][]string{render(ss, w, sep, false)}, []int{w}
	} else {
		lw := colWidth(w)
		cols = [][]string{render(ss[:k], lw, sep, false), render(ss[k:], w-2-lw, sep, false)}
		widths = []int{lw, w - 2 - lw}
	}
	for i, col := range cols {
		cols[i] = cutWithMore(c, col, h)
	}
	if len(cols) == 1 {
		return cols[0]
	}
	out := make([]string, max(len(cols[0]), len(cols[1])))
	for i := range out {
		var a, b string
		if i < len(cols[0]) {
			a = cols[0][i]
		}
		if i < len(cols[1]) {
			b = cols[1][i]
		}
		out[i] = Fit(a, widths[0]) + "  " + Fit(b, widths[1])
	}
	return out
}

// cutWithMore keeps lines within h; when it must cut, the last line says
// how many rows are left out.
func cutWithMore(c *Context, lines []string, h int) []string {
	if len(lines) <= h {
		return lines
	}
	if h <= 0 {
		return nil
	}
	hidden := 0
	for _, l := range lines[h-1:] {
		if l != "" {
			hidden++
		}
	}
	return append(lines[:h-1:h-1], c.St.Dim.R(c.Tf("more.rows", hidden)))
}

// flowText breaks a line of figures ("抓获 4,762  刑拘 1,941  ...") at its
// double spaces into lines of at most w columns, never inside a figure.
func flowText(s string, w int) []string {
	items := strings.Split(s, "  ")
	var out []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case Width(cur)+2+Width(it) <= w:
			cur += "  " + it
		default:
			out = append(out, cur)
			cur = it
		}
	}
	return append(out, cur)
}

// packCells sets cells side by side in columns as wide as the widest
// cell, as many to a line as fit in w: the smaller form of a list.
func packCells(cells []string, w int) []string {
	cw := 0
	for _, s := range cells {
		cw = max(cw, Width(s))
	}
	per := max((w+2)/(cw+2), 1)
	var out []string
	for i := 0; i < len(cells); i += per {
		var b strings.Builder
		for j := i; j < min(i+per, len(cells)); j++ {
			if j > i {
				b.WriteString("  ")
			}
			if j < min(i+per, len(cells))-1 {
				b.WriteString(Fit(cells[j], cw))
			} else {
				b.WriteString(cells[j])
			}
		}
		out = append(out, b.String())
	}
	return out
}

// colWidth is the width of one column when stack splits a panel in two.
func colWidth(w int) int {
	if w < 96 {
		return w
	}
	return (w - 2) / 2
}

// barRow is "label  ⣿⣿⣿⣀⣀  value": label and value columns fixed, the
// bar takes what is left.
func barRow(c *Context, w int, label string, frac float64, value string, lw int) string {
	vw := Width(value)
	bw := min(w-lw-vw-3, 40)
	if bw < 4 {
		return Fit(label, lw) + " " + value
	}
	if lw == 0 {
		return bar(c.St, frac, bw) + "  " + value
	}
	return Fit(label, lw) + " " + bar(c.St, frac, bw) + "  " + value
}

// alignRight pads values to the widest, so the bars beside them line up.
func alignRight(vals []string) []string {
	wmax := 0
	for _, v := range vals {
		wmax = max(wmax, Width(v))
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = PadLeft(v, wmax)
	}
	return out
}

// labelled puts a dim series label before a sparkline.
func labelled(c *Context, key, line string) string {
	return c.St.Dim.R(Fit(c.T(key), 9)) + " " + line
}

func sumPrefix(m map[string]int64, prefix string) int64 {
	var t int64
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			t += v
		}
	}
	return t
}

func (c *Context) daySeries(pick func(campaign.DayCounts) int64) []int64 {
	if c.State == nil {
		return nil
	}
	n := min(max(c.State.Day, 0), len(c.State.Days))
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		out[i] = pick(c.State.Days[i])
	}
	return out
}

// barSection is a titled list of "label bar value" rows; its smaller form
// packs the labels and values without the bars.
func barSection(c *Context, title string, w, lw int, names []string, fracs []float64, vals []string) section {
	vals = alignRight(vals)
	rows := make([]string, len(names))
	cells := make([]string, len(names))
	for i, name := range names {
		rows[i] = barRow(c, w, name, fracs[i], vals[i], lw)
		cells[i] = Fit(name, lw) + " " + vals[i]
	}
	return section{title: title, lines: rows, short: packCells(cells, w)}
}

// labelCap is the widest a label column in a panel may be: the longest
// Chinese labels are four characters; English ones are abbreviated to fit.
func labelCap(c *Context) int {
	if c.Lang == "en" {
		return 14
	}
	return 8
}

// stackFilled is stack for a tall one-column panel (the wall's): after
// the sections build makes, it adds the sections extra makes, in order,
// each in its full form if it fits in the lines left, else in its smaller
// form, else not at all, so the panel's lines are used rather than left
// blank. An extra wider than the column is left out. Panels of two
// columns (w >= 96) are stacked as they are.
func stackFilled(c *Context, w, h int, build, extra func(cw int) []section) []string {
	if w >= 96 {
		return stack(c, w, h, build)
	}
	secs := build(w)
	height := func(s section, lines []string) int {
		n := len(lines)
		if s.title != "" {
			n++
		}
		return n
	}
	fitsWidth := func(lines []string) bool {
		for _, l := range lines {
			if Width(l) > w {
				return false
			}
		}
		return true
	}
	used := -1 // no blank line before the first section
	for _, s := range secs {
		used += 1 + height(s, s.lines)
	}
	if used <= h {
		for _, s := range extra(w) {
			switch {
			case len(s.lines) == 0:
			case used+1+height(s, s.lines) <= h && fitsWidth(s.lines):
				used += 1 + height(s, s.lines)
				secs = append(secs, section{title: s.title, lines: s.lines})
			case s.short != nil && used+1+height(s, s.short) <= h && fitsWidth(s.short):
				used += 1 + height(s, s.short)
				secs = append(secs, section{title: s.title, lines: s.short})
			}
		}
	}
	return stack(c, w, h, func(int) []section { return secs })
}

// districtColumn is one figure of a per-district table: its heading and
// its value for a district.
type districtColumn struct {
	head  string
	value func(id string) string
}

// districtTable is a table of the districts: a dim heading line, then
// perLine districts to a line, with as many of cols, in order, as fit in
// w: every district, or a filtered zone's. Nil when the board shows one
// district only, or fewer than minCols columns fit.
func districtTable(c *Context, w, perLine, minCols int, cols []districtColumn) []string {
	if c.State == nil || c.D.Filtered && c.D.Zone == "" {
		return nil
	}
	var ids []string
	nameW := 0
	for _, d := range c.Cfg.Districts {
		if c.State.Districts[d.ID] == nil || !c.inFilter(d.ID) {
			continue
		}
		ids = append(ids, d.ID)
		nameW = max(nameW, Width(c.districtName(d.ID)))
	}
	if len(ids) == 0 {
		return nil
	}
	cells := make([][]string, len(ids))
	var widths []int
	blockW := nameW
	for _, col := range cols {
		cw := Width(col.head)
		vals := make([]string, len(ids))
		for i, id := range ids {
			vals[i] = col.value(id)
			cw = max(cw, Width(vals[i]))
		}
		if perLine*(blockW+2+cw)+3*(perLine-1) > w {
			break
		}
		blockW += 2 + cw
		widths = append(widths, cw)
		for i := range ids {
			cells[i] = append(cells[i], vals[i])
		}
	}
	if len(widths) == 0 || len(widths) < minCols {
		return nil
	}
	row := func(name string, vals []string) string {
		var b strings.Builder
		b.WriteString(Fit(name, nameW))
		for j, v := range vals {
			b.WriteString("  " + PadLeft(v, widths[j]))
		}
		return b.String()
	}
	heads := make([]string, len(widths))
	for j := range widths {
		heads[j] = cols[j].head
	}
	head := row("", heads)
	var out []string
	var line []string
	for i, id := range ids {
		line = append(line, row(c.districtName(id), cells[i]))
		if len(line) == perLine || i == len(ids)-1 {
			out = append(out, strings.Join(line, "   "))
			line = nil
		}
	}
	heads = nil
	for range min(perLine, len(ids)) {
		heads = append(heads, head)
	}
	return append([]string{c.St.Dim.R(strings.Join(heads, "   "))}, out...)
}
