package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
)

// generated caches one run of the generator at the default seed: several
// tests read it and it takes a second to build.
var generated struct {
	raw    []byte
	events []feed.Event
}

func generatedFeed(t testing.TB) ([]byte, []feed.Event) {
	t.Helper()
	if generated.raw == nil {
		var buf bytes.Buffer
		if err := Generate(Campaign(), DefaultSeed, &buf); err != nil {
			t.Fatal(err)
		}
		var evs []feed.Event
		if err := feed.ScanEvents(bytes.NewReader(buf.Bytes()), func(ev feed.Event) error {
			evs = append(evs, ev)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		generated.raw, generated.events = buf.Bytes(), evs
	}
	return generated.raw, generated.events
}

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := Campaign()
	run := func(seed int64) [32]byte {
		var buf bytes.Buffer
		if err := Generate(cfg, seed, &buf); err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(buf.Bytes())
	}
	raw, _ := generatedFeed(t)
	if run(DefaultSeed) != sha256.Sum256(raw) {
		t.Fatal("two runs with the same seed differ")
	}
	if run(DefaultSeed+1) == sha256.Sum256(raw) {
		t.Fatal("a different seed gives the same recording")
	}
}

// TestGeneratedFiguresMatchFacts folds the generated feed as the hub would,
// from its JSON, and checks every published figure.
func TestGeneratedFiguresMatchFacts(t *testing.T) {
	cfg := Campaign()
	facts, err := campaign.ParseFacts("facts", Facts())
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []int64{DefaultSeed, 1, 42} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			var evs []feed.Event
			if seed == DefaultSeed {
				_, evs = generatedFeed(t)
			} else {
				var err error
				if evs, err = GenerateEvents(cfg, seed); err != nil {
					t.Fatal(err)
				}
			}
			st := campaign.NewState(cfg)
			for _, ev := range evs {
				campaign.Apply(cfg, st, ev)
			}
			for _, m := range campaign.CheckFacts(campaign.Figures(cfg, st), facts) {
				t.Errorf("%s", m)
			}
			if st.Duplicates != 0 {
				t.Errorf("%d events folded as duplicates: ids must be unique", st.Duplicates)
			}
			if len(st.Unknown) != 0 {
				t.Errorf("unknown types folded: %v", st.Unknown)
			}
		})
	}
}

func TestGeneratedEventsAreValidAndOrdered(t *testing.T) {
	cfg := Campaign()
	_, evs := generatedFeed(t)
	if len(evs) < 100_000 || len(evs) > 200_000 {
		t.Errorf("%d events: keep the recording between 100k and 200k", len(evs))
	}
	v := cfg.Validator()
	ids := map[string]bool{}
	start := cfg.Start()
	end := start.AddDate(0, 0, cfg.Days())
	for i, ev := range evs {
		for _, fe := range v.Validate(i, ev) {
			t.Errorf("event %s (%s): %s", ev.ID, ev.Type, fe)
		}
		if ids[ev.ID] {
			t.Errorf("duplicate id %s", ev.ID)
		}
		ids[ev.ID] = true
		if ev.At.Before(start) || !ev.At.Before(end) {
			t.Errorf("event %s at %s is outside the campaign", ev.ID, ev.At)
		}
		if i > 0 && ev.At.Before(evs[i-1].At) {
			t.Errorf("event %s at %s is before its predecessor", ev.ID, ev.At)
		}
		if _, off := ev.At.Zone(); off != 8*3600 {
			t.Errorf("event %s is not in +08:00", ev.ID)
		}
		if t.Failed() && i > 20 {
			t.FailNow()
		}
	}
	if evs[0].Type != feed.TypeCampaignStarted {
		t.Errorf("first event is %s, want the campaign.started marker", evs[0].Type)
	}
}

