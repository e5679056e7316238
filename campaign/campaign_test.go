package campaign

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

func testConfig(t testing.TB) *Config {
	t.Helper()
	cfg, err := LoadConfig("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var t0 = time.Date(2023, 6, 25, 9, 0, 0, 0, time.FixedZone("+08:00", 8*3600))

// ev builds an event; seq 0 means "not from a hub".
func ev(id, typ, district string, data any) feed.Event {
	return feed.Event{ID: id, Type: typ, At: t0, District: district, Data: eventJSON(data)}
}

// lastDay moves the campaign clock to the last second of its last day
// without counting anything: the campaign is then whole, so comparisons are
// against the whole baseline.
var lastDay = feed.Event{ID: "clock", Type: "clock.tick", At: time.Date(2023, 6, 27, 23, 59, 59, 0, t0.Location()), District: "east"}

func fold(cfg *Config, evs ...feed.Event) *State {
	s := NewState(cfg)
	for _, e := range evs {
		Apply(cfg, s, e)
	}
	return s
}

func TestEachEventTypeMovesItsFigures(t *testing.T) {
	cfg := testConfig(t)
	tests := []struct {
		name   string
		events []feed.Event
		want   map[string]float64
	}{
		{"criminal alarm vs previous period", []feed.Event{
			ev("a1", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A1", Category: "criminal", Priority: 2}),
			ev("a2", feed.TypeAlarmReceived, "west", feed.AlarmReceived{AlarmID: "A2", Category: "criminal", Priority: 2}),
			ev("a3", feed.TypeAlarmReceived, "west", feed.AlarmReceived{AlarmID: "A3", Category: "criminal", Priority: 2}),
			lastDay,
		}, map[string]float64{"overall.alarms_criminal_mom_pct": -25}},
		{"to date: day 1 of 3 complete compares with a third of the baseline", []feed.Event{
			ev("a1", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A1", Category: "criminal", Priority: 2}),
			ev("a2", feed.TypeAlarmReceived, "west", feed.AlarmReceived{AlarmID: "A2", Category: "criminal", Priority: 2}),
			ev("a3", feed.TypeAlarmReceived, "west", feed.AlarmReceived{AlarmID: "A3", Category: "criminal", Priority: 2}),
			{ID: "clock", Type: "clock.tick", At: t0.Add(24 * time.Hour), District: "east"}, // day 2, 09:00
		}, map[string]float64{"overall.alarms_criminal_mom_pct": 125}},
		{"theft filed, solved new and cold", []feed.Event{
			ev("c1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C1", Category: "theft", Kind: "criminal"}),
			ev("c2", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C2", Category: "theft", Kind: "criminal"}),
			ev("c3", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "C1", Category: "theft", Kind: "criminal"}),
			ev("c4", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "C0", Category: "theft", Kind: "criminal", Cold: true}),
			lastDay,
		}, map[string]float64{"strike.theft_cases_solved": 2, "strike.theft_clearance_rate_pct": 50, "overall.theft_cases_filed_yoy_pct": -50, "overall.criminal_cases_filed_yoy_pct": -60}},
		{"administrative cases solved do not inflate the clearance rate", []feed.Event{
			ev("c1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C1", Category: "theft", Kind: "criminal"}),
			ev("c2", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C2", Category: "theft", Kind: "criminal"}),
			ev("c3", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "C1", Category: "theft", Kind: "criminal"}),
			ev("c4", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "A1", Category: "theft", Kind: "administrative"}),
		}, map[string]float64{"strike.theft_cases_solved": 2, "strike.theft_clearance_rate_pct": 50}},
		{"homicide solved within the campaign", []feed.Event{
			ev("h1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "H1", Category: "homicide", Kind: "criminal"}),
			ev("h2", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "H1", Category: "homicide", Kind: "criminal"}),
			ev("h3", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "H0", Category: "homicide", Kind: "criminal", Cold: true}),
			ev("h4", feed.TypeCaseSolved, "west", feed.CaseSolved{CaseID: "V1", Category: "serious_violent", Kind: "criminal"}),
		}, map[string]float64{"strike.homicide_new_solve_rate_pct": 100, "strike.homicide_cold_cases_solved": 1, "strike.serious_violent_cases_solved": 3}},
		{"case actions by category", []feed.Event{
			ev("x1", feed.TypeCaseAction, "east", feed.CaseAction{CaseID: "G1", Category: "gang", Action: "arrest", Persons: 7}),
			ev("x2", feed.TypeCaseAction, "east", feed.CaseAction{CaseID: "G1", Category: "gang", Action: "seizure", AmountCNY: 1000}),
			ev("x3", feed.TypeCaseAction, "east", feed.CaseAction{CaseID: "G1", Category: "gang", Action: "prosecution", Persons: 3}),
			ev("x4", feed.TypeCaseAction, "west", feed.CaseAction{CaseID: "V1", Category: "vice", Action: "admin_penalty", Persons: 4}),
			ev("x5", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "G1", Category: "gang", Kind: "criminal", GroupBusted: true}),
			ev("x6", feed.TypeCaseAction, "east", feed.CaseAction{CaseID: "N1", Category: "online_gambling", Action: "recovery", AmountCNY: 500, Notable: "case-0420"}),
		}, map[string]float64{"strike.gang_suspects_arrested": 7, "strike.gang_assets_seized_cny": 1000, "strike.gang_suspects_prosecuted": 3,
			"strike.vice_admin_penalties": 4, "strike.gang_groups_busted": 1, "strike.case_0420_funds_recovered_cny": 500}},
		{"shift reports add up", []feed.Event{
			ev("s1", feed.TypeShiftReport, "east", feed.ShiftReport{Duty: "traffic", Officers: 10, Vehicles: 2, Violations: feed.Violations{Speeding: 5, DrunkDriving: 1, Other: 4}}),
			ev("s2", feed.TypeShiftReport, "west", feed.ShiftReport{Duty: "area", Officers: 20, Volunteers: 50, PersonsChecked: 30, VehiclesChecked: 12}),
			ev("s3", feed.TypeShiftReport, "west", feed.ShiftReport{Duty: "school", Officers: 3}),
		}, map[string]float64{"patrol.traffic_officer_deployments": 10, "patrol.traffic_vehicle_deployments": 2, "patrol.traffic_violations_total": 10,
			"patrol.traffic_speeding": 5, "patrol.traffic_drunk_driving": 1, "patrol.area_officer_deployments": 20, "patrol.social_force_deployments": 50,
			"patrol.persons_checked": 30, "patrol.vehicles_checked": 12, "hazard.school_officer_deployments": 3}},
		{"inspections, disputes, operations, posts", []feed.Event{
			ev("i1", feed.TypeInspection, "east", feed.Inspection{UnitType: "hazchem", Found: 2, Rectified: 1, Notices: 1}),
			ev("i2", feed.TypeInspection, "east", feed.Inspection{UnitType: "school"}),
			ev("d1", feed.TypeDisputeFound, "east", feed.DisputeFound{DisputeID: "D1"}),
			ev("d2", feed.TypeDisputeFound, "east", feed.DisputeFound{DisputeID: "D2"}),
			ev("d3", feed.TypeDisputeResolved, "east", feed.DisputeResolved{DisputeID: "D1"}),
			ev("o1", feed.TypeOperation, "east", feed.Operation{Kind: "night_spot_check"}),
			ev("p1", feed.TypePatrolDeployed, "east", feed.PatrolDeployed{PostKind: "checkpoint", PostID: "P1"}),
			ev("f1", feed.TypeFugitiveCaught, "east", feed.FugitiveCaught{Crime: "homicide", YearsAtLarge: 12}),
			ev("f2", feed.TypeFugitiveCaught, "east", feed.FugitiveCaught{Crime: "homicide", YearsAtLarge: 3}),
		}, map[string]float64{"hazard.hazchem_inspections": 1, "hazard.hazchem_rectified": 1, "hazard.rectification_notices": 1, "hazard.schools_inspected": 1,
			"hazard.disputes_found": 2, "hazard.disputes_resolved": 1, "hazard.disputes_resolution_rate_pct": 50, "patrol.night_spot_checks": 1,
			"patrol.checkpoints": 1, "strike.homicide_fugitives_10y_caught": 1}},
		{"config counts", nil, map[string]float64{"patrol.grids": 3, "patrol.night_markets": 1, "hazard.major_accidents": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			figs := Figures(cfg, fold(cfg, tc.events...))
			for id, want := range tc.want {
				got := figs[id]
				if !got.OK || math.Abs(got.Value-want) > 1e-9 {
					t.Errorf("%s = %+v, want %v", id, got, want)
				}
			}
		})
	}
}

