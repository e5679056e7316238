package campaign

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// rulesConfig is testdata/small.toml with warning rules: P1 undispatched
// after 10 minutes (red) and P2 after 30 (blue), a public-order surge
// (east's baseline is 72 over the 3 days: 1 an hour, so 3× and at least 4),
// and 3 criminal alarms in one grid within 30 minutes.
func rulesConfig(t testing.TB) *Config {
	t.Helper()
	src, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "[[districts]]\nid = \"east\"\nzh = \"东区\"\nen = \"East\"\n",
		"[[districts]]\nid = \"east\"\nzh = \"东区\"\nen = \"East\"\n[districts.previous]\nalarms_public_order = 72\n", 1) + `
[[alerts]]
when = "undispatched"
id = "p1-undispatched"
priority = 1
minutes = 10
level = "red"
zh = "一级警情超时未派"
en = "P1 alarm not dispatched"

[[alerts]]
when = "undispatched"
id = "p2-undispatched"
priority = 2
minutes = 30
level = "blue"
zh = "二级警情超时未派"

[[alerts]]
when = "surge"
id = "surge"
category = "public_order"
factor = 3
min_count = 4
level = "orange"
zh = "警情激增"

[[alerts]]
when = "cluster"
id = "cluster"
category = "criminal"
count = 3
minutes = 30
level = "yellow"
zh = "同网格警情聚集"
`
	cfg, err := ParseConfig("rules.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// logBuilder makes a hand-built log with seqs and times.
type logBuilder struct {
	evs []feed.Event
}

func (b *logBuilder) add(min int, typ, district, grid string, data any) feed.Event {
	e := feed.Event{Seq: uint64(len(b.evs) + 1), ID: fmt.Sprintf("e%d", len(b.evs)+1), Type: typ,
		At: t0.Add(time.Duration(min) * time.Minute), District: district, Grid: grid, Data: eventJSON(data)}
	if typ == feed.TypeClockTick {
		e.District, e.ID, e.Data = "", fmt.Sprintf("hub:tick:%d", min), json.RawMessage(`{}`)
	}
	b.evs = append(b.evs, e)
	return e
}

func (b *logBuilder) alarm(min int, id string, priority int, category, district, grid string) feed.Event {
	return b.add(min, feed.TypeAlarmReceived, district, grid, feed.AlarmReceived{AlarmID: id, Category: category, Priority: priority, Summary: "警情 " + id})
}

func (b *logBuilder) tick(min int) feed.Event { return b.add(min, feed.TypeClockTick, "", "", nil) }

// raisedAt folds the log and returns, for each alert id raised, the seq
// of the event that raised it. It checks, as it goes, that a second fold
// and a fold through a snapshot at every point reach the same state: the
// rules are deterministic and their memory is in the snapshot.
func raisedAt(t *testing.T, cfg *Config, evs []feed.Event) (map[string]uint64, *State) {
	t.Helper()
	got := map[string]uint64{}
	s := NewState(cfg)
	for i, e := range evs {
		// A board joining here: a snapshot, then the rest of the log.
		late := s.Clone()
		for _, rest := range evs[i:] {
			Apply(cfg, late, rest)
		}
		Apply(cfg, s, e)
		for _, a := range append(append([]Alert{}, s.Alerts...), s.AlertsDone...) {
			if _, seen := got[a.ID]; !seen {
				got[a.ID] = a.Seq
				if a.Seq != e.Seq {
					t.Errorf("alert %s says it was raised at seq %d, but appeared at seq %d", a.ID, a.Seq, e.Seq)
				}
			}
		}
		if i == 0 {
			defer func(late *State) {
				if a, b := stateJSON(t, late), stateJSON(t, s); a != b {
					t.Errorf("a fold from a snapshot after event 1 differs from the whole fold:\n%s\n%s", a, b)
				}
			}(late)
		}
		if i == len(evs)/2 {
			defer func(late *State) {
				if a, b := stateJSON(t, late), stateJSON(t, s); a != b {
					t.Errorf("a fold from a snapshot at event %d differs from the whole fold:\n%s\n%s", i+1, a, b)
				}
			}(late)
		}
	}
	again := NewState(cfg)
	for _, e := range evs {
		Apply(cfg, again, e)
	}
	if a, b := stateJSON(t, again), stateJSON(t, s); a != b {
		t.Errorf("two folds of one log differ")
	}
	return got, s
}

func stateJSON(t *testing.T, s *State) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUndispatchedRule: an alarm of the rule's priority still undispatched
// when the clock passes its deadline raises one alert, at the event that
// moved the clock there (a clock.tick on a quiet night), dated at the
// deadline; a dispatch clears it; an alarm dispatched in time, closed, of
// another priority, or dispatched by the event that moves the clock past
// its deadline raises none.
func TestUndispatchedRule(t *testing.T) {
	cfg := rulesConfig(t)
	var b logBuilder
	b.alarm(0, "A1", 1, "criminal", "east", "east-01") // seq 1: overdue at 10
	b.alarm(1, "A2", 1, "criminal", "east", "")        // dispatched in time
	b.alarm(2, "A3", 2, "traffic", "west", "")         // P2: 30 minutes
	b.alarm(3, "A4", 1, "dispute", "west", "")         // closed in time
	b.alarm(4, "A5", 1, "criminal", "west", "")        // dispatched by the event that passes its deadline
	b.add(5, feed.TypeAlarmDispatched, "east", "", feed.AlarmDispatched{AlarmID: "A2", Category: "criminal"})
	b.add(6, feed.TypeAlarmClosed, "west", "", feed.AlarmClosed{AlarmID: "A4", Category: "dispute"})
	b.tick(9)            // seq 8: nothing due yet
	tick10 := b.tick(10) // seq 9: A1 overdue
	b.tick(11)           // no second alert
	b.add(15, feed.TypeAlarmDispatched, "west", "", feed.AlarmDispatched{AlarmID: "A5", Category: "criminal"})
	disp := b.add(16, feed.TypeAlarmDispatched, "east", "", feed.AlarmDispatched{AlarmID: "A1", Category: "criminal"})
	b.alarm(2, "A6", 1, "criminal", "east", "")                                                                               // late: received at 2, arrives at 16
	b.add(17, feed.TypeCaseAction, "east", "", feed.CaseAction{CaseID: "C", Category: "theft", Action: "arrest", Persons: 1}) // moves the clock: A6 is overdue
	t32 := b.tick(32)                                                                                                         // A3 (P2) overdue
	got, s := raisedAt(t, cfg, b.evs)

	want := map[string]uint64{"p1-undispatched:A1": tick10.Seq, "p1-undispatched:A6": 14, "p2-undispatched:A3": t32.Seq}
	if len(got) != len(want) {
		t.Errorf("raised %v, want %v", got, want)
	}
	for id, seq := range want {
		if got[id] != seq {
			t.Errorf("%s raised at seq %d, want %d (all: %v)", id, got[id], seq, got)
		}
	}
	a, standing, ok := s.AlertByID("p1-undispatched:A1")
	if !ok || !standing {
		t.Fatalf("A1's alert is not standing: %+v", s.Alerts)
	}
	if !a.At.Equal(t0.Add(10*time.Minute)) || !a.Since.Equal(t0) || a.Level != LevelRed || a.District != "east" || a.Grid != "east-01" || a.Summary != "警情 A1" {
		t.Errorf("A1's alert = %+v: want raised at its deadline 09:10, since 09:00, red, in east-01", a)
	}
	if !a.ClearedAt.Equal(disp.At) || a.ClearedBy != feed.TypeAlarmDispatched {
		t.Errorf("A1's alert cleared at %v by %q, want at its dispatch %v", a.ClearedAt, a.ClearedBy, disp.At)
	}
	if b3, _, _ := s.AlertByID("p2-undispatched:A3"); b3.Level != LevelBlue {
		t.Errorf("A3's alert level %q, want blue", b3.Level)
	}
}

// TestSurgeRule: east's public-order alarms in one clock hour above
// 3 × 1 an hour and at least 4 raise one alert, at the fourth; the next
// hour counts afresh; a late alarm of an hour gone by is not counted; a
// district without a baseline never surges.
func TestSurgeRule(t *testing.T) {
	cfg := rulesConfig(t)
	var b logBuilder
	for i := range 3 {
		b.alarm(5+i, fmt.Sprintf("S%d", i), 3, "public_order", "east", "")
	}
	b.alarm(40, "C1", 3, "criminal", "east", "") // another category
	fourth := b.alarm(50, "S3", 3, "public_order", "east", "")
	b.alarm(55, "S4", 3, "public_order", "east", "") // no second alert
	for i := range 3 {
		b.alarm(61+i, fmt.Sprintf("N%d", i), 3, "public_order", "east", "") // the next hour: 3
	}
	b.alarm(30, "L1", 3, "public_order", "east", "") // late, of 09:00: not counted
	for i := range 6 {
		b.alarm(70+i, fmt.Sprintf("W%d", i), 3, "public_order", "west", "") // west has no baseline
	}
	got, s := raisedAt(t, cfg, b.evs)
	id := "surge:east@2023-06-25T09"
	if len(got) != 1 || got[id] != fourth.Seq {
		t.Fatalf("raised %v, want only %s at seq %d", got, id, fourth.Seq)
	}
	a, _, _ := s.AlertByID(id)
	if a.Count != 4 || a.Limit != 3 || !a.Since.Equal(t0) || a.Level != LevelOrange || !a.Clears {
		t.Errorf("surge alert = %+v, want 4 alarms over a limit of 3 since 09:00, orange", a)
	}
	// The next hour's first alarm moves the clock past 10:00: the surge is
	// over, and waits only for acknowledgement.
	if !a.ClearedAt.Equal(t0.Add(time.Hour)) || a.ClearedBy != ClearedByTime {
		t.Errorf("surge cleared at %v by %q, want at 10:00 by %q", a.ClearedAt, a.ClearedBy, ClearedByTime)
	}
}

// TestClusterRule: three criminal alarms in one grid within 30 minutes
// raise one alert, at the third; the grid then counts afresh; alarms
// spread wider, in other grids, or of other categories raise none.
func TestClusterRule(t *testing.T) {
	cfg := rulesConfig(t)
	var b logBuilder
	b.alarm(0, "K1", 3, "criminal", "east", "east-01")
	b.alarm(10, "K2", 3, "criminal", "east", "east-02") // another grid
	b.alarm(20, "K3", 3, "traffic", "east", "east-01")  // another category
	b.alarm(25, "K4", 3, "criminal", "east", "east-01")
	third := b.alarm(29, "K5", 3, "criminal", "east", "east-01")
	b.alarm(31, "K6", 3, "criminal", "east", "east-01")  // counts afresh: 1
	b.alarm(70, "K7", 3, "criminal", "east", "east-01")  // 2, but 39 minutes on
	b.alarm(80, "K8", 3, "criminal", "east", "east-01")  // K6 K7 K8 span 49 minutes
	b.alarm(120, "K9", 3, "criminal", "west", "west-01") // another district's grid
	// Across the hour, when the rules forget what is over: 11:50, 11:58,
	// the clock at 12:05, then 12:10 closes a window of 20 minutes.
	b.alarm(170, "L1", 3, "criminal", "east", "east-02")
	b.alarm(178, "L2", 3, "criminal", "east", "east-02")
	b.tick(185)
	hourLater := b.alarm(190, "L3", 3, "criminal", "east", "east-02")
	b.alarm(100, "L4", 3, "criminal", "east", "east-02") // 10:40, late: too old for any window
	got, s := raisedAt(t, cfg, b.evs)
	id := "cluster:east-01/criminal@20230625T092900"
	across := "cluster:east-02/criminal@20230625T121000"
	if len(got) != 2 || got[id] != third.Seq || got[across] != hourLater.Seq {
		t.Fatalf("raised %v, want %s at seq %d and %s at seq %d", got, id, third.Seq, across, hourLater.Seq)
	}
	if w := s.AlertWatch; len(w.Windows) > 1 {
		t.Errorf("the cluster rule still holds %v: grids whose alarms are too old for any window are forgotten", w.Windows)
	}
	a, _, _ := s.AlertByID(id)
	if a.Count != 3 || !a.Since.Equal(t0) || a.Grid != "east-01" || a.Level != LevelYellow {
		t.Errorf("cluster alert = %+v, want 3 alarms since 09:00 in east-01, yellow", a)
	}
	// Its window, 30 minutes from its first alarm, is over at 09:30.
	if !a.ClearedAt.Equal(t0.Add(30*time.Minute)) || a.ClearedBy != ClearedByTime {
		t.Errorf("cluster cleared at %v by %q, want at 09:30 by %q", a.ClearedAt, a.ClearedBy, ClearedByTime)
	}
}

// TestAlertLifecycleAnyOrder: a homicide's alert, its solve and its
// acknowledgement, in every arrival order, with a board joining after
// each event: the record says what the log says, at the events' times.
func TestAlertLifecycleAnyOrder(t *testing.T) {
	cfg := rulesConfig(t)
	filed := feed.Event{ID: "f", Type: feed.TypeCaseFiled, At: t0, District: "east", Data: eventJSON(feed.CaseFiled{CaseID: "H", Category: feed.CaseHomicide, Kind: feed.KindCriminal})}
	solved := feed.Event{ID: "s", Type: feed.TypeCaseSolved, At: t0.Add(time.Hour), District: "east", Data: eventJSON(feed.CaseSolved{CaseID: "H", Category: feed.CaseHomicide, Kind: feed.KindCriminal})}
	acked := feed.Event{ID: "a", Type: feed.TypeAlertAcknowledged, At: t0.Add(2 * time.Hour), District: "east", Data: eventJSON(feed.AlertAcknowledged{AlertID: "f", By: "市局"})}
	tests := []struct {
		name         string
		order        []feed.Event
		acked, clear bool
	}{
		{"filed, solved, acked", []feed.Event{filed, solved, acked}, true, true},
		{"filed, acked, solved", []feed.Event{filed, acked, solved}, true, true},
		// A solve before its filing clears nothing not yet raised, and an
		// ack before its alert acknowledges nothing.
		{"solved, filed, acked", []feed.Event{solved, filed, acked}, true, false},
		{"acked, filed, solved", []feed.Event{acked, filed, solved}, false, true},
		{"solved, acked, filed", []feed.Event{solved, acked, filed}, false, false},
		{"acked, solved, filed", []feed.Event{acked, solved, filed}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var evs []feed.Event
			for i, e := range tc.order {
				e.Seq = uint64(i + 1)
				evs = append(evs, e)
			}
			_, s := raisedAt(t, cfg, evs)
			a, standing, ok := s.AlertByID("f")
			if !ok {
				t.Fatal("the homicide's alert is gone from the record")
			}
			if a.Acked() != tc.acked || a.Cleared() != tc.clear {
				t.Fatalf("alert = %+v: acked %v, cleared %v; want %v, %v", a, a.Acked(), a.Cleared(), tc.acked, tc.clear)
			}
			if standing == (tc.acked && tc.clear) {
				t.Errorf("standing = %v for acked %v, cleared %v: an alert stands until acknowledged and cleared", standing, tc.acked, tc.clear)
			}
			if tc.acked && !a.AckedAt.Equal(acked.At) || tc.clear && !a.ClearedAt.Equal(solved.At) {
				t.Errorf("alert = %+v: its times must be the events' own", a)
			}
			h := NewHistory(cfg)
			for _, e := range evs {
				h.Apply(e)
			}
			rec := h.AlertsRaised(Span{1, cfg.Days()})
			if len(rec) != 1 || rec[0].Acked() != tc.acked || rec[0].Cleared() != tc.clear {
				t.Errorf("the bulletins' record %+v disagrees with the state's %+v", rec, a)
			}
		})
	}
}

