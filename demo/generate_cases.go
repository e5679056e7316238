package demo

import (
	"fmt"
	"slices"
	"time"

	"sitboard/feed"
)

// caseRec is one case through its life in the generated campaign.
type caseRec struct {
	id       string
	cat      string
	kind     string
	dist     int
	grid     string
	filedAt  int64 // 0: filed before the campaign (a backlog case)
	solvedAt int64 // 0: not solved in the campaign
	cold     bool
	group    bool
	loss     int64
	value    int64
	notable  string
	summary  string
}

func (c *caseRec) district(g *gen) string { return g.dists[c.dist].id }

const (
	hour = int64(3600)
	day  = 24 * hour
)

// caseVolumes are criminal cases filed (立案) in the campaign, by category.
// Published: theft 1595 (from 23.02% down on 2072), affray 77, vice 61,
// cross-border gambling 30, telecom fraud 410 (44.7% down on 741); all
// categories together 3900 (21.8% down on 4987). "other" takes the rest.
var caseVolumes = []struct {
	cat   string
	filed int64
	trend int
}{
	{feed.CaseSeriousViolent, 58, 20},
	{feed.CaseGang, 6, 0},
	{feed.CaseTheft, 1595, 30},
	{feed.CaseAffray, 77, 30},
	{feed.CaseVice, 61, 0},
	{feed.CaseCrossBorderGambling, 30, 0},
	{feed.CaseOnlineGambling, 14, 0},
	{feed.CaseTelecomFraud, 410, 30},
	{feed.CaseFoodDrugEnv, 23, 0},
	{feed.CaseMarriageFraud, 3, 0},
	{feed.CaseStreetRacing, 7, 0},
}

func (g *gen) cases() {
	filed := map[string][]*caseRec{}
	var all []*caseRec
	// Homicides start from the calls picked in alarms().
	for _, h := range g.homRefs {
		c := &caseRec{cat: feed.CaseHomicide, kind: feed.KindCriminal, dist: h.dist, grid: h.grid,
			filedAt: h.at + g.r.between64(30*60, 90*60)}
		filed[c.cat] = append(filed[c.cat], c)
	}
	var sum int64 = int64(len(g.homRefs))
	for _, v := range caseVolumes {
		filed[v.cat] = append(filed[v.cat], g.fileCases(v.cat, feed.KindCriminal, v.filed, v.trend)...)
		sum += v.filed
	}
	filed[feed.CaseOther] = g.fileCases(feed.CaseOther, feed.KindCriminal, totalCriminalCases-sum, 20)
	// The toxic health-food case is one of the food/drug/environment filings.
	toxic := g.notableFiling(filed[feed.CaseFoodDrugEnv], "toxic-health-food")
	toxic.filedAt = g.at(2023, 7, 6, 10, 20)
	// The organised-crime cases are filed in the first weeks.
	for i, c := range filed[feed.CaseGang] {
		c.filedAt = g.at(2023, 6, 27+i*3, 10+i, 15)
	}
	vAdmin := g.fileCases(feed.CaseVice, feed.KindAdministrative, 139, 0)
	racing := &caseRec{cat: feed.CaseStreetRacing, kind: feed.KindAdministrative, notable: "street-racing",
		dist: g.byID["chuanhui"], grid: g.grid(g.byID["chuanhui"]), filedAt: g.at(2023, 7, 29, 23, 40),
		summary: "网红某某驾驶改装车辆夜间飙车炸街"}
	for _, cat := range feed.CaseCategories {
		all = append(all, filed[cat]...)
	}
	all = append(all, vAdmin...)
	all = append(all, racing)
	slices.SortStableFunc(all, func(a, b *caseRec) int { return int(a.filedAt - b.filedAt) })
	for i, c := range all {
		c.id = fmt.Sprintf("AJ23-%05d", i+1)
	}
	g.setTelecomLosses(filed[feed.CaseTelecomFraud])
	for _, c := range all {
		texts := caseTexts[c.cat][0]
		if c.summary == "" {
			c.summary = g.fill(g.r.one(texts), c.dist)
		}
		if c.kind == feed.KindAdministrative && c.cat == feed.CaseVice {
			c.summary = g.r.one(viceAdminTexts)
		}
		g.add(c.filedAt, feed.TypeCaseFiled, c.district(g), c.grid, feed.CaseFiled{CaseID: c.id, Category: c.cat, Kind: c.kind,
			LossCNY: c.loss, Notable: c.notable, Summary: c.summary})
	}

	g.homicides(filed[feed.CaseHomicide])
	g.seriousViolent(filed[feed.CaseSeriousViolent])
	g.gang(filed[feed.CaseGang])
	g.theft(filed[feed.CaseTheft])
	g.affray(filed[feed.CaseAffray])
	g.vice(filed[feed.CaseVice], vAdmin)
	g.crossBorder(filed[feed.CaseCrossBorderGambling])
	g.onlineGambling(filed[feed.CaseOnlineGambling])
	g.telecom(filed[feed.CaseTelecomFraud])
	g.foodDrugEnv(filed[feed.CaseFoodDrugEnv], toxic)
	g.marriageFraud(filed[feed.CaseMarriageFraud])
	g.streetRacing(filed[feed.CaseStreetRacing], racing)
	g.other(filed[feed.CaseOther])
}

