package report

import (
	"fmt"
	"strings"
	"time"

	"sitboard/campaign"
)

// Each kind of bulletin is its own document, as a campaign office writes
// them (the office's "日动态、周通报、半月讲评、月考核"):
//
//   - 日动态 (day): the day's key figures against the same hours of the
//     day before, its notable events, what is still open, the districts'
//     day; at most two A4 pages.
//   - 周通报 (week): the week's figures, the district table and its 红黄旗,
//     what went well and what badly.
//   - 半月讲评 (half-month): a critique naming the districts ahead and
//     behind and why, the problems, the office's narrative; the figures
//     in an annex.
//   - 月考核 (month): the assessment with each measure's points, 加扣分,
//     totals and places against last month, and the month's flags.
//   - 总结通报 (campaign): every figure of the campaign, by line of work.
//
// A document is a list of sections; a section whose show says no is left
// out, and the numbering closes up. Annexes (附件) follow the body.

// section is one numbered part of a bulletin.
type section struct {
	id    string
	title func(w *words, b *Bulletin) string
	// show leaves the section out of a bulletin it has nothing for; nil:
	// always shown.
	show  func(b *Bulletin) bool
	write func(d doc, b *Bulletin, w *words)
}

// documents are each kind's sections, in order. Sections that others add
// (issue 20's 110 table and shift reports due) go into these lists.
var documents = map[string][]section{
	campaign.PeriodDay: {
		{id: "day-figures", title: fixed("主要警情和工作数据", "Key figures"), write: dayFiguresSection},
		{id: "day-events", title: fixed("重点案件和警情", "Notable cases and alerts"), write: dayEventsSection},
		{id: "open-items", title: fixed("待办和超时事项", "Open and overdue"), write: openItemsSection},
		{id: "directives", title: fixed("指令签收与反馈", "Instructions: sign-off and feedback"), show: hasDirectives, write: directivesSection},
		{id: "district-day", title: fixed("各单位当日数据", "Districts on the day"), write: districtFiguresSection},
		{id: "notes", title: fixed("工作要求", "Instructions"), show: hasNotes, write: allNotesSection},
	},
	campaign.PeriodWeek: {
		{id: "overview", title: fixed("总体情况", "Overview"), write: overviewSection},
		{id: "work", title: fixed("主要工作成效", "Work done"), write: linesOfWorkSection},
		{id: "ranking", title: fixed("各地排名与红黄旗", "District ranking and flags"), write: rankingSection},
		{id: "zones", title: fixed("各战区情况", "Zones"), show: hasZones, write: zonesSection},
		{id: "response", title: fixed("接处警时效和勤务报送", "Response times and shift reports"), write: weekResponseSection},
		{id: "directives", title: fixed("指令签收与反馈", "Instructions: sign-off and feedback"), show: hasDirectives, write: directivesSection},
		{id: "supervision", title: fixed("督察情况", "Supervision"), show: hasSupervision, write: supervisionSection},
		{id: "critique", title: fixed("工作讲评", "Review"), write: weekCritiqueSection},
		{id: "alerts", title: fixed("重点警情提示", "Priority alerts"), write: alertSummarySection},
		{id: "next-steps", title: fixed("下步工作", "Next steps"), show: hasNextSteps, write: nextStepsSection},
	},
	campaign.PeriodHalfMonth: {
		{id: "overview", title: fixed("总体情况", "Overview"), write: overviewSection},
		{id: "critique", title: fixed("各地工作讲评", "How the districts did"), write: critiqueSection},
		{id: "zones", title: fixed("各战区情况", "Zones"), show: hasZones, write: zonesSection},
		{id: "response", title: fixed("接处警时效和勤务报送", "Response times and shift reports"), write: responseAndReportsSection},
		{id: "directives", title: fixed("指令签收与反馈", "Instructions: sign-off and feedback"), show: hasDirectives, write: directivesSection},
		{id: "supervision", title: fixed("督察情况", "Supervision"), show: hasSupervision, write: supervisionSection},
		{id: "problems", title: fixed("存在问题", "Problems"), write: problemsSection},
		{id: "practices", title: fixed("主要做法", "Practices"), show: hasPractices, write: practicesSection},
		{id: "next-steps", title: fixed("下步工作", "Next steps"), show: hasNextSteps, write: nextStepsSection},
	},
	campaign.PeriodMonth: {
		{id: "assessment", title: fixed("考核结果", "Assessment"), write: assessmentSection},
		{id: "month-flags", title: fixed("本月红黄旗", "The month's flags"), write: monthFlagsSection},
		{id: "zones", title: fixed("各战区考核排名", "The zones' standing"), show: hasZones, write: zonesSection},
		{id: "response", title: fixed("接处警时效和勤务报送", "Response times and shift reports"), write: responseAndReportsSection},
		{id: "directives", title: fixed("指令签收与反馈", "Instructions: sign-off and feedback"), show: hasDirectives, write: directivesSection},
		{id: "supervision", title: fixed("督察情况", "Supervision"), show: hasSupervision, write: supervisionSection},
		{id: "overview", title: fixed("本月工作情况", "The month's work"), write: overviewSection},
		{id: "problems", title: fixed("存在问题", "Problems"), write: problemsSection},
		{id: "practices", title: fixed("主要做法", "Practices"), show: hasPractices, write: practicesSection},
		{id: "next-steps", title: fixed("下步工作", "Next steps"), show: hasNextSteps, write: nextStepsSection},
	},
	campaign.PeriodCampaign: {
		{id: "overview", title: fixed("总体情况", "Overview"), write: overviewSection},
		{id: "strike", title: lineTitle(campaign.LineStrike), write: strikeSection},
		{id: "patrol", title: lineTitle(campaign.LinePatrol), write: patrolSection},
		{id: "hazard", title: lineTitle(campaign.LineHazard), write: hazardSection},
		{id: "response", title: fixed("接处警时效和勤务报送", "Response times and shift reports"), write: responseAndReportsSection},
		{id: "directives", title: fixed("指令签收与反馈", "Instructions: sign-off and feedback"), show: hasDirectives, write: directivesSection},
		{id: "supervision", title: fixed("督察情况", "Supervision"), show: hasSupervision, write: supervisionSection},
		{id: "ranking", title: fixed("各地排名与红黄旗", "District ranking and flags"), write: rankingSection},
		{id: "zones", title: fixed("各战区情况", "Zones"), show: hasZones, write: zonesSection},
		{id: "alerts", title: fixed("重点警情提示、确认及处置用时", "Priority alerts: time to acknowledge and to clear"), write: alertSection},
		{id: "problems", title: fixed("存在问题", "Problems"), write: problemsSection},
		{id: "practices", title: fixed("主要做法", "Practices"), show: hasPractices, write: practicesSection},
		{id: "next-steps", title: fixed("下步工作", "Next steps"), show: hasNextSteps, write: nextStepsSection},
	},
}