// TestGeneratedFeedLooksReal checks what a duty officer would notice.
func TestGeneratedFeedLooksReal(t *testing.T) {
	cfg := Campaign()
	_, evs := generatedFeed(t)
	type life struct{ received, dispatched, closed time.Time }
	alarms := map[string]*life{}
	homicideFiled := map[string]time.Time{}
	homicideSolved := map[string]time.Time{}
	solvedAt := map[string]time.Time{}
	acted := map[string]bool{}
	hourly := make([]int, 24)
	perType := map[string]int{}
	for _, ev := range evs {
		perType[ev.Type]++
		switch ev.Type {
		case feed.TypeAlarmReceived:
			p, _ := feed.Decode[feed.AlarmReceived](ev)
			if alarms[p.AlarmID] != nil {
				t.Errorf("alarm %s received twice", p.AlarmID)
			}
			alarms[p.AlarmID] = &life{received: ev.At}
			hourly[ev.At.Hour()]++
		case feed.TypeAlarmDispatched:
			p, _ := feed.Decode[feed.AlarmDispatched](ev)
			if l := alarms[p.AlarmID]; l == nil {
				t.Errorf("alarm %s dispatched before it was received", p.AlarmID)
			} else {
				l.dispatched = ev.At
			}
		case feed.TypeAlarmClosed:
			p, _ := feed.Decode[feed.AlarmClosed](ev)
			if l := alarms[p.AlarmID]; l == nil || l.dispatched.IsZero() {
				t.Errorf("alarm %s closed before it was dispatched", p.AlarmID)
			} else {
				l.closed = ev.At
			}
		case feed.TypeCaseAction:
			p, _ := feed.Decode[feed.CaseAction](ev)
			if at, ok := solvedAt[p.CaseID]; !ok || !ev.At.After(at) {
				t.Errorf("action on case %s before it was solved", p.CaseID)
			}
			acted[p.CaseID] = true
		case feed.TypeCaseFiled:
			p, _ := feed.Decode[feed.CaseFiled](ev)
			if p.Category == feed.CaseHomicide {
				homicideFiled[p.CaseID] = ev.At
			}
		case feed.TypeCaseSolved:
			p, _ := feed.Decode[feed.CaseSolved](ev)
			solvedAt[p.CaseID] = ev.At
			if p.Category == feed.CaseHomicide && !p.Cold {
				homicideSolved[p.CaseID] = ev.At
			}
		}
	}
	for id := range solvedAt {
		if !acted[id] {
			t.Errorf("case %s solved without any action (arrest, measure, penalty)", id)
		}
	}
	for id, l := range alarms {
		if l.dispatched.IsZero() || l.closed.IsZero() {
			t.Errorf("alarm %s never dispatched or closed", id)
			continue
		}
		if d := l.dispatched.Sub(l.received); d <= 0 || d > 15*time.Minute {
			t.Errorf("alarm %s dispatched after %s, want within minutes", id, d)
		}
		if !l.closed.After(l.dispatched) {
			t.Errorf("alarm %s closed at %s, not after its dispatch", id, l.closed)
		}
	}
	if len(homicideFiled) == 0 {
		t.Error("no new homicide filed")
	}
	for id, at := range homicideFiled {
		solved, ok := homicideSolved[id]
		if !ok {
			t.Errorf("new homicide %s never solved (发一破一)", id)
		} else if d := solved.Sub(at); d <= 0 || d > 7*24*time.Hour {
			t.Errorf("new homicide %s solved after %s, want within 7 days", id, d)
		}
	}
	if perType[feed.TypeAlertAcknowledged] != 0 {
		t.Errorf("%d acknowledgements in the generated feed: boards make them, the article has none", perType[feed.TypeAlertAcknowledged])
	}
	if perType[feed.TypeMajorAccident] != 0 {
		t.Errorf("%d major accidents: the campaign had none", perType[feed.TypeMajorAccident])
	}
	night := hourly[20] + hourly[21] + hourly[22] + hourly[23]
	early := hourly[2] + hourly[3] + hourly[4] + hourly[5]
	if night < 3*early {
		t.Errorf("alarms 20-24h: %d, 2-6h: %d; summer nights should be far busier", night, early)
	}
	// Every type of the protocol a campaign produces appears. Boards, not
	// upstreams, acknowledge alerts: the article publishes no ack times and
	// the recording invents none.
	// A hub, not an upstream, writes clock.tick, so a recording of
	// upstream data holds none.
	for _, typ := range feed.KnownTypes() {
		if typ != feed.TypeMajorAccident && typ != feed.TypeAlertAcknowledged && typ != feed.TypeClockTick && perType[typ] == 0 {
			t.Errorf("no %s events", typ)
		}
	}
	// Per district, activity follows the weights but every district is busy.
	h := campaign.NewHistory(cfg)
	for _, ev := range evs {
		h.Apply(ev)
	}
	st := h.State()
	for _, d := range cfg.Districts {
		c := st.Districts[d.ID]
		if c.AlarmsReceived[feed.AlarmCriminal] < 100 {
			t.Errorf("district %s: only %d criminal alarms", d.ID, c.AlarmsReceived[feed.AlarmCriminal])
		}
	}
	for _, g := range cfg.Grids {
		if gc := st.Grids[g.ID]; gc == nil || gc.Alarms == 0 || gc.Officers == 0 {
			t.Errorf("grid %s has no alarms or no patrol", g.ID)
		}
	}
	if len(st.OpenAlarms) != 0 {
		t.Errorf("%d alarms left open at the end", len(st.OpenAlarms))
	}
	// Alerts stand until a board acknowledges them, and the recording
	// holds no acknowledgement; but each is cleared by the end (its case
	// solved, its call dispatched or closed, its report in, its finding
	// put right), except the warnings of the shift reports that never
	// came, of the findings never put right, and of the instructions'
	// sign-offs and reports that never came (generate_directives_test.go
	// counts those). The History's record holds every alert raised.
	missing, findings := 0, 0
	for _, a := range h.AlertsRaised(campaign.Span{From: 1, To: cfg.Days()}) {
		switch {
		case a.Cleared() || !a.Clears:
		case a.Kind == campaign.WhenReportMissing:
			missing++
		case a.Kind == campaign.WhenFindingOverdue:
			findings++
		case a.Kind == campaign.WhenDirectiveOverdue:
		default:
			t.Errorf("alert left uncleared at the end: %+v", a.Alert)
		}
	}
	if missing != missedReports {
		t.Errorf("%d shift-report warnings stand uncleared, want the %d reports that never came", missing, missedReports)
	}
	overdue := 0
	for _, f := range campaign.OpenFindings(st, st.LastAt) {
		if f.Overdue {
			overdue++
		}
	}
	if findings != overdue || overdue == 0 {
		t.Errorf("%d finding warnings stand uncleared, want one for each of the %d findings overdue at the end (not 0)", findings, overdue)
	}
	for _, n := range cfg.Notable {
		ns := st.Notables[n.ID]
		if ns == nil || !ns.Solved {
			t.Errorf("notable case %s not solved in the feed", n.ID)
		}
	}
	t.Logf("events by type: %v", perType)
}

