package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
)

// The sections of the bulletins (documents.go lists which kind has which).

// headlineSentence opens a bulletin with its lead numbers.
func headlineSentence(w *words, b *Bulletin) string {
	hl := b.Headline
	n := func(v int64) string { return w.count(float64(v)) }
	when := w.pick("本期", "In the period")
	if b.Kind == campaign.PeriodDay {
		when = w.pick(w.shortDate(b.From), "On "+w.shortDate(b.From))
		if b.ToDate {
			when = w.pick(w.asOf(b), w.asOf(b)+",")
		}
	}
	fugitives := ""
	if hl.FugitivesCaught > 0 {
		fugitives = w.pick(fmt.Sprintf("（含抓获逃犯%s人）", n(hl.FugitivesCaught)), fmt.Sprintf(" (%s of them wanted fugitives)", n(hl.FugitivesCaught)))
	}
	accidents := w.pick(fmt.Sprintf("发生重特大安全事故%s起", n(hl.MajorAccidents)), fmt.Sprintf("%s major accidents", n(hl.MajorAccidents)))
	if hl.MajorAccidents == 0 {
		accidents = w.pick("未发生重特大安全事故", "no major accident")
	}
	return w.pick(fmt.Sprintf("%s全市共接报各类警情%s起，立刑事案件%s起，破获各类案件%s起，抓获犯罪嫌疑人%s人%s；出动警力%s人次，排查整改各类隐患%s处，化解矛盾纠纷%s件；%s。",
		when, n(hl.Alarms), n(hl.CasesFiled), n(hl.CasesSolved), n(hl.Arrested), fugitives, n(hl.Officers), n(hl.Rectified), n(hl.DisputesResolved), accidents),
		fmt.Sprintf("%s the city received %s alarm calls and filed %s criminal cases; %s cases were solved and %s suspects caught%s; officers worked %s person-shifts, %s hazards were rectified and %s disputes resolved; %s.",
			when, n(hl.Alarms), n(hl.CasesFiled), n(hl.CasesSolved), n(hl.Arrested), fugitives, n(hl.Officers), n(hl.Rectified), n(hl.DisputesResolved), accidents))
}

// dayFiguresSection is a 日动态's key figures: the lead sentence, then the
// table against the day before (to the same hour while the day runs),
// the chart, and the night's night-market patrols.
func dayFiguresSection(d doc, b *Bulletin, w *words) {
	d.para(headlineSentence(w, b))
	against := w.pick("前一日", "Day before")
	change := w.pick("较前一日增减", "Change on the day before")
	if b.ToDate {
		against = w.pick(fmt.Sprintf("前一日同时段(0—%02d时)", b.Elapsed.Hours), fmt.Sprintf("Day before to %02d:00", b.Elapsed.Hours))
		change = w.pick("较前一日同时段增减", "Change on the day before, same hours")
	}
	current := w.pick("当日", "The day")
	if b.ToDate {
		current = w.pick(fmt.Sprintf("当日(0—%02d时)", b.Elapsed.Hours), fmt.Sprintf("The day to %02d:00", b.Elapsed.Hours))
	}
	var rows [][]string
	for _, f := range b.DayFigures {
		base, diff := "—", "—"
		if f.HasBase {
			base = w.dayValue(f.Unit, f.Base)
			diff = w.dayChange(f)
		}
		rows = append(rows, []string{w.dayKey(f.Key), w.dayValue(f.Unit, f.Current), base, diff})
	}
	d.table([]string{w.pick("项目", "Figure"), current, against, change}, rows, []bool{false, true, true, true}, nil)
	switch {
	case len(b.DayFigures) > 0 && !b.DayFigures[0].HasBase && b.Span.From == 1:
		d.note(w.pick("行动首日，日志中无前一日数据，不作比较。", "The campaign's first day: the log holds no day before it to compare with."))
	case len(b.DayFigures) > 0 && !b.DayFigures[0].HasBase:
		d.note(w.pick("本日数据尚无整点，或无前一日同时段记录，不作比较。", "No whole hour of the day yet, or no record of the day before's hours: not compared."))
	default:
		d.note(w.pick(fmt.Sprintf("增减：与前一日比较的数量差；前一日数在%d以上的，并列升降幅度。", campaign.MinBase),
			fmt.Sprintf("Change: the difference from the day before, with the percentage where the day before had at least %d.", campaign.MinBase)))
	}
	d.chart("daily")
	nightMarketLine(d, b, w)
}

// dayChange words a key figure's change on the day before: the difference,
// and the percentage on a base of at least campaign.MinBase.
func (w *words) dayChange(f DayFigure) string {
	diff := f.Current - f.Base
	var s string
	switch {
	case diff > 0:
		s = "+" + w.dayValue(f.Unit, diff)
	case diff < 0:
		s = "−" + w.dayValue(f.Unit, -diff)
	default:
		return w.pick("持平", "same")
	}
	if f.Change.OK {
		s += " (" + w.signedPct(f.Change.Value) + ")"
	}
	return s
}

func (w *words) dayValue(unit string, v int64) string {
	if unit == campaign.UnitCNY {
		return w.amount(float64(v))
	}
	return w.count(float64(v))
}

var dayKeyNames = map[string][2]string{
	"alarms_total": {"接报警情(起)", "Alarm calls"}, "alarms_criminal": {"刑事类警情(起)", "Criminal alarms"}, "alarms_public_order": {"治安类警情(起)", "Public-order alarms"},
	"criminal_cases_filed": {"刑事案件立案(起)", "Criminal cases filed"}, "theft_cases_filed": {"盗窃案件立案(起)", "Thefts filed"},
	"telecom_fraud_cases": {"电信网络诈骗案件(起)", "Telecom fraud cases"}, "telecom_fraud_losses_cny": {"电诈群众损失", "Telecom fraud losses"},
	"cases_solved": {"破获各类案件(起)", "Cases solved"}, "suspects_arrested": {"抓获犯罪嫌疑人(人)", "Suspects caught"},
	"officers": {"出动警力(人次)", "Officer person-shifts"}, "hazards_rectified": {"整改隐患(处)", "Hazards rectified"},
	"disputes_resolved": {"化解矛盾纠纷(件)", "Disputes resolved"}, "major_accidents": {"重特大安全事故(起)", "Major accidents"},
}

