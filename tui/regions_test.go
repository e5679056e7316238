package tui

import (
	"fmt"
	"strings"
	"testing"

	"sitboard/layouts"
)

// TestRegionGoldens renders each region alone, through the same
// component the board places, at the sizes the built-in layouts give it:
// a change to one region's file shows in its own goldens
// (testdata/regions/KIND_LANG_WxH.golden).
func TestRegionGoldens(t *testing.T) {
	cases := []struct {
		kind string
		w, h int
		big  bool
	}{
		{layouts.Header, 80, 1, false},
		{layouts.Header, 240, 1, false},
		{layouts.Alerts, 80, 1, false},
		{layouts.Alerts, 118, 2, false},
		{layouts.KPI, 80, 3, false},
		{layouts.KPI, 100, 3, false},
		{layouts.KPI, 120, 4, false},
		{layouts.KPI, 240, 5, true},
		{layouts.Strike, 78, 30, false},
		{layouts.Patrol, 78, 30, false},
		{layouts.Hazard, 78, 30, false},
		{layouts.Grid, 60, 14, false},
		{layouts.Cases, 60, 14, false},
		{layouts.Trends, 60, 14, false},
		{layouts.Ticker, 80, 1, false},
		{layouts.Ticker, 120, 8, false},
		{layouts.Ranking, 60, 14, false},
		{layouts.Daily, 78, 14, false},
		{layouts.Daily, 60, 13, false},
		{layouts.Daily, 44, 14, false},
		{layouts.Status, 80, 1, false},
		{layouts.Status, 200, 1, false},
		{layouts.Rotator, 80, 17, false},
	}
	for _, c := range cases {
		for _, lang := range Langs {
			name := fmt.Sprintf("regions/%s_%s_%dx%d", c.kind, lang, c.w, c.h)
			t.Run(name, func(t *testing.T) {
				m := board(t, Options{Lang: lang, Theme: "dark", Layout: "compact", District: "xihua"}, 80, 24)
				if c.kind == layouts.Rotator {
					m = rotating(m) // not held on the alerts: its first page
				}
				m.ctx.BigFigures = c.big
				comp := newComponent(m.ctx, layouts.Placed{Kind: c.kind, Pages: []string{layouts.Strike, layouts.Patrol}, W: c.w, H: c.h})
				comp.SetSize(c.w, c.h)
				out := comp.View()
				checkWidths(t, name, out, c.w, c.h)
				golden(t, name, out)
			})
		}
	}
	// The help screen is drawn over the board rather than placed.
	for _, lang := range Langs {
		name := "regions/help_" + lang + "_80x22"
		m := board(t, Options{Lang: lang, Theme: "dark", Layout: "compact"}, 80, 24)
		out := strings.Join(renderHelp(m.ctx, 80, 22), "\n")
		checkWidths(t, name, out, 80, 22)
		golden(t, name, out)
	}
}
