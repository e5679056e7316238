package tui

import (
	"fmt"
	"slices"

	"sitboard/campaign"
)

// The alerts region: priority alerts and the operator's acknowledgements.

// renderAlerts: newest first; unacknowledged alerts flash, acknowledged
// ones stay steady until the state drops them or c clears them.
func renderAlerts(c *Context, w, h int) []string {
	st := c.St
	vis := c.Alerts.visible(c.State)
	// Unacknowledged alerts come first: they are the ones needing action.
	slices.SortStableFunc(vis, func(a, b campaign.Alert) int {
		return boolInt(c.Alerts.acked[a.ID]) - boolInt(c.Alerts.acked[b.ID])
	})
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
	for i, a := range shown {
		rule := a.Type
		if a.Rule >= 0 && a.Rule < len(c.Cfg.Alerts) {
			r := c.Cfg.Alerts[a.Rule]
			rule = r.Zh
			if c.Lang == "en" && r.En != "" {
				rule = r.En
			}
		}
		acked := c.Alerts.acked[a.ID]
		state := c.T("alerts.unack")
		if acked {
			state = c.T("alerts.ack")
		}
		text := fmt.Sprintf(" [!] %s  %s  %s  [%s]  %s", Sanitize(rule), c.districtName(a.District),
			a.At.In(loc).Format("01-02 15:04"), state, Sanitize(a.Summary))
		style := st.AlertAck
		if !acked {
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
