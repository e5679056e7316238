package demo

import (
	"fmt"
	"slices"
	"time"

	"sitboard/feed"
)

// campaignStart opens the recording with the run marker, so a hub that
// folds it starts from nothing.
func (g *gen) campaignStart() {
	g.add(g.start, feed.TypeCampaignStarted, g.dists[0].id, "", feed.CampaignStarted{Run: 1, Note: "周口公安“夏季行动”启动"})
}

// operations: the launch, 12 supervision teams, two national cluster
// operations against telecom fraud, 28 night spot checks, and the monthly
// "三川利剑" concentrated drives.
func (g *gen) operations() {
	city := g.dists[0].id
	g.add(g.at(2023, 6, 25, 9, 0), feed.TypeOperation, city, "", feed.Operation{Kind: feed.OpOther, Name: "“夏季行动”暨“豫筑平安”行动启动部署"})
	for k := range 12 {
		d := g.dists[k%len(g.dists)]
		at := g.at(2023, 6, 25, 14, 0) + int64(k)*4*hour + g.r.int64n(hour)
		g.add(at, feed.TypeOperation, d.id, "", feed.Operation{Kind: feed.OpSupervision, Name: fmt.Sprintf("第%d督察组赴%s开展异地督察、明察暗访", k+1, d.zh)})
	}
	for k, at := range []int64{g.at(2023, 7, 19, 9, 0), g.at(2023, 9, 6, 9, 0)} {
		g.clusterOps = append(g.clusterOps, at)
		g.add(at, feed.TypeOperation, city, "", feed.Operation{Kind: feed.OpClusterCampaign, Name: fmt.Sprintf("发起打击电信网络诈骗全国集群战役(第%d次)", k+1)})
	}
	for k := range 28 {
		d := 1 + k*(g.days-2)/28 + g.r.intn(2)
		dist := g.dists[(k*3)%len(g.dists)]
		at := g.dayStart(d) + 21*hour + 30*60 + g.r.int64n(hour)
		g.add(at, feed.TypeOperation, dist.id, "", feed.Operation{Kind: feed.OpNightSpotCheck, Name: fmt.Sprintf("第%d次夜间临查临检统一行动(%s)", k+1, dist.zh)})
	}
	for k, at := range []int64{g.at(2023, 7, 1, 20, 0), g.at(2023, 8, 1, 20, 0), g.at(2023, 9, 1, 20, 0)} {
		g.add(at, feed.TypeOperation, city, "", feed.Operation{Kind: feed.OpOther, Name: fmt.Sprintf("“三川利剑”集中会战第%d轮", k+1)})
	}
}

// posts: 8 traffic enforcement stations, 260 traffic duty posts and 71
// armed duty points, street police stations and checkpoints, all opened in
// the first days of the campaign.
func (g *gen) posts() {
	open := func(kind, prefix, label string, n int, days int64) {
		for k := range n {
			i := g.district()
			if kind == feed.PostTrafficStation {
				i = k % len(g.dists)
			}
			at := g.start + 8*hour + g.r.int64n(days*day-10*hour)
			at = at - at%60
			g.add(at, feed.TypePatrolDeployed, g.dists[i].id, g.maybeGrid(i, 70), feed.PatrolDeployed{PostKind: kind,
				PostID: fmt.Sprintf("%s-%03d", prefix, k+1), Name: fmt.Sprintf("%s%s%d", g.dists[i].zh, label, k+1)})
		}
	}
	open(feed.PostTrafficStation, "JZ", "交警执法站", 8, 3)
	open(feed.PostTrafficDuty, "GW", "执勤执法岗", 260, 9)
	open(feed.PostCheckpoint, "KD", "武装执勤点(卡点)", 71, 6)
}

