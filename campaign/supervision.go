package campaign

import (
	"cmp"
	"slices"
	"time"

	"sitboard/feed"
)

// 督察 (docs/figures.md, "Supervision"): the campaign office's teams visit
// districts and what they find must be put right by a deadline. The fold
// counts, per district and day (Counters), the visits by mode, the
// problems the visits found, the findings issued and the findings
// rectified (on time or late), each on the day of its own event's time;
// it keeps the findings still open, bounded like the open-alarm queue, and
// each team's visits for the campaign and the week running. A History
// keeps every visit and finding too (Recorder.Visits, .Findings), so a
// bulletin counts any period and names what was overdue at its end.

// Bounds of the supervision book.
const (
	// MaxOpenFindings bounds the open findings; beyond it the oldest is
	// dropped and counted (SupervisionBook.Dropped).
	MaxOpenFindings = 1024
	// MaxEarlyRectified bounds the rectifications remembered while their
	// finding has not come (a late or lost supervision.finding).
	MaxEarlyRectified = 256
)

// SupervisionBook is the state's 督察 record; nil until a supervision
// event comes.
type SupervisionBook struct {
	// Open are the findings not rectified, by finding id.
	Open    map[string]OpenFinding `json:"open,omitempty"`
	Dropped int64                  `json:"dropped,omitempty"`
	// Early are rectifications whose finding has not come, a ring of
	// MaxEarlyRectified; EarlyNext is the slot the next overwrites once
	// it is full.
	Early     []EarlyRectified `json:"early,omitempty"`
	EarlyNext int              `json:"early_next,omitempty"`
	// Teams are each team's visits, in the campaign file's order.
	Teams []TeamVisits `json:"teams,omitempty"`
	// Week is the first day of the week the teams' Week counts hold: the
	// week of the state's day (docs/figures.md, rule 7's calendar).
	Week int `json:"week,omitempty"`
	// Checked is the state's clock when the deadlines were last checked
	// for finding_overdue alerts (findingsPassed); nextDue is the first
	// deadline after it, so most events check nothing (zero after a
	// snapshot or a new finding: check at the next event).
	Checked time.Time `json:"checked,omitzero"`
	nextDue time.Time
	order   *openOrder
}

// OpenFinding is a finding not yet rectified.
type OpenFinding struct {
	At       time.Time `json:"at"`
	Deadline time.Time `json:"deadline"`
	District string    `json:"district"`
	Team     string    `json:"team"`
	Severity string    `json:"severity"`
	Summary  string    `json:"summary"`
}

// EarlyRectified is a rectification that came before its finding.
type EarlyRectified struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	District string    `json:"district"`
	Note     string    `json:"note,omitempty"`
}

// TeamVisits are one team's visits by mode ([open, covert]): in the
// campaign, and in the week running.
type TeamVisits struct {
	Visits [2]int64 `json:"visits"`
	Week   [2]int64 `json:"week"`
}

// Total is the visits of both modes.
func (v TeamVisits) Total() int64 { return v.Visits[0] + v.Visits[1] }

// WeekTotal is the week's visits of both modes.
func (v TeamVisits) WeekTotal() int64 { return v.Week[0] + v.Week[1] }

func modeIndex(mode string) int {
	if mode == feed.ModeCovert {
		return 1
	}
	return 0
}

func (s *State) supervision(cfg *Config) *SupervisionBook {
	if s.Supervision == nil {
		// Deadlines count from now on: one passed before the book began
		// raises nothing (findingsPassed).
		s.Supervision = &SupervisionBook{Checked: s.LastAt}
	}
	b := s.Supervision
	if len(b.Teams) != len(cfg.Supervision.Teams) {
		b.Teams = append(b.Teams, make([]TeamVisits, max(len(cfg.Supervision.Teams)-len(b.Teams), 0))...)[:len(cfg.Supervision.Teams)]
	}
	return b
}

// rollWeek empties the teams' week counts when day d is in a later week
// than the one they hold.
func (b *SupervisionBook) rollWeek(cfg *Config, d int) {
	if b == nil {
		return
	}
	sp, err := cfg.PeriodSpan(PeriodWeek, d)
	if err != nil || sp.From <= b.Week {
		return
	}
	b.Week = sp.From
	for i := range b.Teams {
		b.Teams[i].Week = [2]int64{}
	}
}

// WeekVisits are each team's visits in the week holding campaign day d,
// in the file's order: zero for a week the state does not hold.
func (b *SupervisionBook) WeekVisits(cfg *Config, d int) []TeamVisits {
	out := make([]TeamVisits, len(cfg.Supervision.Teams))
	if b == nil {
		return out
	}
	sp, err := cfg.PeriodSpan(PeriodWeek, min(max(d, 1), cfg.Days()))
	for i := range min(len(out), len(b.Teams)) {
		out[i].Visits = b.Teams[i].Visits
		if err == nil && sp.From == b.Week {
			out[i].Week = b.Teams[i].Week
		}
	}
	return out
}

