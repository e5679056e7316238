package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"sitboard/campaign"
)

// Languages of a bulletin.
const (
	LangZh = "zh"
	LangEn = "en"
)

// words holds the wording of one language: a bulletin's fixed phrases and
// the names of units, metrics and measures.
type words struct {
	lang   string
	cfg    *campaign.Config
	labels map[string]string // figure id -> label, from the facts file
}

func newWords(cfg *campaign.Config, facts *campaign.Facts, lang string) *words {
	w := &words{lang: lang, cfg: cfg, labels: map[string]string{}}
	if facts != nil {
		for _, f := range facts.Figures {
			label := f.Zh
			if lang == LangEn {
				label = f.En
			}
			w.labels[f.ID] = stripUnitNote(label)
		}
	}
	return w
}

// stripUnitNote drops a trailing "(元)"-style unit note from a label: the
// bulletin writes the unit after the value.
func stripUnitNote(label string) string {
	for _, open := range []string{"(", "（"} {
		i := strings.LastIndex(label, open)
		if i < 0 {
			continue
		}
		note := strings.TrimRight(label[i+len(open):], ")）")
		if unitNotes[note] && (strings.HasSuffix(label, ")") || strings.HasSuffix(label, "）")) {
			return strings.TrimSpace(label[:i])
		}
	}
	return label
}

var unitNotes = map[string]bool{"元": true, "人": true, "人次": true, "台次": true, "家次": true, "处": true, "份": true, "所": true, "次": true, "CNY": true}

func (w *words) zh() bool { return w.lang != LangEn }

func (w *words) pick(zh, en string) string {
	if w.zh() {
		return zh
	}
	return en
}

var unitZh = map[string]string{
	campaign.UnitPercent: "%", campaign.UnitCNY: "万元", campaign.UnitCases: "起", campaign.UnitPersons: "人",
	campaign.UnitPersonTimes: "人次", campaign.UnitVehicleTimes: "台次", campaign.UnitVisits: "家次", campaign.UnitHazards: "处",
	campaign.UnitNotices: "份", campaign.UnitGroups: "个", campaign.UnitOperations: "次", campaign.UnitSites: "处",
	campaign.UnitSchools: "所", campaign.UnitDisputes: "件",
}

var unitEn = map[string]string{
	campaign.UnitPercent: "%", campaign.UnitCNY: "CNY", campaign.UnitCases: "", campaign.UnitPersons: "persons",
	campaign.UnitPersonTimes: "person-shifts", campaign.UnitVehicleTimes: "vehicle-shifts", campaign.UnitVisits: "visits",
	campaign.UnitHazards: "hazards", campaign.UnitNotices: "notices", campaign.UnitGroups: "", campaign.UnitOperations: "operations",
	campaign.UnitSites: "sites", campaign.UnitSchools: "schools", campaign.UnitDisputes: "disputes",
}

// count writes an integer count: plain digits in zh (公文 style), with
// thousands separators in en.
func (w *words) count(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	if w.zh() {
		return s
	}
	return thousands(s)
}

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// base writes a compared count, which may be pro-rated: to one decimal
// then, without a trailing ".0" (a base of 121.04 is "121", not "121.0"),
// and with the thousands separators of a count in en.
func (w *words) base(v float64) string {
	r := math.Round(v*10) / 10
	if r == math.Trunc(r) {
		return w.count(r)
	}
	whole, tenth := math.Modf(math.Abs(r))
	s := w.count(whole) + "." + strconv.Itoa(int(math.Round(tenth*10)))
	if r < 0 {
		s = "-" + s
	}
	return s
}

// amount writes yuan: 万元 to two decimals in zh, whole yuan in en.
func (w *words) amount(yuan float64) string {
	if w.zh() {
		return fmt.Sprintf("%.2f万元", yuan/1e4)
	}
	return "CNY " + thousands(strconv.FormatInt(int64(math.Round(yuan)), 10))
}

// value writes a figure's value with its unit.
func (w *words) value(v float64, unit string) string {
	switch unit {
	case campaign.UnitCNY:
		return w.amount(v)
	case campaign.UnitPercent:
		return fmt.Sprintf("%.2f%%", v)
	}
	if w.zh() {
		return w.count(v) + unitZh[unit]
	}
	if u := unitEn[unit]; u != "" {
		return w.count(v) + " " + u
	}
	return w.count(v)
}