func (w *words) dayKey(k string) string {
	if n, ok := dayKeyNames[k]; ok {
		return w.pick(n[0], n[1])
	}
	return k
}

// nightMarketLine is one sentence on the period's night-market patrols;
// the districts short of full coverage are named.
func nightMarketLine(d doc, b *Bulletin, w *words) {
	nm := b.NightMarkets
	if nm.Total.Sites == 0 {
		return
	}
	if nm.Nights == 0 {
		d.para(w.pick("夜市巡防：当晚尚无列明夜市的巡防上报，待上报后计算。", "Night markets: no shift report has named a night market for that night yet."))
		return
	}
	t := nm.Total
	s := w.pick(fmt.Sprintf("夜市巡防：全市%d处夜市，%d晚应巡%s处次，实巡%s处次，覆盖率%.2f%%，每晚均有巡防的%d处", t.Sites, nm.Nights, w.count(float64(t.SiteNights)), w.count(float64(t.Covered)), t.Percent, t.EveryNight),
		fmt.Sprintf("Night markets: %s of %s site-nights patrolled over %d nights at the city's %d markets (%.2f%%), %d every night", w.count(float64(t.Covered)), w.count(float64(t.SiteNights)), nm.Nights, t.Sites, t.Percent, t.EveryNight))
	oneNight := nm.Nights == 1 && !nm.Pending
	if oneNight {
		s = w.pick(fmt.Sprintf("夜市巡防：当晚全市%d处夜市实巡%d处，覆盖率%.2f%%", t.Sites, t.Covered, t.Percent),
			fmt.Sprintf("Night markets: %d of the city's %d patrolled that night (%.2f%%)", t.Covered, t.Sites, t.Percent))
	}
	switch {
	case len(nm.Least) == 0 && oneNight:
		s += w.pick("，各处夜市均有巡防", "; every market patrolled")
	case len(nm.Least) == 0:
		s += w.pick("，各处夜市每晚均有巡防", "; every market patrolled every night")
	}
	if len(nm.Least) > 0 {
		var names []string
		for _, c := range nm.Least {
			names = append(names, fmt.Sprintf("%s%s", w.site(c.Site), w.pick("（"+w.district(c.District)+"）", " ("+w.district(c.District)+")")))
		}
		more := ""
		if nm.Missed > len(nm.Least) {
			more = w.pick(fmt.Sprintf("等%d处", nm.Missed), fmt.Sprintf(" and %d more", nm.Missed-len(nm.Least)))
		}
		s += w.pick("；漏巡："+strings.Join(names, "、")+more, "; missed: "+strings.Join(names, ", ")+more)
	}
	if nm.Pending {
		s += w.pick("（"+w.shortDate(b.To)+"当晚尚未上报，未计入）", " (the night of "+w.shortDate(b.To)+" not yet reported, not counted)")
	}
	d.para(s + w.pick("。", "."))
}

// dayEventsSection is a 日动态's notable cases solved and the priority
// alerts raised on the day.
func dayEventsSection(d doc, b *Bulletin, w *words) {
	if len(b.Notables) == 0 && len(b.Alerts) == 0 {
		d.para(w.pick("当日无重点案件告破，无重点警情提示。", "No notable case solved and no priority alert on the day."))
		return
	}
	if len(b.Notables) > 0 {
		var lines []string
		for _, n := range b.Notables {
			lines = append(lines, w.pick(fmt.Sprintf("%s %s破获%s", w.clock(n.At), w.district(n.District), w.notable(n.ID)),
				fmt.Sprintf("%s %s solved %s", w.clock(n.At), w.district(n.District), w.notable(n.ID))))
		}
		d.items(lines)
	}
	if len(b.Alerts) > 0 {
		d.para(alertSummary(w, b))
		alertRows(d, b.Alerts, w, maxDayAlerts)
	}
}

// maxDayAlerts caps the alerts a 日动态 lists one by one.
const maxDayAlerts = 8

// alertRows is a table of alerts, at most max, the rest counted.
func alertRows(d doc, alerts []AlertRow, w *words, most int) {
	var rows [][]string
	for _, a := range alerts[:min(len(alerts), most)] {
		state := w.clearDuration(a)
		if a.Minutes < 0 && a.OpenMinutes > 0 && state != "—" {
			state = w.pick("未清除，已", "open for ") + w.duration(a.OpenMinutes)
		}
		rows = append(rows, []string{w.clock(a.At), w.district(a.District), w.alertRule(a.Rule, a.Type), a.Subject, w.ackDuration(a.AckMinutes), a.AckedBy, state})
	}
	d.table([]string{w.pick("提示时间", "Raised"), w.pick("单位", "District"), w.pick("类别", "Alert"), w.pick("编号", "Subject"),
		w.pick("确认用时", "Time to ack"), w.pick("确认单位", "Acknowledged by"), w.pick("处置用时", "Time to clear")}, rows, []bool{false, false, false, false, true, false, true}, nil)
	if len(alerts) > most {
		d.note(w.pick(fmt.Sprintf("另有%d条未列出。", len(alerts)-most), fmt.Sprintf("%d more not listed.", len(alerts)-most)))
	}
}

// openItemsSection is what is still open or late at the bulletin's
// instant: the priority alerts not cleared (or, without a clearing event,
// not acknowledged), oldest first; the calls past their thresholds; the
// shift reports late or missing.
func openItemsSection(d doc, b *Bulletin, w *words) {
	openAlertsPart(d, b, w)
	responseBrief(d, b, w)
	reportsBrief(d, b, w)
	supervisionBrief(d, b, w)
}

