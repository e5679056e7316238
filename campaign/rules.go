package campaign

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sitboard/feed"
	"sitboard/tomlfile"
)

// Warning rules (预警): conditions the fold checks on event time, so that
// every fold of one log raises the same alerts at the same event, on the
// hub, on every board and in the bulletins (docs/figures.md, "Alerts").
//
// A condition that waits for time to pass (an alarm undispatched after N
// minutes) is checked whenever the state's clock moves: on the next event
// dated later than every one before, which on a quiet night is the hub's
// clock.tick, written each minute (docs/protocol.md, "Time").

// MaxDueAlarms bounds the alarms the undispatched rules wait on; beyond
// it the one due first is dropped and counted (AlertWatch.DueDropped).
const MaxDueAlarms = 4096

// AlertWatch is what the warning rules remember between events. It is
// bounded: the alarms waited on (MaxDueAlarms), one hour's count per surge
// rule and district, at most count times per cluster rule and grid.
type AlertWatch struct {
	// Due are the alarms an undispatched rule waits on, by deadline.
	Due        []DueAlarm `json:"due,omitempty"`
	DueDropped int64      `json:"due_dropped,omitempty"`
	// Hours is each surge rule's count per district for the newest clock
	// hour of the district's alarms, keyed "<rule>/<district>".
	Hours map[string]*HourCount `json:"hours,omitempty"`
	// Windows are each cluster rule's newest alarm times per grid, oldest
	// first, keyed "<rule>/<grid>".
	Windows map[string][]time.Time `json:"windows,omitempty"`
	// Expire are the surges and clusters raised whose time is not over
	// yet, by when it is: the state's clock passing it clears them
	// (ClearedByTime), so they wait only for acknowledgement.
	Expire []Expiry `json:"expire,omitempty"`
	// Hour is the clock hour of the state's clock at the last pruning:
	// Hours and Windows forget what is over each time it moves.
	Hour time.Time `json:"hour,omitzero"`
}

// Expiry is when the condition of a surge or a cluster alert is over.
type Expiry struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
}

// ClearedByTime is an alert's ClearedBy when its condition ended with
// time, not an event: a surge's hour over, a cluster's window passed.
const ClearedByTime = "time"

func (w *AlertWatch) addExpiry(e Expiry) {
	i, _ := slices.BinarySearchFunc(w.Expire, e, func(a, b Expiry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Kind+a.Subject, b.Kind+b.Subject)
	})
	w.Expire = slices.Insert(w.Expire, i, e)
	if len(w.Expire) > MaxDueAlarms {
		w.Expire = slices.Delete(w.Expire, 0, 1)
	}
}

// DueAlarm is an alarm an undispatched rule checks at At.
type DueAlarm struct {
	At       time.Time `json:"at"` // received + the rule's minutes
	Rule     int       `json:"rule"`
	AlarmID  string    `json:"alarm_id"`
	Received time.Time `json:"received"`
	District string    `json:"district"`
	Grid     string    `json:"grid,omitempty"`
	Category string    `json:"category"`
	Summary  string    `json:"summary,omitempty"`
}

// HourCount is a district's alarms in one clock hour, for a surge rule.
type HourCount struct {
	Hour   time.Time `json:"hour"` // its start, in the campaign's zone
	Count  int64     `json:"count"`
	Raised bool      `json:"raised,omitempty"`
}

func (s *State) watch() *AlertWatch {
	if s.AlertWatch == nil {
		s.AlertWatch = &AlertWatch{}
	}
	return s.AlertWatch
}

// alarmRules runs the rules an alarm.received feeds: it starts the
// undispatched rules' clocks (unless the alarm is already closed), and
// counts the alarm for surges and clusters.
func (f *folder) alarmRules(p feed.AlarmReceived, closed bool) {
	ev := f.ev
	for i := range f.cfg.Alerts {
		r := &f.cfg.Alerts[i]
		if r.Category != "" && r.Category != p.Category {
			continue
		}
		switch r.When {
		case WhenUndispatched:
			if !closed && r.Priority == p.Priority {
				f.s.watch().addDue(DueAlarm{At: ev.At.Add(r.wait), Rule: i, AlarmID: p.AlarmID,
					Received: ev.At, District: ev.District, Grid: ev.Grid, Category: p.Category, Summary: p.Summary})
			}
		case WhenSurge:
			f.surge(i, p)
		case WhenCluster:
			f.cluster(i, p)
		}
	}
}

