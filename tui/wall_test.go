package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/layouts"
)

// maxBlankTail is how many blank lines a wall line panel may leave at its
// bottom: less than any section it could add.
const maxBlankTail = 2

// TestWallFilled renders the wall layout at 200x60 and 240x70, zh and en,
// from states of the shipped recording, and checks that the three line
// panels use their lines down to the bottom (at most maxBlankTail blank
// lines; the strike panel once its list of recent closures is full),
// and that what fills the patrol panel is the districts' own
// figures from the fold; and that the grid heat shows once.
func TestWallFilled(t *testing.T) {
	cfg, snaps := recordingStates(t)
	for _, lang := range Langs {
		for _, sz := range [][2]int{{200, 60}, {240, 70}} {
			w, h := sz[0], sz[1]
			t.Run(fmt.Sprintf("%s/%dx%d", lang, w, h), func(t *testing.T) {
				m := New(cfg, Options{Lang: lang, Theme: "dark", Layout: "wall", Now: func() time.Time { return fixedNow }, Coalesce: -1})
				m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
				m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
				for i, s := range snaps {
					if i%7 != 0 && i != len(snaps)-1 {
						continue
					}
					m = send(m, StateMsg{State: s})
					m.Render()
					seen := map[string]bool{}
					for j, p := range m.placed {
						if p.Kind != layouts.Strike && p.Kind != layouts.Patrol && p.Kind != layouts.Hazard {
							continue
						}
						seen[p.Kind] = true
						if p.Kind == layouts.Strike && len(s.Closures) < campaign.ClosuresSize {
							continue // its list of recent closures is still short: nothing to fill with
						}
						view := strings.Split(ansi.Strip(m.comps[j].View()), "\n")
						blank := 0
						for k := len(view) - 1; k >= 0 && strings.TrimSpace(view[k]) == ""; k-- {
							blank++
						}
						if blank > maxBlankTail {
							t.Errorf("state %d: the %s panel leaves its last %d of %d lines blank:\n%s", i, p.Kind, blank, p.H, strings.Join(view, "\n"))
						}
						if p.Kind == layouts.Patrol && w == 240 {
							patrolShowsDistricts(t, m.ctx, s, view)
						}
					}
					if len(seen) != 3 {
						t.Fatalf("the wall layout places %v, want strike, patrol and hazard", seen)
					}
					if i == len(snaps)-1 {
						// No region twice: the grid heat is the patrol
						// panel's, on every page of the rotator.
						for page := range max(len(m.ctx.Rot.pages), 1) {
							if n := strings.Count(plain(m), T(lang, "patrol.grid")); n != 1 {
								t.Errorf("rotator page %d: %q shows %d times", page, T(lang, "patrol.grid"), n)
							}
							m = press(m, "right")
						}
					}
				}
			})
		}
	}
}

// patrolShowsDistricts checks that each district's line in the patrol
// panel carries its persons checked and its area patrol deployments as
// the fold computes them for that district.
func patrolShowsDistricts(t *testing.T, c *Context, s *campaign.State, view []string) {
	t.Helper()
	for _, d := range c.Cfg.Districts {
		figs := campaign.DistrictFigures(c.Cfg, s, d.ID)
		if figs == nil {
			continue
		}
		name := c.districtName(d.ID)
		found := false
		for _, l := range view {
			fields := strings.Fields(l)
			if len(fields) > 0 && fields[0] == name {
				if strings.Contains(l, "⣿") || strings.Contains(l, "⣶") || strings.Contains(l, "⣤") || strings.Contains(l, "⣀") {
					continue // the grid heat row of the same district
				}
				found = true
				for _, id := range []string{"patrol.area_officer_deployments", "patrol.persons_checked"} {
					if want := fmtInt(int64(figs[id].Value)); !containsNumber(l, want) {
						t.Errorf("%s's line %q lacks its %s %s", name, l, id, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("no line for %s in the patrol panel:\n%s", name, strings.Join(view, "\n"))
		}
	}
}
