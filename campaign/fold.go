package campaign

import (
	"encoding/json"
	"time"

	"sitboard/feed"
)

// Apply folds one event into s. It is the only place events become counts:
// deterministic, reading no clock and doing no I/O, so the hub, the board and
// summary get the same state from the same events on every machine.
//
// Redeliveries change nothing: an event whose Seq is not above s.Seq, or
// whose id is among the last DedupWindow ids, is counted as a duplicate and
// skipped. Unknown types are counted by name and otherwise ignored.
func Apply(cfg *Config, s *State, ev feed.Event) {
	if ev.Seq > 0 && ev.Seq <= s.Seq {
		s.Duplicates++
		return
	}
	if s.recentIDIndex == nil {
		s.recentIDIndex = make(map[string]struct{}, len(s.RecentIDs))
		for _, id := range s.RecentIDs {
			s.recentIDIndex[id] = struct{}{}
		}
	}
	if _, seen := s.recentIDIndex[ev.ID]; seen && ev.ID != "" {
		s.Duplicates++
		if ev.Seq > s.Seq {
			s.Seq = ev.Seq
		}
		return
	}
	if s.Seq == 0 && s.Events == 0 && ev.Seq > 1 {
		// The first event of a stream that is not seq 1: what came
		// before was never folded (a campaign.started below makes the
		// state whole again).
		s.MissingBefore = ev.Seq
	}
	if ev.Type == feed.TypeCampaignStarted {
		// A new run starts from nothing: keep only where the stream is.
		fresh := NewState(cfg)
		fresh.Run = s.Run + 1
		fresh.Duplicates = s.Duplicates
		rec := s.rec
		*s = *fresh
		if rec != nil {
			rec.reset()
			s.rec = rec
		}
	}
	s.rememberID(ev.ID)
	if ev.Seq > 0 {
		s.Seq = ev.Seq
	}
	s.Events++
	moved := ev.At.After(s.LastAt) && MovesClock(ev.Type)
	if moved {
		if d := cfg.dayWithin(ev.At); d > s.Day {
			s.rollFlags(cfg, d) // before the new day's event counts
			s.Supervision.rollWeek(cfg, d)
		}
		s.LastAt = ev.At
		s.Day = cfg.dayWithin(ev.At)
	}
	f := folder{cfg: cfg, s: s, ev: ev, tot: &s.Totals}
	if ev.Type == feed.TypeClockTick {
		f.tick(moved)
		return
	}
	if dc, ok := s.Districts[ev.District]; ok {
		f.dist = dc
	} else {
		f.dist = &Counters{} // unknown districts are refused at ingest; count totals only
	}
	f.day, f.districtDay = &DayCounts{}, &DayCounts{} // outside the campaign: totals only
	if d := cfg.Day(ev.At); d >= 1 && d <= len(s.Days) {
		f.day = &s.Days[d-1]
		f.districtDay = s.districtToday(ev.District, d)
		if s.Intraday == nil {
			s.Intraday = &Intraday{}
		}
		if MovesClock(ev.Type) {
			s.Intraday.roll(d)
		}
		f.hour = s.Intraday.bucket(d, cfg.hourOf(ev.At))
	}
	if s.rec != nil {
		d := cfg.dayWithin(ev.At)
		f.rec = s.rec.day(d)
		f.rec.Events++
		f.recDist = f.rec.district(ev.District)
		if hr := s.rec.hour(d, cfg.hourOf(ev.At), MovesClock(ev.Type)); hr != nil {
			f.recHour, f.recHourDist = hr, hr.district(ev.District)
		}
	}
	if !f.apply() {
		s.countUnknown(ev.Type)
	}
	if moved {
		f.clockPassed(s.LastAt)
	}
}