func TestComparisonArithmetic(t *testing.T) {
	tests := []struct {
		cur, base int64
		want      float64
		ok        bool
	}{
		{4380, 4718, -7.16, true},
		{9650, 13277, -27.32, true},
		{1595, 2072, -23.02, true},
		{110, 100, 10, true},
		{5, 0, 0, false}, // zero baseline: n/a, never a division by zero
		{0, 0, 0, false},
	}
	for _, tc := range tests {
		got := Change(tc.cur, tc.base)
		if got.OK != tc.ok || (tc.ok && Round(got.Value, 2) != tc.want) {
			t.Errorf("Change(%d, %d) = %+v, want %v ok=%v", tc.cur, tc.base, got, tc.want, tc.ok)
		}
	}
	if r := Rate(8375, 8421); Round(r.Value, 2) != 99.45 {
		t.Errorf("Rate = %v, want 99.45", r.Value)
	}
	if r := Rate(1, 0); r.OK {
		t.Error("Rate with empty whole must be n/a")
	}
	cfg := testConfig(t)
	s := fold(cfg, ev("a", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A", Category: "public_order", Priority: 2}))
	if f := Figures(cfg, s)["overall.alarms_public_order_mom_pct"]; f.OK {
		t.Errorf("zero baseline must be n/a, got %+v", f)
	}
	if f := DistrictFigures(cfg, s, "east")["overall.alarms_criminal_mom_pct"]; f.OK {
		t.Errorf("zero baseline must be n/a, got %+v", f)
	}
}

// stream is a day of mixed events with hub sequence numbers.
func stream(n int) []feed.Event {
	var out []feed.Event
	cats := []string{"criminal", "public_order", "traffic"}
	for i := 0; i < n; i++ {
		var e feed.Event
		switch i % 5 {
		case 0:
			e = ev(fmt.Sprintf("e%d", i), feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: fmt.Sprintf("A%d", i), Category: cats[i%3], Priority: 2, Summary: "某某报警"})
			e.Grid = "east-01"
		case 1:
			e = ev(fmt.Sprintf("e%d", i), feed.TypeAlarmClosed, "east", feed.AlarmClosed{AlarmID: fmt.Sprintf("A%d", i-1), Category: cats[(i-1)%3]})
		case 2:
			e = ev(fmt.Sprintf("e%d", i), feed.TypeCaseSolved, "west", feed.CaseSolved{CaseID: fmt.Sprintf("C%d", i), Category: "theft", Kind: "criminal"})
		case 3:
			e = ev(fmt.Sprintf("e%d", i), feed.TypeShiftReport, "west", feed.ShiftReport{Duty: "area", Officers: int64(i)})
		case 4:
			e = ev(fmt.Sprintf("e%d", i), "weather.report", "west", map[string]string{"sky": "clear"})
		}
		e.At = t0.Add(time.Duration(i) * time.Minute)
		e.Seq = uint64(i + 1)
		out = append(out, e)
	}
	return out
}

func mustJSON(t *testing.T, s *State) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFoldProperties(t *testing.T) {
	cfg := testConfig(t)
	evs := stream(3000)
	straight := fold(cfg, evs...)

	t.Run("redelivery changes nothing", func(t *testing.T) {
		s := fold(cfg, evs...)
		for _, e := range evs {
			Apply(cfg, s, e)
		}
		noSeq := evs[len(evs)-100:] // redelivered without seq: caught by the id window
		for _, e := range noSeq {
			e.Seq = 0
			Apply(cfg, s, e)
		}
		s.Duplicates, straight.Duplicates = 0, 0
		if mustJSON(t, s) != mustJSON(t, straight) {
			t.Fatal("folding the stream twice changed the state")
		}
	})
	t.Run("chunks equal one go", func(t *testing.T) {
		s := NewState(cfg)
		for i := 0; i < len(evs); i += 97 {
			for _, e := range evs[i:min(i+97, len(evs))] {
				Apply(cfg, s, e)
			}
			s = s.Clone() // a board receives a fresh copy per batch
		}
		if mustJSON(t, s) != mustJSON(t, straight) {
			t.Fatal("folding in chunks differs from folding in one go")
		}
	})
	t.Run("snapshot round trip then continue", func(t *testing.T) {
		half := fold(cfg, evs[:1234]...)
		b, _ := json.Marshal(half)
		var restored State
		if err := json.Unmarshal(b, &restored); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs[1234:] {
			Apply(cfg, &restored, e)
		}
		if mustJSON(t, &restored) != mustJSON(t, straight) {
			t.Fatal("snapshot -> JSON -> state -> fold differs from folding straight through")
		}
	})
	t.Run("bounded whatever the count", func(t *testing.T) {
		if len(straight.Ticker) > TickerSize || len(straight.Closures) > ClosuresSize || len(straight.RecentIDs) > DedupWindow || len(straight.OpenAlarms) > MaxOpenAlarms {
			t.Fatalf("rings exceed their bounds: ticker %d closures %d ids %d open %d", len(straight.Ticker), len(straight.Closures), len(straight.RecentIDs), len(straight.OpenAlarms))
		}
		b, _ := json.Marshal(straight)
		if len(b) > 256<<10 {
			t.Fatalf("snapshot is %d bytes: it must hold aggregates, not history", len(b))
		}
	})
	t.Run("unknown types counted, not folded", func(t *testing.T) {
		if straight.Unknown["weather.report"] != 600 {
			t.Fatalf("unknown = %v", straight.Unknown)
		}
		if straight.Ticker[0].Status != StatusUnknown || straight.Ticker[0].Type != "weather.report" {
			t.Fatalf("unknown type not shown in the ticker: %+v", straight.Ticker[0])
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		if mustJSON(t, fold(cfg, evs...)) != mustJSON(t, fold(cfg, evs...)) {
			t.Fatal("same events gave different states")
		}
	})
}

func TestOpenQueueAndTicker(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg,
		ev("1", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A", Category: "criminal", Priority: 1, Summary: "某某被盗"}),
		ev("2", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "B", Category: "traffic", Priority: 2}),
		ev("3", feed.TypeAlarmDispatched, "east", feed.AlarmDispatched{AlarmID: "A", Category: "criminal"}),
		ev("4", feed.TypeAlarmClosed, "east", feed.AlarmClosed{AlarmID: "B", Category: "traffic"}),
	)
	if len(s.OpenAlarms) != 1 || !s.OpenAlarms["A"].Dispatched {
		t.Fatalf("open queue = %+v", s.OpenAlarms)
	}
	if s.Ticker[0].AlarmID != "B" || s.Ticker[0].Status != StatusClosed || s.Ticker[1].Status != StatusDispatched {
		t.Fatalf("ticker = %+v", s.Ticker)
	}
}

func TestAlertsRaiseAndClear(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg,
		ev("h1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "H1", Category: "homicide", Kind: "criminal"}),
		ev("t1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "T1", Category: "theft", Kind: "criminal"}),
	)
	if len(s.Alerts) != 1 || s.Alerts[0].ID != "h1" || s.Alerts[0].Level != LevelRed {
		t.Fatalf("alerts = %+v (a level of critical reads as red)", s.Alerts)
	}
	Apply(cfg, s, ev("h2", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "H1", Category: "homicide", Kind: "criminal"}))
	if len(s.Alerts) != 1 || !s.Alerts[0].Cleared() || s.Alerts[0].ClearedBy != feed.TypeCaseSolved {
		t.Fatalf("solving the homicide must clear its alert, which stands until acknowledged: %+v", s.Alerts)
	}
	Apply(cfg, s, ev("h3", feed.TypeAlertAcknowledged, "east", feed.AlertAcknowledged{AlertID: "h1", By: "市局"}))
	if len(s.Alerts) != 0 || len(s.AlertsDone) != 1 || !s.AlertsDone[0].Finished() {
		t.Fatalf("acknowledged and cleared, the alert is finished: standing %+v, done %+v", s.Alerts, s.AlertsDone)
	}
}

func TestCampaignStartedResets(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg, stream(50)...)
	Apply(cfg, s, feed.Event{ID: "r2-start", Type: feed.TypeCampaignStarted, At: t0, District: "east", Seq: 51, Data: eventJSON(feed.CampaignStarted{Run: 2})})
	if s.Run != 1 || s.Events != 1 || len(s.Totals.AlarmsReceived) != 0 || s.Seq != 51 {
		t.Fatalf("campaign.started must start a fresh run: run %d events %d seq %d", s.Run, s.Events, s.Seq)
	}
}

