package tui

import (
	"errors"
	"net"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"sitboard/feed"
	"sitboard/feed/client"
)

// Connection truth: a board that cannot reach its hub says so across the
// whole screen, and a board whose data has stopped says how old it is,
// dims it and puts a banner across the width. Zeros never stand in for
// "not connected".

// Why a connection is down, for ConnMsg.Reason: each has a label saying
// what to do, in the board's language.
const (
	ReasonBadToken    = "bad_token"
	ReasonBadRequest  = "bad_request"
	ReasonUnreachable = "unreachable"
	ReasonLost        = "lost"
)

// ConnMsgFrom turns the feed client's connection report into the board's
// message, classifying the error so the board can say it in its own
// language (the client's text is English, for logs and stderr).
func ConnMsgFrom(c client.Conn) ConnMsg {
	m := ConnMsg{Status: c.Status.String(), NextRetry: c.NextAttempt, LastData: c.LastData, Epoch: c.Epoch}
	if c.Err == nil {
		return m
	}
	// Boards show this text, SSH stations too: the hub address in it may
	// carry ?token=.
	m.Err = feed.Redact(c.Err.Error())
	var ce *client.CloseError
	var oe *net.OpError
	switch {
	case errors.As(c.Err, &ce) && ce.Code == feed.CloseBadToken:
		m.Reason = ReasonBadToken
	case errors.As(c.Err, &ce):
		m.Reason = ReasonBadRequest
	case errors.As(c.Err, &oe):
		m.Reason = ReasonUnreachable
	default:
		m.Reason = ReasonLost
	}
	return m
}

// refused reports whether the board has nothing true to show: the hub
// refused it for good, or it has never had data and cannot reach the hub.
// The whole screen then says why and what to do.
func (c *Context) refused() bool {
	switch c.Conn.Status {
	case ConnFailed:
		return true
	case ConnReconnecting:
		return c.State == nil && c.LastData.IsZero()
	}
	return false
}

// degraded reports whether the figures on screen are not live: the link
// is down or the data stale. The board dims them and shows a banner.
func (c *Context) degraded() bool {
	if c.State == nil {
		return false
	}
	return c.Conn.Status == ConnReconnecting || c.Conn.Status == ConnFailed || c.stale()
}

// dataAge is how old the newest data is at the frame's time.
func (c *Context) dataAge() time.Duration {
	if c.LastData.IsZero() {
		return 0
	}
	return max(c.frameNow().Sub(c.LastData), 0)
}

// reasonText is what the board says about the connection's problem.
func (c *Context) reasonText() string {
	if c.Conn.Reason == "" {
		if c.Conn.Err == "" {
			return ""
		}
		return c.T("conn.lost")
	}
	return c.T("conn." + c.Conn.Reason)
}

// renderRefused is the full-screen message for a board that has no data to
// show: what happened and what to do, in the board's language, with the
// client's own detail below.
func renderRefused(c *Context, w, h int) string {
	st := c.St
	title := c.T("refused.title")
	if c.Conn.Status == ConnReconnecting {
		title = c.T("refused.unreachable_title")
	}
	var lines []string
	add := func(style Style, text string) {
		for _, l := range wrap(text, max(w-4, 10)) {
			lines = append(lines, "  "+style.R(l))
		}
	}
	add(st.Bad, "✗ "+title)
	lines = append(lines, "")
	if r := c.reasonText(); r != "" {
		add(st.Value, r)
		lines = append(lines, "")
	}
	if c.Conn.Err != "" {
		add(st.Dim, Sanitize(c.Conn.Err))
		lines = append(lines, "")
	}
	if c.Conn.Status == ConnReconnecting {
		add(st.Text, c.Tf("refused.retry", fmtAge(c.Lang, max(c.Conn.NextRetry.Sub(c.frameNow()), 0))))
	}
	add(st.Text, c.T("refused.quit"))
	return centeredBlock(lines, w, h)
}

// wrap breaks text into lines of at most w columns, at spaces where it can
// and by display width otherwise (never inside a wide character).
func wrap(text string, w int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for Width(word) > w {
				if line != "" {
					out = append(out, line)
					line = ""
				}
				part := truncNoTail(word, w)
				out = append(out, part)
				word = strings.TrimPrefix(word, part)
			}
			switch {
			case line == "":
				line = word
			case Width(line)+1+Width(word) <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}

// renderBanner is the line across the width while the figures are not
// live: how old they are, what the link is doing, since when, and why.
// Parts that do not fit are left out whole, least needed first (the
// header also shows the time, the status bar the reason), never cut.
func renderBanner(c *Context, w int) string {
	st := c.St
	parts := []string{c.T("banner.title"), c.Tf("data_age", fmtAge(c.Lang, c.dataAge()))}
	switch c.Conn.Status {
	case ConnReconnecting:
		parts = append(parts, c.Tf("banner.retry", fmtAge(c.Lang, max(c.Conn.NextRetry.Sub(c.frameNow()), 0))))
	case ConnFailed:
		parts = append(parts, c.T("failed"))
	}
	var optional []string
	if s := c.liveState(); s != nil && !s.LastAt.IsZero() {
		// The feed's age, in review too: the banner is about the live data.
		optional = append(optional, c.Tf("banner.as_of", s.LastAt.In(c.Cfg.Location()).Format("01-02 15:04:05")))
	}
	if r := c.reasonText(); r != "" {
		optional = append(optional, r)
	}
	line := " ! " + strings.Join(parts, " | ")
	for _, o := range optional {
		if Width(line+" | "+o) < w {
			line += " | " + o
		}
	}
	return st.Stale.R(Fit(line, w))
}

// dim redraws a region's lines in the dim style: figures that are not
// live must not look live.
func dim(st *Styles, block string) string {
	lines := strings.Split(block, "\n")
	for i, l := range lines {
		lines[i] = st.Dim.R(ansi.Strip(l))
	}
	return strings.Join(lines, "\n")
}

// renderConnecting is the screen before the first snapshot: what the board
// is waiting for, not a board of zeros.
func renderConnecting(c *Context, w, h int) string {
	lines := []string{"  " + c.St.Accent.R(c.T("loading"))}
	if c.Conn.Status == ConnConnecting || c.Conn.Status == "" {
		lines = append(lines, "", "  "+c.St.Dim.R(c.T("refused.quit")))
	}
	return centeredBlock(lines, w, h)
}

// newEpoch takes the hub log's identity from a connection report. A
// change from one the board had means its data now comes from another log
// (a hub restarted empty, a new stream): the board says so across its
// width until Esc, and the old alerts went with the old state, so this
// board's acts on them (acknowledgements on their way, alerts hidden
// with c) go too.
func (c *Context) newEpoch(epoch string) {
	if epoch == "" || epoch == c.epoch {
		return
	}
	if c.epoch != "" {
		c.epochNotice = c.Tf("epoch.changed", shortEpoch(c.epoch), shortEpoch(epoch))
		c.Alerts = newAlertState(c.Alerts.district)
		c.ackErr = ""
		c.frame = c.Now()
	}
	c.epoch = epoch
}

func shortEpoch(e string) string { return Trunc(Sanitize(e), 16) }

// renderEpochNotice is the full-width notice that the data source was
// replaced.
func renderEpochNotice(c *Context, w int) string {
	return c.St.AlertOn.R(Fit(" !! "+c.epochNotice, w))
}
