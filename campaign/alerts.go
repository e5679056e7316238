package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"sitboard/feed"
)

// The alert lifecycle is a fact of the log (docs/figures.md, "Alerts"):
// the fold raises an alert, marks it acknowledged (alert.acknowledged:
// by whom, when) and cleared (its case solved, its alarm dispatched or
// closed, its report in: when, by what), every time at the events' own
// times. Every board, review mode and the bulletins read this one record,
// so an alert raised and cleared between two frames, or while a board was
// away, is still there to acknowledge on every board.
//
// An alert stands (State.Alerts) until it is both acknowledged and, when
// something can clear it, cleared; it then moves to State.AlertsDone, the
// last MaxAlertsDone finished alerts, which the board's alert history
// (H) reads with the standing ones.
//
// The fold's API for raising and clearing, for every rule and for code
// that raises alerts of its own (the response clock, reporting
// compliance), is:
//
//	f.raise(Alert{...})                     one alert; false if its id stands already
//	f.raiseRules(kind, Hit{...})            an alert for every [[alerts]] rule of that kind
//	f.clearKind(kind, subject, at, by)      clear the standing alerts of that kind on subject
//	f.clockPassed(now)                      runs the checks that wait for time (rules.go)
//
// All take event times, never a clock: the fold stays deterministic.

// Alert levels (预警等级), most urgent first. A campaign file may still
// say "critical" (red) or "warning" (yellow).
const (
	LevelRed    = "red"    // 红色预警
	LevelOrange = "orange" // 橙色预警
	LevelYellow = "yellow" // 黄色预警
	LevelBlue   = "blue"   // 蓝色预警
)

// Levels lists the alert levels, most urgent first.
var Levels = []string{LevelRed, LevelOrange, LevelYellow, LevelBlue}

// LevelRank orders levels: 0 for red, up to 3 for blue; 4 for anything
// else (a state from a newer hub).
func LevelRank(level string) int {
	if i := slices.Index(Levels, level); i >= 0 {
		return i
	}
	return len(Levels)
}

// levelOf reads a campaign file's level; ok is false for an unknown one.
func levelOf(s string) (string, bool) {
	switch s {
	case "critical":
		return LevelRed, true
	case "warning":
		return LevelYellow, true
	}
	return s, slices.Contains(Levels, s)
}

// Kinds of alert: what raised it (AlertRule.When, Alert.Kind).
const (
	// WhenEvent (or empty): an event of the rule's type and category.
	WhenEvent = "event"
	// WhenUndispatched: an alarm of the rule's priority not dispatched
	// (nor closed) minutes after it was received.
	WhenUndispatched = "undispatched"
	// WhenSurge: a district's alarms in one clock hour above factor times
	// its baseline hourly rate.
	WhenSurge = "surge"
	// WhenCluster: count alarms of a category in one grid within minutes.
	WhenCluster = "cluster"
	// WhenReportMissing: a shift report due and not in by its deadline
	// (reporting compliance supplies which; see raiseRules).
	WhenReportMissing = "report_missing"
	// WhenDirectiveOverdue: a district's sign-off or report of an
	// instruction not in by its deadline (directives.go).
	WhenDirectiveOverdue = "directive_overdue"
	// WhenFindingOverdue: a supervision finding not rectified by its
	// deadline (supervision.go).
	WhenFindingOverdue = "finding_overdue"
)

// AlertKinds lists the kinds a rule's when may name.
var AlertKinds = []string{WhenEvent, WhenUndispatched, WhenSurge, WhenCluster, WhenReportMissing, WhenDirectiveOverdue, WhenFindingOverdue}

// Bounds on the alert record.
const (
	MaxAlerts     = 32 // standing alerts; beyond it the oldest acknowledged (else the oldest) is pushed out
	MaxAlertsDone = 16 // finished alerts kept for the board's history (each about 430 bytes of the snapshot)
)

// Cleared reports whether the alert's condition ended (its case solved,
// its alarm dispatched or closed, its report in).
func (a Alert) Cleared() bool { return !a.ClearedAt.IsZero() }