// responseBrief is the 110 clock in a sentence: the city's dispatches and
// their share in time, the districts below the city's, and the calls late
// at the bulletin's instant (a 日动态's; the district table has each
// district's share).
func responseBrief(d doc, b *Bulletin, w *words) {
	t := b.Response
	c := t.City
	if c.Dispatch.N == 0 && t.Open == nil {
		return
	}
	s := w.pick(fmt.Sprintf("110接处警：派警%s起，用时中位数%s", w.count(float64(c.Dispatch.N)), w.percentile(c.Dispatch, c.Dispatch.Median)),
		fmt.Sprintf("110 calls: %s dispatched, half within %s", w.count(float64(c.Dispatch.N)), w.percentile(c.Dispatch, c.Dispatch.Median)))
	if len(t.Thresholds) > 0 {
		s += w.pick(fmt.Sprintf("，派警及时率%s（一级警情%s），按时结警率%s", w.share(c.Share), w.share(campaign.ShownRate(c.P1InTime, c.P1Timed)), w.share(c.CloseShare)),
			fmt.Sprintf("; %s dispatched in time (P1 %s), %s closed in time", w.share(c.Share), w.share(campaign.ShownRate(c.P1InTime, c.P1Timed)), w.share(c.CloseShare)))
	}
	if len(t.Laggards) > 0 {
		var names []string
		for _, id := range t.Laggards {
			names = append(names, w.district(id))
		}
		s += w.pick("；及时率低于全市的："+strings.Join(names, "、"), "; below the city's share: "+strings.Join(names, ", "))
	}
	if o := t.Open; o != nil {
		s += w.pick(fmt.Sprintf("；截至%s，超时未派警%d起、超时未结警%d起", w.clock(b.AsOf), o.LateDispatch, o.LateClose),
			fmt.Sprintf("; at %s, %d calls undispatched past their threshold and %d open past theirs", w.clock(b.AsOf), o.LateDispatch, o.LateClose))
		if o.OldestP1 != "" {
			s += w.pick(fmt.Sprintf("，超时最久的一级警情%s（%s）已%s", o.OldestP1, w.district(o.OldestP1In), w.wait(time.Duration(o.OldestP1Secs)*time.Second)),
				fmt.Sprintf(", the oldest late P1 call %s (%s) waiting %s", o.OldestP1, w.district(o.OldestP1In), w.wait(time.Duration(o.OldestP1Secs)*time.Second)))
		}
	}
	d.para(s + w.pick("。", "."))
}

// reportsBrief is the shift reports due in a sentence, and the late and
// missing ones listed.
func reportsBrief(d doc, b *Bulletin, w *words) {
	t := b.Reports
	if t.Rules == 0 {
		return
	}
	c := t.City
	s := w.pick(fmt.Sprintf("勤务报送：应报%d份，按时%d份，迟报%d份，漏报%d份", c.Owed, c.OnTime, c.Late, c.Missing),
		fmt.Sprintf("Shift reports: %d due, %d on time, %d late, %d missing", c.Owed, c.OnTime, c.Late, c.Missing))
	if c.Pending > 0 {
		s += w.pick(fmt.Sprintf("，另有%d份未到截止时间", c.Pending), fmt.Sprintf(", %d not due yet", c.Pending))
	}
	d.para(s + w.pick("。", "."))
	if t.Total == 0 {
		return
	}
	var rows [][]string
	for _, l := range t.Lapses[:min(len(t.Lapses), maxDayAlerts)] {
		status := w.pick("漏报", "missing")
		if l.Status == campaign.ReportLate {
			status = w.pick("迟报 "+w.clock(l.At), "late, "+w.clock(l.At))
		}
		rows = append(rows, []string{w.cfg.Date(l.Night).Format("01-02"), w.district(l.District), w.cfg.Reports[l.Rule].Name(w.lang), w.grid(l.Grid), w.clock(l.Deadline), status})
	}
	d.table([]string{w.pick("日期", "Night"), w.pick("单位", "District"), w.pick("报告", "Report"), w.pick("网格", "Grid"), w.pick("截止", "Due"), w.pick("情况", "Status")}, rows, nil, nil)
	if t.Total > len(rows) {
		d.note(w.pick(fmt.Sprintf("另有%d条未列出。", t.Total-len(rows)), fmt.Sprintf("%d more not listed.", t.Total-len(rows))))
	}
}

// openAlertsPart lists the priority alerts still open.
func openAlertsPart(d doc, b *Bulletin, w *words) {
	at := w.pick(w.shortDate(b.To)+"24时", "the end of "+w.shortDate(b.To))
	if b.ToDate {
		at = w.asOf(b)
	}
	if len(b.Open) == 0 {
		d.para(w.pick("截至"+strings.TrimPrefix(at, "截至")+"，无未结的重点警情提示。", "As of "+strings.TrimPrefix(at, "to ")+", no priority alert is open."))
		return
	}
	unacked := 0
	for _, a := range b.Open {
		if a.AckMinutes < 0 {
			unacked++
		}
	}
	d.para(w.pick(fmt.Sprintf("截至%s，未结重点警情提示%d条，其中未确认%d条（最早的在前）：", strings.TrimPrefix(at, "截至"), len(b.Open), unacked),
		fmt.Sprintf("As of %s, %d priority alerts are open, %d of them not acknowledged (oldest first):", strings.TrimPrefix(at, "to "), len(b.Open), unacked)))
	alertRows(d, b.Open, w, maxDayAlerts)
}

