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
	// Adjustments are the 加扣分 the office decided, Rules those counted
	// (each overdue 督察 finding; bulletin.go).
	Adjustments []Adjustment     `toml:"adjustments"`
	Rules       []AdjustmentRule `toml:"rules"`
}

// AssessmentMeasure is one assessed measure (see DistrictMeasures) and the
// points it is worth.
type AssessmentMeasure struct {
	Measure string  `toml:"measure"`
	Weight  float64 `toml:"weight"` // points; all weights sum to 100
	// Better is "more" (the default: the best district has the most) or
	// "less" (criminal alarms: the fewer the better).
	Better string `toml:"better"`
	// Basis is how the measure is made fair to size (docs/campaign.md):
	// target, per_capita, improvement or rate; empty for the measure's
	// default.
	Basis string `toml:"basis"`
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
		sm, err := c.scoredMeasure(m.Measure, m.Weight, m.Better, m.Basis)
		if err != nil {
			return fail(field, "basis", i, err.Error())
		}
		c.assessMeasures = append(c.assessMeasures, sm)
		total += m.Weight
	}
	if math.Abs(total-100) > 1e-6 {
		return fail("assessment.measures", "", 0, fmt.Sprintf("the weights add up to %g: they are points out of 100, make them add up to 100", total))
	}
	return nil
}

// AssessmentRow is one district's monthly assessment: its score by the
// [assessment] measures (rule 6) and its rank the month before.
type AssessmentRow struct {
	ScoreRow
	// PrevRank is the rank in the previous month (0: none, as in the first
	// month); RankChange is PrevRank − Rank, positive when it moved up.
	PrevRank   int `json:"prev_rank,omitempty"`
	RankChange int `json:"rank_change,omitempty"`
	// Adjustment is the month's 加扣分 from the campaign file; Total the
	// score with it, which Rank orders (the 名次).
	Adjustment float64 `json:"adjustment,omitempty"`
	Total      float64 `json:"total"`
	// PrevTotal is the total the previous month's bulletin printed (with
	// PrevRank); 0 with none.
	PrevTotal float64 `json:"prev_total,omitempty"`
}

// Assess scores districts' counts in a month (in, after before) of `days`
// days by the [assessment] measures, out of 100 (rule 6). nil when the
// campaign has no [assessment].
func Assess(cfg *Config, in, before map[string]*Counters, days float64) (Scores, []AssessmentRow) {
	if len(cfg.AssessMeasures()) == 0 {
		return Scores{}, nil
	}
	sc := Score(cfg, cfg.AssessMeasures(), ScoreInputs(in, before), days, 0, 0)
	rows := make([]AssessmentRow, len(sc.Rows))
	for i, r := range sc.Rows {
		rows[i] = AssessmentRow{ScoreRow: r, Total: r.Score}
	}
	return sc, rows
}

// WithPreviousRanks sets each row's PrevRank and RankChange from the
// previous month's assessment.
func WithPreviousRanks(rows, prev []AssessmentRow) []AssessmentRow {
	prank, ptotal := map[string]int{}, map[string]float64{}
	for _, p := range prev {
		prank[p.District], ptotal[p.District] = p.Rank, p.Total
	}
	for i := range rows {
		if r, ok := prank[rows[i].District]; ok {
			rows[i].PrevRank, rows[i].PrevTotal = r, ptotal[rows[i].District]
			rows[i].RankChange = r - rows[i].Rank
		}
	}
	return rows
}