// addDue inserts d in deadline order (ties: alarm id, rule), so the order
// is the same on every machine.
func (w *AlertWatch) addDue(d DueAlarm) {
	i, _ := slices.BinarySearchFunc(w.Due, d, compareDue)
	w.Due = slices.Insert(w.Due, i, d)
	if len(w.Due) > MaxDueAlarms {
		w.Due = slices.Delete(w.Due, 0, 1)
		w.DueDropped++
	}
}

func compareDue(a, b DueAlarm) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := strings.Compare(a.AlarmID, b.AlarmID); c != 0 {
		return c
	}
	return a.Rule - b.Rule
}

// clockPassed runs the checks that wait for time: the state's clock has
// moved to now (an event dated later than any before it, such as a
// clock.tick). It is called after that event is folded, so an alarm
// dispatched by the very event that moved the clock is not overdue.
func (f *folder) clockPassed(now time.Time) {
	if w := f.s.AlertWatch; w != nil {
		w.prune(f.cfg, now)
	}
	if w := f.s.AlertWatch; w != nil && len(w.Due) > 0 {
		n := 0
		for n < len(w.Due) && !w.Due[n].At.After(now) {
			n++
		}
		due := slices.Clone(w.Due[:n])
		w.Due = slices.Delete(w.Due, 0, n)
		for _, d := range due {
			if o, open := f.s.OpenAlarms[d.AlarmID]; open && !o.Dispatched && d.Rule < len(f.cfg.Alerts) {
				f.raiseRule(d.Rule, Hit{District: d.District, Grid: d.Grid, Subject: d.AlarmID, Category: d.Category,
					Type: feed.TypeAlarmReceived, Summary: d.Summary, At: d.At, Since: d.Received,
					Limit: f.cfg.Alerts[d.Rule].wait.Minutes()})
			}
		}
	}
	if w := f.s.AlertWatch; w != nil && len(w.Expire) > 0 {
		n := 0
		for n < len(w.Expire) && !w.Expire[n].At.After(now) {
			n++
		}
		over := slices.Clone(w.Expire[:n])
		w.Expire = slices.Delete(w.Expire, 0, n)
		for _, e := range over {
			f.clearKind(e.Kind, e.Subject, e.At, ClearedByTime)
		}
	}
	// Checks of other parts that wait for time, each raising through
	// raiseRules or raise.
	f.reportsPassed(now)
	f.directivesPassed(now)
	f.findingsPassed(now)
}

// prune forgets, once an hour of the state's clock, the surge counts of
// hours gone by and the cluster times too old for any window, so the
// snapshot holds what can still raise an alert.
func (w *AlertWatch) prune(cfg *Config, now time.Time) {
	hour := now.In(cfg.loc).Truncate(time.Hour)
	if !hour.After(w.Hour) {
		return
	}
	w.Hour = hour
	for k, hc := range w.Hours {
		if hc.Hour.Before(hour) {
			delete(w.Hours, k)
		}
	}
	for k, times := range w.Windows {
		rule, _, _ := strings.Cut(k, "/")
		i, err := strconv.Atoi(rule)
		if err != nil || i < 0 || i >= len(cfg.Alerts) {
			delete(w.Windows, k)
			continue
		}
		keep := slices.IndexFunc(times, func(t time.Time) bool {
			return now.Sub(t) <= time.Duration(cfg.Alerts[i].Minutes)*time.Minute
		})
		if keep < 0 {
			delete(w.Windows, k)
		} else if keep > 0 {
			w.Windows[k] = slices.Delete(times, 0, keep)
		}
	}
}

// alarmAnswered clears the undispatched alerts of an alarm dispatched or
// closed.
func (f *folder) alarmAnswered(alarmID string) {
	f.clearKind(WhenUndispatched, alarmID, f.ev.At, f.ev.Type)
}

// surge counts the alarm in its district's clock hour for surge rule i,
// and raises the rule's alert once an hour passes its limit. An alarm of
// an hour before the state's clock's is not counted: the hour is over.
func (f *folder) surge(i int, p feed.AlarmReceived) {
	ev, r := f.ev, &f.cfg.Alerts[i]
	rate := f.cfg.hourlyBaseline(ev.District, r.metric)
	if rate <= 0 {
		return // no baseline: nothing to compare with
	}
	w := f.s.watch()
	if w.Hours == nil {
		w.Hours = map[string]*HourCount{}
	}
	key := strconv.Itoa(i) + "/" + ev.District
	hour := ev.At.In(f.cfg.loc).Truncate(time.Hour)
	if hour.Before(f.s.LastAt.In(f.cfg.loc).Truncate(time.Hour)) {
		return // an hour gone by: not counted
	}
	hc := w.Hours[key]
	switch {
	case hc == nil || hc.Hour.Before(hour):
		hc = &HourCount{Hour: hour}
		w.Hours[key] = hc
	case hour.Before(hc.Hour):
		return
	}
	hc.Count++
	limit := r.Factor * rate
	if hc.Raised || float64(hc.Count) <= limit || hc.Count < r.MinCount {
		return
	}
	hc.Raised = true
	subject := ev.District + "@" + hour.Format("2006-01-02T15")
	if f.raiseRule(i, Hit{District: ev.District, Subject: subject, Category: r.Category,
		Type: feed.TypeAlarmReceived, Summary: p.Summary, At: ev.At, Since: hour, Count: hc.Count, Limit: limit}) {
		w.addExpiry(Expiry{At: hour.Add(time.Hour), Kind: WhenSurge, Subject: subject}) // the hour is over
	}
}

