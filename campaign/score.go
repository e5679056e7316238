package campaign

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Scores fair to size (docs/figures.md, "Fair judgement", rule 6): each
// scored measure of [flags] and [assessment] sets a district against its
// own figures — its target, its residents, its baseline — so a county is
// not flagged for being small. Score is the one function the board's
// ranking, the bulletins' flag tables and the 月考核 use.

// Bases of a scored measure.
const (
	BasisTarget      = "target"      // completion of the district's 任务数, pro-rated to the span, at most 100%
	BasisPerCapita   = "per_capita"  // per 10,000 residents
	BasisImprovement = "improvement" // the count over the district's baseline pro-rated (1.00 = as before)
	BasisRate        = "rate"        // a rate by rule 3, at most 100%
	// BasisCount is the raw count against the largest district's: not fair
	// to size, the default only of a file that gives the districts no
	// population, target or baseline (the bulletins say so).
	BasisCount = "count"
)

// Bases lists the bases a measure may name.
var Bases = []string{BasisTarget, BasisPerCapita, BasisImprovement, BasisRate, BasisCount}

// ScoredMeasure is one measure of a score with its basis and direction
// resolved.
type ScoredMeasure struct {
	Measure string  `json:"measure"`
	Weight  float64 `json:"weight"`
	Better  string  `json:"better"`
	Basis   string  `json:"basis"`
}

// FlagMeasures are [flags]'s measures, resolved.
func (c *Config) FlagMeasures() []ScoredMeasure { return c.flagMeasures }

// AssessMeasures are [assessment]'s measures, resolved.
func (c *Config) AssessMeasures() []ScoredMeasure { return c.assessMeasures }

// countMeasures are the measures that count events (all but the rate).
var countMeasures = []string{"cases_solved", "suspects_arrested", "alarms_criminal", "alarms_total", "hazards_rectified", "inspections", "persons_checked"}

