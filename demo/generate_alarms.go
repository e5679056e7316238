package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/feed"
)

// Hour-of-day weights (0..23). Summer nights in Zhoukou are long and busy:
// night markets and barbecue streets fill up after 20:00.
var (
	hoursNight   = []int64{70, 50, 34, 24, 18, 18, 26, 42, 60, 72, 78, 80, 78, 72, 70, 72, 78, 88, 100, 118, 136, 146, 134, 102}
	hoursTraffic = []int64{30, 20, 14, 10, 10, 16, 40, 90, 110, 80, 70, 72, 80, 72, 70, 76, 92, 115, 112, 90, 76, 64, 52, 40}
	hoursDay     = []int64{3, 2, 1, 1, 1, 2, 4, 15, 50, 90, 100, 95, 70, 75, 95, 100, 95, 80, 60, 45, 35, 20, 10, 5}
	hoursOffice  = []int64{2, 1, 1, 1, 1, 1, 2, 10, 60, 100, 100, 90, 50, 60, 100, 100, 90, 70, 30, 20, 15, 10, 6, 3}
	hoursWork    = []int64{0, 0, 0, 0, 0, 0, 0, 5, 60, 100, 100, 80, 20, 50, 100, 100, 80, 30, 0, 0, 0, 0, 0, 0}
	hoursEvening = []int64{6, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 60, 100, 90, 40}
)

// weekendNights lifts the night hours of Friday, Saturday and Sunday.
func weekendNights(h []int64) []int64 {
	out := slices.Clone(h)
	for _, i := range []int{0, 1, 19, 20, 21, 22, 23} {
		out[i] = out[i] * 13 / 10
	}
	return out
}

// lastDay drops the last hour so every lifecycle ends inside the campaign.
func lastDay(h []int64) []int64 {
	out := slices.Clone(h)
	out[23] = 0
	return out
}

// dayWeights is one weight per campaign day: weekends, the hot weeks of July
// and August, an optional downward trend (the campaign working), and noise.
func (g *gen) dayWeights(weekend, hot, trendPct, noise int) []int64 {
	w := make([]int64, g.days)
	for d := range w {
		x := int64(1000)
		switch g.weekday(d) {
		case time.Friday, time.Saturday, time.Sunday:
			x = x * int64(100+weekend) / 100
		}
		if m := g.month(d); m == time.July || m == time.August {
			x = x * int64(100+hot) / 100
		}
		// A linear trend from +trend/2 % on day 1 to -trend/2 % on the last.
		x = x * int64(100*g.days+trendPct*g.days/2-trendPct*d) / int64(100*g.days)
		w[d] = g.r.noisy(x, noise)
	}
	return w
}

type alarm struct {
	at       int64
	cat      string
	prio     int
	dist     int
	grid     string
	summary  string
	unit     string
	outcome  string
	dispatch int64 // seconds after receipt
	close    int64 // seconds after dispatch
}

type homicideRef struct {
	at   int64
	dist int
	grid string
}

// alarmVolumes are the campaign's 110 calls by category. Criminal and
// public-order totals are fixed by the published comparisons; the others
// are realistic volumes for a city of nine million in summer.
var alarmVolumes = []struct {
	cat   string
	total int64
	trend int
	hours []int64
}{
	{feed.AlarmCriminal, totalAlarmsCriminal, 24, hoursNight},
	{feed.AlarmPublicOrder, totalAlarmsPublicOrder, 40, hoursNight},
	{feed.AlarmTraffic, 8240, 10, hoursTraffic},
	{feed.AlarmDispute, 4610, 12, hoursDay},
	{feed.AlarmFire, 618, 0, hoursDay},
	{feed.AlarmRescue, 947, 0, hoursDay},
	{feed.AlarmOther, 2390, 0, hoursDay},
	{feed.AlarmMassIncident, 3, 0, hoursDay},
}

func (g *gen) alarms() {
	var all []alarm
	for _, v := range alarmVolumes {
		perDay := apportion(v.total, g.dayWeights(12, 10, v.trend, 14))
		for d, n := range perDay {
			hours := v.hours
			switch g.weekday(d) {
			case time.Friday, time.Saturday, time.Sunday:
				hours = weekendNights(hours)
			}
			if d == g.days-1 {
				hours = lastDay(hours)
			}
			for range n {
				all = append(all, g.newAlarm(v.cat, g.timeIn(d, hours)))
			}
		}
	}
	slices.SortStableFunc(all, func(a, b alarm) int { return int(a.at - b.at) })
	g.pickHomicides(all)
	perDay := map[int]int{}
	for _, a := range all {
		d := g.dayOf(a.at)
		perDay[d]++
		day := time.Unix(a.at, 0).In(g.loc).Format("20060102")
		id := fmt.Sprintf("JQ%s-%04d", day, perDay[d])
		district := g.dists[a.dist].id
		g.add(a.at, feed.TypeAlarmReceived, district, a.grid, feed.AlarmReceived{AlarmID: id, Category: a.cat, Priority: a.prio, Summary: a.summary})
		dispatched := a.at + a.dispatch
		g.add(dispatched, feed.TypeAlarmDispatched, district, a.grid, feed.AlarmDispatched{AlarmID: id, Category: a.cat, Unit: a.unit})
		closed := min(dispatched+a.close, g.end)
		g.add(closed, feed.TypeAlarmClosed, district, a.grid, feed.AlarmClosed{AlarmID: id, Category: a.cat, Outcome: a.outcome})
	}
}

