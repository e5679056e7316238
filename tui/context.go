package tui

import (
	"fmt"
	"slices"
	"time"

	"sitboard/campaign"
)

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
	// check is the end-of-demo facts check waiting for the drawn state to
	// reach the hub's last seq.
	check *pendingCheck

	District    string // highlighted district
	ownDistrict bool   // District came from --district: f toggles it rather than stepping
	Filter      bool   // panels show only District
	// Zone is the 战区 the panels show (z), "" for none; it and the
	// district filter exclude each other.
	Zone string

	// review is review mode (复盘), nil when live; live is then the
	// newest state from the feed, shown again when review ends.
	review *review
	live   *campaign.State
	// rank is the ranking's span (s key), see rankspan.go.
	rank rankSpan

	Rot        *rotation
	Alerts     *alertState
	Flash      bool
	LayoutName string
	// BigFigures draws the KPI band in big digits where it has the lines:
	// the layout's default until the b key toggles it.
	BigFigures bool
	bigSet     bool
	// notice is a short message the status bar shows until noticeUntil,
	// such as the theme's name after t.
	notice      string
	noticeUntil time.Time
	LayoutErr   string
	// ackErr says why the last sending of acknowledgements to the hub
	// failed; empty once one succeeds.
	ackErr string
	// epoch is the hub log's identity the data comes from; epochNotice
	// says it changed, until Esc (see newEpoch).
	epoch, epochNotice string
	// ReplyDistrict is the district this board signs and reports
	// instructions for (a station's: its SSH key's, watch --district);
	// "" for the command room. Reply sends them (nil: the board cannot).
	ReplyDistrict string
	Reply         ReplySender
	// prompt is the feedback being typed (e), nil when none; sentSign and
	// sentReport are the instructions sent and not yet back in the state;
	// replyErr says why the last sending failed.
	prompt               *feedbackPrompt
	sentSign, sentReport map[string]bool
	replyErr             string
	// LayoutNote says why the layout on screen is not the one asked for.
	LayoutNote string

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

// DayT is the label for key naming the day shown: in review (复盘) its
// ".review" form, which says 当日 (that day), never 今日 (today).
func (c *Context) DayT(key string) string {
	if c.review != nil {
		return c.T(key + ".review")
	}
	return c.T(key)
}

// Tf formats a label.
func (c *Context) Tf(key string, args ...any) string { return fmt.Sprintf(c.T(key), args...) }

// derived is view data computed once per state, not per frame.
type derived struct {
	S        *campaign.State    // the state shown (never nil)
	C        *campaign.Counters // totals, or the filtered district's (or zone's)
	Filtered bool
	// In are the districts a filtered board shows: the district, or the
	// zone's; Zone is the zone's id when a zone is filtered.
	In      []string
	Zone    string
	Today   campaign.DayCounts
	Figures map[string]campaign.Figure
	// Ranking is the districts scored on the ranking's span; Provisional
	// marks its flags 暂定 (a week or half-month still running); Tally is
	// each district's flags awarded so far (docs/figures.md, rule 7).
	Ranking     campaign.Scores
	Provisional bool
	// ZoneRanking is the zones scored on the same span and measures
	// (campaign.ZoneScores); empty without zones.
	ZoneRanking campaign.Scores
	Tally       map[string]campaign.Tally
	Open        int
	GridHeat    map[string]int // grid id -> heat level 0..4
	HeatMax     float64
}

