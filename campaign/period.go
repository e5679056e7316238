package campaign

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"sitboard/feed"
)

// Figures for any span of campaign days (日动态, 周通报, 半月讲评, 月考核).
//
// The state the hub snapshots keeps campaign totals and one city-wide series
// per day; it does not keep every counter per day and district (that would
// multiply the snapshot by the number of days). A History instead folds the
// log once with a Recorder attached: the fold sends every counter change to
// the event's campaign day as well, so a span's counts are the sum of its
// days. docs/figures.md ("Periods") gives the rules and the sizes measured.

// Recorder receives, from the fold, each campaign day's own counts. Events
// before the campaign count on day 1 and events after it on the last day,
// as the state's Day is clamped, so the days add up to the state's totals.
type Recorder struct {
	Days []DayRecord `json:"days"` // index d-1
	// Solved lists the notable cases (from the config) solved, in fold order.
	Solved []Closure `json:"solved,omitempty"`
	// Alerts lists every priority alert raised, in fold order, with when
	// the event that clears it arrived.
	Alerts []AlertRecord `json:"alerts,omitempty"`
	// uncleared maps a subject (case or alarm id) to its alerts not yet
	// cleared, by index in Alerts. The state keeps only MaxAlerts active
	// alerts, so the record clears by subject itself: an alert pushed out
	// of the state is still cleared when its case is solved.
	uncleared map[string][]int
	// byID maps an alert id (the raising event's) to its records in
	// Alerts, for acknowledgements: an alert pushed out of the state by
	// MaxAlerts or cleared is still marked when it is acknowledged.
	byID map[string][]int
	cfg  *Config
}

// DayRecord is one campaign day's counts.
type DayRecord struct {
	Totals    Counters                 `json:"totals"`
	Districts map[string]*Counters     `json:"districts,omitempty"`
	Grids     map[string]*GridCounts   `json:"grids,omitempty"`
	Notables  map[string]*NotableState `json:"notables,omitempty"`
	// Sites holds the watched sites a shift report of the day listed: the
	// sites patrolled that night (docs/figures.md, "Site coverage").
	Sites map[string]bool `json:"sites,omitempty"`
}

// AlertRecord is a priority alert, when and by whom it was acknowledged
// (Alert.AckedAt, AckedBy: the first alert.acknowledged a board sent), and
// when and by what event it was cleared (the case solved, the alarm closed).
type AlertRecord struct {
	Alert
	ClearedAt time.Time `json:"cleared_at,omitzero"`
	ClearedBy string    `json:"cleared_by,omitempty"`
}

func newRecorder(cfg *Config) *Recorder {
	r := &Recorder{cfg: cfg}
	r.reset()
	return r
}

func (r *Recorder) reset() {
	r.Days = make([]DayRecord, r.cfg.Days())
	r.Solved, r.Alerts = nil, nil
	r.uncleared = map[string][]int{}
	r.byID = map[string][]int{}
}

func (r *Recorder) day(d int) *DayRecord { return &r.Days[d-1] }

func (d *DayRecord) district(id string) *Counters    { return entry(&d.Districts, id) }
func (d *DayRecord) grid(id string) *GridCounts      { return entry(&d.Grids, id) }
func (d *DayRecord) notable(id string) *NotableState { return entry(&d.Notables, id) }

func (d *DayRecord) siteCovered(id string) {
	if d.Sites == nil {
		d.Sites = map[string]bool{}
	}
	d.Sites[id] = true
}

// entry returns the map's value for k, adding a zero one (and the map)
// when it is missing.
func entry[V any](m *map[string]*V, k string) *V {
	if *m == nil {
		*m = map[string]*V{}
	}
	v, ok := (*m)[k]
	if !ok {
		v = new(V)
		(*m)[k] = v
	}
	return v
}

func (r *Recorder) alertRaised(a Alert) {
	if a.Subject != "" {
		r.uncleared[a.Subject] = append(r.uncleared[a.Subject], len(r.Alerts))
	}
	r.byID[a.ID] = append(r.byID[a.ID], len(r.Alerts))
	r.Alerts = append(r.Alerts, AlertRecord{Alert: a})
}

// alertAcked marks the records of alert id in district acknowledged (the
// first ack wins; never before the alert was raised).
func (r *Recorder) alertAcked(id, district string, at time.Time, by string) {
	for _, i := range r.byID[id] {
		if a := &r.Alerts[i]; a.District == district && !a.Acked() {
			a.AckedAt, a.AckedBy = laterOf(at, a.At), by
		}
	}
}

