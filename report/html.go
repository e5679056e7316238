package report

import (
	"fmt"
	"html"
	"strings"

	"sitboard/campaign"
)

// htmlDoc lays a bulletin out as one self-contained HTML file: no script,
// no outside asset (fonts are the reader's own), print CSS for A4 with
// page numbers, and charts as inline SVG. Sections flow from page to page;
// a heading stays with what follows it, a small table stays whole, and a
// long table repeats its head on the next page.
type htmlDoc struct {
	b       strings.Builder
	w       *words
	bul     *Bulletin
	grouped bool // a group <div> is open
}

func newHTMLDoc(w *words, b *Bulletin) *htmlDoc { return &htmlDoc{w: w, bul: b} }

// htmlStyle is the print and screen style. Page numbers come from the
// CSS page counter in the bottom margin (— 1 —), as on an issued
// document.
const htmlStyle = `
@page { size: A4; margin: 15mm 15mm 16mm; @bottom-center { content: "— " counter(page) " —"; font-size: 9pt; color: #333; } }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", serif;
  color: #111; max-width: 180mm; margin: 0 auto; font-size: 9.5pt; line-height: 1.25; }
.marking { font-size: 9.5pt; margin: 0 0 1mm; text-indent: 0; }
.masthead { font-size: 21pt; font-weight: bold; text-align: center; color: #c00; letter-spacing: 2pt; margin: 0 0 1mm; }
.number { text-align: center; margin: 0 0 2mm; }
.issuer { display: flex; justify-content: space-between; border-bottom: 1.6pt solid #c00; padding-bottom: 1.2mm; margin-bottom: 3mm; }
h1 { font-size: 13pt; text-align: center; margin: 0 0 1mm; }
.period { text-align: center; margin: 0 0 1mm; }
.status { text-align: center; margin: 0 0 2mm; font-size: 9.5pt; }
h2 { font-size: 11.5pt; margin: 3.5mm 0 1mm; break-after: avoid; page-break-after: avoid; }
h2.appendix { border-top: 0.8pt solid #888; padding-top: 2mm; margin-top: 6mm; }
h3 { font-size: 10.5pt; margin: 2mm 0 0.5mm; break-after: avoid; page-break-after: avoid; }
p { margin: 0.8mm 0; text-indent: 2em; }
p.note { color: #444; font-size: 8.5pt; text-indent: 0; }
ul { padding-left: 5mm; margin: 0.5mm 0; }
li { margin: 0.2mm 0; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 1.5mm; font-size: 8.5pt; line-height: 1.2; }
table.keep { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.5pt solid #888; padding: 0.3mm 1.2mm; }
th { background: #eee; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.red td { background: #f8d0d0; }
tr.yellow td { background: #fbefb0; }
tr.lapse td { background: #f3e6d0; font-style: italic; }
svg { display: block; margin: 1mm auto; max-width: 100%; height: auto; break-inside: avoid; }
.pair { columns: 2; column-gap: 5mm; column-fill: balance; }
.pair table { margin-top: 0; }
.pair td:first-child { width: 52%; }
.cell { break-inside: avoid; page-break-inside: avoid; }
h2.appendix ~ table, h2.appendix ~ .pair table { font-size: 7.5pt; line-height: 1.2; }
h2.appendix ~ .pair th, h2.appendix ~ .pair td { padding: 0.1mm 0.8mm; }
h2.appendix ~ .pair th { white-space: nowrap; }
.pair td:first-child { white-space: nowrap; }
h2.appendix ~ p.note, h2.appendix ~ .pair p.note { font-size: 7.5pt; line-height: 1.3; margin: 0.3mm 0; }
.cell p.note { font-weight: bold; color: #222; }
.footer { margin-top: 4mm; border-top: 0.8pt solid #111; border-bottom: 0.8pt solid #111; padding: 1mm 0; font-size: 9.5pt; break-inside: avoid; }
.footer p { text-indent: 0; margin: 0.3mm 0; }
.footer .issuer { border: none; margin: 0; padding: 0; }
@media screen { body { padding: 8mm; } }
`

// keepRows is the longest table kept whole on one page; a longer one
// may split, between rows, repeating its head.
const keepRows = 14

