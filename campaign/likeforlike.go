package campaign

import "time"

// Like for like in time (docs/figures.md, "Fair judgement", rule 1): a
// count is set against a base over the same elapsed time, never a running
// period against a whole one. Every comparison the board, summary and the
// bulletins show goes through LikeForLike.

// Elapsed is how much of a span has run by an instant.
type Elapsed struct {
	Span Span `json:"span"`
	// Days are the span's complete days: those that ended by the instant.
	Days int `json:"days"`
	// Hours are the whole hours of the day running (day Span.From+Days),
	// 0–23; 0 when the span is complete.
	Hours int `json:"hours"`
	// Running is set until the instant reaches the end of the span's last
	// day.
	Running bool `json:"running"`
}

// DaysRun is the elapsed time in days, to the hour: what a target or a
// baseline is pro-rated to while the span runs (a whole span: its days).
func (e Elapsed) DaysRun() float64 {
	if !e.Running {
		return float64(e.Span.Days())
	}
	return float64(e.Days) + float64(e.Hours)/24
}

// RunningDay is the campaign day running, Span.From+Days; meaningful while
// Running.
func (e Elapsed) RunningDay() int { return e.Span.From + e.Days }

// Elapsed is how much of sp has run at asOf: its complete days and the
// whole hours of the day running. A zero asOf is nothing elapsed.
func (c *Config) Elapsed(sp Span, asOf time.Time) Elapsed {
	e := Elapsed{Span: sp, Running: true}
	if asOf.IsZero() {
		return e
	}
	if !asOf.Before(c.Date(sp.To + 1)) {
		return Elapsed{Span: sp, Days: sp.Days()}
	}
	from := c.Date(sp.From)
	if asOf.Before(from) {
		return e
	}
	d := c.Day(asOf)
	e.Days = d - sp.From
	e.Hours = int(asOf.Sub(c.Date(d)) / time.Hour)
	return e
}

// StateAsOf is the instant a state is taken as of when nothing else says
// (summary, a bulletin, a board replaying): the newest event's time to the
// end of its second. Events are timed to the second, so an event at
// 23:59:59 means the clock has reached midnight and the day is whole. Zero
// for an empty state.
func StateAsOf(s *State) time.Time {
	if s == nil || s.LastAt.IsZero() {
		return time.Time{}
	}
	return s.LastAt.Truncate(time.Second).Add(time.Second)
}

// Base is what a count is compared with.
type Base struct {
	// Value is the base's count over Days days: a baseline from the
	// campaign file, or 上期 as the previous bulletin printed it.
	Value float64 `json:"value"`
	Days  int     `json:"days"`
	// SameHours is set when Value already covers the same hours as the
	// count it is compared with (the day before, to the same whole hour):
	// it is then not pro-rated.
	SameHours bool `json:"same_hours,omitempty"`
}

// Comparison is a like-for-like comparison: the count and the base over
// the same elapsed time, and the change.
type Comparison struct {
	// Current is the count over the compared time: Days complete days, or
	// the same hours as the base.
	Current int64 `json:"current"`
	// Base is the base over the compared time: Whole pro-rated to Days of
	// WholeDays, or Whole itself with SameHours.
	Base      float64 `json:"base"`
	Whole     float64 `json:"whole"`
	WholeDays int     `json:"whole_days"`
	Days      int     `json:"days"`
	SameHours bool    `json:"same_hours,omitempty"`
	// Prorated is set when Base is Whole scaled (Days differ from
	// WholeDays): a bulletin then prints the formula.
	Prorated bool   `json:"prorated,omitempty"`
	Change   Figure `json:"change"`
}

// LikeForLike compares cur, counted over `days` complete days, with b:
// b's value is pro-rated to those days (base × days ÷ b.Days), unless it
// covers the same hours already. No complete day, or a zero base, is no
// comparison (Change not OK): "—", never ▾100%.
func LikeForLike(cur int64, days int, b Base) Comparison {
	c := Comparison{Current: cur, Whole: b.Value, WholeDays: b.Days, Days: days, SameHours: b.SameHours}
	switch {
	case b.SameHours:
		c.Base = b.Value
	case days > 0 && b.Days > 0:
		c.Base = b.Value * float64(days) / float64(b.Days)
		c.Prorated = days != b.Days
	default:
		return c
	}
	if c.Base > 0 {
		c.Change = Figure{(float64(cur) - c.Base) / c.Base * 100, true}
	}
	return c
}