// annexes are each kind's annexes (附件), after the body.
var annexes = map[string][]section{
	campaign.PeriodDay: {
		{id: "definitions", title: fixed("指标说明", "Definitions"), write: definitionsSection},
	},
	campaign.PeriodWeek: {
		{id: "score-details", title: fixed("计分明细", "How the scores were computed"), write: flagDetailsSection},
		{id: "definitions", title: fixed("指标说明", "Definitions"), write: definitionsSection},
	},
	campaign.PeriodHalfMonth: {
		{id: "figures", title: fixed("本期主要数据", "The period's figures"), write: allFiguresSection},
		{id: "score-details", title: fixed("计分明细", "How the scores were computed"), write: flagDetailsSection},
		{id: "definitions", title: fixed("指标说明", "Definitions"), write: definitionsSection},
	},
	campaign.PeriodMonth: {
		{id: "assessment-details", title: fixed("考核计分明细", "How the assessment was computed"), show: hasAssessment, write: assessmentDetailsSection},
		{id: "flag-details", title: fixed("红黄旗计分明细", "How the flag scores were computed"), write: flagTableWithDetails},
		{id: "figures", title: fixed("本月主要数据", "The month's figures"), write: allFiguresSection},
		{id: "definitions", title: fixed("指标说明", "Definitions"), write: definitionsSection},
	},
	campaign.PeriodCampaign: {
		{id: "score-details", title: fixed("计分明细", "How the scores were computed"), write: flagDetailsSection},
		{id: "definitions", title: fixed("指标说明", "Definitions"), write: definitionsSection},
	},
}