// at is a campaign-zone wall time.
func (g *gen) at(y int, m time.Month, d, h, min int) int64 {
	return time.Date(y, m, d, h, min, 0, 0, g.loc).Unix()
}

// fileCases spreads n filings over the campaign by day and office hours.
func (g *gen) fileCases(cat, kind string, n int64, trend int) []*caseRec {
	perDay := apportion(n, g.dayWeights(5, 8, trend, 20))
	var out []*caseRec
	for d, k := range perDay {
		for range k {
			i := g.district()
			out = append(out, &caseRec{cat: cat, kind: kind, dist: i, grid: g.maybeGrid(i, 60), filedAt: g.timeIn(d, hoursOffice)})
		}
	}
	return out
}

// notableFiling marks one filing of the category as a notable case, moved
// to a plausible date.
func (g *gen) notableFiling(cs []*caseRec, notable string) *caseRec {
	c := cs[len(cs)/4]
	c.notable = notable
	if n, ok := g.cfg.NotableByID(notable); ok {
		c.summary = "立案侦查" + n.Zh
	}
	return c
}

// setTelecomLosses gives each fraud filing its victims' loss, in whole
// hundreds of yuan, summing exactly to the campaign total.
func (g *gen) setTelecomLosses(cs []*caseRec) {
	w := make([]int64, len(cs))
	for i := range w {
		w[i] = g.r.skewed(30)
	}
	parts := apportion(totalTelecomLossCNY/100, w)
	for i, c := range cs {
		c.loss = parts[i] * 100
	}
}

// solveSome picks k of the filed cases to solve, later filings less likely,
// each after a delay in [lo, hi] seconds (skewed short).
func (g *gen) solveSome(cs []*caseRec, k int, lo, hi int64) []*caseRec {
	w := make([]int64, len(cs))
	for i, c := range cs {
		w[i] = (g.end-c.filedAt)/hour + 48
	}
	var out []*caseRec
	for _, i := range g.r.sampleWeighted(w, k) {
		c := cs[i]
		c.solvedAt = g.later(c.filedAt, lo, hi, 30*60)
		out = append(out, c)
	}
	if len(out) != k {
		panic(fmt.Sprintf("generate: wanted %d solved %s cases, have %d", k, cs[0].cat, len(out)))
	}
	return out
}

// coldCases makes n backlog cases (积案) of the category, solved at times
// spread over the campaign.
func (g *gen) coldCases(cat string, n int) []*caseRec {
	perDay := apportion(int64(n), g.dayWeights(0, 0, 0, 60))
	var out []*caseRec
	for d, k := range perDay {
		for range k {
			g.coldNo++
			i := g.district()
			out = append(out, &caseRec{id: fmt.Sprintf("JA-%d-%03d", 1995+g.r.intn(27), g.coldNo), cat: cat, kind: feed.KindCriminal,
				dist: i, cold: true, solvedAt: g.timeIn(d, hoursOffice)})
		}
	}
	return out
}

// emitSolved writes the case.solved events.
func (g *gen) emitSolved(cs []*caseRec) {
	for _, c := range cs {
		if c.solvedAt == 0 {
			continue
		}
		summary := g.fill(g.r.one(caseTexts[c.cat][1]), c.dist)
		if c.cold {
			if t, ok := coldTexts[c.cat]; ok {
				summary = g.r.one(t)
			} else {
				summary = "侦破一起积案：" + summary
			}
		}
		if c.notable != "" {
			if n, ok := g.cfg.NotableByID(c.notable); ok {
				summary = "成功侦破" + n.Zh
			}
		}
		if c.kind == feed.KindAdministrative && c.cat == feed.CaseVice {
			summary = "办结" + c.summary[len("查处"):]
		}
		g.add(c.solvedAt, feed.TypeCaseSolved, c.district(g), c.grid, feed.CaseSolved{CaseID: c.id, Category: c.cat, Kind: c.kind,
			Cold: c.cold, GroupBusted: c.group, ValueCNY: c.value, Notable: c.notable, Summary: summary})
	}
}