func (f *folder) supervisionVisit(p feed.SupervisionVisit) {
	m := p.Mode
	f.both(func(c *Counters) {
		inc(&c.SupervisionVisits, m, 1)
		c.SupervisionProblems += p.Findings
	})
	b := f.s.supervision(f.cfg)
	if i, ok := f.cfg.TeamIndex(p.Team); ok {
		t := &b.Teams[i]
		t.Visits[modeIndex(m)]++
		b.rollWeek(f.cfg, f.s.Day)
		if sp, err := f.cfg.PeriodSpan(PeriodWeek, max(f.s.Day, 1)); err == nil && b.Week == sp.From && sp.Contains(f.cfg.dayWithin(f.ev.At)) {
			t.Week[modeIndex(m)]++
		}
	}
	if f.s.rec != nil {
		f.s.rec.Visits = append(f.s.rec.Visits, VisitRecord{At: f.ev.At, District: f.ev.District, Team: p.Team, Mode: m, Findings: p.Findings})
	}
}

func (f *folder) supervisionFinding(p feed.SupervisionFinding) {
	b := f.s.supervision(f.cfg)
	if _, again := b.Open[p.FindingID]; again {
		return // sent twice: a finding_id is sent once (docs/protocol.md)
	}
	o := OpenFinding{At: f.ev.At, Deadline: p.DeadlineAt(), District: f.ev.District, Team: p.Team, Severity: p.Severity, Summary: p.Summary}
	f.both(func(c *Counters) { c.FindingsFound++ })
	if f.s.rec != nil {
		f.s.rec.findingFound(p.FindingID, o)
	}
	if early, ok := b.takeEarly(p.FindingID, f.ev.District); ok {
		f.findingRectified(p.FindingID, o, early.At, early.Note)
		return
	}
	b.open(p.FindingID, o)
	b.nextDue = time.Time{} // its deadline is checked from the next event
}

func (f *folder) supervisionRectified(p feed.SupervisionRectified) {
	b := f.s.supervision(f.cfg)
	o, ok := b.Open[p.FindingID]
	switch {
	case !ok:
		// Its finding is late (or was dropped, or never sent): wait for it.
		b.rememberEarly(EarlyRectified{ID: p.FindingID, At: f.ev.At, District: f.ev.District, Note: p.Note})
		return
	case o.District != f.ev.District:
		return // not that finding's rectification (docs/protocol.md)
	}
	b.close(p.FindingID)
	f.findingRectified(p.FindingID, o, f.ev.At, p.Note)
	f.clearKind(WhenFindingOverdue, p.FindingID, f.ev.At, f.ev.Type)
}