// tick folds a clock.tick: time has passed, in no district. The hourly
// series move on as for any event, and the checks that wait for time run.
func (f *folder) tick(moved bool) {
	if !moved {
		return // a tick behind the clock says nothing new
	}
	cfg, s, at := f.cfg, f.s, f.ev.At
	if d := cfg.Day(at); d >= 1 && d <= len(s.Days) {
		if s.Intraday == nil {
			s.Intraday = &Intraday{}
		}
		s.Intraday.roll(d)
	}
	if s.rec != nil {
		s.rec.hour(cfg.dayWithin(at), cfg.hourOf(at), true)
	}
	f.clockPassed(s.LastAt)
}

// MovesClock reports whether events of type t move the state's clock
// (LastAt, Day). An acknowledgement is a board's act about an event, not a
// campaign fact: its time may be the hub's wall clock (a 2026 ack of a
// replayed 2023 alert), which must not make the board's day the campaign's
// last. The office's instructions and their sign-offs and reports are
// such acts too (a board sends them, timed like an ack). The hub's
// end-of-day snapshots follow the same rule.
func MovesClock(t string) bool {
	switch t {
	case feed.TypeAlertAcknowledged, feed.TypeDirectiveIssued, feed.TypeDirectiveSigned, feed.TypeDirectiveReported:
		return false
	}
	return true
}

// rememberID keeps the last DedupWindow ids in a ring: RecentIDs is filled
// up to the window, then IDNext is the slot the next id overwrites.
func (s *State) rememberID(id string) {
	if id == "" {
		return
	}
	if len(s.RecentIDs) < DedupWindow {
		s.RecentIDs = append(s.RecentIDs, id)
	} else {
		s.IDNext %= DedupWindow
		delete(s.recentIDIndex, s.RecentIDs[s.IDNext])
		s.RecentIDs[s.IDNext] = id
		s.IDNext++
	}
	s.recentIDIndex[id] = struct{}{}
}

// pushFront puts v first in a newest-first ring of at most size items,
// without allocating once the ring is full.
func pushFront[T any](ring []T, v T, size int) []T {
	if len(ring) < size {
		var zero T
		ring = append(ring, zero)
	}
	copy(ring[1:], ring[:len(ring)-1])
	ring[0] = v
	return ring
}

// districtToday returns the district's counts for campaign day d when d is
// today (the newest day seen); a newer day starts every district afresh, and
// an event of an earlier day gets a scratch value.
func (s *State) districtToday(district string, d int) *DayCounts {
	if d > s.TodayDay {
		s.TodayDay = d
		clear(s.DistrictToday)
	}
	if d < s.TodayDay {
		return &DayCounts{}
	}
	if s.DistrictToday == nil {
		s.DistrictToday = map[string]*DayCounts{}
	}
	dc, ok := s.DistrictToday[district]
	if !ok {
		dc = &DayCounts{}
		s.DistrictToday[district] = dc
	}
	return dc
}

func (s *State) countUnknown(t string) {
	if s.Unknown == nil {
		s.Unknown = map[string]int64{}
	}
	if _, ok := s.Unknown[t]; !ok && len(s.Unknown) >= MaxUnknownTypes {
		t = "other"
	}
	s.Unknown[t]++
}

type folder struct {
	cfg  *Config
	s    *State
	ev   feed.Event
	tot  *Counters
	dist *Counters
	day  *DayCounts // the city's counts for the event's day
	// districtDay is the district's counts for today, or a scratch value
	// when the event belongs to an earlier day.
	districtDay *DayCounts
	// hour is the city's counts for the event's hour in the Intraday
	// series, nil when its day is not there.
	hour *DayCounts
	// rec and recDist are the event's campaign day in a Recorder (see
	// History): every counter change lands there too. nil when no
	// recorder is attached, as in the hub's and the board's state.
	rec     *DayRecord
	recDist *Counters
	// recHour and recHourDist are the event's hour in the Recorder's
	// hourly record, nil when its day is not held there.
	recHour     *DayRecord
	recHourDist *Counters
}

