package campaign

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/feed"
)

// Reporting compliance (报送, docs/figures.md "Shift reports due"): the
// campaign file's [[reports]] say which patrol.shift_report each district
// (or each of its grids) owes every night, and by when. The fold keeps,
// per rule and unit, the time of the first report of each night: in the
// state for the newest nights (the board's page), in a History's record
// for every night (the bulletins). A report is on time up to the
// deadline, late within the rule's late window after it, and a night
// without one is missing once its deadline has passed.

// Units a report rule is owed by.
const (
	PerDistrict = "district"
	PerGrid     = "grid"
)

// ReportNightsHeld is how many nights the state keeps: the newest night
// with a report and the one before.
const ReportNightsHeld = 2

// DefaultReportLate is how long after its deadline a report still counts,
// late, for its night, when the rule does not say.
const DefaultReportLate = 8 * time.Hour

// ReportRule is one shift report owed every night of the campaign.
type ReportRule struct {
	Duty string `toml:"duty"` // the report's duty (patrol.shift_report's duty)
	// Per is who owes it: each district ("district", the default) or
	// each grid of the district ("grid", the report carrying its grid).
	Per string `toml:"per"`
	// Due is the deadline, a time of the night's campaign day, "HH:MM",
	// up to "24:00" (midnight at its end).
	Due string `toml:"due"`
	// Late is how long after Due a report still counts, late, for that
	// night (a duration such as "8h", under 24h; default 8h). A report
	// after it counts for the next night.
	Late string `toml:"late"`
	// Districts owe it; empty: every district.
	Districts []string `toml:"districts"`
	Zh        string   `toml:"zh"`
	En        string   `toml:"en"`

	due, late time.Duration
	units     []ReportUnit
	unitIndex map[string]int // unitKey(district, grid)
}

// ReportUnit is one who owes a report: a district, or one of its grids.
type ReportUnit struct {
	District string `json:"district"`
	Grid     string `json:"grid,omitempty"`
}

func unitKey(district, grid string) string { return district + "\x00" + grid }

// Units are the rule's units in config order (districts, then grids).
func (r *ReportRule) Units() []ReportUnit { return r.units }

// DueAfter is the deadline's offset from its night's midnight.
func (r *ReportRule) DueAfter() time.Duration { return r.due }

// LateFor is the rule's late window.
func (r *ReportRule) LateFor() time.Duration { return r.late }

// Name is the rule's name in lang, or its duty.
func (r *ReportRule) Name(lang string) string {
	switch {
	case lang == "en" && r.En != "":
		return r.En
	case r.Zh != "":
		return r.Zh
	}
	return r.Duty
}

func (c *Config) validateReports(fail func(field, needle, reason string) error) error {
	for i := range c.Reports {
		r := &c.Reports[i]
		field := fmt.Sprintf("reports[%d]", i)
		if !slices.Contains(feed.Duties, r.Duty) {
			return fail(field+".duty", "duty", fmt.Sprintf("%q: use one of %s", r.Duty, strings.Join(feed.Duties, ", ")))
		}
		if r.Per == "" {
			r.Per = PerDistrict
		}
		if r.Per != PerDistrict && r.Per != PerGrid {
			return fail(field+".per", "per", fmt.Sprintf("%q: use district (each district reports) or grid (each of its grids reports)", r.Per))
		}
		due, ok := clockTime(r.Due)
		if !ok {
			return fail(field+".due", "due", fmt.Sprintf("%q: write the deadline as a time of the night's day, \"HH:MM\", from 00:01 to 24:00", r.Due))
		}
		r.due, r.late = due, DefaultReportLate
		if r.Late != "" {
			late, err := time.ParseDuration(r.Late)
			if err != nil || late < 0 || late >= 24*time.Hour {
				return fail(field+".late", "late", fmt.Sprintf("%q: write how long after the deadline a report still counts as late, such as \"8h\", under 24h", r.Late))
			}
			r.late = late
		}
		districts := r.Districts
		if len(districts) == 0 {
			for _, d := range c.Districts {
				districts = append(districts, d.ID)
			}
		}
		r.units, r.unitIndex = nil, map[string]int{}
		for _, d := range districts {
			if _, ok := c.district[d]; !ok {
				return fail(field+".districts", d, fmt.Sprintf("unknown district %q: use the ids of [[districts]]", d))
			}
		}
		// Config order, whatever the order of the list.
		for _, d := range c.Districts {
			if !slices.Contains(districts, d.ID) {
				continue
			}
			if r.Per == PerDistrict {
				r.unitIndex[unitKey(d.ID, "")] = len(r.units)
				r.units = append(r.units, ReportUnit{District: d.ID})
				continue
			}
			for _, g := range c.Grids {
				if g.District == d.ID {
					r.unitIndex[unitKey(d.ID, g.ID)] = len(r.units)
					r.units = append(r.units, ReportUnit{District: d.ID, Grid: g.ID})
				}
			}
		}
	}
	return nil
}

