package campaign

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"sitboard/feed"
)

// reportRules: each district's traffic report by 22:00 (late up to 8 h
// after), and each of east's grids' area patrol report by midnight (late
// up to 6 h after).
const reportRules = `
[[reports]]
duty = "traffic"
due = "22:00"
late = "8h"
zh = "交通执法"

[[reports]]
duty = "area"
per = "grid"
due = "24:00"
late = "6h"
districts = ["east"]
zh = "夜间巡逻"
`

func reportsConfig(t testing.TB) *Config {
	t.Helper()
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", append(base, reportRules...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// reportsLog is a hand-built log of shift reports over the small
// campaign's three nights; the comments give each report's status.
func reportsLog(t testing.TB) []feed.Event {
	var out []feed.Event
	add := func(when, duty, district, grid string) {
		e := ev(fmt.Sprintf("s%d", len(out)), feed.TypeShiftReport, district, feed.ShiftReport{Duty: duty, Officers: 3})
		e.At, e.Grid = clockAt(t, when), grid
		out = append(out, e)
	}
	// Night 1 (06-25).
	add("2023-06-25 21:00:00", "traffic", "east", "")     // on time
	add("2023-06-25 22:30:00", "traffic", "west", "")     // late
	add("2023-06-25 23:00:00", "area", "east", "east-01") // on time
	add("2023-06-25 23:30:00", "area", "east", "east-01") // a second report: the first counts
	add("2023-06-26 01:00:00", "area", "east", "east-02") // late, after midnight
	add("2023-06-25 23:10:00", "area", "west", "west-01") // west owes no area report
	add("2023-06-25 20:00:00", "school", "east", "")      // no rule for school
	// Night 2 (06-26): west's traffic report never comes.
	add("2023-06-26 22:00:00", "traffic", "east", "")     // on time, at the deadline
	add("2023-06-27 05:59:00", "area", "east", "east-01") // late, within 6 h
	add("2023-06-27 06:01:00", "area", "east", "east-02") // after night 2's window: night 3, on time
	// Night 3 (06-27): east-01's area report never comes.
	add("2023-06-27 06:30:00", "traffic", "east", "") // on time (night 3's window opens at 06:00)
	add("2023-06-28 05:00:00", "traffic", "west", "") // late, after the campaign's last day
	return out
}

func TestReportsByHand(t *testing.T) {
	cfg := reportsConfig(t)
	h := NewHistory(cfg)
	for _, e := range reportsLog(t) {
		h.Apply(e)
	}
	campaignSpan := Span{1, 3}
	p := h.Period(PeriodCampaign, campaignSpan)
	tallies, city, lapses := p.Reports(h)
	wantTallies := []ReportTally{
		// traffic on time ×3; area east-01 on time, late, missing;
		// east-02 late, missing, on time.
		{District: "east", Owed: 9, OnTime: 5, Late: 2, Missing: 2},
		// traffic late, missing, late.
		{District: "west", Owed: 3, OnTime: 0, Late: 2, Missing: 1},
	}
	if !reflect.DeepEqual(tallies, wantTallies) {
		t.Errorf("tallies %+v, want %+v", tallies, wantTallies)
	}
	if want := (ReportTally{Owed: 12, OnTime: 5, Late: 4, Missing: 3}); city != want {
		t.Errorf("city %+v, want %+v", city, want)
	}
	type lapse struct {
		night            int
		unit, status, at string
	}
	var got []lapse
	for _, l := range lapses {
		at := ""
		if !l.At.IsZero() {
			at = l.At.Format("01-02 15:04")
		}
		got = append(got, lapse{l.Night, l.District + "/" + l.Grid, l.Status, at})
	}
	want := []lapse{
		{1, "west/", ReportLate, "06-25 22:30"},
		{1, "east/east-02", ReportLate, "06-26 01:00"},
		{2, "west/", ReportMissing, ""},
		{2, "east/east-01", ReportLate, "06-27 05:59"},
		{2, "east/east-02", ReportMissing, ""},
		{3, "west/", ReportLate, "06-28 05:00"},
		{3, "east/east-01", ReportMissing, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("late and missing:\n got %v\nwant %v", got, want)
	}

	// Day 2 as of 23:00: the traffic deadline has passed (west missing),
	// the area reports are not due yet.
	asOf := clockAt(t, "2023-06-26 23:00:00")
	day2 := h.PeriodAsOf(PeriodDay, Span{2, 2}, asOf)
	if tallies, city, _ := day2.Reports(h); city != (ReportTally{Owed: 2, OnTime: 1, Missing: 1, Pending: 2}) || tallies[1].Missing != 1 {
		t.Errorf("day 2 at 23:00: city %+v, districts %+v; want east's traffic on time, west's missing, two area reports pending", city, tallies)
	}

	// The board reads the same night from the state, folded to 23:00.
	s := NewState(cfg)
	for _, e := range reportsLog(t) {
		if !e.At.After(asOf) {
			Apply(cfg, s, e)
		}
	}
	if n := cfg.ReportNightAt(asOf); n != 2 {
		t.Errorf("night at 23:00 on 06-26 = %d, want 2", n)
	}
	var states []string
	night2, held := NightReports(cfg, s, 2, asOf)
	if !held {
		t.Error("night 2 is not held at 23:00")
	}
	for _, st := range night2 {
		states = append(states, st.District+"/"+st.Grid+":"+st.Status)
	}
	if want := "east/:on_time west/:missing east/east-01:pending east/east-02:pending"; strings.Join(states, " ") != want {
		t.Errorf("night 2 on the board: %s, want %s", strings.Join(states, " "), want)
	}
	// The state holds the two newest nights only.
	if nights := h.State().Reports.Nights; len(nights) != 2 || nights[0].Night != 2 || nights[1].Night != 3 {
		t.Errorf("the state holds nights %+v, want 2 and 3", nights)
	}
	if _, held := NightReports(cfg, h.State(), 1, clockAt(t, "2023-06-28 06:00:00")); held {
		t.Error("night 1 is said to be held after nights 2 and 3 came")
	}
}

// TestReportsInAnyOrder: the first report of a night counts whatever the
// order the reports arrive in, in the record and the state.
func TestReportsInAnyOrder(t *testing.T) {
	cfg := reportsConfig(t)
	log := reportsLog(t)
	straight := NewHistory(cfg)
	for _, e := range log {
		straight.Apply(e)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := append([]feed.Event(nil), log...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		h := NewHistory(cfg)
		for _, e := range shuffled {
			h.Apply(e)
		}
		if !reflect.DeepEqual(h.Recorder().Reports, straight.Recorder().Reports) {
			t.Fatalf("the record differs in another order:\n%+v\n%+v", h.Recorder().Reports, straight.Recorder().Reports)
		}
	}
}

func TestReportConfigErrors(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		add, want string
	}{
		{"[[reports]]\nduty = \"night\"\ndue = \"22:00\"\n", `reports[0].duty: "night": use one of traffic, area, school`},
		{"[[reports]]\nduty = \"area\"\ndue = \"25:00\"\n", `reports[0].due: "25:00": write the deadline`},
		{"[[reports]]\nduty = \"area\"\ndue = \"22:00\"\nlate = \"30h\"\n", `reports[0].late: "30h"`},
		{"[[reports]]\nduty = \"area\"\ndue = \"22:00\"\nper = \"team\"\n", `reports[0].per: "team": use district`},
		{"[[reports]]\nduty = \"area\"\ndue = \"22:00\"\ndistricts = [\"north\"]\n", `reports[0].districts: unknown district "north"`},
	}
	for _, tt := range tests {
		_, err := ParseConfig("small.toml", append(append([]byte(nil), base...), tt.add...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want ...%s", tt.add, err, tt.want)
		}
	}
	for _, ok := range []string{"24:00", "00:01", "08:30"} {
		if _, err := ParseConfig("small.toml", append(append([]byte(nil), base...), "[[reports]]\nduty = \"area\"\ndue = \""+ok+"\"\n"...)); err != nil {
			t.Errorf("due %s: %v", ok, err)
		}
	}
}

// TestReportMissingRule: a report_missing rule raises one alert per
// district, report and night still missing when the clock passes the
// deadline, at the event that moved the clock there (a clock.tick on a
// quiet night), dated at the deadline, and the report's arrival clears it
// once every unit of the district is in. Two folds, and folds from a
// snapshot, agree (raisedAt).
func TestReportMissingRule(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", append(base, reportRules+`
[[alerts]]
when = "report_missing"
id = "report-missing"
level = "orange"
zh = "勤务报告逾期未报"
en = "Shift report overdue"
`...))
	if err != nil {
		t.Fatal(err)
	}
	var evs []feed.Event
	add := func(when, typ, district, grid string, data any) feed.Event {
		e := feed.Event{Seq: uint64(len(evs) + 1), ID: fmt.Sprintf("e%d", len(evs)+1), Type: typ, At: clockAt(t, when), District: district, Grid: grid, Data: eventJSON(data)}
		if typ == feed.TypeClockTick {
			e.ID, e.Data = "hub:tick:"+when, eventJSON(struct{}{})
		}
		evs = append(evs, e)
		return e
	}
	report := func(when, duty, district, grid string) feed.Event {
		return add(when, feed.TypeShiftReport, district, grid, feed.ShiftReport{Duty: duty, Officers: 2})
	}
	tick := func(when string) feed.Event { return add(when, feed.TypeClockTick, "", "", nil) }
	// Night 1.
	report("2023-06-25 21:00:00", "traffic", "east", "")
	tick("2023-06-25 21:59:00")
	t2201 := tick("2023-06-25 22:01:00") // west's traffic report is missing
	tick("2023-06-25 22:02:00")          // no second alert
	lateWest := report("2023-06-25 22:30:00", "traffic", "west", "")
	report("2023-06-25 23:00:00", "area", "east", "east-01")
	t0010 := tick("2023-06-26 00:10:00") // east-02's area report is missing
	report("2023-06-26 01:00:00", "area", "east", "east-02")
	// Night 2: east's traffic report is the event that passes the
	// deadline: late, but in, so east has nothing to raise; west, nothing
	// in, is raised at that same event.
	eastLate := report("2023-06-26 22:00:30", "traffic", "east", "")
	tick("2023-06-26 22:01:00")
	report("2023-06-26 23:00:00", "area", "east", "east-01")
	report("2023-06-26 23:10:00", "area", "east", "east-02")
	tick("2023-06-27 00:01:00")

	got, s := raisedAt(t, cfg, evs)
	want := map[string]uint64{
		"report-missing:west@2023-06-25/traffic": t2201.Seq,
		"report-missing:east@2023-06-25/area":    t0010.Seq,
		"report-missing:west@2023-06-26/traffic": eastLate.Seq,
	}
	if len(got) != len(want) {
		t.Errorf("raised %v, want %v", got, want)
	}
	for id, seq := range want {
		if got[id] != seq {
			t.Errorf("%s raised at seq %d, want %d (all: %v)", id, got[id], seq, got)
		}
	}
	a, _, ok := s.AlertByID("report-missing:west@2023-06-25/traffic")
	if !ok || !a.At.Equal(clockAt(t, "2023-06-25 22:00:00")) || a.Level != LevelOrange || a.District != "west" || a.Kind != WhenReportMissing {
		t.Errorf("west's night-1 alert %+v: want raised at the 22:00 deadline, orange, in west", a)
	}
	if !a.ClearedAt.Equal(lateWest.At) || a.ClearedBy != feed.TypeShiftReport {
		t.Errorf("west's night-1 alert cleared at %v by %q, want at its late report %v", a.ClearedAt, a.ClearedBy, lateWest.At)
	}
	if b, _, _ := s.AlertByID("report-missing:east@2023-06-25/area"); b.Count != 1 || b.Limit != 2 || b.Summary != "夜间巡逻 1/2" {
		t.Errorf("east's area alert %+v: want 1 of 2 grids missing", b)
	}
	if c, _, _ := s.AlertByID("report-missing:west@2023-06-26/traffic"); c.Cleared() {
		t.Errorf("west's night-2 alert is cleared: %+v", c)
	}
}
