package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"sitboard/feed"
)

// The 12 督察组's visits and findings (docs/figures.md, "Supervision"):
// ILLUSTRATIVE, not published. The article gives the teams' number and
// their work (异地督察、巡回督察, 明察暗访); these visits, what they found and
// when it was put right are made up, deterministically.
//
// They come from a random stream of their own and are added once every
// other event has its id, under ids of their own (zk23-sv-NNNNN, in time
// order): every other event of the recording keeps its time, its data, its
// id and its order, so the recording without the supervision lines is
// byte for byte what it was (TestGeneratedSupervision).

// supervisionStream seeds the supervision's stream: the seed, and a
// constant of its own.
const supervisionStream = 0x5e7a_0ac7_2023_0625

// Shape of the supervision in the shipped recording.
const (
	// visitsPerWeek is each team's visits a week, 2 or 3.
	visitsPerWeekMin, visitsPerWeekMax = 2, 3
	// lateShare and neverShare are the findings, in percent, rectified
	// after their deadline and not rectified in the campaign.
	lateShare, neverShare = 12, 2
)

var supervisionFocus = []struct {
	focus    string
	findings []string
}{
	{"督责任：“夏季行动”组织部署和责任落实情况", []string{"行动方案未细化到派出所", "领导带班值守记录缺失", "专项行动会议部署未传达到基层所队", "战区分包责任未明确到人"}},
	{"督进度：夜间巡防和卡点勤务开展情况", []string{"卡点夜间无人值守", "巡逻车辆夜间未按规定路线巡逻", "夜市周边巡防力量不足", "武装执勤点备勤人员不在岗"}},
	{"督进度：重点单位隐患排查整改情况", []string{"寄递物流网点实名收寄未落实", "易制爆危化品出入库台账不全", "重点单位隐患整改未销号", "学校周边护学岗未按时上岗"}},
	{"督实效：接处警和群众求助处置情况", []string{"接处警记录填写不规范", "警情回访未按规定开展", "群众求助处置反馈超时", "执法记录仪未全程开启"}},
	{"督实效：矛盾纠纷排查化解情况", []string{"矛盾纠纷排查台账与实际不符", "重点纠纷未落实包案责任", "化解情况未按时回访"}},
}

var rectifiedNotes = []string{"已整改到位", "已增派警力加强值守", "台账已补齐并建立复核制度", "已约谈相关负责人并整改", "已完善制度并组织培训", "已落实专人负责并复查"}

// supervision adds the teams' visits, findings and rectifications.
func (g *gen) supervision() {
	teams := g.cfg.Supervision.Teams
	if len(teams) == 0 {
		return
	}
	r := rng{rand.NewPCG(uint64(g.seed), supervisionStream)}
	var evs []rawEvent
	add := func(at int64, typ, district string, data any) {
		evs = append(evs, rawEvent{at: at, typ: typ, district: district, data: data})
	}
	n := 0
	for week := 0; week*7 < g.days; week++ {
		for k, team := range teams {
			visits := r.between(visitsPerWeekMin, visitsPerWeekMax)
			for v := range visits {
				// 异地督察: each team round the districts, a different one
				// each visit, starting where its number says.
				dist := g.dists[(k+week*3+v*4)%len(g.dists)]
				d := week*7 + r.intn(7)
				if d >= g.days {
					continue
				}
				mode := feed.ModeOpen
				at := g.dayStart(d) + int64(9+r.intn(8))*hour + int64(r.intn(60))*60
				if r.intn(100) < 40 {
					// 暗访: unannounced, mostly at night.
					mode = feed.ModeCovert
					at = g.dayStart(d) + int64(20+r.intn(3))*hour + int64(r.intn(60))*60
				}
				focus := supervisionFocus[r.intn(len(supervisionFocus))]
				found := []int{0, 0, 0, 1, 1, 1, 1, 2, 2, 3}[r.intn(10)]
				add(at, feed.TypeSupervisionVisit, dist.id, feed.SupervisionVisit{Team: team.ID, Mode: mode, Focus: focus.focus, Findings: int64(found)})
				for f := range found {
					n++
					id := fmt.Sprintf("DC-%s-%04d", team.ID, n)
					severity, days := feed.SeverityMinor, 7
					switch x := r.intn(10); {
					case x == 0:
						severity, days = feed.SeveritySevere, 3
					case x < 4:
						severity, days = feed.SeveritySerious, 5
					}
					deadline := g.dayStart(d+days) + 18*hour
					summary := focus.findings[(r.intn(len(focus.findings))+f)%len(focus.findings)]
					add(at, feed.TypeSupervisionFinding, dist.id, feed.SupervisionFinding{FindingID: id, Team: team.ID, Summary: summary,
						Severity: severity, Deadline: g.timeText(deadline)})
					var fixed int64
					switch x := r.intn(100); {
					case x < neverShare:
						continue // not put right in the campaign
					case x < neverShare+lateShare:
						fixed = deadline + r.between64(6*hour, 4*day)
					default:
						fixed = r.between64(at+4*hour, deadline-hour)
					}
					fixed -= fixed % 60
					if fixed > g.end {
						continue
					}
					add(fixed, feed.TypeSupervisionRectified, dist.id, feed.SupervisionRectified{FindingID: id, Note: rectifiedNotes[r.intn(len(rectifiedNotes))]})
				}
			}
		}
	}
	// Ids of their own in time order; a finding before its rectification
	// at the same second, as added.
	slices.SortStableFunc(evs, func(a, b rawEvent) int { return int(a.at - b.at) })
	for i := range evs {
		evs[i].id = fmt.Sprintf("zk23-sv-%05d", i+1)
	}
	g.raw = append(g.raw, evs...)
}

// timeText is a unix time as a wire time in the campaign's zone.
func (g *gen) timeText(at int64) string {
	return time.Unix(at, 0).In(g.loc).Format(time.RFC3339)
}