// spread distributes total persons (or yuan) of one action over the cases
// by weight, exactly, and writes one case.action per case that gets any,
// after its solve by a delay in [lo, hi] seconds. It returns each case's part.
func (g *gen) spread(cs []*caseRec, action string, total int64, weight func(*caseRec) int64, lo, hi int64) []int64 {
	return g.spreadFloor(cs, action, total, 0, weight, lo, hi)
}

// spreadFloor is spread with at least floor for every case: a solved case
// always shows what was done on it.
func (g *gen) spreadFloor(cs []*caseRec, action string, total, floor int64, weight func(*caseRec) int64, lo, hi int64) []int64 {
	w := make([]int64, len(cs))
	for i, c := range cs {
		w[i] = weight(c)
	}
	rest := total - floor*int64(len(cs))
	if rest < 0 {
		panic(fmt.Sprintf("generate: %d %s for %d cases cannot give each %d", total, action, len(cs), floor))
	}
	parts := apportion(rest, w)
	for i, c := range cs {
		parts[i] += floor
		if parts[i] == 0 {
			continue
		}
		a := feed.CaseAction{CaseID: c.id, Category: c.cat, Action: action, Notable: c.notable}
		if action == feed.ActionSeizure || action == feed.ActionRecovery {
			a.AmountCNY = parts[i]
		} else {
			a.Persons = parts[i]
		}
		at := g.later(c.solvedAt, lo, hi, 60)
		if at <= c.solvedAt {
			at = min(c.solvedAt+60, g.end)
		}
		g.add(at, feed.TypeCaseAction, c.district(g), c.grid, a)
	}
	return parts
}

// each is a spread helper: one action per case with persons from a range.
func (g *gen) each(cs []*caseRec, action string, lo, hi int, dlo, dhi int64) int64 {
	var n int64
	for _, c := range cs {
		p := int64(g.r.between(lo, hi))
		n += p
		at := g.later(c.solvedAt, dlo, dhi, 60)
		g.add(max(at, c.solvedAt+60), feed.TypeCaseAction, c.district(g), c.grid,
			feed.CaseAction{CaseID: c.id, Category: c.cat, Action: action, Persons: p, Notable: c.notable})
	}
	return n
}

func (g *gen) skewedWeight(k int) func(*caseRec) int64 {
	return func(*caseRec) int64 { return g.r.skewed(k) }
}

// earlyEnough weighs cases solved at least gap seconds before the end, so
// that slow steps such as prosecution fall inside the campaign.
func (g *gen) earlyEnough(gap int64, w func(*caseRec) int64) func(*caseRec) int64 {
	return func(c *caseRec) int64 {
		if c.solvedAt > g.end-gap {
			return 0
		}
		return w(c)
	}
}

// 发一破一: every new homicide solved within days; 13 backlog homicides.
func (g *gen) homicides(filed []*caseRec) {
	for _, c := range filed {
		c.solvedAt = g.later(c.filedAt, 4*hour, 5*day, hour)
	}
	cold := g.coldCases(feed.CaseHomicide, 13)
	g.emitSolved(filed)
	g.emitSolved(cold)
	g.each(filed, feed.ActionArrest, 1, 2, 60, 20*60)
	g.each(filed, feed.ActionCriminalMeasure, 1, 2, 6*hour, 30*hour)
	g.each(cold, feed.ActionArrest, 1, 1, 60, 20*60)
	g.coldHomicides = cold
}

// Serious violent crime solved = 71 with the 19 homicides: 52 here.
func (g *gen) seriousViolent(filed []*caseRec) {
	solved := g.solveSome(filed, 49, 2*hour, 25*day)
	cold := g.coldCases(feed.CaseSeriousViolent, 3)
	g.emitSolved(solved)
	g.emitSolved(cold)
	g.each(append(solved, cold...), feed.ActionArrest, 1, 3, 60, 30*60)
}

