package campaign

import (
	"fmt"
	"math"
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
	// Hours are the counts hour by hour of the newest campaign day of any
	// event (HourDay, see MovesClock) and the day before: a running day's
	// bulletin counts to the same whole hour on both (docs/figures.md,
	// rule 1). Which days they are depends only on the events' days, as
	// for the state's Intraday.
	HourDay int                       `json:"hour_day,omitempty"`
	Hours   [2][HoursPerDay]DayRecord `json:"-"` // [0] the day before HourDay, [1] HourDay
	// Reports are every night's shift reports (reports.go), index n-1;
	// nil until one comes.
	Reports []ReportNight `json:"reports,omitempty"`
	// Directives are every instruction of the run (directives.go); nil
	// until one comes.
	Directives *DirectiveBook `json:"directives,omitempty"`
	// Visits and Findings are every supervision visit and finding, in
	// fold order (supervision.go); findingByID indexes Findings.
	Visits      []VisitRecord   `json:"visits,omitempty"`
	Findings    []FindingRecord `json:"findings,omitempty"`
	findingByID map[string]int
	cfg         *Config
}

// DayRecord is one campaign day's counts.
type DayRecord struct {
	// Events are the events folded on the day (duplicates not), as the
	// state's Events: a bulletin's data-source line gives its period's.
	Events    int64                    `json:"events,omitempty"`
	Totals    Counters                 `json:"totals"`
	Districts map[string]*Counters     `json:"districts,omitempty"`
	Grids     map[string]*GridCounts   `json:"grids,omitempty"`
	Notables  map[string]*NotableState `json:"notables,omitempty"`
	// Sites holds the watched sites a shift report of the day listed: the
	// sites patrolled that night (docs/figures.md, "Site coverage").
	Sites map[string]bool `json:"sites,omitempty"`
}

// AlertRecord is a priority alert with its whole lifecycle: when and by
// whom it was acknowledged (the first alert.acknowledged a board sent),
// and when and by what event it was cleared (the case solved, the alarm
// closed).
type AlertRecord struct {
	Alert
}

func newRecorder(cfg *Config) *Recorder {
	r := &Recorder{cfg: cfg}
	r.reset()
	return r
}

func (r *Recorder) reset() {
	r.Days = make([]DayRecord, r.cfg.Days())
	r.HourDay, r.Hours = 0, [2][HoursPerDay]DayRecord{}
	r.Solved, r.Alerts, r.Reports, r.Directives = nil, nil, nil, nil
	r.Visits, r.Findings, r.findingByID = nil, nil, map[string]int{}
	r.uncleared = map[string][]int{}
	r.byID = map[string][]int{}
}

func (r *Recorder) day(d int) *DayRecord { return &r.Days[d-1] }

// hour is the hour record of campaign day d at hour h, moving the held
// days on when d is newer and moves is set; nil when d is not held.
func (r *Recorder) hour(d, h int, moves bool) *DayRecord {
	if moves && d > r.HourDay {
		if d == r.HourDay+1 {
			r.Hours[0], r.Hours[1] = r.Hours[1], [HoursPerDay]DayRecord{}
		} else {
			r.Hours = [2][HoursPerDay]DayRecord{}
		}
		r.HourDay = d
	}
	switch d {
	case r.HourDay:
		return &r.Hours[1][h]
	case r.HourDay - 1:
		return &r.Hours[0][h]
	}
	return nil
}