// districtFiguresSection is each district's lead numbers for the period,
// in the campaign file's order (not a ranking), with the city's total.
func districtFiguresSection(d doc, b *Bulletin, w *words) {
	var rows [][]string
	var total DistrictFigures
	row := func(name string, r DistrictFigures) []string {
		nm := "—"
		if r.NightMarketsOwed > 0 {
			nm = fmt.Sprintf("%d/%d", r.NightMarketsCovered, r.NightMarketsOwed)
		}
		n := func(v int64) string { return w.count(float64(v)) }
		return []string{name, n(r.Alarms), n(r.AlarmsCriminal), n(r.CasesFiled), n(r.CasesSolved), n(r.Arrested), n(r.Officers), n(r.Rectified), n(r.DisputesResolved), nm}
	}
	// Each district's 110 share in time and its shift reports, from the
	// 110 table and the reports due.
	dispatch, reports := map[string]string{}, map[string]string{}
	for _, r := range b.Response.Districts {
		dispatch[r.District] = w.share(r.Share)
	}
	dispatch[""] = w.share(b.Response.City.Share)
	for _, r := range b.Reports.Districts {
		if r.Owed > 0 {
			reports[r.District] = fmt.Sprintf("%d/%d", r.OnTime, r.Owed)
		}
	}
	if c := b.Reports.City; c.Owed > 0 {
		reports[""] = fmt.Sprintf("%d/%d", c.OnTime, c.Owed)
	}
	withClock := len(b.Response.Thresholds) > 0
	withReports := b.Reports.Rules > 0
	extra := func(id string, cells []string) []string {
		if withClock {
			cells = append(cells, or(dispatch[id], "—"))
		}
		if withReports {
			cells = append(cells, or(reports[id], "—"))
		}
		return cells
	}
	for _, r := range b.DistrictFigures {
		rows = append(rows, extra(r.District, row(w.district(r.District), r)))
		total.Alarms += r.Alarms
		total.AlarmsCriminal += r.AlarmsCriminal
		total.CasesFiled += r.CasesFiled
		total.CasesSolved += r.CasesSolved
		total.Arrested += r.Arrested
		total.Officers += r.Officers
		total.Rectified += r.Rectified
		total.DisputesResolved += r.DisputesResolved
		total.NightMarketsCovered += r.NightMarketsCovered
		total.NightMarketsOwed += r.NightMarketsOwed
	}
	rows = append(rows, extra("", row(w.pick("合计", "Total"), total)))
	head := []string{w.pick("单位", "District"), w.pick("警情", "Alarms"), w.pick("刑事类", "Criminal"), w.pick("立案", "Filed"), w.pick("破案", "Solved"),
		w.pick("抓获", "Caught"), w.pick("警力(人次)", "Shifts"), w.pick("整改隐患", "Hazards"), w.pick("化解纠纷", "Disputes"), w.pick("夜市实巡/应巡", "Markets")}
	numeric := []bool{false, true, true, true, true, true, true, true, true, true}
	if withClock {
		head, numeric = append(head, w.pick("派警及时率", "Dispatched in time")), append(numeric, true)
	}
	if withReports {
		head, numeric = append(head, w.pick("报送按时/应报", "Reports on time")), append(numeric, true)
	}
	d.table(head, rows, numeric, nil)
	d.note(w.pick("按单位排列，非排名；合计为各单位之和。", "In the campaign file's order, not a ranking; the total is the districts' sum."))
}

// overviewSection is the period's lead numbers, its compared metrics and
// the chart of its days.
func overviewSection(d doc, b *Bulletin, w *words) {
	d.para(headlineSentence(w, b))
	var lines []string
	for _, m := range b.Metrics {
		lines = append(lines, metricSentence(w, b, m))
	}
	d.items(lines)
	d.items(figureLines(w, b, campaign.LineOverall, statedByMetric(b)))
	d.chart("daily")
}

// linesOfWorkSection is a 周通报's figures by line of work: what moved;
// the figures at zero in the period, and before it, are named together.
func linesOfWorkSection(d doc, b *Bulletin, w *words) {
	figureTables(d, b, w)
	notablesTable(d, b, w)
	gridsTable(d, b, w)
	nightMarketLine(d, b, w)
}

// strikeSection, patrolSection and hazardSection are the closing
// bulletin's lines of work: every figure, and each line's lists.
func strikeSection(d doc, b *Bulletin, w *words) {
	d.items(figureLines(w, b, campaign.LineStrike, nil))
	notablesTable(d, b, w)
}

func patrolSection(d doc, b *Bulletin, w *words) {
	d.items(figureLines(w, b, campaign.LinePatrol, nil))
	gridsTable(d, b, w)
	nightMarketSection(d, b, w)
}

func hazardSection(d doc, b *Bulletin, w *words) {
	d.items(figureLines(w, b, campaign.LineHazard, nil))
	safetyLine(d, b, w)
}

// allFiguresSection is every figure of the period by line of work (the
// 半月讲评's and 月考核's annex).
func allFiguresSection(d doc, b *Bulletin, w *words) {
	figureTables(d, b, w)
	notablesTable(d, b, w)
	gridsTable(d, b, w)
	nightMarketLine(d, b, w)
	safetyLine(d, b, w)
}

// figureTables are the period's figures by line of work as tables (本期,
// 上期 and the change, as the sentences would say them), set two abreast
// in print; figures at zero now and before are named under them.
func figureTables(d doc, b *Bulletin, w *words) {
	var zero, rates []string
	d.group("pair")
	for _, line := range []string{campaign.LineStrike, campaign.LinePatrol, campaign.LineHazard} {
		rows, z := figureRows(w, b, line)
		zero = append(zero, z...)
		d.table([]string{w.lineShort(line), w.pick("本期", "Period"), w.pick("上期", "Previous"), w.pick("较上期", "Change")}, rows, []bool{false, true, true, true}, nil)
		for _, f := range b.Figures {
			if f.Line == line && f.Kind == campaign.KindRate {
				rates = append(rates, figureSentence(w, b, f))
			}
		}
	}
	d.group("")
	// The rates with their parts, which a table cell has no room for.
	d.items(rates)
	if len(zero) > 0 {
		d.note(w.pick("本期与上期均为零的："+strings.Join(zero, "、")+"。", "Zero in the period and the previous one: "+strings.Join(zero, ", ")+"."))
	}
	d.note(w.pick("“上期”为上一期通报所列数，天数不同的括号内为折算数；在用力量括号内为本期新开数；同比项的“上期”为去年同期折算数。",
		"Previous: the previous bulletin's figure, pro-rated in brackets where the lengths differ; a standing force's openings in brackets; a change against last year has last year's pro-rated figure as its base."))
}

// figureRows are a line's figures as table rows: the label, the period's
// value, 上期 (or the base a change figure is set against), the change.
func figureRows(w *words, b *Bulletin, line string) (rows [][]string, zero []string) {
	for _, f := range b.Figures {
		if f.Line != line {
			continue
		}
		info, _ := campaign.FigureInfoByID(f.ID)
		still := f.OK && f.Value == 0 && (f.Prev == nil || *f.Prev == 0)
		switch {
		case f.Kind == campaign.KindRate:
			continue // under the tables, with its parts
		case info.Single && f.Value == 0:
			// A named case that did not move in the period.
			continue
		case still && f.Kind == campaign.KindCount && f.Opened == nil:
			zero = append(zero, w.label(f.ID))
			continue
		}
		rows = append(rows, figureRow(w, b, f, info))
	}
	return rows, zero
}

