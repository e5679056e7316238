package feed_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// TestSupervisionValidation: the checks a schema cannot make (a team of
// the campaign's, a deadline not before the finding) and every field's
// refusal, each naming the field and saying what to send.
func TestSupervisionValidation(t *testing.T) {
	at := time.Date(2023, 7, 3, 10, 0, 0, 0, time.FixedZone("+08:00", 8*3600))
	withTeams := feed.Validator{Districts: map[string]bool{"east": true}, Teams: map[string]bool{"team-01": true, "team-02": true}}
	noTeams := feed.Validator{Districts: map[string]bool{"east": true}, Teams: map[string]bool{}}
	visit := func(team, mode string, findings int64) any {
		return feed.SupervisionVisit{Team: team, Mode: mode, Focus: "督进度", Findings: findings}
	}
	finding := func(team, summary, severity, deadline string) any {
		return feed.SupervisionFinding{FindingID: "F-1", Team: team, Summary: summary, Severity: severity, Deadline: deadline}
	}
	cases := []struct {
		name   string
		v      feed.Validator
		typ    string
		data   any
		field  string // "" when valid
		reason string
	}{
		{"visit of a known team", withTeams, feed.TypeSupervisionVisit, visit("team-01", "covert", 2), "", ""},
		{"visit of an unknown team", withTeams, feed.TypeSupervisionVisit, visit("team-13", "open", 0), "data.team", `unknown team "team-13": use a team id of the campaign file's [[supervision.teams]]`},
		{"visit when the file has no teams", noTeams, feed.TypeSupervisionVisit, visit("team-01", "open", 0), "data.team", "lists no [[supervision.teams]]"},
		{"visit without a config", feed.Validator{}, feed.TypeSupervisionVisit, visit("any-team", "open", 0), "", ""},
		{"visit mode", withTeams, feed.TypeSupervisionVisit, visit("team-01", "hidden", 0), "data.mode", `unknown value "hidden": use one of open, covert`},
		{"visit negative findings", withTeams, feed.TypeSupervisionVisit, visit("team-01", "open", -2), "data.findings", "must not be negative"},
		{"visit too many findings", withTeams, feed.TypeSupervisionVisit, visit("team-01", "open", 5000), "data.findings", "more than 1000"},
		{"finding", withTeams, feed.TypeSupervisionFinding, finding("team-02", "台账不全", "minor", "2023-07-10T18:00:00+08:00"), "", ""},
		{"finding due at its own time", withTeams, feed.TypeSupervisionFinding, finding("team-02", "台账不全", "minor", "2023-07-03T02:00:00Z"), "", ""},
		{"finding due before it was found", withTeams, feed.TypeSupervisionFinding, finding("team-02", "台账不全", "minor", "2023-07-03T09:59:59+08:00"), "data.deadline", "is before the finding's at (2023-07-03T10:00:00+08:00)"},
		{"finding of an unknown team", withTeams, feed.TypeSupervisionFinding, finding("team-9", "台账不全", "minor", "2023-07-10T18:00:00+08:00"), "data.team", `unknown team "team-9"`},
		{"finding without a summary", withTeams, feed.TypeSupervisionFinding, finding("team-01", "", "minor", "2023-07-10T18:00:00+08:00"), "data.summary", "missing: say in one line what was found"},
		{"finding summary of two lines", withTeams, feed.TypeSupervisionFinding, finding("team-01", "一\n二", "minor", "2023-07-10T18:00:00+08:00"), "data.summary", "U+000A (C0 control)"},
		{"finding severity", withTeams, feed.TypeSupervisionFinding, finding("team-01", "x", "urgent", "2023-07-10T18:00:00+08:00"), "data.severity", "use one of minor, serious, severe"},
		{"finding without a deadline", withTeams, feed.TypeSupervisionFinding, finding("team-01", "x", "minor", ""), "data.deadline", "missing: give when it must be put right"},
		{"finding deadline without a zone", withTeams, feed.TypeSupervisionFinding, finding("team-01", "x", "minor", "2023-07-10T18:00:00"), "data.deadline", "not an RFC 3339 time with a zone"},
		{"finding deadline not a day", withTeams, feed.TypeSupervisionFinding, finding("team-01", "x", "minor", "2023-06-31T18:00:00+08:00"), "data.deadline", "not a real time"},
		{"finding deadline before 1970", withTeams, feed.TypeSupervisionFinding, finding("team-01", "x", "minor", "1969-07-10T18:00:00+08:00"), "data.deadline", "year 1969 is before 1970"},
		{"rectified", withTeams, feed.TypeSupervisionRectified, feed.SupervisionRectified{FindingID: "F-1", Note: "已整改"}, "", ""},
		{"rectified note too long", withTeams, feed.TypeSupervisionRectified, feed.SupervisionRectified{FindingID: "F-1", Note: strings.Repeat("改", 201)}, "data.note", "201 characters, longer than 200"},
		{"rectified without finding_id", withTeams, feed.TypeSupervisionRectified, feed.SupervisionRectified{Note: "x"}, "data.finding_id", "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(tc.data)
			errs := tc.v.Validate(2, feed.Event{ID: "e1", Type: tc.typ, At: at, District: "east", Data: raw})
			if tc.field == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Reason, tc.reason) || errs[0].Index != 2 {
				t.Fatalf("got %v, want one error on %s: ...%s", errs, tc.field, tc.reason)
			}
		})
	}
}

// TestParseWireTime: a time inside data takes the forms an event's at
// takes, no more.
func TestParseWireTime(t *testing.T) {
	for _, s := range []string{"2023-07-10T18:00:00+08:00", "2023-07-10T10:00:00Z", "2023-07-10T10:00:00.123-05:30"} {
		if _, p := feed.ParseWireTime(s); p != "" {
			t.Errorf("%s: %s", s, p)
		}
	}
	for _, s := range []string{"", "2023-07-10", "2023-07-10 18:00:00+08:00", "2023-07-10T18:00:00z", "2023-07-10T18:00:00,5Z", "2023-07-10T18:00:00+24:00", "2023-02-29T00:00:00Z"} {
		if _, p := feed.ParseWireTime(s); p == "" {
			t.Errorf("%q accepted", s)
		}
	}
	got, _ := feed.ParseWireTime("2023-07-10T18:00:00+08:00")
	if want := time.Date(2023, 7, 10, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
