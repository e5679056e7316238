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
		case d.Done && d.CheckOK:
			right = append(right, st.Good.R("✓ "+c.Tf("status.check_ok", len(campaign.FigureIDs()))))
		case d.Done:
			right = append(right, st.Bad.R("✗ "+c.Tf("status.check_bad", len(d.Mismatches), Sanitize(strings.Join(d.Mismatches, ", ")))))
		default:
			pct := 0
			if d.Total > 0 {
				pct = d.Sent * 100 / d.Total
			}
			right = append(right, c.Tf("status.demo", c.clock().Format("2006-01-02"), pct))
		}
	}
	if c.D.Filtered {
		right = append(right, c.Tf("status.filtered", c.districtName(c.District)))
	}
	right = append(right, Sanitize(c.LayoutName)+" "+c.Lang+" "+c.St.Theme)
	r := " " + strings.Join(right, " | ") + " "
	// A link that is down says why, and the client's error says what to
	// do (check the token, start the hub): the badge alone does not.
	if e := c.Conn.Err; e != "" && (c.Conn.Status == ConnFailed || c.Conn.Status == ConnReconnecting) {
		rw := min(Width(r), w/3)
		return st.Bad.R(Fit(" "+Sanitize(e), w-rw)) + st.TitleDim.R(Trunc(r, rw))
	}
	hint := " " + c.T("status.hint")
	if Width(hint)+Width(r) > w {
		hint = " " + c.T("status.hint_short")
	}
	rw := min(Width(r), max(w-Width(hint), w/2))
	return st.TitleDim.R(Fit(hint, w-rw)) + st.TitleDim.R(Trunc(r, rw))
}
