package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
	"sitboard/layouts"
)

// The alerts: the folded record (campaign.State's Alerts, standing, and
// AlertsDone, finished), which every board, H, review mode and the
// bulletins read alike, and this board's own acts on it: acknowledgements
// sent but not yet back in the state, and acknowledged alerts hidden here
// with c. The board builds no history of its own: what it shows is what
// the log says, at the events' times, whatever frames it saw.

// Alert display timings: a new alert flashes for alertNewFor; one left
// unacknowledged past its rule's escalation time flashes again and rings
// the bell (where --bell is on), at most once per bellEvery.
const (
	alertNewFor = time.Minute
	bellEvery   = 10 * time.Second
)

// renderAlerts: standing alerts, those needing acknowledgement first
// (most urgent level first, then newest). New and escalated ones flash;
// acknowledged ones stay steady until their condition clears or c hides
// them on this board.
func renderAlerts(c *Context, w, h int) []string {
	st := c.St
	vis := c.Alerts.visible(c.liveState()) // live alerts, in review too
	if len(vis) == 0 {
		line := " " + c.T("alerts.none")
		if n := c.Alerts.hiddenCount(c.liveState()); n > 0 {
			line += "  " + c.Tf("alerts.hidden_here", n)
		}
		return []string{st.Dim.R(line)}
	}
	shown := vis
	if len(vis) > h && h > 1 {
		shown = vis[:h-1]
	} else if len(vis) > h {
		shown = vis[:h]
	}
	var out []string
	for i, v := range shown {
		tag := c.levelTag(v.Level)
		tw := c.levelTagWidth(v.Level)
		if i == 0 && h == 1 && len(vis) > 1 {
			more := " " + fmt.Sprintf(c.T("alerts.more"), len(vis)-1) + " "
			head, detail, style := c.alertLine(v, w-Width(more)-tw)
			out = append(out, tag+style.R(Fit(joinNonEmpty(head, detail), w-Width(more)-tw))+st.AlertOff.R(more))
			continue
		}
		head, detail, style := c.alertLine(v, w-tw)
		out = append(out, tag+style.R(Fit(joinNonEmpty(head, detail), w-tw)))
	}
	if len(shown) < len(vis) && h > 1 {
		out = append(out, st.AlertOff.R(" "+fmt.Sprintf(c.T("alerts.more"), len(vis)-len(shown))))
	}
	return out
}

// levelTag is the alert level as a coloured tag (" 红", " RED"); its text
// carries the level on a terminal without colour.
func (c *Context) levelTag(level string) string {
	return c.St.Level[min(campaign.LevelRank(level), len(c.St.Level)-1)].R(" " + c.T("level."+levelKey(level)))
}

// levelTagWidth is the width of levelTag's text.
func (c *Context) levelTagWidth(level string) int { return 1 + Width(c.T("level."+levelKey(level))) }

func joinNonEmpty(a, b string) string {
	if b == "" {
		return a
	}
	return a + "  " + b
}

func levelKey(level string) string {
	if campaign.LevelRank(level) < len(campaign.Levels) {
		return level
	}
	return "other"
}