// TestRaiseAndClearInOneBatch: a mass incident received and closed in one
// request (one batch, one frame) stands, cleared and unacknowledged, in
// the state every board draws and in a late board's snapshot; its
// acknowledgement, after the close, finishes it.
func TestRaiseAndClearInOneBatch(t *testing.T) {
	cfg := testConfig(t)
	cfg.Alerts = append(cfg.Alerts, AlertRule{When: WhenEvent, Type: feed.TypeAlarmReceived, Category: feed.AlarmMassIncident, Level: LevelRed, Zh: "群体性事件", ClearType: feed.TypeAlarmClosed})
	var b logBuilder
	b.add(0, feed.TypeAlarmReceived, "east", "", feed.AlarmReceived{AlarmID: "M", Category: feed.AlarmMassIncident, Priority: 1})
	b.add(3, feed.TypeAlarmClosed, "east", "", feed.AlarmClosed{AlarmID: "M", Category: feed.AlarmMassIncident})
	s := fold(cfg, b.evs...)
	late := s.Clone()
	for _, st := range []*State{s, late} {
		if len(st.Alerts) != 1 || st.Alerts[0].Acked() || !st.Alerts[0].ClearedAt.Equal(t0.Add(3*time.Minute)) {
			t.Fatalf("alerts after the batch = %+v: want the incident standing, closed at 09:03, unacknowledged", st.Alerts)
		}
	}
	Apply(cfg, late, feed.Event{Seq: 3, ID: "hub:ack:1:e1", Type: feed.TypeAlertAcknowledged, At: t0.Add(9 * time.Minute), District: "east",
		Data: eventJSON(feed.AlertAcknowledged{AlertID: "e1", By: "市局"})})
	if len(late.Alerts) != 0 || len(late.AlertsDone) != 1 || late.AlertsDone[0].AckedBy != "市局" {
		t.Fatalf("the ack of a closed incident did not finish it: standing %+v, done %+v", late.Alerts, late.AlertsDone)
	}
}

