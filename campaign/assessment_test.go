package campaign

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const assessmentTOML = `
[[assessment.measures]]
measure = "cases_solved"
weight = 60

[[assessment.measures]]
measure = "alarms_criminal"
weight = 40
better = "less"
`

func TestAssessmentErrorsNameFileLineField(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	good := string(base) + assessmentTOML
	if _, err := ParseConfig("small.toml", []byte(good)); err != nil {
		t.Fatalf("a valid [assessment] was refused: %v", err)
	}
	lineOf := func(src, needle string) int { return strings.Count(src[:strings.Index(src, needle)], "\n") + 1 }
	tests := []struct {
		name, from, to, field, near string
	}{
		{"unknown measure", `measure = "cases_solved"` + "\nweight = 60", `measure = "cases_closed"` + "\nweight = 60", "assessment.measures[0].measure", `measure = "cases_closed"`},
		{"zero weight", "weight = 60", "weight = 0", "assessment.measures[0].weight", "weight = 0"},
		{"bad direction", `better = "less"`, `better = "fewer"`, "assessment.measures[1].better", `better = "fewer"`},
		{"not 100 points", "weight = 40", "weight = 30", "assessment.measures", "[[assessment.measures]]"},
		{"twice", `measure = "alarms_criminal"` + "\nweight = 40", `measure = "cases_solved"` + "\nweight = 40", "assessment.measures[1].measure", `"cases_solved"` + "\nweight = 40"},
		{"unknown field", `better = "less"`, `better = "less"` + "\npoints = 3", "assessment.measures.points", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(good, tc.from, tc.to, 1)
			if src == good {
				t.Fatalf("test did not change the file: %q not found", tc.from)
			}
			_, err := ParseConfig("small.toml", []byte(src))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.field+":") || !strings.HasPrefix(msg, "small.toml:") {
				t.Fatalf("err = %q, want small.toml:LINE: %s: …", msg, tc.field)
			}
			if tc.near != "" {
				if want := lineOf(src, tc.near); !strings.HasPrefix(msg, "small.toml:"+strconv.Itoa(want)+":") {
					t.Errorf("err = %q, want line %d", msg, want)
				}
			}
		})
	}
}

func TestAssessScores(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	cfg, err := ParseConfig("small.toml", []byte(string(base)+assessmentTOML))
	if err != nil {
		t.Fatal(err)
	}
	// east: 4 solved, 2 criminal alarms; west: 2 solved, 4 criminal alarms.
	districts := map[string]*Counters{
		"east": {CasesSolved: map[string]int64{"theft": 4}, AlarmsReceived: map[string]int64{"criminal": 2}},
		"west": {CasesSolved: map[string]int64{"theft": 2}, AlarmsReceived: map[string]int64{"criminal": 4}},
	}
	// The file gives the districts no target, population or baseline, so
	// the measures fall back to raw counts against the largest district's:
	// east: 60×4/4 + 40×(1−2/4) = 80; west: 60×2/4 + 40×(1−4/4) = 30.
	_, rows := Assess(cfg, districts, nil, 3)
	if rows[0].District != "east" || !near(rows[0].Score, 80) || rows[1].District != "west" || !near(rows[1].Score, 30) {
		t.Fatalf("rows = %+v, want east 80, west 30", rows)
	}
	prev := []AssessmentRow{{ScoreRow: ScoreRow{District: "west", Rank: 1}}, {ScoreRow: ScoreRow{District: "east", Rank: 2}}}
	rows = WithPreviousRanks(rows, prev)
	if rows[0].RankChange != 1 || rows[1].RankChange != -1 || rows[1].PrevRank != 1 {
		t.Errorf("rank changes = %+v, want east +1, west −1", rows)
	}
}

const adjustmentsTOML = `
[[assessment.adjustments]]
district = "west"
date = "2023-06-26"
points = 20
zh = "破获部督案件"

[[assessment.adjustments]]
district = "west"
date = "2023-06-25"
points = 20
zh = "破获部督案件"

[[assessment.adjustments]]
district = "east"
date = "2023-06-27"
points = -2.5
zh = "督察发现问题逾期未整改"
`