// HoursOf sums campaign day d's counts from 00:00 to hour:00 (hour 0–24).
// ok is false when the record does not hold d's hours (an older day); a
// day after the newest with data holds nothing yet.
func (h *History) HoursOf(d, hour int) (pc *PeriodCounts, ok bool) {
	r := h.rec
	pc = newPeriodCounts(h.cfg, Span{d, d})
	var hours *[HoursPerDay]DayRecord
	switch d {
	case r.HourDay:
		hours = &r.Hours[1]
	case r.HourDay - 1:
		hours = &r.Hours[0]
	default:
		return pc, d > r.HourDay
	}
	for i := range min(max(hour, 0), HoursPerDay) {
		pc.add(&hours[i])
	}
	return pc, true
}

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
	if a.Subject != "" && a.Clears {
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

// alertsCleared marks cleared the subject's records that match.
func (r *Recorder) alertsCleared(subject string, at time.Time, by string, match func(*Alert) bool) {
	open := r.uncleared[subject]
	if len(open) == 0 {
		return
	}
	left := open[:0]
	for _, i := range open {
		if a := &r.Alerts[i].Alert; match(a) {
			a.ClearedAt, a.ClearedBy = laterOf(at, a.At), by
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

func newPeriodCounts(cfg *Config, sp Span) *PeriodCounts {
	pc := &PeriodCounts{Span: sp, Districts: map[string]*Counters{}, Grids: map[string]*GridCounts{}, Notables: map[string]*NotableState{}, Sites: map[string]int{}}
	for _, d := range cfg.Districts {
		pc.Districts[d.ID] = &Counters{}
	}
	return pc
}

// Counts sums the days of sp that lie in the campaign.
func (h *History) Counts(sp Span) *PeriodCounts {
	pc := newPeriodCounts(h.cfg, sp)
	for d := max(sp.From, 1); d <= min(sp.To, h.cfg.Days()); d++ {
		pc.add(&h.rec.Days[d-1])
	}
	return pc
}

// add adds one day's (or hour's) record.
func (pc *PeriodCounts) add(day *DayRecord) {
	pc.addParts(&day.Totals, day.Districts, day.Grids, day.Notables)
	for id := range day.Sites {
		pc.Sites[id]++
	}
}

// merge adds another period's counts (its span is not joined).
func (pc *PeriodCounts) merge(o *PeriodCounts) {
	pc.addParts(&o.Totals, o.Districts, o.Grids, o.Notables)
	for id, v := range o.Sites {
		pc.Sites[id] += v
	}
}

// addParts adds counts by district, grid and notable case; a district not
// in the campaign counts in the totals only.
func (pc *PeriodCounts) addParts(totals *Counters, districts map[string]*Counters, grids map[string]*GridCounts, notables map[string]*NotableState) {
	addCounters(&pc.Totals, totals)
	for id, c := range districts {
		if dst, ok := pc.Districts[id]; ok {
			addCounters(dst, c)
		}
	}
	for id, g := range grids {
		dst := entry(&pc.Grids, id)
		dst.Alarms += g.Alarms
		dst.Officers += g.Officers
	}
	for id, n := range notables {
		dst := entry(&pc.Notables, id)
		dst.ValueCNY += n.ValueCNY
		dst.RecoveredCNY += n.RecoveredCNY
		dst.SeizedCNY += n.SeizedCNY
		dst.Arrested += n.Arrested
	}
}

// EventsIn is the number of events folded on the span's days.
func (h *History) EventsIn(sp Span) int64 {
	var n int64
	for d := max(sp.From, 1); d <= min(sp.To, len(h.rec.Days)); d++ {
		n += h.rec.Days[d-1].Events
	}
	return n
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

// Period is the figures of one period of the campaign calendar as of an
// instant, with what each is compared with (docs/figures.md, "Fair
// judgement", rules 1–4).
type Period struct {
	Kind string `json:"kind"`
	// Span is the whole period; Elapsed how much of it had run as of the
	// instant the period is taken at.
	Span    Span    `json:"span"`
	Elapsed Elapsed `json:"elapsed"`
	// AsOf is the instant the period is taken at.
	AsOf time.Time `json:"as_of"`
	// Counts are the period's counts as of that instant: its complete
	// days, and the day running to its whole hour.
	Counts *PeriodCounts `json:"counts"`
	// Complete are its complete days' counts only: what a comparison sets
	// against a base without hours (rule 1).
	Complete *PeriodCounts `json:"complete"`
	// Before are the campaign's days before the period: the cases and
	// disputes still open at its start (rule 3) and the forces already in
	// service (rule 4).
	Before *PeriodCounts `json:"before"`
	// Today and DayBefore are, for a day period still running, the day
	// and the day before both to the same whole hour (nil otherwise).
	Today, DayBefore *PeriodCounts `json:"-"`
	// Prev is 上期: the previous period of the same kind, whole, with
	// exactly the figures its bulletin printed; nil for the first period
	// of each kind and for the campaign (rule 2).
	Prev *Period `json:"-"`
	cfg  *Config
}

// Period is the whole period sp of kind, as of its end.
func (h *History) Period(kind string, sp Span) *Period {
	return h.PeriodAsOf(kind, sp, h.cfg.Date(sp.To+1))
}

// PeriodAsOf is period sp of kind as of asOf, with its 上期.
func (h *History) PeriodAsOf(kind string, sp Span, asOf time.Time) *Period {
	p := h.periodAsOf(kind, sp, asOf)
	if prev, ok := h.cfg.PreviousSpan(kind, sp); ok {
		p.Prev = h.periodAsOf(kind, prev, h.cfg.Date(prev.To+1))
	}
	return p
}

func (h *History) periodAsOf(kind string, sp Span, asOf time.Time) *Period {
	e := h.cfg.Elapsed(sp, asOf)
	p := &Period{Kind: kind, Span: sp, Elapsed: e, AsOf: asOf, cfg: h.cfg}
	p.Complete = h.Counts(Span{sp.From, sp.From + e.Days - 1})
	p.Before = h.Counts(Span{1, sp.From - 1})
	p.Counts = newPeriodCounts(h.cfg, sp)
	p.Counts.merge(p.Complete)
	if e.Running && e.RunningDay() <= h.cfg.Days() {
		d := e.RunningDay()
		whole := h.Counts(Span{d, d})
		today, ok := h.HoursOf(d, e.Hours)
		if !ok {
			today = whole // an older day than the record holds: its counts so far
		}
		// Grids, notable cases and sites are not kept by the hour: the
		// running day's so far.
		today.Grids, today.Notables, today.Sites = whole.Grids, whole.Notables, whole.Sites
		p.Counts.merge(today)
		if kind == PeriodDay && d > 1 {
			if before, ok := h.HoursOf(d-1, e.Hours); ok && e.Hours > 0 {
				p.Today, p.DayBefore = today, before
			}
		}
	}
	return p
}

// PreviousSpan is the period of the same kind just before sp (上期), and
// false for the first of each kind and for the campaign.
func (c *Config) PreviousSpan(kind string, sp Span) (Span, bool) {
	if kind == PeriodCampaign || sp.From <= 1 {
		return Span{}, false
	}
	prev, err := c.PeriodSpan(kind, sp.From-1)
	return prev, err == nil
}

// Covered is the period's days with counts as of its instant: from its
// first day to the day running (or its last day, once complete).
func (p *Period) Covered() Span {
	if p.Elapsed.Running {
		return Span{p.Span.From, min(p.Elapsed.RunningDay(), p.Span.To)}
	}
	return p.Span
}

// Sources of a comparison's base.
const (
	BasePrevious  = "previous"   // 上期: the previous bulletin of the same kind
	BaseBaseline  = "baseline"   // the pre-campaign baseline 折算 (the first period of each kind, and the campaign)
	BaseSameHours = "same_hours" // the day before, to the same whole hour
	BaseLastYear  = "last_year"  // last year's campaign, pro-rated by day
)

// PeriodComparison is one comparison of a period, like for like, and what
// its base is (Source).
type PeriodComparison struct {
	Comparison
	Source string `json:"source"`
}

// Compare is a metric's 环比 (basis VsPreviousPeriod) or 同比
// (VsSamePeriodLast) for the period, city-wide when district is "", by
// the one rule (LikeForLike):
//
//   - 环比 against 上期, the previous period of the same kind as its
//     bulletin printed it, pro-rated to the complete days compared; the
//     first period of each kind against [baselines.previous] 折算; a day
//     still running against the day before to the same whole hour.
//   - 同比 against [baselines.last_year] pro-rated by day.
//
// A district compares with its previous bulletin, and with its own
// baselines from the campaign file where the city's would be used.
func (p *Period) Compare(metric, basis, district string) PeriodComparison {
	pick := func(pc *PeriodCounts) *Counters {
		if pc == nil {
			return nil
		}
		if district == "" {
			return &pc.Totals
		}
		return pc.Districts[district]
	}
	cur := pick(p.Complete)
	if cur == nil {
		return PeriodComparison{}
	}
	days, total := p.Elapsed.Days, p.cfg.Days()
	// The baselines from the campaign file: the city's, or the district's
	// own ([[districts]] previous and last_year).
	baseline := func(basis string) (int64, bool) {
		if district != "" {
			return p.cfg.DistrictBaseline(district, metric, basis)
		}
		v, ok := baselineOf(p.cfg, basis)[metric]
		return v, ok
	}
	if basis == VsSamePeriodLast {
		base, ok := baseline(VsSamePeriodLast)
		if !ok {
			return PeriodComparison{Source: BaseLastYear}
		}
		return PeriodComparison{LikeForLike(Metric(cur, metric), days, Base{Value: float64(base), Days: total}), BaseLastYear}
	}
	if p.Today != nil {
		return PeriodComparison{LikeForLike(Metric(pick(p.Today), metric), 0, Base{Value: float64(Metric(pick(p.DayBefore), metric)), SameHours: true}), BaseSameHours}
	}
	if p.Prev != nil {
		prev := pick(p.Prev.Counts)
		return PeriodComparison{LikeForLike(Metric(cur, metric), days, Base{Value: float64(Metric(prev, metric)), Days: p.Prev.Span.Days()}), BasePrevious}
	}
	base, ok := baseline(VsPreviousPeriod)
	if !ok {
		return PeriodComparison{Source: BaseBaseline}
	}
	return PeriodComparison{LikeForLike(Metric(cur, metric), days, Base{Value: float64(base), Days: total}), BaseBaseline}
}

// RateParts are a period rate's parts (docs/figures.md, rule 3): the
// solves (or resolutions) in the period, over the cases still open at its
// start and those filed in it.
type RateParts struct {
	Solved int64 `json:"solved"`
	Open   int64 `json:"open"`  // filed in the campaign before the period, not solved before it
	Filed  int64 `json:"filed"` // filed in the period
}

// Whole is what the rate divides by.
func (r RateParts) Whole() int64 { return r.Open + r.Filed }

// Rate is Solved over Whole, not shown when the part passes the whole (an
// out-of-order feed) or there is nothing to divide by.
func (r RateParts) Rate() Figure { return ShownRate(r.Solved, r.Whole()) }

// PeriodRate is a rate figure's parts for counts `in` a period after the
// counts `before` it: a solve is credited in the period it happens, and
// the cases still open at its start count in its base. ok is false for a
// figure that is not a rate.
func PeriodRate(id string, before, in *Counters) (RateParts, bool) {
	solvedBefore, filedBefore, ok := RateCountsOf(before, id)
	if !ok {
		return RateParts{}, false
	}
	solved, filed, _ := RateCountsOf(in, id)
	return RateParts{Solved: solved, Open: max(filedBefore-solvedBefore, 0), Filed: filed}, true
}

// PeriodFigure is one figure of a period with what it is compared with.
type PeriodFigure struct {
	ID    string `json:"id"`
	Value Figure `json:"value"`
	// Rate holds a rate's parts (rule 3).
	Rate *RateParts `json:"rate,omitempty"`
	// Opened is, for a standing force, the openings in the period; Value
	// is then the number in service at its end (rule 4).
	Opened *int64 `json:"opened,omitempty"`
	// Prev is 上期's figure as its bulletin printed it (rule 2), nil when
	// there is none.
	Prev *Figure `json:"prev,omitempty"`
	// Change is a count's 环比 against Prev, like for like (rule 1).
	Change *Comparison `json:"change,omitempty"`
	// Compared is a change figure's comparison.
	Compared *PeriodComparison `json:"compared,omitempty"`
}

// Figure is one figure of the period, city-wide when district is "".
func (p *Period) Figure(id, district string) PeriodFigure {
	out := PeriodFigure{ID: id}
	info, _ := FigureInfoByID(id)
	if info.Kind == KindChange {
		c := p.Compare(info.Metric, info.Basis, district)
		out.Value, out.Compared = c.Change, &c
		return out
	}
	out.Value = p.value(id, district, p.Counts, p.Before)
	if info.Kind == KindRate {
		if rp, ok := PeriodRate(id, p.counters(p.Before, district), p.counters(p.Counts, district)); ok {
			out.Rate = &rp
		}
	}
	if info.Standing {
		opened := int64(p.value(id, district, p.Counts, nil).Value)
		out.Opened = &opened
	}
	if p.Prev != nil && info.Kind != KindConfig {
		prev := p.Prev.value(id, district, p.Prev.Counts, p.Prev.Before)
		out.Prev = &prev
		if info.Kind == KindCount && !info.Standing && prev.OK {
			cur := p.value(id, district, p.Complete, nil)
			c := LikeForLike(int64(math.Round(cur.Value)), p.Elapsed.Days, Base{Value: prev.Value, Days: p.Prev.Span.Days()})
			if p.Today != nil {
				// A day still running: against the day before to the same hour.
				today, before := p.value(id, district, p.Today, nil), p.value(id, district, p.DayBefore, nil)
				c = LikeForLike(int64(math.Round(today.Value)), 0, Base{Value: before.Value, SameHours: true})
			}
			out.Change = &c
		}
	}
	return out
}

func (p *Period) counters(pc *PeriodCounts, district string) *Counters {
	if pc == nil {
		return &Counters{}
	}
	if district == "" {
		return &pc.Totals
	}
	if c, ok := pc.Districts[district]; ok {
		return c
	}
	return &Counters{}
}

// value is a count or rate figure over counts in, after counts before
// (nil: none): a rate by PeriodRate, a standing force in service (before
// and in together).
func (p *Period) value(id, district string, in, before *PeriodCounts) Figure {
	info, _ := FigureInfoByID(id)
	switch {
	case info.Kind == KindRate:
		rp, _ := PeriodRate(id, p.counters(before, district), p.counters(in, district))
		return rp.Rate()
	case info.Standing && before != nil:
		all := &Counters{}
		addCounters(all, p.counters(before, district))
		addCounters(all, p.counters(in, district))
		return figureDefs[id](p.cfg, nil, all)
	}
	if def, ok := figureDefs[id]; ok {
		return def(p.cfg, nil, p.counters(in, district))
	}
	var notables map[string]*NotableState
	if in != nil {
		notables = in.Notables
	}
	switch id {
	case "strike.case_0420_funds_recovered_cny":
		return n(notableField(notables, "case-0420", func(n *NotableState) int64 { return n.RecoveredCNY }))
	case "strike.toxic_health_food_case_value_cny":
		return n(notableField(notables, "toxic-health-food", func(n *NotableState) int64 { return n.ValueCNY }))
	}
	return Figure{}
}

// Figures computes every figure for the period as of its instant,
// city-wide when district is "": counts and rates (rule 3) from the
// period's counts, standing forces in service at its end (rule 4),
// changes by Compare.
func (p *Period) Figures(district string) map[string]Figure {
	if district != "" {
		if _, ok := p.Counts.Districts[district]; !ok {
			return nil
		}
	}
	out := make(map[string]Figure, len(FigureInfos))
	for _, info := range FigureInfos {
		out[info.ID] = p.Figure(info.ID, district).Value
	}
	return out
}

func notableField(m map[string]*NotableState, id string, pick func(*NotableState) int64) int64 {
	if ns, ok := m[id]; ok {
		return pick(ns)
	}
	return 0
}

// FlagKinds are the periods 红黄旗 are awarded on (docs/figures.md, rule 7).
var FlagKinds = []string{PeriodWeek, PeriodHalfMonth, PeriodMonth}

// Ranking scores the districts on the period's counts by the flag rules
// (rule 6) and flags them (rule 7): a week, a half-month or a month is
// flagged, provisionally while it runs; a day or the campaign is not.
func (p *Period) Ranking() (sc Scores, provisional bool) {
	red, yellow := 0, 0
	if slices.Contains(FlagKinds, p.Kind) {
		red, yellow = p.cfg.Flags.Red, p.cfg.Flags.Yellow
	}
	sc = RankSpan(p.cfg, p.Counts.Districts, p.Before.Districts, p.Elapsed.DaysRun(), red, yellow)
	return sc, p.Elapsed.Running && red+yellow > 0
}

// Assessment is the period's 月考核 (rule 6), nil without [assessment]:
// each district's score, its 加扣分 (Adjustments), and the total that
// ranks it.
func (p *Period) Assessment(h *History) (Scores, []AssessmentRow) {
	sc, rows := Assess(p.cfg, p.Counts.Districts, p.Before.Districts, p.Elapsed.DaysRun())
	return sc, withAdjustments(p.Adjustments(h), rows)
}

// Adjustments are the period's 加扣分: the office's own from the campaign
// file dated in its days so far, then those its [[assessment.rules]] count
// (History.RuleAdjustments) by its instant: its end, or asOf while it runs.
func (p *Period) Adjustments(h *History) []Adjustment {
	asOf := p.AsOf
	if !p.Elapsed.Running {
		asOf = p.cfg.Date(p.Span.To + 1)
	}
	return append(p.cfg.AdjustmentsIn(p.Covered()), h.RuleAdjustments(p.Span, asOf)...)
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
	sp := p.Covered()
	return max(0, min(sp.To, p.cfg.Days())-max(sp.From, 1)+1)
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
	Arrested         int64 `json:"arrested"`          // persons caught: suspects arrested and fugitives caught (人)
	FugitivesCaught  int64 `json:"fugitives_caught"`  // of Arrested, wanted fugitives caught (人)
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
		Arrested: int64(DistrictMeasure(c, "suspects_arrested")), FugitivesCaught: sum(c.Fugitives), Officers: sum(c.Officers), Rectified: sum(c.Rectified),
		DisputesResolved: c.DisputesResolved + c.DisputesResolvedUnfound, MajorAccidents: c.MajorAccidents,
	}
}