// TestStandingAlertsBounded: alerts nobody acknowledges push out the
// oldest, acknowledged ones first, and count those pushed out unseen; an
// ack of one pushed out still marks it.
func TestStandingAlertsBounded(t *testing.T) {
	cfg := testConfig(t)
	s := NewState(cfg)
	for i := range MaxAlerts + 5 {
		Apply(cfg, s, feed.Event{Seq: uint64(i + 1), ID: fmt.Sprintf("h%d", i), Type: feed.TypeCaseFiled, At: t0.Add(time.Duration(i) * time.Minute), District: "east",
			Data: eventJSON(feed.CaseFiled{CaseID: fmt.Sprintf("H%d", i), Category: feed.CaseHomicide, Kind: feed.KindCriminal})})
		if i == 3 {
			Apply(cfg, s, feed.Event{ID: "ack3", Type: feed.TypeAlertAcknowledged, At: t0.Add(time.Hour), District: "east", Data: eventJSON(feed.AlertAcknowledged{AlertID: "h2", By: "x"})})
		}
	}
	if len(s.Alerts) != MaxAlerts || s.AlertsDropped != 4 {
		t.Fatalf("%d standing, %d dropped; want %d and 4 (the acknowledged one went first)", len(s.Alerts), s.AlertsDropped, MaxAlerts)
	}
	if s.AlertsDone[0].ID != "h2" {
		t.Errorf("the first pushed out is %s, want the acknowledged h2", s.AlertsDone[0].ID)
	}
	Apply(cfg, s, feed.Event{ID: "ack0", Type: feed.TypeAlertAcknowledged, At: t0.Add(2 * time.Hour), District: "east", Data: eventJSON(feed.AlertAcknowledged{AlertID: "h0", By: "y"})})
	if a, standing, _ := s.AlertByID("h0"); standing || a.AckedBy != "y" {
		t.Errorf("h0, pushed out, = %+v: an ack must still mark it", a)
	}
}

