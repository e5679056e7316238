package campaign

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// twoZones puts each district of the small campaign in a zone of its own.
const twoZones = `
[[zones]]
id = "zone-e"
zh = "东部战区"
en = "East zone"
districts = ["east"]
leader_zh = "市公安局副局长"

[[zones]]
id = "zone-w"
zh = "西部战区"
en = "West zone"
districts = ["west"]
leader_zh = "市公安局政治部主任"
leader_en = "Director of the Political Department"
`

const twoTeams = `
[[supervision.teams]]
id = "team-01"
zh = "第一督察组"
en = "Team 1"

[[supervision.teams]]
id = "team-02"
zh = "第二督察组"
`

// TestZoneAndTeamConfigErrors: every refusal of [[zones]] and
// [[supervision.teams]] names small.toml, the line (marked "# <-" in the
// case) and the field, and says what to do.
func TestZoneAndTeamConfigErrors(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, add, field, reason string
	}{
		{"district in no zone", "[[zones]] # <-\nid = \"zone-e\"\nzh = \"东\"\nen = \"E\"\nleader_zh = \"副局长\"\ndistricts = [\"east\"]\n",
			"zones", "west in no zone: every district belongs to exactly one zone"},
		{"district in two zones", strings.Replace(twoZones, `districts = ["west"]`, `districts = ["west", "east"] # <-`, 1),
			"zones[1].districts", "district east is already in zone zone-e (zones[0])"},
		{"district twice in a zone", strings.Replace(twoZones, `districts = ["east"]`, `districts = ["east", "east"] # <-`, 1),
			"zones[0].districts", "district east is listed twice"},
		{"unknown district", strings.Replace(twoZones, `districts = ["west"]`, `districts = ["west", "north"] # <-`, 1),
			"zones[1].districts", `unknown district "north": use the ids of [[districts]]`},
		{"no districts", strings.Replace(twoZones, `districts = ["west"]`, `districts = [] # <-`, 1),
			"zones[1].districts", "empty: list the ids"},
		{"no leader", strings.Replace(strings.Replace(twoZones, "leader_zh = \"市公安局政治部主任\"\n", "", 1), "[[zones]]\nid = \"zone-w\"", "[[zones]] # <-\nid = \"zone-w\"", 1),
			"zones[1].leader_zh", "the title of the leader"},
		{"leader too long", strings.Replace(twoZones, `leader_zh = "市公安局政治部主任"`, `leader_zh = "`+strings.Repeat("长", 65)+`" # <-`, 1),
			"zones[1].leader_zh", "65 characters, longer than 64"},
		{"leader with a control", strings.Replace(twoZones, `leader_zh = "市公安局副局长"`, `leader_zh = "市公安局\u001b[2J副局长" # <-`, 1),
			"zones[0].leader_zh", "U+001B (C0 control) not allowed"},
		{"duplicate zone id", strings.Replace(twoZones, `id = "zone-w"`, `id = "zone-e" # <-`, 1),
			"zones[1].id", "duplicate zone id zone-e (also zones[0])"},
		{"zone id with a space", strings.Replace(twoZones, `id = "zone-w"`, `id = "zone w" # <-`, 1),
			"zones[1].id", "U+0020 (space) not allowed"},
		{"zone without names", strings.Replace(twoZones, "[[zones]]\nid = \"zone-w\"\nzh = \"西部战区\"", "[[zones]] # <-\nid = \"zone-w\"", 1),
			"zones[1]", "zh and en are required"},
		{"zone id of a district", strings.Replace(twoZones, `id = "zone-w"`, `id = "west" # <-`, 1),
			"zones[1].id", `"west" is a district's id or reserved`},
		{"zone id all", strings.Replace(twoZones, `id = "zone-w"`, `id = "all" # <-`, 1),
			"zones[1].id", `"all" is a district's id or reserved`},
		{"duplicate team", strings.Replace(twoTeams, `id = "team-02"`, `id = "team-01" # <-`, 1),
			"supervision.teams[1].id", "duplicate team id team-01 (also supervision.teams[0])"},
		{"team without name", strings.Replace(twoTeams, "[[supervision.teams]]\nid = \"team-02\"\nzh = \"第二督察组\"", "[[supervision.teams]] # <-\nid = \"team-02\"", 1),
			"supervision.teams[1].zh", "missing: the team's name"},
		{"team id not ASCII", strings.Replace(twoTeams, `id = "team-02"`, `id = "二组" # <-`, 1),
			"supervision.teams[1].id", "not allowed: ids are printable ASCII"},
		{"unknown key", strings.Replace(twoTeams, `en = "Team 1"`, `en = "Team 1"`+"\nleader = \"x\" # <-", 1),
			"supervision.teams.leader", "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := string(base) + tc.add
			want := 0
			for i, l := range strings.Split(src, "\n") {
				if strings.Contains(l, "# <-") {
					want = i + 1
				}
			}
			if want == 0 {
				t.Fatal("the case marks no line")
			}
			_, err := ParseConfig("small.toml", []byte(src))
			prefix := fmt.Sprintf("small.toml:%d: %s: ", want, tc.field)
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v\nwant %s...%s", err, prefix, tc.reason)
			}
		})
	}
}

