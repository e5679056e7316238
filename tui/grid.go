package tui

import (
	"strings"

	"sitboard/campaign"
)

// The grid heat page (also part of patrol).

// renderGridPage is the large heat view for the wall's detail panel.
func renderGridPage(c *Context, w, h int) []string {
	return append([]string{c.St.Accent.R(c.T("patrol.grid"))}, gridRows(c, w, true)...)
}

// gridDistrict is one district's line of the heat view.
type gridDistrict struct {
	name             string // styled: the station's own is highlighted
	cells            []string
	alarms, officers int64
}

func gridDistricts(c *Context) []gridDistrict {
	var out []gridDistrict
	for _, d := range c.Cfg.Districts {
		if !c.inFilter(d.ID) {
			continue
		}
		gd := gridDistrict{name: c.districtName(d.ID)}
		if d.ID == c.District {
			gd.name = c.St.Highlight.R(gd.name)
		}
		for _, g := range c.Cfg.Grids {
			if g.District != d.ID {
				continue
			}
			gd.cells = append(gd.cells, heatCell(c, g.ID))
			if c.State != nil {
				if gc := c.State.Grids[g.ID]; gc != nil {
					gd.alarms += gc.Alarms
					gd.officers += gc.Officers
				}
			}
		}
		out = append(out, gd)
	}
	return out
}

// gridRows is the heat view: one line per district, one cell per grid.
// wide draws each grid two cells wide with the district's alarms and
// officer deployments, where the width allows.
func gridRows(c *Context, w int, wide bool) []string {
	ds := gridDistricts(c)
	lw, cells := 0, 0
	var counts []string
	for _, d := range ds {
		lw = max(lw, Width(d.name))
		cells = max(cells, len(d.cells))
		counts = append(counts, fmtInt(d.alarms)+"/"+fmtInt(d.officers))
	}
	counts = alignRight(counts)
	cw := 0
	if len(counts) > 0 {
		cw = Width(counts[0])
	}
	if wide && lw+1+3*cells-1+2+cw > w {
		wide = false
	}
	out := make([]string, 0, len(ds)+1)
	for i, d := range ds {
		var line string
		if wide {
			cs := make([]string, len(d.cells))
			for j, cell := range d.cells {
				cs[j] = cell + cell
			}
			line = Fit(d.name, lw) + " " + Fit(strings.Join(cs, " "), 3*cells-1) + c.St.Dim.R("  "+counts[i])
		} else {
			line = Fit(d.name, lw) + " " + strings.Join(d.cells, "")
		}
		out = append(out, Trunc(line, w))
	}
	return append(out, heatLegend(c))
}

// gridShort is the heat view's smaller form: several districts a line.
func gridShort(c *Context, w int) []string {
	ds := gridDistricts(c)
	lw := 0
	for _, d := range ds {
		lw = max(lw, Width(d.name))
	}
	cells := make([]string, len(ds))
	for i, d := range ds {
		cells[i] = Fit(d.name, lw) + " " + strings.Join(d.cells, "")
	}
	return append(packCells(cells, w), heatLegend(c))
}

func heatLegend(c *Context) string {
	var legend strings.Builder
	for lvl := 1; lvl <= 4; lvl++ {
		legend.WriteString(c.St.Heat[lvl].R(sparkLevels[lvl]))
	}
	return c.St.Dim.R(c.Tf("patrol.heat_legend", legend.String()))
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
