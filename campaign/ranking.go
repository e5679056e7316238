package campaign

import (
	"time"

	"sitboard/feed"
)

// Flag colours of the red and yellow flag mechanism (红黄旗): red honours
// the best districts, yellow warns the weakest.
const (
	FlagNone   = ""
	FlagRed    = "red"
	FlagYellow = "yellow"
)

// DistrictMeasure is a district's raw value for a flag measure.
func DistrictMeasure(c *Counters, measure string) float64 {
	switch measure {
	case "cases_solved":
		return float64(sum(c.CasesSolved))
	case "suspects_arrested":
		// 抓获 counts every person caught: suspects arrested in a case
		// action, and wanted fugitives caught (fugitive.caught), who are
		// suspects at large (docs/figures.md, "抓获").
		t := sum(c.Fugitives)
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
	case "dispatch_in_time_rate":
		if r := ShownRate(sum(c.DispatchInTime), c.DispatchRuled); r.OK {
			return r.Value
		}
		return 0
	}
	return 0
}

// Ranking scores the districts' campaign totals as of asOf by the flag
// rules (rule 6), with no flags: flags are awarded per week, half-month
// and month (rule 7; see FlagTally for each district's).
func Ranking(cfg *Config, s *State, asOf time.Time) Scores {
	e := cfg.Elapsed(Span{1, cfg.Days()}, asOf)
	return Score(cfg, cfg.FlagMeasures(), ScoreInputs(s.Districts, nil), e.DaysRun(), 0, 0)
}

// RankSpan scores the districts' counts in a span (in) after their counts
// before it, the span having run `days` days, by the flag rules; red and
// yellow flags as given (0 for none).
func RankSpan(cfg *Config, in, before map[string]*Counters, days float64, red, yellow int) Scores {
	return Score(cfg, cfg.FlagMeasures(), ScoreInputs(in, before), days, red, yellow)
}
