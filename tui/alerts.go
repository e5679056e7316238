package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
)

// The alerts region: priority alerts and the operator's acknowledgements.

// renderAlerts: newest first; unacknowledged alerts flash, acknowledged
// ones stay steady until the state drops them or c clears them. An alert
// whose case was solved before anyone acknowledged it stays, marked so.
func renderAlerts(c *Context, w, h int) []string {
	st := c.St
	vis := c.Alerts.visible(c.liveState()) // live alerts, in review too
	// Unacknowledged alerts come first: they are the ones needing action.
	slices.SortStableFunc(vis, func(a, b shownAlert) int { return boolInt(a.acked) - boolInt(b.acked) })
	if len(vis) == 0 {
		return []string{st.Dim.R(" " + c.T("alerts.none"))}
	}
	var out []string
	loc := c.Cfg.Location()
	shown := vis
	if len(vis) > h && h > 1 {
		shown = vis[:h-1]
	} else if len(vis) > h {
		shown = vis[:h]
	}
	for i, v := range shown {
		a := v.Alert
		state := c.T("alerts.unack")
		switch {
		case !v.acked && !c.Alerts.ours(a):
			state = c.T("alerts.unack_other") // another district's: a does not acknowledge it here
		case v.acked && a.AckedBy != "":
			state = c.Tf("alerts.ack_by", Sanitize(a.AckedBy))
		case v.acked:
			state = c.T("alerts.ack")
		}
		if v.gone != "" {
			state = c.T(v.gone) + ", " + c.T("alerts.ack")
			if !v.acked {
				state = c.T(v.gone) + ", " + c.T("alerts.unack_other")
			}
		}
		text := fmt.Sprintf(" [!] %s  %s  %s  [%s]  %s", c.alertRule(a), c.districtName(a.District),
			a.At.In(loc).Format("01-02 15:04"), state, Sanitize(a.Summary))
		style := st.AlertAck
		if !v.acked {
			style = st.AlertOn
			if !c.Flash {
				style = st.AlertOff
			}
		}
		if i == 0 && h == 1 && len(vis) > 1 {
			more := " " + fmt.Sprintf(c.T("alerts.more"), len(vis)-1) + " "
			out = append(out, style.R(Fit(text, w-Width(more)))+st.AlertOff.R(more))
			continue
		}
		out = append(out, style.R(Fit(text, w)))
	}
	if len(shown) < len(vis) && h > 1 {
		out = append(out, st.AlertOff.R(" "+fmt.Sprintf(c.T("alerts.more"), len(vis)-len(shown))))
	}
	return out
}

// alertRule is the alert's rule name in the board's language.
func (c *Context) alertRule(a campaign.Alert) string {
	rule := a.Type
	if a.Rule >= 0 && a.Rule < len(c.Cfg.Alerts) {
		r := c.Cfg.Alerts[a.Rule]
		rule = r.Zh
		if c.Lang == "en" && r.En != "" {
			rule = r.En
		}
	}
	return Sanitize(rule)
}