// weekResponseSection is a 周通报's 110 table and its shift reports in
// brief: the districts and nights with a report late or missing.
func weekResponseSection(d doc, b *Bulletin, w *words) {
	responseSection(d, b, w)
	reportsBrief(d, b, w)
}

// responseAndReportsSection is the 110 table (出警时效) and the shift
// reports due (报送), response.go's.
func responseAndReportsSection(d doc, b *Bulletin, w *words) {
	responseSection(d, b, w)
	reportsSection(d, b, w)
}

func fixed(zh, en string) func(*words, *Bulletin) string {
	return func(w *words, _ *Bulletin) string { return w.pick(zh, en) }
}

func lineTitle(line string) func(*words, *Bulletin) string {
	return func(w *words, _ *Bulletin) string { return w.line(line) }
}

func hasNotes(b *Bulletin) bool      { return !b.Notes.Empty() }
func hasPractices(b *Bulletin) bool  { return b.Notes != nil && len(b.Notes.Practices) > 0 }
func hasNextSteps(b *Bulletin) bool  { return b.Notes != nil && len(b.Notes.NextSteps) > 0 }
func hasAssessment(b *Bulletin) bool { return len(b.Assessment) > 0 }

// compose writes a bulletin: its masthead, its sections and annexes, and
// its 版记.
func compose(d doc, b *Bulletin, w *words) {
	d.header(w.header(b))
	d.note(w.sourceLine(b))
	if b.Partial {
		d.para(w.pick("注意：事件日志的开头已按保留策略删除，本期数字不完整。", "Note: the log's beginning was dropped by retention; the counts are incomplete."))
	}
	n := 0
	for _, s := range documents[b.Kind] {
		if s.show != nil && !s.show(b) {
			continue
		}
		n++
		d.heading(w.section(n, s.title(w, b)))
		s.write(d, b, w)
	}
	n = 0
	for _, s := range annexes[b.Kind] {
		if s.show != nil && !s.show(b) {
			continue
		}
		n++
		d.appendix(w.pick(fmt.Sprintf("附件%d　%s", n, s.title(w, b)), fmt.Sprintf("Annex %d. %s", n, s.title(w, b))))
		s.write(d, b, w)
	}
	d.footer(w.footer(b))
}

// header is the masthead: the office's name for the document, its number
// (期号: the period's ordinal from the campaign's start, the day's for a
// 日动态), the issuing office and the date of issue.
func (w *words) header(b *Bulletin) docHeader {
	cfg := w.cfg
	short := w.pick(cfg.Campaign.ShortZh, cfg.Campaign.ShortEn)
	if short == "" {
		short = w.pick(b.NameZh, b.NameEn)
	}
	h := docHeader{
		Marking:  cfg.Bulletin.Marking(w.lang),
		Masthead: w.pick(short+w.kindTitle(b.Kind), short+": "+w.kindTitle(b.Kind)),
		Issuer:   w.issuer(b),
		Issued:   w.date(b.Issued),
		Title:    w.pick(b.CityZh+"公安"+b.NameZh, b.CityEn+" police: "+b.NameEn),
		Period:   w.period(b),
	}
	if num := issueNumber(b); num > 0 {
		h.Number = w.pick(fmt.Sprintf("第%d期", num), fmt.Sprintf("No. %d", num))
	}
	var status []string
	if b.Short {
		status = append(status, w.shortPeriod(b))
	}
	if b.ToDate {
		status = append(status, w.runningNote(b))
	}
	h.Status = strings.Join(status, w.pick("；", "; "))
	return h
}

// issueNumber is the 期号: the period's ordinal from the campaign's start
// (the campaign day for a 日动态); none for the closing bulletin.
func issueNumber(b *Bulletin) int {
	if b.Kind == campaign.PeriodDay {
		return b.Span.From
	}
	return b.Number
}

func (w *words) issuer(b *Bulletin) string {
	if s := w.cfg.Bulletin.Issuer(w.lang); s != "" {
		return s
	}
	return w.pick(b.CityZh+"公安"+b.NameZh+"办公室", b.CityEn+" police, "+b.NameEn+" office")
}