func (h *htmlDoc) header(d docHeader) {
	lang := "zh-CN"
	if !h.w.zh() {
		lang = "en"
	}
	e := html.EscapeString
	fmt.Fprintf(&h.b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s %s</title>\n<style>%s</style>\n</head>\n<body>\n",
		lang, e(d.Masthead), e(d.Number), htmlStyle)
	if d.Marking != "" {
		fmt.Fprintf(&h.b, "<p class=\"marking\">%s</p>\n", e(d.Marking))
	}
	fmt.Fprintf(&h.b, "<div class=\"masthead\">%s</div>\n", e(d.Masthead))
	if d.Number != "" {
		fmt.Fprintf(&h.b, "<div class=\"number\">%s</div>\n", e(d.Number))
	}
	fmt.Fprintf(&h.b, "<div class=\"issuer\"><span>%s</span><span>%s</span></div>\n", e(d.Issuer), e(d.Issued))
	fmt.Fprintf(&h.b, "<h1>%s</h1>\n<p class=\"period\">%s</p>\n", e(d.Title), e(d.Period))
	if d.Status != "" {
		fmt.Fprintf(&h.b, "<p class=\"status\">%s</p>\n", e(d.Status))
	}
}

func (h *htmlDoc) footer(f docFooter) {
	h.group("")
	e := html.EscapeString
	h.b.WriteString("<div class=\"footer\">\n")
	for _, l := range []string{f.ReportTo, f.CopyTo} {
		if l != "" {
			fmt.Fprintf(&h.b, "<p>%s</p>\n", e(l))
		}
	}
	fmt.Fprintf(&h.b, "<p class=\"issuer\"><span>%s</span><span>%s</span></p>\n</div>\n", e(f.Issuer), e(f.Issued))
}

func (h *htmlDoc) heading(s string) {
	h.group("")
	fmt.Fprintf(&h.b, "<h2>%s</h2>\n", html.EscapeString(s))
}
func (h *htmlDoc) appendix(s string) {
	h.group("")
	fmt.Fprintf(&h.b, "<h2 class=\"appendix\">%s</h2>\n", html.EscapeString(s))
}
func (h *htmlDoc) subheading(s string) { fmt.Fprintf(&h.b, "<h3>%s</h3>\n", html.EscapeString(s)) }
func (h *htmlDoc) para(s string)       { fmt.Fprintf(&h.b, "<p>%s</p>\n", html.EscapeString(s)) }
func (h *htmlDoc) note(s string) {
	fmt.Fprintf(&h.b, "<p class=\"note\">%s</p>\n", html.EscapeString(s))
}

func (h *htmlDoc) group(class string) {
	if h.grouped {
		h.b.WriteString("</div>\n")
		h.grouped = false
	}
	if class != "" {
		fmt.Fprintf(&h.b, "<div class=\"%s\">\n", html.EscapeString(class))
		h.grouped = true
	}
}

func (h *htmlDoc) block(open bool) {
	if open {
		h.b.WriteString("<div class=\"cell\">\n")
	} else {
		h.b.WriteString("</div>\n")
	}
}

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
	if len(rows) <= keepRows {
		h.b.WriteString("<table class=\"keep\">\n")
	} else {
		h.b.WriteString("<table>\n")
	}
	h.b.WriteString("<thead><tr>")
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

func (h *htmlDoc) String() string {
	return h.b.String() + "</body>\n</html>\n"
}

func (h *htmlDoc) chart(kind string) {
	switch kind {
	case "daily":
		if len(h.bul.Hourly) > 0 {
			h.hourlyChart()
		} else {
			h.dailyChart()
		}
	case "districts":
		h.districtChart()
	}
}

// barWidth sizes a chart to its data: each bar as wide as a day needs and
// no wider, so seven days make a small chart and 98 a page-wide one.
func barWidth(n int) float64 { return min(36, max(5, 584/float64(max(n, 1)))) }