// TestAdjustmentsRankByTotal: the 加扣分 of the campaign file dated in a
// period are added to each district's score, and the total ranks it.
func TestAdjustmentsRankByTotal(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	districts := map[string]*Counters{
		"east": {CasesSolved: map[string]int64{"theft": 4}, AlarmsReceived: map[string]int64{"criminal": 2}},
		"west": {CasesSolved: map[string]int64{"theft": 2}, AlarmsReceived: map[string]int64{"criminal": 4}},
	}
	tests := []struct {
		name        string
		adjustments string
		span        Span
		want        []AssessmentRow // District, Rank, Adjustment, Total
	}{
		// east 80 − 2.5 = 77.5, west 30 + 40 = 70: east stays first.
		{"whole span", adjustmentsTOML, Span{1, 3}, []AssessmentRow{{ScoreRow: ScoreRow{District: "east", Rank: 1}, Adjustment: -2.5, Total: 77.5}, {ScoreRow: ScoreRow{District: "west", Rank: 2}, Adjustment: 40, Total: 70}}},
		// Only what is dated in the span counts: day 2, west +20.
		{"one day", adjustmentsTOML, Span{2, 2}, []AssessmentRow{{ScoreRow: ScoreRow{District: "east", Rank: 1}, Total: 80}, {ScoreRow: ScoreRow{District: "west", Rank: 2}, Adjustment: 20, Total: 50}}},
		// Enough points move a district up: east 80 − 20 = 60 < west 70.
		{"moves up", strings.Replace(adjustmentsTOML, "points = -2.5", "points = -20", 1), Span{1, 3}, []AssessmentRow{{ScoreRow: ScoreRow{District: "west", Rank: 1}, Adjustment: 40, Total: 70}, {ScoreRow: ScoreRow{District: "east", Rank: 2}, Adjustment: -20, Total: 60}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig("small.toml", []byte(string(base)+assessmentTOML+tc.adjustments))
			if err != nil {
				t.Fatal(err)
			}
			_, rows := Assess(cfg, districts, nil, 3)
			rows = withAdjustments(cfg.AdjustmentsIn(tc.span), rows)
			for i, w := range tc.want {
				r := rows[i]
				if r.District != w.District || r.Rank != w.Rank || r.Adjustment != w.Adjustment || r.Total != w.Total {
					t.Errorf("row %d = %s rank %d adj %v total %v, want %s rank %d adj %v total %v", i, r.District, r.Rank, r.Adjustment, r.Total, w.District, w.Rank, w.Adjustment, w.Total)
				}
			}
		})
	}
}

func TestAdjustmentErrorsSayWhatToDo(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	good := string(base) + assessmentTOML + adjustmentsTOML
	if _, err := ParseConfig("small.toml", []byte(good)); err != nil {
		t.Fatalf("valid adjustments refused: %v", err)
	}
	first := "district = \"west\"\ndate = \"2023-06-26\"\npoints = 20\nzh = \"破获部督案件\""
	for _, tc := range []struct{ to, want string }{
		{"district = \"north\"\ndate = \"2023-06-26\"\npoints = 20\nzh = \"破获部督案件\"", `assessment.adjustments[0].district: unknown district "north"`},
		{"district = \"west\"\ndate = \"2023-07-26\"\npoints = 20\nzh = \"破获部督案件\"", "assessment.adjustments[0].date: 2023-07-26 is outside the campaign"},
		{"district = \"west\"\ndate = \"26 June\"\npoints = 20\nzh = \"破获部督案件\"", `assessment.adjustments[0].date: "26 June": give the date`},
		{"district = \"west\"\ndate = \"2023-06-26\"\npoints = 0\nzh = \"破获部督案件\"", "assessment.adjustments[0].points: must be a non-zero number"},
		{"district = \"west\"\ndate = \"2023-06-26\"\npoints = 25\nzh = \"破获部督案件\"", "between -20 and 20"},
		{"district = \"west\"\ndate = \"2023-06-26\"\npoints = 20\nen = \"x\"", "assessment.adjustments[0].zh: give the reason"},
	} {
		src := strings.Replace(good, first, tc.to, 1)
		if src == good {
			t.Fatalf("the test did not change the file")
		}
		_, err := ParseConfig("small.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.to, err, tc.want)
		}
	}
}

const findingRuleTOML = `
[[assessment.rules]]
when = "finding_overdue"
points = -1.5
zh = "督察发现问题逾期未整改"
`