// Finished reports whether nothing is left to do about the alert: it is
// acknowledged and, when something can clear it, cleared.
func (a Alert) Finished() bool { return a.Acked() && (a.Cleared() || !a.Clears) }

// Hit is a rule's condition met: for whom, and from when.
type Hit struct {
	District string
	Grid     string
	Subject  string    // what the alert is about: an alarm id, district@hour, a report
	Category string    // the alarm or case category, if any
	Type     string    // the event type concerned (for the board when the rule is gone)
	Summary  string    // the subject's own text (an alarm's summary)
	At       time.Time // when the condition became true
	Since    time.Time // when what it measures began (the alarm received, the hour, the window)
	Count    int64     // how many (alarms in the hour or window)
	Limit    float64   // the threshold Count passed
}

// raise adds a to the standing alerts and to a History's record. The
// fold sets Seq and FoldedAt. It reports false, and changes nothing,
// when an alert with a's id and rule stands already or finished in this
// run: a rule fires once per subject.
func (f *folder) raise(a Alert) bool {
	s := f.s
	for _, list := range [][]Alert{s.Alerts, s.AlertsDone} {
		if slices.ContainsFunc(list, func(b Alert) bool { return b.ID == a.ID && b.Rule == a.Rule }) {
			return false
		}
	}
	a.Seq, a.FoldedAt = f.ev.Seq, s.LastAt
	if len(s.Alerts) >= MaxAlerts {
		s.pushOutAlert()
	}
	s.Alerts = append(s.Alerts, a)
	if s.rec != nil {
		s.rec.alertRaised(a)
	}
	return true
}

// raiseRules raises an alert for every [[alerts]] rule whose when is
// kind, with the rule's level, names and id.
func (f *folder) raiseRules(kind string, h Hit) {
	for i := range f.cfg.Alerts {
		if r := &f.cfg.Alerts[i]; r.When == kind {
			f.raiseRule(i, h)
		}
	}
}

// raiseRule raises rule i's alert for h.
func (f *folder) raiseRule(i int, h Hit) bool {
	r := &f.cfg.Alerts[i]
	return f.raise(Alert{ID: ruleAlertID(r.ID, h.Subject), At: h.At, Rule: i, Level: r.Level, Kind: r.When,
		Type: h.Type, Category: h.Category, Subject: h.Subject, District: h.District, Grid: h.Grid,
		Summary: h.Summary, Since: h.Since, Count: h.Count, Limit: h.Limit, Clears: r.clears()})
}