func (g *gen) newAlarm(cat string, at int64) alarm {
	i := g.district()
	a := alarm{at: at, cat: cat, dist: i, grid: g.maybeGrid(i, 85)}
	d := g.dists[i]
	night := time.Unix(at, 0).In(g.loc).Hour()
	isNight := night >= 19 || night < 3
	tx := alarmTexts[cat]
	a.summary = g.fill(g.r.one(tx.summaries), i)
	if isNight && len(tx.night) > 0 && len(d.sites) > 0 && g.r.intn(100) < 45 {
		a.summary = g.fill(g.r.one(tx.night), i)
	}
	a.outcome = g.r.one(tx.outcomes)
	a.unit = g.fill(g.r.one(tx.units), i)
	switch cat {
	case feed.AlarmCriminal:
		a.prio = 2
		if g.r.intn(100) < 22 {
			a.prio = 1
		}
		a.dispatch = g.r.between64(60, 420)
		a.close = g.r.between64(1800, 4*3600)
	case feed.AlarmPublicOrder:
		a.prio = []int{1, 2, 2, 2, 2, 2, 2, 3, 3, 2}[g.r.intn(10)]
		a.dispatch = g.r.between64(60, 480)
		a.close = g.r.between64(900, 3*3600)
	case feed.AlarmTraffic:
		a.prio = 2 + g.r.intn(2)
		a.dispatch = g.r.between64(60, 600)
		a.close = g.r.between64(900, 2*3600)
	case feed.AlarmDispute:
		a.prio = 2 + g.r.intn(2)
		a.dispatch = g.r.between64(120, 720)
		a.close = g.r.between64(1200, 3*3600)
	case feed.AlarmFire, feed.AlarmRescue:
		a.prio = 1
		a.dispatch = g.r.between64(30, 240)
		a.close = g.r.between64(1200, 3*3600)
	case feed.AlarmMassIncident:
		a.prio = 1
		a.dispatch = g.r.between64(60, 300)
		a.close = g.r.between64(2*3600, 6*3600)
	default:
		a.prio = 3
		a.dispatch = g.r.between64(120, 900)
		a.close = g.r.between64(600, 2*3600)
	}
	return a
}

// pickHomicides turns six criminal calls, spread over the campaign, into
// reports of a killing; each becomes a homicide case, solved within days.
func (g *gen) pickHomicides(all []alarm) {
	const homicides = 6
	span := int64(g.days-4) * 86400 / homicides
	for k := range homicides {
		lo := g.start + int64(k)*span
		hi := lo + span
		var cands []int
		for i, a := range all {
			if a.cat == feed.AlarmCriminal && a.at >= lo && a.at < hi {
				cands = append(cands, i)
			}
		}
		i := cands[g.r.intn(len(cands))]
		a := &all[i]
		a.prio = 1
		a.summary = g.fill(g.r.one(homicideCalls), a.dist)
		a.outcome = "已立为刑事案件，专案组侦办"
		a.unit = g.dists[a.dist].zh + "公安局刑侦大队"
		g.homRefs = append(g.homRefs, homicideRef{at: a.at, dist: a.dist, grid: a.grid})
	}
}

// fill replaces placeholders in a template: {site} a night market of the
// district, {place} a generic place, {dist} the district's name.
func (g *gen) fill(s string, dist int) string {
	d := g.dists[dist]
	if strings.Contains(s, "{site}") {
		site := "某夜市"
		if len(d.sites) > 0 {
			site = g.r.one(d.sites)
		}
		s = strings.ReplaceAll(s, "{site}", site)
	}
	if strings.Contains(s, "{place}") {
		s = strings.ReplaceAll(s, "{place}", g.r.one(places))
	}
	if strings.Contains(s, "{n}") {
		s = strings.ReplaceAll(s, "{n}", fmt.Sprint(1+g.r.intn(6)))
	}
	return strings.ReplaceAll(s, "{dist}", d.zh)
}