// bothDays applies a change to the city's day (and its hour) and the
// district's today.
func (f *folder) bothDays(change func(d *DayCounts)) {
	change(f.day)
	change(f.districtDay)
	if f.hour != nil {
		change(f.hour)
	}
}

func inc(m *map[string]int64, k string, n int64) {
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[k] += n
}

// both applies a counter change to the campaign totals and the district.
func (f *folder) both(change func(c *Counters)) {
	change(f.tot)
	change(f.dist)
	if f.rec != nil {
		change(&f.rec.Totals)
		change(f.recDist)
	}
	if f.recHour != nil {
		change(&f.recHour.Totals)
		change(f.recHourDist)
	}
}

// apply folds the event by type; it reports false for a type it does not
// know or a payload it cannot read (which validation would have refused).
func (f *folder) apply() bool {
	ev := f.ev
	switch ev.Type {
	case feed.TypeAlarmReceived:
		p, err := feed.Decode[feed.AlarmReceived](ev)
		if err != nil {
			return false
		}
		f.alarmReceived(p)
	case feed.TypeAlarmDispatched:
		p, err := feed.Decode[feed.AlarmDispatched](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) { c.AlarmsDispatched++ })
		f.alarmDispatched(p.AlarmID)
		f.tickerStatus(p.AlarmID, StatusDispatched)
		f.alarmAnswered(p.AlarmID)
	case feed.TypeAlarmClosed:
		p, err := feed.Decode[feed.AlarmClosed](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) { c.AlarmsClosed++ })
		if o, ok := f.s.OpenAlarms[p.AlarmID]; ok {
			f.alarmClosedTimed(o)
		}
		if !f.s.closeOpenAlarm(p.AlarmID) {
			f.s.rememberEarlyClose(p.AlarmID)
		}
		f.tickerStatus(p.AlarmID, StatusClosed)
		f.clearEvent(ev.Type, p.AlarmID)
		f.alarmAnswered(p.AlarmID)
	case feed.TypeCaseFiled:
		p, err := feed.Decode[feed.CaseFiled](ev)
		if err != nil {
			return false
		}
		f.caseFiled(p)
	case feed.TypeCaseSolved:
		p, err := feed.Decode[feed.CaseSolved](ev)
		if err != nil {
			return false
		}
		f.caseSolved(p)
	case feed.TypeCaseAction:
		p, err := feed.Decode[feed.CaseAction](ev)
		if err != nil {
			return false
		}
		f.caseAction(p)
	case feed.TypeFugitiveCaught:
		p, err := feed.Decode[feed.FugitiveCaught](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) {
			inc(&c.Fugitives, p.Crime, 1)
			if p.YearsAtLarge >= 10 {
				inc(&c.Fugitives10Years, p.Crime, 1)
			}
		})
		// A fugitive caught is a suspect caught (抓获), as the totals count it.
		f.bothDays(func(d *DayCounts) { d.Arrested++ })
	case feed.TypePatrolDeployed:
		p, err := feed.Decode[feed.PatrolDeployed](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) { inc(&c.Posts, p.PostKind, 1) })
	case feed.TypeShiftReport:
		p, err := feed.Decode[feed.ShiftReport](ev)
		if err != nil {
			return false
		}
		f.shiftReport(p)
		f.shiftReportDue(p.Duty)
	case feed.TypeInspection:
		p, err := feed.Decode[feed.Inspection](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) {
			inc(&c.Inspections, p.UnitType, 1)
			inc(&c.Found, p.UnitType, p.Found)
			inc(&c.Rectified, p.UnitType, p.Rectified)
			c.Notices += p.Notices
		})
		f.bothDays(func(d *DayCounts) { d.Rectified += p.Rectified })
	case feed.TypeDisputeFound:
		f.disputeFound()
	case feed.TypeDisputeResolved:
		f.disputeResolved()
	case feed.TypeOperation:
		p, err := feed.Decode[feed.Operation](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) { inc(&c.Operations, p.Kind, 1) })
	case feed.TypeMajorAccident:
		p, err := feed.Decode[feed.MajorAccident](ev)
		if err != nil {
			return false
		}
		f.both(func(c *Counters) { c.MajorAccidents++ })
		f.raiseEventAlerts("", "", p.Summary)
	case feed.TypeAlertAcknowledged:
		p, err := feed.Decode[feed.AlertAcknowledged](ev)
		if err != nil {
			return false
		}
		f.alertAcked(p)
	case feed.TypeDirectiveIssued, feed.TypeDirectiveSigned, feed.TypeDirectiveReported:
		return f.directiveEvent()
	case feed.TypeSupervisionVisit:
		p, err := feed.Decode[feed.SupervisionVisit](ev)
		if err != nil {
			return false
		}
		f.supervisionVisit(p)
	case feed.TypeSupervisionFinding:
		p, err := feed.Decode[feed.SupervisionFinding](ev)
		if err != nil {
			return false
		}
		f.supervisionFinding(p)
	case feed.TypeSupervisionRectified:
		p, err := feed.Decode[feed.SupervisionRectified](ev)
		if err != nil {
			return false
		}
		f.supervisionRectified(p)
	case feed.TypeCampaignStarted, feed.TypeClockTick:
		// handled in Apply
	default:
		f.pushTicker(TickerItem{Seq: ev.Seq, At: ev.At, Type: ev.Type, District: ev.District, Grid: ev.Grid, Status: StatusUnknown})
		return false
	}
	return true
}

