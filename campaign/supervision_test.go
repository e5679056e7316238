package campaign

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"sitboard/feed"
)

// zonedConfig is the small campaign (east, west; 2023-06-25 to 06-27)
// with a zone per district and two supervision teams.
func zonedConfig(t testing.TB) *Config {
	t.Helper()
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", []byte(string(base)+twoZones+twoTeams))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// supervisionLog is a hand-built log; TestSupervisionByHand works out its
// counts by hand.
func supervisionLog(t testing.TB) []feed.Event {
	var out []feed.Event
	add := func(when, typ, district string, data any) {
		e := ev(fmt.Sprintf("s%02d", len(out)), typ, district, data)
		e.At = clockAt(t, when)
		out = append(out, e)
	}
	visit := func(when, district, team, mode string, n int64) {
		add(when, feed.TypeSupervisionVisit, district, feed.SupervisionVisit{Team: team, Mode: mode, Findings: n})
	}
	finding := func(when, district, id, team, deadline string) {
		add(when, feed.TypeSupervisionFinding, district, feed.SupervisionFinding{FindingID: id, Team: team, Summary: "问题" + id, Severity: feed.SeveritySerious,
			Deadline: clockAt(t, deadline).Format(time.RFC3339)})
	}
	rectified := func(when, district, id string) {
		add(when, feed.TypeSupervisionRectified, district, feed.SupervisionRectified{FindingID: id, Note: "改" + id})
	}
	// Day 1, 06-25.
	visit("2023-06-25 10:00:00", "east", "team-01", feed.ModeOpen, 2)
	finding("2023-06-25 10:00:00", "east", "F1", "team-01", "2023-06-26 18:00:00")
	finding("2023-06-25 10:00:00", "east", "F2", "team-01", "2023-06-27 12:00:00")
	visit("2023-06-25 21:00:00", "west", "team-02", feed.ModeCovert, 2)
	finding("2023-06-25 21:00:00", "west", "F3", "team-02", "2023-06-26 12:00:00")
	finding("2023-06-25 21:00:00", "west", "F4", "team-02", "2023-06-27 20:00:00")
	// Day 2, 06-26: F1 on time; a rectification sent with the wrong
	// district is not F2's.
	rectified("2023-06-26 10:00:00", "east", "F1")
	rectified("2023-06-26 11:00:00", "west", "F2")
	visit("2023-06-26 22:00:00", "west", "team-01", feed.ModeCovert, 0)
	// Day 3, 06-27: F3 a day late; F4 at its deadline, on time; F2
	// overdue from 12:00.
	rectified("2023-06-27 09:00:00", "west", "F3")
	rectified("2023-06-27 20:00:00", "west", "F4") // at its deadline: on time
	return out
}

// TestSupervisionByHand: the fold's counts, open findings and each day's
// 督察 of the hand-built log, worked out by hand.
func TestSupervisionByHand(t *testing.T) {
	cfg := zonedConfig(t)
	h := NewHistory(cfg)
	for i, e := range supervisionLog(t) {
		e.Seq = uint64(i + 1)
		h.Apply(e)
	}
	s := h.State()
	// Visits 1 open + 2 covert, 4 problems; 4 findings; F1, F3, F4
	// rectified, F3 late (deadline 06-26 12:00, rectified 06-27 09:00).
	type c struct {
		open, covert, problems, found, rectified, late int64
	}
	got := func(x *Counters) c {
		return c{x.SupervisionVisits[feed.ModeOpen], x.SupervisionVisits[feed.ModeCovert], x.SupervisionProblems, x.FindingsFound, x.FindingsRectified, x.FindingsLate}
	}
	for _, tc := range []struct {
		name string
		x    *Counters
		want c
	}{
		{"city", &s.Totals, c{1, 2, 4, 4, 3, 1}},
		{"east", s.Districts["east"], c{1, 0, 2, 2, 1, 0}},
		{"west", s.Districts["west"], c{0, 2, 2, 2, 2, 1}},
		{"day 1", &h.Counts(Span{1, 1}).Totals, c{1, 1, 4, 4, 0, 0}},
		{"day 2", &h.Counts(Span{2, 2}).Totals, c{0, 1, 0, 0, 1, 0}},
		{"day 3", &h.Counts(Span{3, 3}).Totals, c{0, 0, 0, 0, 2, 1}},
	} {
		if g := got(tc.x); g != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, g, tc.want)
		}
	}
	// Teams: team-01 one open visit (east) and one covert (west); team-02
	// one covert; all in the campaign's one week.
	wantTeams := []TeamVisits{{Visits: [2]int64{1, 1}, Week: [2]int64{1, 1}}, {Visits: [2]int64{0, 1}, Week: [2]int64{0, 1}}}
	if got := s.Supervision.WeekVisits(cfg, 3); !reflect.DeepEqual(got, wantTeams) {
		t.Errorf("teams: %+v, want %+v", got, wantTeams)
	}
	// Only F2 is open; at 12:00 on 06-27 it is due, a second later overdue.
	ids := func(fs []FindingAge) (out []string) {
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s/%v/%s", f.ID, f.Overdue, f.Age))
		}
		return out
	}
	if got := ids(OpenFindings(s, clockAt(t, "2023-06-27 12:00:00"))); !slices.Equal(got, []string{"F2/false/50h0m0s"}) {
		t.Errorf("open at 12:00: %v", got)
	}
	if got := ids(OpenFindings(s, clockAt(t, "2023-06-27 12:00:01"), "east")); !slices.Equal(got, []string{"F2/true/50h0m1s"}) {
		t.Errorf("open at 12:00:01 in east: %v", got)
	}
	if got := OpenFindings(s, clockAt(t, "2023-06-27 12:00:01"), "west"); len(got) != 0 {
		t.Errorf("open in west: %v", got)
	}
	// Each day's 督察 as its bulletin gives it, and day 2 still running at
	// 10:30 (F1 rectified; F3 due at 12:00, not yet overdue).
	tally := func(rep SupervisionReport) []string {
		var out []string
		for _, r := range append(append([]SupervisionTally{rep.City}, rep.Districts...), rep.Teams...) {
			out = append(out, fmt.Sprintf("%s v%d/%d p%d f%d r%d l%d o%d od%d", r.Key, r.Visits[0], r.Visits[1], r.Problems, r.Found, r.Rectified, r.Late, r.Open, r.Overdue))
		}
		for _, f := range rep.Overdue {
			out = append(out, "overdue "+f.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		p    *Period
		want []string
	}{
		{"day 1", h.Period(PeriodDay, Span{1, 1}), []string{
			" v1/1 p4 f4 r0 l0 o4 od0", "east v1/0 p2 f2 r0 l0 o2 od0", "west v0/1 p2 f2 r0 l0 o2 od0",
			"team-01 v1/0 p2 f2 r0 l0 o2 od0", "team-02 v0/1 p2 f2 r0 l0 o2 od0"}},
		{"day 2 at 10:30", h.PeriodAsOf(PeriodDay, Span{2, 2}, clockAt(t, "2023-06-26 10:30:00")), []string{
			" v0/0 p0 f0 r1 l0 o3 od0", "east v0/0 p0 f0 r1 l0 o1 od0", "west v0/0 p0 f0 r0 l0 o2 od0",
			"team-01 v0/0 p0 f0 r1 l0 o1 od0", "team-02 v0/0 p0 f0 r0 l0 o2 od0"}},
		{"day 2", h.Period(PeriodDay, Span{2, 2}), []string{
			" v0/1 p0 f0 r1 l0 o3 od1", "east v0/0 p0 f0 r1 l0 o1 od0", "west v0/1 p0 f0 r0 l0 o2 od1",
			"team-01 v0/1 p0 f0 r1 l0 o1 od0", "team-02 v0/0 p0 f0 r0 l0 o2 od1", "overdue F3"}},
		{"day 3", h.Period(PeriodDay, Span{3, 3}), []string{
			" v0/0 p0 f0 r2 l1 o1 od1", "east v0/0 p0 f0 r0 l0 o1 od1", "west v0/0 p0 f0 r2 l1 o0 od0",
			"team-01 v0/0 p0 f0 r0 l0 o1 od1", "team-02 v0/0 p0 f0 r2 l1 o0 od0", "overdue F2"}},
		{"campaign", h.Period(PeriodCampaign, Span{1, 3}), []string{
			" v1/2 p4 f4 r3 l1 o1 od1", "east v1/0 p2 f2 r1 l0 o1 od1", "west v0/2 p2 f2 r2 l1 o0 od0",
			"team-01 v1/1 p2 f2 r1 l0 o1 od1", "team-02 v0/1 p2 f2 r2 l1 o0 od0", "overdue F2"}},
	} {
		if got := tally(tc.p.Supervision(h)); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	// The record keeps what a bulletin names.
	f3 := h.Recorder().Findings[2]
	if f3.ID != "F3" || f3.Summary != "问题F3" || f3.Note != "改F3" || !f3.RectifiedAt.Equal(clockAt(t, "2023-06-27 09:00:00")) {
		t.Errorf("F3's record: %+v", f3)
	}
}

// TestSupervisionInAnyOrder: whatever order the log arrives in, the
// counts (city, districts, days), the open findings, the teams' visits
// and every day's 督察 end the same; a rectification before its finding
// is held until the finding comes.
func TestSupervisionInAnyOrder(t *testing.T) {
	cfg := zonedConfig(t)
	log := supervisionLog(t)
	summary := func(evs []feed.Event) string {
		h := NewHistory(cfg)
		for i, e := range evs {
			e.Seq = uint64(i + 1)
			h.Apply(e)
		}
		s := h.State()
		parts := []any{s.Totals, s.Districts, s.Supervision.Open, s.Supervision.Dropped, s.Supervision.Teams}
		for d := 1; d <= 3; d++ {
			parts = append(parts, h.Counts(Span{d, d}).Totals, h.Period(PeriodDay, Span{d, d}).Supervision(h))
		}
		b, err := json.Marshal(parts)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := summary(log)
	// The rectifications first of all: every one waits for its finding.
	reversed := slices.Clone(log)
	slices.Reverse(reversed)
	if got := summary(reversed); got != want {
		t.Fatalf("reversed:\n got %s\nwant %s", got, want)
	}
	rng := rand.New(rand.NewPCG(22, 2))
	for round := range 200 {
		shuffled := slices.Clone(log)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := summary(shuffled); got != want {
			t.Fatalf("round %d: depends on the order:\n got %s\nwant %s", round, got, want)
		}
	}
}

// TestOpenFindingsAreBounded: an upstream that never rectifies keeps
// MaxOpenFindings open, dropping the oldest and counting them; early
// rectifications are held up to MaxEarlyRectified; a snapshot folds on as
// the state it came from.
func TestOpenFindingsAreBounded(t *testing.T) {
	cfg := zonedConfig(t)
	s := NewState(cfg)
	n := MaxOpenFindings + 10
	for i := range n {
		e := ev(fmt.Sprintf("f%d", i), feed.TypeSupervisionFinding, "east", feed.SupervisionFinding{FindingID: fmt.Sprintf("F%05d", i), Team: "team-01",
			Summary: "x", Severity: feed.SeverityMinor, Deadline: t0.Add(48 * time.Hour).Format(time.RFC3339)})
		// Out of time order, so the oldest is not the first to arrive.
		e.At = t0.Add(time.Duration((i*7919)%n) * time.Second)
		Apply(cfg, s, e)
		if i == n/2 {
			s = s.Clone() // through a snapshot: the age index is rebuilt
		}
	}
	b := s.Supervision
	if len(b.Open) != MaxOpenFindings || b.Dropped != 10 || s.Totals.FindingsFound != int64(n) {
		t.Fatalf("open %d, dropped %d, found %d", len(b.Open), b.Dropped, s.Totals.FindingsFound)
	}
	for i := range n {
		if (i*7919)%n < 10 {
			if _, ok := b.Open[fmt.Sprintf("F%05d", i)]; ok {
				t.Errorf("F%05d (one of the 10 oldest) is still open", i)
			}
		}
	}
	for i := range MaxEarlyRectified + 5 {
		Apply(cfg, s, ev(fmt.Sprintf("r%d", i), feed.TypeSupervisionRectified, "east", feed.SupervisionRectified{FindingID: fmt.Sprintf("E%d", i)}))
	}
	if len(b.Early) != MaxEarlyRectified {
		t.Errorf("%d early rectifications held, want %d", len(b.Early), MaxEarlyRectified)
	}
	// The oldest early ones were pushed out: their finding opens; the
	// newest is still held and closes its finding on arrival.
	for _, id := range []string{"E0", fmt.Sprint("E", MaxEarlyRectified+4)} {
		Apply(cfg, s, ev("f-"+id, feed.TypeSupervisionFinding, "east", feed.SupervisionFinding{FindingID: id, Team: "team-01", Summary: "x", Severity: feed.SeverityMinor,
			Deadline: t0.Add(time.Hour).Format(time.RFC3339)}))
	}
	if _, open := b.Open["E0"]; !open || s.Totals.FindingsRectified != 1 {
		t.Errorf("E0 open %v, rectified %d: want E0 open and one rectified", open, s.Totals.FindingsRectified)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatal(err)
	}
}

// TestTeamsWeekRolls: a team's week counts are the week of the state's
// day; a new week starts them from nothing, a late visit of an earlier
// week counts in the campaign's only.
func TestTeamsWeekRolls(t *testing.T) {
	base, err := os.ReadFile("testdata/weeks.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("weeks.toml", []byte(string(base)+"\n[[supervision.teams]]\nid = \"t1\"\nzh = \"一组\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewState(cfg)
	visit := func(day int, mode string) {
		e := ev(fmt.Sprintf("v%d-%d", s.Events, day), feed.TypeSupervisionVisit, cfg.Districts[0].ID, feed.SupervisionVisit{Team: "t1", Mode: mode})
		e.At = cfg.Date(day).Add(10 * time.Hour)
		Apply(cfg, s, e)
	}
	visit(2, feed.ModeOpen)
	visit(7, feed.ModeCovert)
	if w := s.Supervision.WeekVisits(cfg, 7)[0]; w.Week != [2]int64{1, 1} {
		t.Errorf("week 1: %+v", w)
	}
	visit(8, feed.ModeOpen)
	visit(6, feed.ModeOpen) // late, of week 1
	got := s.Supervision.WeekVisits(cfg, 8)[0]
	if got.Week != [2]int64{1, 0} || got.Visits != [2]int64{3, 1} {
		t.Errorf("week 2: %+v, want week [1 0], campaign [3 1]", got)
	}
	if w := s.Supervision.WeekVisits(cfg, 3)[0]; w.Week != [2]int64{} {
		t.Errorf("a week the state does not hold: %+v", w)
	}
}

// TestFindingOverdueRule: with a finding_overdue rule, a finding not
// rectified when the clock passes its deadline raises one alert, dated at
// the deadline, at the first event at or after it; its rectification
// clears it. A finding rectified in time, or folded after its deadline
// passed, raises nothing. The same alerts at the same events from a
// snapshot.
func TestFindingOverdueRule(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", []byte(string(base)+twoZones+twoTeams+`
[[alerts]]
when = "finding_overdue"
id = "finding-overdue"
level = "orange"
zh = "督察问题逾期未整改"
en = "Finding overdue"
`))
	if err != nil {
		t.Fatal(err)
	}
	var evs []feed.Event
	add := func(id, typ, district, when string, data any) feed.Event {
		e := ev(id, typ, district, data)
		e.At, e.Seq = clockAt(t, "2023-06-25 "+when), uint64(len(evs)+1)
		if data == nil {
			e.Data = eventJSON(struct{}{})
		}
		evs = append(evs, e)
		return e
	}
	tick := func(when string) feed.Event { return add("hub:tick:"+when, feed.TypeClockTick, "", when, nil) }
	finding := func(id, district, when, due string) {
		add("f-"+id, feed.TypeSupervisionFinding, district, when, feed.SupervisionFinding{FindingID: id, Team: "team-01", Summary: "问题" + id,
			Severity: feed.SeverityMinor, Deadline: clockAt(t, "2023-06-25 "+due).Format(time.RFC3339)})
	}
	rectified := func(id, district, when string) feed.Event {
		return add("r-"+id, feed.TypeSupervisionRectified, district, when, feed.SupervisionRectified{FindingID: id})
	}
	tick("08:59:00")
	finding("F1", "east", "09:00:00", "10:00:00")
	finding("F2", "west", "09:00:00", "12:00:00")
	tick("09:59:00")
	t1001 := tick("10:01:00") // F1 is overdue
	tick("10:02:00")          // no second alert
	f1 := rectified("F1", "east", "10:30:00")
	rectified("F2", "west", "11:00:00") // in time
	tick("12:10:00")
	finding("F3", "west", "09:30:00", "11:30:00") // folded after its deadline
	tick("12:20:00")

	got, s := raisedAt(t, cfg, evs)
	if len(got) != 1 || got["finding-overdue:F1"] != t1001.Seq {
		t.Fatalf("raised %v, want only finding-overdue:F1 at seq %d", got, t1001.Seq)
	}
	a, _, _ := s.AlertByID("finding-overdue:F1")
	if !a.At.Equal(clockAt(t, "2023-06-25 10:00:00")) || a.District != "east" || a.Kind != WhenFindingOverdue || a.Summary != "问题F1" || a.Level != LevelOrange {
		t.Errorf("F1's alert %+v: want raised at its 10:00 deadline, orange, in east, with its summary", a)
	}
	if !a.ClearedAt.Equal(f1.At) || a.ClearedBy != feed.TypeSupervisionRectified {
		t.Errorf("F1's alert cleared at %v by %q, want at its rectification", a.ClearedAt, a.ClearedBy)
	}
	if _, open := s.Supervision.Open["F3"]; !open {
		t.Error("F3 is open (overdue on the board) though it raised no alert")
	}
}
