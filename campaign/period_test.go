package campaign

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"sitboard/feed"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestPeriodAcrossAWeekBoundary folds a hand-built week of events on both
// sides of the boundary between campaign weeks 1 and 2 (day 7 ends at
// 2023-07-01 24:00 +08:00) and checks the period figures and 环比 against
// values worked out by hand.
func TestPeriodAcrossAWeekBoundary(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml")
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("+08:00", 8*3600)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	seq := uint64(0)
	mk := func(when time.Time, typ, district string, data any) feed.Event {
		seq++
		return feed.Event{ID: "e" + time.Duration(seq).String(), Seq: seq, Type: typ, At: when, District: district, Data: eventJSON(data)}
	}
	alarm := func(when time.Time, district, cat string) feed.Event {
		return mk(when, feed.TypeAlarmReceived, district, feed.AlarmReceived{AlarmID: "A" + time.Duration(seq+1).String(), Category: cat, Priority: 2})
	}
	evs := []feed.Event{
		alarm(at("2023-06-30 10:00:00"), "east", feed.AlarmCriminal), // day 6
		alarm(at("2023-06-30 11:00:00"), "east", feed.AlarmCriminal), // day 6
		// 2023-07-01 16:00 UTC is 2023-07-02 00:00 +08:00: day 8, week 2.
		alarm(time.Date(2023, 7, 1, 16, 0, 0, 0, time.UTC), "east", feed.AlarmCriminal),
		alarm(at("2023-07-02 08:00:00"), "east", feed.AlarmCriminal),
		alarm(at("2023-07-02 09:00:00"), "east", feed.AlarmCriminal),
		alarm(at("2023-07-02 09:30:00"), "east", feed.AlarmPublicOrder),
		// Delivered late: the last second of day 7 still counts in week 1.
		alarm(at("2023-07-01 23:59:59"), "west", feed.AlarmCriminal),
		alarm(at("2023-07-08 12:00:00"), "west", feed.AlarmCriminal), // day 14
		alarm(at("2023-07-08 13:00:00"), "west", feed.AlarmCriminal), // day 14
		mk(at("2023-07-08 14:00:00"), feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C1", Category: feed.CaseTheft, Kind: feed.KindCriminal}),
		mk(at("2023-07-08 15:00:00"), feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "C1", Category: feed.CaseTheft, Kind: feed.KindCriminal}),
		mk(at("2023-07-09 08:00:00"), feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A-day15", Category: feed.AlarmCriminal, Priority: 2}), // day 15: week 3
	}
	h := NewHistory(cfg)
	for _, e := range evs {
		h.Apply(e)
	}
	week1, err := cfg.PeriodSpan(PeriodWeek, 7)
	if err != nil {
		t.Fatal(err)
	}
	week2, _ := cfg.PeriodSpan(PeriodWeek, 8)
	if week1 != (Span{1, 7}) || week2 != (Span{8, 14}) {
		t.Fatalf("week spans = %v, %v; want {1 7} and {8 14}", week1, week2)
	}
	p1, p2 := h.Period(PeriodWeek, week1), h.Period(PeriodWeek, week2)

	// Week 1: 3 criminal alarms (2 east on day 6, 1 west late on day 7).
	// It is the first week: its 上期 is the previous-period baseline 42
	// (21 days) 折算 to 7 days = 14; (3-14)/14 = -78.571428…%.
	c1 := p1.Compare("alarms_criminal", VsPreviousPeriod, "")
	if c1.Current != 3 || !near(c1.Base, 14) || c1.Source != BaseBaseline || c1.Whole != 42 || c1.WholeDays != 21 || !c1.Prorated || !near(c1.Change.Value, (3.0-14)/14*100) {
		t.Errorf("week 1 环比 = %+v; want current 3 against the baseline 42×7/21 = 14, change -78.57%%", c1)
	}
	// Week 2: 5 criminal alarms (3 east on day 8, 2 west on day 14)
	// against week 1's 3 from the log: +66.666…%.
	c2 := p2.Compare("alarms_criminal", VsPreviousPeriod, "")
	if c2.Current != 5 || c2.Base != 3 || c2.Source != BasePrevious || c2.Prorated || !near(c2.Change.Value, 200.0/3) {
		t.Errorf("week 2 环比 = %+v; want 5 vs 3, +66.67%%", c2)
	}
	if f := p2.Figures("")["overall.alarms_criminal_mom_pct"]; !f.OK || !near(f.Value, 200.0/3) {
		t.Errorf("week 2 figure overall.alarms_criminal_mom_pct = %+v, want +66.67", f)
	}
	// Per district, from the log: east 3 vs 2 (+50%), west 2 vs 1 (+100%).
	if c := p2.Compare("alarms_criminal", VsPreviousPeriod, "east"); c.Current != 3 || c.Base != 2 || !near(c.Change.Value, 50) {
		t.Errorf("east week 2 环比 = %+v, want 3 vs 2 = +50%%", c)
	}
	if c := p2.Compare("alarms_criminal", VsPreviousPeriod, "west"); c.Current != 2 || c.Base != 1 || !near(c.Change.Value, 100) {
		t.Errorf("west week 2 环比 = %+v, want 2 vs 1 = +100%%", c)
	}
	// A district has no 环比 where the baseline would be needed (week 1).
	if c := p1.Compare("alarms_criminal", VsPreviousPeriod, "east"); c.Change.OK {
		t.Errorf("east week 1 环比 = %+v, want none (baselines are city-wide)", c)
	}
	// 同比: 1 criminal case filed in week 2 against 21 × 7/21 = 7: -85.71%.
	y := p2.Compare("criminal_cases_filed", VsSamePeriodLast, "")
	if y.Current != 1 || !near(y.Base, 7) || !near(y.Change.Value, (1.0-7)/7*100) {
		t.Errorf("week 2 同比 = %+v, want 1 vs 7", y)
	}
	f2 := p2.Figures("")
	if f := f2["strike.theft_cases_solved"]; f.Value != 1 {
		t.Errorf("week 2 thefts solved = %v, want 1", f.Value)
	}
	if f := f2["strike.theft_clearance_rate_pct"]; !f.OK || f.Value != 100 {
		t.Errorf("week 2 theft clearance = %+v, want 100%%", f)
	}
	if f := p1.Figures("")["strike.theft_cases_solved"]; f.Value != 0 {
		t.Errorf("week 1 thefts solved = %v, want 0", f.Value)
	}
	if hl := HeadlineOf(&p2.Counts.Totals); hl != (Headline{Alarms: 6, CasesFiled: 1, CasesSolved: 1}) {
		t.Errorf("week 2 headline = %+v, want 6 alarms, 1 case filed, 1 solved", hl)
	}
	// The day-15 alarm is in week 3 only.
	p3 := h.Period(PeriodWeek, Span{15, 21})
	if c := p3.Compare("alarms_criminal", VsPreviousPeriod, ""); c.Current != 1 || c.Base != 5 {
		t.Errorf("week 3 = %+v, want 1 vs 5", c)
	}
	// The days add up to the state's totals.
	all := h.Counts(Span{1, cfg.Days()})
	if !reflect.DeepEqual(all.Totals, h.State().Totals) {
		t.Errorf("sum of days = %+v\nstate totals = %+v", all.Totals, h.State().Totals)
	}
	// Ranking on week 2: east solved a case, west did not.
	if r, _ := p2.Ranking(); r.Rows[0].District != "east" {
		t.Errorf("week 2 ranking = %+v, want east first", r)
	}
}

func TestPeriodSpans(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml") // 2023-06-25 .. 2023-07-15, 21 days
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind string
		day  int
		want Span
	}{
		{PeriodDay, 9, Span{9, 9}},
		{PeriodWeek, 1, Span{1, 7}},
		{PeriodWeek, 14, Span{8, 14}},
		{PeriodWeek, 21, Span{15, 21}},
		{PeriodHalfMonth, 3, Span{1, 6}},  // June 16–30, cut to June 25–30
		{PeriodHalfMonth, 7, Span{7, 21}}, // July 1–15
		{PeriodMonth, 6, Span{1, 6}},      // June, from the 25th
		{PeriodMonth, 7, Span{7, 21}},     // July, to the 15th
		{PeriodCampaign, 4, Span{1, 21}},
	}
	for _, tc := range tests {
		got, err := cfg.PeriodSpan(tc.kind, tc.day)
		if err != nil || got != tc.want {
			t.Errorf("PeriodSpan(%s, %d) = %v, %v; want %v", tc.kind, tc.day, got, err, tc.want)
		}
	}
	if _, err := cfg.PeriodSpan("fortnight", 3); err == nil {
		t.Error("an unknown period kind was accepted")
	}
	if _, err := cfg.PeriodSpan(PeriodWeek, 22); err == nil {
		t.Error("a day after the campaign was accepted")
	}
}