// Two organised-crime groups broken up, 160-odd arrested, assets of 1.82
// hundred million yuan seized, 98 prosecuted.
func (g *gen) gang(filed []*caseRec) {
	// The two group cases are solved in late summer.
	solved := filed[:5]
	dates := []int64{g.at(2023, 8, 3, 5, 30), g.at(2023, 8, 24, 4, 50), g.at(2023, 7, 21, 15, 0), g.at(2023, 8, 15, 10, 20), g.at(2023, 9, 8, 16, 40)}
	for i, c := range solved {
		c.solvedAt = dates[i]
	}
	solved[0].group, solved[1].group = true, true
	g.emitSolved(solved)
	big := func(c *caseRec) int64 {
		if c.group {
			return 50 + g.r.skewed(3)
		}
		return 10 + g.r.skewed(3)
	}
	g.spreadFloor(solved, feed.ActionArrest, 165, 1, big, 60, 3*hour)
	g.spreadFloor(solved, feed.ActionCriminalMeasure, 158, 1, big, day, 3*day)
	// Seizures come in several rounds on the two group cases.
	var rounds []*caseRec
	for _, c := range solved[:2] {
		for range 3 {
			rounds = append(rounds, c)
		}
	}
	w := []int64{40, 25, 10, 35, 20, 12}
	parts := apportion(182_036_400/100, w)
	for i, c := range rounds {
		at := g.later(c.solvedAt, hour*int64(1+i%3*30), hour*int64(12+i%3*60), day)
		g.add(at, feed.TypeCaseAction, c.district(g), c.grid, feed.CaseAction{CaseID: c.id, Category: c.cat, Action: feed.ActionSeizure, AmountCNY: parts[i] * 100})
	}
	g.spread(solved, feed.ActionProsecution, 98, g.earlyEnough(15*day, big), 12*day, 30*day)
}

// 741 theft cases solved, 730 of the 1595 filed (45.77%) and 11 backlog; 644 arrested.
func (g *gen) theft(filed []*caseRec) {
	solved := g.solveSome(filed, 730, hour, 30*day)
	cold := g.coldCases(feed.CaseTheft, 11)
	all := append(solved, cold...)
	g.emitSolved(all)
	arrested := g.spread(all, feed.ActionArrest, 644, g.skewedWeight(3), 60, 2*hour)
	// A case solved without an arrest was committed by someone already in
	// custody for another one (串并案): the action is a compulsory measure.
	var held []*caseRec
	for i, c := range all {
		if arrested[i] == 0 {
			held = append(held, c)
		}
	}
	g.each(held, feed.ActionCriminalMeasure, 1, 1, hour, day)
}

// Affray: 77 cases, 261 persons under criminal compulsory measures.
func (g *gen) affray(filed []*caseRec) {
	solved := g.solveSome(filed, 72, hour, 10*day)
	g.emitSolved(solved)
	w := func(*caseRec) int64 { return 2 + g.r.skewed(3) }
	g.spreadFloor(solved, feed.ActionArrest, 275, 1, w, 60, 3*hour)
	g.spreadFloor(solved, feed.ActionCriminalMeasure, 261, 1, w, 6*hour, 2*day)
}

// Vice: 61 criminal cases, 306 under measures; 139 administrative cases,
// 817 persons penalised.
func (g *gen) vice(filed, admin []*caseRec) {
	solved := g.solveSome(filed, 58, hour, 12*day)
	g.emitSolved(solved)
	g.spreadFloor(solved, feed.ActionCriminalMeasure, 306, 1, func(*caseRec) int64 { return 1 + g.r.skewed(3) }, 6*hour, 2*day)
	for _, c := range admin {
		c.solvedAt = g.later(c.filedAt, hour, 3*day, 60)
	}
	g.emitSolved(admin)
	g.spreadFloor(admin, feed.ActionAdminPenalty, 817, 1, func(*caseRec) int64 { return 2 + g.r.skewed(3) }, 60, 4*hour)
}

// Cross-border gambling: 30 cases, 968 under measures, 729 sent for prosecution.
func (g *gen) crossBorder(filed []*caseRec) {
	solved := g.solveSome(filed, 27, 2*day, 30*day)
	g.emitSolved(solved)
	weights := map[*caseRec]int64{}
	for _, c := range solved {
		weights[c] = g.r.skewed(6)
	}
	w := func(c *caseRec) int64 { return weights[c] }
	g.spreadFloor(solved, feed.ActionArrest, 1010, 1, w, 60, 6*hour)
	g.spreadFloor(solved, feed.ActionCriminalMeasure, 968, 1, w, day, 3*day)
	g.spread(solved, feed.ActionProsecution, 729, g.earlyEnough(12*day, w), 8*day, 30*day)
}

