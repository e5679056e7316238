package report

import (
	"fmt"
	"html"
	"strings"
)

// htmlDoc lays a bulletin out as one self-contained HTML file: no script,
// no outside asset (fonts are the reader's own), print CSS for A4 with a
// page break between sections, and charts as inline SVG.
type htmlDoc struct {
	b    strings.Builder
	w    *words
	bul  *Bulletin
	open bool // a <section> is open
}

func newHTMLDoc(w *words, b *Bulletin) *htmlDoc { return &htmlDoc{w: w, bul: b} }

const htmlStyle = `
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif;
  color: #111; max-width: 180mm; margin: 0 auto; font-size: 10.5pt; line-height: 1.55; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; color: #a00; }
h1 .kind { display: block; font-size: 14pt; color: #111; }
.period { text-align: center; margin: 0 0 4mm; }
h2 { font-size: 13pt; border-bottom: 1.5pt solid #a00; padding-bottom: 1mm; margin-top: 6mm; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
ul { padding-left: 6mm; margin: 1mm 0; }
li { margin: 0.4mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 9.5pt; }
th, td { border: 0.5pt solid #888; padding: 0.6mm 1.5mm; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.red td { background: #f8d0d0; }
tr.yellow td { background: #fbefb0; }
tr.lapse td { background: #f3e6d0; font-style: italic; }
svg { display: block; margin: 2mm auto; max-width: 100%; }
.note { color: #444; font-size: 9pt; }
section { break-inside: auto; }
section + section { break-before: page; page-break-before: always; }
@media screen { body { padding: 8mm; } section + section { border-top: 1px dashed #aaa; margin-top: 8mm; } }
`

func (h *htmlDoc) title(name, kind, period string) {
	lang := "zh-CN"
	if !h.w.zh() {
		lang = "en"
	}
	fmt.Fprintf(&h.b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s %s</title>\n<style>%s</style>\n</head>\n<body>\n",
		lang, html.EscapeString(name), html.EscapeString(kind), htmlStyle)
	fmt.Fprintf(&h.b, "<section>\n<h1>%s<span class=\"kind\">%s</span></h1>\n<p class=\"period\">%s</p>\n", html.EscapeString(name), html.EscapeString(kind), html.EscapeString(period))
	h.open = true
}

func (h *htmlDoc) heading(s string)    { fmt.Fprintf(&h.b, "<h2>%s</h2>\n", html.EscapeString(s)) }
func (h *htmlDoc) subheading(s string) { fmt.Fprintf(&h.b, "<h3>%s</h3>\n", html.EscapeString(s)) }
func (h *htmlDoc) para(s string)       { fmt.Fprintf(&h.b, "<p>%s</p>\n", html.EscapeString(s)) }

func (h *htmlDoc) items(lines []string) {
	if len(lines) == 0 {
		return
	}
	h.b.WriteString("<ul>\n")
	for _, l := range lines {
		fmt.Fprintf(&h.b, "<li>%s</li>\n", html.EscapeString(l))
	}
	h.b.WriteString("</ul>\n")
}

func (h *htmlDoc) table(head []string, rows [][]string, numeric []bool, rowClass []string) {
	h.b.WriteString("<table>\n<thead><tr>")
	for _, c := range head {
		fmt.Fprintf(&h.b, "<th>%s</th>", html.EscapeString(c))
	}
	h.b.WriteString("</tr></thead>\n<tbody>\n")
	for i, r := range rows {
		if i < len(rowClass) && rowClass[i] != "" {
			fmt.Fprintf(&h.b, "<tr class=\"%s\">", html.EscapeString(rowClass[i]))
		} else {
			h.b.WriteString("<tr>")
		}
		for j, c := range r {
			if j < len(numeric) && numeric[j] {
				fmt.Fprintf(&h.b, "<td class=\"num\">%s</td>", html.EscapeString(c))
			} else {
				fmt.Fprintf(&h.b, "<td>%s</td>", html.EscapeString(c))
			}
		}
		h.b.WriteString("</tr>\n")
	}
	h.b.WriteString("</tbody>\n</table>\n")
}

func (h *htmlDoc) pageBreak() {
	if h.open {
		h.b.WriteString("</section>\n")
	}
	h.b.WriteString("<section>\n")
	h.open = true
}

func (h *htmlDoc) String() string {
	s := h.b.String()
	if h.open {
		s += "</section>\n"
	}
	return s + "</body>\n</html>\n"
}

func (h *htmlDoc) chart(kind string) {
	switch kind {
	case "daily":
		h.dailyChart()
	case "districts":
		h.districtChart()
	}
}

