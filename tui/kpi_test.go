package tui

import (
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestFmtCompact(t *testing.T) {
	for _, c := range []struct {
		lang string
		v    int64
		want string
	}{
		{"zh", 99_999, "99,999"},
		{"zh", 230_450, "23.05万"},
		{"zh", 182_000_000, "1.82亿"},
		{"en", 99_999, "99,999"},
		{"en", 230_460, "230.5k"},
		{"en", 1_250_000, "1.25M"},
	} {
		if got := fmtCompact(c.lang, c.v); got != c.want {
			t.Errorf("fmtCompact(%s, %d) = %q, want %q", c.lang, c.v, got, c.want)
		}
	}
}

// The band picks its form by the lines and columns it has, and every form
// shows every headline number whole.
func TestKPIForms(t *testing.T) {
	cfg, snaps := recordingStates(t)
	end := snaps[len(snaps)-1]
	for _, c := range []struct {
		name   string
		lang   string
		w, h   int
		big    bool
		expect string // text the form has and the others lack
	}{
		{"flow at 80", "zh", 80, 3, false, "环比 ▾"},
		{"flow at 100 en", "en", 100, 3, false, "MoM ▾"},
		{"boxes at 120", "zh", 118, 4, false, "累计 2,228/4,822"},
		{"boxes at 120 en", "en", 118, 4, false, "total 2,228/4,822"},
		{"big at 240", "zh", 236, 5, true, "今日"},
		{"big at 200 en", "en", 196, 5, true, "today"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := board(t, Options{Lang: c.lang, Theme: "mono"}, 120, 40)
			m.ctx.Cfg = cfg
			m = send(m, StateMsg{State: end})
			m.ctx.BigFigures = c.big
			out := ansi.Strip(strings.Join(renderKPI(m.ctx, c.w, c.h), "\n"))
			if !strings.Contains(out, c.expect) {
				t.Errorf("no %q in\n%s", c.expect, out)
			}
			if err := headlinesWhole(c.lang, end, out, c.big); err != nil {
				t.Error(err)
			}
			if c.big && len(readBigFigures(out)) < 8 {
				t.Errorf("big band reads back as %q, want 8 figures:\n%s", readBigFigures(out), out)
			}
			if !c.big && c.h == 3 {
				// Flow: every tile shows today the same way.
				if n := strings.Count(out, "("); n != 7 || strings.Count(out, "+") < 7 {
					t.Errorf("%d tiles show today as (+N), want all 7:\n%s", n, out)
				}
			}
		})
	}
}

// b toggles the big figures; the wall starts with them, the others without.
func TestBigFiguresToggle(t *testing.T) {
	m := board(t, Options{Lang: "zh", Theme: "mono", Layout: "wall"}, 240, 70)
	if !m.ctx.BigFigures {
		t.Fatal("the wall layout does not start with big figures")
	}
	bigScreen := plain(m)
	m = press(m, "b")
	if m.ctx.BigFigures {
		t.Fatal("b did not turn big figures off")
	}
	if plain(m) == bigScreen || !strings.Contains(plain(m), "累计") {
		t.Fatalf("with big figures off the band is not boxes:\n%s", plain(m))
	}
	// The choice survives a resize, which rebuilds the layout.
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	if m.ctx.BigFigures {
		t.Fatal("a resize turned big figures back on")
	}
	s := board(t, Options{Lang: "zh", Theme: "mono", Layout: "standard"}, 120, 40)
	if s.ctx.BigFigures {
		t.Fatal("the standard layout starts with big figures")
	}
}