// change writes a percent change in words: 上升/下降 x.xx% (up/down).
func (w *words) change(v float64) string {
	r := campaign.Round(v, 2)
	switch {
	case r > 0:
		return w.pick(fmt.Sprintf("上升%.2f%%", r), fmt.Sprintf("up %.2f%%", r))
	case r < 0:
		return w.pick(fmt.Sprintf("下降%.2f%%", -r), fmt.Sprintf("down %.2f%%", -r))
	}
	return w.pick("持平", "unchanged")
}

func (w *words) label(id string) string {
	if l, ok := w.labels[id]; ok && l != "" {
		return l
	}
	return id
}

var metricZh = map[string][2]string{
	"alarms_criminal":          {"刑事类警情", "Criminal alarm calls"},
	"alarms_public_order":      {"治安类警情", "Public-order alarm calls"},
	"alarms_total":             {"警情总数", "All alarm calls"},
	"criminal_cases_filed":     {"刑事案件立案", "Criminal cases filed"},
	"theft_cases_filed":        {"盗窃案件立案", "Theft cases filed"},
	"telecom_fraud_cases":      {"电信网络诈骗案件", "Telecom fraud cases"},
	"telecom_fraud_losses_cny": {"电信网络诈骗损失", "Telecom fraud losses"},
}

func (w *words) metric(m string) string {
	if n, ok := metricZh[m]; ok {
		return w.pick(n[0], n[1])
	}
	return m
}

func (w *words) metricValue(m string, v float64) string {
	if strings.HasSuffix(m, "_cny") {
		return w.amount(v)
	}
	return w.value(v, campaign.UnitCases)
}

var measureNames = map[string][2]string{
	"cases_solved":            {"破案", "Solved"},
	"suspects_arrested":       {"抓获", "Arrested"},
	"alarms_criminal":         {"刑事警情", "Criminal alarms"},
	"alarms_total":            {"警情", "Alarms"},
	"hazards_rectified":       {"整改隐患", "Hazards rectified"},
	"inspections":             {"检查", "Inspections"},
	"dispute_resolution_rate": {"纠纷化解率", "Dispute resolution"},
	"dispatch_in_time_rate":   {"派警及时率", "Dispatched in time"},
	"persons_checked":         {"盘查人员", "Persons checked"},
}

func (w *words) measure(m string) string {
	if n, ok := measureNames[m]; ok {
		return w.pick(n[0], n[1])
	}
	return m
}

func (w *words) district(id string) string { return w.cfg.DistrictName(id, w.lang) }

func (w *words) grid(id string) string {
	if i, ok := w.cfg.GridIndex(id); ok {
		g := w.cfg.Grids[i]
		if n := w.pick(g.Zh, g.En); n != "" {
			return n
		}
	}
	return id
}

func (w *words) site(id string) string { return w.cfg.SiteName(id, w.lang) }

func (w *words) notable(id string) string {
	if n, ok := w.cfg.NotableByID(id); ok {
		if name := w.pick(n.Zh, n.En); name != "" {
			return name
		}
		return n.Zh
	}
	return id
}

func (w *words) alertRule(rule int, typ string) string {
	if rule >= 0 && rule < len(w.cfg.Alerts) {
		r := w.cfg.Alerts[rule]
		if n := w.pick(r.Zh, r.En); n != "" {
			return n
		}
	}
	return typ
}