// TestAlertRulesRefused: each mistake in a rule is refused with the file,
// the rule's own line and what to do.
func TestAlertRulesRefused(t *testing.T) {
	src, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(src) + "\n[[alerts]]\nwhen = \"cluster\"\nid = \"c1\"\ncount = 3\nminutes = 10\nzh = \"聚集\"\nlevel = \"yellow\"\n"
	line := strings.Count(base, "\n") + 3 // the bad rule's first key: after a blank line and its [[alerts]]
	tests := []struct{ rule, want string }{
		{"when = \"sometimes\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"", fmt.Sprintf("rules.toml:%d: alerts[2].when: \"sometimes\": use one of", line)},
		{"when = \"undispatched\"\nid = \"x\"\nzh = \"x\"\nlevel = \"purple\"\npriority = 1\nminutes = 5", fmt.Sprintf("rules.toml:%d: alerts[2].level: \"purple\": use red, orange, yellow or blue", line+3)},
		{"when = \"undispatched\"\nzh = \"x\"\nlevel = \"red\"\npriority = 1\nminutes = 5", "alerts[2].id: missing: a undispatched rule needs an id"},
		{"when = \"undispatched\"\nid = \"c1\"\nzh = \"x\"\nlevel = \"red\"\npriority = 1\nminutes = 5", "alerts[2].id: \"c1\" is also alerts[1]'s id"},
		{"when = \"undispatched\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\npriority = 4\nminutes = 5", fmt.Sprintf("rules.toml:%d: alerts[2].priority: must be 1 (urgent), 2 (normal) or 3 (low)", line+4)},
		{"when = \"undispatched\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\npriority = 1", "alerts[2].minutes: missing: give the minutes"},
		{"when = \"undispatched\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\npriority = 1\nminutes = -2", "alerts[2].minutes: must be a positive number"},
		{"when = \"undispatched\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\npriority = 1\nminutes = 5\nfactor = 2", "alerts[2].factor: does not apply to a rule with when = \"undispatched\""},
		{"when = \"surge\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\nfactor = 2", "alerts[2].category: no district has a [districts.previous] alarms_total"},
		{"when = \"surge\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\nfactor = 2\ncategory = \"fire\"", "alerts[2].category: a surge compares with a baseline"},
		{"when = \"cluster\"\nid = \"x\"\nzh = \"x\"\nlevel = \"red\"\ncount = 1\nminutes = 5", "alerts[2].count: must be at least 2"},
		{"when = \"cluster\"\nid = \"x\"\nlevel = \"red\"\ncount = 2\nminutes = 5", "alerts[2].zh: missing"},
		{"when = \"cluster\"\nid = \"x y\"\nzh = \"x\"\nlevel = \"red\"\ncount = 2\nminutes = 5", "alerts[2].id:"},
		{"type = \"alarm.nothing\"\nlevel = \"red\"", "alerts[2].type: \"alarm.nothing\": unknown event type"},
		{"type = \"case.filed\"\nlevel = \"red\"\nminutes = 3", "alerts[2].minutes: does not apply to a rule with when = \"event\""},
		{"when = \"report_missing\"\nid = \"r\"\nzh = \"x\"\nlevel = \"red\"\nescalate_minutes = -1", "alerts[2].escalate_minutes: must not be negative"},
	}
	for _, tc := range tests {
		_, err := ParseConfig("rules.toml", []byte(base+"\n[[alerts]]\n"+tc.rule+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("rule\n%s\ngave %v, want %q", tc.rule, err, tc.want)
		}
	}
	_, err = ParseConfig("rules.toml", []byte(base+"\n[alerting]\nescalate_minutes = -5\n"))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("rules.toml:%d: alerting.escalate_minutes: must not be negative", line)) {
		t.Errorf("[alerting] escalate_minutes = -5 gave %v", err)
	}
}