// alertsCleared marks the subject's alerts whose rule the event type
// clears.
func (r *Recorder) alertsCleared(cfg *Config, typ, subject string, at time.Time) {
	open := r.uncleared[subject]
	if len(open) == 0 {
		return
	}
	left := open[:0]
	for _, i := range open {
		a := &r.Alerts[i]
		if a.Rule < len(cfg.Alerts) && cfg.Alerts[a.Rule].ClearType == typ {
			a.ClearedAt, a.ClearedBy = at, typ
			continue
		}
		left = append(left, i)
	}
	if len(left) == 0 {
		delete(r.uncleared, subject)
	} else {
		r.uncleared[subject] = left
	}
}

// History is a fold that also keeps each campaign day's counts, for
// figures over any span. Apply it to every event of a log or recording in
// order, as the hub does with its state.
type History struct {
	cfg   *Config
	state *State
	rec   *Recorder
}

// NewHistory starts an empty history of the campaign.
func NewHistory(cfg *Config) *History {
	h := &History{cfg: cfg, state: NewState(cfg), rec: newRecorder(cfg)}
	h.state.rec = h.rec
	return h
}

// Apply folds one event (see the package's Apply).
func (h *History) Apply(ev feed.Event) { Apply(h.cfg, h.state, ev) }

// State is the folded state, the same as the hub's for the same events.
// It belongs to the History: clone it to keep it.
func (h *History) State() *State { return h.state }

// Config is the campaign the history folds.
func (h *History) Config() *Config { return h.cfg }

// Recorder is the per-day record.
func (h *History) Recorder() *Recorder { return h.rec }

// Period kinds, in the campaign office's rhythm.
const (
	PeriodDay       = "day"        // 日动态
	PeriodWeek      = "week"       // 周通报
	PeriodHalfMonth = "half-month" // 半月讲评
	PeriodMonth     = "month"      // 月考核
	PeriodCampaign  = "campaign"   // the closing bulletin
)

// PeriodKinds lists the period kinds.
var PeriodKinds = []string{PeriodDay, PeriodWeek, PeriodHalfMonth, PeriodMonth, PeriodCampaign}

// Span is a run of campaign days, From to To inclusive (1-based). From
// may be below 1 for the span before the campaign's first days.
type Span struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Days is the span's length.
func (sp Span) Days() int { return sp.To - sp.From + 1 }

// Previous is the span of equal length just before: the 环比 span.
func (sp Span) Previous() Span { return Span{sp.From - sp.Days(), sp.From - 1} }

// Contains reports whether campaign day d is in the span.
func (sp Span) Contains(d int) bool { return d >= sp.From && d <= sp.To }

// Date is the date of campaign day d (midnight, campaign zone).
func (c *Config) Date(d int) time.Time { return c.start.AddDate(0, 0, d-1) }

// PeriodSpan is the span of the given kind that holds campaign day d, by
// the campaign calendar (docs/figures.md, "Periods"): a week is seven
// days counted from the campaign's first day (days 1–7, 8–14, …); a
// half-month is the 1st–15th or the 16th–end of a calendar month; a month
// is a calendar month. Spans are cut to the campaign's days, so the first
// and last of them may be shorter.
func (c *Config) PeriodSpan(kind string, d int) (Span, error) {
	if d < 1 || d > c.days {
		return Span{}, fmt.Errorf("day %d is outside the campaign (days 1–%d, %s to %s)", d, c.days, c.Campaign.Start, c.Campaign.End)
	}
	clip := func(sp Span) Span { return Span{max(sp.From, 1), min(sp.To, c.days)} }
	date := c.Date(d)
	dayOf := func(t time.Time) int { return c.Day(t) }
	switch kind {
	case PeriodDay:
		return Span{d, d}, nil
	case PeriodWeek:
		from := (d-1)/7*7 + 1
		return clip(Span{from, from + 6}), nil
	case PeriodHalfMonth:
		first := time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, c.loc)
		if date.Day() <= 15 {
			return clip(Span{dayOf(first), dayOf(first.AddDate(0, 0, 14))}), nil
		}
		return clip(Span{dayOf(first.AddDate(0, 0, 15)), dayOf(first.AddDate(0, 1, -1))}), nil
	case PeriodMonth:
		first := time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, c.loc)
		return clip(Span{dayOf(first), dayOf(first.AddDate(0, 1, -1))}), nil
	case PeriodCampaign:
		return Span{1, c.days}, nil
	}
	return Span{}, fmt.Errorf("unknown period %q: use one of %s", kind, strings.Join(PeriodKinds, ", "))
}