// ruleAlertID is the id of a condition's alert: the rule's id and the
// subject, hashed when longer than an id may be (acknowledgements carry it).
func ruleAlertID(rule, subject string) string {
	id := rule + ":" + subject
	if len(id) <= feed.MaxIDLen && feed.IDProblem(id, feed.MaxIDLen) == "" {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return rule + ":sha256:" + hex.EncodeToString(sum[:16])
}

// clearKind clears the standing alerts of kind on subject, at at, by
// the event type by (e.g. patrol.shift_report for a report come in).
func (f *folder) clearKind(kind, subject string, at time.Time, by string) {
	f.clearWhere(subject, at, by, func(a *Alert) bool { return a.Kind == kind })
}

// clearEvent clears the subject's alerts whose event rule the event type
// typ clears, e.g. a homicide's when its case is solved.
func (f *folder) clearEvent(typ, subject string) {
	f.clearWhere(subject, f.ev.At, typ, func(a *Alert) bool {
		return (a.Kind == "" || a.Kind == WhenEvent) && a.Rule >= 0 && a.Rule < len(f.cfg.Alerts) && f.cfg.Alerts[a.Rule].ClearType == typ
	})
}

// clearWhere marks cleared, at at by by, the alerts on subject that
// match and are not cleared yet: standing, and in a History's record
// (where an alert pushed out of the state is cleared all the same).
func (f *folder) clearWhere(subject string, at time.Time, by string, match func(*Alert) bool) {
	if subject == "" {
		return
	}
	s := f.s
	if s.rec != nil {
		s.rec.alertsCleared(subject, at, by, match)
	}
	changed := false
	for i := range s.Alerts {
		if a := &s.Alerts[i]; a.Subject == subject && !a.Cleared() && match(a) {
			a.ClearedAt, a.ClearedBy = laterOf(at, a.At), by
			changed = true
		}
	}
	if changed {
		s.settleAlerts()
	}
}

// alertAcked marks the alerts raised by p.AlertID acknowledged, standing
// or finished (pushed out unacknowledged), and in a History's record.
// The first acknowledgement wins; an id not raised (yet) is ignored,
// since the hub writes acks only for alerts it holds, and so is an ack
// whose district is not its alert's (the protocol says it is; the hub
// writes it so). An ack dated before its alert (an integrator's clock)
// counts at the alert's time, so a time to acknowledge is never negative.
func (f *folder) alertAcked(p feed.AlertAcknowledged) {
	s := f.s
	changed := false
	for _, list := range [][]Alert{s.Alerts, s.AlertsDone} {
		for i := range list {
			if a := &list[i]; a.ID == p.AlertID && a.District == f.ev.District && !a.Acked() {
				a.AckedAt, a.AckedBy = laterOf(f.ev.At, a.At), p.By
				changed = true
			}
		}
	}
	if changed {
		s.settleAlerts()
	}
	if s.rec != nil {
		s.rec.alertAcked(p.AlertID, f.ev.District, f.ev.At, p.By)
	}
}

// settleAlerts moves the finished standing alerts to AlertsDone.
func (s *State) settleAlerts() {
	kept := s.Alerts[:0]
	for _, a := range s.Alerts {
		if a.Finished() {
			s.finishAlert(a)
			continue
		}
		kept = append(kept, a)
	}
	clear(s.Alerts[len(kept):])
	s.Alerts = kept
}

func (s *State) finishAlert(a Alert) {
	if len(s.AlertsDone) >= MaxAlertsDone {
		s.AlertsDone = slices.Delete(s.AlertsDone, 0, len(s.AlertsDone)-MaxAlertsDone+1)
	}
	s.AlertsDone = append(s.AlertsDone, a)
}

// pushOutAlert makes room for one more standing alert: the oldest
// acknowledged one goes (it waits only for its clearing event), or else
// the oldest, counted in AlertsDropped. Either stays in AlertsDone and
// the record, where a late acknowledgement still marks it.
func (s *State) pushOutAlert() {
	i := slices.IndexFunc(s.Alerts, Alert.Acked)
	if i < 0 {
		i = 0
		s.AlertsDropped++
	}
	s.finishAlert(s.Alerts[i])
	s.Alerts = slices.Delete(s.Alerts, i, i+1)
}

// AlertByID finds an alert in the record by id, standing or finished;
// standing says which. The hub takes acknowledgements of both.
func (s *State) AlertByID(id string) (a Alert, standing, ok bool) {
	for _, a := range s.Alerts {
		if a.ID == id {
			return a, true, true
		}
	}
	for i := len(s.AlertsDone) - 1; i >= 0; i-- {
		if s.AlertsDone[i].ID == id {
			return s.AlertsDone[i], false, true
		}
	}
	return Alert{}, false, false
}

// raiseEventAlerts adds an alert for every event rule the event matches.
func (f *folder) raiseEventAlerts(category, subject, summary string) {
	ev := f.ev
	for i, r := range f.cfg.Alerts {
		if (r.When != "" && r.When != WhenEvent) || r.Type != ev.Type || (r.Category != "" && r.Category != category) {
			continue
		}
		f.raise(Alert{ID: ev.ID, At: ev.At, Rule: i, Level: r.Level, Type: ev.Type, Category: category, Subject: subject,
			District: ev.District, Grid: ev.Grid, Summary: summary, Clears: r.clears()})
	}
}
