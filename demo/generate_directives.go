package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"sitboard/feed"
)

// The office's instructions (指令) and each district's sign-off and
// feedback (docs/figures.md, "Instructions"): ILLUSTRATIVE, not
// published. The article says the office led and coordinated (牵头抓总、
// 协调推动), not what it sent down or when the counties answered; these
// instructions, sign-offs and reports are made up, deterministically.
//
// Like the supervision's, they come from a random stream of their own and
// are added once every other event has its id, under ids of their own
// (zk23-dr-NNNNN, in time order), so the recording without them is byte
// for byte what it was (TestGeneratedDirectives). None of them moves the
// state's clock or a figure: the 66 figures stay.

// directivesStream seeds the instructions' stream: the seed, and a
// constant of its own.
const directivesStream = 0xd12e_c71e_2023_0625

// Shape of the instructions in the shipped recording.
const (
	// directivesPerWeek is how many a week, 1 to 3 (about 2).
	directivesPerWeekMin, directivesPerWeekMax = 1, 3
	// zoneShare is the instructions, in percent, sent to one zone rather
	// than to every district (with zones in the campaign file).
	zoneShare = 40
	// neverSignShare and neverReportShare are the sign-offs and reports,
	// in per mille, that never come: a few overdue to the end.
	neverSignShare, neverReportShare = 10, 20
)

// directiveLevel is a level's windows: the sign-off and report deadlines
// after the instruction, in seconds.
var directiveLevels = []struct {
	level        string
	weight       int64
	sign, report int64
}{
	{feed.LevelUrgent, 25, hour / 2, 6 * hour},
	{feed.LevelExpedited, 35, 2 * hour, day},
	{feed.LevelRoutine, 40, 4 * hour, 2 * day},
}

var directiveTexts = []string{
	"今晚22时起开展全市夜间集中清查，重点检查夜市、娱乐场所、网吧",
	"加强暑期校园及周边巡逻防控，落实护学岗",
	"对辖区寄递物流网点开展实名收寄专项检查",
	"开展易制爆危险化学品使用单位隐患排查",
	"组织电诈预警劝阻回访，重点群体逐人见面",
	"强化汛期重点部位巡查，落实应急值守力量",
	"开展涉黑涉恶线索集中研判，限时上报进展",
	"排查化解农村宅基地、土地流转矛盾纠纷",
	"加强夜间交通秩序整治，严查酒驾醉驾和飙车炸街",
	"落实武装执勤点和街面警务站勤务，严格备勤",
	"对在逃人员开展集中清查追逃",
	"对重点单位开展安全检查，发现隐患限期整改",
}

var directiveReports = []string{
	"已传达部署，出动警力%d人次，检查场所%d处",
	"已落实，开展巡逻%d组次，整改隐患%d处",
	"已组织实施，走访见面%d人，化解纠纷%d起",
	"已完成，检查单位%d家，下发整改通知%d份",
	"已部署到各派出所，出动%d人次，查处违法行为%d起",
}

// directives adds the office's instructions and the districts' sign-offs
// and reports.
func (g *gen) directives() {
	r := rng{rand.NewPCG(uint64(g.seed), directivesStream)}
	// Each district answers at its own pace, drawn once: its answers
	// come within 10% to 85% of the deadline window, times 1.5, so only
	// the slowest are ever late.
	pace := make([]int64, len(g.dists))
	for i := range pace {
		pace[i] = int64(10 + r.intn(76))
	}
	levelW := make([]int64, len(directiveLevels))
	for i, l := range directiveLevels {
		levelW[i] = l.weight
	}
	var evs []rawEvent
	add := func(at int64, typ, district string, data any) {
		if at <= g.end {
			evs = append(evs, rawEvent{at: at, typ: typ, district: district, data: data})
		}
	}
	n := 0
	for week := 0; week*7 < g.days; week++ {
		count := r.between(directivesPerWeekMin, directivesPerWeekMax)
		for range count {
			d := week*7 + r.intn(7)
			if d >= g.days {
				continue
			}
			n++
			at := g.dayStart(d) + int64([]int{8, 9, 10, 15, 16}[r.intn(5)])*hour + int64(r.intn(4))*15*60
			lv := directiveLevels[r.pick(levelW)]
			to := []string{feed.DirectiveAll}
			targets := g.dists
			if zones := g.cfg.Zones; len(zones) > 0 && r.intn(100) < zoneShare {
				z := zones[r.intn(len(zones))]
				to = []string{z.ID}
				targets = nil
				for _, di := range g.dists {
					if z.Holds(di.id) {
						targets = append(targets, di)
					}
				}
			}
			id := fmt.Sprintf("ZK-ZL-2023-%03d", n)
			sign, report := at+lv.sign, at+lv.report
			add(at, feed.TypeDirectiveIssued, feed.CityDistrict, feed.DirectiveIssued{DirectiveID: id, To: to,
				Text: r.one(directiveTexts), Level: lv.level, By: "市局夏季行动指挥部",
				DeadlineSign: g.wireTime(sign), DeadlineReport: g.wireTime(report)})
			for _, di := range targets {
				p := pace[g.byID[di.id]]
				by := di.zh + "值班室"
				if r.intn(1000) < neverSignShare {
					continue // never signed, nor reported: overdue to the end
				}
				// Mostly within the window; a slow district's tail runs
				// past it (late).
				signed := at + 60 + r.between64(0, lv.sign*p*3/200)
				signed -= signed % 60
				add(signed, feed.TypeDirectiveSigned, di.id, feed.DirectiveSigned{DirectiveID: id, By: by})
				if r.intn(1000) < neverReportShare {
					continue
				}
				reported := signed + r.between64(lv.report*p/400, lv.report*p*3/200)
				reported -= reported % 60
				text := fmt.Sprintf(r.one(directiveReports), 10+r.intn(190), 1+r.intn(40))
				add(reported, feed.TypeDirectiveReported, di.id, feed.DirectiveReported{DirectiveID: id, By: by, Text: text})
			}
		}
	}
	// Ids of their own in time order; an instruction before its sign-offs
	// at the same second, as added.
	slices.SortStableFunc(evs, func(a, b rawEvent) int { return int(a.at - b.at) })
	for i := range evs {
		evs[i].id = fmt.Sprintf("zk23-dr-%05d", i+1)
	}
	g.raw = append(g.raw, evs...)
}

// wireTime is a unix time as a time inside data.
func (g *gen) wireTime(at int64) time.Time { return time.Unix(at, 0).In(g.loc) }
