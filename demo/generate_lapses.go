package demo

import (
	"math/rand/v2"
	"slices"

	"sitboard/feed"
)

// Lapses the response clock and the shift reports due have something to
// find (docs/figures.md, "The response clock", "Shift reports due"): a few
// urgent calls dispatched slowly, two shift reports that never came and
// two that came late.
//
// They are made after every event has its id, from a random stream of
// their own, by moving or dropping a handful of events: every other event
// of the recording keeps its time, its data and its id (a dropped report
// leaves a gap in the ids; a moved event keeps its id in its new place).
// A missed report's counts come in with the same unit's report of the
// next night, as a station's 补报 does, so every campaign total, and the
// published figures, stay as they were.

// Lapses in the shipped recording.
const (
	slowDispatches = 10 // P1 calls dispatched after 11 to 15 minutes, in two districts
	missedReports  = 2  // one county's traffic report, one grid's night patrol report
	lateReports    = 2  // county traffic reports that came after 22:00
)

// lapseStream seeds the lapses' stream: the seed, and a constant of their own.
const lapseStream = 0x1a95_0ac7_2023_0625

func (g *gen) lapses() {
	r := rng{rand.NewPCG(uint64(g.seed), lapseStream)}
	g.slowDispatches(r)
	g.missedReports(r)
	g.lateReports(r)
	g.raw = slices.DeleteFunc(g.raw, func(re rawEvent) bool { return re.dropped })
}

// slowDispatches delays the dispatch, and the close with it, of urgent
// calls in two districts picked at random; the homicide calls are left as
// they are (their cases follow them).
func (g *gen) slowDispatches(r rng) {
	type call struct{ received, dispatched, closed int }
	calls := map[string]*call{}
	var order []string
	for i, re := range g.raw {
		switch d := re.data.(type) {
		case feed.AlarmReceived:
			// Not criminal: the homicide calls turn into cases, and
			// stay as their cases tell them; not a mass incident.
			if d.Priority == 1 && d.Category != feed.AlarmCriminal && d.Category != feed.AlarmMassIncident {
				calls[d.AlarmID] = &call{received: i, dispatched: -1, closed: -1}
				order = append(order, d.AlarmID)
			}
		case feed.AlarmDispatched:
			if c := calls[d.AlarmID]; c != nil {
				c.dispatched = i
			}
		case feed.AlarmClosed:
			if c := calls[d.AlarmID]; c != nil {
				c.closed = i
			}
		}
	}
	first := r.intn(len(g.dists))
	second := (first + 1 + r.intn(len(g.dists)-1)) % len(g.dists)
	for _, dist := range []int{first, second} {
		var cands []string
		for _, id := range order {
			c := calls[id]
			if g.raw[c.received].district == g.dists[dist].id && c.dispatched >= 0 && c.closed >= 0 {
				cands = append(cands, id)
			}
		}
		for n := 0; n < slowDispatches/2 && len(cands) > 0; n++ {
			k := r.intn(len(cands))
			c := calls[cands[k]]
			cands = slices.Delete(cands, k, k+1)
			received := g.raw[c.received].at
			late := received + r.between64(11*60, 15*60)
			shift := late - g.raw[c.dispatched].at
			if shift <= 0 {
				continue
			}
			g.raw[c.dispatched].at = late
			g.raw[c.closed].at = min(g.raw[c.closed].at+shift, g.end)
		}
	}
}

// reportsOf lists the shift reports of a duty, in time order.
func (g *gen) reportsOf(duty string) []int {
	var out []int
	for i, re := range g.raw {
		if p, ok := re.data.(feed.ShiftReport); ok && p.Duty == duty && !re.dropped {
			out = append(out, i)
		}
	}
	return out
}

// missedReports drops a county's traffic report and a grid's night patrol
// report of some night, and adds their counts to the same unit's report of
// the next night.
func (g *gen) missedReports(r rng) {
	for _, duty := range []string{feed.DutyTraffic, feed.DutyArea}[:missedReports] {
		reports := g.reportsOf(duty)
		for {
			i := reports[r.intn(len(reports))]
			miss := &g.raw[i]
			day := g.dayOf(miss.at)
			if day < 1 || day >= g.days-2 {
				continue // a night with a next one inside the campaign
			}
			next := slices.IndexFunc(reports, func(j int) bool {
				o := &g.raw[j]
				return o.district == miss.district && o.grid == miss.grid && g.dayOf(o.at) == day+1
			})
			if next < 0 {
				continue
			}
			nr := &g.raw[reports[next]]
			a, b := miss.data.(feed.ShiftReport), nr.data.(feed.ShiftReport)
			b.Officers += a.Officers
			b.Vehicles += a.Vehicles
			b.Volunteers += a.Volunteers
			b.PersonsChecked += a.PersonsChecked
			b.VehiclesChecked += a.VehiclesChecked
			v, w := &b.Violations, a.Violations
			v.Unlicensed += w.Unlicensed
			v.DrinkDriving += w.DrinkDriving
			v.DrunkDriving += w.DrunkDriving
			v.Speeding += w.Speeding
			v.PassengerOverload += w.PassengerOverload
			v.CargoOverload += w.CargoOverload
			v.Other += w.Other
			nr.data = b
			miss.dropped = true
			break
		}
	}
}

// lateReports moves county traffic reports (due at 22:00) to between
// 22:10 and 23:50 of the same night, so they count on the same day.
func (g *gen) lateReports(r rng) {
	reports := g.reportsOf(feed.DutyTraffic)
	for range lateReports {
		i := reports[r.intn(len(reports))]
		re := &g.raw[i]
		day := g.dayOf(re.at)
		re.at = g.dayStart(day) + 22*hour + r.between64(10*60, 110*60)
	}
}
