package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sitboard/campaign"
	"sitboard/demo"
)

// Formats of a bulletin.
const (
	FormatText = "text"
	FormatMD   = "md"
	FormatHTML = "html"
	FormatJSON = "json"
)

// Options say how to render a bulletin.
type Options struct {
	Format string // text, md or html (JSON is the Bulletin marshalled)
	Lang   string // zh or en
	// Facts supply the figures' labels; nil: the published facts'
	// (demo/facts), whose ids every campaign's figures share.
	Facts *campaign.Facts
}

var (
	publishedOnce sync.Once
	published     *campaign.Facts
)

// publishedLabels are the figure names of the embedded facts file.
func publishedLabels() *campaign.Facts {
	publishedOnce.Do(func() {
		f, err := campaign.ParseFacts("embedded facts", demo.Facts())
		if err != nil {
			panic("report: the embedded facts file does not parse: " + err.Error())
		}
		published = f
	})
	return published
}

// MaxAlertRows caps the alerts listed one by one; the rest are summed up.
const MaxAlertRows = 20

// Render writes the bulletin in the requested format and language. cfg must
// be the campaign the bulletin was built from (names of districts, grids and
// alert rules come from it).
func Render(out io.Writer, b *Bulletin, cfg *campaign.Config, o Options) error {
	if o.Lang != LangZh && o.Lang != LangEn {
		return fmt.Errorf("unknown language %q: use zh or en", o.Lang)
	}
	facts := o.Facts
	if facts == nil {
		facts = publishedLabels()
	}
	w := newWords(cfg, facts, o.Lang)
	var d doc
	switch o.Format {
	case FormatText:
		d = &textDoc{}
	case FormatMD:
		d = &mdDoc{}
	case FormatHTML:
		d = newHTMLDoc(w, b)
	default:
		return fmt.Errorf("unknown format %q: use text, md or html (json from the hub)", o.Format)
	}
	compose(cleanDoc{d}, b, w)
	_, err := io.WriteString(out, d.String())
	return err
}

// doc is what compose writes to; each format lays it out its own way.
type doc interface {
	header(h docHeader)
	heading(s string)    // a numbered section: 一、…
	subheading(s string) // a part of a section
	para(s string)
	note(s string) // small print under a table: what it counts
	items(lines []string)
	// table: head, rows, which columns are numbers (right-aligned) and a
	// class per row ("red", "yellow" or "") for the flag colours.
	table(head []string, rows [][]string, numeric []bool, rowClass []string)
	chart(kind string) // an inline chart; only HTML draws one
	// appendix starts an annex (附件1 …) after the body.
	appendix(s string)
	// group lays out what follows until group("") by class: "pair" sets
	// its tables two abreast in print. Text and Markdown ignore it.
	group(class string)
	// block keeps what it holds together (a formula and its table): one
	// cell of a "pair" group.
	block(open bool)
	footer(f docFooter)
	String() string
}

// docHeader is a bulletin's masthead (版头): the handling mark, the
// document's name and number, the issuing office and date, and the
// period it covers.
type docHeader struct {
	Marking  string // 内部资料　注意保存; "" when none
	Masthead string // 夏季行动日动态
	Number   string // 第49期; "" when none
	Issuer   string // 周口市公安局"夏季行动"办公室
	Issued   string // 2023年8月13日
	Title    string // the full campaign name
	Period   string // 2023年8月12日（行动第49天）
	Status   string // a running period's or a short period's label; ""
}

// docFooter is a bulletin's 版记: who it is reported and copied to, and
// who issued it when.
type docFooter struct {
	ReportTo, CopyTo string
	Issuer, Issued   string
}

// cleanDoc passes every string on its way to a format through clean:
// case ids, alert subjects and unknown district or grid ids come from the
// log as they are, and a bulletin is often printed to a terminal.
type cleanDoc struct{ doc }

func (c cleanDoc) header(h docHeader) {
	c.doc.header(docHeader{Marking: clean(h.Marking), Masthead: clean(h.Masthead), Number: clean(h.Number), Issuer: clean(h.Issuer),
		Issued: clean(h.Issued), Title: clean(h.Title), Period: clean(h.Period), Status: clean(h.Status)})
}
func (c cleanDoc) footer(f docFooter) {
	c.doc.footer(docFooter{ReportTo: clean(f.ReportTo), CopyTo: clean(f.CopyTo), Issuer: clean(f.Issuer), Issued: clean(f.Issued)})
}
func (c cleanDoc) heading(s string)    { c.doc.heading(clean(s)) }
func (c cleanDoc) subheading(s string) { c.doc.subheading(clean(s)) }
func (c cleanDoc) para(s string)       { c.doc.para(clean(s)) }
func (c cleanDoc) note(s string)       { c.doc.note(clean(s)) }
func (c cleanDoc) appendix(s string)   { c.doc.appendix(clean(s)) }
func (c cleanDoc) items(lines []string) {
	c.doc.items(cleanAll(lines))
}
func (c cleanDoc) table(head []string, rows [][]string, numeric []bool, rowClass []string) {
	clean := make([][]string, len(rows))
	for i, r := range rows {
		clean[i] = cleanAll(r)
	}
	c.doc.table(cleanAll(head), clean, numeric, rowClass)
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}