// alertLine is one alert's line after its level tag, in two parts (what,
// where, when and its state; what it measured and its summary), and its
// style. Where the head is wider than room, its time drops the date, then
// its state the clearing event, so a label is never cut.
func (c *Context) alertLine(v shownAlert, room int) (head, detail string, style Style) {
	st := c.St
	a := v.Alert
	state := c.T("alerts.unack")
	esc := c.escalated(v)
	switch {
	case !v.acked && !c.Alerts.ours(a):
		state = c.T("alerts.unack_other") // another district's: a does not acknowledge it here
	case !v.acked && esc:
		state = c.Tf("alerts.unack_for", fmtAge(c.Lang, c.alertAge(a)))
	case v.acked && a.AckedBy != "":
		state = c.Tf("alerts.ack_by", Sanitize(a.AckedBy))
	case v.acked:
		state = c.T("alerts.ack")
	}
	bare := state
	if gone := clearedLabel(a); gone != "" {
		if v.acked || !c.Alerts.ours(a) {
			state = c.T(gone) + ", " + state
		} else {
			bare = c.T("alerts.unack_short")
			state = c.T(gone) + ", " + bare
		}
	}
	at := a.At.In(c.Cfg.Location())
	for _, form := range []struct{ when, state string }{{at.Format("01-02 15:04"), state}, {at.Format("15:04"), state}, {at.Format("15:04"), bare}} {
		head = strings.Join([]string{" " + c.alertRule(a), c.districtName(a.District), form.when, "[" + form.state + "]"}, "  ")
		if Width(head) <= room {
			break
		}
	}
	var more []string
	if d := c.alertDetail(a); d != "" {
		more = append(more, d)
	}
	if a.Summary != "" {
		more = append(more, Sanitize(a.Summary))
	}
	style = st.AlertAck
	if !v.acked {
		style = st.AlertOff
		if (esc || c.alertAge(a) < alertNewFor) && c.Flash {
			style = st.AlertOn
		}
	}
	return head, strings.Join(more, "  "), style
}

// alertRule is the alert's rule name in the board's language; an alert
// raised by the fold's own code (no rule) is named by its kind.
func (c *Context) alertRule(a campaign.Alert) string {
	if a.Rule >= 0 && a.Rule < len(c.Cfg.Alerts) {
		r := c.Cfg.Alerts[a.Rule]
		if c.Lang == "en" && r.En != "" {
			return Sanitize(r.En)
		}
		if r.Zh != "" {
			return Sanitize(r.Zh)
		}
	}
	if a.Kind != "" {
		if name, ok := lookup(c.Lang, "alerts.kind."+a.Kind); ok {
			return name
		}
	}
	return Sanitize(a.Type)
}

// alertDetail says what a condition measured: how long an alarm has
// waited, how many alarms in the hour or the grid.
func (c *Context) alertDetail(a campaign.Alert) string {
	loc := c.Cfg.Location()
	switch a.Kind {
	case campaign.WhenUndispatched:
		return c.Tf("alerts.detail.undispatched", a.Since.In(loc).Format("15:04"), fmtNum(a.Limit))
	case campaign.WhenSurge:
		return c.Tf("alerts.detail.surge", a.Since.In(loc).Format("15"), a.Count, fmtNum(a.Limit))
	case campaign.WhenCluster:
		return c.Tf("alerts.detail.cluster", c.gridName(a.Grid), fmtNum(a.Limit), a.Count)
	}
	return ""
}