// TestAlertRecordsClearBySubject: the record has every alert raised and
// when its clearing event came, even for an alert the state's bounded list
// had already pushed out.
func TestAlertRecordsClearBySubject(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHistory(cfg)
	at := t0
	seq := uint64(0)
	apply := func(typ, caseID string, data any) {
		seq++
		at = at.Add(10 * time.Minute)
		h.Apply(feed.Event{ID: fmt.Sprintf("h%d", seq), Seq: seq, Type: typ, At: at, District: "east", Data: eventJSON(data)})
	}
	for i := 0; i <= MaxAlerts; i++ { // one more than the state keeps
		id := fmt.Sprintf("HOM-%d", i)
		apply(feed.TypeCaseFiled, id, feed.CaseFiled{CaseID: id, Category: feed.CaseHomicide, Kind: feed.KindCriminal})
	}
	if len(h.State().Alerts) != MaxAlerts {
		t.Fatalf("state holds %d alerts, want %d", len(h.State().Alerts), MaxAlerts)
	}
	apply(feed.TypeCaseSolved, "HOM-0", feed.CaseSolved{CaseID: "HOM-0", Category: feed.CaseHomicide, Kind: feed.KindCriminal})
	apply(feed.TypeCaseSolved, "HOM-5", feed.CaseSolved{CaseID: "HOM-5", Category: feed.CaseHomicide, Kind: feed.KindCriminal})
	raised := h.AlertsRaised(Span{1, cfg.Days()})
	if len(raised) != MaxAlerts+1 {
		t.Fatalf("%d alerts recorded, want %d", len(raised), MaxAlerts+1)
	}
	// HOM-i is filed at +10(i+1) min; the solves come after the
	// MaxAlerts+1 filings, ten minutes apart.
	if a, want := raised[0], time.Duration(MaxAlerts+1)*10*time.Minute; a.Subject != "HOM-0" || a.ClearedAt.Sub(a.At) != want || a.ClearedBy != feed.TypeCaseSolved {
		t.Errorf("HOM-0 (pushed out of the state) = %+v, want cleared after %v", a, want)
	}
	if a, want := raised[5], time.Duration(MaxAlerts-3)*10*time.Minute; a.ClearedAt.Sub(a.At) != want {
		t.Errorf("HOM-5 cleared after %v, want %v", a.ClearedAt.Sub(a.At), want)
	}
	if a := raised[1]; !a.ClearedAt.IsZero() {
		t.Errorf("HOM-1 was never solved but is cleared at %v", a.ClearedAt)
	}
}
