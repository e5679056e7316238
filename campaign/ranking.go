package campaign

import (
	"slices"

	"sitboard/feed"
)

// Flag colours of the red and yellow flag mechanism (红黄旗): red honours
// the best districts, yellow warns the weakest.
const (
	FlagNone   = ""
	FlagRed    = "red"
	FlagYellow = "yellow"
)

// DistrictRank is one row of the district ranking.
type DistrictRank struct {
	District string    `json:"district"`
	Rank     int       `json:"rank"` // 1 is best
	Score    float64   `json:"score"`
	Flag     string    `json:"flag,omitempty"`
	Measures []float64 `json:"measures"` // raw values, in FlagRules.Measures order
}

// DistrictMeasure is a district's raw value for a flag measure.
func DistrictMeasure(c *Counters, measure string) float64 {
	switch measure {
	case "cases_solved":
		return float64(sum(c.CasesSolved))
	case "suspects_arrested":
		var t int64
		for k, v := range c.Persons {
			if len(k) > len(feed.ActionArrest) && k[:len(feed.ActionArrest)+1] == feed.ActionArrest+"/" {
				t += v
			}
		}
		return float64(t)
	case "alarms_criminal":
		return float64(c.AlarmsReceived[feed.AlarmCriminal])
	case "alarms_total":
		return float64(sum(c.AlarmsReceived))
	case "hazards_rectified":
		return float64(sum(c.Rectified))
	case "inspections":
		return float64(sum(c.Inspections))
	case "dispute_resolution_rate":
		if r := Rate(c.DisputesResolved, c.DisputesFound); r.OK {
			return r.Value
		}
		return 0
	case "persons_checked":
		return float64(c.PersonsChecked)
	}
	return 0
}

// Ranking orders the districts by the config's flag rules. Each measure is
// scaled by the largest district value (so measures of different sizes weigh
// as configured), weighted and summed. Ties go to the district that does
// better on the measures in their listed order, then to config order.
func Ranking(cfg *Config, s *State) []DistrictRank {
	return RankCounters(cfg, s.Districts)
}

// RankCounters ranks districts' counts (campaign to date, or a period's)
// by the config's flag rules, as Ranking does.
func RankCounters(cfg *Config, districts map[string]*Counters) []DistrictRank {
	rules := cfg.Flags
	rows := make([]DistrictRank, len(cfg.Districts))
	maxOf := make([]float64, len(rules.Measures))
	for i, d := range cfg.Districts {
		c := districts[d.ID]
		if c == nil {
			c = &Counters{}
		}
		rows[i] = DistrictRank{District: d.ID, Measures: make([]float64, len(rules.Measures))}
		for j, m := range rules.Measures {
			v := DistrictMeasure(c, m.Measure)
			rows[i].Measures[j] = v
			maxOf[j] = max(maxOf[j], v)
		}
	}
	for i := range rows {
		for j, m := range rules.Measures {
			if maxOf[j] > 0 {
				rows[i].Score += m.Weight * rows[i].Measures[j] / maxOf[j]
			}
		}
	}
	order := func(id string) int { i, _ := cfg.DistrictIndex(id); return i }
	slices.SortStableFunc(rows, func(a, b DistrictRank) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		for j, m := range rules.Measures {
			av, bv := a.Measures[j]*m.Weight, b.Measures[j]*m.Weight
			if av != bv {
				if av > bv {
					return -1
				}
				return 1
			}
		}
		return order(a.District) - order(b.District)
	})
	ranked := Ranked(rows)
	for i := range rows {
		rows[i].Rank = i + 1
		switch {
		case !ranked:
		case i < rules.Red:
			rows[i].Flag = FlagRed
		case i >= len(rows)-rules.Yellow:
			rows[i].Flag = FlagYellow
		}
	}
	return rows
}

// Ranked reports whether there is anything to rank on: flags say one
// district did better than another, and while no measure has data (an
// empty hub) nobody did. A flag then would accuse a district of nothing,
// and the board shows "—" for the scores.
func Ranked(rows []DistrictRank) bool {
	return slices.ContainsFunc(rows, func(r DistrictRank) bool {
		return slices.ContainsFunc(r.Measures, func(v float64) bool { return v != 0 })
	})
}