// clockTime reads "HH:MM", 00:01 to 24:00, as the time since midnight.
func clockTime(s string) (time.Duration, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m > 0) || h*60+m == 0 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

// Deadline is when rule r's report for campaign night n is due.
func (c *Config) Deadline(r int, n int) time.Time {
	return c.Date(n).Add(c.Reports[r].due)
}

// reportNight is the night a report of rule r at t counts for: the one
// whose deadline plus late window is the first at or after t.
func (c *Config) reportNight(r int, t time.Time) int {
	rule := &c.Reports[r]
	return c.Day(t.Add(24*time.Hour - rule.due - rule.late - time.Nanosecond))
}

// ReportNight is one night's reports: per rule, per unit, the time (unix
// seconds) of the unit's first report of the night, 0 for none.
type ReportNight struct {
	Night int       `json:"night"`
	At    [][]int64 `json:"at"`
}

func newReportNight(cfg *Config, n int) ReportNight {
	rn := ReportNight{Night: n, At: make([][]int64, len(cfg.Reports))}
	for i := range cfg.Reports {
		rn.At[i] = make([]int64, len(cfg.Reports[i].units))
	}
	return rn
}

// record keeps the earliest report of a unit, so the same reports give
// the same night in any arrival order.
func (rn *ReportNight) record(r, u int, at int64) {
	if r >= len(rn.At) || u >= len(rn.At[r]) {
		return // a night from a config with other rules
	}
	if cur := rn.At[r][u]; cur == 0 || at < cur {
		rn.At[r][u] = at
	}
}

// ReportBook is the state's newest nights of shift reports, oldest first.
type ReportBook struct {
	Nights []ReportNight `json:"nights"`
	// Checked is the state's clock when the deadlines were last checked
	// (reportsPassed): a deadline after it and at or before the clock is
	// checked at the next event that moves the clock.
	Checked time.Time `json:"checked,omitzero"`
	// nextDue is the first deadline after Checked, so that most events
	// check nothing; zero (after a snapshot) checks at the next event.
	nextDue time.Time
}

// Night is night n's reports held in the state, nil when it is not held
// (none has come yet, or it is older than the nights held).
func (b *ReportBook) Night(n int) *ReportNight {
	if b == nil {
		return nil
	}
	for i := range b.Nights {
		if b.Nights[i].Night == n {
			return &b.Nights[i]
		}
	}
	return nil
}

// night is night n to record a report in: held while it is among the
// ReportNightsHeld newest nights of any report; a newer night lets the
// oldest go. nil for a night older than those held.
func (b *ReportBook) night(cfg *Config, n int) *ReportNight {
	if rn := b.Night(n); rn != nil {
		return rn
	}
	oldest := func() int { return b.Nights[len(b.Nights)-1].Night - (ReportNightsHeld - 1) }
	if len(b.Nights) > 0 && n < oldest() {
		return nil
	}
	b.Nights = append(b.Nights, newReportNight(cfg, n))
	slices.SortFunc(b.Nights, func(a, b ReportNight) int { return a.Night - b.Night })
	b.Nights = slices.DeleteFunc(b.Nights, func(rn ReportNight) bool { return rn.Night < oldest() })
	return b.Night(n)
}

// shiftReportDue records a shift report against the rules it meets.
func (f *folder) shiftReportDue(duty string) {
	cfg := f.cfg
	for r := range cfg.Reports {
		rule := &cfg.Reports[r]
		if rule.Duty != duty {
			continue
		}
		grid := ""
		if rule.Per == PerGrid {
			grid = f.ev.Grid
		}
		u, ok := rule.unitIndex[unitKey(f.ev.District, grid)]
		if !ok {
			continue
		}
		n := cfg.reportNight(r, f.ev.At)
		if n < 1 || n > cfg.Days() {
			continue
		}
		at := f.ev.At.Unix()
		if f.s.Reports == nil {
			f.s.Reports = &ReportBook{}
		}
		if rn := f.s.Reports.night(cfg, n); rn != nil {
			rn.record(r, u, at)
			if rn.missingIn(cfg, r, f.ev.District) == 0 {
				// The district's reports of the night are all in: its
				// warning, if one stands, is cleared.
				f.clearKind(WhenReportMissing, reportSubject(cfg, r, n, f.ev.District), f.ev.At, f.ev.Type)
			}
		}
		if rec := f.s.rec; rec != nil {
			rec.reportNight(n).record(r, u, at)
		}
	}
}

