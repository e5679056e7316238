package tui

import (
	"strings"

	"sitboard/campaign"
)

// Building blocks the line panels and pages share.

// section is a titled block of lines; panels stack sections and drop the
// ones that no longer fit.
type section struct {
	title string
	lines []string
}

// stack places sections in one column, or two when the panel is wide, and
// cuts at h lines.
func stack(c *Context, w, h int, secs []section) []string {
	render := func(ss []section, cw int) []string {
		var out []string
		for _, s := range ss {
			if s.title != "" {
				out = append(out, c.St.Accent.R(Trunc(s.title, cw)))
			}
			out = append(out, s.lines...)
			out = append(out, "")
		}
		if len(out) > 0 {
			out = out[:len(out)-1]
		}
		return out
	}
	if w < 96 || len(secs) < 2 {
		return render(secs, w)
	}
	// Two columns: fill the left with sections in order until it would
	// pass h, the rest go right.
	lw := (w - 2) / 2
	rw := w - 2 - lw
	var left, right []section
	used := 0
	for i, s := range secs {
		n := len(s.lines) + 2
		if (used+n-1 <= h || i == 0) && len(right) == 0 {
			left = append(left, s)
			used += n
		} else {
			right = append(right, s)
		}
	}
	l, r := render(left, lw), render(right, rw)
	out := make([]string, max(len(l), len(r)))
	for i := range out {
		var a, b string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			b = r[i]
		}
		out[i] = Fit(a, lw) + "  " + Fit(b, rw)
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