func TestRankingFlagsAndTies(t *testing.T) {
	cfg := testConfig(t)
	solved := func(id, d string) feed.Event {
		return ev(id, feed.TypeCaseSolved, d, feed.CaseSolved{CaseID: id, Category: "theft", Kind: "criminal"})
	}
	tests := []struct {
		name   string
		events []feed.Event
		order  []string
		flags  []string
	}{
		{"west solves more", []feed.Event{solved("1", "west"), solved("2", "west"), solved("3", "east")}, []string{"west", "east"}, []string{"red", "yellow"}},
		{"tie on score goes to config order", []feed.Event{solved("1", "west"), solved("2", "east")}, []string{"east", "west"}, []string{"red", "yellow"}},
		{"criminal alarms count against", []feed.Event{solved("1", "west"), solved("2", "east"),
			ev("a", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A", Category: "criminal", Priority: 2})}, []string{"west", "east"}, []string{"red", "yellow"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := fold(cfg, tc.events...)
			rows := RankSpan(cfg, st.Districts, nil, 3, cfg.Flags.Red, cfg.Flags.Yellow).Rows
			for i, r := range rows {
				if r.District != tc.order[i] || r.Flag != tc.flags[i] || r.Rank != i+1 {
					t.Fatalf("row %d = %+v, want %s/%s", i, r, tc.order[i], tc.flags[i])
				}
			}
		})
	}
}

func TestConfigErrorsNameFileLineField(t *testing.T) {
	base, _ := os.ReadFile("testdata/small.toml")
	tests := []struct {
		name, from, to, want string
	}{
		{"grid in unknown district", `district = "west"` + "\n\n[[sites]]", `district = "north"` + "\n\n[[sites]]", "grids[2].district"},
		{"bad date", `start = "2023-06-25"`, `start = "June 25"`, "campaign.start"},
		{"unknown metric", "alarms_criminal = 4", "alarms_criminals = 4", "baselines.previous.alarms_criminals"},
		{"unknown measure", `measure = "cases_solved"`, `measure = "cases_closed"`, "flags.measures[0].measure"},
		{"unknown field", `utc_offset = "+08:00"`, `utc_offset = "+08:00"` + "\ncolour = \"red\"", "campaign.colour"},
		{"syntax", `red = 1`, `red = = 1`, "small.toml:"},
		{"a district called city", `id = "west"`, `id = "city"`, `districts[1].id: "city" is reserved`},
		{"a district called all", `id = "west"`, `id = "all"`, `districts[1].id: "all" is reserved`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(base), tc.from, tc.to, 1)
			if src == string(base) {
				t.Fatalf("test did not change the file: %q not found", tc.from)
			}
			_, err := ParseConfig("small.toml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "small.toml:") {
				t.Fatalf("err = %v, want it to name small.toml:LINE and %q", err, tc.want)
			}
		})
	}
}