// TestRuleAdjustmentsPerFinding: an [[assessment.rules]] finding_overdue
// rule takes its points for each 督察 finding not rectified by its
// deadline, in the period holding the deadline, once it has passed, at
// most its max a month; worked out by hand on supervisionLog: east's F1
// put right in time (nothing), F2 never (deadline 06-27 12:00); west's F3
// a day late (deadline 06-26 12:00), F4 at its deadline (in time).
func TestRuleAdjustmentsPerFinding(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	type adj struct {
		district string
		points   float64
		items    []string
		capped   bool
	}
	tests := []struct {
		name string
		rule string
		span Span
		asOf string
		want []adj
	}{
		{"the whole span at its end", findingRuleTOML, Span{1, 3}, "2023-06-28 00:00:00", []adj{{"east", -1.5, []string{"F2"}, false}, {"west", -1.5, []string{"F3"}, false}}},
		// F2's deadline is on day 3: not in days 1–2, even counted later.
		{"days 1 and 2", findingRuleTOML, Span{1, 2}, "2023-06-28 00:00:00", []adj{{"west", -1.5, []string{"F3"}, false}}},
		// Before F2's deadline it is not overdue; F3 is, though put right
		// (late) by then.
		{"running, before F2's deadline", findingRuleTOML, Span{1, 3}, "2023-06-27 11:00:00", []adj{{"west", -1.5, []string{"F3"}, false}}},
		{"running, F3 just overdue", findingRuleTOML, Span{1, 3}, "2023-06-26 12:00:01", []adj{{"west", -1.5, []string{"F3"}, false}}},
		{"running, at F3's deadline", findingRuleTOML, Span{1, 3}, "2023-06-26 12:00:00", nil},
		{"at most 1 a month", findingRuleTOML + "max = 1\n", Span{1, 3}, "2023-06-28 00:00:00", []adj{{"east", -1, []string{"F2"}, true}, {"west", -1, []string{"F3"}, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig("small.toml", []byte(string(base)+twoZones+twoTeams+assessmentTOML+tc.rule))
			if err != nil {
				t.Fatal(err)
			}
			h := NewHistory(cfg)
			for i, e := range supervisionLog(t) {
				e.Seq = uint64(i + 1)
				h.Apply(e)
			}
			got := h.RuleAdjustments(tc.span, clockAt(t, tc.asOf))
			if len(got) != len(tc.want) {
				t.Fatalf("%d adjustments %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.District != w.district || g.Points != w.points || !slices.Equal(g.Items, w.items) || g.Count != len(w.items) || g.Each != -1.5 || g.Capped != w.capped || g.Rule != WhenFindingOverdue {
					t.Errorf("adjustment %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
	// In the month's assessment: each district's total is its score less
	// its finding, and the bulletin's list of 加扣分 has them.
	cfg, err := ParseConfig("small.toml", []byte(string(base)+twoZones+twoTeams+assessmentTOML+findingRuleTOML))
	if err != nil {
		t.Fatal(err)
	}
	h := NewHistory(cfg)
	for i, e := range supervisionLog(t) {
		e.Seq = uint64(i + 1)
		h.Apply(e)
	}
	p := h.Period(PeriodMonth, Span{1, 3})
	_, rows := p.Assessment(h)
	for _, r := range rows {
		if r.Adjustment != -1.5 || r.Total != Round(r.Score-1.5, 2) {
			t.Errorf("%s: score %v, 加扣分 %v, total %v: want its finding's −1.5", r.District, r.Score, r.Adjustment, r.Total)
		}
	}
	if n := len(p.Adjustments(h)); n != 2 {
		t.Errorf("the month lists %d 加扣分, want 2", n)
	}
}

func TestAdjustmentRuleErrorsSayWhatToDo(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	good := string(base) + assessmentTOML + findingRuleTOML
	if _, err := ParseConfig("small.toml", []byte(good)); err != nil {
		t.Fatalf("a valid rule refused: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`when = "finding_overdue"`, `when = "late_findings"`, `assessment.rules[0].when: "late_findings": count one of [finding_overdue]`},
		{"points = -1.5", "points = 0", "assessment.rules[0].points: must be a non-zero number"},
		{"points = -1.5", "points = -21", "between -20 and 20"},
		{"points = -1.5", "points = -1.5\nmax = 30", "assessment.rules[0].max: must be the most points"},
		{`zh = "督察发现问题逾期未整改"`, `en = "late"`, "assessment.rules[0].zh: give what is counted"},
	} {
		src := strings.Replace(good, tc.from, tc.to, 1)
		if src == good {
			t.Fatalf("the test did not change the file")
		}
		if _, err := ParseConfig("small.toml", []byte(src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.to, err, tc.want)
		}
	}
}
