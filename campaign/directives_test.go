package campaign

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	"sitboard/feed"
)

// at is a time on campaign day d (1-based) of the small test campaign.
func dayAt(d, hour, minute int) time.Time {
	return time.Date(2023, 6, 24+d, hour, minute, 0, 0, t0.Location())
}

func issued(id string, at, sign, report time.Time, to ...string) feed.Event {
	e := ev("di-"+id, feed.TypeDirectiveIssued, feed.CityDistrict, feed.DirectiveIssued{DirectiveID: id, To: to, Text: "指令" + id,
		DeadlineSign: sign, DeadlineReport: report, Level: feed.LevelUrgent, By: "指挥中心"})
	e.At = at
	return e
}

func signedBy(id, district string, at time.Time) feed.Event {
	e := ev(fmt.Sprintf("ds-%s-%s-%d", id, district, at.Unix()), feed.TypeDirectiveSigned, district, feed.DirectiveSigned{DirectiveID: id, By: district + "值班台"})
	e.At = at
	return e
}

func reportedBy(id, district string, at time.Time) feed.Event {
	e := ev(fmt.Sprintf("dr-%s-%s-%d", id, district, at.Unix()), feed.TypeDirectiveReported, district,
		feed.DirectiveReported{DirectiveID: id, By: district + "值班台", Text: "已落实" + id})
	e.At = at
	return e
}

// directivesLog is the hand-worked log of TestDirectivesByHand:
//
//	D1 day 1 09:00 to all, sign by 10:00, report by 18:00:
//	   east signs 09:30 and reports 17:00, both on time;
//	   west signs 10:30 (late) and never reports (missing).
//	D2 day 2 09:00 to east, sign by 09:30, report by day 3 12:00:
//	   east signs at 09:20 and again at 09:10 (the earlier stands: on
//	   time), reports day 3 13:00 (late); west signs it, but it did not
//	   go to west (ignored).
//	D3 day 3 08:00 to west, sign by 09:00, report by 20:00:
//	   west reports at 08:40 without signing (the report signs: both on
//	   time).
//	A report of D9, never issued, is held.
func directivesLog() []feed.Event {
	return []feed.Event{
		issued("D1", dayAt(1, 9, 0), dayAt(1, 10, 0), dayAt(1, 18, 0), "all"),
		signedBy("D1", "east", dayAt(1, 9, 30)),
		signedBy("D1", "west", dayAt(1, 10, 30)),
		reportedBy("D1", "east", dayAt(1, 17, 0)),
		issued("D2", dayAt(2, 9, 0), dayAt(2, 9, 30), dayAt(3, 12, 0), "east"),
		signedBy("D2", "east", dayAt(2, 9, 20)),
		signedBy("D2", "east", dayAt(2, 9, 10)),
		signedBy("D2", "west", dayAt(2, 9, 15)),
		reportedBy("D2", "east", dayAt(3, 13, 0)),
		issued("D3", dayAt(3, 8, 0), dayAt(3, 9, 0), dayAt(3, 20, 0), "west"),
		reportedBy("D3", "west", dayAt(3, 8, 40)),
		reportedBy("D9", "east", dayAt(3, 9, 0)),
	}
}