func TestCheckFacts(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	facts := &Facts{Figures: []Fact{
		{ID: "a", Kind: "exact", Value: v(3)},
		{ID: "b", Kind: "range", Min: v(10), Max: v(20)},
		{ID: "c", Kind: "pct", Value: v(-7.16), Decimals: 2},
		{ID: "d", Kind: "exact", Value: v(1)},
	}}
	figs := map[string]Figure{"a": {3, true}, "b": {21, true}, "c": {-7.1639, true}}
	got := CheckFacts(figs, facts)
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	if !reflect.DeepEqual(ids, []string{"b", "d"}) {
		t.Fatalf("mismatches = %v, want b (out of range) and d (not computed)", got)
	}
}

func TestParseFactsRefusesAFigureWithoutID(t *testing.T) {
	_, err := ParseFacts("f.json", []byte(`{"figures":[{"kind":"exact","value":1}]}`))
	if err == nil || !strings.Contains(err.Error(), "figures[0] (): no id") {
		t.Fatalf("err = %v, want figures[0] refused for having no id", err)
	}
}

func TestDayCounting(t *testing.T) {
	cfg := testConfig(t)
	loc := cfg.Location()
	tests := []struct {
		at   time.Time
		want int
	}{
		{time.Date(2023, 6, 25, 0, 0, 0, 0, loc), 1},
		{time.Date(2023, 6, 25, 23, 59, 0, 0, loc), 1},
		{time.Date(2023, 6, 24, 16, 30, 0, 0, time.UTC), 1}, // 00:30 +08:00
		{time.Date(2023, 6, 24, 23, 0, 0, 0, loc), 0},
		{time.Date(2023, 6, 27, 12, 0, 0, 0, loc), 3},
	}
	for _, tc := range tests {
		if got := cfg.Day(tc.at); got != tc.want {
			t.Errorf("Day(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
}

func TestDistrictToday(t *testing.T) {
	cfg := testConfig(t)
	alarm := func(id, district string, at time.Time) feed.Event {
		e := ev(id, feed.TypeAlarmReceived, district, feed.AlarmReceived{AlarmID: id, Category: "criminal", Priority: 2})
		e.At = at
		return e
	}
	day2 := t0.Add(24 * time.Hour)
	tests := []struct {
		name       string
		events     []feed.Event
		east, west int64
	}{
		{"counts today per district", []feed.Event{alarm("1", "east", t0), alarm("2", "east", t0), alarm("3", "west", t0)}, 2, 1},
		{"a new day starts every district afresh", []feed.Event{alarm("1", "east", t0), alarm("2", "west", day2)}, 0, 1},
		{"a late event of yesterday is not today", []feed.Event{alarm("1", "west", day2), alarm("2", "east", t0)}, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fold(cfg, tc.events...)
			if got := s.TodayIn("east").AlarmsCriminal; got != tc.east {
				t.Errorf("east today = %d, want %d", got, tc.east)
			}
			if got := s.TodayIn("west").AlarmsCriminal; got != tc.west {
				t.Errorf("west today = %d, want %d", got, tc.west)
			}
			var sum int64
			for _, d := range []string{"east", "west"} {
				sum += s.TodayIn(d).AlarmsCriminal
			}
			if sum != s.Today().AlarmsCriminal {
				t.Errorf("districts' today (%d) must add up to the city's (%d)", sum, s.Today().AlarmsCriminal)
			}
		})
	}
}

// TestMissingBeforeMarksAPartialFold: a state folded from a log that no
// longer starts at seq 1 says where it starts, so boards can show that the
// totals are partial; a campaign run that starts after the gap is whole.
func TestMissingBeforeMarksAPartialFold(t *testing.T) {
	cfg := testConfig(t)
	evs := stream(50)
	start := feed.Event{ID: "r2-start", Type: feed.TypeCampaignStarted, At: t0, District: "east", Seq: 51, Data: eventJSON(feed.CampaignStarted{Run: 2})}
	after := feed.Event{ID: "r2-a", Type: "clock.tick", At: t0, District: "east", Seq: 52}
	tests := []struct {
		name string
		evs  []feed.Event
		want uint64
	}{
		{"whole log", evs, 0},
		{"log from seq 20", evs[19:], 20},
		{"events without seqs (a recording)", []feed.Event{ev("x", "clock.tick", "east", nil)}, 0},
		{"a run starts after the gap", append(append([]feed.Event{}, evs[19:]...), start, after), 0},
		{"the gap starts with a run", []feed.Event{start, after}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fold(cfg, tc.evs...)
			if s.MissingBefore != tc.want {
				t.Fatalf("MissingBefore %d, want %d", s.MissingBefore, tc.want)
			}
			if c := s.Clone(); c.MissingBefore != tc.want {
				t.Fatalf("a snapshot round trip loses it: %d", c.MissingBefore)
			}
		})
	}
}

// TestFugitivesCountInArrests: a wanted fugitive caught is a suspect
// caught (抓获): it counts in the district's arrests (the scores' measure),
// the headline and the day's count, and is given apart as fugitives.
func TestFugitivesCountInArrests(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg,
		ev("act", feed.TypeCaseAction, "east", feed.CaseAction{CaseID: "C1", Category: feed.CaseTheft, Action: feed.ActionArrest, Persons: 2}),
		ev("fug", feed.TypeFugitiveCaught, "east", feed.FugitiveCaught{Crime: feed.CaseHomicide, YearsAtLarge: 12}),
	)
	if got := DistrictMeasure(s.Districts["east"], "suspects_arrested"); got != 3 {
		t.Errorf("east's arrests = %v, want 3 (2 in a case, 1 fugitive)", got)
	}
	if hl := HeadlineOf(&s.Totals); hl.Arrested != 3 || hl.FugitivesCaught != 1 {
		t.Errorf("headline arrested %d, fugitives %d; want 3 and 1", hl.Arrested, hl.FugitivesCaught)
	}
	if got := s.Days[0].Arrested; got != 3 {
		t.Errorf("day 1's arrests = %d, want 3", got)
	}
	if got := ScoreCountsOf(s.Districts["east"]).Arrested; got != 3 {
		t.Errorf("score counts' arrests = %d, want 3", got)
	}
}