// nightMarketSection is the patrol coverage of the night markets: per
// district, the city, and the markets missed on the most nights.
func nightMarketSection(d doc, b *Bulletin, w *words) {
	d.subheading(w.pick("夜市巡防覆盖", "Night-market patrol coverage"))
	nm := b.NightMarkets
	if nm.Total.Sites == 0 {
		if w.cfg.SiteCount(campaign.SiteNightMarket) > 0 {
			// Built by a hub older than per-site coverage (report --hub).
			d.para(w.pick("本通报未含夜市巡防覆盖数据：中心服务(hub)版本较旧，升级后即可提供。",
				"This bulletin carries no night-market coverage: the hub that built it is older than this version; upgrade the hub."))
			return
		}
		d.para(w.pick("活动配置中未列夜市点位。", "The campaign file lists no night market."))
		return
	}
	pct := func(r NightMarketRow) string {
		if !r.OK {
			return "—"
		}
		return fmt.Sprintf("%.2f%%", r.Percent)
	}
	t := nm.Total
	if nm.Nights == 0 {
		// A day's bulletin built before that night's patrols reported.
		d.para(w.pick("当晚尚无列明夜市的巡防上报，夜市巡防覆盖待上报后计算。",
			"No shift report has named a night market for that night yet; the coverage is counted once the night's reports come in."))
		return
	}
	oneNight := nm.Nights == 1 && !nm.Pending
	if oneNight {
		d.para(w.pick(fmt.Sprintf("当晚全市%d处夜市实巡%d处，覆盖率%s。", t.Sites, t.Covered, pct(t)),
			fmt.Sprintf("That night, %d of the city's %d night markets were patrolled (%s).", t.Covered, t.Sites, pct(t))))
	} else {
		d.para(w.pick(fmt.Sprintf("本期%d晚，全市%d处夜市应巡%s处次，实巡%s处次，覆盖率%s，每晚均有巡防的%d处。",
			nm.Nights, t.Sites, w.count(float64(t.SiteNights)), w.count(float64(t.Covered)), pct(t), t.EveryNight),
			fmt.Sprintf("Over the period's %d nights, the city's %d night markets were patrolled on %s of %s site-nights (%s); %d were patrolled every night.",
				nm.Nights, t.Sites, w.count(float64(t.Covered)), w.count(float64(t.SiteNights)), pct(t), t.EveryNight)))
	}
	if nm.Pending {
		d.para(w.pick(b.To+"当晚尚无列明夜市的巡防上报，未计入。",
			"Not counted: no shift report has named a night market for the night of "+b.To+" yet."))
	}
	var rows [][]string
	row := func(name string, r NightMarketRow) []string {
		return []string{name, fmt.Sprint(r.Sites), w.count(float64(r.SiteNights)), w.count(float64(r.Covered)), pct(r), fmt.Sprint(r.EveryNight)}
	}
	for _, r := range nm.Districts {
		rows = append(rows, row(w.district(r.District), r))
	}
	rows = append(rows, row(w.pick("合计", "Total"), t))
	d.table([]string{w.pick("单位", "District"), w.pick("夜市(处)", "Night markets"), w.pick("应巡(处次)", "Site-nights"),
		w.pick("实巡(处次)", "Patrolled"), w.pick("覆盖率", "Coverage"), w.pick("每晚均巡(处)", "Every night")}, rows, []bool{false, true, true, true, true, true}, nil)
	switch {
	case len(nm.Least) == 0 && oneNight:
		d.para(w.pick("当晚各处夜市均有巡防。", "Every night market was patrolled that night."))
	case len(nm.Least) == 0:
		d.para(w.pick("本期各处夜市每晚均有巡防。", "Every night market was patrolled on every night of the period."))
	case oneNight:
		var names []string
		for _, c := range nm.Least {
			names = append(names, w.site(c.Site)+w.pick("（"+w.district(c.District)+"）", " ("+w.district(c.District)+")"))
		}
		more := ""
		if nm.Missed > len(nm.Least) {
			more = w.pick(fmt.Sprintf("等%d处", nm.Missed), fmt.Sprintf(" and %d more", nm.Missed-len(nm.Least)))
		}
		d.para(w.pick("当晚未巡的夜市："+strings.Join(names, "、")+more+"。",
			"Not patrolled that night: "+strings.Join(names, ", ")+more+"."))
	default:
		rows = rows[:0]
		for i, c := range nm.Least {
			rows = append(rows, []string{fmt.Sprint(i + 1), w.site(c.Site), w.district(c.District), fmt.Sprintf("%d/%d", c.Covered, c.Nights),
				fmt.Sprintf("%.2f%%", float64(c.Covered)/float64(c.Nights)*100)})
		}
		d.para(w.pick(fmt.Sprintf("巡防覆盖最少的夜市（%d处有漏巡，列前%d处）：", nm.Missed, len(nm.Least)),
			fmt.Sprintf("Least-covered night markets (%d missed on some night; the first %d):", nm.Missed, len(nm.Least))))
		d.table([]string{w.pick("序号", "#"), w.pick("夜市", "Night market"), w.pick("单位", "District"), w.pick("巡防(晚)", "Nights patrolled"), w.pick("覆盖率", "Coverage")},
			rows, []bool{true, false, false, true, true}, nil)
	}
	d.para(w.pick("说明：夜市当晚有巡防上报列明该点位即计实巡一次；“晚”为行动日，按上报时间所在日计。",
		"A night market counts as patrolled on a night when a shift report of that campaign day names it."))
}