func figureRow(w *words, b *Bulletin, f FigureRow, info campaign.FigureInfo) []string {
	label, cur, prev, change := w.label(f.ID), "—", "—", "—"
	if f.OK {
		cur = w.value(f.Value, f.Unit)
	}
	switch {
	case info.Single:
	case f.Kind == campaign.KindChange:
		if f.Compared != nil {
			cur = w.metricValue(info.Metric, float64(f.Current))
			prev = w.metricValueBase(info.Metric, f.Compared.Base)
			if w.zh() && info.Metric != "telecom_fraud_losses_cny" {
				prev += unitZh[campaign.UnitCases]
			}
			if campaign.ShownChange(*f.Compared).OK {
				change = w.signedPct(f.Compared.Change.Value)
			}
		}
	case f.Opened != nil:
		cur += w.pick(fmt.Sprintf("（新开%d）", *f.Opened), fmt.Sprintf(" (%d new)", *f.Opened))
		if f.Prev != nil {
			prev = w.value(*f.Prev, f.Unit)
		}
	default:
		if f.Prev != nil {
			prev = w.value(*f.Prev, f.Unit)
			if c := f.Compared; c != nil && c.Prorated && c.Days > 0 {
				// Compared pro-rated: say to what, or +6.67% on 15 against
				// 15 reads as a mistake.
				pro := w.base(c.Base)
				if f.Unit == campaign.UnitCNY {
					pro = w.amount(c.Base)
				}
				prev += w.pick("（折"+pro+"）", " ("+pro+" pro-rated)")
			}
			change = w.countChange(f)
		}
	}
	return []string{label, cur, prev, change}
}

// countChange is a count's change on 上期: the percentage on a base of at
// least campaign.MinBase, else the difference.
func (w *words) countChange(f FigureRow) string {
	if c := f.Compared; c != nil && campaign.ShownChange(*c).OK {
		return w.signedPct(c.Change.Value)
	}
	if f.Prev == nil || f.Compared != nil && f.Compared.Prorated {
		return "—"
	}
	diff := f.Value - *f.Prev
	switch {
	case diff > 0:
		return "+" + w.value(diff, f.Unit)
	case diff < 0:
		return "−" + w.value(-diff, f.Unit)
	}
	return w.pick("持平", "same")
}

// signedPct writes a change as +12.34% / −5.00%.
func (w *words) signedPct(v float64) string {
	r := campaign.Round(v, 2)
	switch {
	case r > 0:
		return fmt.Sprintf("+%.2f%%", r)
	case r < 0:
		return fmt.Sprintf("−%.2f%%", -r)
	}
	return w.pick("持平", "same")
}

func safetyLine(d doc, b *Bulletin, w *words) {
	s := b.Safety
	switch {
	case s.Accidents > 0:
		d.para(w.pick(fmt.Sprintf("安全生产：本期发生重特大安全事故%d起，无事故天数%d天，最长连续无事故%d天。", s.Accidents, s.FreeDays, s.Longest),
			fmt.Sprintf("Safety: %d major accidents in the period; %d days without one, the longest run %d days.", s.Accidents, s.FreeDays, s.Longest)))
	case b.Kind == campaign.PeriodDay:
	default:
		d.para(w.pick(fmt.Sprintf("安全生产：本期%d天均未发生重特大安全事故。", s.FreeDays), fmt.Sprintf("Safety: no major accident on any of the period's %d days.", s.FreeDays)))
	}
}

func notablesTable(d doc, b *Bulletin, w *words) {
	if len(b.Notables) == 0 {
		if b.Kind == campaign.PeriodCampaign {
			d.para(w.pick("本期无重点案件告破。", "No notable case was solved in the period."))
		}
		return
	}
	d.subheading(w.pick("重点案件侦破", "Notable cases solved"))
	var rows [][]string
	for _, n := range b.Notables {
		rows = append(rows, []string{w.clock(n.At), w.district(n.District), w.notable(n.ID), n.CaseID})
	}
	d.table([]string{w.pick("破案时间", "Solved"), w.pick("单位", "District"), w.pick("案件", "Case"), w.pick("案件编号", "Case id")}, rows, nil, nil)
}

// gridsTable lists the grids with the most alarms per patrol person-shift,
// sorted by that, as its heading says.
func gridsTable(d doc, b *Bulletin, w *words) {
	if len(b.Grids) == 0 {
		return
	}
	d.subheading(w.pick(fmt.Sprintf("每巡逻人次警情最多的网格（前%d，按每人次警情数排序）", len(b.Grids)),
		fmt.Sprintf("Grids with the most alarms per patrol person-shift (top %d, sorted by that)", len(b.Grids))))
	var rows [][]string
	for i, g := range b.Grids {
		per := w.pick("无巡逻上报", "no patrol reported")
		if g.Officers > 0 {
			per = fmt.Sprintf("%.3f", g.PerOfficer)
		}
		rows = append(rows, []string{fmt.Sprint(i + 1), w.grid(g.Grid), w.district(g.District), per, w.count(float64(g.Alarms)), w.count(float64(g.Officers))})
	}
	d.table([]string{w.pick("序号", "#"), w.pick("网格", "Grid"), w.pick("单位", "District"), w.pick("每人次警情", "Alarms per shift"),
		w.pick("警情(起)", "Alarms"), w.pick("巡逻警力(人次)", "Patrol shifts")}, rows, []bool{true, false, false, true, true, true}, nil)
}

// rankingSection is the flag table and its award (with the chart in the
// closing bulletin); the inputs of each measure are in an annex.
func rankingSection(d doc, b *Bulletin, w *words) {
	if b.Kind == campaign.PeriodCampaign {
		critiqueSentences(d, b, w)
		d.chart("districts")
	}
	districtTable(d, b, w)
}

// flagDetailsSection is, per flag measure, what a district needs to redo
// its points by hand.
func flagDetailsSection(d doc, b *Bulletin, w *words) {
	rows := make([]campaign.ScoreRow, len(b.Districts))
	for i, r := range b.Districts {
		rows[i] = r.ScoreRow
	}
	d.group("pair")
	scoreDetails(d, w, b.Scoring, rows, b.Scoring.Decimals)
	d.group("")
}

// flagTableWithDetails is the 月考核's annex on its flags: the flag table
// (with every measure's points) and each measure's inputs.
func flagTableWithDetails(d doc, b *Bulletin, w *words) {
	districtTable(d, b, w)
	flagDetailsSection(d, b, w)
}

