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