// TestZonesAndTeamsRead: a good file's zones and teams, and the lookups
// the board and bulletins use.
func TestZonesAndTeamsRead(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", []byte(string(base)+twoZones+twoTeams))
	if err != nil {
		t.Fatal(err)
	}
	if z, ok := cfg.ZoneOf("west"); !ok || z.ID != "zone-w" || z.Leader("en") != "Director of the Political Department" {
		t.Errorf("ZoneOf(west) = %+v, %v", z, ok)
	}
	if z, _ := cfg.ZoneOf("east"); z.Leader("en") != "市公安局副局长" {
		t.Errorf("a leader without English falls back to the Chinese, got %q", z.Leader("en"))
	}
	if got := cfg.ZoneName("zone-e", "en") + "/" + cfg.ZoneName("zone-e", "zh") + "/" + cfg.ZoneName("zone-x", "zh"); got != "East zone/东部战区/zone-x" {
		t.Errorf("ZoneName: %s", got)
	}
	if got := cfg.TeamName("team-02", "en") + "/" + cfg.TeamName("team-01", "en") + "/" + cfg.TeamName("team-9", "zh"); got != "第二督察组/Team 1/team-9" {
		t.Errorf("TeamName: %s", got)
	}
	v := cfg.Validator()
	if !v.Teams["team-01"] || !v.Teams["team-02"] || len(v.Teams) != 2 {
		t.Errorf("the validator's teams: %v", v.Teams)
	}
	// No zones at all is fine, and then no district has one.
	plain, err := ParseConfig("small.toml", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.ZoneOf("east"); ok || len(plain.Validator().Teams) != 0 || plain.Validator().Teams == nil {
		t.Error("a file without zones or teams has none (and its validator takes no team)")
	}
}

// TestZoneScoresAreFairToSize: a zone is scored as one district of its
// districts' counts, residents and targets summed; worked out by hand.
func TestZoneScoresAreFairToSize(t *testing.T) {
	src := `[campaign]
id = "t"
name_zh = "测"
name_en = "T"
start = "2023-06-25"
end = "2023-07-04"
[[districts]]
id = "a"
zh = "甲"
en = "A"
population = 100000
targets = { suspects_arrested = 100 }
[[districts]]
id = "b"
zh = "乙"
en = "B"
population = 300000
targets = { suspects_arrested = 100 }
[[districts]]
id = "c"
zh = "丙"
en = "C"
population = 200000
targets = { suspects_arrested = 50 }
[[zones]]
id = "x"
zh = "甲乙战区"
en = "Zone X"
districts = ["b", "a"]
leader_zh = "副局长"
[[zones]]
id = "y"
zh = "丙战区"
en = "Zone Y"
districts = ["c"]
leader_zh = "主任"
[[assessment.measures]]
measure = "cases_solved"
weight = 60
basis = "per_capita"
[[assessment.measures]]
measure = "suspects_arrested"
weight = 40
basis = "target"
`
	cfg, err := ParseConfig("zones.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ZoneDistricts("x"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("zone x's districts in file order: %v", got)
	}
	counts := map[string]*Counters{
		"a": {CasesSolved: map[string]int64{"theft": 10}, Persons: map[string]int64{"arrest/theft": 50}},
		"b": {CasesSolved: map[string]int64{"theft": 20}, Persons: map[string]int64{"arrest/theft": 30}},
		"c": {CasesSolved: map[string]int64{"theft": 30}, Persons: map[string]int64{"arrest/theft": 60}},
	}
	sc := ZoneScores(cfg, cfg.AssessMeasures(), ScoreInputs(counts, nil), 10)
	// Zone X: 30 solved over 40 ten-thousands = 0.75, against Y's 30/20 =
	// 1.5 the best: 60 × 0.75/1.5 = 30 points; 80 arrests of a target of
	// 200: 40 × 0.4 = 16. Zone Y: 60 + 40 (120% of 50, scored as 100%).
	want := []string{"y 1 100.00 [60.00 40.00]", "x 2 46.00 [30.00 16.00]"}
	var got []string
	for _, r := range sc.Rows {
		got = append(got, fmt.Sprintf("%s %d %.2f [%.2f %.2f]", r.District, r.Rank, r.Score, r.Measures[0].Points, r.Measures[1].Points))
	}
	if !slices.Equal(got, want) {
		t.Errorf("zone scores:\n got %q\nwant %q", got, want)
	}
	if !sc.Rows[0].Measures[1].Capped || sc.Rows[1].Measures[0].Base != 40 {
		t.Errorf("Y's completion is capped, X's residents are 40 ten-thousands: %+v", sc.Rows)
	}
	if g := GroupCounters(counts, cfg.ZoneDistricts("x")); g.CasesSolved["theft"] != 30 || g.Persons["arrest/theft"] != 80 {
		t.Errorf("zone x's counts: %+v", g)
	}
	plain := testConfig(t)
	if sc := ZoneScores(plain, plain.FlagMeasures(), nil, 3); len(sc.Rows) != 0 {
		t.Errorf("no zones, no zone scores: %+v", sc)
	}
}

// TestGroupToDate: a zone's comparison is its districts' counts summed
// against their own baselines summed, like for like in time; none unless
// each district has the baseline.
func TestGroupToDate(t *testing.T) {
	src := "[campaign]\nid = \"t\"\nname_zh = \"测\"\nname_en = \"T\"\nstart = \"2023-06-25\"\nend = \"2023-07-04\"\nutc_offset = \"+08:00\"\n" +
		"[baselines.previous]\nalarms_criminal = 40\n" +
		"[[districts]]\nid = \"a\"\nzh = \"甲\"\nen = \"A\"\nprevious = { alarms_criminal = 10 }\n" +
		"[[districts]]\nid = \"b\"\nzh = \"乙\"\nen = \"B\"\nprevious = { alarms_criminal = 30 }\n" +
		"[[districts]]\nid = \"c\"\nzh = \"丙\"\nen = \"C\"\n"
	cfg, err := ParseConfig("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := NewState(cfg)
	for i, d := range []string{"a", "a", "b", "b", "b", "b", "c"} {
		Apply(cfg, s, ev(fmt.Sprint("al", i), feed.TypeAlarmReceived, d, feed.AlarmReceived{AlarmID: fmt.Sprint("A", i), Category: feed.AlarmCriminal, Priority: 2}))
	}
	// Day 3 at noon: days 1 and 2 complete, 6 alarms of a and b against
	// 40 pro-rated to 2 of 10 days.
	noon3 := cfg.Date(3).Add(12 * time.Hour)
	if got, want := GroupToDate(cfg, s, []string{"a", "b"}, "alarms_criminal", VsPreviousPeriod, noon3), LikeForLike(6, 2, Base{Value: 40, Days: 10}); got != want {
		t.Errorf("a+b at day 3: %+v, want %+v", got, want)
	}
	if got, want := DistrictToDate(cfg, s, "b", "alarms_criminal", VsPreviousPeriod, noon3), GroupToDate(cfg, s, []string{"b"}, "alarms_criminal", VsPreviousPeriod, noon3); got != want {
		t.Errorf("one district: %+v, group of it: %+v", got, want)
	}
	// On day 1 itself the day running is left out: nothing complete yet.
	if got, want := GroupToDate(cfg, s, []string{"a", "b"}, "alarms_criminal", VsPreviousPeriod, t0.Add(time.Hour)), LikeForLike(0, 0, Base{Value: 40, Days: 10}); got != want {
		t.Errorf("a+b on day 1: %+v, want %+v", got, want)
	}
	if got := GroupToDate(cfg, s, []string{"a", "c"}, "alarms_criminal", VsPreviousPeriod, noon3); got != (Comparison{}) {
		t.Errorf("c has no baseline, so a+c has no comparison: %+v", got)
	}
}
