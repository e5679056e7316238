package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/feed"
)

// The 指令 page (docs/figures.md, "Instructions"): on a station's board
// its district's open instructions with countdowns to their deadlines,
// which o signs and e answers with a line of feedback; on the command
// room's every instruction with who has signed and reported, and who is
// overdue, in red.

// ReplySender sends the board's district's sign-off (report false) or
// report (with its line of text) of instruction id, made at the board's
// clock at, to the hub (POST /v1/directives/sign, /report). It runs in a
// tea.Cmd; the caller binds the district and who signs.
type ReplySender func(ctx context.Context, id string, report bool, text string, at time.Time) error

// replyResultMsg is the end of a sending: Err nil when the hub has it.
type replyResultMsg struct {
	IDs    []string
	Report bool
	Err    error
}

// feedbackPrompt is the line of feedback being typed for an instruction.
// It holds only what the hub takes in text: refused characters are
// dropped as they come (typed or pasted), line breaks become spaces, and
// it stops at feed.MaxFeedbackLen characters.
type feedbackPrompt struct {
	id   string
	text []rune
}

// insert adds typed or pasted text.
func (p *feedbackPrompt) insert(s string) {
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		if len(p.text) >= feed.MaxFeedbackLen {
			return
		}
		if feed.TextProblem(string(r)) != "" || r == utf8.RuneError {
			continue
		}
		p.text = append(p.text, r)
	}
}

func (p *feedbackPrompt) backspace() {
	if len(p.text) > 0 {
		p.text = p.text[:len(p.text)-1]
	}
}

// value is the feedback to send: trimmed, and valid text (a joiner left
// alone by a backspace is dropped).
func (p *feedbackPrompt) value() string {
	v := strings.TrimSpace(string(p.text))
	if feed.TextProblem(v) != "" {
		v = strings.TrimSpace(Sanitize(v))
	}
	return v
}

// stationDirectives are the instructions of s for the board's own
// district still owing a report at now, oldest issued first: the one due
// first is the one to act on.
func (c *Context) stationDirectives(s *campaign.State, now time.Time) []campaign.DirectiveView {
	var open []campaign.DirectiveView
	for _, v := range campaign.DirectivesAt(s, c.ReplyDistrict, now) {
		r, _ := v.Reply(c.ReplyDistrict)
		if !r.Reported(now) {
			open = append(open, v)
		}
	}
	slices.Reverse(open)
	return open
}

