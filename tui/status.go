package tui

import (
	"strings"

	"sitboard/campaign"
)

// The status bar region.

// renderStatus: the key hint on the left; demo progress, the facts check,
// a layout problem or the filter on the right.
func renderStatus(c *Context, w int) string {
	st := c.St
	var right []string
	if c.LayoutErr != "" {
		right = append(right, st.Bad.R(c.T("status.layout_err")+": "+Sanitize(c.LayoutErr)))
	}
	if c.LayoutNote != "" {
		right = append(right, st.Warn.R(c.LayoutNote))
	}
	if c.notice != "" && c.frameNow().Before(c.noticeUntil) {
		right = append(right, st.Title.R(c.notice))
	}
	if c.HasDemo {
		d := c.DemoInfo
		switch {
		case d.Done && d.Note != "":
			right = append(right, Sanitize(d.Note))
		case d.Done && c.check != nil:
			right = append(right, c.Tf("status.checking", fmtInt(int64(c.check.want))))
		case d.Done && d.CheckOK:
			right = append(right, st.Good.R("✓ "+c.Tf("status.check_ok", len(campaign.FigureIDs()), fmtInt(int64(d.CheckedSeq)))))
		case d.Done && d.CheckedSeq > 0:
			right = append(right, st.Bad.R("✗ "+c.Tf("status.check_bad", len(d.Mismatches), fmtInt(int64(d.CheckedSeq)), Sanitize(strings.Join(d.Mismatches, ", ")))))
		case d.Done:
			// The replay failed, or the drawn state never reached the hub's seq.
			right = append(right, st.Bad.R("✗ "+Sanitize(strings.Join(d.Mismatches, ", "))))
		default:
			pct := 0
			if d.Total > 0 {
				pct = d.Sent * 100 / d.Total
			}
			date := c.T("header.no_data")
			if t := c.clock(); !t.IsZero() {
				date = t.Format("2006-01-02")
			}
			right = append(right, c.Tf("status.demo", date, pct))
		}
	}
	if c.D.Filtered {
		right = append(right, c.Tf("status.filtered", c.filterName()))
	}
	right = append(right, Sanitize(c.LayoutName)+" "+c.Lang+" "+c.St.Theme)
	r := " " + strings.Join(right, " | ") + " "
	// A link that is down says why, and the client's error says what to
	// do (check the token, start the hub): the badge alone does not.
	// It says it in the board's language; the client's own (English)
	// words are on the full-screen message and on stderr.
	if e := c.reasonText(); e != "" && (c.Conn.Status == ConnFailed || c.Conn.Status == ConnReconnecting) {
		// The reason whole; the rest of the bar only if room is left.
		rw := max(min(Width(r), w-Width(e)-2), 0)
		return st.Bad.R(Fit(" "+e, w-rw)) + st.TitleDim.R(Trunc(r, rw))
	}
	if c.prompt != nil {
		return renderPrompt(c, w)
	}
	if c.replyErr != "" {
		// Signed or answered here, not at the hub: the command room still
		// sees it overdue. Say so first.
		e := c.Tf("status.reply_failed", Sanitize(c.replyErr))
		rw := max(min(Width(r), w-Width(e)-2), 0)
		return st.Bad.R(Fit(" "+e, w-rw)) + st.TitleDim.R(Trunc(r, rw))
	}
	if c.ackErr != "" {
		// Acknowledged here but not at the hub: other boards still flash,
		// and the bulletin will have no time to acknowledge. Say so first.
		e := c.Tf("status.ack_failed", Sanitize(c.ackErr))
		rw := max(min(Width(r), w-Width(e)-2), 0)
		return st.Bad.R(Fit(" "+e, w-rw)) + st.TitleDim.R(Trunc(r, rw))
	}
	hint := " " + c.T("status.hint")
	if Width(hint)+Width(r) > w {
		hint = " " + c.T("status.hint_short")
	}
	rw := min(Width(r), max(w-Width(hint), w/2))
	return st.TitleDim.R(Fit(hint, w-rw)) + st.TitleDim.R(Trunc(r, rw))
}