// The "4·20" online gambling platform case, filed in April and solved in
// the campaign: 22-odd million yuan recovered.
func (g *gen) onlineGambling(filed []*caseRec) {
	solved := g.solveSome(filed, 11, day, 30*day)
	c420 := &caseRec{id: "AJ23-0420-01", cat: feed.CaseOnlineGambling, kind: feed.KindCriminal, notable: "case-0420",
		dist: g.byID["xiangcheng"], cold: true, solvedAt: g.at(2023, 7, 18, 6, 10)}
	all := append(solved, c420)
	g.emitSolved(all)
	g.spreadFloor(all, feed.ActionArrest, 96, 1, func(c *caseRec) int64 {
		if c.notable != "" {
			return 40
		}
		return 4 + g.r.skewed(2)
	}, 60, 4*hour)
	for i, amt := range []int64{9_180_000, 8_640_500, 4_565_900} {
		at := c420.solvedAt + int64(i)*5*day + 3*hour
		g.add(at, feed.TypeCaseAction, c420.district(g), "", feed.CaseAction{CaseID: c420.id, Category: c420.cat,
			Action: feed.ActionRecovery, AmountCNY: amt, Notable: c420.notable})
	}
}

// Telecom fraud: 317 solved (281 of this year's 410 and 36 older), 1446
// arrested, many of them in the two national cluster operations.
func (g *gen) telecom(filed []*caseRec) {
	solved := g.solveSome(filed, 281, day, 40*day)
	cold := g.coldCases(feed.CaseTelecomFraud, 36)
	all := append(solved, cold...)
	g.emitSolved(all)
	g.spreadFloor(all, feed.ActionArrest, 1446, 1, func(c *caseRec) int64 {
		w := g.r.skewed(4)
		for _, op := range g.clusterOps {
			if c.solvedAt >= op && c.solvedAt < op+10*day {
				w *= 4
			}
		}
		return w
	}, 60, 6*hour)
}

// Food, drug and environment: the toxic health-food case (15-odd million
// yuan) and the "9·28" hazardous waste series, a 2022 case.
func (g *gen) foodDrugEnv(filed []*caseRec, toxic *caseRec) {
	solved := g.solveSome(filed, 18, 3*day, 40*day)
	if !slices.Contains(solved, toxic) {
		solved = append(solved, toxic)
	}
	toxic.solvedAt = g.at(2023, 8, 22, 5, 0)
	toxic.value = 15_386_000
	c928 := &caseRec{id: "AJ22-0928-01", cat: feed.CaseFoodDrugEnv, kind: feed.KindCriminal, notable: "case-0928",
		dist: g.byID["shenqiu"], cold: true, solvedAt: g.at(2023, 8, 9, 9, 30), value: 2_740_000}
	all := append(solved, c928)
	g.emitSolved(all)
	g.spreadFloor(all, feed.ActionArrest, 74, 1, func(c *caseRec) int64 {
		if c.notable != "" {
			return 14
		}
		return 1 + g.r.skewed(2)
	}, 60, 5*hour)
}

// The "3·15" marriage fraud series, organising foreign women: a March case
// solved in the campaign.
func (g *gen) marriageFraud(filed []*caseRec) {
	solved := g.solveSome(filed, 2, 5*day, 30*day)
	c315 := &caseRec{id: "AJ23-0315-01", cat: feed.CaseMarriageFraud, kind: feed.KindCriminal, notable: "case-0315",
		dist: g.byID["dancheng"], cold: true, solvedAt: g.at(2023, 7, 27, 8, 45)}
	all := append(solved, c315)
	g.emitSolved(all)
	g.spreadFloor(all, feed.ActionArrest, 19, 1, func(c *caseRec) int64 {
		if c.notable != "" {
			return 12
		}
		return 3
	}, 60, 3*hour)
}

// Street racing (飙车炸街): dangerous-driving cases, and the online
// celebrity's case, an administrative one, named a national typical case.
func (g *gen) streetRacing(filed []*caseRec, racing *caseRec) {
	for _, c := range filed {
		c.solvedAt = g.later(c.filedAt, 6*hour, 5*day, hour)
	}
	racing.solvedAt = g.at(2023, 8, 2, 16, 30)
	all := append(slices.Clone(filed), racing)
	g.emitSolved(all)
	g.each(filed, feed.ActionCriminalMeasure, 1, 2, hour, day)
	g.add(racing.solvedAt+2*hour, feed.TypeCaseAction, racing.district(g), racing.grid, feed.CaseAction{CaseID: racing.id,
		Category: racing.cat, Action: feed.ActionAdminPenalty, Persons: 1, Notable: racing.notable})
}

func (g *gen) other(filed []*caseRec) {
	solved := g.solveSome(filed, len(filed)*47/100, hour, 30*day)
	g.emitSolved(solved)
	g.spreadFloor(solved, feed.ActionArrest, int64(len(solved))*6/5, 1, g.skewedWeight(3), 60, 3*hour)
}
