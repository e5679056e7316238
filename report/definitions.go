package report

import (
	"fmt"
	"strings"

	"sitboard/campaign"
)

// definitionsSection is the annex 指标说明: how the bulletin counts and
// compares, in the office's words, only what this kind of bulletin uses.
// It names no file: the rules are in docs/figures.md for whoever keeps the
// system, not for the readers of a bulletin.
func definitionsSection(d doc, b *Bulletin, w *words) {
	cfg := w.cfg
	var lines []string
	add := func(zh, en string) { lines = append(lines, w.pick(zh, en)) }
	zone := cfg.Campaign.Offset
	add(fmt.Sprintf("统计口径：各项数字按事件发生时间（UTC%s）计入行动日，行动开始前的事件计入首日，结束后的计入末日。", zone),
		fmt.Sprintf("What counts when: every figure counts on the campaign day of the event's own time (UTC%s); events before the first day count on it, after the last on the last.", zone))
	switch b.Kind {
	case campaign.PeriodDay:
		add("当日与前一日比较：当日未结束时，两日均计至同一整点（不含当前未满的一小时）；全日结束后，全日与前一日全日比较。",
			"The day against the day before: while the day runs, both are counted to the same whole hour (the running hour left out of both); once it ends, whole day against whole day.")
	default:
		add("环比（上期）：与上一期同类通报所列数字比较，两期天数不同的按天数折算；每类通报的第一期与行动前同期基数按天数折算比较，注明“折算”。",
			"Previous bulletin: compared with the figure the previous bulletin of the same kind printed, pro-rated by day where the periods differ in length. The first of each kind has none and is compared with the pre-campaign baseline pro-rated by day, marked as such.")
		add("同比：与去年同期行动数按天数折算比较（去年同期数×本期天数÷行动天数）；行动全程与去年同期全数比较。",
			"Against last year: last year's campaign figure pro-rated to the period's days (figure × days ÷ campaign days); the whole campaign against the whole figure.")
	}
	if noPrev, noLast := missingBaselines(cfg); b.Kind != campaign.PeriodDay && len(noPrev)+len(noLast) > 0 {
		var parts []string
		if len(noPrev) > 0 {
			parts = append(parts, w.pick(w.metricList(noPrev)+"无行动前基数，首期不作环比", w.metricList(noPrev)+" have no pre-campaign baseline (no comparison in a first period)"))
		}
		if len(noLast) > 0 {
			parts = append(parts, w.pick(w.metricList(noLast)+"无去年同期基数，不作同比", w.metricList(noLast)+" have no last-year figure (no comparison with last year)"))
		}
		add("未列比较的："+strings.Join(parts, "；")+"。", "Not compared: "+strings.Join(parts, "; ")+".")
	}
	add(fmt.Sprintf("小基数：比较的基数（前一日、上期或折算数）小于%d的，只列数字，不计升降幅度；单起案件不作比较。", campaign.MinBase),
		fmt.Sprintf("Small bases: where the base compared with (the day before, the previous bulletin, a pro-rated figure) is under %d, the counts are given without a percentage: one case more reads as tens of percent. A single named case is never compared.", campaign.MinBase))
	add("抓获犯罪嫌疑人：含办案抓获和抓获逃犯，后者另行注明。",
		"Suspects caught: those arrested in a case and wanted fugitives caught; the fugitives are also given apart.")
	if b.Kind != campaign.PeriodDay {
		add("破案率、化解率：本期破案（化解）数÷（期初结转未破（未化解）数＋本期立案（排查）数），此前立案、本期破获的计入本期；日动态不计比率。",
			"Clearance and resolution rates: solved (resolved) in the period ÷ (still open at its start + filed, or found, in it); an earlier case solved in the period counts in it. A day has no rate.")
		add("在用力量：督察组、岗点、执法站、卡点按期末在用数计，另列本期新开数，不作增减比较。",
			"Standing forces: supervision teams, duty posts, enforcement stations and checkpoints count as in service at the period's end, with the openings in the period apart; never compared as a rise or fall.")
		if b.Flagged {
			add(fmt.Sprintf("红黄旗：按周、半月、月各授一次，得分前%d名授红旗、后%d名授黄旗；本期未结束的为暂定，不计入累计。日动态不授旗。", cfg.Flags.Red, cfg.Flags.Yellow),
				fmt.Sprintf("Flags: awarded per week, half-month and month, a red flag to the top %d and a yellow to the bottom %d; a period still running has provisional flags, not in the tallies. A day has none.", cfg.Flags.Red, cfg.Flags.Yellow))
		}
		if b.Kind == campaign.PeriodMonth && len(b.Assessment) > 0 {
			add("月考核：满分100分，各项分值见表头；加扣分由行动办公室决定，计入所在月份；总分＝各项得分＋加扣分，按总分排名次。",
				"Monthly assessment: out of 100, each measure's points in its heading; points added or taken off are decided by the office and count in their month; the total is the points plus those, and places go by it.")
			for _, r := range cfg.Assessment.Rules {
				most := r.Max
				if most == 0 {
					most = campaign.MaxAdjustment
				}
				verb, verbEn := "扣", "taken off"
				if r.Points > 0 {
					verb, verbEn = "加", "added"
				}
				each, upTo := unsignedPoints(r.Points), unsignedPoints(most)
				what := r.En
				if what == "" {
					what = r.Zh
				}
				add(fmt.Sprintf("%s：每处%s%s分，每单位每月最多%s%s分，计入整改期限所在月份；整改期限前整改完毕的不%s分，同一问题只计一次。", r.Zh, verb, each, verb, upTo, verb),
					fmt.Sprintf("%s: %s points %s for each, at most %s a month for a district, in the month its deadline passed; none for one put right by its deadline, and each counts once.", what, each, verbEn, upTo))
			}
		}
	}
	if len(b.Zones) > 0 && b.Kind != campaign.PeriodWeek {
		add("战区：以所辖单位合计的数量对其合计的任务数、人口和基数计分，与单位同一办法，不因所辖单位多少占优；战区不评红黄旗。",
			"Zones: each scored on its districts' counts together against their targets, residents and baselines together, as a district is, so holding more districts gains nothing; zones get no flags.")
	}
	if b.Supervision != nil && b.Kind != campaign.PeriodWeek {
		add("督察：督察次数、发现问题按督察日期计，整改按整改日期计入当期（不论问题何时发现），晚于整改期限的计逾期整改；未改为期末（期中为截至时点）尚未整改的问题，逾期未改为其中已过整改期限的。",
			"Supervision: visits and problems count on the day of the visit, rectifications on the day they were made (whenever found), late when after the deadline; open are the findings not put right at the period's end (or its instant while it runs), overdue those of them past their deadline.")
	}
	if cfg.SiteCount(campaign.SiteNightMarket) > 0 {
		add("夜市巡防：巡防上报列明某处夜市，即计该夜市当晚实巡一次；“晚”按上报时间所在行动日计。",
			"Night markets: a market counts as patrolled on a night when a shift report of that day names it.")
	}
	add("单位：人次、台次、家次按次计（一人一个班次计一次）；金额以万元计；折算数保留一位小数。",
		"Units: person-shifts, vehicle-shifts and visits count each time (one officer on one shift once); money in CNY; pro-rated bases to one decimal.")
	for _, l := range lines {
		d.note(l)
	}
}

// missingBaselines are the compared metrics the campaign file gives no
// pre-campaign (previous) or last-year baseline for.
func missingBaselines(cfg *campaign.Config) (noPrev, noLast []string) {
	for _, m := range campaign.Metrics {
		if _, ok := cfg.Baselines.Previous[m]; !ok {
			noPrev = append(noPrev, m)
		}
		if _, ok := cfg.Baselines.LastYear[m]; !ok {
			noLast = append(noLast, m)
		}
	}
	return noPrev, noLast
}

func (w *words) metricList(ms []string) string {
	var names []string
	for _, m := range ms {
		names = append(names, w.metric(m))
	}
	return strings.Join(names, w.pick("、", ", "))
}