func (f *folder) alarmReceived(p feed.AlarmReceived) {
	ev := f.ev
	f.both(func(c *Counters) { inc(&c.AlarmsReceived, p.Category, 1) })
	f.bothDays(func(d *DayCounts) { d.Alarms++ })
	switch p.Category {
	case feed.AlarmCriminal:
		f.bothDays(func(d *DayCounts) { d.AlarmsCriminal++ })
	case feed.AlarmPublicOrder:
		f.bothDays(func(d *DayCounts) { d.AlarmsPublic++ })
	}
	if ev.Grid != "" {
		if _, ok := f.cfg.GridIndex(ev.Grid); ok {
			f.grid(ev.Grid).Alarms++
			if f.rec != nil {
				f.rec.grid(ev.Grid).Alarms++
			}
		}
	}
	// An upstream may deliver the close first: then the alarm is counted
	// and shown, but closed, and does not wait in the open queue for ever.
	closed := f.s.takeEarlyClose(p.AlarmID)
	status := StatusClosed
	if !closed {
		status = StatusReceived
		f.s.openAlarm(p.AlarmID, OpenAlarm{Seq: ev.Seq, At: ev.At, Category: p.Category, Priority: p.Priority, District: ev.District})
	}
	f.pushTicker(TickerItem{Seq: ev.Seq, At: ev.At, Type: ev.Type, AlarmID: p.AlarmID, Category: p.Category, Priority: p.Priority,
		District: ev.District, Grid: ev.Grid, Summary: p.Summary, Status: status})
	f.raiseEventAlerts(p.Category, p.AlarmID, p.Summary)
	if closed {
		f.clearEvent(feed.TypeAlarmClosed, p.AlarmID)
	}
	f.alarmRules(p, closed)
}

func (f *folder) grid(id string) *GridCounts {
	g, ok := f.s.Grids[id]
	if !ok {
		g = &GridCounts{}
		f.s.Grids[id] = g
	}
	return g
}

func (f *folder) pushTicker(it TickerItem) {
	f.s.Ticker = pushFront(f.s.Ticker, it, TickerSize)
}

func (f *folder) tickerStatus(alarmID, status string) {
	for i := range f.s.Ticker {
		if f.s.Ticker[i].AlarmID == alarmID && f.s.Ticker[i].Type == feed.TypeAlarmReceived {
			f.s.Ticker[i].Status = status
			return
		}
	}
}