// PeriodCounts are a span's counts, the sum of its days.
type PeriodCounts struct {
	Span      Span                     `json:"span"`
	Totals    Counters                 `json:"totals"`
	Districts map[string]*Counters     `json:"districts"`
	Grids     map[string]*GridCounts   `json:"grids"`
	Notables  map[string]*NotableState `json:"notables"`
	// Sites counts, per watched site, the nights of the span on which a
	// shift report listed it.
	Sites map[string]int `json:"sites"`
}

// Counts sums the days of sp that lie in the campaign.
func (h *History) Counts(sp Span) *PeriodCounts {
	pc := &PeriodCounts{Span: sp, Districts: map[string]*Counters{}, Grids: map[string]*GridCounts{}, Notables: map[string]*NotableState{}, Sites: map[string]int{}}
	for _, d := range h.cfg.Districts {
		pc.Districts[d.ID] = &Counters{}
	}
	for d := max(sp.From, 1); d <= min(sp.To, h.cfg.Days()); d++ {
		day := &h.rec.Days[d-1]
		addCounters(&pc.Totals, &day.Totals)
		for id, c := range day.Districts {
			dst, ok := pc.Districts[id]
			if !ok {
				continue // not a campaign district: counted in the totals only
			}
			addCounters(dst, c)
		}
		for id, g := range day.Grids {
			dst := entry(&pc.Grids, id)
			dst.Alarms += g.Alarms
			dst.Officers += g.Officers
		}
		for id, n := range day.Notables {
			dst := entry(&pc.Notables, id)
			dst.ValueCNY += n.ValueCNY
			dst.RecoveredCNY += n.RecoveredCNY
			dst.SeizedCNY += n.SeizedCNY
			dst.Arrested += n.Arrested
		}
		for id := range day.Sites {
			pc.Sites[id]++
		}
	}
	return pc
}

// DayTotals is campaign day d's city-wide counts (zero outside the campaign).
func (h *History) DayTotals(d int) Counters {
	if d < 1 || d > len(h.rec.Days) {
		return Counters{}
	}
	return h.rec.Days[d-1].Totals
}

// addCounters adds every count of src to dst. It walks the struct's fields
// so a counter added to Counters is summed without touching this code.
func addCounters(dst, src *Counters) { addFields(dst, src) }

// addFields adds every field of src to dst: int64 fields, and maps of
// string to int64 key by key. It panics on any other field, so a field a
// sum would silently drop is caught by the first test that sums one.
func addFields[T any](dst, src *T) {
	dv, sv := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := 0; i < sv.NumField(); i++ {
		sf, df := sv.Field(i), dv.Field(i)
		switch sf.Kind() {
		case reflect.Int64:
			df.SetInt(df.Int() + sf.Int())
		case reflect.Map:
			if sf.Len() == 0 {
				continue
			}
			if df.IsNil() {
				df.Set(reflect.MakeMapWithSize(sf.Type(), sf.Len()))
			}
			it := sf.MapRange()
			for it.Next() {
				cur := df.MapIndex(it.Key())
				v := it.Value().Int()
				if cur.IsValid() {
					v += cur.Int()
				}
				df.SetMapIndex(it.Key(), reflect.ValueOf(v))
			}
		default:
			panic("campaign: " + sv.Type().Name() + " field " + sv.Type().Field(i).Name + " is neither int64 nor map[string]int64: teach addFields to sum it")
		}
	}
}

// Period is the figures of one span, with what they are compared with.
type Period struct {
	Kind string `json:"kind"`
	Span Span   `json:"span"`
	// Counts are the span's; PrevCounts the campaign days of the span just
	// before (Span.Previous), which may begin before the campaign.
	Counts     *PeriodCounts `json:"counts"`
	PrevCounts *PeriodCounts `json:"prev_counts"`
	cfg        *Config
}

// Period gathers a span's counts and its 环比 span's.
func (h *History) Period(kind string, sp Span) *Period {
	return &Period{Kind: kind, Span: sp, Counts: h.Counts(sp), PrevCounts: h.Counts(sp.Previous()), cfg: h.cfg}
}

// PeriodComparison is one comparison of a period: the period's count, the
// count it is compared with, and the change.
type PeriodComparison struct {
	Current int64   `json:"current"`
	Base    float64 `json:"base"`
	// BaseDays is how many of the compared days come from the campaign
	// file's baseline pro-rated by day (环比 of a span at the campaign's
	// start; every 同比), the rest from the recorded days.
	BaseDays int    `json:"base_days"`
	Change   Figure `json:"change"`
}