// TestOlderSnapshotsWiderIDWindow: a snapshot from a hub that remembered
// more ids (2,048 before) keeps the newest DedupWindow of them, in ring
// order, and the ring goes on overwriting the oldest.
func TestOlderSnapshotsWiderIDWindow(t *testing.T) {
	const old = 2 * DedupWindow
	ids := make([]string, old)
	next := 5 // the ring's oldest slot: ids 0..old-1 were written in order, wrapped
	for i := range ids {
		ids[(next+i)%old] = fmt.Sprintf("id-%d", i)
	}
	b, err := json.Marshal(map[string]any{"seq": 1, "recent_ids": ids, "id_next": next})
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.RecentIDs) != DedupWindow || s.RecentIDs[0] != fmt.Sprintf("id-%d", old-DedupWindow) || s.RecentIDs[DedupWindow-1] != fmt.Sprintf("id-%d", old-1) {
		t.Fatalf("kept %d ids from %q to %q, want the newest %d", len(s.RecentIDs), s.RecentIDs[0], s.RecentIDs[len(s.RecentIDs)-1], DedupWindow)
	}
	s.rememberID("new")
	if s.RecentIDs[0] != "new" {
		t.Fatalf("the next id went to slot %d, want the oldest (0)", slices.Index(s.RecentIDs, "new"))
	}
	if _, ok := s.recentIDIndex[fmt.Sprintf("id-%d", old-DedupWindow)]; ok {
		t.Fatal("the overwritten oldest id is still remembered")
	}
	if _, ok := s.recentIDIndex[fmt.Sprintf("id-%d", old-1)]; !ok {
		t.Fatal("the newest id is forgotten")
	}
}
