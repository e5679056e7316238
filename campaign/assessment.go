package campaign

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Assessment is the monthly assessment (月考核): each district earns points
// on a few measures, out of 100 (docs/campaign.md, "Assessment").
type Assessment struct {
	Measures []AssessmentMeasure `toml:"measures"`
}

// AssessmentMeasure is one assessed measure (see DistrictMeasures) and the
// points it is worth.
type AssessmentMeasure struct {
	Measure string  `toml:"measure"`
	Weight  float64 `toml:"weight"` // points; all weights sum to 100
	// Better is "more" (the default: the best district has the most) or
	// "less" (criminal alarms: the fewer the better).
	Better string `toml:"better"`
}

// Directions of an assessed measure.
const (
	BetterMore = "more"
	BetterLess = "less"
)

func (c *Config) validateAssessment(name string) error {
	if len(c.Assessment.Measures) == 0 {
		return nil
	}
	// The i-th [[assessment.measures]] block and a key inside it: measure
	// names also appear under [flags], so a plain search would point there.
	const header = "[[assessment.measures]]"
	fail := func(field, key string, i int, reason string) error {
		line, at := 0, -1
		for k := 0; k <= i; k++ {
			next := strings.Index(c.source[at+1:], header)
			if next < 0 {
				break
			}
			at += next + 1
		}
		if at >= 0 {
			line = strings.Count(c.source[:at], "\n") + 1
			block := c.source[at:]
			if end := strings.Index(block[len(header):], "["); end >= 0 {
				block = block[:len(header)+end]
			}
			if k := strings.Index(block, "\n"+key); key != "" && k >= 0 {
				line += strings.Count(block[:k+1], "\n")
			}
		}
		return &ConfigError{File: name, Line: line, Field: field, Reason: reason}
	}
	var total float64
	seen := map[string]bool{}
	for i, m := range c.Assessment.Measures {
		field := fmt.Sprintf("assessment.measures[%d]", i)
		if !slices.Contains(DistrictMeasures, m.Measure) {
			return fail(field+".measure", "measure", i, "unknown measure: use one of "+strings.Join(DistrictMeasures, ", "))
		}
		if seen[m.Measure] {
			return fail(field+".measure", "measure", i, "measure "+m.Measure+" is listed twice: give it one weight")
		}
		seen[m.Measure] = true
		if !(m.Weight > 0) {
			return fail(field+".weight", "weight", i, "must be a positive number of points (use better = \"less\" for a measure where less is better)")
		}
		if m.Better != "" && m.Better != BetterMore && m.Better != BetterLess {
			return fail(field+".better", "better", i, `must be "more" or "less"`)
		}
		total += m.Weight
	}
	if math.Abs(total-100) > 1e-6 {
		return fail("assessment.measures", "", 0, fmt.Sprintf("the weights add up to %g: they are points out of 100, make them add up to 100", total))
	}
	return nil
}

// AssessmentRow is one district's monthly assessment.
type AssessmentRow struct {
	District string    `json:"district"`
	Rank     int       `json:"rank"` // 1 is best
	Score    float64   `json:"score"`
	Points   []float64 `json:"points"` // per measure, in config order
	Values   []float64 `json:"values"` // raw values, in config order
	// PrevRank is the rank in the previous month (0: none, as in the first
	// month); RankChange is PrevRank − Rank, positive when it moved up.
	PrevRank   int `json:"prev_rank,omitempty"`
	RankChange int `json:"rank_change,omitempty"`
}

// Assess scores districts' counts by the [assessment] weights: a measure
// where more is better earns weight × value / best value; one where less
// is better earns weight × (most − value) / most. A measure no district
// has data for earns nobody points. Ties go to config order. nil when the
// campaign has no [assessment].
func Assess(cfg *Config, districts map[string]*Counters) []AssessmentRow {
	ms := cfg.Assessment.Measures
	if len(ms) == 0 {
		return nil
	}
	rows := make([]AssessmentRow, len(cfg.Districts))
	maxOf := make([]float64, len(ms))
	for i, d := range cfg.Districts {
		c := districts[d.ID]
		if c == nil {
			c = &Counters{}
		}
		rows[i] = AssessmentRow{District: d.ID, Values: make([]float64, len(ms)), Points: make([]float64, len(ms))}
		for j, m := range ms {
			rows[i].Values[j] = DistrictMeasure(c, m.Measure)
			maxOf[j] = max(maxOf[j], rows[i].Values[j])
		}
	}
	for i := range rows {
		for j, m := range ms {
			if maxOf[j] <= 0 {
				continue
			}
			share := rows[i].Values[j] / maxOf[j]
			if m.Better == BetterLess {
				share = 1 - share
			}
			rows[i].Points[j] = m.Weight * share
			rows[i].Score += rows[i].Points[j]
		}
	}
	slices.SortStableFunc(rows, func(a, b AssessmentRow) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	for i := range rows {
		rows[i].Rank = i + 1
	}
	return rows
}

// WithPreviousRanks sets each row's PrevRank and RankChange from the
// previous month's assessment.
func WithPreviousRanks(rows, prev []AssessmentRow) []AssessmentRow {
	prank := map[string]int{}
	for _, p := range prev {
		prank[p.District] = p.Rank
	}
	for i := range rows {
		if r, ok := prank[rows[i].District]; ok {
			rows[i].PrevRank = r
			rows[i].RankChange = r - rows[i].Rank
		}
	}
	return rows
}