func TestDirectivesByHand(t *testing.T) {
	cfg := testConfig(t)
	h := NewHistory(cfg)
	for _, e := range directivesLog() {
		h.Apply(e)
	}
	m := time.Minute
	type tally struct {
		signDue, signOnTime, signLate, signMissing, signPending           int
		reportDue, reportOnTime, reportLate, reportMissing, reportPending int
		signRate, reportRate                                              float64 // -1: not shown
		signMedian, signP90, reportMedian, reportP90                      time.Duration
	}
	of := func(t DirectiveTally) tally {
		rate := func(f Figure) float64 {
			if !f.OK {
				return -1
			}
			return f.Value
		}
		return tally{t.SignDue, t.SignOnTime, t.SignLate, t.SignMissing, t.SignPending,
			t.ReportDue, t.ReportOnTime, t.ReportLate, t.ReportMissing, t.ReportPending,
			rate(t.SignRate()), rate(t.ReportRate()), t.SignTime.Median, t.SignTime.P90, t.ReportTime.Median, t.ReportTime.P90}
	}
	tests := []struct {
		name             string
		period           *Period
		east, west, city tally
		lapses           []string
	}{
		{"the whole campaign", h.Period(PeriodCampaign, Span{1, 3}),
			tally{2, 2, 0, 0, 0, 2, 1, 1, 0, 0, 100, 50, 10 * m, 30 * m, 8 * time.Hour, 28 * time.Hour},
			tally{2, 1, 1, 0, 0, 2, 1, 0, 1, 0, 50, 50, 40 * m, 90 * m, 40 * m, 40 * m},
			tally{4, 3, 1, 0, 0, 4, 2, 1, 1, 0, 75, 50, 30 * m, 90 * m, 8 * time.Hour, 28 * time.Hour},
			[]string{"D1 west sign late", "D1 west report missing", "D2 east report late"}},
		{"day 2: only D2's sign-off is due", h.Period(PeriodDay, Span{2, 2}),
			tally{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 100, -1, 10 * m, 10 * m, 0, 0},
			tally{signRate: -1, reportRate: -1},
			tally{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 100, -1, 10 * m, 10 * m, 0, 0},
			nil},
		{"day 3 at 10:00: D2's report is not due yet, D3's is in early", h.PeriodAsOf(PeriodDay, Span{3, 3}, dayAt(3, 10, 0)),
			tally{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1, -1, 0, 0, 0, 0},
			tally{1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 100, 100, 40 * m, 40 * m, 40 * m, 40 * m},
			tally{1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 100, 100, 40 * m, 40 * m, 40 * m, 40 * m},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, city, lapses := tc.period.Directives(h)
			rows[1].District = "" // compare the numbers
			for _, c := range []struct {
				name      string
				got, want tally
			}{{"east", of(rows[0]), tc.east}, {"west", of(rows[1]), tc.west}, {"city", of(city), tc.city}} {
				if c.got != c.want {
					t.Errorf("%s:\n got %+v\nwant %+v", c.name, c.got, c.want)
				}
			}
			var got []string
			for _, l := range lapses {
				what, how := "sign", "late"
				if l.Report {
					what = "report"
				}
				if l.At.IsZero() {
					how = "missing"
				}
				got = append(got, l.Directive+" "+l.District+" "+what+" "+how)
			}
			if !reflect.DeepEqual(got, tc.lapses) {
				t.Errorf("lapses %q, want %q", got, tc.lapses)
			}
		})
	}
}

// TestDirectiveStatusAtInstants: what a board shows of each district at
// a few instants of the hand-worked log.
func TestDirectiveStatusAtInstants(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg, directivesLog()...)
	tests := []struct {
		now      time.Time
		district string
		want     []string // per instruction shown, newest first: "id district:status ..."
	}{
		{dayAt(1, 9, 45), "", []string{"D1 east:signed west:pending"}},
		{dayAt(1, 10, 15), "", []string{"D1 east:signed west:sign_overdue"}},
		{dayAt(1, 18, 30), "", []string{"D1 east:reported west:report_overdue"}},
		{dayAt(2, 9, 40), "", []string{"D2 east:signed", "D1 east:reported west:report_overdue"}},
		{dayAt(3, 12, 30), "", []string{"D3 west:reported", "D2 east:report_overdue", "D1 east:reported west:report_overdue"}},
		{dayAt(3, 13, 0), "east", []string{"D2 east:reported", "D1 east:reported west:report_overdue"}},
		{dayAt(1, 8, 0), "", nil}, // before anything was issued
	}
	for _, tc := range tests {
		var got []string
		for _, v := range DirectivesAt(s, tc.district, tc.now) {
			line := v.ID
			for i, r := range v.Replies {
				line += " " + r.District + ":" + v.Status[i]
			}
			got = append(got, line)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("at %s for %q: %q, want %q", tc.now.Format("02 15:04"), tc.district, got, tc.want)
		}
	}
	if held := s.Directives.Early; len(held) != 1 || held[0].Directive != "D9" {
		t.Errorf("held %+v, want D9's report", held)
	}
}