// hourlyBaseline is the district's hourly rate of metric before the
// campaign: its [districts.previous] over the campaign's length. 0 when
// the file gives none.
func (c *Config) hourlyBaseline(district, metric string) float64 {
	i, ok := c.district[district]
	if !ok || c.days == 0 {
		return 0
	}
	return float64(c.Districts[i].Previous[metric]) / float64(c.days*24)
}

// cluster keeps the grid's newest alarm times for cluster rule i and
// raises the rule's alert when count of them fall within its minutes;
// the grid then counts afresh, so one cluster raises one alert.
func (f *folder) cluster(i int, p feed.AlarmReceived) {
	ev, r := f.ev, &f.cfg.Alerts[i]
	if ev.Grid == "" {
		return
	}
	if _, ok := f.cfg.GridIndex(ev.Grid); !ok {
		return
	}
	if f.s.LastAt.Sub(ev.At) > time.Duration(r.Minutes)*time.Minute {
		return // too old for any window that can still close
	}
	w := f.s.watch()
	if w.Windows == nil {
		w.Windows = map[string][]time.Time{}
	}
	key := strconv.Itoa(i) + "/" + ev.Grid
	times := w.Windows[key]
	at := ev.At.In(f.cfg.loc)
	j, _ := slices.BinarySearchFunc(times, at, time.Time.Compare)
	times = slices.Insert(times, j, at)
	if int64(len(times)) > r.Count {
		times = slices.Delete(times, 0, len(times)-int(r.Count))
	}
	first, last := times[0], times[len(times)-1]
	if int64(len(times)) < r.Count || last.Sub(first) > time.Duration(r.Minutes)*time.Minute {
		w.Windows[key] = times
		return
	}
	delete(w.Windows, key)
	subject := ev.Grid + "/" + p.Category + "@" + last.Format("20060102T150405")
	if f.raiseRule(i, Hit{District: ev.District, Grid: ev.Grid, Subject: subject,
		Category: p.Category, Type: feed.TypeAlarmReceived, Summary: p.Summary, At: ev.At, Since: first, Count: r.Count,
		Limit: float64(r.Minutes)}) {
		// Over once its window, from its first alarm, has passed.
		w.addExpiry(Expiry{At: first.Add(time.Duration(r.Minutes) * time.Minute), Kind: WhenCluster, Subject: subject})
	}
}

// surgeMetrics maps a surge rule's category to the baseline it compares
// with.
var surgeMetrics = map[string]string{"": "alarms_total", feed.AlarmCriminal: "alarms_criminal", feed.AlarmPublicOrder: "alarms_public_order"}

