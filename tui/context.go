package tui

import (
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/layouts"
)

// Component is one region of the board.
type Component interface {
	SetSize(w, h int)
	Update(msg tea.Msg) tea.Cmd
	// View is the region as exactly its height in lines of exactly its width.
	View() string
	KeyHelp() []key.Binding
}

// Context is what every component shares: size-independent state, the
// theme's styles, the labels' language and the key map.
type Context struct {
	Cfg   *campaign.Config
	Lang  string
	St    *Styles
	Keys  KeyMap
	Now   func() time.Time
	State *campaign.State
	D     derived
	// pending is the newest state not yet shown; applied is when the
	// shown one was taken (see Options.Coalesce).
	pending *campaign.State
	applied time.Time
	// frame is the time the screen shows: taken on the clock tick and on
	// anything the user or the connection changes, never at render time,
	// so the screen changes once per tick and not on every heartbeat.
	// Terminals pay for every changed frame, an SSH link most of all.
	frame time.Time

	Conn       ConnMsg
	LastData   time.Time
	StaleAfter time.Duration
	Demo       bool
	DemoInfo   DemoMsg
	HasDemo    bool
	// demoPending is the newest progress report, shown at the next tick.
	demoPending *DemoMsg

	District    string // highlighted district
	ownDistrict bool   // District came from --district: f toggles it rather than stepping
	Filter      bool   // panels show only District

	Rot        *rotation
	Alerts     *alertState
	Flash      bool
	LayoutName string
	LayoutErr  string

	// Version changes whenever anything a cached rendering depends on
	// changes: data, language, theme, filter, page, size.
	Version int
}

func (c *Context) frameNow() time.Time {
	if c.frame.IsZero() {
		return c.Now()
	}
	return c.frame
}

// T is the label for key in the current language.
func (c *Context) T(key string) string { return T(c.Lang, key) }

// Tf formats a label.
func (c *Context) Tf(key string, args ...any) string { return fmt.Sprintf(c.T(key), args...) }

// derived is view data computed once per state, not per frame.
type derived struct {
	S        *campaign.State    // the state shown (never nil)
	C        *campaign.Counters // totals, or the filtered district's
	Filtered bool
	Today    campaign.DayCounts
	Figures  map[string]campaign.Figure
	Ranking  []campaign.DistrictRank
	Open     int
	GridHeat map[string]int // grid id -> heat level 0..4
	HeatMax  float64
}