// scoredMeasure resolves a measure's basis (its default when empty) and
// checks that every district has what the basis needs.
func (c *Config) scoredMeasure(measure string, weight float64, better, basis string) (ScoredMeasure, error) {
	m := ScoredMeasure{Measure: measure, Weight: weight, Better: better, Basis: basis}
	if m.Better == "" {
		m.Better = BetterMore
		if measure == "alarms_criminal" || measure == "alarms_total" {
			m.Better = BetterLess
		}
	}
	if m.Basis == "" {
		m.Basis = c.defaultBasis(measure)
	}
	if !slices.Contains(Bases, m.Basis) {
		return m, fmt.Errorf("basis %q: use one of %s", m.Basis, strings.Join(Bases, ", "))
	}
	lacking := func(what string) error {
		for _, d := range c.Districts {
			var ok bool
			switch m.Basis {
			case BasisTarget:
				ok = d.Targets[measure] > 0
			case BasisPerCapita:
				ok = d.Population > 0
			case BasisImprovement:
				_, ok = d.Previous[measure]
			}
			if !ok {
				return fmt.Errorf("basis %s needs %s for every district; %s has none: add it under its [[districts]] entry or choose another basis", m.Basis, what, d.ID)
			}
		}
		return nil
	}
	if slices.Contains(rateMeasures, measure) && m.Basis != BasisRate {
		return m, errors.New(measure + ` is scored on basis "rate"`)
	}
	switch m.Basis {
	case BasisRate:
		if !slices.Contains(rateMeasures, measure) {
			return m, errors.New(`basis "rate" is for ` + strings.Join(rateMeasures, " and ") + ` only: a count needs target, per_capita or improvement`)
		}
		if m.Better != BetterMore {
			return m, errors.New(`a rate is better = "more"`)
		}
		return m, nil
	case BasisTarget:
		if m.Better != BetterMore {
			return m, errors.New(`a target is better = "more": score a count where less is better on improvement or per_capita`)
		}
		return m, lacking(fmt.Sprintf("a target (targets.%s)", measure))
	case BasisPerCapita:
		return m, lacking("a population")
	case BasisImprovement:
		if !slices.Contains(Metrics, measure) {
			return m, fmt.Errorf("basis improvement needs a baseline metric of the same name; %s is none (use %s)", measure, strings.Join(intersect(Metrics, countMeasures), " or "))
		}
		return m, lacking(fmt.Sprintf("a baseline (previous.%s)", measure))
	}
	return m, nil
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// defaultBasis is a measure's basis when the file names none: a rate is a
// rate; alarms against the district's baseline; work done against its
// targets; else per 10,000 residents; else, for a file with no district
// figures, the raw count (not fair to size).
func (c *Config) defaultBasis(measure string) string {
	every := func(has func(District) bool) bool {
		for _, d := range c.Districts {
			if !has(d) {
				return false
			}
		}
		return true
	}
	switch {
	case slices.Contains(rateMeasures, measure):
		return BasisRate
	case (measure == "alarms_criminal" || measure == "alarms_total") && every(func(d District) bool { _, ok := d.Previous[measure]; return ok }):
		return BasisImprovement
	case measure != "persons_checked" && every(func(d District) bool { return d.Targets[measure] > 0 }):
		return BasisTarget
	case every(func(d District) bool { return d.Population > 0 }):
		return BasisPerCapita
	}
	return BasisCount
}

// validateDistrictFigures checks the districts' populations, baselines
// and targets, and that the districts' baselines of a metric add up to
// the city's where all of them give it.
func (c *Config) validateDistrictFigures(fail func(field, needle, reason string) error) error {
	for i, d := range c.Districts {
		field := fmt.Sprintf("districts[%d]", i)
		if d.Population < 0 {
			return fail(field+".population", "population", "must be a positive number of residents")
		}
		for _, tbl := range []struct {
			name string
			m    map[string]int64
		}{{"previous", d.Previous}, {"last_year", d.LastYear}} {
			for k, v := range tbl.m {
				if !slices.Contains(Metrics, k) {
					return fail(field+"."+tbl.name+"."+k, k, "unknown metric: use one of "+strings.Join(Metrics, ", "))
				}
				if v < 0 {
					return fail(field+"."+tbl.name+"."+k, k, "must not be negative")
				}
			}
		}
		for k, v := range d.Targets {
			if !slices.Contains(countMeasures, k) {
				return fail(field+".targets."+k, k, "unknown measure: a target is a count, one of "+strings.Join(countMeasures, ", "))
			}
			if v <= 0 {
				return fail(field+".targets."+k, k, "must be a positive count")
			}
		}
	}
	for _, tbl := range []struct {
		name string
		city map[string]int64
		of   func(District) map[string]int64
	}{{"previous", c.Baselines.Previous, func(d District) map[string]int64 { return d.Previous }},
		{"last_year", c.Baselines.LastYear, func(d District) map[string]int64 { return d.LastYear }}} {
		for _, metric := range Metrics {
			city, ok := tbl.city[metric]
			if !ok {
				continue
			}
			var sum int64
			all := true
			for _, d := range c.Districts {
				v, ok := tbl.of(d)[metric]
				all = all && ok
				sum += v
			}
			if all && sum != city {
				return fail("districts."+tbl.name+"."+metric, "[districts."+tbl.name+"]",
					fmt.Sprintf("the districts' %s add up to %d, the city's [baselines.%s] is %d: make them agree", metric, sum, tbl.name, city))
			}
		}
	}
	return nil
}

// DistrictBaseline is a district's own baseline of a metric (basis
// VsPreviousPeriod or VsSamePeriodLast), from its [[districts]] entry.
func (c *Config) DistrictBaseline(district, metric, basis string) (int64, bool) {
	i, ok := c.district[district]
	if !ok {
		return 0, false
	}
	m := c.Districts[i].Previous
	if basis == VsSamePeriodLast {
		m = c.Districts[i].LastYear
	}
	v, ok := m[metric]
	return v, ok
}

// ScoreCounts are the counts a score reads, per district: small enough
// for the state to keep at each period's start (see FlagBook).
type ScoreCounts struct {
	Solved           int64 `json:"solved,omitempty"`
	Arrested         int64 `json:"arrested,omitempty"`
	AlarmsCriminal   int64 `json:"alarms_criminal,omitempty"`
	AlarmsTotal      int64 `json:"alarms_total,omitempty"`
	Rectified        int64 `json:"rectified,omitempty"`
	Inspections      int64 `json:"inspections,omitempty"`
	PersonsChecked   int64 `json:"persons_checked,omitempty"`
	DisputesFound    int64 `json:"disputes_found,omitempty"`
	DisputesResolved int64 `json:"disputes_resolved,omitempty"` // matched to a dispute found
	// DispatchRuled and DispatchInTime: alarms dispatched whose priority
	// has a threshold, and of them those in time (the response clock).
	DispatchRuled  int64 `json:"dispatch_ruled,omitempty"`
	DispatchInTime int64 `json:"dispatch_in_time,omitempty"`
}

// ScoreCountsOf reads a district's counts.
func ScoreCountsOf(c *Counters) ScoreCounts {
	if c == nil {
		return ScoreCounts{}
	}
	return ScoreCounts{
		Solved: sum(c.CasesSolved), Arrested: int64(DistrictMeasure(c, "suspects_arrested")),
		AlarmsCriminal: c.AlarmsReceived["criminal"], AlarmsTotal: sum(c.AlarmsReceived),
		Rectified: sum(c.Rectified), Inspections: sum(c.Inspections), PersonsChecked: c.PersonsChecked,
		DisputesFound: c.DisputesFound, DisputesResolved: c.DisputesResolved,
		DispatchRuled: c.DispatchRuled, DispatchInTime: sum(c.DispatchInTime),
	}
}

// Minus is a less b, count by count.
func (a ScoreCounts) Minus(b ScoreCounts) ScoreCounts {
	return ScoreCounts{a.Solved - b.Solved, a.Arrested - b.Arrested, a.AlarmsCriminal - b.AlarmsCriminal, a.AlarmsTotal - b.AlarmsTotal,
		a.Rectified - b.Rectified, a.Inspections - b.Inspections, a.PersonsChecked - b.PersonsChecked,
		a.DisputesFound - b.DisputesFound, a.DisputesResolved - b.DisputesResolved,
		a.DispatchRuled - b.DispatchRuled, a.DispatchInTime - b.DispatchInTime}
}

// Count is a count measure's value.
func (a ScoreCounts) Count(measure string) int64 {
	switch measure {
	case "cases_solved":
		return a.Solved
	case "suspects_arrested":
		return a.Arrested
	case "alarms_criminal":
		return a.AlarmsCriminal
	case "alarms_total":
		return a.AlarmsTotal
	case "hazards_rectified":
		return a.Rectified
	case "inspections":
		return a.Inspections
	case "persons_checked":
		return a.PersonsChecked
	case "dispute_resolution_rate":
		return a.DisputesResolved
	case "dispatch_in_time_rate":
		return a.DispatchInTime
	}
	return 0
}

// ScoreInput is a district's counts in a span and before it (the
// disputes still open at its start, rule 3).
type ScoreInput struct {
	In, Before ScoreCounts
}

// MeasureScore is one measure of one district's score, every number a
// district needs to redo it by hand.
type MeasureScore struct {
	// Count is the span's count (resolutions, for the rate).
	Count int64 `json:"count"`
	// Base is what Count is set against: the target pro-rated to the
	// span, residents in tens of thousands, the baseline pro-rated, or the
	// disputes owed (still open at the start and found in the span).
	Base float64 `json:"base"`
	// Value is the district's value on the basis: completion (at most 1),
	// per 10,000 residents, the index count ÷ baseline, the rate (at most
	// 1). Points is weight × Value, or scaled by the best district.
	Value  float64 `json:"value"`
	Points float64 `json:"points"`
	// Capped marks a completion above 100% scored as 100%.
	Capped bool `json:"capped,omitempty"`
	// Open is, for the rate, the disputes still open at the span's start
	// (Base less those found in the span).
	Open int64 `json:"open,omitempty"`
	// OK is false when the value cannot be computed honestly (nothing to
	// divide by; a part above its whole).
	OK bool `json:"ok"`
}

// ScoreRow is one district's score.
type ScoreRow struct {
	District string         `json:"district"`
	Rank     int            `json:"rank"` // 1 is best
	Score    float64        `json:"score"`
	Flag     string         `json:"flag,omitempty"`
	Measures []MeasureScore `json:"measures"`
	// RawScore and RawRank are the old ranking on raw counts (each measure
	// over the largest district's), kept as a column for comparison.
	RawScore float64 `json:"raw_score"`
	RawRank  int     `json:"raw_rank"`
}

// Scores are the districts scored on a span, best first.
type Scores struct {
	Measures []ScoredMeasure `json:"measures"`
	Rows     []ScoreRow      `json:"rows"`
	// Days is the span's length the targets and baselines are pro-rated
	// to (elapsed, for a span still running).
	Days float64 `json:"days"`
	// LeftOut are the measures left out of the score for every district,
	// because one district's value cannot be computed honestly (rule 5).
	LeftOut []string `json:"left_out,omitempty"`
	// Max is the most a district can score: the weights counted.
	Max float64 `json:"max"`
	// Ranked is false while no district has data: no flags then.
	Ranked bool `json:"ranked"`
	// Decimals are the decimals each measure's points are rounded to, so
	// the points printed add up to the score printed: 3 for weights that
	// add up to about 1 (the flags), 2 for points out of 100 (月考核).
	Decimals int `json:"decimals"`
}

// Score scores districts on their counts in a span of `days` days (the
// elapsed part, for a span still running) by the measures given (the
// config's FlagMeasures or AssessMeasures), and flags the top `red` and
// the bottom `yellow` (none while nothing was done; pass 0 for no flags).
// A district missing from in counts zero.
func Score(cfg *Config, measures []ScoredMeasure, in map[string]ScoreInput, days float64, red, yellow int) Scores {
	sc := Scores{Measures: measures, Days: days, Decimals: 3}
	var weights float64
	for _, m := range measures {
		weights += m.Weight
	}
	if weights > 10 {
		sc.Decimals = 2
	}
	rows := make([]ScoreRow, len(cfg.Districts))
	share := days / float64(cfg.Days())
	for i, d := range cfg.Districts {
		rows[i] = ScoreRow{District: d.ID, Measures: make([]MeasureScore, len(measures))}
		x := in[d.ID]
		for j, m := range measures {
			ms := MeasureScore{Count: x.In.Count(m.Measure)}
			switch m.Basis {
			case BasisTarget:
				ms.Base = float64(d.Targets[m.Measure]) * share
				if ms.Base > 0 {
					ms.Value, ms.OK = float64(ms.Count)/ms.Base, true
					if ms.Value > 1 {
						ms.Value, ms.Capped = 1, true
					}
				}
			case BasisPerCapita:
				ms.Base = float64(d.Population) / 1e4
				if ms.Base > 0 {
					ms.Value, ms.OK = float64(ms.Count)/ms.Base, true
				}
			case BasisImprovement:
				ms.Base = float64(d.Previous[m.Measure]) * share
				if ms.Base > 0 {
					ms.Value, ms.OK = float64(ms.Count)/ms.Base, true
				}
			case BasisCount:
				ms.Base, ms.Value, ms.OK = 1, float64(ms.Count), true
			case BasisRate:
				if m.Measure == "dispatch_in_time_rate" {
					// Each call is judged in the span it was
					// dispatched in: nothing carries over.
					ms.Base = float64(x.In.DispatchRuled)
				} else {
					ms.Open = max(x.Before.DisputesFound-x.Before.DisputesResolved, 0)
					ms.Base = float64(ms.Open + x.In.DisputesFound)
				}
				if ms.Base > 0 && float64(ms.Count) <= ms.Base {
					ms.Value, ms.OK = float64(ms.Count)/ms.Base, true
				}
			}
			rows[i].Measures[j] = ms
			if ms.Count != 0 {
				sc.Ranked = true
			}
		}
	}
	for j, m := range measures {
		ok := true
		best, lowest := 0.0, math.Inf(1)
		for i := range rows {
			ms := rows[i].Measures[j]
			ok = ok && ms.OK
			best, lowest = max(best, ms.Value), min(lowest, ms.Value)
		}
		if !ok {
			sc.LeftOut = append(sc.LeftOut, m.Measure)
			for i := range rows {
				rows[i].Measures[j].Points = 0
			}
			continue
		}
		sc.Max += m.Weight
		for i := range rows {
			ms := &rows[i].Measures[j]
			switch {
			case m.Basis == BasisTarget || m.Basis == BasisRate:
				ms.Points = m.Weight * ms.Value
			case m.Basis == BasisCount && m.Better == BetterLess:
				if most := best; most > 0 {
					ms.Points = m.Weight * (most - ms.Value) / most
				}
			case m.Better == BetterLess && ms.Value == 0:
				ms.Points = m.Weight
			case m.Better == BetterLess:
				ms.Points = m.Weight * lowest / ms.Value
			case best > 0:
				ms.Points = m.Weight * ms.Value / best
			}
			// Rounded as printed, so a district's printed points add up
			// to its printed score.
			ms.Points = Round(ms.Points, sc.Decimals)
			rows[i].Score += ms.Points
		}
	}
	rawScores(rows, measures)
	order := func(id string) int { i, _ := cfg.DistrictIndex(id); return i }
	slices.SortStableFunc(rows, func(a, b ScoreRow) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		for j := range measures {
			if a.Measures[j].Points != b.Measures[j].Points {
				if a.Measures[j].Points > b.Measures[j].Points {
					return -1
				}
				return 1
			}
		}
		return order(a.District) - order(b.District)
	})
	for i := range rows {
		rows[i].Score = Round(rows[i].Score, sc.Decimals)
		rows[i].Rank = i + 1
		switch {
		case !sc.Ranked:
		case i < red:
			rows[i].Flag = FlagRed
		case i >= len(rows)-yellow:
			rows[i].Flag = FlagYellow
		}
	}
	sc.Rows = rows
	return sc
}

