package report

import (
	"cmp"
	"slices"

	"sitboard/campaign"
)

// Critique is the generated part of a 讲评: the districts ahead and the
// districts behind on the bulletin's own scores, with the measures that
// put them there, and the problems the figures show. The office's own
// words (Notes) follow it.
type Critique struct {
	// Basis names the scores ranked: "flags" (the [flags] measures, the
	// district table) or "assessment" (the 月考核 table).
	Basis   string     `json:"basis"`
	Best    []Standing `json:"best"`
	Lagging []Standing `json:"lagging"`
	// RisingAlarms are the districts whose criminal alarms rose against
	// 上期, on a base of at least campaign.MinBase, the steepest first.
	RisingAlarms []RisingAlarms `json:"rising_alarms,omitempty"`
	// LowCoverage are the districts whose night markets were patrolled on
	// fewer than LowCoveragePercent of their nights, the lowest first.
	LowCoverage []NightMarketRow `json:"low_night_market_coverage,omitempty"`
	// Uncleared counts the period's priority alerts not cleared by the
	// bulletin's instant (of rules that have a clearing event).
	Uncleared int `json:"uncleared_alerts,omitempty"`
}

// Standing is one district named in a 讲评: its place, its place in the
// previous bulletin of the kind, and the measures that put it there.
type Standing struct {
	District string  `json:"district"`
	Rank     int     `json:"rank"`
	PrevRank int     `json:"prev_rank,omitempty"` // 0: no previous bulletin
	Score    float64 `json:"score"`
	// Measures are its strongest measures (a leader) or its weakest (a
	// laggard), at most CritiqueMeasures, each with its rank among the
	// districts on that measure alone.
	Measures []StandingMeasure `json:"measures"`
}

// StandingMeasure is one measure of a Standing, as the score table has it.
type StandingMeasure struct {
	Measure string  `json:"measure"`
	Basis   string  `json:"basis"`
	Weight  float64 `json:"weight"`
	Rank    int     `json:"rank"` // among the districts, on this measure
	campaign.MeasureScore
}

// RisingAlarms is a district's criminal alarms against 上期.
type RisingAlarms struct {
	District string                    `json:"district"`
	Alarms   campaign.PeriodComparison `json:"alarms"`
}

// How much a 讲评 names.
const (
	CritiqueNamed      = 2  // districts named ahead, and behind
	CritiqueMeasures   = 2  // measures named per district
	CritiqueProblems   = 3  // districts named per problem
	LowCoveragePercent = 90 // night-market coverage below this is a problem
)

// critique names the first and last CritiqueNamed rows of a score table
// (rows best first, with the previous bulletin's ranks in prev) and the
// measures that put them there.
func critique(basis string, sc campaign.Scores, rows []campaign.ScoreRow, prev map[string]int) *Critique {
	c := &Critique{Basis: basis}
	if !sc.Ranked || len(rows) < 2*CritiqueNamed {
		return c
	}
	// Each district's rank on each measure alone (strict, ties in table
	// order, as the table ranks).
	measureRank := make([]map[string]int, len(sc.Measures))
	for j := range sc.Measures {
		order := slices.Clone(rows)
		slices.SortStableFunc(order, func(a, b campaign.ScoreRow) int { return cmp.Compare(b.Measures[j].Points, a.Measures[j].Points) })
		measureRank[j] = map[string]int{}
		for i, r := range order {
			measureRank[j][r.District] = i + 1
		}
	}
	standing := func(r campaign.ScoreRow, ahead bool) Standing {
		s := Standing{District: r.District, Rank: r.Rank, PrevRank: prev[r.District], Score: r.Score}
		var ms []StandingMeasure
		for j, m := range sc.Measures {
			if slices.Contains(sc.LeftOut, m.Measure) {
				continue
			}
			ms = append(ms, StandingMeasure{Measure: m.Measure, Basis: m.Basis, Weight: m.Weight, Rank: measureRank[j][r.District], MeasureScore: r.Measures[j]})
		}
		// A leader's best places first, a laggard's worst; the heavier
		// measure first on a tie.
		slices.SortStableFunc(ms, func(a, b StandingMeasure) int {
			if a.Rank != b.Rank {
				if ahead {
					return cmp.Compare(a.Rank, b.Rank)
				}
				return cmp.Compare(b.Rank, a.Rank)
			}
			return cmp.Compare(b.Weight, a.Weight)
		})
		s.Measures = ms[:min(len(ms), CritiqueMeasures)]
		return s
	}
	for _, r := range rows[:CritiqueNamed] {
		c.Best = append(c.Best, standing(r, true))
	}
	for _, r := range rows[len(rows)-CritiqueNamed:] {
		c.Lagging = append(c.Lagging, standing(r, false))
	}
	return c
}

// problems adds to a critique what the bulletin's figures show wrong:
// criminal alarms rising against 上期, night markets left unpatrolled,
// alerts not cleared.
func (c *Critique) problems(cfg *campaign.Config, b *Bulletin) {
	for _, d := range b.Districts {
		if ch := campaign.ShownChange(d.AlarmsCriminal.Comparison); ch.OK && ch.Value > 0 {
			c.RisingAlarms = append(c.RisingAlarms, RisingAlarms{District: d.District, Alarms: d.AlarmsCriminal})
		}
	}
	slices.SortStableFunc(c.RisingAlarms, func(a, b RisingAlarms) int {
		return cmp.Compare(b.Alarms.Change.Value, a.Alarms.Change.Value)
	})
	c.RisingAlarms = c.RisingAlarms[:min(len(c.RisingAlarms), CritiqueProblems)]
	for _, r := range b.NightMarkets.Districts {
		if r.OK && r.Percent < LowCoveragePercent {
			c.LowCoverage = append(c.LowCoverage, r)
		}
	}
	slices.SortStableFunc(c.LowCoverage, func(a, b NightMarketRow) int { return cmp.Compare(a.Percent, b.Percent) })
	c.LowCoverage = c.LowCoverage[:min(len(c.LowCoverage), CritiqueProblems)]
	for _, a := range b.Alerts {
		if a.Minutes < 0 && a.Rule >= 0 && a.Rule < len(cfg.Alerts) && cfg.Alerts[a.Rule].ClearType != "" {
			c.Uncleared++
		}
	}
}
