package campaign

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// TestFigureInfosCoverEveryFigure: every figure the fold computes has a
// display definition with a line and a unit, once, and nothing else does.
func TestFigureInfosCoverEveryFigure(t *testing.T) {
	var ids []string
	for _, f := range FigureInfos {
		if slices.Contains(ids, f.ID) {
			t.Errorf("%s defined twice", f.ID)
		}
		ids = append(ids, f.ID)
		if !slices.Contains(Lines, f.Line) {
			t.Errorf("%s: line %q is not one of %v", f.ID, f.Line, Lines)
		}
		if f.Unit == "" {
			t.Errorf("%s has no unit", f.ID)
		}
		switch f.Kind {
		case KindChange:
			if f.Metric == "" || (f.Basis != VsPreviousPeriod && f.Basis != VsSamePeriodLast) {
				t.Errorf("%s: a change needs a metric and a basis", f.ID)
			}
		case KindRate:
			if f.Part == "" || f.Whole == "" {
				t.Errorf("%s: a rate needs its part and whole", f.ID)
			}
		case KindCount, KindConfig:
		default:
			t.Errorf("%s: unknown kind %q", f.ID, f.Kind)
		}
	}
	slices.Sort(ids)
	if want := FigureIDs(); !slices.Equal(ids, want) {
		t.Errorf("display definitions %v\ndo not match the computed figures %v", ids, want)
	}
}

func TestShownRate(t *testing.T) {
	tests := []struct {
		part, whole int64
		ok          bool
		want        float64
	}{
		{8375, 8421, true, 99.45},
		{0, 10, true, 0},
		{10, 10, true, 100},
		{17, 1, false, 0}, // today's resolutions of older disputes over today's new ones
		{3, 0, false, 0},
		{0, 0, false, 0},
		{-1, 5, false, 0},
	}
	for _, tc := range tests {
		got := ShownRate(tc.part, tc.whole)
		if got.OK != tc.ok || (tc.ok && Round(got.Value, 2) != tc.want) {
			t.Errorf("ShownRate(%d, %d) = %+v, want ok=%v %v", tc.part, tc.whole, got, tc.ok, tc.want)
		}
	}
}

// TestToDateComparesCompleteDays: no "▾100%" from an empty state or the
// first hours; from day 2 the complete days against the baseline pro-rated
// to them, whatever the hour; the whole campaign once its last second is
// in (docs/figures.md, rule 1).
func TestToDateComparesCompleteDays(t *testing.T) {
	cfg := testConfig(t) // 3 days; alarms_criminal baseline 4
	alarm := func(id string, at time.Time) feed.Event {
		e := ev(id, feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: id, Category: "criminal", Priority: 2})
		e.At = at
		return e
	}
	day2 := t0.Add(24 * time.Hour)
	started := feed.Event{ID: "go", Type: feed.TypeCampaignStarted, At: cfg.Start(), District: "east", Data: eventJSON(feed.CampaignStarted{Run: 1})}
	tests := []struct {
		name    string
		s       *State
		ok      bool
		current int64
		days    int
		base    float64
	}{
		{"empty", NewState(cfg), false, 0, 0, 0},
		{"campaign.started at day 1 00:00", fold(cfg, started), false, 0, 0, 0},
		{"first hours", fold(cfg, alarm("a1", t0)), false, 0, 0, 0},
		// day 2 at 09:00: day 1 (one alarm) against 4 × 1/3; the two alarms
		// of day 2 so far are not compared.
		{"day 2", fold(cfg, alarm("a1", t0), alarm("a2", day2), alarm("a3", day2)), true, 1, 1, 4.0 / 3},
		{"last day, running", fold(cfg, alarm("a1", t0), alarm("a2", day2), alarm("a3", t0.Add(48*time.Hour))), true, 2, 2, 8.0 / 3},
		{"last day, whole", fold(cfg, alarm("a1", t0), alarm("a3", t0.Add(48*time.Hour)), lastDay), true, 2, 3, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ToDate(cfg, tc.s, "alarms_criminal", VsPreviousPeriod, StateAsOf(tc.s))
			if c.Change.OK != tc.ok {
				t.Fatalf("comparison shown = %v, want %v (%+v)", c.Change.OK, tc.ok, c)
			}
			if !tc.ok {
				return
			}
			if c.Current != tc.current || c.Days != tc.days || math.Abs(c.Base-tc.base) > 1e-9 {
				t.Errorf("compared %d over %d days against %.4f, want %d over %d against %.4f", c.Current, c.Days, c.Base, tc.current, tc.days, tc.base)
			}
			if got := (float64(c.Current) - c.Base) / c.Base * 100; Round(got, 9) != Round(c.Change.Value, 9) {
				t.Errorf("current %d against base %.2f is %.4f%%, not the change %.4f%%", c.Current, c.Base, got, c.Change.Value)
			}
			if f := VsPrevious(cfg, tc.s, "alarms_criminal"); f != c.Change {
				t.Errorf("the figure %+v is not the comparison %+v", f, c.Change)
			}
		})
	}
}