func metricSentence(w *words, b *Bulletin, m MetricRow) string {
	cur := w.metricValue(m.Metric, float64(m.Count))
	parts := []string{w.metric(m.Metric) + w.pick("", ": ") + cur}
	for _, c := range []string{w.comparedMetric(b, m.Metric, m.Previous, false), w.comparedMetric(b, m.Metric, m.LastYear, true)} {
		if c != "" {
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, w.pick("，", "; ")) + w.pick("。", ".")
}

// noBase reports a comparison with no base at all: the campaign file has
// no such baseline (Zhoukou publishes alarms only 环比, cases only 同比).
// It is left out of the line; the definitions annex says which.
func noBase(c campaign.PeriodComparison) bool {
	return !c.Change.OK && c.Whole == 0 && c.Source != campaign.BaseSameHours && c.Source != campaign.BasePrevious
}

// comparedMetric words a metric's 环比 or 同比 with what it is compared
// with (docs/figures.md, rules 1 and 2): 上期 as the previous bulletin
// printed it, pro-rated where the lengths differ; the pre-campaign
// baseline 折算 for a first period; the day before to the same hour; last
// year's campaign pro-rated by day.
func (w *words) comparedMetric(b *Bulletin, metric string, c campaign.PeriodComparison, lastYear bool) string {
	name := w.pick("环比", "vs previous period")
	if lastYear {
		name = w.pick("同比", "vs last year")
	}
	v := func(x float64) string {
		if w.zh() && !strings.HasSuffix(metric, "_cny") {
			return w.base(x) + unitZh[campaign.UnitCases]
		}
		return w.metricValueBase(metric, x)
	}
	if !c.Change.OK {
		if c.Source == campaign.BaseSameHours {
			return w.pick("较昨日同时段：", "vs the day before to the same hour: ") + w.noComparison(b, c)
		}
		if b.ToDate && c.Days == 0 && c.Whole > 0 {
			return w.pick(name+"：", name+": ") + w.noComparison(b, c)
		}
		if noBase(c) {
			return ""
		}
		return w.pick(name+"无可比数据", name+": no base to compare with")
	}
	if !campaign.ShownChange(c.Comparison).OK {
		base := w.baseText(b, metric, c)
		if c.Source == campaign.BaseSameHours {
			base = w.pick(fmt.Sprintf("昨日同时段（0—%02d时）%s", b.Elapsed.Hours, v(c.Base)), fmt.Sprintf("the day before to %02d:00, %s", b.Elapsed.Hours, v(c.Base)))
			name = w.pick("较昨日同时段", "vs the day before")
		}
		return w.smallBase(name, base)
	}
	change := w.change(c.Change.Value)
	if c.Source == campaign.BaseSameHours {
		hour := fmt.Sprintf("%02d", b.Elapsed.Hours)
		return w.pick(fmt.Sprintf("较昨日同时段（0—%s时）%s（昨日同时段%s）", hour, change, v(c.Base)),
			fmt.Sprintf("%s against the day before to %s:00 (%s)", change, hour, v(c.Base)))
	}
	return w.pick(fmt.Sprintf("%s%s（%s）", name, change, w.baseText(b, metric, c)), fmt.Sprintf("%s %s (%s)", name, change, w.baseText(b, metric, c)))
}

// smallBase words a comparison on a base under campaign.MinBase: the
// counts, no percentage.
func (w *words) smallBase(name, base string) string {
	return w.pick(fmt.Sprintf("%s不计幅度（%s，基数小于%d）", name, base, campaign.MinBase),
		fmt.Sprintf("%s: no percentage on a base under %d (%s)", name, campaign.MinBase, base))
}

// noComparison says why a comparison is not shown.
func (w *words) noComparison(b *Bulletin, c campaign.PeriodComparison) string {
	switch {
	case c.Source == campaign.BaseSameHours:
		return w.pick("本日尚无整点可比", "no whole hour of the day yet")
	case b.ToDate && c.Days == 0 && c.Whole > 0:
		return w.pick("本期尚无已结束的整日，暂不比较", "no complete day of the period yet")
	}
	return w.pick("无可比基数", "n/a (no base to compare with)")
}

// baseText says what a comparison's base is: 上期 as printed, pro-rated
// where the days differ; the pre-campaign baseline 折算; last year's
// campaign pro-rated by day; and for a running period, over which
// complete days.
func (w *words) baseText(b *Bulletin, metric string, c campaign.PeriodComparison) string {
	v := func(x float64) string {
		if w.zh() && !strings.HasSuffix(metric, "_cny") {
			return w.base(x) + unitZh[campaign.UnitCases]
		}
		return w.metricValueBase(metric, x)
	}
	var base string
	switch c.Source {
	case campaign.BaseSameHours:
		base = w.pick(fmt.Sprintf("昨日同时段（0—%02d时）%s", b.Elapsed.Hours, v(c.Base)), fmt.Sprintf("the day before to %02d:00, %s", b.Elapsed.Hours, v(c.Base)))
	case campaign.BasePrevious:
		base = w.pick(fmt.Sprintf("上期%s", v(c.Whole)), fmt.Sprintf("previous bulletin %s", v(c.Whole)))
		if c.Prorated {
			base += w.pick(fmt.Sprintf("/%d天，折算%d天%s", c.WholeDays, c.Days, v(c.Base)), fmt.Sprintf(" over %d days, %s over %d", c.WholeDays, v(c.Base), c.Days))
		}
	case campaign.BaseBaseline:
		if !c.Prorated {
			base = w.pick("上期"+v(c.Whole), "against "+v(c.Whole))
		} else {
			base = w.pick(fmt.Sprintf("上期：活动前折算，%s×%d÷%d=%s", v(c.Whole), c.Days, c.WholeDays, v(c.Base)),
				fmt.Sprintf("pre-campaign baseline %s × %d/%d = %s", v(c.Whole), c.Days, c.WholeDays, v(c.Base)))
		}
	case campaign.BaseLastYear:
		if !c.Prorated {
			base = w.pick("去年同期"+v(c.Whole), "against "+v(c.Whole))
		} else {
			base = w.pick(fmt.Sprintf("去年同期%s×%d÷%d折算%s", v(c.Whole), c.Days, c.WholeDays, v(c.Base)),
				fmt.Sprintf("last year's campaign %s × %d/%d = %s", v(c.Whole), c.Days, c.WholeDays, v(c.Base)))
		}
	}
	if b.ToDate && c.Source != campaign.BaseSameHours {
		// A running period compares its complete days only: say so.
		base = w.pick(fmt.Sprintf("按已结束%d天计%s；", c.Days, v(float64(c.Current))), fmt.Sprintf("over the %d complete days, %s; ", c.Days, v(float64(c.Current)))) + base
	}
	return base
}

// statedByMetric is the change figures whose comparison a metric sentence
// of the bulletin states: the same metric against the same base.
func statedByMetric(b *Bulletin) map[string]bool {
	metrics := map[string]bool{}
	for _, m := range b.Metrics {
		metrics[m.Metric] = true
	}
	stated := map[string]bool{}
	for _, f := range b.Figures {
		if info, ok := campaign.FigureInfoByID(f.ID); ok && info.Kind == campaign.KindChange && metrics[info.Metric] {
			stated[f.ID] = true
		}
	}
	return stated
}

// metricValueBase writes a compared base, which may be pro-rated.
func (w *words) metricValueBase(m string, v float64) string {
	if strings.HasSuffix(m, "_cny") {
		return w.amount(v)
	}
	return w.base(v)
}

// figureLines words the line's figures, less those in skip.
func figureLines(w *words, b *Bulletin, line string, skip map[string]bool) []string {
	var out []string
	for _, f := range b.Figures {
		if f.Line != line || skip[f.ID] {
			continue
		}
		out = append(out, figureSentence(w, b, f))
	}
	return out
}

// figureLinesMoved words the line's figures that are not zero now and
// before; those are named apart (zero), and a named case's figure is left
// out where the case did not move.
func figureLinesMoved(w *words, b *Bulletin, line string) (lines, zero []string) {
	for _, f := range b.Figures {
		if f.Line != line {
			continue
		}
		info, _ := campaign.FigureInfoByID(f.ID)
		still := f.OK && f.Value == 0 && (f.Prev == nil || *f.Prev == 0)
		switch {
		case info.Single && f.Value == 0:
			// A named case that did not move in the period.
		case still && f.Kind == campaign.KindCount && f.Opened == nil:
			zero = append(zero, w.label(f.ID))
		default:
			lines = append(lines, figureSentence(w, b, f))
		}
	}
	return lines, zero
}

// figureSentence words one figure: 破获盗窃案件70起，环比上升16.67%（上期60起）.
func figureSentence(w *words, b *Bulletin, f FigureRow) string {
	label := w.label(f.ID)
	info, _ := campaign.FigureInfoByID(f.ID)
	if info.Single {
		// One named case: its figure, never a comparison.
		return w.pick(label+w.value(f.Value, f.Unit), label+": "+w.value(f.Value, f.Unit))
	}
	if !f.OK {
		switch {
		case f.Kind == campaign.KindChange:
			return label + w.pick("：", ": ") + w.noComparison(b, campaign.PeriodComparison{Comparison: comparisonOf(f), Source: f.Source})
		case f.PartOverWhole:
			return w.pick(label+"：—（本期所计含此前的事项，多于基数，不计比率）", label+": n/a (the period's count includes earlier items and exceeds its base)")
		case f.Rate != nil:
			return w.pick(label+"：—（本期无可计算基数："+w.rateParts(b, f)+"）", label+": n/a (nothing to divide by in the period: "+w.rateParts(b, f)+")")
		}
		return w.pick(label+"：—（本期无可计算基数）", label+": n/a (nothing to divide by in the period)")
	}
	switch f.Kind {
	case campaign.KindChange:
		if b.Kind == campaign.PeriodCampaign || f.Compared == nil {
			cur, base := w.count(float64(f.Current)), w.base(f.Base)
			if strings.HasSuffix(info.Metric, "_cny") {
				cur, base = w.amount(float64(f.Current)), w.amount(f.Base)
			} else if w.zh() {
				// Every compared metric but money counts alarms or cases (起); an
				// official bulletin never leaves a figure without its unit.
				cur, base = cur+unitZh[campaign.UnitCases], base+unitZh[campaign.UnitCases]
			}
			return w.pick(fmt.Sprintf("%s%s（本期%s，基数%s）", label, w.change(f.Value), cur, base),
				fmt.Sprintf("%s: %s (%s against %s)", label, w.change(f.Value), cur, base))
		}
		cur := w.metricValue(info.Metric, float64(f.Current))
		base := w.baseText(b, info.Metric, campaign.PeriodComparison{Comparison: *f.Compared, Source: f.Source})
		if !campaign.ShownChange(*f.Compared).OK {
			return label + w.pick("：", ": ") + w.smallBase(w.pick("本期"+cur, cur), base)
		}
		return w.pick(fmt.Sprintf("%s%s（本期%s，%s）", label, w.change(f.Value), cur, base),
			fmt.Sprintf("%s: %s (%s; %s)", label, w.change(f.Value), cur, base))
	}
	v := w.value(f.Value, f.Unit)
	s := w.pick(label+v, label+": "+v)
	if f.Rate != nil {
		s += w.pick("（"+w.rateParts(b, f)+"）", " ("+w.rateParts(b, f)+")")
	}
	if f.Opened != nil {
		// A standing force: in service at the period's end, its openings
		// apart; never a withdrawal.
		opened := w.value(float64(*f.Opened), f.Unit)
		switch {
		case b.Kind == campaign.PeriodCampaign:
			s += w.pick("（在用）", " (in service)")
		case f.Prev != nil:
			s += w.pick("（期末在用；本期新开"+opened+"；上期"+w.value(*f.Prev, f.Unit)+"）",
				" (in service at the period's end; "+opened+" opened in the period; previous bulletin "+w.value(*f.Prev, f.Unit)+")")
			return s
		default:
			s += w.pick("（期末在用；本期新开"+opened+"）", " (in service at the period's end; "+opened+" opened in the period)")
		}
	}
	if f.Prev != nil {
		prev := w.value(*f.Prev, f.Unit)
		c := f.Compared
		switch {
		case f.Kind == campaign.KindCount && c != nil && c.SameHours:
			if campaign.ShownChange(*c).OK {
				s += w.pick("，较昨日同时段"+w.change(c.Change.Value), ", "+w.change(c.Change.Value)+" on the day before to the same hour")
			}
			s += w.pick(fmt.Sprintf("（昨日同时段%s，昨日全天%s）", w.value(c.Base, f.Unit), prev),
				fmt.Sprintf(" (the day before to %02d:00 %s, all day %s)", b.Elapsed.Hours, w.value(c.Base, f.Unit), prev))
		case f.Kind == campaign.KindCount && c != nil && campaign.ShownChange(*c).OK && f.Opened == nil:
			s += w.pick("，环比"+w.change(c.Change.Value)+"（"+w.prevCount(b, c, f.Unit)+"）", ", "+w.change(c.Change.Value)+" on the previous bulletin ("+w.prevCount(b, c, f.Unit)+")")
		default:
			s += w.pick("（上期"+prev+"）", " (previous bulletin "+prev+")")
		}
	}
	return s
}

// prevCount words a count's base against 上期: the previous bulletin's
// figure, and where the days differ (a running period, months of 30 and
// 31 days), what it was pro-rated to.
func (w *words) prevCount(b *Bulletin, c *campaign.Comparison, unit string) string {
	v := func(x float64) string { return w.value(x, unit) }
	if unit != campaign.UnitCNY {
		v = func(x float64) string {
			if w.zh() {
				return w.base(x) + unitZh[unit]
			}
			return w.base(x)
		}
	}
	s := w.pick("上期"+v(c.Whole), "previous "+v(c.Whole))
	if c.Prorated {
		s += w.pick(fmt.Sprintf("/%d天，折算%d天%s", c.WholeDays, c.Days, v(c.Base)), fmt.Sprintf(" over %d days, %s over %d", c.WholeDays, v(c.Base), c.Days))
	}
	if b.ToDate {
		s = w.pick(fmt.Sprintf("按已结束%d天计%s；", c.Days, v(float64(c.Current))), fmt.Sprintf("over the %d complete days, %s; ", c.Days, v(float64(c.Current)))) + s
	}
	return s
}

// rateParts words a rate's parts (docs/figures.md, rule 3).
func (w *words) rateParts(b *Bulletin, f FigureRow) string {
	r := f.Rate
	if b.Kind == campaign.PeriodCampaign {
		// Nothing is open before the campaign.
		if f.ID == "hazard.disputes_resolution_rate_pct" {
			return w.pick(fmt.Sprintf("化解%d件，排查%d件", r.Solved, r.Filed), fmt.Sprintf("%d resolved of %d found", r.Solved, r.Filed))
		}
		return w.pick(fmt.Sprintf("破%d起，立案%d起", r.Solved, r.Filed), fmt.Sprintf("%d solved of %d filed", r.Solved, r.Filed))
	}
	if f.ID == "hazard.disputes_resolution_rate_pct" {
		return w.pick(fmt.Sprintf("化解%d件；期初结转未化解%d件，本期排查%d件", r.Solved, r.Open, r.Filed),
			fmt.Sprintf("%d resolved; %d still open at the start, %d found in the period", r.Solved, r.Open, r.Filed))
	}
	return w.pick(fmt.Sprintf("破%d起；期初结转未破%d起，本期立案%d起", r.Solved, r.Open, r.Filed),
		fmt.Sprintf("%d solved; %d still open at the start, %d filed in the period", r.Solved, r.Open, r.Filed))
}

func comparisonOf(f FigureRow) campaign.Comparison {
	if f.Compared != nil {
		return *f.Compared
	}
	return campaign.Comparison{Current: f.Current, Base: f.Base}
}

func flagWord(w *words, flag string) string {
	switch flag {
	case campaign.FlagRed:
		return w.pick("红旗", "red")
	case campaign.FlagYellow:
		return w.pick("黄旗", "yellow")
	}
	return ""
}

// districtTable is the flag table: each district's score with every
// scored measure's points, its flag (暂定 while the period runs; none for
// a day or the campaign), its tally, and the rank the raw counts would
// give; then, per measure, the inputs a district needs to redo its points
// by hand (docs/figures.md, rule 6).
func districtTable(d doc, b *Bulletin, w *words) {
	if !b.Ranked {
		d.para(w.pick("本期各单位尚无可排名数据。", "No district has data to rank on in the period."))
	}
	rows := make([]campaign.ScoreRow, len(b.Districts))
	extra := make([][]string, len(b.Districts))
	hasPrev := false
	for _, r := range b.Districts {
		hasPrev = hasPrev || r.PrevRank > 0
	}
	for i, r := range b.Districts {
		rows[i] = r.ScoreRow
		if hasPrev {
			extra[i] = append(extra[i], rankChange(w, r.PrevRank, r.Rank))
		}
		extra[i] = append(extra[i], w.count(float64(r.Tally.Red)), w.count(float64(r.Tally.Yellow)), fmt.Sprint(r.RawRank))
	}
	flagHead := w.pick("红黄旗", "Flag")
	if b.Provisional {
		flagHead = w.pick("红黄旗(暂定)", "Flag (provisional)")
	}
	head := []string{w.pick("累计红旗", "Red so far"), w.pick("累计黄旗", "Yellow so far"), w.pick("按原始数排名", "Rank on raw counts")}
	if hasPrev {
		head = append([]string{w.pick("较上期名次", "Place vs previous")}, head...)
	}
	scoreTable(d, w, b.Scoring, rows, b.Ranked, b.Scoring.Decimals, flagHead, head, extra, b.Flagged)
	var ms []string
	for _, m := range b.Measures {
		ms = append(ms, w.measure(m))
	}
	switch {
	case !b.Flagged:
		d.note(w.pick(fmt.Sprintf("得分按本期%s计，各项得分的算法和所据数字见附件“计分明细”。红黄旗按周、半月、月授予，%s不授旗；累计红黄旗为截至本期已结束的各周、半月、月所授。", strings.Join(ms, "、"), w.kindName(b.Kind)),
			fmt.Sprintf("Scores from the period's %s; how each measure's points were computed, with the figures used, is in the annex. Flags are awarded per week, half-month and month, not for a %s; the tallies count those of every complete week, half-month and month so far.", strings.Join(ms, ", "), w.kindName(b.Kind))))
	case b.Provisional:
		d.para(flagAwardSentence(w, b))
		d.note(w.pick(fmt.Sprintf("得分按本期%s计（算法见附件“计分明细”），前%d名授红旗，后%d名授黄旗；本期未完，红黄旗为暂定，不计入累计。", strings.Join(ms, "、"), b.FlagRed, b.FlagYellow),
			fmt.Sprintf("Scores from the period's %s (computed as the annex shows); the top %d get a red flag, the bottom %d a yellow one. The period is still running: its flags are provisional and not in the tallies.", strings.Join(ms, ", "), b.FlagRed, b.FlagYellow)))
	default:
		d.para(flagAwardSentence(w, b))
		d.note(w.pick(fmt.Sprintf("得分按本期%s计（算法见附件“计分明细”），前%d名授红旗，后%d名授黄旗；累计红黄旗含本期。", strings.Join(ms, "、"), b.FlagRed, b.FlagYellow),
			fmt.Sprintf("Scores from the period's %s (computed as the annex shows); the top %d get a red flag, the bottom %d a yellow one; the tallies include this period's.", strings.Join(ms, ", "), b.FlagRed, b.FlagYellow)))
	}
	rawNote(d, w, b.Scoring)
}

// rankChange words a place against the previous bulletin's: ↑2, ↓1, —.
func rankChange(w *words, prev, rank int) string {
	switch {
	case prev == 0:
		return "—"
	case prev > rank:
		return w.pick(fmt.Sprintf("上升%d位", prev-rank), fmt.Sprintf("up %d", prev-rank))
	case prev < rank:
		return w.pick(fmt.Sprintf("下降%d位", rank-prev), fmt.Sprintf("down %d", rank-prev))
	}
	return w.pick("持平", "same")
}

// rawNote says which measures are scored on raw counts, not fair to size:
// the campaign file gives the districts no population, target or baseline.
func rawNote(d doc, w *words, sc campaign.Scores) {
	var raw []string
	for _, m := range sc.Measures {
		if m.Basis == campaign.BasisCount {
			raw = append(raw, w.measure(m.Measure))
		}
	}
	if len(raw) > 0 {
		d.note(w.pick("注意："+strings.Join(raw, "、")+"按原始数计分，未按各地规模调整：活动配置未给各地人口、任务数或基数。",
			"Note: "+strings.Join(raw, ", ")+" scored on raw counts, not adjusted for size: the campaign file gives the districts no population, target or baseline."))
	}
}

// scoreTable is a score table: rank, district, score, flag, the points of
// each measure, then the extra columns given.
func scoreTable(d doc, w *words, sc campaign.Scores, rows []campaign.ScoreRow, ranked bool, decimals int, flagHead string, extraHead []string, extra [][]string, flags bool) {
	head := []string{w.pick("排名", "Rank"), w.pick("单位", "District"), w.pick("得分", "Score")}
	numeric := []bool{true, false, true}
	if flags {
		head = append(head, flagHead)
		numeric = append(numeric, false)
	}
	for _, m := range sc.Measures {
		head = append(head, w.measure(m.Measure))
		numeric = append(numeric, true)
	}
	for range extraHead {
		numeric = append(numeric, true)
	}
	head = append(head, extraHead...)
	var out [][]string
	var classes []string
	for i, r := range rows {
		score := "—"
		if ranked {
			score = fmt.Sprintf("%.*f", decimals, r.Score)
		}
		row := []string{fmt.Sprint(r.Rank), w.district(r.District), score}
		if flags {
			row = append(row, flagWord(w, r.Flag))
		}
		for j, ms := range r.Measures {
			p := fmt.Sprintf("%.*f", decimals, ms.Points)
			if slices.Contains(sc.LeftOut, sc.Measures[j].Measure) {
				p = w.pick("不计", "left out")
			}
			row = append(row, p)
		}
		if i < len(extra) {
			row = append(row, extra[i]...)
		}
		out = append(out, row)
		classes = append(classes, r.Flag)
	}
	d.table(head, out, numeric, classes)
	if len(sc.LeftOut) > 0 {
		var names []string
		for _, m := range sc.LeftOut {
			names = append(names, w.measure(m))
		}
		d.para(w.pick(fmt.Sprintf("本期%s无法如实计算（有单位无可计算基数或所计多于基数），不计入任何单位得分；本期满分%s。", strings.Join(names, "、"), w.points(sc.Max, decimals)),
			fmt.Sprintf("%s cannot be computed honestly for every district this period (nothing to divide by, or more than the base): left out of every score; the most a district can score is %s.", strings.Join(names, ", "), w.points(sc.Max, decimals))))
	}
}

func (w *words) points(v float64, decimals int) string { return fmt.Sprintf("%.*f", decimals, v) }

// scoreDetails is, per scored measure, each district's count, what it is
// set against, its value and its points, with the formula: what a
// district needs to redo its score by hand.
func scoreDetails(d doc, w *words, sc campaign.Scores, rows []campaign.ScoreRow, decimals int) {
	if len(rows) == 0 {
		return
	}
	days, total := sc.Days, w.cfg.Days()
	dayText := strconv.FormatFloat(days, 'f', -1, 64)
	for j, m := range sc.Measures {
		best, lowest := 0.0, -1.0
		for _, r := range rows {
			v := r.Measures[j].Value
			best = max(best, v)
			if lowest < 0 || v < lowest {
				lowest = v
			}
		}
		name := w.measure(m.Measure)
		weight := strconv.FormatFloat(m.Weight, 'f', -1, 64)
		var formula string
		var head []string
		cells := func(ms campaign.MeasureScore, r campaign.ScoreRow) []string { return nil }
		switch m.Basis {
		case campaign.BasisTarget:
			formula = w.pick(fmt.Sprintf("%s（完成任务数，权重%s）：得分＝%s×完成率，完成率＝本期数÷(任务数×%s÷%d)，超过100%%按100%%计（表中标*）。", name, weight, weight, dayText, total),
				fmt.Sprintf("%s (completion of the target, weight %s): points = %s × completion; completion = count ÷ (target × %s ÷ %d), at most 100%% (marked *).", name, weight, weight, dayText, total))
			head = []string{w.pick("本期数", "Count"), w.pick("任务数", "Target"), w.pick("折算任务", "Pro-rated"), w.pick("完成率", "Completion")}
			cells = func(ms campaign.MeasureScore, r campaign.ScoreRow) []string {
				target := w.cfg.Districts[districtIndex(w.cfg, r.District)].Targets[m.Measure]
				c := fmt.Sprintf("%.2f%%", ms.Value*100)
				if ms.Capped {
					c = fmt.Sprintf("%.2f%%*", float64(ms.Count)/ms.Base*100) // * scored as 100%: the formula says so
				}
				return []string{w.count(float64(ms.Count)), w.count(float64(target)), fmt.Sprintf("%.2f", ms.Base), c}
			}
		case campaign.BasisPerCapita:
			formula = w.pick(fmt.Sprintf("%s（每万人，权重%s）：得分＝%s×本单位每万人数÷最高每万人数（%.3f），每万人数＝本期数÷人口(万)。", name, weight, weight, best),
				fmt.Sprintf("%s (per 10,000 residents, weight %s): points = %s × value ÷ the highest (%.3f); value = count ÷ residents in 10,000s.", name, weight, weight, best))
			if m.Better == campaign.BetterLess {
				formula = w.pick(fmt.Sprintf("%s（每万人，越少越好，权重%s）：得分＝%s×最低每万人数（%.3f）÷本单位每万人数。", name, weight, weight, lowest),
					fmt.Sprintf("%s (per 10,000 residents, fewer is better, weight %s): points = %s × the lowest (%.3f) ÷ value.", name, weight, weight, lowest))
			}
			head = []string{w.pick("本期数", "Count"), w.pick("人口(万)", "Residents (10k)"), w.pick("每万人", "Per 10k")}
			cells = func(ms campaign.MeasureScore, _ campaign.ScoreRow) []string {
				return []string{w.count(float64(ms.Count)), fmt.Sprintf("%.1f", ms.Base), fmt.Sprintf("%.3f", ms.Value)}
			}
		case campaign.BasisImprovement:
			formula = w.pick(fmt.Sprintf("%s（较本单位基数，越少越好，权重%s）：得分＝%s×最低指数（%.3f）÷本单位指数，指数＝本期数÷(基数×%s÷%d)。", name, weight, weight, lowest, dayText, total),
				fmt.Sprintf("%s (against the district's own baseline, fewer is better, weight %s): points = %s × the lowest index (%.3f) ÷ index; index = count ÷ (baseline × %s ÷ %d).", name, weight, weight, lowest, dayText, total))
			if m.Better == campaign.BetterMore {
				formula = w.pick(fmt.Sprintf("%s（较本单位基数，权重%s）：得分＝%s×本单位指数÷最高指数（%.3f），指数＝本期数÷(基数×%s÷%d)。", name, weight, weight, best, dayText, total),
					fmt.Sprintf("%s (against the district's own baseline, weight %s): points = %s × index ÷ the highest (%.3f); index = count ÷ (baseline × %s ÷ %d).", name, weight, weight, best, dayText, total))
			}
			head = []string{w.pick("本期数", "Count"), w.pick("基数", "Baseline"), w.pick("折算基数", "Pro-rated"), w.pick("指数", "Index")}
			cells = func(ms campaign.MeasureScore, r campaign.ScoreRow) []string {
				base, _ := w.cfg.DistrictBaseline(r.District, m.Measure, campaign.VsPreviousPeriod)
				return []string{w.count(float64(ms.Count)), w.count(float64(base)), fmt.Sprintf("%.2f", ms.Base), fmt.Sprintf("%.3f", ms.Value)}
			}
		case campaign.BasisRate:
			if m.Measure == "dispatch_in_time_rate" {
				formula = w.pick(fmt.Sprintf("%s（权重%s）：得分＝%s×派警及时率，派警及时率＝本期按时派警÷本期派警（设时限的警情）。", name, weight, weight),
					fmt.Sprintf("%s (weight %s): points = %s × rate; rate = dispatched in time ÷ dispatched (calls with a threshold) in the period.", name, weight, weight))
				head = []string{w.pick("按时派警", "In time"), w.pick("派警", "Dispatched"), w.pick("及时率", "Rate")}
				cells = func(ms campaign.MeasureScore, _ campaign.ScoreRow) []string {
					rate := "—"
					if ms.OK {
						rate = fmt.Sprintf("%.2f%%", ms.Value*100)
					}
					return []string{w.count(float64(ms.Count)), w.count(ms.Base), rate}
				}
				break
			}
			formula = w.pick(fmt.Sprintf("%s（权重%s）：得分＝%s×化解率，化解率＝本期化解÷(期初结转未化解＋本期排查)。", name, weight, weight),
				fmt.Sprintf("%s (weight %s): points = %s × rate; rate = resolved ÷ (open at the start + found in the period).", name, weight, weight))
			head = []string{w.pick("本期化解", "Resolved"), w.pick("期初未化解", "Open at start"), w.pick("本期排查", "Found"), w.pick("化解率", "Rate")}
			cells = func(ms campaign.MeasureScore, _ campaign.ScoreRow) []string {
				rate := "—"
				if ms.OK {
					rate = fmt.Sprintf("%.2f%%", ms.Value*100)
				}
				return []string{w.count(float64(ms.Count)), w.count(float64(ms.Open)), w.count(ms.Base - float64(ms.Open)), rate}
			}
		default:
			formula = w.pick(fmt.Sprintf("%s（原始数，权重%s）：得分＝%s×本期数÷最高单位数。", name, weight, weight),
				fmt.Sprintf("%s (raw count, weight %s): points = %s × count ÷ the largest district's.", name, weight, weight))
			head = []string{w.pick("本期数", "Count")}
			cells = func(ms campaign.MeasureScore, _ campaign.ScoreRow) []string {
				return []string{w.count(float64(ms.Count))}
			}
		}
		d.block(true)
		d.note(formula)
		full := append(append([]string{w.pick("单位", "District")}, head...), w.pick("得分", "Points"))
		numeric := []bool{false}
		for range head {
			numeric = append(numeric, true)
		}
		numeric = append(numeric, true)
		var out [][]string
		for _, r := range rows {
			ms := r.Measures[j]
			p := fmt.Sprintf("%.*f", decimals, ms.Points)
			if slices.Contains(sc.LeftOut, m.Measure) {
				p = w.pick("不计", "left out")
			}
			out = append(out, append(append([]string{w.district(r.District)}, cells(ms, r)...), p))
		}
		d.table(full, out, numeric, nil)
		d.block(false)
	}
}

func districtIndex(cfg *campaign.Config, id string) int {
	i, _ := cfg.DistrictIndex(id)
	return i
}

// assessmentTable is the 月考核: each measure's points (its weight in the
// heading), 加扣分, the total, the place, last month's place and total,
// and the month's flag.
func assessmentTable(d doc, b *Bulletin, w *words) {
	sc := b.AssessScoring
	dec := sc.Decimals
	flags := map[string]string{}
	for _, r := range b.Districts {
		flags[r.District] = r.Flag
	}
	head := []string{w.pick("名次", "Place"), w.pick("单位", "District")}
	numeric := []bool{true, false}
	for _, m := range sc.Measures {
		weight := strconv.FormatFloat(m.Weight, 'f', -1, 64)
		head = append(head, w.pick(fmt.Sprintf("%s(%s分)", w.measure(m.Measure), weight), fmt.Sprintf("%s (%s)", w.measure(m.Measure), weight)))
		numeric = append(numeric, true)
	}
	head = append(head, w.pick("得分", "Score"), w.pick("加扣分", "Adj."), w.pick("总分", "Total"), w.pick("上月名次", "Last month"), w.pick("名次变化", "Change"), w.pick("上月总分", "Last total"))
	numeric = append(numeric, true, true, true, true, true, true)
	if b.Flagged {
		head = append(head, w.pick("本月红黄旗", "Flag"))
		numeric = append(numeric, false)
	}
	var rows [][]string
	var classes []string
	for _, r := range b.Assessment {
		row := []string{fmt.Sprint(r.Rank), w.district(r.District)}
		for j, ms := range r.Measures {
			p := fmt.Sprintf("%.*f", dec, ms.Points)
			if slices.Contains(sc.LeftOut, sc.Measures[j].Measure) {
				p = w.pick("不计", "left out")
			}
			row = append(row, p)
		}
		adj, prev, prevTotal := "—", "—", "—"
		if r.Adjustment != 0 {
			adj = signedPoints(r.Adjustment)
		}
		if r.PrevRank > 0 {
			prev, prevTotal = fmt.Sprint(r.PrevRank), fmt.Sprintf("%.*f", dec, r.PrevTotal)
		}
		row = append(row, fmt.Sprintf("%.*f", dec, r.Score), adj, fmt.Sprintf("%.*f", dec, r.Total), prev, rankChange(w, r.PrevRank, r.Rank), prevTotal)
		if b.Flagged {
			row = append(row, flagWord(w, flags[r.District]))
		}
		rows = append(rows, row)
		classes = append(classes, flags[r.District])
	}
	d.table(head, rows, numeric, classes)
	if len(sc.LeftOut) > 0 {
		var names []string
		for _, m := range sc.LeftOut {
			names = append(names, w.measure(m))
		}
		d.note(w.pick(fmt.Sprintf("本月%s无法如实计算，不计入任何单位得分；本月满分%s。", strings.Join(names, "、"), w.points(sc.Max, dec)),
			fmt.Sprintf("%s cannot be computed honestly this month: left out of every score; the most a district can score is %s.", strings.Join(names, ", "), w.points(sc.Max, dec))))
	}
	d.note(w.pick("满分100分；总分＝各项得分之和＋加扣分，名次按总分排列；各项得分的算法和所据数字见附件“考核计分明细”；上月名次、上月总分为上月考核通报所列。",
		"Out of 100; the total is the points plus any added or taken off, and places go by it; how each measure's points were computed is in the annex; last month's place and total are as last month's bulletin printed them."))
	rawNote(d, w, sc)
}

func alertSection(d doc, b *Bulletin, w *words) {
	if len(b.Alerts) == 0 {
		d.para(w.pick("本期无重点警情提示。", "No priority alert in the period."))
		return
	}
	d.para(alertSummary(w, b))
	acked := 0
	for _, a := range b.Alerts {
		if a.AckMinutes >= 0 {
			acked++
		}
	}
	if acked == 0 {
		// A log recorded before boards sent acknowledgements (the 2023
		// recording) has none: say so, rather than show a blank column.
		d.para(w.pick("本期各条提示均无确认记录：所据数据中没有值班台回传的确认，确认用时无从统计。",
			"None of these alerts has an acknowledgement on record: the data holds none sent by a duty board, so there is no time to acknowledge to report."))
	}
	d.note(w.pick("说明：“确认用时”为自提示至首个值班台按键确认的时长，“处置用时”为自提示至清除事件（案件告破、警情办结）的时长。",
		"Time to acknowledge runs from the alert to its first acknowledgement on a duty board; time to clear, to the event that clears it (case solved, alarm closed)."))
	var rows [][]string
	shown := b.Alerts
	if len(shown) > MaxAlertRows {
		// The slowest first: those are what a review asks about.
		shown = slowestFirst(shown)[:MaxAlertRows]
	}
	for _, a := range shown {
		rows = append(rows, []string{w.clock(a.At), w.district(a.District), w.alertRule(a.Rule, a.Type), a.Subject,
			w.ackDuration(a.AckMinutes), a.AckedBy, w.clearDuration(a)})
	}
	d.table([]string{w.pick("提示时间", "Raised"), w.pick("单位", "District"), w.pick("类别", "Alert"), w.pick("编号", "Subject"),
		w.pick("确认用时", "Time to ack"), w.pick("确认单位", "Acknowledged by"), w.pick("处置用时", "Time to clear")},
		rows, []bool{false, false, false, false, true, false, true}, nil)
	if len(b.Alerts) > MaxAlertRows {
		d.para(w.pick(fmt.Sprintf("（列出处置用时最长的%d条，其余%d条略。）", MaxAlertRows, len(b.Alerts)-MaxAlertRows),
			fmt.Sprintf("(The %d slowest to clear shown; %d more not listed.)", MaxAlertRows, len(b.Alerts)-MaxAlertRows)))
	}
}

// alertSummary sums a period's priority alerts up: how many, acknowledged
// and cleared, and how fast.
func alertSummary(w *words, b *Bulletin) string {
	var acked, cleared int
	var ackTotal, ackLongest, total, longest float64
	for _, a := range b.Alerts {
		if a.AckMinutes >= 0 {
			acked++
			ackTotal += a.AckMinutes
			ackLongest = max(ackLongest, a.AckMinutes)
		}
		if a.Minutes >= 0 {
			cleared++
			total += a.Minutes
			longest = max(longest, a.Minutes)
		}
	}
	summary := w.pick(fmt.Sprintf("本期共提示重点警情%d条，已确认%d条、未确认%d条", len(b.Alerts), acked, len(b.Alerts)-acked),
		fmt.Sprintf("%d priority alerts raised in the period, %d acknowledged and %d not acknowledged", len(b.Alerts), acked, len(b.Alerts)-acked))
	if acked > 0 {
		summary += w.pick(fmt.Sprintf("，平均确认用时%s，最长%s", w.duration(ackTotal/float64(acked)), w.duration(ackLongest)),
			fmt.Sprintf(", on average in %s, the longest %s", w.duration(ackTotal/float64(acked)), w.duration(ackLongest)))
	}
	summary += w.pick(fmt.Sprintf("；已清除%d条", cleared), fmt.Sprintf("; %d cleared", cleared))
	if cleared > 0 {
		summary += w.pick(fmt.Sprintf("，平均处置用时%s，最长%s", w.duration(total/float64(cleared)), w.duration(longest)),
			fmt.Sprintf(", on average in %s, the longest %s", w.duration(total/float64(cleared)), w.duration(longest)))
	}
	return summary + w.pick("。", ".")
}
