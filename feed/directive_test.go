package feed_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// TestDirectiveChecksBeyondTheSchema: what the hub checks of an
// instruction that a schema cannot: the order of its times, and with the
// campaign's districts (and zones), its targets and envelope district.
func TestDirectiveChecksBeyondTheSchema(t *testing.T) {
	v := feed.Validator{Districts: map[string]bool{"east": true, "west": true}, Zones: map[string]bool{"z-north": true}}
	at := time.Date(2023, 7, 1, 9, 0, 0, 0, time.FixedZone("", 8*3600))
	issued := func(mod func(*feed.DirectiveIssued)) feed.Event {
		p := feed.DirectiveIssued{DirectiveID: "D1", To: []string{"east", "west"}, Text: "夜间清查", Level: feed.LevelUrgent,
			DeadlineSign: at.Add(2 * time.Hour), DeadlineReport: at.Add(24 * time.Hour)}
		if mod != nil {
			mod(&p)
		}
		data, _ := json.Marshal(p)
		return feed.Event{ID: "e1", Type: feed.TypeDirectiveIssued, At: at, District: feed.CityDistrict, Data: data}
	}
	signed := func(district string) feed.Event {
		return feed.Event{ID: "e2", Type: feed.TypeDirectiveSigned, At: at, District: district, Data: json.RawMessage(`{"directive_id":"D1","by":"东区值班台"}`)}
	}
	cases := []struct {
		name          string
		ev            feed.Event
		field, reason string // "" when valid
	}{
		{"valid", issued(nil), "", ""},
		{"to all", issued(func(p *feed.DirectiveIssued) { p.To = []string{"all"} }), "", ""},
		{"to a zone", issued(func(p *feed.DirectiveIssued) { p.To = []string{"z-north", "west"} }), "", ""},
		{"unknown district", issued(func(p *feed.DirectiveIssued) { p.To = []string{"east", "north"} }), "data.to[1]", `unknown district "north": use the campaign config's district ids or zone ids (z-north), or "all"`},
		{"sign deadline before it is issued", issued(func(p *feed.DirectiveIssued) { p.DeadlineSign = at.Add(-time.Minute) }), "data.deadline_sign", "before the instruction's at"},
		{"report deadline before the sign deadline", issued(func(p *feed.DirectiveIssued) { p.DeadlineReport = at.Add(time.Hour) }), "data.deadline_report", "before deadline_sign"},
		{"issued by a district", func() feed.Event { ev := issued(nil); ev.District = "east"; return ev }(), "district", `an instruction is the campaign office's, so its district is "city"`},
		{"signed by a district", signed("east"), "", ""},
		{"signed by the city", signed("city"), "district", "not \"city\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := v.Validate(2, tc.ev)
			if tc.field == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			for _, fe := range errs {
				if fe.Field == tc.field && strings.Contains(fe.Reason, tc.reason) && fe.Index == 2 {
					return
				}
			}
			t.Fatalf("want %s: %s..., got %v", tc.field, tc.reason, errs)
		})
	}
}