// Report statuses of one unit's report of one night.
const (
	ReportPending = "pending" // not due yet
	ReportOnTime  = "on_time"
	ReportLate    = "late"
	ReportMissing = "missing" // not in, past the deadline
)

// ReportStatus is one unit's report of one night as of an instant.
type ReportStatus struct {
	Rule int `json:"rule"`
	ReportUnit
	Night    int       `json:"night"`
	Deadline time.Time `json:"deadline"`
	At       time.Time `json:"at,omitzero"` // the first report; zero when none
	Status   string    `json:"status"`
}

// statusOf is a unit's status for night n as of asOf, its first report at
// at (unix seconds, 0 none); a report after asOf is not in yet.
func (c *Config) statusOf(r, n int, u ReportUnit, at int64, asOf time.Time) ReportStatus {
	st := ReportStatus{Rule: r, ReportUnit: u, Night: n, Deadline: c.Deadline(r, n)}
	if at != 0 && at <= asOf.Unix() {
		st.At = time.Unix(at, 0).In(c.loc)
		st.Status = ReportOnTime
		if st.At.After(st.Deadline) {
			st.Status = ReportLate
		}
		return st
	}
	st.Status = ReportPending
	if asOf.After(st.Deadline) {
		st.Status = ReportMissing
	}
	return st
}

// NightReports is every unit's report of night n as of asOf, rule by rule
// in config order, from the nights the state holds. held is false for a
// night older than those the state holds: what came for it is not known
// (a night within them with no report had none).
func NightReports(cfg *Config, s *State, n int, asOf time.Time) (statuses []ReportStatus, held bool) {
	var rn *ReportNight
	held = true
	if s != nil && s.Reports != nil {
		rn, held = nightHeld(s.Reports, n)
	}
	return nightStatuses(cfg, rn, n, asOf), held
}

func nightStatuses(cfg *Config, rn *ReportNight, n int, asOf time.Time) []ReportStatus {
	var out []ReportStatus
	for r := range cfg.Reports {
		for u, unit := range cfg.Reports[r].units {
			var at int64
			if rn != nil && r < len(rn.At) && u < len(rn.At[r]) {
				at = rn.At[r][u]
			}
			out = append(out, cfg.statusOf(r, n, unit, at, asOf))
		}
	}
	return out
}

// ReportNightAt is the night whose deadlines a board watches at now: the
// newest campaign night of the rules whose window holds now (clamped to
// the campaign).
func (c *Config) ReportNightAt(now time.Time) int {
	n := 0
	for r := range c.Reports {
		n = max(n, c.reportNight(r, now))
	}
	return min(max(n, 1), c.Days())
}

// ReportTally counts a district's (or the city's) reports of a span's
// nights.
type ReportTally struct {
	District string `json:"district,omitempty"` // "" for the city
	// Owed are the reports due by the instant: on time, late or missing.
	Owed    int `json:"owed"`
	OnTime  int `json:"on_time"`
	Late    int `json:"late"`
	Missing int `json:"missing"`
	// Pending are reports of the span not due yet.
	Pending int `json:"pending,omitempty"`
}

// Reports are a period's shift reports (docs/figures.md, "Shift reports
// due"): per district in config order and for the city, and every late or
// missing one, night by night. A period still running counts the reports
// in by its instant; a complete one every report of its nights.
func (p *Period) Reports(h *History) (tallies []ReportTally, city ReportTally, lapses []ReportStatus) {
	asOf := p.AsOf
	if !p.Elapsed.Running {
		asOf = time.Unix(1<<62, 0) // every report of its nights is in
	}
	byDistrict := map[string]*ReportTally{}
	for _, d := range p.cfg.Districts {
		byDistrict[d.ID] = &ReportTally{District: d.ID}
	}
	sp := p.Covered()
	for n := max(sp.From, 1); n <= min(sp.To, p.cfg.Days()); n++ {
		for _, st := range nightStatuses(p.cfg, h.rec.nightOf(n), n, asOf) {
			t := byDistrict[st.District]
			for _, t := range []*ReportTally{t, &city} {
				switch st.Status {
				case ReportPending:
					t.Pending++
					continue
				case ReportOnTime:
					t.OnTime++
				case ReportLate:
					t.Late++
				case ReportMissing:
					t.Missing++
				}
				t.Owed++
			}
			if st.Status == ReportLate || st.Status == ReportMissing {
				lapses = append(lapses, st)
			}
		}
	}
	for _, d := range p.cfg.Districts {
		tallies = append(tallies, *byDistrict[d.ID])
	}
	return tallies, city, lapses
}