// dailyChart draws the period's alarms per day as bars against a
// baseline's daily average (a dashed line): last year's when the campaign
// file has one (see dailyReference).
func (h *htmlDoc) dailyChart() {
	b, w := h.bul, h.w
	if len(b.Daily) == 0 {
		return
	}
	ref := b.Reference
	const width, height, left, bottom, top = 640.0, 200.0, 48.0, 28.0, 18.0
	var peak float64
	for _, d := range b.Daily {
		peak = max(peak, float64(d.Charted(ref)))
	}
	peak = max(peak, ref.Daily) * 1.1
	if peak == 0 {
		peak = 1
	}
	plotW, plotH := width-left-8, height-top-bottom
	y := func(v float64) float64 { return top + plotH - v/peak*plotH }
	barW := plotW / float64(len(b.Daily))
	what := w.pick("每日警情", "Alarms per day")
	if ref.Alarms == "criminal_public" {
		what = w.pick("每日刑事类、治安类警情", "Criminal and public-order alarms per day")
	}
	refName := w.pick("去年同期日均", "last year's daily average")
	if ref.Basis == "previous" {
		refName = w.pick("行动前同期日均（无去年警情基数）", "daily average before the campaign (no last-year alarm baseline)")
	}
	title := what
	if ref.Daily > 0 {
		title += w.pick("与", " against ") + refName
	}
	fmt.Fprintf(&h.b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">\n",
		width, height, width, height, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"11\" font-size=\"11\">%s</text>\n", left, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, y(0), width-8, y(0))
	for _, v := range []float64{0, peak / 2 / 1.1, peak / 1.1} {
		fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%s</text>\n", left-4, y(v)+3, w.count(v))
	}
	for i, d := range b.Daily {
		x := left + float64(i)*barW
		v := float64(d.Charted(ref))
		fmt.Fprintf(&h.b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#4a78b5\"><title>%s %s</title></rect>\n",
			x+barW*0.1, y(v), barW*0.8, v/peak*plotH, d.Date, w.count(v))
		if len(b.Daily) <= 16 || i%7 == 0 {
			fmt.Fprintf(&h.b, "<text x=\"%.2f\" y=\"%.0f\" font-size=\"8\" text-anchor=\"middle\">%s</text>\n", x+barW/2, height-bottom+12, d.Date[5:])
		}
	}
	if ref.Daily > 0 {
		ly := y(ref.Daily)
		fmt.Fprintf(&h.b, "<line x1=\"%.0f\" y1=\"%.2f\" x2=\"%.0f\" y2=\"%.2f\" stroke=\"#c00\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n", left, ly, width-8, ly)
		fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"%.2f\" font-size=\"9\" fill=\"#c00\" text-anchor=\"end\">%s %s</text>\n", width-8, ly-3,
			html.EscapeString(refName), w.base(campaign1(ref.Daily)))
	}
	h.b.WriteString("</svg>\n")
}

func campaign1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// districtChart draws each district's period score as a horizontal bar,
// coloured by its flag.
func (h *htmlDoc) districtChart() {
	b, w := h.bul, h.w
	if len(b.Districts) == 0 || !b.Ranked {
		return
	}
	const width, rowH, left, top = 640.0, 15.0, 90.0, 18.0
	height := top + rowH*float64(len(b.Districts)) + 6
	lo, hi := 0.0, 0.0
	for _, d := range b.Districts {
		lo, hi = min(lo, d.Score), max(hi, d.Score)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	plotW := width - left - 60
	x := func(v float64) float64 { return left + (v-lo)/span*plotW }
	title := w.pick("各单位本期得分", "District scores for the period")
	fmt.Fprintf(&h.b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">\n",
		width, height, width, height, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"11\" font-size=\"11\">%s</text>\n", left, html.EscapeString(title))
	for i, d := range b.Districts {
		yy := top + float64(i)*rowH
		fill := "#9aa9bd"
		switch d.Flag {
		case "red":
			fill = "#d23b3b"
		case "yellow":
			fill = "#e6c229"
		}
		x0, x1 := x(0), x(d.Score)
		fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>\n", left-6, yy+12, html.EscapeString(w.district(d.District)))
		fmt.Fprintf(&h.b, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>\n", min(x0, x1), yy+2, abs(x1-x0), rowH-4, fill)
		fmt.Fprintf(&h.b, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"9\">%.3f</text>\n", max(x0, x1)+4, yy+12, d.Score)
	}
	h.b.WriteString("</svg>\n")
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