// toSign are the live instructions the district has not signed.
func (c *Context) toSign(now time.Time) []string {
	var ids []string
	for _, v := range c.stationDirectives(c.liveState(), now) {
		if r, _ := v.Reply(c.ReplyDistrict); !r.Signed(now) && !c.sentSign[v.ID] {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

// countdown is a deadline as the page shows it at now: the time left, or
// how late, with its style; done says the district has done it (at).
func (c *Context) countdown(deadline time.Time, done bool, at time.Time, now time.Time) (string, Style) {
	st := c.St
	switch {
	case done && at.After(deadline):
		return c.Tf("dir.done_late", at.In(c.Cfg.Location()).Format("15:04")), st.Warn
	case done:
		return c.Tf("dir.done", at.In(c.Cfg.Location()).Format("15:04")), st.Good
	case now.After(deadline):
		return c.Tf("dir.overdue", fmtWait(now.Sub(deadline))), st.Bad
	}
	return c.Tf("dir.left", fmtWait(deadline.Sub(now))), st.Text
}

// levelText is an instruction's level as a short coloured word.
func (c *Context) levelText(level string) string {
	st := c.St
	switch level {
	case feed.LevelUrgent:
		return st.Bad.R(c.T("dir.level.urgent"))
	case feed.LevelExpedited:
		return st.Warn.R(c.T("dir.level.expedited"))
	}
	return st.Dim.R(c.T("dir.level.routine"))
}

// renderDirectives is the 指令 page.
func renderDirectives(c *Context, w, h int) []string {
	if c.ReplyDistrict != "" {
		return stationDirectiveLines(c, w, h)
	}
	return officeDirectiveLines(c, w, h)
}

func stationDirectiveLines(c *Context, w, h int) []string {
	st := c.St
	now := c.clock()
	open := c.stationDirectives(c.State, now)
	head := c.districtName(c.ReplyDistrict)
	if c.Reply != nil {
		head += "  " + c.T("dir.keys")
	}
	out := []string{st.Dim.R(Trunc(head, w))}
	if len(open) == 0 {
		return append(out, st.Good.R(Trunc(c.T("dir.none_open"), w)))
	}
	for _, v := range open {
		r, _ := v.Reply(c.ReplyDistrict)
		out = append(out, Trunc(c.levelText(v.Level)+" "+st.Title.R(Sanitize(v.ID))+" "+Sanitize(v.Text), w))
		sign, signSt := c.countdown(v.DeadlineSign, r.Signed(now), r.SignedAt, now)
		if !r.Signed(now) && c.sentSign[v.ID] {
			sign, signSt = c.T("dir.sending"), st.Dim
		}
		rep, repSt := c.countdown(v.DeadlineReport, false, time.Time{}, now)
		if c.sentReport[v.ID] {
			rep, repSt = c.T("dir.sending"), st.Dim
		}
		line := "  " + c.T("dir.sign") + " " + signSt.R(sign) + "   " + c.T("dir.report") + " " + repSt.R(rep)
		out = append(out, Trunc(line, w))
	}
	return out[:min(len(out), h)]
}

func officeDirectiveLines(c *Context, w, h int) []string {
	st := c.St
	now := c.clock()
	var views []campaign.DirectiveView
	for _, v := range campaign.DirectivesAt(c.State, "", now) {
		// A filtered board (a district, a zone) shows what went to it.
		if slices.ContainsFunc(v.Replies, func(r campaign.Reply) bool { return c.inFilter(r.District) }) {
			views = append(views, v)
		}
	}
	if len(views) == 0 {
		return []string{st.Dim.R(Trunc(c.T("dir.none"), w))}
	}
	sw := max(Width(c.T("dir.signed_col")), 5)
	rw := max(Width(c.T("dir.reported_col")), 5)
	left := max(w-sw-rw-4, 10)
	textW := min(left, max(w/2, 24))
	out := []string{st.Dim.R(Trunc(Fit(c.T("dir.col"), textW)+"  "+PadLeft(c.T("dir.signed_col"), sw)+"  "+PadLeft(c.T("dir.reported_col"), rw)+"  "+c.T("dir.overdue_col"), w))}
	for _, v := range views {
		n := len(v.Replies)
		signed := PadLeft(fmt.Sprintf("%d/%d", v.Signed, n), sw)
		done := PadLeft(fmt.Sprintf("%d/%d", v.Done, n), rw)
		doneSt := st.Text
		if v.Done == n {
			doneSt = st.Good
		}
		var late []string
		for i, r := range v.Replies {
			if campaign.Overdue(v.Status[i]) {
				name := c.districtName(r.District)
				if v.Status[i] == campaign.ReplySignOverdue {
					name += c.T("dir.unsigned_mark")
				}
				late = append(late, st.Bad.R(name))
			}
		}
		tail := ""
		switch {
		case len(late) > 0:
			tail = strings.Join(late, " ")
		case v.Done == n:
			tail = st.Good.R(c.T("dir.all_done"))
		default:
			next := v.DeadlineSign
			if v.Signed == n {
				next = v.DeadlineReport
			}
			tail = st.Dim.R(c.Tf("dir.due_in", fmtWait(next.Sub(now))))
		}
		title := c.levelText(v.Level) + " " + Sanitize(v.ID) + " " + Sanitize(v.Text)
		out = append(out, Trunc(Fit(title, textW)+"  "+signed+"  "+doneSt.R(done)+"  "+tail, w))
	}
	return out[:min(len(out), h)]
}

// renderPrompt is the feedback line the status bar shows while it is
// typed: the instruction, the text so far with a cursor, and the keys.
func renderPrompt(c *Context, w int) string {
	p := c.prompt
	st := c.St
	head := " " + c.Tf("dir.prompt", Sanitize(p.id)) + " "
	keys := " " + c.T("dir.prompt_keys") + " "
	room := max(w-Width(head)-Width(keys)-1, 4)
	text := Sanitize(string(p.text))
	// The end of a long line stays in sight, as an editor scrolls.
	for Width(text) > room-1 {
		_, n := utf8.DecodeRuneInString(text)
		text = text[n:]
	}
	line := st.Title.R(head) + " " + Fit(text+"█", room) + st.TitleDim.R(keys)
	return Trunc(line, w)
}

// replyTarget is the instruction e opens the prompt for, after skip
// others (tab): the open ones not reported, the one due first first.
func (c *Context) replyTarget(now time.Time, after string) string {
	var ids []string
	for _, v := range c.stationDirectives(c.liveState(), now) {
		if !c.sentReport[v.ID] {
			ids = append(ids, v.ID)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	for i, id := range ids {
		if id == after {
			return ids[(i+1)%len(ids)]
		}
	}
	return ids[0]
}

// sendReply is the command that sends sign-offs (report false, one per
// id) or a report to the hub; the board already shows them as sending.
func (m Model) sendReply(ids []string, report bool, text string, at time.Time) tea.Cmd {
	send := m.opts.Reply
	if send == nil || len(ids) == 0 {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		for _, id := range ids {
			if err := send(ctx, id, report, text, at); err != nil {
				return replyResultMsg{IDs: ids, Report: report, Err: err}
			}
		}
		return replyResultMsg{IDs: ids, Report: report}
	}
}

// signKey (o) signs every open instruction of the station's district not
// signed yet: shown as sending at once, sent by the command.
func (m Model) signKey() (tea.Model, tea.Cmd) {
	c := m.ctx
	now := c.frameNow()
	switch {
	case c.ReplyDistrict == "":
		c.notify(c.T("dir.no_district"), now)
	case c.Reply == nil:
		c.notify(c.T("dir.no_sender"), now)
	default:
		ids := c.toSign(c.ackTime())
		if len(ids) == 0 {
			c.notify(c.T("dir.nothing_to_sign"), now)
			break
		}
		for _, id := range ids {
			c.sentSign[id] = true
		}
		c.replyErr = ""
		m.bump()
		return m, m.sendReply(ids, false, "", c.ackTime())
	}
	m.bump()
	return m, nil
}

// feedbackKey (e) opens the feedback line on the open instruction due
// first.
func (m Model) feedbackKey() (tea.Model, tea.Cmd) {
	c := m.ctx
	now := c.frameNow()
	switch {
	case c.ReplyDistrict == "":
		c.notify(c.T("dir.no_district"), now)
	case c.Reply == nil:
		c.notify(c.T("dir.no_sender"), now)
	default:
		if id := c.replyTarget(c.ackTime(), ""); id != "" {
			c.prompt = &feedbackPrompt{id: id}
		} else {
			c.notify(c.T("dir.nothing_to_report"), now)
		}
	}
	m.bump()
	return m, nil
}

// promptKey edits the feedback line: text goes in, enter sends, tab moves
// to the next open instruction, esc (or ctrl+c) drops it.
func (m Model) promptKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c, p := m.ctx, m.ctx.prompt
	defer m.bump()
	switch msg.String() {
	case "esc", "ctrl+c":
		c.prompt = nil
	case "enter":
		text := p.value()
		if text == "" {
			c.notify(c.T("dir.empty"), c.frameNow())
			return m, nil
		}
		c.prompt = nil
		c.sentReport[p.id] = true
		c.replyErr = ""
		return m, m.sendReply([]string{p.id}, true, text, c.ackTime())
	case "tab":
		p.id = c.replyTarget(c.ackTime(), p.id)
		if p.id == "" {
			c.prompt = nil
		}
	case "backspace":
		p.backspace()
	case "ctrl+u":
		p.text = p.text[:0]
	default:
		p.insert(msg.Text)
	}
	return m, nil
}

// replyResult is the hub's answer: an error is shown on the status line
// and the instructions are open to send again.
func (m *Model) replyResult(msg replyResultMsg) {
	c := m.ctx
	c.frame = c.Now()
	c.replyErr = ""
	if msg.Err != nil {
		c.replyErr = msg.Err.Error()
		for _, id := range msg.IDs {
			if msg.Report {
				delete(c.sentReport, id)
			} else {
				delete(c.sentSign, id)
			}
		}
	}
	m.bump()
}
