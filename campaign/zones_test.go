package campaign

import (
	"fmt"
	"os"
	"strings"
	"testing"
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