// validateAlerts checks [[alerts]] and [alerting], pointing at the rule's
// own lines.
func (c *Config) validateAlerts(name string) error {
	ids := map[string]int{}
	for i := range c.Alerts {
		r := &c.Alerts[i]
		fail := func(key, reason string) error {
			field := fmt.Sprintf("alerts[%d]", i)
			if key != "" {
				field += "." + key
			}
			return &ConfigError{File: name, Line: tomlfile.TableLine(c.source, "alerts", i, key), Field: field, Reason: reason}
		}
		if r.When == "" {
			r.When = WhenEvent
		}
		if !slices.Contains(AlertKinds, r.When) {
			return fail("when", fmt.Sprintf("%q: use one of %s (or leave it out for an event rule)", r.When, strings.Join(AlertKinds, ", ")))
		}
		level, ok := levelOf(r.Level)
		if !ok {
			return fail("level", fmt.Sprintf("%q: use red, orange, yellow or blue (红/橙/黄/蓝)", r.Level))
		}
		r.Level = level
		if r.EscalateMinutes < 0 {
			return fail("escalate_minutes", "must not be negative (leave it out for [alerting] escalate_minutes)")
		}
		// Fields that belong to another kind of rule are a mistake the
		// operator should hear about, not a setting silently ignored.
		uses := map[string][]string{
			WhenEvent:            {"type", "category", "clear_type"},
			WhenUndispatched:     {"id", "category", "priority", "minutes"},
			WhenSurge:            {"id", "category", "factor", "min_count"},
			WhenCluster:          {"id", "category", "count", "minutes"},
			WhenReportMissing:    {"id"},
			WhenDirectiveOverdue: {"id"},
			WhenFindingOverdue:   {"id"},
		}[r.When]
		for _, fv := range []struct {
			key string
			set bool
		}{{"id", r.ID != ""}, {"type", r.Type != ""}, {"category", r.Category != ""}, {"clear_type", r.ClearType != ""},
			{"priority", r.Priority != 0}, {"minutes", r.Minutes != 0}, {"factor", r.Factor != 0},
			{"min_count", r.MinCount != 0}, {"count", r.Count != 0}} {
			if fv.set && !slices.Contains(uses, fv.key) && !(fv.key == "id" && r.When == WhenEvent) {
				return fail(fv.key, fmt.Sprintf("does not apply to a rule with when = %q: it takes %s", r.When, strings.Join(uses, ", ")))
			}
		}
		if r.ID != "" {
			if p := feed.IDProblem(r.ID, 64); p != "" {
				return fail("id", p+": alert ids are made of it")
			}
			if j, dup := ids[r.ID]; dup {
				return fail("id", fmt.Sprintf("%q is also alerts[%d]'s id: give each rule its own", r.ID, j))
			}
			ids[r.ID] = i
		}
		if r.When != WhenEvent {
			if r.ID == "" {
				return fail("id", "missing: a "+r.When+" rule needs an id (letters, digits, - or _), which its alerts' ids begin with")
			}
			if r.Zh == "" {
				return fail("zh", "missing: the rule's name on the boards")
			}
			if r.Category != "" && !slices.Contains(feed.AlarmCategories, r.Category) {
				return fail("category", fmt.Sprintf("%q is no alarm category: use one of %s", r.Category, strings.Join(feed.AlarmCategories, ", ")))
			}
		}
		switch r.When {
		case WhenEvent:
			if !feed.Known(r.Type) {
				return fail("type", fmt.Sprintf("%q: unknown event type: use one of %s", r.Type, strings.Join(feed.KnownTypes(), ", ")))
			}
			if r.ClearType != "" && !feed.Known(r.ClearType) {
				return fail("clear_type", fmt.Sprintf("%q: unknown event type", r.ClearType))
			}
		case WhenUndispatched:
			if r.Priority < 1 || r.Priority > 3 {
				return fail("priority", "must be 1 (urgent), 2 (normal) or 3 (low), as alarm.received's priority")
			}
			switch rr, ok := c.ResponseRuleOf(r.Priority); {
			case r.Minutes < 0:
				return fail("minutes", "must be a positive number of minutes after the alarm was received")
			case r.Minutes > 0:
				r.wait = time.Duration(r.Minutes) * time.Minute
			case ok:
				r.wait = rr.Dispatch // the response clock's threshold for the priority
			default:
				return fail("minutes", fmt.Sprintf("missing: give the minutes after which an undispatched alarm raises the alert, or a [[response]] for priority %d whose dispatch threshold it then takes", r.Priority))
			}
		case WhenSurge:
			if r.Factor <= 0 {
				return fail("factor", "must be positive: the alert comes when an hour's alarms pass factor × the district's hourly baseline")
			}
			if r.MinCount < 0 {
				return fail("min_count", "must not be negative")
			}
			metric, ok := surgeMetrics[r.Category]
			if !ok {
				return fail("category", "a surge compares with a baseline: use criminal, public_order, or leave it out for all alarms")
			}
			r.metric = metric
			if !slices.ContainsFunc(c.Districts, func(d District) bool { return d.Previous[metric] > 0 }) {
				return fail("category", fmt.Sprintf("no district has a [districts.previous] %s, the baseline this rule compares with: add them, or choose another category", metric))
			}
		case WhenCluster:
			if r.Count < 2 {
				return fail("count", "must be at least 2 alarms")
			}
			if r.Minutes <= 0 {
				return fail("minutes", "must be a positive window in minutes")
			}
		}
	}
	if m := c.Alerting.EscalateMinutes; m != nil && *m < 0 {
		return &ConfigError{File: name, Line: tomlfile.TableLine(c.source, "alerting", -1, "escalate_minutes"), Field: "alerting.escalate_minutes", Reason: "must not be negative (0: alerts never escalate)"}
	}
	return nil
}
