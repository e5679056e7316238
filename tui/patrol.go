package tui

import (
	"sitboard/campaign"
	"sitboard/feed"
)

// The patrol (巡防) page.

// renderPatrol: the grid heat view, deployments, posts, violations by kind
// and persons/vehicles checked with a per-day sparkline.
// A tall panel (the wall's) adds the districts' patrol work and more
// daily series where it has the lines.
func renderPatrol(c *Context, w, h int) []string {
	return stackFilled(c, w, h, func(cw int) []section { return patrolSections(c, cw) },
		func(cw int) []section { return patrolExtras(c, cw) })
}

// patrolExtras are the sections a tall patrol panel adds: each district's
// deployments, checks, checkpoints, night spot checks and watched night
// markets (two districts to a line in the smaller form), then daily
// series of deployments and vehicles checked.
func patrolExtras(c *Context, cw int) []section {
	figs := map[string]map[string]campaign.Figure{}
	fig := func(id string) func(string) string {
		return func(district string) string {
			f, ok := figs[district]
			if !ok {
				f = campaign.DistrictFigures(c.Cfg, c.State, district)
				figs[district] = f
			}
			if v := f[id]; v.OK {
				return fmtInt(int64(v.Value))
			}
			return "—"
		}
	}
	markets := func(district string) string {
		n := 0
		for _, s := range c.Cfg.Sites {
			if s.Kind == "night_market" && s.District == district {
				n++
			}
		}
		return fmtInt(int64(n))
	}
	cols := []districtColumn{
		{c.T("patrol.col_traffic"), fig("patrol.traffic_officer_deployments")},
		{c.T("patrol.col_area"), fig("patrol.area_officer_deployments")},
		{c.T("patrol.col_volunteers"), fig("patrol.social_force_deployments")},
		{c.T("patrol.col_persons"), fig("patrol.persons_checked")},
		{c.T("patrol.col_vehicles"), fig("patrol.vehicles_checked")},
		{c.T("patrol.col_checkpoints"), fig("patrol.checkpoints")},
		{c.T("patrol.col_night_checks"), fig("patrol.night_spot_checks")},
		{c.T("patrol.col_night_markets"), markets},
	}
	var table, short []string
	if c.State != nil {
		table, short = districtTable(c, cw, 1, 2, cols), districtTable(c, cw, 2, 2, cols)
	}
	officers := labelled(c, "trend.officers", spark(c.St, c.daySeries(func(d campaign.DayCounts) int64 { return d.Officers }), min(cw-10, 98)))
	vehicles := labelled(c, "trend.vehicles", spark(c.St, c.daySeries(func(d campaign.DayCounts) int64 { return d.VehiclesChecked }), min(cw-10, 98)))
	return []section{
		{title: c.T("patrol.by_district"), lines: table, short: short},
		{lines: []string{officers, vehicles}, short: []string{officers}},
	}
}

// patrolSections builds the page for columns cw wide.
func patrolSections(c *Context, cw int) []section {
	st := c.St
	t := c.D.C
	sumMap := func(m map[string]int64) int64 {
		var s int64
		for _, v := range m {
			s += v
		}
		return s
	}
	var secs []section
	deploy := c.Tf("patrol.deploy", st.Value.R(fmtInt(sumMap(t.Officers))), st.Value.R(fmtInt(sumMap(t.Vehicles))), st.Value.R(fmtInt(t.Volunteers)))
	posts := c.Tf("patrol.posts", st.Value.R(fmtInt(t.Posts[feed.PostTrafficStation])), st.Value.R(fmtInt(t.Posts[feed.PostTrafficDuty])), st.Value.R(fmtInt(t.Posts[feed.PostCheckpoint])))
	secs = append(secs, section{lines: append(flowText(deploy, cw), flowText(posts, cw)...)})
	secs = append(secs, section{title: c.T("patrol.grid"), lines: gridRows(c, cw, true), short: gridShort(c, cw)})
	kinds := []string{"unlicensed", "drink_driving", "drunk_driving", "speeding", "passenger_overload", "cargo_overload", "other"}
	var top int64
	for _, k := range kinds[:len(kinds)-1] {
		top = max(top, t.Violations[k])
	}
	var shown, vals []string
	var fracs []float64
	for _, k := range kinds {
		if t.Violations[k] == 0 && k == "other" {
			continue
		}
		shown = append(shown, k)
		vals = append(vals, fmtInt(t.Violations[k]))
		frac := 0.0
		if top > 0 {
			frac = float64(t.Violations[k]) / float64(top) // "other" is off the scale of the named kinds and shows full
		}
		fracs = append(fracs, frac)
	}
	lw, names := labelColumn(c, "viol.", shown, labelCap(c))
	secs = append(secs, barSection(c, c.Tf("patrol.violations", fmtInt(sumMap(t.Violations))), cw, lw, names, fracs, vals))
	persons := c.daySeries(func(d campaign.DayCounts) int64 { return d.PersonsChecked })
	checked := c.Tf("patrol.checked", st.Value.R(fmtInt(t.PersonsChecked)), st.Value.R(fmtInt(t.VehiclesChecked)))
	secs = append(secs, section{lines: append(flowText(checked, cw), labelled(c, "trend.checked", spark(st, persons, min(cw-10, 98))))})
	return secs
}