// Compare is a metric's 环比 (basis VsPreviousPeriod) or 同比
// (VsSamePeriodLast) for the period, city-wide when district is "".
//
// 环比 compares with the span of equal length just before. Its days inside
// the campaign are counted from the log; its days before the campaign come
// from [baselines.previous] (which covers the campaign's length just before
// it) pro-rated by day. 同比 compares with [baselines.last_year] pro-rated
// by day: baseline × span days / campaign days. Baselines are city-wide, so a
// district's comparison needs every compared day from the log: a district
// has 环比 once the previous span lies inside the campaign, and no 同比.
func (p *Period) Compare(metric, basis, district string) PeriodComparison {
	cur, prev := &p.Counts.Totals, &p.PrevCounts.Totals
	if district != "" {
		cur, prev = p.Counts.Districts[district], p.PrevCounts.Districts[district]
		if cur == nil {
			return PeriodComparison{}
		}
	}
	c := PeriodComparison{Current: Metric(cur, metric)}
	days := float64(p.cfg.Days())
	if basis == VsSamePeriodLast {
		base, ok := p.cfg.Baselines.LastYear[metric]
		if !ok || district != "" {
			return c
		}
		c.BaseDays = p.Span.Days()
		c.Base = float64(base) * float64(c.BaseDays) / days
	} else {
		prevSpan := p.Span.Previous()
		c.BaseDays = max(0, min(prevSpan.To, 0)-prevSpan.From+1)
		c.Base = float64(Metric(prev, metric))
		if c.BaseDays > 0 {
			base, ok := p.cfg.Baselines.Previous[metric]
			if !ok || district != "" {
				return c
			}
			c.Base += float64(base) * float64(c.BaseDays) / days
		}
	}
	if c.Base > 0 {
		c.Change = Figure{(float64(c.Current) - c.Base) / c.Base * 100, true}
	}
	return c
}

// Figures computes every figure for the period, city-wide when district is
// "": counts and rates from the period's counts, changes by Compare.
func (p *Period) Figures(district string) map[string]Figure {
	t, ok := &p.Counts.Totals, true
	if district != "" {
		t, ok = p.Counts.Districts[district]
		if !ok {
			return nil
		}
	}
	return p.figuresOf(t, district, p.Counts)
}

// PreviousFigures computes the count figures of the 环比 span (nil when
// that span begins before the campaign: its counts are not in the log).
func (p *Period) PreviousFigures(district string) map[string]Figure {
	if p.Span.Previous().From < 1 {
		return nil
	}
	t := &p.PrevCounts.Totals
	if district != "" {
		t = p.PrevCounts.Districts[district]
		if t == nil {
			return nil
		}
	}
	return p.figuresOf(t, district, p.PrevCounts)
}

func (p *Period) figuresOf(t *Counters, district string, pc *PeriodCounts) map[string]Figure {
	out := make(map[string]Figure, len(figureDefs)+len(stateFigureDefs))
	for id, def := range figureDefs {
		if info, ok := FigureInfoByID(id); ok && info.Kind == KindChange {
			if pc == p.Counts {
				out[id] = p.Compare(info.Metric, info.Basis, district).Change
			}
			continue
		}
		f := def(p.cfg, nil, t)
		if info, ok := FigureInfoByID(id); ok && info.Kind == KindRate && f.Value > 100 {
			// A period's resolutions or solves may be of disputes or cases
			// from before it: part is then no subset of whole (ShownRate).
			f = Figure{}
		}
		out[id] = f
	}
	notables := pc.Notables
	out["strike.case_0420_funds_recovered_cny"] = n(notableField(notables, "case-0420", func(n *NotableState) int64 { return n.RecoveredCNY }))
	out["strike.toxic_health_food_case_value_cny"] = n(notableField(notables, "toxic-health-food", func(n *NotableState) int64 { return n.ValueCNY }))
	return out
}

func notableField(m map[string]*NotableState, id string, pick func(*NotableState) int64) int64 {
	if ns, ok := m[id]; ok {
		return pick(ns)
	}
	return 0
}

// Ranking ranks the districts on the period's counts by the flag rules.
func (p *Period) Ranking() []DistrictRank {
	return RankCounters(p.cfg, p.Counts.Districts)
}

// SolvedNotables lists the notable cases solved within the span.
func (h *History) SolvedNotables(sp Span) []Closure {
	var out []Closure
	for _, c := range h.rec.Solved {
		if sp.Contains(h.cfg.dayWithin(c.At)) {
			out = append(out, c)
		}
	}
	return out
}

// AlertsRaised lists the priority alerts raised within the span, in order.
func (h *History) AlertsRaised(sp Span) []AlertRecord {
	var out []AlertRecord
	for _, a := range h.rec.Alerts {
		if sp.Contains(h.cfg.dayWithin(a.At)) {
			out = append(out, a)
		}
	}
	return out
}

