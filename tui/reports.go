package tui

import (
	"fmt"
	"strings"
	"time"

	"sitboard/campaign"
)

// The 勤务报送 page (docs/figures.md, "Shift reports due"): tonight's shift
// reports district by district, who has not reported past the deadline,
// and what was late or missing the night before.

// reportCell is one district's reports of one rule on one night.
type reportCell struct {
	owed, in, late, missing, pending int
	first                            campaign.ReportStatus // the district's one unit (per-district rules)
	missingGrids                     []string
}

func nightCells(c *Context, n int) map[string][]reportCell {
	s := c.D.S
	out := map[string][]reportCell{}
	for _, d := range c.Cfg.Districts {
		out[d.ID] = make([]reportCell, len(c.Cfg.Reports))
	}
	statuses, _ := campaign.NightReports(c.Cfg, s, n, c.clock())
	for _, st := range statuses {
		cells, ok := out[st.District]
		if !ok {
			continue
		}
		cell := &cells[st.Rule]
		if cell.owed == 0 {
			cell.first = st
		}
		cell.owed++
		switch st.Status {
		case campaign.ReportOnTime:
			cell.in++
		case campaign.ReportLate:
			cell.in++
			cell.late++
		case campaign.ReportMissing:
			cell.missing++
			if st.Grid != "" {
				cell.missingGrids = append(cell.missingGrids, c.gridName(st.Grid))
			}
		case campaign.ReportPending:
			cell.pending++
		}
	}
	return out
}

// reportText is a cell as the page shows it, and its style.
func (c *Context) reportText(cell reportCell) (string, Style) {
	st := c.St
	switch {
	case cell.owed == 0:
		return noValue, st.Dim
	case cell.owed == 1:
		f := cell.first
		switch f.Status {
		case campaign.ReportOnTime:
			return c.T("rep.on_time") + " " + f.At.In(c.Cfg.Location()).Format("15:04"), st.Good
		case campaign.ReportLate:
			return c.T("rep.late") + " " + f.At.In(c.Cfg.Location()).Format("15:04"), st.Warn
		case campaign.ReportMissing:
			return c.T("rep.missing"), st.Bad
		}
		return c.T("rep.pending"), st.Dim
	}
	text := fmt.Sprintf("%d/%d", cell.in, cell.owed)
	switch {
	case cell.missing > 0:
		return text + " " + c.Tf("rep.missing_n", cell.missing), st.Bad
	case cell.late > 0:
		return text + " " + c.Tf("rep.late_n", cell.late), st.Warn
	case cell.pending > 0:
		return text, st.Dim
	}
	return text, st.Good
}

// renderReports is the 勤务报送 page.
func renderReports(c *Context, w, h int) []string {
	st := c.St
	cfg := c.Cfg
	if len(cfg.Reports) == 0 {
		return []string{st.Dim.R(c.T("rep.no_rules"))}
	}
	now := c.clock()
	n := cfg.ReportNightAt(now)
	cells := nightCells(c, n)
	nw := Width(c.T("ranking.district"))
	for _, d := range cfg.Districts {
		nw = max(nw, Width(c.districtName(d.ID)))
	}
	type rowCells struct {
		id     string
		vals   []string
		styles []Style
	}
	var rows []rowCells
	var missing []string
	cw := make([]int, len(cfg.Reports))
	for _, d := range cfg.Districts {
		r := rowCells{id: d.ID, vals: make([]string, len(cfg.Reports)), styles: make([]Style, len(cfg.Reports))}
		for i, cell := range cells[d.ID] {
			r.vals[i], r.styles[i] = c.reportText(cell)
			cw[i] = max(cw[i], Width(r.vals[i]))
			if len(cell.missingGrids) > 0 {
				missing = append(missing, c.districtName(d.ID)+" "+strings.Join(cell.missingGrids, c.T("list.sep")))
			}
		}
		rows = append(rows, r)
	}
	// Each rule's head is its name and deadline, or its name alone where
	// the page is too narrow; the name comes from the campaign file.
	heads := make([]string, len(cfg.Reports))
	fits := func(withDue bool) bool {
		total := nw
		for i := range cfg.Reports {
			heads[i] = Sanitize(cfg.Reports[i].Name(c.Lang))
			if withDue {
				heads[i] += " " + hhmm(cfg.Deadline(i, n).Sub(cfg.Date(n)))
			}
			total += 2 + max(cw[i], Width(heads[i]))
		}
		return total <= w
	}
	if !fits(true) && !fits(false) {
		fits(true) // too narrow either way: the cells keep their width, the heads are cut
	}
	for i := range heads {
		cw[i] = max(cw[i], min(Width(heads[i]), max(cw[i], (w-nw)/len(heads)-2)))
	}
	row := func(name string, vals []string, styles []Style) string {
		var b strings.Builder
		b.WriteString(Fit(name, nw))
		for i, v := range vals {
			b.WriteString("  " + styles[i].R(Fit(v, cw[i])))
		}
		return Trunc(b.String(), w)
	}
	dim := make([]Style, len(heads))
	for i := range dim {
		dim[i] = st.Dim
	}
	out := []string{st.Dim.R(Trunc(c.Tf("rep.night", c.dayDate(n).Format("01-02")), w)), row(st.Dim.R(c.T("ranking.district")), heads, dim)}
	for _, r := range rows {
		name := c.districtName(r.id)
		if r.id == c.District {
			name = st.Highlight.R(name)
		}
		out = append(out, row(name, r.vals, r.styles))
	}
	if len(missing) > 0 {
		out = append(out, st.Bad.R(Trunc(c.T("rep.missing_grids")+" "+strings.Join(missing, c.T("list.sep2")), w)))
	}
	if n > 1 {
		out = append(out, Trunc(c.lastNight(n-1), w))
	}
	return out[:min(len(out), h)]
}

// lastNight sums up the night before: what was late or missing.
func (c *Context) lastNight(n int) string {
	st := c.St
	var late, missing []string
	statuses, held := campaign.NightReports(c.Cfg, c.D.S, n, c.clock())
	head := st.Dim.R(c.Tf("rep.last_night", c.dayDate(n).Format("01-02")))
	if !held {
		return head + st.Dim.R(c.T("rep.not_held"))
	}
	for _, s := range statuses {
		name := c.districtName(s.District)
		if s.Grid != "" {
			name += " " + c.gridName(s.Grid)
		}
		switch s.Status {
		case campaign.ReportLate:
			late = append(late, name+" "+s.At.In(c.Cfg.Location()).Format("15:04"))
		case campaign.ReportMissing:
			missing = append(missing, name)
		}
	}
	if len(late) == 0 && len(missing) == 0 {
		return head + st.Good.R(c.T("rep.all_in"))
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, st.Bad.R(c.T("rep.missing")+" "+strings.Join(missing, c.T("list.sep"))))
	}
	if len(late) > 0 {
		parts = append(parts, st.Warn.R(c.T("rep.late")+" "+strings.Join(late, c.T("list.sep"))))
	}
	return head + strings.Join(parts, "  ")
}

// hhmm writes a time from midnight, 22:00 or 24:00.
func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