// TestDirectivesInAnyOrder: the book, the figures and the overdue are the
// same whatever order the events arrive in.
func TestDirectivesInAnyOrder(t *testing.T) {
	cfg := testConfig(t)
	log := directivesLog()
	book := func(b *DirectiveBook) []Directive {
		out := append([]Directive(nil), b.Items...)
		for i := range out {
			out[i].Seq, out[i].FoldedAt = 0, time.Time{}
		}
		return out
	}
	straight := NewHistory(cfg)
	for _, e := range log {
		straight.Apply(e)
	}
	wantRows, wantCity, wantLapses := straight.Period(PeriodCampaign, Span{1, 3}).Directives(straight)
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		shuffled := append([]feed.Event(nil), log...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		h := NewHistory(cfg)
		for i, e := range shuffled {
			e.Seq = uint64(i + 1)
			h.Apply(e)
		}
		if got, want := book(h.State().Directives), book(straight.State().Directives); !reflect.DeepEqual(got, want) {
			t.Fatalf("the state's book differs in another order:\n%+v\n%+v", got, want)
		}
		if got, want := book(h.Recorder().Directives), book(straight.Recorder().Directives); !reflect.DeepEqual(got, want) {
			t.Fatalf("the record differs in another order:\n%+v\n%+v", got, want)
		}
		rows, city, lapses := h.Period(PeriodCampaign, Span{1, 3}).Directives(h)
		if !reflect.DeepEqual(rows, wantRows) || city != wantCity || !reflect.DeepEqual(lapses, wantLapses) {
			t.Fatalf("the figures differ in another order:\n%+v %+v\n%+v %+v", rows, city, wantRows, wantCity)
		}
		for _, now := range []time.Time{dayAt(1, 10, 15), dayAt(3, 12, 30)} {
			if got, want := DirectivesAt(h.State(), "", now), DirectivesAt(straight.State(), "", now); len(got) != len(want) {
				t.Fatalf("at %v: %d shown, want %d", now, len(got), len(want))
			} else {
				for i := range got {
					if !reflect.DeepEqual(got[i].Status, want[i].Status) || got[i].Overdue != want[i].Overdue {
						t.Fatalf("at %v: %s %v, want %v", now, got[i].ID, got[i].Status, want[i].Status)
					}
				}
			}
		}
	}
}

// TestDirectivesBounded: the state keeps the newest MaxDirectives
// instructions by issue time whatever the order, and at most
// MaxEarlyDirectiveActs held acts; the record keeps every one.
func TestDirectivesBounded(t *testing.T) {
	cfg := testConfig(t)
	var log []feed.Event
	n := MaxDirectives + 5
	for i := range n {
		at := dayAt(1, 0, 0).Add(time.Duration(i) * time.Hour)
		log = append(log, issued(fmt.Sprintf("D%02d", i), at, at.Add(time.Hour), at.Add(2*time.Hour), "east"))
	}
	for i := range MaxEarlyDirectiveActs + 10 {
		log = append(log, signedBy(fmt.Sprintf("X%03d", i), "east", dayAt(2, 0, 0)))
	}
	rand.New(rand.NewPCG(5, 6)).Shuffle(n, func(i, j int) { log[i], log[j] = log[j], log[i] })
	h := NewHistory(cfg)
	for _, e := range log {
		h.Apply(e)
	}
	b := h.State().Directives
	if len(b.Items) != MaxDirectives || b.Items[0].ID != fmt.Sprintf("D%02d", n-MaxDirectives) || b.Items[MaxDirectives-1].ID != fmt.Sprintf("D%02d", n-1) {
		t.Errorf("kept %d from %s to %s, want the newest %d", len(b.Items), b.Items[0].ID, b.Items[len(b.Items)-1].ID, MaxDirectives)
	}
	if b.Dropped != 5 {
		t.Errorf("dropped %d, want 5", b.Dropped)
	}
	if len(b.Early) != MaxEarlyDirectiveActs || b.Early[0].Directive != "X010" {
		t.Errorf("held %d acts from %s, want the newest %d", len(b.Early), b.Early[0].Directive, MaxEarlyDirectiveActs)
	}
	if got := len(h.Recorder().Directives.Items); got != n {
		t.Errorf("the record keeps %d, want all %d", got, n)
	}
}