// fugitives: 13 homicide fugitives at large for ten years or more (most of
// them closing a backlog homicide), the telecom-fraud "financier" back from
// abroad after five years, and ordinary fugitives.
func (g *gen) fugitives() {
	for k := range 13 {
		var at int64
		var dist int
		if k < len(g.coldHomicides) && k < 9 {
			c := g.coldHomicides[k]
			at, dist = c.solvedAt-g.r.between64(hour, 5*hour), c.dist
		} else {
			dist = g.district()
			at = g.timeIn(g.r.intn(g.days), hoursOffice)
		}
		years := 10 + g.r.intn(20)
		g.add(at, feed.TypeFugitiveCaught, g.dists[dist].id, "", feed.FugitiveCaught{Crime: feed.CaseHomicide, YearsAtLarge: years,
			Summary: fmt.Sprintf("抓获潜逃%d年的命案逃犯某某", years)})
	}
	g.add(g.at(2023, 9, 12, 15, 20), feed.TypeFugitiveCaught, g.dists[g.byID["xiangcheng"]].id, "", feed.FugitiveCaught{Crime: feed.CaseTelecomFraud,
		YearsAtLarge: 5, Summary: "成功抓获潜逃境外5年的跨境电信诈骗犯罪“金主”某某"})
	crimes := []string{feed.CaseTheft, feed.CaseTheft, feed.CaseTelecomFraud, feed.CaseOther, feed.CaseOther, feed.CaseSeriousViolent}
	for range 46 {
		crime := g.r.one(crimes)
		years := g.r.intn(9)
		dist := g.district()
		g.add(g.timeIn(g.r.intn(g.days), hoursDay), feed.TypeFugitiveCaught, g.dists[dist].id, "", feed.FugitiveCaught{Crime: crime, YearsAtLarge: years,
			Summary: "抓获网上在逃人员某某"})
	}
}

// shiftReports: each evening every district reports its traffic
// enforcement shift, every patrol grid its area shift, and, on school days,
// every district its school-safety shift. The campaign totals are exact; a
// report's share follows its district, its day and some noise.
func (g *gen) shiftReports() {
	type slot struct {
		day, dist int
		grid      string
		base      int64
	}
	metrics := func(slots []slot, total int64, noise int) []int64 {
		w := make([]int64, len(slots))
		for i, s := range slots {
			w[i] = g.r.noisy(s.base, noise)
		}
		return apportion(total, w)
	}
	weekend := func(d int, pct int64) int64 {
		switch g.weekday(d) {
		case time.Friday, time.Saturday, time.Sunday:
			return 100 + pct
		}
		return 100
	}

	// Traffic enforcement: 12.3万 officer deployments, 1.1万 vehicles,
	// 28.6万 violations (published kinds exact, the rest "other").
	var tr []slot
	for d := range g.days {
		for i := range g.dists {
			tr = append(tr, slot{day: d, dist: i, base: g.r.noisy(g.distW[i]*weekend(d, 10)*100, 12)})
		}
	}
	officers := metrics(tr, 123_000, 8)
	vehicles := metrics(tr, 11_000, 12)
	kinds := []int64{997, 1843, 238, 8711, 741, 1210, 286_000 - 13_740}
	var viol [7][]int64
	for k, total := range kinds {
		viol[k] = metrics(tr, total, 30)
	}
	for n, s := range tr {
		at := g.dayStart(s.day) + 20*hour + g.r.int64n(90*60)
		v := feed.Violations{Unlicensed: viol[0][n], DrinkDriving: viol[1][n], DrunkDriving: viol[2][n], Speeding: viol[3][n],
			PassengerOverload: viol[4][n], CargoOverload: viol[5][n], Other: viol[6][n]}
		g.add(at, feed.TypeShiftReport, g.dists[s.dist].id, "", feed.ShiftReport{Duty: feed.DutyTraffic, Officers: officers[n],
			Vehicles: vehicles[n], Violations: v})
	}

	// Area patrol, one report per grid and night: 10.3万余 officers,
	// 30.5万余 volunteers, 23.7万余 persons and 10.2万余 vehicles checked.
	var area []slot
	for d := range g.days {
		for i, dist := range g.dists {
			for k, grid := range dist.grids {
				base := g.distW[i] * 1000 / int64(len(dist.grids)) * (4 + dist.gridW[k]) * weekend(d, 15)
				area = append(area, slot{day: d, dist: i, grid: grid, base: base})
			}
		}
	}
	aOfficers := metrics(area, 103_250, 10)
	aVolunteers := metrics(area, 305_250, 20)
	aPersons := metrics(area, 237_250, 20)
	aVehicles := metrics(area, 102_250, 20)
	covered := g.nightMarketsCovered()
	for n, s := range area {
		at := g.dayStart(s.day) + 22*hour + g.r.int64n(90*60)
		g.add(at, feed.TypeShiftReport, g.dists[s.dist].id, s.grid, feed.ShiftReport{Duty: feed.DutyArea, Officers: aOfficers[n],
			Volunteers: aVolunteers[n], PersonsChecked: aPersons[n], VehiclesChecked: aVehicles[n], Sites: covered[gridNight{s.grid, s.day}]})
	}

	// School safety (护校安园): 4200 officer deployments, mostly at the end
	// of June and when schools reopen in September.
	var sch []slot
	for d := range g.days {
		for i := range g.dists {
			sch = append(sch, slot{day: d, dist: i, base: g.distW[i] * g.schoolDay(d)})
		}
	}
	sOfficers := metrics(sch, 4200, 25)
	for n, s := range sch {
		if sOfficers[n] == 0 {
			continue
		}
		at := g.dayStart(s.day) + 16*hour + 30*60 + g.r.int64n(hour)
		g.add(at, feed.TypeShiftReport, g.dists[s.dist].id, "", feed.ShiftReport{Duty: feed.DutySchool, Officers: sOfficers[n]})
	}
}