// monthFlagsSection names the month's red and yellow flags and each
// district's tally; the flag table is in an annex.
func monthFlagsSection(d doc, b *Bulletin, w *words) {
	d.para(flagAwardSentence(w, b))
	var rows [][]string
	var classes []string
	for _, r := range b.Districts {
		rows = append(rows, []string{fmt.Sprint(r.Rank), w.district(r.District), fmt.Sprintf("%.*f", b.Scoring.Decimals, r.Score), flagWord(w, r.Flag),
			w.count(float64(r.Tally.Red)), w.count(float64(r.Tally.Yellow))})
		classes = append(classes, r.Flag)
	}
	d.table([]string{w.pick("排名", "Rank"), w.pick("单位", "District"), w.pick("红黄旗得分", "Flag score"), w.pick("本月", "This month"),
		w.pick("累计红旗", "Red so far"), w.pick("累计黄旗", "Yellow so far")}, rows, []bool{true, false, true, false, true, true}, classes)
}

// flagAwardSentence names who got a flag: 本期红旗：…；黄旗：….
func flagAwardSentence(w *words, b *Bulletin) string {
	if !b.Flagged || !b.Ranked {
		return w.pick("本期不授红黄旗。", "No flags in the period.")
	}
	var red, yellow []string
	for _, r := range b.Districts {
		switch r.Flag {
		case campaign.FlagRed:
			red = append(red, w.district(r.District))
		case campaign.FlagYellow:
			yellow = append(yellow, w.district(r.District))
		}
	}
	provisional := ""
	if b.Provisional {
		provisional = w.pick("（暂定）", " (provisional)")
	}
	return w.pick(fmt.Sprintf("本期红旗%s：%s；黄旗：%s。", provisional, strings.Join(red, "、"), strings.Join(yellow, "、")),
		fmt.Sprintf("Red flags%s: %s; yellow flags: %s.", provisional, strings.Join(red, ", "), strings.Join(yellow, ", ")))
}

// assessmentSection is the 月考核: who leads and who lags, the table with
// each measure's points, 加扣分, total and places, and the 加扣分 listed.
func assessmentSection(d doc, b *Bulletin, w *words) {
	if len(b.Assessment) == 0 {
		d.para(w.pick("活动配置未设月考核。", "The campaign file sets no monthly assessment."))
		return
	}
	critiqueSentences(d, b, w)
	assessmentTable(d, b, w)
	if len(b.Adjustments) == 0 {
		d.note(w.pick("本月无加扣分。", "No points added or taken off this month."))
		return
	}
	var lines []string
	for _, a := range b.Adjustments {
		reason := w.pick(a.Zh, a.En)
		if reason == "" {
			reason = a.Zh
		}
		if a.Rule != "" {
			lines = append(lines, ruleAdjustmentLine(w, a, reason))
			continue
		}
		lines = append(lines, w.pick(fmt.Sprintf("%s %s%s分：%s", w.shortDate(a.Date), w.district(a.District), signedPoints(a.Points), reason),
			fmt.Sprintf("%s %s %s: %s", w.shortDate(a.Date), w.district(a.District), signedPoints(a.Points), reason)))
	}
	d.subheading(w.pick("加扣分", "Points added and taken off"))
	d.items(lines)
}

// maxAdjustmentItems is how many of a rule's findings a 加扣分 line names.
const maxAdjustmentItems = 6

// ruleAdjustmentLine is a counted 加扣分: the district, its points, what
// was counted, how many at how many points each (and the month's most,
// when it held the points back), and which, so the district can check
// each one: 川汇区−2分：督察发现问题逾期未整改4处，每处−0.5分（DC-…、…）.
func ruleAdjustmentLine(w *words, a campaign.Adjustment, reason string) string {
	items := a.Items
	more := ""
	if len(items) > maxAdjustmentItems {
		more = w.pick(fmt.Sprintf("等%d处", len(items)), fmt.Sprintf(" and %d more", len(items)-maxAdjustmentItems))
		items = items[:maxAdjustmentItems]
	}
	capped := ""
	if a.Capped {
		capped = w.pick(fmt.Sprintf("，本月最多计%s分", signedPoints(a.Points)), fmt.Sprintf(", at most %s a month", signedPoints(a.Points)))
	}
	return w.pick(fmt.Sprintf("%s%s分：%s%d处，每处%s分%s（%s%s）", w.district(a.District), signedPoints(a.Points), reason, a.Count, signedPoints(a.Each), capped, strings.Join(items, "、"), more),
		fmt.Sprintf("%s %s: %s, %d at %s each%s (%s%s)", w.district(a.District), signedPoints(a.Points), reason, a.Count, signedPoints(a.Each), capped, strings.Join(items, ", "), more))
}

// unsignedPoints is |v| as signedPoints writes it, without a sign.
func unsignedPoints(v float64) string { return signedPoints(math.Abs(v))[1:] }

func signedPoints(v float64) string {
	s := fmt.Sprintf("%+.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return strings.Replace(s, "-", "−", 1)
}

func assessmentDetailsSection(d doc, b *Bulletin, w *words) {
	rows := make([]campaign.ScoreRow, len(b.Assessment))
	for i, r := range b.Assessment {
		rows[i] = r.ScoreRow
	}
	d.group("pair")
	scoreDetails(d, w, b.AssessScoring, rows, b.AssessScoring.Decimals)
	d.group("")
}

// critiqueSection is the 半月讲评's core: the districts ahead and behind
// and why, then the flag table and its award.
func critiqueSection(d doc, b *Bulletin, w *words) {
	critiqueSentences(d, b, w)
	d.chart("districts")
	districtTable(d, b, w)
}

// weekCritiqueSection is a 周通报's 讲评: what went well (the districts
// ahead, the office's practices) and what badly (the districts behind,
// the problems).
func weekCritiqueSection(d doc, b *Bulletin, w *words) {
	c := b.Critique
	d.subheading(w.pick("好的方面", "What went well"))
	if c != nil && len(c.Best) > 0 {
		d.para(standingSentence(w, b, c.Best, true))
	}
	if hasPractices(b) {
		noteBlocks(d, b.Notes.Practices)
	}
	d.subheading(w.pick("存在的不足", "What went badly"))
	if c != nil && len(c.Lagging) > 0 {
		d.para(standingSentence(w, b, c.Lagging, false))
	}
	problemsSection(d, b, w)
}

// critiqueSentences names the leaders and the laggards.
func critiqueSentences(d doc, b *Bulletin, w *words) {
	c := b.Critique
	if c == nil || len(c.Best) == 0 {
		d.para(w.pick("本期各单位尚无可排名数据。", "No district has data to rank on in the period."))
		return
	}
	d.para(standingSentence(w, b, c.Best, true))
	d.para(standingSentence(w, b, c.Lagging, false))
}

// standingSentence words the districts ahead (or behind): their places,
// the change against 上期, and the measures that put them there with
// their figures.
func standingSentence(w *words, b *Bulletin, ss []Standing, ahead bool) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, standingPart(w, b, s, ahead))
	}
	what := w.pick("综合得分", "score")
	if b.Critique.Basis == "assessment" {
		what = w.pick("考核总分", "assessment total")
	}
	if ahead {
		return w.pick(fmt.Sprintf("本期%s居前的是%s。", what, strings.Join(parts, "；")),
			fmt.Sprintf("Ahead on the %s: %s.", what, strings.Join(parts, "; ")))
	}
	return w.pick(fmt.Sprintf("本期%s靠后的是%s，须加大工作力度。", what, strings.Join(parts, "；")),
		fmt.Sprintf("Behind on the %s: %s; they must step up.", what, strings.Join(parts, "; ")))
}