// rawScores ranks the districts the old way, on raw counts: each measure
// over the largest district's (less is better: the share short of it),
// weighted; kept so the office can see what fairness to size changed.
func rawScores(rows []ScoreRow, measures []ScoredMeasure) {
	for j, m := range measures {
		most := 0.0
		for i := range rows {
			most = max(most, float64(rows[i].Measures[j].Count))
		}
		if most <= 0 {
			continue
		}
		for i := range rows {
			v := float64(rows[i].Measures[j].Count) / most
			if m.Basis == BasisRate {
				v = rows[i].Measures[j].Value
			}
			if m.Better == BetterLess {
				v = 1 - v
			}
			rows[i].RawScore += m.Weight * v
		}
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rows[a].RawScore > rows[b].RawScore:
			return -1
		case rows[a].RawScore < rows[b].RawScore:
			return 1
		}
		return 0
	})
	for r, i := range idx {
		rows[i].RawRank = r + 1
	}
}

// ScoreInputs reads the districts' counts in a span and before it.
func ScoreInputs(in, before map[string]*Counters) map[string]ScoreInput {
	out := make(map[string]ScoreInput, len(in))
	for id, c := range in {
		out[id] = ScoreInput{In: ScoreCountsOf(c), Before: ScoreCountsOf(before[id])}
	}
	return out
}
