package tui

import (
	"strings"
	"testing"

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
		{"boxes at 120", "zh", 118, 4, false, "累计 2,228/4,762"},
		{"boxes at 120 en", "en", 118, 4, false, "total 2,228/4,762"},
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