// findingsPassed raises a finding_overdue alert (docs/figures.md,
// "Supervision") for each open finding whose deadline the state's clock
// passes: at the first event at or after it (the hub's clock.tick on a
// quiet night), dated at the deadline, in the finding's district, with
// its summary; the rectification clears it. A deadline the clock passed
// before the finding was folded, or before the book began, raises nothing
// (the board shows the finding overdue all the same).
func (f *folder) findingsPassed(now time.Time) {
	b := f.s.Supervision
	if b == nil {
		return
	}
	since := b.Checked
	b.Checked = now
	if len(b.Open) == 0 || !b.nextDue.IsZero() && now.Before(b.nextDue) {
		return
	}
	var due []FindingAge
	next := time.Unix(1<<62, 0) // nothing more is due until a new finding
	for id, o := range b.Open {
		switch {
		case o.Deadline.After(now):
			if o.Deadline.Before(next) {
				next = o.Deadline
			}
		case o.Deadline.After(since):
			due = append(due, FindingAge{ID: id, OpenFinding: o})
		}
	}
	b.nextDue = next
	// In deadline order (ties: id), the same on every machine.
	slices.SortFunc(due, func(a, b FindingAge) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, o := range due {
		f.raiseRules(WhenFindingOverdue, Hit{District: o.District, Subject: o.ID, Type: feed.TypeSupervisionFinding,
			Summary: o.Summary, At: o.Deadline, Since: o.At})
	}
}

// findingRectified counts a finding rectified at `at`, on the day of
// `at` whichever of the pair arrived last, so the counts are the same in
// any arrival order.
func (f *folder) findingRectified(id string, o OpenFinding, at time.Time, note string) {
	late := at.After(o.Deadline)
	if f.s.rec != nil {
		f.s.rec.findingRectified(id, at, note)
	}
	f.creditAt(at, func(c *Counters) {
		c.FindingsRectified++
		if late {
			c.FindingsLate++
		}
	})
}

// creditAt applies a change to the totals and the event's district, and
// in a History to the campaign day (and held hour) of at, which may be
// another day than the event's.
func (f *folder) creditAt(at time.Time, change func(c *Counters)) {
	change(f.tot)
	change(f.dist)
	r := f.s.rec
	if r == nil {
		return
	}
	d := f.cfg.dayWithin(at)
	day := r.day(d)
	change(&day.Totals)
	change(day.district(f.ev.District))
	if hr := r.hour(d, f.cfg.hourOf(at), false); hr != nil {
		change(&hr.Totals)
		change(hr.district(f.ev.District))
	}
}

// index is the age index of the open findings, rebuilt when missing.
func (b *SupervisionBook) index() *openOrder {
	if b.order == nil || b.order.len() != len(b.Open) {
		keys := make([]openKey, 0, len(b.Open))
		for id, o := range b.Open {
			keys = append(keys, openKey{at: o.At, id: id})
		}
		b.order = newOpenOrderOf(keys)
	}
	return b.order
}

// open adds a finding not open, dropping the oldest open one first when
// full: an upstream that never rectifies must not grow the state.
func (b *SupervisionBook) open(id string, o OpenFinding) {
	if len(b.Open) >= MaxOpenFindings {
		if oldest, ok := b.index().oldest(); ok {
			b.close(oldest)
			b.Dropped++
		}
	}
	if b.Open == nil {
		b.Open = map[string]OpenFinding{}
	}
	idx := b.index()
	b.Open[id] = o
	idx.add(id, o.At)
}

func (b *SupervisionBook) close(id string) {
	if _, ok := b.Open[id]; !ok {
		return
	}
	b.index().remove(id)
	delete(b.Open, id)
}

func (b *SupervisionBook) rememberEarly(e EarlyRectified) {
	for i := range b.Early {
		if b.Early[i].ID == e.ID {
			return // the first stands
		}
	}
	if len(b.Early) < MaxEarlyRectified {
		b.Early = append(b.Early, e)
		return
	}
	b.EarlyNext %= MaxEarlyRectified
	b.Early[b.EarlyNext] = e
	b.EarlyNext++
}

// takeEarly finds and forgets the early rectification of a finding in
// district; one of another district is not its rectification.
func (b *SupervisionBook) takeEarly(id, district string) (EarlyRectified, bool) {
	for i, e := range b.Early {
		if e.ID == id && e.District == district {
			b.Early[i] = EarlyRectified{}
			return e, true
		}
	}
	return EarlyRectified{}, false
}

// Finding statuses at an instant.
const (
	FindingOpen      = "open"      // not rectified, its deadline not passed
	FindingOverdue   = "overdue"   // not rectified, past its deadline (逾期未改)
	FindingRectified = "rectified" // rectified by its deadline
	FindingLate      = "late"      // rectified after its deadline (逾期整改)
)

// FindingAge is an open finding at an instant.
type FindingAge struct {
	ID string `json:"id"`
	OpenFinding
	Age     time.Duration `json:"age"`
	Overdue bool          `json:"overdue"`
	// Left is the time to the deadline (negative: past it).
	Left time.Duration `json:"left"`
}

// OpenFindings are the findings open in s at now, in district only unless
// district is "" (or in any of districts when given), overdue first, then
// by deadline and id.
func OpenFindings(s *State, now time.Time, districts ...string) []FindingAge {
	if s == nil || s.Supervision == nil {
		return nil
	}
	var out []FindingAge
	for id, o := range s.Supervision.Open {
		if len(districts) > 0 && !slices.Contains(districts, o.District) {
			continue
		}
		out = append(out, FindingAge{ID: id, OpenFinding: o, Age: max(now.Sub(o.At), 0), Overdue: now.After(o.Deadline), Left: o.Deadline.Sub(now)})
	}
	sortFindings(out)
	return out
}

func sortFindings(fs []FindingAge) {
	slices.SortFunc(fs, func(a, b FindingAge) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// VisitRecord is one visit, as a History keeps it.
type VisitRecord struct {
	At       time.Time `json:"at"`
	District string    `json:"district"`
	Team     string    `json:"team"`
	Mode     string    `json:"mode"`
	Findings int64     `json:"findings,omitempty"`
}

// FindingRecord is one finding and its rectification, as a History
// keeps it.
type FindingRecord struct {
	ID string `json:"id"`
	OpenFinding
	RectifiedAt time.Time `json:"rectified_at,omitzero"`
	Note        string    `json:"note,omitempty"`
}

// StatusAt is the finding's status at asOf (false before it was found).
func (r FindingRecord) StatusAt(asOf time.Time) (string, bool) {
	switch {
	case r.At.After(asOf):
		return "", false
	case !r.RectifiedAt.IsZero() && !r.RectifiedAt.After(asOf):
		if r.RectifiedAt.After(r.Deadline) {
			return FindingLate, true
		}
		return FindingRectified, true
	case asOf.After(r.Deadline):
		return FindingOverdue, true
	}
	return FindingOpen, true
}

func (r *Recorder) findingFound(id string, o OpenFinding) {
	if _, ok := r.findingByID[id]; ok {
		return // the first stands
	}
	r.findingByID[id] = len(r.Findings)
	r.Findings = append(r.Findings, FindingRecord{ID: id, OpenFinding: o})
}

// findingRectified marks a finding's record rectified at `at` (the fold
// calls it once per finding, when the pair is complete).
func (r *Recorder) findingRectified(id string, at time.Time, note string) {
	if i, ok := r.findingByID[id]; ok && r.Findings[i].RectifiedAt.IsZero() {
		r.Findings[i].RectifiedAt, r.Findings[i].Note = at, note
	}
}

// SupervisionTally is a period's 督察 of one district, one team or the
// city.
type SupervisionTally struct {
	// Key is the district's or team's id, "" for the city.
	Key string `json:"key,omitempty"`
	// Visits are the visits by mode: [open 明察, covert 暗访].
	Visits [2]int `json:"visits"`
	// Problems are the problems the visits found (their findings counts).
	Problems int64 `json:"problems"`
	// Found are the findings issued in the period.
	Found int `json:"found"`
	// Rectified are the findings rectified in the period, whenever found;
	// Late those of them rectified after their deadline (逾期整改).
	Rectified int `json:"rectified"`
	Late      int `json:"late"`
	// Open are the findings not rectified at the period's instant, and
	// Overdue those of them past their deadline (逾期未改).
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
}

// VisitTotal is the visits of both modes.
func (t SupervisionTally) VisitTotal() int { return t.Visits[0] + t.Visits[1] }

// SupervisionReport is a period's 督察: per district and per team in the
// campaign file's order, the city, and every finding overdue at the
// period's instant, the longest overdue first.
type SupervisionReport struct {
	Districts []SupervisionTally `json:"districts"`
	Teams     []SupervisionTally `json:"teams"`
	City      SupervisionTally   `json:"city"`
	Overdue   []FindingRecord    `json:"overdue,omitempty"`
}

// Supervision is the period's 督察 (docs/figures.md, "Supervision"), from
// the History's record of every visit and finding: what happened on the
// period's days up to its instant, and what was open at that instant. A
// running period counts to its instant, a complete one to its end.
func (p *Period) Supervision(h *History) SupervisionReport {
	asOf, sp := p.AsOf, p.Covered()
	if !p.Elapsed.Running {
		asOf = p.cfg.Date(p.Span.To + 1)
	}
	in := func(at time.Time) bool { return !at.After(asOf) && sp.Contains(p.cfg.dayWithin(at)) }
	rep := SupervisionReport{Districts: make([]SupervisionTally, len(p.cfg.Districts)), Teams: make([]SupervisionTally, len(p.cfg.Supervision.Teams))}
	for i, d := range p.cfg.Districts {
		rep.Districts[i].Key = d.ID
	}
	for i, t := range p.cfg.Supervision.Teams {
		rep.Teams[i].Key = t.ID
	}
	// rows are the tallies an event counts in: the city's, its district's
	// and its team's (a team or district not in the file counts in the
	// city only).
	rows := func(district, team string) []*SupervisionTally {
		out := []*SupervisionTally{&rep.City}
		if i, ok := p.cfg.DistrictIndex(district); ok {
			out = append(out, &rep.Districts[i])
		}
		if i, ok := p.cfg.TeamIndex(team); ok {
			out = append(out, &rep.Teams[i])
		}
		return out
	}
	for _, v := range h.rec.Visits {
		if !in(v.At) {
			continue
		}
		for _, t := range rows(v.District, v.Team) {
			t.Visits[modeIndex(v.Mode)]++
			t.Problems += v.Findings
		}
	}
	for _, r := range h.rec.Findings {
		status, seen := r.StatusAt(asOf)
		if !seen {
			continue
		}
		for _, t := range rows(r.District, r.Team) {
			if in(r.At) {
				t.Found++
			}
			switch status {
			case FindingRectified, FindingLate:
				if in(r.RectifiedAt) {
					t.Rectified++
					if status == FindingLate {
						t.Late++
					}
				}
			case FindingOverdue:
				t.Open++
				t.Overdue++
			case FindingOpen:
				t.Open++
			}
		}
		if status == FindingOverdue {
			rep.Overdue = append(rep.Overdue, r)
		}
	}
	slices.SortStableFunc(rep.Overdue, func(a, b FindingRecord) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return rep
}