// dailyChart draws the days' alarms as bars against a baseline's daily
// average (a dashed line): last year's when the campaign file has one
// (see dailyReference). A day bulletin's chart shows the seven days to it.
func (h *htmlDoc) dailyChart() {
	b, w := h.bul, h.w
	if len(b.Daily) == 0 {
		return
	}
	ref := b.Reference
	const height, left, bottom, top = 150.0, 44.0, 24.0, 18.0
	barW := barWidth(len(b.Daily))
	width := left + barW*float64(len(b.Daily)) + 8
	width = max(width, 300) // room for the title and the legend
	var peak float64
	for _, d := range b.Daily {
		peak = max(peak, float64(d.Charted(ref)))
	}
	peak = max(peak, ref.Daily) * 1.1
	if peak == 0 {
		peak = 1
	}
	plotH := height - top - bottom
	y := func(v float64) float64 { return top + plotH - v/peak*plotH }
	what := w.pick("每日警情", "Alarms per day")
	if ref.Alarms == "criminal_public" {
		what = w.pick("每日刑事类、治安类警情", "Criminal and public-order alarms per day")
	}
	refName := w.pick("去年同期日均", "last year's daily average")
	if ref.Basis == "previous" {
		refName = w.pick("行动前日均", "daily average before the campaign")
	}
	title := what
	if ref.Daily > 0 {
		title += w.pick("与", " against ") + refName
	}
	right := left + barW*float64(len(b.Daily))
	fmt.Fprintf(&h.b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">\n",
		width, height, width, height, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"11\" font-size=\"10\">%s</text>\n", left, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, y(0), right, y(0))
	for _, v := range []float64{0, peak / 2 / 1.1, peak / 1.1} {
		fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"end\">%s</text>\n", left-4, y(v)+3, w.count(v))
	}
	for i, d := range b.Daily {
		x := left + float64(i)*barW
		v := float64(d.Charted(ref))
		fill := "#4a78b5"
		if b.Kind == campaign.PeriodDay && d.Day == b.Span.To {
			fill = "#c33" // the day the bulletin is about
		}
		fmt.Fprintf(&h.b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>%s %s</title></rect>\n",
			x+barW*0.12, y(v), barW*0.76, v/peak*plotH, fill, d.Date, w.count(v))
		if len(b.Daily) <= 16 || i%7 == 0 {
			fmt.Fprintf(&h.b, "<text x=\"%.2f\" y=\"%.0f\" font-size=\"8\" text-anchor=\"middle\">%s</text>\n", x+barW/2, height-bottom+11, d.Date[5:])
		}
	}
	if ref.Daily > 0 {
		ly := y(ref.Daily)
		fmt.Fprintf(&h.b, "<line x1=\"%.0f\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#c00\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>\n", left, ly, right, ly)
		fmt.Fprintf(&h.b, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"8\" fill=\"#c00\" text-anchor=\"end\">%s %s</text>\n", right, height-2,
			html.EscapeString(refName), w.base(campaign1(ref.Daily)))
	}
	h.b.WriteString("</svg>\n")
}

// hourlyChart draws a day's alarms hour by hour as bars, the day before's
// same hours as a line: the day chart while the record holds both days.
func (h *htmlDoc) hourlyChart() {
	b, w := h.bul, h.w
	const height, left, bottom, top, barW = 140.0, 40.0, 22.0, 18.0, 14.0
	n := len(b.Hourly)
	right := left + barW*float64(n)
	width := max(right+8, 300)
	var peak float64
	for _, r := range b.Hourly {
		peak = max(peak, float64(r.Alarms), float64(r.DayBefore))
	}
	peak *= 1.1
	if peak == 0 {
		peak = 1
	}
	plotH := height - top - bottom
	y := func(v float64) float64 { return top + plotH - v/peak*plotH }
	title := w.pick("当日每小时警情（柱）与前一日同时段（线）", "Alarms per hour (bars) and the day before's (line)")
	fmt.Fprintf(&h.b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">\n",
		width, height, width, height, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"11\" font-size=\"10\">%s</text>\n", left, html.EscapeString(title))
	fmt.Fprintf(&h.b, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, y(0), right, y(0))
	for _, v := range []float64{0, peak / 2 / 1.1, peak / 1.1} {
		fmt.Fprintf(&h.b, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"end\">%s</text>\n", left-4, y(v)+3, w.count(v))
	}
	var line []string
	for i, r := range b.Hourly {
		x := left + float64(i)*barW
		fmt.Fprintf(&h.b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#4a78b5\"><title>%02d:00 %s</title></rect>\n",
			x+barW*0.12, y(float64(r.Alarms)), barW*0.76, float64(r.Alarms)/peak*plotH, r.Hour, w.count(float64(r.Alarms)))
		line = append(line, fmt.Sprintf("%.1f,%.1f", x+barW/2, y(float64(r.DayBefore))))
		if r.Hour%3 == 0 {
			fmt.Fprintf(&h.b, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"8\" text-anchor=\"middle\">%02d</text>\n", x+barW/2, height-bottom+11, r.Hour)
		}
	}
	fmt.Fprintf(&h.b, "<polyline points=\"%s\" fill=\"none\" stroke=\"#c00\" stroke-width=\"1.2\" stroke-dasharray=\"4 2\"/>\n", strings.Join(line, " "))
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