// gridNight is one grid's area patrol on one night (0-based campaign day).
type gridNight struct {
	grid string
	day  int
}

// Storm nights: the remnants of typhoon Doksuri brought heavy rain to
// Henan at the end of July 2023; markets in some counties closed early.
var stormNights = []string{"2023-07-29", "2023-07-30", "2023-07-31"}

// ruralFrom is the position, in its county's list, of the first night
// market outside the county town: those are small township markets that
// open mostly at the weekend. The city district Chuanhui has none.
const ruralFrom = 4

// nightMarketsCovered decides which night markets each grid's area patrol
// covered each night ("夜市不收摊、警察不撤岗"): nearly all of them, every
// night. A township market is missed now and then on a weeknight (Monday
// to Thursday, when it may not open), any market very rarely, and on a
// storm night a county's markets are often shut. All draws come from
// siteR, never from r.
func (g *gen) nightMarketsCovered() map[gridNight][]string {
	storm := map[int]bool{}
	for _, s := range stormNights {
		t, err := time.ParseInLocation(time.DateOnly, s, g.loc)
		if err == nil {
			storm[g.dayOf(t.Unix())] = true
		}
	}
	city := g.byID["chuanhui"]
	out := map[gridNight][]string{}
	for d := range g.days {
		weeknight := g.weekday(d) >= time.Monday && g.weekday(d) <= time.Thursday
		for i, dist := range g.dists {
			stormHit := storm[d] && i != city && g.siteR.intn(100) < 60
			for k, id := range dist.siteIDs {
				rural := i != city && k >= ruralFrom
				missPerMille := 4
				switch {
				case stormHit && rural:
					missPerMille = 500
				case stormHit:
					missPerMille = 150
				case rural && weeknight:
					missPerMille = 45
				}
				if g.siteR.intn(1000) < missPerMille || dist.siteGrid[k] == "" {
					continue
				}
				key := gridNight{dist.siteGrid[k], d}
				out[key] = append(out[key], id)
			}
		}
	}
	return out
}

// schoolDay weighs a day for school work: term ends at June's end, summer
// holidays until late August, the new term in September.
func (g *gen) schoolDay(d int) int64 {
	t := time.Unix(g.dayStart(d), 0).In(g.loc)
	var w int64
	switch {
	case t.Month() == time.June:
		w = 70
	case t.Month() == time.September:
		w = 100
	case t.Month() == time.August && t.Day() >= 20:
		w = 80
	default:
		w = 8
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w = w * 3 / 10
	}
	return w
}