func (w *words) date(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	if w.zh() {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 January 2006")
}

func (w *words) clock(t time.Time) string {
	return t.In(w.cfg.Location()).Format("01-02 15:04")
}

// clearDuration is an alert's time to clear, or a dash for a warning that
// no handling clears (a surge, a cluster: over with its hour or window).
func (w *words) clearDuration(a AlertRow) string {
	if a.Minutes < 0 && (a.ClearedBy == campaign.ClearedByTime || a.Kind == campaign.WhenSurge || a.Kind == campaign.WhenCluster) {
		return "—"
	}
	return w.duration(a.Minutes)
}

func (w *words) duration(minutes float64) string {
	if minutes < 0 {
		return w.pick("未清除", "not cleared")
	}
	m := int(math.Round(minutes))
	if m >= 48*60 {
		// Days for what has been open for days: 75天2小时, not 1802小时.
		return w.pick(fmt.Sprintf("%d天%d小时", m/1440, m%1440/60), fmt.Sprintf("%d d %d h", m/1440, m%1440/60))
	}
	if w.zh() {
		if m >= 60 {
			return fmt.Sprintf("%d小时%d分", m/60, m%60)
		}
		return fmt.Sprintf("%d分钟", m)
	}
	if m >= 60 {
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}

// ackDuration is a time to acknowledge, or that none is on record.
func (w *words) ackDuration(minutes float64) string {
	if minutes < 0 {
		return w.pick("未确认", "not acknowledged")
	}
	return w.duration(minutes)
}

var lineNames = map[string][2]string{
	campaign.LineOverall: {"总体情况", "Overview"},
	campaign.LineStrike:  {"打击：主动进攻 严打各类违法犯罪", "Strike: cracking down on crime"},
	campaign.LinePatrol:  {"巡防：点面结合 立体巡查精准防控", "Patrol: prevention on the streets"},
	campaign.LineHazard:  {"隐患清零：重点管控 风险隐患见底清零", "Hazard clearance: clearing risks"},
}

func (w *words) line(l string) string {
	n := lineNames[l]
	return w.pick(n[0], n[1])
}

// lineShort is a line of work's short name, for a table's head.
func (w *words) lineShort(l string) string {
	switch l {
	case campaign.LineStrike:
		return w.pick("打击", "Strike")
	case campaign.LinePatrol:
		return w.pick("巡防", "Patrol")
	case campaign.LineHazard:
		return w.pick("隐患清零", "Hazard clearance")
	}
	return w.line(l)
}

var zhNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// zhNumber writes 1 to 99 in Chinese numerals: 三, 十二, 二十一.
func zhNumber(n int) string {
	switch {
	case n <= 10:
		return zhNumerals[n-1]
	case n < 20:
		return "十" + zhNumerals[n-11]
	case n%10 == 0:
		return zhNumerals[n/10-1] + "十"
	}
	return zhNumerals[n/10-1] + "十" + zhNumerals[n%10-1]
}

// section numbers a section heading: 一、… in zh, 1. in en.
func (w *words) section(n int, title string) string {
	if w.zh() {
		return zhNumber(n) + "、" + title
	}
	return fmt.Sprintf("%d. %s", n, title)
}

// kindName names a period kind: 日动态 (day), the closing bulletin.
func (w *words) kindName(kind string) string {
	switch kind {
	case campaign.PeriodDay:
		return w.pick("日动态", "day")
	case campaign.PeriodCampaign:
		return w.pick("总结通报", "campaign as a whole")
	}
	return kind
}

// asOf is the instant a running bulletin counts to: 截至6月27日10时, the
// day running counted to its whole hour.
func (w *words) asOf(b *Bulletin) string {
	d := w.cfg.Date(b.Elapsed.RunningDay())
	if w.zh() {
		return fmt.Sprintf("截至%d月%d日%d时", d.Month(), d.Day(), b.Elapsed.Hours)
	}
	return fmt.Sprintf("to %s %02d:00", d.Format("2 January"), b.Elapsed.Hours)
}

// period is the span in words: dates and campaign days.
func (w *words) period(b *Bulletin) string {
	var s string
	if b.From == b.To {
		s = w.pick(fmt.Sprintf("%s（行动第%d天）", w.date(b.From), b.Span.From), fmt.Sprintf("%s (campaign day %d)", w.date(b.From), b.Span.From))
	} else {
		s = w.pick(fmt.Sprintf("%s至%s（行动第%d至%d天，共%d天）", w.date(b.From), w.date(b.To), b.Span.From, b.Span.To, b.Span.Days()),
			fmt.Sprintf("%s to %s (campaign days %d–%d, %d days)", w.date(b.From), w.date(b.To), b.Span.From, b.Span.To, b.Span.Days()))
	}
	return s
}