// GridLoad is a grid's alarms against its patrol presence in a span.
type GridLoad struct {
	Grid       string  `json:"grid"`
	District   string  `json:"district"`
	Alarms     int64   `json:"alarms"`
	Officers   int64   `json:"officers"` // patrol person-shifts reported in the grid
	PerOfficer float64 `json:"per_officer"`
}

// BusiestGrids are the n grids with the most alarms per patrol
// person-shift in the period; a grid with alarms and no patrol reported
// comes first (its load is unbounded), ties go by alarms, then config order.
func (p *Period) BusiestGrids(n int) []GridLoad {
	var rows []GridLoad
	for _, g := range p.cfg.Grids {
		gc := p.Counts.Grids[g.ID]
		if gc == nil || gc.Alarms == 0 {
			continue
		}
		r := GridLoad{Grid: g.ID, District: g.District, Alarms: gc.Alarms, Officers: gc.Officers}
		if gc.Officers > 0 {
			r.PerOfficer = float64(gc.Alarms) / float64(gc.Officers)
		}
		rows = append(rows, r)
	}
	load := func(r GridLoad) float64 {
		if r.Officers == 0 {
			return 1e18
		}
		return r.PerOfficer
	}
	slices.SortStableFunc(rows, func(a, b GridLoad) int {
		switch la, lb := load(a), load(b); {
		case la > lb:
			return -1
		case la < lb:
			return 1
		}
		return int(b.Alarms - a.Alarms)
	})
	return rows[:min(n, len(rows))]
}

// SiteCoverage is one watched site's patrol coverage over a span: the
// nights on which a shift report listed it, of the span's nights.
type SiteCoverage struct {
	Site     string `json:"site"`
	District string `json:"district"`
	Covered  int    `json:"covered"` // nights patrolled
	Nights   int    `json:"nights"`  // nights in the span
}

// Nights is how many campaign days (nights) the span holds: its days
// inside the campaign.
func (p *Period) Nights() int {
	return max(0, min(p.Span.To, p.cfg.Days())-max(p.Span.From, 1)+1)
}

// SiteCoverage lists the campaign's sites of one kind (e.g.
// SiteNightMarket), in config order, each with the nights of the span a
// shift report listed it. A night is a campaign day: a report counts on
// its event's day by the rule every event follows.
func (p *Period) SiteCoverage(kind string) []SiteCoverage {
	nights := p.Nights()
	var out []SiteCoverage
	for _, s := range p.cfg.Sites {
		if s.Kind != kind {
			continue
		}
		out = append(out, SiteCoverage{Site: s.ID, District: s.District, Covered: p.Counts.Sites[s.ID], Nights: nights})
	}
	return out
}

// AccidentFreeDays counts the days of the span without a major accident,
// up to day upTo (the last day with data), and the longest run of them.
func (h *History) AccidentFreeDays(sp Span, upTo int) (free, longest int) {
	run := 0
	for d := max(sp.From, 1); d <= min(sp.To, upTo, h.cfg.Days()); d++ {
		if h.rec.Days[d-1].Totals.MajorAccidents == 0 {
			free++
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return free, longest
}

// Headline is a period's lead numbers, as a bulletin opens with them.
type Headline struct {
	Alarms           int64 `json:"alarms"`            // alarm calls received, every category (起)
	CasesFiled       int64 `json:"cases_filed"`       // criminal cases filed (起)
	CasesSolved      int64 `json:"cases_solved"`      // cases solved, every kind, backlog included (起)
	Arrested         int64 `json:"arrested"`          // suspects arrested (人)
	Officers         int64 `json:"officers"`          // officer person-shifts reported, every duty (人次)
	Rectified        int64 `json:"rectified"`         // hazards rectified (处)
	DisputesResolved int64 `json:"disputes_resolved"` // disputes resolved in the period, found then or before (件)
	MajorAccidents   int64 `json:"major_accidents"`   // (起)
}

// HeadlineOf sums a period's (or the campaign's) counters into its lead
// numbers.
func HeadlineOf(c *Counters) Headline {
	return Headline{
		Alarms: sum(c.AlarmsReceived), CasesFiled: sum(c.CasesFiled), CasesSolved: sum(c.CasesSolved),
		Arrested: int64(DistrictMeasure(c, "suspects_arrested")), Officers: sum(c.Officers), Rectified: sum(c.Rectified),
		DisputesResolved: c.DisputesResolved + c.DisputesResolvedUnfound, MajorAccidents: c.MajorAccidents,
	}
}