func (c *Context) derive(s *campaign.State) {
	c.State = s
	if s == nil {
		s = campaign.NewState(c.Cfg)
	}
	d := derived{S: s, C: &s.Totals, Today: s.Today(), Open: len(s.OpenAlarms)}
	if c.Filter && c.District != "" {
		if dc, ok := s.Districts[c.District]; ok {
			d.C, d.Filtered = dc, true
			d.Today = s.TodayIn(c.District)
		}
	}
	d.Figures = campaign.Figures(c.Cfg, s)
	d.Ranking = campaign.Ranking(c.Cfg, s)
	if d.Filtered {
		d.Open = 0
		for _, o := range s.OpenAlarms {
			if o.District == c.District {
				d.Open++
			}
		}
	}
	d.GridHeat, d.HeatMax = gridHeat(c.Cfg, s)
	c.D = d
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

func (c *Context) toggleFilter() {
	if c.ownDistrict {
		c.Filter = !c.Filter
		return
	}
	// With no --district, f walks through the districts and back to all.
	ds := c.Cfg.Districts
	i := -1
	if c.Filter {
		for j, d := range ds {
			if d.ID == c.District {
				i = j
			}
		}
	}
	if i+1 >= len(ds) {
		c.Filter, c.District = false, ""
		return
	}
	c.Filter, c.District = true, ds[i+1].ID
}

// rotation is the rotating panel's state. It is driven by the one clock
// tick, so it cannot stop by itself: every tick checks the deadline.
type rotation struct {
	pages    []string
	idx      int
	paused   bool
	interval time.Duration
	next     time.Time
	left     time.Duration // time left when paused
}

func (r *rotation) configure(pages []string, interval time.Duration, now time.Time) {
	if interval <= 0 {
		interval = time.Duration(layouts.DefaultRotateSeconds) * time.Second
	}
	if !slices.Equal(pages, r.pages) {
		cur := r.page()
		r.pages = slices.Clone(pages)
		r.idx = max(slices.Index(r.pages, cur), 0)
	}
	if interval != r.interval || r.next.IsZero() {
		r.interval = interval
		r.next = now.Add(interval)
		r.left = interval
	}
}

func (r *rotation) page() string {
	if len(r.pages) == 0 {
		return ""
	}
	return r.pages[r.idx%len(r.pages)]
}

// tick advances when the deadline passed; after a long sleep it moves one
// page and restarts the interval rather than spinning through pages.
func (r *rotation) tick(now time.Time) bool {
	if r.paused || len(r.pages) == 0 || now.Before(r.next) {
		return false
	}
	r.idx = (r.idx + 1) % len(r.pages)
	r.next = now.Add(r.interval)
	return true
}

func (r *rotation) toggle(now time.Time) {
	if r.paused {
		r.paused = false
		r.next = now.Add(r.left)
		return
	}
	r.paused = true
	r.left = max(r.next.Sub(now), 0)
}

func (r *rotation) step(d int, now time.Time) {
	if len(r.pages) == 0 {
		return
	}
	r.idx = ((r.idx+d)%len(r.pages) + len(r.pages)) % len(r.pages)
	r.restart(now)
}

func (r *rotation) jump(i int, now time.Time) {
	if i < 0 || i >= len(r.pages) {
		return
	}
	r.idx = i
	r.restart(now)
}

// restart gives a page chosen by hand a full interval.
func (r *rotation) restart(now time.Time) {
	r.next = now.Add(r.interval)
	r.left = r.interval
}

func (r *rotation) remaining(now time.Time) time.Duration {
	if r.paused {
		return r.left
	}
	return max(r.next.Sub(now), 0)
}

// alertState is the board's local view of priority alerts: which the
// operator acknowledged and which they cleared. Both are pruned to the
// alerts the state still holds, so they stay bounded.
type alertState struct {
	acked   map[string]bool
	cleared map[string]bool
	seen    map[string]bool
}

func newAlertState() *alertState {
	return &alertState{acked: map[string]bool{}, cleared: map[string]bool{}, seen: map[string]bool{}}
}

// sync prunes to the state's alerts and reports whether any is new.
func (a *alertState) sync(alerts []campaign.Alert) bool {
	live := make(map[string]bool, len(alerts))
	fresh := false
	for _, al := range alerts {
		live[al.ID] = true
		if !a.seen[al.ID] {
			a.seen[al.ID] = true
			fresh = true
		}
	}
	for _, m := range []map[string]bool{a.acked, a.cleared, a.seen} {
		for id := range m {
			if !live[id] {
				delete(m, id)
			}
		}
	}
	return fresh
}

func (a *alertState) visible(s *campaign.State) []campaign.Alert {
	if s == nil {
		return nil
	}
	var out []campaign.Alert
	for i := len(s.Alerts) - 1; i >= 0; i-- { // newest first
		if !a.cleared[s.Alerts[i].ID] {
			out = append(out, s.Alerts[i])
		}
	}
	return out
}

func (a *alertState) ackAll(s *campaign.State) {
	for _, al := range a.visible(s) {
		a.acked[al.ID] = true
	}
}

func (a *alertState) clearAcked(s *campaign.State) {
	for _, al := range a.visible(s) {
		if a.acked[al.ID] {
			a.cleared[al.ID] = true
		}
	}
}

func (a *alertState) unacked(s *campaign.State) int {
	n := 0
	for _, al := range a.visible(s) {
		if !a.acked[al.ID] {
			n++
		}
	}
	return n
}

type badge struct {
	text  string
	style Style
}

// badges is the connection state as the header shows it. Staleness is
// judged on the data's age whatever the status says, because a client that
// believes it is live but receives nothing is the failure that matters.
func (c *Context) badges() []badge {
	now := c.frameNow()
	var age time.Duration
	if !c.LastData.IsZero() {
		age = now.Sub(c.LastData)
	}
	stale := !c.LastData.IsZero() && age > c.StaleAfter
	staleBadge := badge{c.Tf("stale", fmtAge(c.Lang, age)), c.St.Stale}
	var out []badge
	if c.District != "" {
		// The station's district, on every layout: at 80x24 no other region
		// names it until f filters to it.
		out = append(out, badge{c.districtName(c.District), c.St.Highlight})
	}
	switch c.Conn.Status {
	case ConnFailed:
		out = append(out, badge{c.T("failed"), c.St.Failed})
		if stale {
			out = append(out, staleBadge)
		}
	case ConnReconnecting:
		out = append(out, badge{c.Tf("reconnecting", fmtAge(c.Lang, max(c.Conn.NextRetry.Sub(now), 0))), c.St.Reconnecting})
		if stale {
			out = append(out, staleBadge)
		}
	case ConnConnecting, "":
		if stale {
			out = append(out, staleBadge)
		} else if c.Demo && c.Conn.Status == "" {
			out = append(out, c.demoBadge())
		} else {
			out = append(out, badge{c.T("connecting"), c.St.Reconnecting})
		}
	default: // live
		switch {
		case stale:
			out = append(out, staleBadge)
		case c.Demo:
			out = append(out, c.demoBadge())
		default:
			out = append(out, badge{c.T("live"), c.St.Live})
		}
	}
	return out
}

func (c *Context) demoBadge() badge {
	sp := c.DemoInfo.Speed
	s := "?"
	if sp > 0 {
		s = fmt.Sprintf("%g", sp)
	}
	return badge{c.Tf("demo", s), c.St.Demo}
}

// stale reports whether the header should turn into a warning.
func (c *Context) stale() bool {
	return !c.LastData.IsZero() && c.frameNow().Sub(c.LastData) > c.StaleAfter
}

func (c *Context) title() string {
	name := c.Cfg.Campaign.ShortEn
	if c.Lang == "zh" {
		name = c.Cfg.Campaign.ShortZh
	}
	return "sitboard " + name
}