func TestApportionIsExact(t *testing.T) {
	tests := []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{0, []int64{1, 2}, []int64{0, 0}},
		{7, []int64{0, 1, 0}, []int64{0, 7, 0}},
		{5, []int64{1, 1, 1, 1, 1, 1}, []int64{1, 1, 1, 1, 1, 0}},
		{100, []int64{3, 0, 7}, []int64{30, 0, 70}},
		{1 << 40, []int64{1 << 30, 1 << 30}, []int64{1 << 39, 1 << 39}},
	}
	for _, tc := range tests {
		got := apportion(tc.total, tc.weights)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", tc.total, tc.weights, got, tc.want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	cfg := Campaign()
	var n int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Generate(cfg, DefaultSeed, &buf); err != nil {
			b.Fatal(err)
		}
		n = buf.Len()
	}
	b.ReportMetric(float64(n), "bytes")
}

// BenchmarkFoldShippedRecording is what `summary --recording` does with the
// shipped file: gunzip, decode every line, fold.
func BenchmarkFoldShippedRecording(b *testing.B) {
	cfg := Campaign()
	var n int
	for b.Loop() {
		st := campaign.NewState(cfg)
		n = 0
		if err := feed.ScanEvents(Recording(), func(ev feed.Event) error {
			campaign.Apply(cfg, st, ev)
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "events")
}

// TestGeneratedNightMarketCoverage: the area patrols name every night
// market, and coverage fits "夜市不收摊、警察不撤岗": nearly every site every
// night, with a few misses (township markets on weeknights, storm nights)
// so that a bulletin's least-covered list has something to say.
func TestGeneratedNightMarketCoverage(t *testing.T) {
	cfg := Campaign()
	_, evs := generatedFeed(t)
	h := campaign.NewHistory(cfg)
	for _, ev := range evs {
		if ev.Type == feed.TypeShiftReport {
			p, err := feed.Decode[feed.ShiftReport](ev)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Sites) > 0 && (p.Duty != feed.DutyArea || ev.Grid == "") {
				t.Fatalf("event %s: a %s report without a grid names sites; only area patrols do", ev.ID, p.Duty)
			}
		}
		h.Apply(ev)
	}
	p := h.Period(campaign.PeriodCampaign, campaign.Span{From: 1, To: cfg.Days()})
	cov := p.SiteCoverage(campaign.SiteNightMarket)
	if len(cov) != cfg.SiteCount(campaign.SiteNightMarket) || len(cov) != 97 {
		t.Fatalf("%d night markets in the coverage, want the config's 97", len(cov))
	}
	var covered, nights, missed int
	for _, c := range cov {
		covered += c.Covered
		nights += c.Nights
		if c.Covered < c.Nights {
			missed++
		}
		if c.Covered < c.Nights*85/100 {
			t.Errorf("%s covered %d of %d nights: below 85%%, not what the article says", c.Site, c.Covered, c.Nights)
		}
	}
	pct := float64(covered) / float64(nights) * 100
	t.Logf("site-nights covered %d of %d (%.2f%%); %d sites missed at least one night", covered, nights, pct, missed)
	if pct < 96 || pct > 99.8 {
		t.Errorf("coverage %.2f%%: want nearly every site every night (96%%–99.8%%), with a few misses", pct)
	}
	if missed < 10 || missed > 90 {
		t.Errorf("%d sites missed a night: want some, not all", missed)
	}
}

// TestGeneratedLapses: the recording has what the response clock and the
// shift reports due are to find (generate_lapses.go), and nothing else
// moved for it: ten urgent calls dispatched after 11 to 15 minutes in two
// districts, no dispatch later than 15 minutes; a county's traffic report
// and a grid's night patrol report that never came, their counts in the
// next night's report; two traffic reports after 22:00. Every other event
// is the same, with the same id, as without the lapses.
func TestGeneratedLapses(t *testing.T) {
	cfg := Campaign()
	_, with := generatedFeed(t)
	without, err := generateEvents(cfg, DefaultSeed, false)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]feed.Event{}
	for _, ev := range without {
		byID[ev.ID] = ev
	}
	changed := map[string]int{}
	for _, ev := range with {
		old, ok := byID[ev.ID]
		if !ok {
			t.Fatalf("event %s is new", ev.ID)
		}
		delete(byID, ev.ID)
		if !old.At.Equal(ev.At) || string(old.Data) != string(ev.Data) || old.Type != ev.Type || old.District != ev.District {
			changed[ev.Type]++
		}
	}
	dropped := map[string]int{}
	for _, ev := range byID {
		dropped[ev.Type]++
	}
	// Each slow call moves its dispatch and its close; each missed report
	// adds to the next night's; each late report moves.
	if want := map[string]int{feed.TypeAlarmDispatched: slowDispatches, feed.TypeAlarmClosed: slowDispatches, feed.TypeShiftReport: missedReports + lateReports}; fmt.Sprint(changed) != fmt.Sprint(want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	if want := map[string]int{feed.TypeShiftReport: missedReports}; fmt.Sprint(dropped) != fmt.Sprint(want) {
		t.Errorf("dropped %v, want %v", dropped, want)
	}

	received := map[string]feed.Event{}
	slow := map[string]int{}
	var longest time.Duration
	for _, ev := range with {
		switch ev.Type {
		case feed.TypeAlarmReceived:
			received[mustAlarmID(t, ev)] = ev
		case feed.TypeAlarmDispatched:
			r := received[mustAlarmID(t, ev)]
			wait := ev.At.Sub(r.At)
			longest = max(longest, wait)
			p, _ := feed.Decode[feed.AlarmReceived](r)
			if p.Priority == 1 && wait >= 11*time.Minute {
				slow[r.District]++
			}
		}
	}
	if len(slow) != 2 {
		t.Errorf("slow P1 dispatches by district %v, want %d in two districts", slow, slowDispatches)
	}
	if n := sum(slow); n != slowDispatches {
		t.Errorf("%d P1 calls dispatched after 11 minutes or more, want %d", n, slowDispatches)
	}
	if longest > 15*time.Minute {
		t.Errorf("the longest dispatch took %s; the recording's longest is 15 min", longest)
	}

	// The shift reports due, as the campaign file counts them.
	h := campaign.NewHistory(cfg)
	for _, ev := range with {
		h.Apply(ev)
	}
	_, city, lapses := h.Period(campaign.PeriodCampaign, campaign.Span{From: 1, To: cfg.Days()}).Reports(h)
	if city.Missing != missedReports || city.Late != lateReports {
		t.Errorf("shift reports: %+v, want %d missing and %d late", city, missedReports, lateReports)
	}
	for _, l := range lapses {
		t.Logf("%s night %d %s %s %s", l.Status, l.Night, l.District, l.Grid, l.At)
	}
}

func mustAlarmID(t *testing.T, ev feed.Event) string {
	t.Helper()
	var p struct {
		AlarmID string `json:"alarm_id"`
	}
	if err := json.Unmarshal(ev.Data, &p); err != nil {
		t.Fatal(err)
	}
	return p.AlarmID
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