// TestLikeForLikeTiles: the tiles' comparisons at 01:00, 10:00 and 23:00
// of days 2, 3 and 10 of the shipped recording, computed by hand from the
// days' counts (criminal alarms 54, 40, 39, 46, 49, 50, 60, 56, 48 on days
// 1–9; public-order 120, 98, 116, 103, 113, 104, 131, 136, 113; criminal
// cases filed 47, 45, 41, 38, 34, 41, 43, 43, 44) and the baselines
// (4,718, 13,277 and last year's 4,987 over 98 days): the complete days
// against the baseline pro-rated to them, the same at every hour of the
// day (docs/figures.md, rule 1). Day 3: (94 − 4718×2/98) ÷ (4718×2/98) =
// −2.37%, where the old rule showed ▾34.22% at 00:40.
func TestLikeForLikeTiles(t *testing.T) {
	cfg := demo.Campaign()
	want := map[int][]string{
		2:  {"环比至06-25 ▴12.17%", "环比至06-25 ▾11.43%", "同比至06-25 ▾7.64%"},
		3:  {"环比至06-26 ▾2.37%", "环比至06-26 ▾19.55%", "同比至06-26 ▾9.60%"},
		10: {"环比至07-03 ▴2.01%", "环比至07-03 ▾15.20%", "同比至07-03 ▾17.90%"},
	}
	var at []time.Time
	for _, day := range []int{2, 3, 10} {
		for _, hour := range []int{1, 10, 23} {
			at = append(at, cfg.Date(day).Add(time.Duration(hour)*time.Hour))
		}
	}
	states := statesAt(t, cfg, at)
	for i, when := range at {
		day := cfg.Day(when)
		t.Run(when.Format("01-02T15"), func(t *testing.T) {
			m := New(cfg, Options{Lang: "zh", Theme: "mono", Now: func() time.Time { return when }, Coalesce: -1})
			m = send(m, tea.WindowSizeMsg{Width: 240, Height: 40})
			m = send(m, StateMsg{State: states[i]})
			m = send(m, ConnMsg{Status: ConnLive, LastData: when})
			out := ansi.Strip(strings.Join(renderKPI(m.ctx, 240, 4), "\n"))
			for _, w := range want[day] {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in the tiles:\n%s", w, out)
				}
			}
		})
	}
}

// statesAt folds the shipped recording and keeps the state as of each
// instant (every event before it), in order.
func statesAt(t testing.TB, cfg *campaign.Config, at []time.Time) []*campaign.State {
	t.Helper()
	s := campaign.NewState(cfg)
	var out []*campaign.State
	err := feed.ScanEvents(demo.Recording(), func(e feed.Event) error {
		for len(out) < len(at) && !e.At.Before(at[len(out)]) {
			out = append(out, s.Clone())
		}
		campaign.Apply(cfg, s, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for len(out) < len(at) {
		out = append(out, s.Clone())
	}
	return out
}

// TestNoComparisonAfterCampaignStarted: a campaign.started dated day 1
// 00:00 leaves no complete day, so every comparison shows — and never
// ▾100%, live or in a replay.
func TestNoComparisonAfterCampaignStarted(t *testing.T) {
	cfg := demo.Campaign()
	s := campaign.NewState(cfg)
	campaign.Apply(cfg, s, feed.Event{Seq: 1, ID: "go", Type: feed.TypeCampaignStarted, At: cfg.Start(), District: "chuanhui", Data: []byte(`{"run":1}`)})
	for _, demoMode := range []bool{false, true} {
		m := New(cfg, Options{Lang: "zh", Theme: "mono", Now: func() time.Time { return cfg.Start().Add(time.Minute) }, Coalesce: -1})
		m.ctx.Demo = demoMode
		m = send(m, tea.WindowSizeMsg{Width: 240, Height: 40})
		m = send(m, StateMsg{State: s})
		out := ansi.Strip(strings.Join(renderKPI(m.ctx, 240, 4), "\n"))
		if strings.Contains(out, "100.00%") || strings.Count(out, "环比 "+noValue) != 2 || !strings.Contains(out, "同比 "+noValue) {
			t.Errorf("demo=%v: the comparisons after campaign.started read\n%s", demoMode, out)
		}
	}
}