// TestEscalateAfter: a rule's own escalate_minutes, else [alerting]'s,
// else 10 minutes; 0 never.
func TestEscalateAfter(t *testing.T) {
	cfg := rulesConfig(t)
	if got := cfg.EscalateAfter(Alert{Rule: 0}); got != DefaultEscalateMinutes*time.Minute {
		t.Errorf("default escalation %v", got)
	}
	cfg.Alerts[1].EscalateMinutes = 3
	zero := 0
	cfg.Alerting.EscalateMinutes = &zero
	if got := cfg.EscalateAfter(Alert{Rule: 1}); got != 3*time.Minute {
		t.Errorf("the rule's own escalation %v, want 3m", got)
	}
	if got := cfg.EscalateAfter(Alert{Rule: 0}); got != 0 {
		t.Errorf("[alerting] escalate_minutes = 0 gave %v, want never", got)
	}
}

// TestUndispatchedTakesTheResponseThreshold: an undispatched rule without
// minutes waits for its priority's [[response]] dispatch threshold, so the
// board's alert and the 110 table's "in time" agree.
func TestUndispatchedTakesTheResponseThreshold(t *testing.T) {
	src, err := os.ReadFile("testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("response.toml", []byte(string(src)+`
[[response]]
priority = 1
dispatch = "3m30s"
close = "1h"

[[alerts]]
when = "undispatched"
id = "p1"
priority = 1
level = "red"
zh = "一级警情超时未派"
`))
	if err != nil {
		t.Fatal(err)
	}
	var b logBuilder
	b.alarm(0, "A", 1, "criminal", "east", "")
	b.tick(3)
	tick4 := b.tick(4)
	got, s := raisedAt(t, cfg, b.evs)
	if len(got) != 1 || got["p1:A"] != tick4.Seq {
		t.Fatalf("raised %v, want p1:A at the tick past 3m30s (seq %d)", got, tick4.Seq)
	}
	if a, _, _ := s.AlertByID("p1:A"); !a.At.Equal(t0.Add(210*time.Second)) || a.Limit != 3.5 {
		t.Errorf("alert %+v: want dated 09:03:30, limit 3.5 minutes", a)
	}
}