// inspections: one event per visit, in working hours (key units also at
// night), with hazards found and rectified spread exactly over the visits.
func (g *gen) inspections() {
	specs := []struct {
		unit      string
		visits    int64
		rectified int64
		zeroPct   int
		hours     []int64
	}{
		{feed.UnitHazchem, 268, 61, 70, hoursWork},
		{feed.UnitLogistics, 3759, 354, 88, hoursWork},
		{feed.UnitInternal, 18_373, 4506, 75, hoursWork},
		{feed.UnitSchool, 3650, 160, 94, hoursWork},
		{feed.UnitKeyUnit, 5420, 6184, 30, mixHours(hoursWork, hoursEvening)},
	}
	work := make([]int64, g.days)
	school := make([]int64, g.days)
	for d := range work {
		work[d] = g.r.noisy(100, 15)
		if wd := g.weekday(d); wd == time.Saturday || wd == time.Sunday {
			work[d] = work[d] * 35 / 100
		}
		school[d] = g.r.noisy(g.schoolDay(d), 15)
	}
	for _, sp := range specs {
		days := work
		if sp.unit == feed.UnitSchool {
			days = school
		}
		perDay := apportion(sp.visits, days)
		var visits []int64 // times
		var dists []int
		for d, n := range perDay {
			for range n {
				visits = append(visits, g.timeIn(d, sp.hours))
				dists = append(dists, g.district())
			}
		}
		w := make([]int64, len(visits))
		for i := range w {
			if g.r.intn(100) >= sp.zeroPct {
				w[i] = g.r.skewed(3)
			}
		}
		rect := apportion(sp.rectified, w)
		var notices []int64
		if sp.unit == feed.UnitInternal {
			notices = apportion(528, rect)
		}
		for i, at := range visits {
			in := feed.Inspection{UnitType: sp.unit, Unit: g.r.one(inspectionUnits[sp.unit]), Found: rect[i], Rectified: rect[i]}
			if notices != nil {
				in.Notices = notices[i]
			}
			g.add(at, feed.TypeInspection, g.dists[dists[i]].id, g.maybeGrid(dists[i], 50), in)
		}
	}
}

func mixHours(a, b []int64) []int64 {
	out := slices.Clone(a)
	for i := range out {
		out[i] += b[i]
	}
	return out
}

// disputes: 8421 identified through the "one police officer per village
// (grid)" mechanism, 8375 resolved (99.45%); the 46 left are mostly the
// newest ones.
func (g *gen) disputes() {
	perDay := apportion(8421, g.dayWeights(-20, 5, 10, 15))
	type disp struct {
		at   int64
		dist int
		grid string
	}
	var all []disp
	for d, n := range perDay {
		for range n {
			i := g.district()
			all = append(all, disp{at: g.timeIn(d, hoursDay), dist: i, grid: g.maybeGrid(i, 75)})
		}
	}
	slices.SortStableFunc(all, func(a, b disp) int { return int(a.at - b.at) })
	w := make([]int64, len(all))
	for i, d := range all {
		day := int64(g.dayOf(d.at) + 1)
		w[i] = day * day * day
	}
	open := map[int]bool{}
	for _, i := range g.r.sampleWeighted(w, 8421-8375) {
		open[i] = true
	}
	kindW := []int64{30, 18, 12, 14, 4, 14, 8}
	for i, d := range all {
		id := fmt.Sprintf("MD23-%05d", i+1)
		k := disputeKinds[g.r.pick(kindW)]
		dist := g.dists[d.dist].id
		g.add(d.at, feed.TypeDisputeFound, dist, d.grid, feed.DisputeFound{DisputeID: id, Kind: k.kind, Summary: g.fill(k.text, d.dist)})
		if !open[i] {
			g.add(g.later(d.at, 2*hour, 12*day, 60), feed.TypeDisputeResolved, dist, d.grid, feed.DisputeResolved{DisputeID: id})
		}
	}
}
