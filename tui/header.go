package tui

import (
	"fmt"
	"sitboard/campaign"
	"strings"
	"time"
)

// The header region: campaign, day, clock, seq and the connection badges.

// clock is the time the board's figures are of, in the campaign's zone:
// the newest event's time in demo and replay (the ticker's top line, not
// the replay's progress report, which runs ahead of what is drawn), the
// wall clock when live. A live board outside the campaign's dates is
// showing a replay, so it too follows the events. It is zero when there is
// no data to date: the header then says so instead of inventing a day.
func (c *Context) clock() time.Time {
	loc := c.Cfg.Location()
	if c.review != nil {
		return c.dayDate(c.review.day + 1).Add(-time.Second).In(loc) // the end of the day shown
	}
	now := c.frameNow()
	if !c.Demo && c.inCampaign(now) {
		return now.In(loc)
	}
	if c.State != nil && !c.State.LastAt.IsZero() {
		return c.State.LastAt.In(loc)
	}
	return time.Time{}
}

// asOf is the instant the board's comparisons are taken as of
// (docs/figures.md, rule 1): in review the end of the day shown (it is
// whole); live inside the campaign the wall clock; live past the campaign
// with its last day in, the campaign's end; otherwise (a demo, a replay)
// the newest event's time to the end of its second.
func (c *Context) asOf() time.Time {
	if c.review != nil {
		return c.dayDate(c.review.day + 1)
	}
	now, newest := c.frameNow(), campaign.StateAsOf(c.State)
	if !c.Demo && c.inCampaign(now) {
		if newest.After(now) {
			return newest // events stamped ahead of this clock: the data is newer
		}
		return now
	}
	end := c.dayDate(c.Cfg.Days() + 1)
	if !c.Demo && !now.Before(end) && c.State != nil && c.State.Day >= c.Cfg.Days() {
		return end
	}
	return newest
}

// inCampaign reports whether t falls within the campaign's dates.
func (c *Context) inCampaign(t time.Time) bool {
	d := c.Cfg.Day(t)
	return d >= 1 && d <= c.Cfg.Days()
}

// day is the campaign day of the clock, 0 with no data.
func (c *Context) day() int {
	t := c.clock()
	if t.IsZero() {
		return 0
	}
	return min(max(c.Cfg.Day(t), 1), c.Cfg.Days())
}

// actionTime is when the operator did something, on the board's clock.
func (c *Context) actionTime() time.Time {
	if t := c.clock(); !t.IsZero() {
		return t
	}
	return c.frameNow()
}

// ackTime is the time an acknowledgement is sent with: the board's live
// clock (in review too: the alerts acknowledged are the live ones), which
// in a demo or replay follows the newest event drawn. The hub keeps it
// within the alert's time and its own clock (feed.AckEventAt).
func (c *Context) ackTime() time.Time {
	now := c.frameNow()
	if !c.Demo && c.inCampaign(now) {
		return now.In(c.Cfg.Location())
	}
	if s := c.liveState(); s != nil && !s.LastAt.IsZero() {
		return s.LastAt.In(c.Cfg.Location())
	}
	return now
}

// renderHeader: campaign, day, clock on the left; seq and the connection
// badges on the right. The whole line turns red when the data is stale.
func renderHeader(c *Context, w int) string {
	st := c.St
	base := st.Title
	if c.stale() || c.Conn.Status == ConnFailed {
		base = st.Stale
	}
	if c.review != nil {
		base = st.Review // the past must not pass for the live board
	}
	var right strings.Builder
	var seq uint64
	if c.State != nil {
		seq = c.State.Seq
	}
	seqText := " " + c.T("seq") + " " + fmtInt(int64(seq)) + " "
	rw := Width(seqText)
	right.WriteString(base.R(seqText))
	for _, b := range c.badges() {
		t := " " + b.text + " "
		right.WriteString(b.style.R(t))
		rw += Width(t)
	}
	city, name, short := c.campaignNames()
	day, long, brief := c.T("header.no_data"), "", ""
	if now := c.clock(); !now.IsZero() {
		day = c.Tf("day", c.day(), c.Cfg.Days())
		long = now.Format("2006-01-02 15:04:05")
		brief = now.Format("01-02 15:04:05")
	}
	lefts := []string{
		" " + city + " " + name + "  " + day + "  " + long,
		" " + city + " " + short + "  " + day + "  " + long,
		" " + short + " " + day + " " + brief,
		" " + day + " " + brief,
	}
	if c.review != nil {
		lefts = c.reviewHeader()
	}
	for i, left := range lefts {
		if Width(left)+rw+1 <= w || i == len(lefts)-1 {
			return Fit(base.R(Fit(left, max(w-rw, 0)))+right.String(), w)
		}
	}
	return ""
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
	if c.State != nil && c.State.MissingBefore > 1 {
		// The hub's log lost its beginning to retention: every total
		// lacks what came before this seq.
		out = append(out, badge{c.Tf("partial", c.State.MissingBefore), c.St.Stale})
	}
	switch c.Conn.Status {
	case ConnFailed, ConnReconnecting:
		if c.Conn.Status == ConnFailed {
			out = append(out, badge{c.T("failed"), c.St.Failed})
		} else {
			out = append(out, badge{c.Tf("reconnecting", fmtAge(c.Lang, max(c.Conn.NextRetry.Sub(now), 0))), c.St.Reconnecting})
		}
		// The data's age from the first second the link is down: the
		// countdown says when the board tries again, not how old the
		// figures are.
		switch {
		case stale:
			out = append(out, staleBadge)
		case !c.LastData.IsZero():
			out = append(out, badge{c.Tf("data_age", fmtAge(c.Lang, age)), c.St.Reconnecting})
		}
	case ConnConnecting, "":
		if stale {
			out = append(out, staleBadge)
		} else if c.review != nil {
			out = append(out, c.reviewBadge())
		} else if c.Demo && c.Conn.Status == "" {
			out = append(out, c.demoBadge())
		} else {
			out = append(out, badge{c.T("connecting"), c.St.Reconnecting})
		}
	default: // live
		switch {
		case stale:
			out = append(out, staleBadge)
		case c.review != nil:
			out = append(out, c.reviewBadge())
		case c.Demo:
			out = append(out, c.demoBadge())
		default:
			out = append(out, badge{c.T("live"), c.St.Live})
		}
	}
	return out
}

// demoBadge shows the replay's pace: "x30000", or "max" for --speed max
// (which the demo reports as speed 0), and no pace before the demo's
// first report.
func (c *Context) demoBadge() badge {
	switch sp := c.DemoInfo.Speed; {
	case !c.HasDemo:
		return badge{c.T("demo_plain"), c.St.Demo}
	case sp > 0:
		return badge{c.Tf("demo", fmt.Sprintf("%g", sp)), c.St.Demo}
	default:
		return badge{c.T("demo_max"), c.St.Demo}
	}
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
	return "sitboard " + Sanitize(name) // sent in an OSC: a BEL or ESC in a config name would end it early
}
