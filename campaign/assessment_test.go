package campaign

import (
	"os"
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
			rows = withAdjustments(cfg, tc.span, rows)
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