// Rates must not pass 100% when an upstream is late or incomplete, and
// the fold cannot remember every open dispute or case (the state would grow
// with the campaign). So a resolution or a solve is matched by count, in
// its district: it counts in the rate's numerator while the district has
// more disputes found (cases filed) than matched; beyond that it is kept
// apart, and a later found (filed) in the district takes one of those kept
// apart into the numerator. The numerator is then min(resolved, found) per
// district whatever the arrival order, and the rest stays counted in the state.
// docs/protocol.md ("Late and out-of-order events") states the rule.

func (f *folder) disputeFound() {
	f.both(func(c *Counters) { c.DisputesFound++ })
	f.bothDays(func(d *DayCounts) { d.DisputesFound++ })
	if f.dist.DisputesResolvedUnfound > 0 {
		f.both(func(c *Counters) { c.DisputesResolvedUnfound--; c.DisputesResolved++ })
	}
}

func (f *folder) disputeResolved() {
	if f.dist.DisputesResolved < f.dist.DisputesFound {
		f.both(func(c *Counters) { c.DisputesResolved++ })
	} else {
		f.both(func(c *Counters) { c.DisputesResolvedUnfound++ })
	}
	// A day's count is what was resolved that day, found that day or not.
	f.bothDays(func(d *DayCounts) { d.DisputesResolved++ })
}

func (f *folder) caseFiled(p feed.CaseFiled) {
	f.both(func(c *Counters) {
		if p.Kind == feed.KindAdministrative {
			inc(&c.AdminCasesFiled, p.Category, 1)
		} else {
			inc(&c.CasesFiled, p.Category, 1)
		}
		if p.LossCNY > 0 {
			inc(&c.LossesCNY, p.Category, p.LossCNY)
		}
	})
	if p.LossCNY > 0 && p.Category == feed.CaseTelecomFraud {
		f.bothDays(func(d *DayCounts) { d.FraudLossCNY += p.LossCNY })
	}
	if p.Kind != feed.KindAdministrative {
		f.bothDays(func(d *DayCounts) {
			d.CasesFiled++
			switch p.Category {
			case feed.CaseTheft:
				d.TheftFiled++
			case feed.CaseTelecomFraud:
				d.FraudFiled++
			}
		})
		if f.dist.SolvedUnfiled[p.Category] > 0 {
			f.both(func(c *Counters) {
				// inc: a Recorder's day may not have the map yet.
				if inc(&c.SolvedUnfiled, p.Category, -1); c.SolvedUnfiled[p.Category] == 0 {
					delete(c.SolvedUnfiled, p.Category) // the same state whatever the order
				}
				inc(&c.NewSolved, p.Category, 1)
			})
		}
	}
	if n := f.notable(p.Notable); n != nil {
		n.Filed = true
		n.District = f.ev.District
	}
	f.raiseEventAlerts(p.Category, p.CaseID, p.Summary)
}

func (f *folder) caseSolved(p feed.CaseSolved) {
	ev := f.ev
	// Clearance rates divide by criminal cases filed, so only criminal
	// cases count as newly solved, and only as many as were filed.
	newSolve := !p.Cold && p.Kind != feed.KindAdministrative
	matched := newSolve && f.dist.NewSolved[p.Category] < f.dist.CasesFiled[p.Category]
	f.both(func(c *Counters) {
		inc(&c.CasesSolved, p.Category, 1)
		switch {
		case p.Cold:
			inc(&c.ColdSolved, p.Category, 1)
		case matched:
			inc(&c.NewSolved, p.Category, 1)
		case newSolve:
			inc(&c.SolvedUnfiled, p.Category, 1)
		}
		if p.GroupBusted {
			inc(&c.GroupsBusted, p.Category, 1)
		}
	})
	f.bothDays(func(d *DayCounts) { d.CasesSolved++ })
	c := Closure{Seq: ev.Seq, At: ev.At, CaseID: p.CaseID, Category: p.Category, District: ev.District, Cold: p.Cold, Notable: p.Notable, Summary: p.Summary}
	if n := f.notable(p.Notable); n != nil {
		n.Solved = true
		n.SolvedAt = ev.At
		n.District = ev.District
		n.ValueCNY += p.ValueCNY
		if f.rec != nil {
			f.rec.notable(p.Notable).ValueCNY += p.ValueCNY
			f.s.rec.Solved = append(f.s.rec.Solved, c)
		}
	}
	f.s.Closures = pushFront(f.s.Closures, c, ClosuresSize)
	f.clearEvent(ev.Type, p.CaseID)
}

