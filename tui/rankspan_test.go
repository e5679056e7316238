package tui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// recordingDays folds the shipped recording's first days, keeping the
// state at the end of each (as the hub does for ?day=N); ends[last] is
// the live state, part way through day last.
func recordingDays(t *testing.T, last int) (*campaign.Config, []*campaign.State) {
	t.Helper()
	cfg := demo.Campaign()
	s := campaign.NewState(cfg)
	ends := make([]*campaign.State, last+1)
	day := 1
	stop := errors.New("stop")
	var seq uint64
	err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error {
		d := cfg.Day(ev.At)
		for ; day < d && day < last; day++ {
			ends[day] = s.Clone()
		}
		if d > last || (d == last && ev.At.After(cfg.Start().AddDate(0, 0, last-1).Add(12*time.Hour))) {
			return stop
		}
		seq++
		ev.Seq = seq
		campaign.Apply(cfg, s, ev)
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("the recording ends before day %d: %v", last, err)
	}
	ends[last] = s
	return cfg, ends
}

// runCmds runs a command and every command its messages lead to, as the
// program would (only fetches here: no clock ticks are in flight).
func runCmds(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for queue := []tea.Cmd{cmd}; len(queue) > 0; queue = queue[1:] {
		if queue[0] == nil {
			continue
		}
		switch msg := queue[0]().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case DayStateMsg, rankBaseMsg:
			nm, next := m.Update(msg)
			m = nm.(Model)
			queue = append(queue, next)
		}
	}
	return m
}

// TestRankingSpan: s steps the ranking through day, week, half-month and
// the campaign; each span ranks what the districts did since the end of
// the day before it, says which span it is with its dates, and follows
// the day under review.
func TestRankingSpan(t *testing.T) {
	const last = 20 // 2023-07-14
	cfg, ends := recordingDays(t, last)
	live := ends[last]
	fetch := func(_ context.Context, day, _ int) (*campaign.State, error) { return ends[day], nil }
	// A span's ranking is what the districts did since the end of the day
	// before it, scored over the days it has run to the hour (the live
	// clock is 07-14 11:59: 11 hours of the day), flagged for a week or a
	// half-month only.
	since := func(now *campaign.State, base int, days float64, flags bool) campaign.Scores {
		var b *campaign.State
		var before map[string]*campaign.Counters
		if base > 0 {
			b = ends[base]
			before = b.Districts
		}
		red, yellow := 0, 0
		if flags {
			red, yellow = cfg.Flags.Red, cfg.Flags.Yellow
		}
		return campaign.RankSpan(cfg, campaign.CountersSince(now, b), before, days, red, yellow)
	}
	asOf := campaign.StateAsOf(live)
	tests := []struct {
		name  string
		keys  []string
		want  func() campaign.Scores
		label string
	}{
		{"campaign by default", nil, func() campaign.Scores { return campaign.Ranking(cfg, live, asOf) }, "campaign to date"},
		{"today", []string{"s"}, func() campaign.Scores { return since(live, 19, 11.0/24, false) }, "day 07-14"},
		{"this week holds 07-09 to 07-14", []string{"s", "s"}, func() campaign.Scores { return since(live, 14, 5+11.0/24, true) }, "week 07-09 to 07-14 prov."},
		{"this half-month", []string{"s", "s", "s"}, func() campaign.Scores { return since(live, 6, 13+11.0/24, true) }, "half-month 07-01 to 07-14 prov."},
		{"back to the campaign", []string{"s", "s", "s", "s"}, func() campaign.Scores { return campaign.Ranking(cfg, live, asOf) }, "campaign to date"},
		{"the week of a reviewed day holds to that day", []string{"s", "s", "{", "[", "[", "["}, func() campaign.Scores { return since(ends[10], 7, 3, true) }, "week 07-02 to 07-04 prov."},
		{"the first week starts from nothing", []string{"s", "s", "{", "{"}, func() campaign.Scores { return since(ends[6], 0, 6, true) }, "week 06-25 to 06-30 prov."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New(cfg, Options{Lang: "en", Theme: "dark", Layout: "standard", Now: func() time.Time { return live.LastAt }, Coalesce: -1, FetchDay: fetch})
			m = send(m, tea.WindowSizeMsg{Width: 140, Height: 44})
			m = send(m, StateMsg{State: live})
			for _, k := range tc.keys {
				nm, cmd := m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
				m = runCmds(t, nm.(Model), cmd)
			}
			if got, want := m.ctx.D.Ranking, tc.want(); !reflect.DeepEqual(got, want) {
				t.Errorf("ranking\n got %v\nwant %v", got, want)
			}
			screen := plain(m)
			board := screen[:strings.LastIndex(strings.TrimRight(screen, "\n"), "\n")] // less the status line
			if !strings.Contains(board, " "+tc.label) {
				t.Errorf("the ranking does not say %q:\n%s", tc.label, plain(m))
			}
		})
	}
	t.Run("without a hub s says so and stays on the campaign", func(t *testing.T) {
		m := board(t, Options{Lang: "en", Theme: "dark", Layout: "standard"}, 140, 44)
		m = press(m, "s")
		if m.ctx.rank.kind != "" {
			t.Fatalf("span %q without a hub", m.ctx.rank.kind)
		}
	})
}
