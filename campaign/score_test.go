package campaign

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// zhoukou loads the shipped campaign file (the demo package embeds it; it
// cannot be imported from here).
func zhoukou(t testing.TB) *Config {
	t.Helper()
	cfg, err := LoadConfig("../demo/zhoukou-2023.toml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestScoreIgnoresSize: scaling one district's counts, its baselines, its
// targets and its population by k leaves its score, and every other
// district's, unchanged (docs/figures.md, rule 6), for the flags and the
// 月考核 alike, whatever the measure's basis.
func TestScoreIgnoresSize(t *testing.T) {
	cfg := zhoukou(t)
	// Counts of a plausible week, different per district.
	in := map[string]ScoreInput{}
	for i, d := range cfg.Districts {
		x := int64(i)
		in[d.ID] = ScoreInput{
			In:     ScoreCounts{Solved: 12 + 3*x, Arrested: 20 + 7*x%11, AlarmsCriminal: 25 + 5*x%9, AlarmsTotal: 200 + 13*x, Rectified: 60 + 11*x%17, Inspections: 90 + x, PersonsChecked: 900 + 40*x, DisputesFound: 40 + x, DisputesResolved: 38 + 2*x%5},
			Before: ScoreCounts{DisputesFound: 200 + 10*x, DisputesResolved: 180 + 9*x},
		}
	}
	measures := map[string][]ScoredMeasure{"flags": cfg.FlagMeasures(), "assessment": cfg.AssessMeasures()}
	for name, ms := range measures {
		base := Score(cfg, ms, in, 7, 2, 2)
		for _, k := range []int64{2, 3, 10} {
			for i, d := range cfg.Districts {
				t.Run(fmt.Sprintf("%s/%s×%d", name, d.ID, k), func(t *testing.T) {
					scaled := *cfg
					scaled.Districts = append([]District(nil), cfg.Districts...)
					sd := &scaled.Districts[i]
					sd.Population *= k
					sd.Previous, sd.LastYear, sd.Targets = scaleMap(sd.Previous, k), scaleMap(sd.LastYear, k), scaleMap(sd.Targets, k)
					sin := map[string]ScoreInput{}
					for id, x := range in {
						sin[id] = x
					}
					sin[d.ID] = ScoreInput{In: scaleCounts(in[d.ID].In, k), Before: scaleCounts(in[d.ID].Before, k)}
					got := Score(&scaled, ms, sin, 7, 2, 2)
					want := map[string]ScoreRow{}
					for _, r := range base.Rows {
						want[r.District] = r
					}
					for _, r := range got.Rows {
						w := want[r.District]
						if math.Abs(r.Score-w.Score) > 1e-9 || r.Rank != w.Rank || r.Flag != w.Flag {
							t.Errorf("%s: score %.6f rank %d %s, unscaled %.6f rank %d %s", r.District, r.Score, r.Rank, r.Flag, w.Score, w.Rank, w.Flag)
						}
					}
				})
			}
		}
	}
}

func scaleMap(m map[string]int64, k int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for key, v := range m {
		out[key] = v * k
	}
	return out
}

func scaleCounts(c ScoreCounts, k int64) ScoreCounts {
	return ScoreCounts{c.Solved * k, c.Arrested * k, c.AlarmsCriminal * k, c.AlarmsTotal * k, c.Rectified * k, c.Inspections * k, c.PersonsChecked * k, c.DisputesFound * k, c.DisputesResolved * k,
		c.DispatchRuled * k, c.DispatchInTime * k}
}

// TestScoreByHand: one small case per basis, computed by hand.
func TestScoreByHand(t *testing.T) {
	cfg := testConfig(t) // 3 days, districts east and west
	cfg.Districts = append([]District(nil), cfg.Districts...)
	cfg.Districts[0].Population, cfg.Districts[1].Population = 20000, 40000
	cfg.Districts[0].Targets = map[string]int64{"cases_solved": 30}
	cfg.Districts[1].Targets = map[string]int64{"cases_solved": 9}
	cfg.Districts[0].Previous = map[string]int64{"alarms_criminal": 30}
	cfg.Districts[1].Previous = map[string]int64{"alarms_criminal": 60}
	ms := []ScoredMeasure{
		{"cases_solved", 0.4, BetterMore, BasisTarget},
		{"hazards_rectified", 0.2, BetterMore, BasisPerCapita},
		{"alarms_criminal", 0.2, BetterLess, BasisImprovement},
		{"dispute_resolution_rate", 0.2, BetterMore, BasisRate},
	}
	in := map[string]ScoreInput{
		// east: 8 solved of 30×1/3 = 10 (80%); 6 rectified over 2 ×10k = 3
		// per 10k; 8 alarms over 30×1/3 = 10 (index 0.8); 9 resolved of 4
		// open + 8 found (75%).
		"east": {In: ScoreCounts{Solved: 8, Rectified: 6, AlarmsCriminal: 8, DisputesFound: 8, DisputesResolved: 9}, Before: ScoreCounts{DisputesFound: 10, DisputesResolved: 6}},
		// west: 5 solved of 9×1/3 = 3 (167%: scored 100%); 6 rectified over
		// 4 ×10k = 1.5 per 10k; 24 alarms over 20 (index 1.2); 2 of 0 + 4 (50%).
		"west": {In: ScoreCounts{Solved: 5, Rectified: 6, AlarmsCriminal: 24, DisputesFound: 4, DisputesResolved: 2}},
	}
	sc := Score(cfg, ms, in, 1, 1, 1)
	want := map[string]float64{
		"east": 0.4*0.8 + 0.2*1 + 0.2*1 + 0.2*0.75, // 0.87
		// 0.4 + 0.1 + 0.1333… + 0.1, each measure's points rounded to 3
		// decimals as printed: 0.733.
		"west": 0.4 + 0.1 + 0.133 + 0.1,
	}
	for _, r := range sc.Rows {
		if math.Abs(r.Score-want[r.District]) > 1e-9 {
			t.Errorf("%s scores %.6f, want %.6f (%+v)", r.District, r.Score, want[r.District], r.Measures)
		}
	}
	if sc.Rows[0].District != "east" || sc.Rows[0].Flag != FlagRed || sc.Rows[1].Flag != FlagYellow || !sc.Rows[1].Measures[0].Capped {
		t.Errorf("rows %+v: want east red, west yellow with its completion capped", sc.Rows)
	}
	// A rate with nothing to divide by for one district is left out of
	// everyone's score, and the most anyone can score drops by its weight.
	in["west"] = ScoreInput{In: ScoreCounts{Solved: 5, Rectified: 6, AlarmsCriminal: 24}}
	sc = Score(cfg, ms, in, 1, 1, 1)
	if len(sc.LeftOut) != 1 || sc.LeftOut[0] != "dispute_resolution_rate" || math.Abs(sc.Max-0.8) > 1e-9 {
		t.Errorf("left out %v, max %v: want the rate left out, max 0.8", sc.LeftOut, sc.Max)
	}
	for _, r := range sc.Rows {
		if p := r.Measures[3].Points; p != 0 {
			t.Errorf("%s earns %v for a measure left out", r.District, p)
		}
	}
}

// TestDispatchRateScoredByHand: the response clock's share in time is
// scored as a rate (rule 6's basis "rate"): weight × the share, each call
// judged in the span it was dispatched in, never above 100%; a district
// with no call timed leaves the measure out for everyone (rule 5).
func TestDispatchRateScoredByHand(t *testing.T) {
	cfg := testConfig(t)
	m, err := cfg.scoredMeasure("dispatch_in_time_rate", 10, "", "")
	if err != nil || m.Basis != BasisRate || m.Better != BetterMore {
		t.Fatalf("default basis %+v, %v: want rate, more", m, err)
	}
	if _, err := cfg.scoredMeasure("dispatch_in_time_rate", 10, "", BasisPerCapita); err == nil || !strings.Contains(err.Error(), `scored on basis "rate"`) {
		t.Errorf("per_capita accepted for a rate: %v", err)
	}
	in := map[string]ScoreInput{
		// east: 18 of 20 in time (90%): 9 points; west: 5 of 10 (50%): 5.
		"east": {In: ScoreCounts{DispatchRuled: 20, DispatchInTime: 18}, Before: ScoreCounts{DispatchRuled: 100, DispatchInTime: 1}},
		"west": {In: ScoreCounts{DispatchRuled: 10, DispatchInTime: 5}},
	}
	sc := Score(cfg, []ScoredMeasure{m}, in, 1, 0, 0)
	got := map[string]float64{}
	for _, r := range sc.Rows {
		got[r.District] = r.Score
	}
	if got["east"] != 9 || got["west"] != 5 || sc.Max != 10 {
		t.Errorf("scores %v (max %v), want east 9, west 5 of 10", got, sc.Max)
	}
	in["west"] = ScoreInput{}
	if sc := Score(cfg, []ScoredMeasure{m}, in, 1, 0, 0); len(sc.LeftOut) != 1 || sc.Max != 0 {
		t.Errorf("with nothing timed in west: left out %v, max %v; want the measure left out", sc.LeftOut, sc.Max)
	}
}

// TestDistrictFiguresAreChecked: a district's baselines must add up to the
// city's, and a basis needs its inputs for every district; the error says
// which and what to do.
func TestDistrictFiguresAreChecked(t *testing.T) {
	base, err := os.ReadFile("../demo/zhoukou-2023.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, from, to, want string }{
		{"baselines do not add up", "alarms_criminal = 731\n", "alarms_criminal = 732\n", "add up to 4719, the city's [baselines.previous] is 4718"},
		{"negative population", "population = 1390000", "population = -5", "population"},
		{"unknown target", "cases_solved = 465", "cases_closed = 465", "targets.cases_closed"},
		{"a target missing", "cases_solved = 465\n", "", "chuanhui has none"},
		{"a rate basis on a count", "measure = \"hazards_rectified\"\nweight = 0.2\nbasis = \"per_capita\"", "measure = \"hazards_rectified\"\nweight = 0.2\nbasis = \"rate\"", "dispute_resolution_rate and dispatch_in_time_rate only"},
		{"unknown basis", "basis = \"per_capita\"", "basis = \"per_head\"", "basis \"per_head\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(base), tc.from, tc.to, 1)
			if src == string(base) {
				t.Fatalf("%q is not in the file", tc.from)
			}
			_, err := ParseConfig("zhoukou.toml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	// A file with no district figures still loads: its measures fall back
	// to raw counts (not fair to size), which the bulletins say.
	cfg := testConfig(t)
	for _, m := range cfg.FlagMeasures() {
		if m.Basis != BasisCount {
			t.Errorf("%s: basis %s without district figures, want count", m.Measure, m.Basis)
		}
	}
}