func (f *folder) caseAction(p feed.CaseAction) {
	key := p.Action + "/" + p.Category
	f.both(func(c *Counters) {
		switch p.Action {
		case feed.ActionSeizure, feed.ActionRecovery:
			inc(&c.AmountsCNY, key, p.AmountCNY)
		default:
			inc(&c.Persons, key, p.Persons)
		}
	})
	if p.Action == feed.ActionArrest {
		f.bothDays(func(d *DayCounts) { d.Arrested += p.Persons })
	}
	if n := f.notable(p.Notable); n != nil {
		targets := []*NotableState{n}
		if f.rec != nil {
			targets = append(targets, f.rec.notable(p.Notable))
		}
		for _, n := range targets {
			switch p.Action {
			case feed.ActionRecovery:
				n.RecoveredCNY += p.AmountCNY
			case feed.ActionSeizure:
				n.SeizedCNY += p.AmountCNY
			case feed.ActionArrest:
				n.Arrested += p.Persons
			}
		}
	}
}

func (f *folder) shiftReport(p feed.ShiftReport) {
	v := p.Violations
	f.both(func(c *Counters) {
		inc(&c.Officers, p.Duty, p.Officers)
		inc(&c.Vehicles, p.Duty, p.Vehicles)
		c.Volunteers += p.Volunteers
		c.PersonsChecked += p.PersonsChecked
		c.VehiclesChecked += p.VehiclesChecked
		for _, kv := range []struct {
			k string
			n int64
		}{{"unlicensed", v.Unlicensed}, {"drink_driving", v.DrinkDriving}, {"drunk_driving", v.DrunkDriving}, {"speeding", v.Speeding},
			{"passenger_overload", v.PassengerOverload}, {"cargo_overload", v.CargoOverload}, {"other", v.Other}} {
			if kv.n != 0 {
				inc(&c.Violations, kv.k, kv.n)
			}
		}
	})
	f.bothDays(func(d *DayCounts) { d.Officers += p.Officers })
	f.bothDays(func(d *DayCounts) { d.PersonsChecked += p.PersonsChecked })
	f.bothDays(func(d *DayCounts) { d.VehiclesChecked += p.VehiclesChecked })
	if f.ev.Grid != "" {
		if _, ok := f.cfg.GridIndex(f.ev.Grid); ok {
			f.grid(f.ev.Grid).Officers += p.Officers
			if f.rec != nil {
				f.rec.grid(f.ev.Grid).Officers += p.Officers
			}
		}
	}
	if f.rec != nil {
		for _, id := range p.Sites {
			// The hub refuses a site that is not the district's; a log
			// that bypassed it must not count one either.
			if site, ok := f.cfg.SiteByID(id); ok && site.District == f.ev.District {
				f.rec.siteCovered(id)
			}
		}
	}
}

func (f *folder) notable(id string) *NotableState {
	if id == "" {
		return nil
	}
	if _, ok := f.cfg.NotableByID(id); !ok {
		return nil
	}
	if f.s.Notables == nil {
		f.s.Notables = map[string]*NotableState{}
	}
	n, ok := f.s.Notables[id]
	if !ok {
		n = &NotableState{}
		f.s.Notables[id] = n
	}
	return n
}

func laterOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// eventJSON is used by tests and tools that build events by hand.
func eventJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
