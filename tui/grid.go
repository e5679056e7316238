package tui

import (
	"fmt"
	"strings"

	"sitboard/campaign"
)

// The grid heat page (also part of patrol).

// renderGridPage is the large heat view for the wall's detail panel.
func renderGridPage(c *Context, w, h int) []string {
	return append([]string{c.St.Accent.R(c.T("patrol.grid"))}, gridRows(c, w, true)...)
}

// gridRows is the heat view: one line per district, one cell per grid.
func gridRows(c *Context, w int, wide bool) []string {
	lw := 8
	if c.Lang == "en" {
		lw = 11
	}
	var out []string
	for _, d := range c.Cfg.Districts {
		if c.D.Filtered && d.ID != c.District {
			continue
		}
		var b strings.Builder
		var alarms, officers int64
		n := 0
		for _, g := range c.Cfg.Grids {
			if g.District != d.ID {
				continue
			}
			if n > 0 && wide {
				b.WriteString(" ")
			}
			b.WriteString(heatCell(c, g.ID))
			if wide {
				b.WriteString(heatCell(c, g.ID))
			}
			n++
			if c.State != nil {
				if gc := c.State.Grids[g.ID]; gc != nil {
					alarms += gc.Alarms
					officers += gc.Officers
				}
			}
		}
		name := c.districtName(d.ID)
		if d.ID == c.District {
			name = c.St.Highlight.R(name)
		}
		line := Fit(name, lw) + " " + b.String()
		if wide {
			line += c.St.Dim.R(fmt.Sprintf("  %s/%s", fmtInt(alarms), fmtInt(officers)))
		}
		out = append(out, Trunc(line, w))
	}
	var legend strings.Builder
	for lvl := 1; lvl <= 4; lvl++ {
		legend.WriteString(c.St.Heat[lvl].R(sparkLevels[lvl]))
	}
	out = append(out, c.St.Dim.R(c.Tf("patrol.heat_legend", legend.String())))
	return out
}

// heatCell is one grid's glyph in the heat view.
func heatCell(c *Context, gridID string) string {
	lvl := c.D.GridHeat[gridID]
	return c.St.Heat[lvl].R(sparkLevels[max(lvl, 1)])
}

// gridHeat grades each grid's alarm density against its patrol presence
// (alarms per 100 officer deployments) into five levels, relative to the
// hottest grid.
func gridHeat(cfg *campaign.Config, s *campaign.State) (map[string]int, float64) {
	out := make(map[string]int, len(cfg.Grids))
	ratios := make(map[string]float64, len(cfg.Grids))
	var top float64
	for _, g := range cfg.Grids {
		gc := s.Grids[g.ID]
		if gc == nil || gc.Alarms == 0 {
			continue
		}
		r := float64(gc.Alarms) * 100 / float64(max(gc.Officers, 1))
		ratios[g.ID] = r
		top = max(top, r)
	}
	for id, r := range ratios {
		lvl := 1 + int(r/top*3.999)
		out[id] = min(lvl, 4)
	}
	return out, top
}