// ToDate is the campaign to date compared with a baseline from the
// campaign file (basis VsPreviousPeriod or VsSamePeriodLast), as of asOf:
// while the campaign runs, its complete days against the baseline
// pro-rated to them; once it is over, the whole campaign against the whole
// baseline, the published figure. The baselines are city-wide.
func ToDate(cfg *Config, s *State, metric, basis string, asOf time.Time) Comparison {
	base, ok := baselineOf(cfg, basis)[metric]
	if !ok || s == nil || s.Events == 0 {
		return Comparison{Whole: float64(base), WholeDays: cfg.Days()}
	}
	e := cfg.Elapsed(Span{1, cfg.Days()}, asOf)
	if !e.Running {
		return LikeForLike(Metric(&s.Totals, metric), cfg.Days(), Base{Value: float64(base), Days: cfg.Days()})
	}
	var cur int64
	for d := 1; d <= e.Days && d <= len(s.Days); d++ {
		cur += s.Days[d-1].Metric(metric)
	}
	return LikeForLike(cur, e.Days, Base{Value: float64(base), Days: cfg.Days()})
}

// DistrictToDate is ToDate for one district against its own baseline
// from the campaign file ([districts.previous] or [districts.last_year]):
// its complete days are its campaign counts less the day running (the
// state keeps each district's counts of the newest day). No baseline for
// the district: no comparison.
func DistrictToDate(cfg *Config, s *State, district, metric, basis string, asOf time.Time) Comparison {
	return GroupToDate(cfg, s, []string{district}, metric, basis, asOf)
}

// GroupToDate is DistrictToDate for some districts together (a zone's):
// their counts summed against the sum of their own baselines. No
// comparison unless every one of them has the baseline.
func GroupToDate(cfg *Config, s *State, districts []string, metric, basis string, asOf time.Time) Comparison {
	var base int64
	for _, d := range districts {
		b, ok := cfg.DistrictBaseline(d, metric, basis)
		if !ok {
			return Comparison{}
		}
		base += b
	}
	if s == nil || len(districts) == 0 {
		return Comparison{}
	}
	var cur int64
	for _, d := range districts {
		c, ok := s.Districts[d]
		if !ok || s.Events == 0 {
			return Comparison{Whole: float64(base), WholeDays: cfg.Days()}
		}
		cur += Metric(c, metric)
	}
	e := cfg.Elapsed(Span{1, cfg.Days()}, asOf)
	if !e.Running {
		return LikeForLike(cur, cfg.Days(), Base{Value: float64(base), Days: cfg.Days()})
	}
	if s.TodayDay == e.RunningDay() {
		for _, d := range districts {
			if dt, ok := s.DistrictToday[d]; ok {
				cur -= dt.Metric(metric)
			}
		}
	}
	return LikeForLike(cur, e.Days, Base{Value: float64(base), Days: cfg.Days()})
}

func baselineOf(cfg *Config, basis string) map[string]int64 {
	if basis == VsSamePeriodLast {
		return cfg.Baselines.LastYear
	}
	return cfg.Baselines.Previous
}

// Metric is a baseline metric's count for the day (see Metrics).
func (d DayCounts) Metric(name string) int64 {
	switch name {
	case "alarms_criminal":
		return d.AlarmsCriminal
	case "alarms_public_order":
		return d.AlarmsPublic
	case "alarms_total":
		return d.Alarms
	case "criminal_cases_filed":
		return d.CasesFiled
	case "theft_cases_filed":
		return d.TheftFiled
	case "telecom_fraud_cases":
		return d.FraudFiled
	case "telecom_fraud_losses_cny":
		return d.FraudLossCNY
	}
	return 0
}