// renderAlertHistory is the alert history screen: raised, acknowledged,
// solved and cleared, newest first, each with its time.
func renderAlertHistory(c *Context, w, h int) []string {
	st := c.St
	out := []string{st.Title.R(Fit(" "+c.Tf("history.title", maxAlertHistory), w)), ""}
	hist := c.Alerts.history
	if len(hist) == 0 {
		out = append(out, "   "+st.Dim.R(c.T("history.empty")))
	}
	loc := c.Cfg.Location()
	for i := len(hist) - 1; i >= 0 && len(out) < h-2; i-- {
		e := hist[i]
		style := st.Text
		switch e.Kind {
		case histRaised:
			style = st.Bad
		case histAcked, histCleared:
			style = st.Good
		}
		by := ""
		if e.By != "" {
			by = Sanitize(e.By) + "  "
		}
		out = append(out, "   "+st.Dim.R(e.At.In(loc).Format("01-02 15:04:05"))+"  "+style.R(Fit(c.T("history."+e.Kind), 10))+"  "+
			by+c.alertRule(e.Alert)+"  "+c.districtName(e.Alert.District)+"  "+st.Dim.R(Sanitize(e.Alert.Summary)))
	}
	out = append(out, "", "   "+st.Dim.R(c.T("history.close")))
	return strings.Split(Block(out, w, h), "\n")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Kinds of alert history entries.
const (
	histRaised  = "raised"
	histAcked   = "acked"
	histSolved  = "solved" // its case solved (or alarm closed) upstream
	histCleared = "cleared"
)

// maxAlertHistory bounds the history; maxKeptAlerts bounds the alerts kept
// on screen after the state dropped them unacknowledged.
const (
	maxAlertHistory = 64
	maxKeptAlerts   = campaign.MaxAlerts
)

type alertHistoryEntry struct {
	At    time.Time
	Kind  string
	Alert campaign.Alert
	By    string // for an ack made on another board: who (the state's AckedBy)
}

// shownAlert is one line of the alerts region.
type shownAlert struct {
	campaign.Alert
	acked bool
	gone  string // label key when the state dropped it: solved, closed
}

// alertState is the board's own view of priority alerts: which the
// operator acknowledged here (at once, before the hub's alert.acknowledged
// comes back in the state) and cleared, the alerts the state dropped before
// anyone acknowledged them (a homicide solved within seconds at demo
// speed must still be seen), and a bounded history. An alert the state
// says is acknowledged (Alert.AckedAt: any board did it) shows
// acknowledged. It is UI state held in the model; Update changes it
// without I/O. Every map is pruned to the alerts still shown, so it stays
// bounded.
type alertState struct {
	// district, on a board bound to one (--district, an SSH key's
	// option), limits the alerts it acknowledges to its own district's:
	// a county station sees the city's alerts but acknowledges only those
	// it answers for.
	district string
	known    map[string]campaign.Alert // in the state or kept, as last seen
	live     map[string]bool           // in the newest state
	acked    map[string]bool           // acknowledged on this board
	cleared  map[string]bool
	kept     []shownAlert // dropped by the state unacknowledged, oldest first
	history  []alertHistoryEntry
}

func newAlertState(district string) *alertState {
	return &alertState{district: district, known: map[string]campaign.Alert{}, live: map[string]bool{}, acked: map[string]bool{}, cleared: map[string]bool{}}
}

// ours reports whether this board may acknowledge al: every alert, or on
// a district-bound board its district's.
func (a *alertState) ours(al campaign.Alert) bool {
	return a.district == "" || al.District == a.district
}

func (a *alertState) record(at time.Time, kind string, al campaign.Alert) {
	a.recordBy(at, kind, al, "")
}

func (a *alertState) recordBy(at time.Time, kind string, al campaign.Alert, by string) {
	a.history = append(a.history, alertHistoryEntry{At: at, Kind: kind, Alert: al, By: by})
	if len(a.history) > maxAlertHistory {
		a.history = slices.Delete(a.history, 0, len(a.history)-maxAlertHistory)
	}
}

// sync takes the newest state's alerts and reports whether any is new. An
// alert the state dropped while unacknowledged is kept, marked with why
// (goneLabel); at is the time the drop is recorded under.
func (a *alertState) sync(alerts []campaign.Alert, at time.Time, goneLabel func(campaign.Alert) string) bool {
	live := make(map[string]bool, len(alerts))
	fresh := false
	for _, al := range alerts {
		live[al.ID] = true
		prev, ok := a.known[al.ID]
		if !ok {
			a.record(al.At, histRaised, al)
			fresh = true
		}
		if al.Acked() && !prev.Acked() && !a.acked[al.ID] {
			// Acknowledged on another board: the hub says who.
			a.recordBy(al.AckedAt, histAcked, al, al.AckedBy)
		}
		a.known[al.ID] = al
	}
	for id := range a.live {
		if live[id] {
			continue
		}
		al := a.known[id]
		a.record(at, histSolved, al)
		if !a.acked[id] && !a.cleared[id] && !al.Acked() {
			a.kept = append(a.kept, shownAlert{Alert: al, gone: goneLabel(al)})
			if len(a.kept) > maxKeptAlerts {
				a.kept = slices.Delete(a.kept, 0, len(a.kept)-maxKeptAlerts)
			}
		}
	}
	a.live = live
	a.prune()
	return fresh
}

// prune forgets every alert neither in the state nor kept.
func (a *alertState) prune() {
	keep := func(id string) bool {
		return a.live[id] || slices.ContainsFunc(a.kept, func(k shownAlert) bool { return k.ID == id })
	}
	for id := range a.known {
		if !keep(id) {
			delete(a.known, id)
		}
	}
	for _, m := range []map[string]bool{a.acked, a.cleared} {
		for id := range m {
			if !keep(id) {
				delete(m, id)
			}
		}
	}
}

// visible is what the alerts region shows, newest first.
func (a *alertState) visible(s *campaign.State) []shownAlert {
	var out []shownAlert
	if s != nil {
		for i := len(s.Alerts) - 1; i >= 0; i-- {
			if al := s.Alerts[i]; !a.cleared[al.ID] {
				out = append(out, shownAlert{Alert: al, acked: a.acked[al.ID] || al.Acked(), gone: clearedLabel(al)})
			}
		}
	}
	for i := len(a.kept) - 1; i >= 0; i-- {
		out = append(out, a.kept[i])
	}
	slices.SortStableFunc(out, func(x, y shownAlert) int { return y.At.Compare(x.At) })
	return out
}

// ackAll acknowledges every alert shown, here at once, and returns the
// ids to send to the hub: every alert shown that is in the state and not
// acknowledged there, including those acknowledged here before whose
// sending failed (pressing a again sends them again). A kept alert, its
// case already solved, is no longer in the hub's state: it has nothing
// left to do once acknowledged and goes.
func (a *alertState) ackAll(s *campaign.State, at time.Time) []string {
	var send []string
	kept := a.kept[:0]
	for _, v := range a.visible(s) {
		if !a.ours(v.Alert) {
			if v.gone != "" && !a.live[v.ID] {
				kept = append(kept, v)
			}
			continue
		}
		if !v.acked {
			a.acked[v.ID] = true
			a.record(at, histAcked, v.Alert)
		}
		if a.live[v.ID] && !v.Alert.Acked() && !slices.Contains(send, v.ID) {
			send = append(send, v.ID)
		}
	}
	slices.Reverse(kept) // visible is newest first, kept oldest first
	a.kept = kept
	a.prune()
	return send
}

func (a *alertState) clearAcked(s *campaign.State, at time.Time) {
	for _, v := range a.visible(s) {
		if v.acked && !a.cleared[v.ID] {
			a.cleared[v.ID] = true
			a.record(at, histCleared, v.Alert)
		}
	}
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
	}
	return "alerts.gone"
}