func standingPart(w *words, b *Bulletin, s Standing, ahead bool) string {
	decimals := b.Scoring.Decimals
	if b.Critique.Basis == "assessment" {
		decimals = b.AssessScoring.Decimals
	}
	place := w.pick(fmt.Sprintf("%s（%.*f分，第%d名", w.district(s.District), decimals, s.Score, s.Rank),
		fmt.Sprintf("%s (%.*f, %s", w.district(s.District), decimals, s.Score, ordinal(s.Rank)))
	switch {
	case s.PrevRank == 0:
	case s.PrevRank > s.Rank:
		place += w.pick(fmt.Sprintf("，较上期上升%d位", s.PrevRank-s.Rank), fmt.Sprintf(", up %d from the previous bulletin", s.PrevRank-s.Rank))
	case s.PrevRank < s.Rank:
		place += w.pick(fmt.Sprintf("，较上期下降%d位", s.Rank-s.PrevRank), fmt.Sprintf(", down %d from the previous bulletin", s.Rank-s.PrevRank))
	default:
		place += w.pick("，与上期持平", ", as in the previous bulletin")
	}
	place += w.pick("）", ")")
	var ms []string
	for _, m := range s.Measures {
		ms = append(ms, w.standingMeasure(m))
	}
	if len(ms) == 0 {
		return place
	}
	if ahead {
		return place + w.pick("，"+strings.Join(ms, "、")+"居全市前列", ": "+strings.Join(ms, ", "))
	}
	return place + w.pick("，"+strings.Join(ms, "、")+"落后", ": "+strings.Join(ms, ", "))
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return fmt.Sprintf("%dth", n)
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}

// standingMeasure words one measure of a district named in a 讲评 with its
// figure and its place on that measure: 破案完成任务的91.16%（第4）.
func (w *words) standingMeasure(m StandingMeasure) string {
	name := w.measure(m.Measure)
	place := w.pick(fmt.Sprintf("，该项第%d", m.Rank), fmt.Sprintf(", %s on it", ordinal(m.Rank)))
	switch m.Basis {
	case campaign.BasisTarget:
		return w.pick(fmt.Sprintf("%s完成折算任务的%.2f%%（%s/%s%s）", name, float64(m.Count)/m.Base*100, w.count(float64(m.Count)), w.base(m.Base), place),
			fmt.Sprintf("%s at %.2f%% of the pro-rated target (%s of %s%s)", name, float64(m.Count)/m.Base*100, w.count(float64(m.Count)), w.base(m.Base), place))
	case campaign.BasisPerCapita:
		return w.pick(fmt.Sprintf("%s每万人%.3f（%s%s）", name, m.Value, w.count(float64(m.Count)), place),
			fmt.Sprintf("%s %.3f per 10,000 residents (%s%s)", name, m.Value, w.count(float64(m.Count)), place))
	case campaign.BasisImprovement:
		return w.pick(fmt.Sprintf("%s为折算基数的%.2f倍（%s/%s%s）", name, m.Value, w.count(float64(m.Count)), w.base(m.Base), place),
			fmt.Sprintf("%s at %.2f times its pro-rated baseline (%s against %s%s)", name, m.Value, w.count(float64(m.Count)), w.base(m.Base), place))
	case campaign.BasisRate:
		rate := "—"
		if m.OK {
			rate = fmt.Sprintf("%.2f%%", m.Value*100)
		}
		return w.pick(fmt.Sprintf("%s%s（化解%s件%s）", name, rate, w.count(float64(m.Count)), place),
			fmt.Sprintf("%s %s (%s resolved%s)", name, rate, w.count(float64(m.Count)), place))
	}
	return w.pick(fmt.Sprintf("%s%s（%s）", name, w.count(float64(m.Count)), strings.TrimPrefix(place, "，")),
		fmt.Sprintf("%s %s (%s)", name, w.count(float64(m.Count)), strings.TrimPrefix(place, ", ")))
}

// problemSentences are the generated sentences of 存在问题, each "" when
// it has nothing to say. Issue 20 adds its own here (shift reports
// missing, slow dispatch).
var problemSentences = []func(w *words, b *Bulletin) string{
	risingAlarmsSentence,
	lowCoverageSentence,
	slowDispatchSentence,
	missingReportsSentence,
	unclearedSentence,
}

// slowDispatchSentence names the districts dispatched in time less often
// than the city (the 110 table's laggards).
func slowDispatchSentence(w *words, b *Bulletin) string {
	t := b.Response
	if len(t.Laggards) == 0 {
		return ""
	}
	share := map[string]ResponseRow{}
	for _, r := range t.Districts {
		share[r.District] = r
	}
	var parts []string
	for _, id := range t.Laggards {
		r := share[id]
		parts = append(parts, w.pick(w.district(id)+w.share(r.Share), w.district(id)+" "+w.share(r.Share)))
	}
	return w.pick("派警及时率低于全市（"+w.share(t.City.Share)+"）的单位："+strings.Join(parts, "、")+"。",
		"Dispatched in time less often than the city ("+w.share(t.City.Share)+"): "+strings.Join(parts, ", ")+".")
}