func (w *words) footer(b *Bulletin) docFooter {
	f := docFooter{Issuer: w.issuer(b), Issued: w.pick(w.date(b.Issued)+"印发", "Issued "+w.date(b.Issued))}
	if s := w.cfg.Bulletin.ReportTo(w.lang); s != "" {
		f.ReportTo = w.pick("报：", "To: ") + s
	}
	if s := w.cfg.Bulletin.CopyTo(w.lang); s != "" {
		f.CopyTo = w.pick("送：", "Copy: ") + s
	}
	return f
}

// kindTitle is the document's name: 日动态, 周通报, ….
func (w *words) kindTitle(kind string) string {
	switch kind {
	case campaign.PeriodDay:
		return w.pick("日动态", "Daily update")
	case campaign.PeriodWeek:
		return w.pick("周通报", "Weekly bulletin")
	case campaign.PeriodHalfMonth:
		return w.pick("半月讲评", "Half-month review")
	case campaign.PeriodMonth:
		return w.pick("月考核", "Monthly assessment")
	}
	return w.pick("总结通报", "Closing bulletin")
}

// shortPeriod labels a period cut by the campaign's start or end, with
// its dates: 本月考核期为6月25日至30日，共6天（行动自6月25日开始，不足整月）.
func (w *words) shortPeriod(b *Bulletin) string {
	what := map[string][2]string{
		campaign.PeriodWeek:      {"不足整周", "less than a full week"},
		campaign.PeriodHalfMonth: {"不足半月", "less than a full half-month"},
		campaign.PeriodMonth:     {"不足整月", "less than a full month"},
	}[b.Kind]
	why := w.pick("行动自"+w.shortDate(w.cfg.Campaign.Start)+"开始", "the campaign began on "+w.shortDate(w.cfg.Campaign.Start))
	if b.Span.From > 1 {
		why = w.pick("行动于"+w.shortDate(w.cfg.Campaign.End)+"结束", "the campaign ended on "+w.shortDate(w.cfg.Campaign.End))
	}
	days := b.PeriodDays
	return w.pick(fmt.Sprintf("本期为%s至%s，共%d天（%s，%s，日历期%d天）", w.shortDate(b.From), w.shortDate(w.cfg.Date(b.Span.From+days-1).Format(time.DateOnly)), days, why, what[0], b.CalendarDays),
		fmt.Sprintf("a short period: %s to %s, %d days (%s; %s of %d days)", w.shortDate(b.From), w.shortDate(w.cfg.Date(b.Span.From+days-1).Format(time.DateOnly)), days, why, what[1], b.CalendarDays))
}

// runningNote says a bulletin's period had not ended when it was taken.
func (w *words) runningNote(b *Bulletin) string {
	if b.Kind == campaign.PeriodDay {
		return w.pick(fmt.Sprintf("本日未完：数据%s，与前一日同时段相比", w.asOf(b)),
			fmt.Sprintf("the day is still running: figures %s, compared with the day before to the same hour", w.asOf(b)))
	}
	return w.pick(fmt.Sprintf("本期%d天尚未结束：数据%s（当日计至整点），环比、同比只比已结束的%d天，红黄旗为暂定", b.PeriodDays, w.asOf(b), b.Elapsed.Days),
		fmt.Sprintf("the %d-day period is still running: figures %s (the day running to its whole hour); comparisons over the %d complete days; flags provisional", b.PeriodDays, w.asOf(b), b.Elapsed.Days))
}

// shortDate is 6月25日 / 25 June.
func (w *words) shortDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return w.pick(fmt.Sprintf("%d月%d日", t.Month(), t.Day()), t.Format("2 January"))
}

// sourceLine names the data: the period's own events, and the log's seq.
func (w *words) sourceLine(b *Bulletin) string {
	n := w.count(float64(b.PeriodEvents))
	s := w.pick(fmt.Sprintf("数据来源：本期事件%s条", n), fmt.Sprintf("Source: %s events in the period", n))
	if b.Seq > 0 {
		s += w.pick(fmt.Sprintf("（事件日志至序号%d）", b.Seq), fmt.Sprintf(" (the hub's log to seq %d)", b.Seq))
	}
	return s + w.pick("。", ".")
}