// fmtNum writes a threshold without trailing zeros: 10, 3.5, 2.67.
func fmtNum(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// alertAge is how long an alert has stood, on the board's live clock (the
// wall clock live, the newest event drawn in a demo), from when it was
// raised or, for a late event, folded.
func (c *Context) alertAge(a campaign.Alert) time.Duration {
	since := a.At
	if a.FoldedAt.After(since) {
		since = a.FoldedAt
	}
	return max(c.ackTime().Sub(since), 0)
}

// escalated reports whether an alert this board answers for has stood
// unacknowledged past its rule's escalation time.
func (c *Context) escalated(v shownAlert) bool {
	after := c.Cfg.EscalateAfter(v.Alert)
	return !v.acked && c.Alerts.ours(v.Alert) && after > 0 && c.alertAge(v.Alert) >= after
}

// clearedLabel says what ended an alert's condition, from the event that
// cleared it; "" while it is not cleared.
func clearedLabel(a campaign.Alert) string {
	switch {
	case !a.Cleared():
		return ""
	case a.ClearedBy == "case.solved":
		return "alerts.solved"
	case a.ClearedBy == "alarm.closed":
		return "alerts.closed"
	case a.ClearedBy == "alarm.dispatched":
		return "alerts.dispatched"
	case a.ClearedBy == "patrol.shift_report":
		return "alerts.reported"
	case a.ClearedBy == campaign.ClearedByTime:
		return "alerts.over"
	}
	return "alerts.gone"
}

// renderAlertsPage is the rotator's alerts page: what needs doing, then
// every standing alert, with the keys that act on them. The rotation
// comes here, and stays, while a red alert waits for acknowledgement.
func renderAlertsPage(c *Context, w, h int) []string {
	st := c.St
	s := c.liveState()
	unacked, acked := 0, 0
	for _, v := range c.Alerts.visible(s) {
		if v.acked {
			acked++
		} else {
			unacked++
		}
	}
	head := c.Tf("alerts.page.counts", unacked, acked)
	if n := c.Alerts.hiddenCount(s); n > 0 {
		head += "  " + c.Tf("alerts.hidden_here", n)
	}
	out := []string{st.Bad.R(Fit(" "+head, w))}
	body := h - 2
	vis := c.Alerts.visible(s)
	if w >= 100 || body < 2*len(vis) && body < 4 {
		// Wide enough for an alert a line, or too short for two.
		out = append(out, renderAlerts(c, w, body)...)
	} else {
		// A narrow box (the wall's rotator): what and where on one line,
		// what it measured under it.
		for i, v := range vis {
			if len(out)+2 > body+1 {
				out = append(out, st.AlertOff.R(Fit(" "+fmt.Sprintf(c.T("alerts.more"), len(vis)-i), w)))
				break
			}
			first, detail, style := c.alertLine(v, w-c.levelTagWidth(v.Level))
			tag := c.levelTag(v.Level)
			out = append(out, tag+style.R(Fit(first, w-c.levelTagWidth(v.Level))), style.R(Fit("     "+detail, w)))
		}
	}
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = append(out, st.Dim.R(Fit(" "+c.T("alerts.page.keys"), w)))
	return out
}

// renderAlertHistory is H: every alert of the record, standing and
// finished, with when it was raised, acknowledged (by whom) and cleared,
// newest first, at the events' own times: the same on every board.
func renderAlertHistory(c *Context, w, h int) []string {
	st := c.St
	hist := alertHistory(c.liveState())
	out := []string{st.Title.R(Fit(" "+c.Tf("history.title", len(hist)), w)), ""}
	if len(hist) == 0 {
		out = append(out, "   "+st.Dim.R(c.T("history.empty")))
	}
	loc := c.Cfg.Location()
	for _, e := range hist {
		if len(out) >= h-2 {
			break
		}
		style, label := st.Text, c.T("history."+e.Kind)
		switch e.Kind {
		case histRaised:
			style = st.Bad
		case histAcked:
			style = st.Good
		case histCleared:
			style = st.Good
			if l := clearedLabel(e.Alert); l != "" {
				label = c.T(l)
			}
		}
		by := ""
		if e.By != "" {
			by = Sanitize(e.By) + "  "
		}
		out = append(out, "   "+st.Dim.R(e.At.In(loc).Format("01-02 15:04:05"))+"  "+style.R(Fit(label, 10))+"  "+
			by+c.alertRule(e.Alert)+"  "+c.districtName(e.Alert.District)+"  "+st.Dim.R(Sanitize(e.Alert.Summary)))
	}
	out = append(out, "", "   "+st.Dim.R(c.T("history.close")))
	return strings.Split(Block(out, w, h), "\n")
}

// Kinds of alert history entries.
const (
	histRaised  = "raised"
	histAcked   = "acked"
	histCleared = "cleared" // its condition ended: case solved, alarm dispatched or closed
)

type alertHistoryEntry struct {
	At    time.Time
	Kind  string
	Alert campaign.Alert
	By    string // who acknowledged
}

// alertHistory lists the record's raises, acknowledgements and clears,
// newest first; ties keep the order of the alert's life.
func alertHistory(s *campaign.State) []alertHistoryEntry {
	if s == nil {
		return nil
	}
	var out []alertHistoryEntry
	for _, list := range [][]campaign.Alert{s.AlertsDone, s.Alerts} {
		for _, a := range list {
			out = append(out, alertHistoryEntry{At: a.At, Kind: histRaised, Alert: a})
			if a.Cleared() {
				out = append(out, alertHistoryEntry{At: a.ClearedAt, Kind: histCleared, Alert: a})
			}
			if a.Acked() {
				out = append(out, alertHistoryEntry{At: a.AckedAt, Kind: histAcked, Alert: a, By: a.AckedBy})
			}
		}
	}
	slices.SortStableFunc(out, func(x, y alertHistoryEntry) int { return y.At.Compare(x.At) })
	return out
}

// shownAlert is one standing alert as this board shows it.
type shownAlert struct {
	campaign.Alert
	acked bool // in the state, or here while the hub's ack is on its way
}

// alertState is this board's own acts on the record. It is UI state held
// in the model; Update changes it without I/O. Each set is bounded by
// forgetting its oldest ids, never by what the state on screen holds: a
// state that lacks an alert for a moment (a reconnect's snapshot of a hub
// still catching up) must not bring back what c hid, nor ring again for
// what the board had seen. A new epoch (another log) starts afresh.
type alertState struct {
	// district, on a board bound to one (--district, an SSH key's
	// option), limits the alerts it acknowledges to its own district's:
	// a county station sees the city's alerts but acknowledges only those
	// it answers for.
	district string
	acked    *boundedSet[bool] // acknowledged here, not yet in the state
	hidden   *boundedSet[bool] // acknowledged, hidden here with c
	seen     *boundedSet[bool] // standing alerts this board has drawn
	rung     *boundedSet[int]  // escalation steps rung for, per alert
	lastBell time.Time         // wall clock of the last bell
}

// maxAlertIDs bounds each of a board's sets of alert ids: four times what
// a state can hold.
const maxAlertIDs = 4 * (campaign.MaxAlerts + campaign.MaxAlertsDone)

func newAlertState(district string) *alertState {
	return &alertState{district: district, acked: newBoundedSet[bool](maxAlertIDs), hidden: newBoundedSet[bool](maxAlertIDs),
		seen: newBoundedSet[bool](maxAlertIDs), rung: newBoundedSet[int](maxAlertIDs)}
}

// boundedSet maps ids to values and forgets the oldest id beyond its size.
type boundedSet[V any] struct {
	m     map[string]V
	order []string
	size  int
}

func newBoundedSet[V any](size int) *boundedSet[V] {
	return &boundedSet[V]{m: map[string]V{}, size: size}
}

func (b *boundedSet[V]) get(id string) V { return b.m[id] }

func (b *boundedSet[V]) has(id string) bool {
	_, ok := b.m[id]
	return ok
}

func (b *boundedSet[V]) set(id string, v V) {
	if _, ok := b.m[id]; !ok {
		b.order = append(b.order, id)
		if len(b.order) > b.size {
			delete(b.m, b.order[0])
			b.order = slices.Delete(b.order, 0, 1)
		}
	}
	b.m[id] = v
}

func (b *boundedSet[V]) len() int { return len(b.m) }

// ours reports whether this board may acknowledge al: every alert, or on
// a district-bound board its district's.
func (a *alertState) ours(al campaign.Alert) bool {
	return a.district == "" || al.District == a.district
}

// sync takes the newest state and reports whether an alert waiting for
// acknowledgement is new to this board (the bell).
func (a *alertState) sync(s *campaign.State) bool {
	if s == nil {
		return false
	}
	fresh := false
	for _, al := range s.Alerts {
		if !a.seen.has(al.ID) {
			a.seen.set(al.ID, true)
			fresh = fresh || !al.Acked()
		}
	}
	return fresh
}

// visible is what the alerts region shows: the standing alerts not
// hidden here, those needing acknowledgement first, then by level, then
// newest first.
func (a *alertState) visible(s *campaign.State) []shownAlert {
	if s == nil {
		return nil
	}
	out := make([]shownAlert, 0, len(s.Alerts))
	for i := len(s.Alerts) - 1; i >= 0; i-- {
		al := s.Alerts[i]
		acked := al.Acked() || a.acked.has(al.ID)
		if acked && a.hidden.has(al.ID) {
			continue
		}
		out = append(out, shownAlert{Alert: al, acked: acked})
	}
	slices.SortStableFunc(out, func(x, y shownAlert) int {
		if d := boolInt(x.acked) - boolInt(y.acked); d != 0 {
			return d
		}
		if d := campaign.LevelRank(x.Level) - campaign.LevelRank(y.Level); d != 0 {
			return d
		}
		return y.At.Compare(x.At)
	})
	return out
}

// ackAll acknowledges every alert shown that this board answers for, here
// at once, and returns the ids to send to the hub: every one the state
// does not yet show acknowledged, solved or not, including those
// acknowledged here before whose sending failed (pressing a again sends
// them again).
func (a *alertState) ackAll(s *campaign.State) []string {
	var send []string
	for _, v := range a.visible(s) {
		if !a.ours(v.Alert) {
			continue
		}
		a.acked.set(v.ID, true)
		if !v.Alert.Acked() && !slices.Contains(send, v.ID) {
			send = append(send, v.ID)
		}
	}
	return send
}

// hideAcked hides the acknowledged alerts on this board only, and says
// how many.
func (a *alertState) hideAcked(s *campaign.State) int {
	n := 0
	for _, v := range a.visible(s) {
		if v.acked {
			a.hidden.set(v.ID, true)
			n++
		}
	}
	return n
}

// hiddenCount is how many standing alerts c hides here.
func (a *alertState) hiddenCount(s *campaign.State) int {
	if s == nil {
		return 0
	}
	n := 0
	for _, al := range s.Alerts {
		if a.hidden.has(al.ID) {
			n++
		}
	}
	return n
}

func (a *alertState) unacked(s *campaign.State) int {
	n := 0
	for _, v := range a.visible(s) {
		if !v.acked {
			n++
		}
	}
	return n
}

// escalations reports whether an alert this board answers for has passed
// a further step of its escalation time (one step per escalation time
// unacknowledged) since the last look: the bell rings again for it, at
// most once per bellEvery of wall time.
func (c *Context) escalations(wall time.Time) bool {
	a := c.Alerts
	ring := false
	for _, v := range a.visible(c.liveState()) {
		if !c.escalated(v) {
			continue
		}
		step := int(c.alertAge(v.Alert) / c.Cfg.EscalateAfter(v.Alert))
		if step > a.rung.get(v.ID) {
			a.rung.set(v.ID, step)
			ring = true
		}
	}
	if !ring || wall.Sub(a.lastBell) < bellEvery {
		return false
	}
	a.lastBell = wall
	return true
}

// redWaiting reports whether a red alert this board answers for waits
// for acknowledgement: the rotation then holds on the alerts.
func (c *Context) redWaiting() bool {
	for _, v := range c.Alerts.visible(c.liveState()) {
		if !v.acked && v.Level == campaign.LevelRed && c.Alerts.ours(v.Alert) {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// holdOnAlerts holds the rotation on the alerts page while a red alert
// this board answers for waits for acknowledgement, and lets it go on
// once none does. A demo board, which nobody answers, keeps rotating.
func (c *Context) holdOnAlerts(now time.Time) {
	changed := false
	if !c.Demo && c.redWaiting() {
		changed = c.Rot.hold(layouts.Alerts, now)
	} else {
		changed = c.Rot.release(now)
	}
	if changed {
		c.Version++
	}
}