// missingReportsSentence names the districts with shift reports missing.
func missingReportsSentence(w *words, b *Bulletin) string {
	var parts []string
	for _, r := range b.Reports.Districts {
		if r.Missing > 0 {
			parts = append(parts, w.pick(fmt.Sprintf("%s漏报%d份", w.district(r.District), r.Missing), fmt.Sprintf("%s %d missing", w.district(r.District), r.Missing)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return w.pick("勤务报告漏报："+strings.Join(parts, "、")+"。", "Shift reports missing: "+strings.Join(parts, ", ")+".")
}

// problemsSection is 存在问题: what the figures show, then the office's
// own words.
func problemsSection(d doc, b *Bulletin, w *words) {
	var found []string
	for _, p := range problemSentences {
		if s := p(w, b); s != "" {
			found = append(found, s)
		}
	}
	for i, s := range found {
		d.para(w.pick(zhOrdinals[min(i, len(zhOrdinals)-1)]+s, s))
	}
	if hasNotesProblems(b) {
		noteBlocks(d, b.Notes.Problems)
	}
	if len(found) == 0 && !hasNotesProblems(b) {
		d.para(w.pick("本期数据未见突出问题。", "The figures show no standing problem in the period."))
	}
}

var zhOrdinals = []string{"一是", "二是", "三是", "四是", "五是", "六是"}

func hasNotesProblems(b *Bulletin) bool { return b.Notes != nil && len(b.Notes.Problems) > 0 }

func risingAlarmsSentence(w *words, b *Bulletin) string {
	if b.Critique == nil || len(b.Critique.RisingAlarms) == 0 {
		return ""
	}
	var parts []string
	for _, r := range b.Critique.RisingAlarms {
		c := r.Alarms
		base := w.pick(fmt.Sprintf("上期%s起", w.base(c.Base)), "previous "+w.base(c.Base))
		if c.Prorated || c.Source != campaign.BasePrevious {
			base = w.pick(fmt.Sprintf("上期折算%s起", w.base(c.Base)), "previous pro-rated "+w.base(c.Base))
		}
		parts = append(parts, w.pick(fmt.Sprintf("%s上升%.2f%%（%d起，%s）", w.district(r.District), campaign.Round(c.Change.Value, 2), c.Current, base),
			fmt.Sprintf("%s up %.2f%% (%d against %s)", w.district(r.District), campaign.Round(c.Change.Value, 2), c.Current, base)))
	}
	return w.pick("部分单位刑事类警情较上期上升："+strings.Join(parts, "；")+"。", "Criminal alarms rose against the previous bulletin in "+strings.Join(parts, "; ")+".")
}

func lowCoverageSentence(w *words, b *Bulletin) string {
	if b.Critique == nil || len(b.Critique.LowCoverage) == 0 {
		return ""
	}
	var parts []string
	for _, r := range b.Critique.LowCoverage {
		parts = append(parts, w.pick(fmt.Sprintf("%s%.2f%%（%d/%d处次）", w.district(r.District), r.Percent, r.Covered, r.SiteNights),
			fmt.Sprintf("%s %.2f%% (%d of %d site-nights)", w.district(r.District), r.Percent, r.Covered, r.SiteNights)))
	}
	return w.pick(fmt.Sprintf("夜市巡防覆盖不足%d%%：", LowCoveragePercent)+strings.Join(parts, "；")+"。",
		fmt.Sprintf("Night markets patrolled on fewer than %d%% of nights: ", LowCoveragePercent)+strings.Join(parts, "; ")+".")
}

func unclearedSentence(w *words, b *Bulletin) string {
	if b.Critique == nil || b.Critique.Uncleared == 0 {
		return ""
	}
	return w.pick(fmt.Sprintf("本期提示的重点警情中有%d条至今未清除（案件未破或警情未办结），须跟踪督办。", b.Critique.Uncleared),
		fmt.Sprintf("%d of the period's priority alerts are still not cleared (case unsolved or alarm not closed): follow them up.", b.Critique.Uncleared))
}

// alertSummarySection is a 周通报's priority alerts: the summary, and the
// slowest to clear.
func alertSummarySection(d doc, b *Bulletin, w *words) {
	if len(b.Alerts) == 0 {
		d.para(w.pick("本期无重点警情提示。", "No priority alert in the period."))
		return
	}
	d.para(alertSummary(w, b))
	shown := slowestFirst(b.Alerts)
	alertRows(d, shown, w, 5)
}

func practicesSection(d doc, b *Bulletin, w *words) { noteBlocks(d, b.Notes.Practices) }
func nextStepsSection(d doc, b *Bulletin, w *words) { noteBlocks(d, b.Notes.NextSteps) }

// allNotesSection is a 日动态's notes: each topic given, under its name.
func allNotesSection(d doc, b *Bulletin, w *words) {
	for _, t := range []struct {
		zh, en string
		bs     []NoteBlock
	}{{"主要做法", "Practices", b.Notes.Practices}, {"存在问题", "Problems", b.Notes.Problems}, {"下步工作", "Next steps", b.Notes.NextSteps}} {
		if len(t.bs) > 0 {
			d.subheading(w.pick(t.zh, t.en))
			noteBlocks(d, t.bs)
		}
	}
}

// noteBlocks writes the office's paragraphs and list items as they are.
func noteBlocks(d doc, bs []NoteBlock) {
	var items []string
	flush := func() {
		if len(items) > 0 {
			d.items(items)
			items = nil
		}
	}
	for _, blk := range bs {
		if blk.Item {
			items = append(items, blk.Text)
			continue
		}
		flush()
		d.para(blk.Text)
	}
	flush()
}

// slowestFirst orders alerts by their time to clear, the uncleared first.
func slowestFirst(alerts []AlertRow) []AlertRow {
	shown := slices.Clone(alerts)
	key := func(a AlertRow) float64 {
		if a.Minutes < 0 {
			return 1e18
		}
		return a.Minutes
	}
	slices.SortStableFunc(shown, func(a, c AlertRow) int {
		switch ka, kc := key(a), key(c); {
		case ka > kc:
			return -1
		case ka < kc:
			return 1
		}
		return 0
	})
	return shown
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