// TestDirectiveTargets: "all", districts and zones name districts in the
// campaign file's order, each once; an unknown id names none.
func TestDirectiveTargets(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", append(base, twoZones...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		to, want []string
	}{
		{[]string{"all"}, []string{"east", "west"}},
		{[]string{"west", "east"}, []string{"east", "west"}},
		{[]string{"zone-w"}, []string{"west"}},
		{[]string{"zone-w", "west", "zone-e"}, []string{"east", "west"}},
		{[]string{"north"}, nil},
	} {
		if got := cfg.DirectiveTargets(tc.to); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.to, got, tc.want)
		}
	}
	if v := cfg.Validator(); !v.Zones["zone-e"] || !v.Zones["zone-w"] {
		t.Errorf("the validator knows zones %v", v.Zones)
	}
}

// TestDirectiveOverdueRule: with a directive_overdue rule, a district's
// sign-off or report not in when the clock passes its deadline raises one
// alert, dated at the deadline, at the first event at or after it; the
// sign-off or report clears it, so the alert's lifecycle (acknowledged,
// escalated when not) is an overdue instruction's too. The same alerts at
// the same events from a snapshot.
func TestDirectiveOverdueRule(t *testing.T) {
	base, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("small.toml", append(base, `
[[alerts]]
when = "directive_overdue"
id = "directive-overdue"
level = "orange"
zh = "指令逾期"
en = "Instruction overdue"
`...))
	if err != nil {
		t.Fatal(err)
	}
	var evs []feed.Event
	add := func(e feed.Event) feed.Event {
		e.Seq = uint64(len(evs) + 1)
		evs = append(evs, e)
		return e
	}
	tick := func(when string) feed.Event {
		return add(feed.Event{ID: "hub:tick:" + when, Type: feed.TypeClockTick, At: clockAt(t, when), Data: eventJSON(struct{}{})})
	}
	tick("2023-06-25 08:59:00")
	add(issued("D1", dayAt(1, 9, 0), dayAt(1, 10, 0), dayAt(1, 18, 0), "all"))
	add(signedBy("D1", "east", dayAt(1, 9, 30)))
	tick("2023-06-25 09:59:00")
	t1001 := tick("2023-06-25 10:01:00") // west has not signed
	tick("2023-06-25 10:02:00")          // no second alert
	westSigns := add(signedBy("D1", "west", dayAt(1, 10, 30)))
	add(reportedBy("D1", "east", dayAt(1, 17, 0)))
	t1801 := tick("2023-06-25 18:01:00") // west has not reported
	// An instruction folded after its deadline passed raises nothing.
	tick("2023-06-25 20:00:00")
	add(issued("D2", dayAt(1, 19, 0), dayAt(1, 19, 30), dayAt(1, 19, 45), "east"))
	tick("2023-06-25 20:01:00")

	got, s := raisedAt(t, cfg, evs)
	want := map[string]uint64{
		"directive-overdue:D1/west/sign":   t1001.Seq,
		"directive-overdue:D1/west/report": t1801.Seq,
	}
	if len(got) != len(want) {
		t.Errorf("raised %v, want %v", got, want)
	}
	for id, seq := range want {
		if got[id] != seq {
			t.Errorf("%s raised at seq %d, want %d (all: %v)", id, got[id], seq, got)
		}
	}
	a, _, _ := s.AlertByID("directive-overdue:D1/west/sign")
	if !a.At.Equal(dayAt(1, 10, 0)) || a.District != "west" || a.Kind != WhenDirectiveOverdue || a.Summary != "D1" || a.Level != LevelOrange {
		t.Errorf("west's sign-off alert %+v: want raised at the 10:00 deadline, orange, in west, with the instruction's id", a)
	}
	if !a.ClearedAt.Equal(westSigns.At) || a.ClearedBy != feed.TypeDirectiveSigned {
		t.Errorf("west's sign-off alert cleared at %v by %q, want at its late sign-off", a.ClearedAt, a.ClearedBy)
	}
	if b, _, _ := s.AlertByID("directive-overdue:D1/west/report"); b.Cleared() || !b.Clears {
		t.Errorf("west's report alert %+v: want standing until the report comes", b)
	}
}
