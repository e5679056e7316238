package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
)

// Review (复盘): the board steps back through the campaign's days. Every
// region shows the state at the end of the day under review, fetched from
// the hub (GET /v1/snapshot?day=N) by a command, never in Update; the
// live feed keeps arriving underneath, its alerts stay in the alerts
// region and still ring the bell, and 0 (or stepping past the last
// ended day) returns to it.

// DayFetcher gets the state at the end of campaign day `day` of campaign
// run `run` from the hub. watch, demo and the SSH server all pass a
// feed/client Days, so every board reviews through the same wire; the
// state it returns is shared and must only be read.
type DayFetcher func(ctx context.Context, day, run int) (*campaign.State, error)

// DayStateMsg is a past day's state, fetched for review.
type DayStateMsg struct {
	Day   int
	State *campaign.State
	Err   error
}

// review is the board's review mode; nil in Context means live.
type review struct {
	day   int
	state *campaign.State // nil while it is being fetched
	err   string
}

// reviewFetchTimeout bounds one fetch of a past day.
const reviewFetchTimeout = 30 * time.Second

// Reviewing reports whether the board is in review, and on which day.
func (m Model) Reviewing() (day int, ok bool) {
	if m.ctx.review == nil {
		return 0, false
	}
	return m.ctx.review.day, true
}

// liveState is the newest state from the feed, whatever the board shows.
func (c *Context) liveState() *campaign.State {
	if c.review != nil {
		return c.live
	}
	return c.State
}

// liveDay is the campaign day the live feed is on: the last day a review
// can show is the one before it.
func (c *Context) liveDay() int {
	if s := c.liveState(); s != nil && s.Day > 0 {
		return s.Day
	}
	return min(max(c.Cfg.Day(c.frameNow()), 1), c.Cfg.Days())
}

// dayDate is the calendar date of campaign day d.
func (c *Context) dayDate(d int) time.Time {
	return c.Cfg.Start().AddDate(0, 0, d-1)
}

// reviewKey steps the review by days or weeks, or returns to live.
func (m Model) reviewKey(step int, toLive bool) (tea.Model, tea.Cmd) {
	c := m.ctx
	liveDay := c.liveDay()
	if toLive {
		m.goLive()
		return m, m.rankFetch()
	}
	cur := liveDay
	if c.review != nil {
		cur = c.review.day
	}
	target := max(cur+step, 1)
	if target >= liveDay {
		m.goLive()
		return m, m.rankFetch()
	}
	if c.review != nil && target == c.review.day {
		c.notify(c.T("review.first_day"), c.frameNow())
		m.bump()
		return m, nil
	}
	return m, m.startReview(target)
}

// startReview shows day's header at once and fetches its state.
func (m *Model) startReview(day int) tea.Cmd {
	c := m.ctx
	if m.opts.FetchDay == nil {
		c.notify(c.T("review.unavailable"), c.frameNow())
		m.bump()
		return nil
	}
	if c.review == nil {
		c.live = c.State
	}
	c.review = &review{day: day}
	m.bump()
	fetch, run := m.opts.FetchDay, 0
	if s := c.live; s != nil {
		run = s.Run
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), reviewFetchTimeout)
		defer cancel()
		st, err := fetch(ctx, day, run)
		return DayStateMsg{Day: day, State: st, Err: err}
	}
}

// dayState shows a fetched day if it is still the one asked for (keys
// pressed fast send several fetches; only the last counts).
func (m *Model) dayState(msg DayStateMsg) {
	c := m.ctx
	if c.review == nil || msg.Day != c.review.day {
		return
	}
	if msg.Err != nil || msg.State == nil {
		c.review.err = "?"
		if msg.Err != nil {
			c.review.err = msg.Err.Error()
		}
		c.notify(Sanitize(c.review.err), c.frameNow())
		m.bump()
		return
	}
	c.review.state, c.review.err = msg.State, ""
	c.derive(msg.State)
	m.bump()
}

// goLive leaves review: the newest live state comes back at once.
func (m *Model) goLive() {
	c := m.ctx
	if c.review == nil {
		return
	}
	live := c.live
	if c.pending != nil {
		live, c.pending = c.pending, nil
	}
	c.review, c.live = nil, nil
	c.derive(live)
	m.bump()
}

// showLive takes a new live state: shown at once when live, kept under
// the review otherwise.
func (c *Context) showLive(s *campaign.State) {
	if c.review != nil {
		c.live = s
		return
	}
	c.derive(s)
}

// reviewHeader is the header's left side in review: REVIEW, the date and
// the day, in the review colour, so it cannot pass for the live board.
func (c *Context) reviewHeader() []string {
	r := c.review
	date := c.dayDate(r.day)
	day := c.Tf("day", r.day, c.Cfg.Days())
	word := c.T("review")
	status := ""
	switch {
	case r.err != "":
		status = "  " + c.T("review.failed")
	case r.state == nil:
		status = "  " + c.T("review.loading")
	}
	return []string{
		" " + word + "  " + date.Format("2006-01-02") + "  " + day + status + "  " + c.T("review.keys"),
		" " + word + "  " + date.Format("2006-01-02") + "  " + day + status,
		" " + word + " " + date.Format("01-02") + " " + day + status,
		" " + word + " " + date.Format("01-02"),
	}
}

// reviewBadge stands where LIVE would: the review's date, in its colour.
func (c *Context) reviewBadge() badge {
	return badge{c.T("review") + " " + c.dayDate(c.review.day).Format("01-02"), c.St.Review}
}

// reviewStyle is the review colour of a theme: magenta, which no other
// badge uses (LIVE is green, DEMO blue, warnings yellow and red).
func reviewStyle(theme string) Style {
	switch theme {
	case "mono":
		return mkStyle(nil, nil, "reverse", "bold", "underline")
	case "high-contrast":
		return mkStyle(ansi.Black, ansi.BrightMagenta, "bold")
	case "light":
		return mkStyle(hex("#ffffff"), hex("#870087"), "bold")
	default:
		return mkStyle(hex("#ffffff"), hex("#af00d7"), "bold")
	}
}