func (c *Context) derive(s *campaign.State) {
	c.State = s
	if s == nil {
		s = campaign.NewState(c.Cfg)
	}
	d := derived{S: s, C: &s.Totals, Today: s.Today(), Open: len(s.OpenAlarms)}
	switch {
	case c.Zone != "":
		if ds := c.Cfg.ZoneDistricts(c.Zone); len(ds) > 0 {
			d.C, d.Filtered, d.In, d.Zone = campaign.GroupCounters(s.Districts, ds), true, ds, c.Zone
			d.Today = s.TodayInAll(ds)
		}
	case c.Filter && c.District != "":
		if dc, ok := s.Districts[c.District]; ok {
			d.C, d.Filtered, d.In = dc, true, []string{c.District}
			d.Today = s.TodayIn(c.District)
		}
	}
	d.Figures = campaign.Figures(c.Cfg, s)
	d.Ranking, d.Provisional, d.ZoneRanking = c.rankingOf(s) // the campaign's, or the span's chosen with s
	d.Tally = campaign.FlagTally(c.Cfg, s, c.asOf())
	if d.Filtered {
		d.Open = 0
		for _, o := range s.OpenAlarms {
			if slices.Contains(d.In, o.District) {
				d.Open++
			}
		}
	}
	d.GridHeat, d.HeatMax = gridHeat(c.Cfg, s)
	c.D = d
}

// inFilter reports whether a filtered board shows the district (an
// unfiltered one shows every district).
func (c *Context) inFilter(district string) bool {
	return !c.D.Filtered || slices.Contains(c.D.In, district)
}

// filterName names what a filtered board shows: the district or the zone.
func (c *Context) filterName() string {
	if c.D.Zone != "" {
		return c.zoneName(c.D.Zone)
	}
	return c.districtName(c.District)
}

// toggleZone steps the zone filter (z) through the zones and back to
// none; a zone replaces a district filter (a station keeps its district
// highlighted).
func (c *Context) toggleZone() {
	zs := c.Cfg.Zones
	i := -1
	for j, z := range zs {
		if z.ID == c.Zone {
			i = j
		}
	}
	if i+1 >= len(zs) {
		c.Zone = ""
		return
	}
	c.Zone = zs[i+1].ID
	c.Filter = false
	if !c.ownDistrict {
		c.District = ""
	}
}

func (c *Context) toggleFilter() {
	c.Zone = "" // a district replaces a zone filter
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

// noticeFor is how long a notice stays in the status bar.
const noticeFor = 3 * time.Second

// notify shows a short message in the status bar for noticeFor.
func (c *Context) notify(msg string, now time.Time) {
	c.notice, c.noticeUntil = msg, now.Add(noticeFor)
}

// checkWait is how long the end-of-demo check waits for the board to draw
// the hub's last seq before it says the board did not get every event.
const checkWait = 30 * time.Second

// pendingCheck is the end-of-demo facts check, waiting for the state the
// board has drawn to reach the hub's last acknowledged seq.
type pendingCheck struct {
	want  uint64
	facts *campaign.Facts
	since time.Time
}

// runCheck compares the drawn state's figures with the published facts
// once that state has reached the seq the check waits for. It is pure
// arithmetic on the state on screen: no I/O in Update.
func (c *Context) runCheck() {
	s := c.liveState() // in review too: the check is of the feed, not the day shown
	if c.check == nil || s == nil || s.Seq < c.check.want {
		return
	}
	d := &c.DemoInfo
	d.CheckedSeq, d.Mismatches = s.Seq, nil
	for _, m := range campaign.CheckFacts(campaign.Figures(c.Cfg, s), c.check.facts) {
		d.Mismatches = append(d.Mismatches, m.String())
	}
	d.CheckOK = len(d.Mismatches) == 0
	c.check = nil
}

// checkTimedOut gives up on a check whose seq never arrived, and says so.
func (c *Context) checkTimedOut(now time.Time) bool {
	if c.check == nil || now.Sub(c.check.since) < checkWait {
		return false
	}
	var at uint64
	if s := c.liveState(); s != nil {
		at = s.Seq
	}
	c.DemoInfo.Mismatches = []string{c.Tf("status.check_missing", fmtInt(int64(c.check.want)), fmtInt(int64(at)))}
	c.DemoInfo.CheckOK = false
	c.check = nil
	return true
}