func TestNoFlagsWithoutData(t *testing.T) {
	cfg := testConfig(t)
	empty := NewState(cfg)
	sc := RankSpan(cfg, empty.Districts, nil, 3, cfg.Flags.Red, cfg.Flags.Yellow)
	for _, r := range sc.Rows {
		if r.Flag != FlagNone {
			t.Errorf("empty state: %s has a %s flag", r.District, r.Flag)
		}
	}
	if sc.Ranked {
		t.Error("an empty state ranks districts")
	}
	s := fold(cfg, ev("c1", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "C1", Category: "theft", Kind: "criminal"}))
	sc = RankSpan(cfg, s.Districts, nil, 3, cfg.Flags.Red, cfg.Flags.Yellow)
	if !sc.Ranked || sc.Rows[0].District != "east" || sc.Rows[0].Flag != FlagRed {
		t.Errorf("one solved case should rank east first with a red flag: %+v", sc.Rows)
	}
	// The campaign to date is ranked, not flagged: flags go per week,
	// half-month and month (docs/figures.md, rule 7).
	for _, r := range Ranking(cfg, s, StateAsOf(s)).Rows {
		if r.Flag != FlagNone {
			t.Errorf("the campaign's ranking flags %s %s", r.District, r.Flag)
		}
	}
}

// TestDocsDefineEveryFigure keeps docs/figures.md current: every figure id
// the fold computes is defined there.
func TestDocsDefineEveryFigure(t *testing.T) {
	doc, err := os.ReadFile("../docs/figures.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range FigureIDs() {
		if !strings.Contains(string(doc), "| "+id+" |") {
			t.Errorf("docs/figures.md has no row for %s", id)
		}
	}
}

// TestRateCountsMatchTheFigures: the counts shown beside a rate are the
// ones the rate divides.
func TestRateCountsMatchTheFigures(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg,
		ev("c1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C1", Category: "theft", Kind: "criminal"}),
		ev("c2", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "C2", Category: "theft", Kind: "criminal"}),
		ev("c3", feed.TypeCaseSolved, "east", feed.CaseSolved{CaseID: "C1", Category: "theft", Kind: "criminal"}),
		ev("h1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "H1", Category: "homicide", Kind: "criminal"}),
		ev("d1", feed.TypeDisputeFound, "east", feed.DisputeFound{DisputeID: "D1"}),
		ev("d2", feed.TypeDisputeResolved, "east", feed.DisputeResolved{DisputeID: "D1"}),
	)
	figs := Figures(cfg, s)
	n := 0
	for _, f := range FigureInfos {
		part, whole, ok := RateCounts(s, f.ID)
		if ok != (f.Kind == KindRate) {
			t.Errorf("%s: RateCounts ok=%v for a %s", f.ID, ok, f.Kind)
			continue
		}
		if !ok {
			continue
		}
		n++
		if got, want := Rate(part, whole), figs[f.ID]; got != want {
			t.Errorf("%s: %d/%d gives %+v, the figure is %+v", f.ID, part, whole, got, want)
		}
	}
	if n != 3 {
		t.Errorf("%d rates, want 3", n)
	}
}