// reportNight is campaign night n's record, made when missing.
func (r *Recorder) reportNight(n int) *ReportNight {
	if r.Reports == nil {
		r.Reports = make([]ReportNight, r.cfg.Days())
	}
	rn := &r.Reports[n-1]
	if rn.Night == 0 {
		*rn = newReportNight(r.cfg, n)
	}
	return rn
}

// nightOf is night n's record, nil when no report of it came.
func (r *Recorder) nightOf(n int) *ReportNight {
	if n < 1 || n > len(r.Reports) || r.Reports[n-1].Night == 0 {
		return nil
	}
	return &r.Reports[n-1]
}

// missingIn counts rule r's units of district that have no report on the
// night.
func (rn *ReportNight) missingIn(cfg *Config, r int, district string) (missing int) {
	for u, unit := range cfg.Reports[r].units {
		if unit.District == district && (r >= len(rn.At) || u >= len(rn.At[r]) || rn.At[r][u] == 0) {
			missing++
		}
	}
	return missing
}

// reportSubject is what a missing-report alert is about: the district,
// the night and the report (xihua@2023-07-17/traffic).
func reportSubject(cfg *Config, r, n int, district string) string {
	return district + "@" + cfg.Date(n).Format(time.DateOnly) + "/" + cfg.Reports[r].Duty
}

// reportsPassed raises a report_missing alert (docs/figures.md, "Alerts")
// for each district with a report of a rule not in when the clock passes
// the rule's deadline for a night: at the first event at or after it,
// which on a quiet night is the hub's clock.tick. A night older than the
// state holds is not checked (its reports are not known), nor one whose
// deadline the clock passed before this state began to check.
func (f *folder) reportsPassed(now time.Time) {
	cfg, s := f.cfg, f.s
	if len(cfg.Reports) == 0 {
		return
	}
	if s.Reports == nil {
		s.Reports = &ReportBook{}
	}
	book := s.Reports
	since := book.Checked
	book.Checked = now
	if !book.nextDue.IsZero() && now.Before(book.nextDue) {
		return
	}
	book.nextDue = cfg.nextDeadline(now)
	if since.IsZero() {
		return
	}
	for r := range cfg.Reports {
		// The nights whose deadline is in (since, now]: at most the few
		// around the clock's days (a jump over more skips the older).
		for n := max(cfg.Day(now)-2, 1); n <= min(cfg.Day(now)+1, cfg.Days()); n++ {
			due := cfg.Deadline(r, n)
			if !due.After(since) || due.After(now) {
				continue
			}
			rn, held := nightHeld(book, n)
			if !held {
				continue
			}
			owed := map[string]int{}
			for _, unit := range cfg.Reports[r].units {
				owed[unit.District]++
			}
			for _, d := range cfg.Districts {
				if owed[d.ID] == 0 {
					continue
				}
				missing := owed[d.ID]
				if rn != nil {
					missing = rn.missingIn(cfg, r, d.ID)
				}
				if missing == 0 {
					continue
				}
				summary := cfg.Reports[r].Name("zh")
				if cfg.Reports[r].Per == PerGrid {
					summary += fmt.Sprintf(" %d/%d", missing, owed[d.ID])
				}
				f.raiseRules(WhenReportMissing, Hit{District: d.ID, Subject: reportSubject(cfg, r, n, d.ID), Type: feed.TypeShiftReport,
					Summary: summary, At: due, Since: due, Count: int64(missing), Limit: float64(owed[d.ID])})
			}
		}
	}
}

// nextDeadline is the first deadline of any rule after now; zero after
// the campaign's last.
func (c *Config) nextDeadline(now time.Time) time.Time {
	var next time.Time
	first := max(c.Day(now), 1) // before the campaign: its first night
	for r := range c.Reports {
		for n := first; n <= min(first+1, c.Days()); n++ {
			if due := c.Deadline(r, n); due.After(now) && (next.IsZero() || due.Before(next)) {
				next = due
			}
		}
	}
	if next.IsZero() {
		next = c.Date(c.Days() + 2) // nothing more is due
	}
	return next
}

// nightHeld is night n in the book, and whether the book can say: a
// night with no report within the nights it holds had none.
func nightHeld(b *ReportBook, n int) (*ReportNight, bool) {
	if rn := b.Night(n); rn != nil {
		return rn, true
	}
	k := len(b.Nights)
	return nil, k == 0 || n >= b.Nights[k-1].Night-(ReportNightsHeld-1)
}
