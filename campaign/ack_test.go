package campaign

import (
	"fmt"
	"testing"
	"time"

	"sitboard/feed"
)

// TestAlertAcknowledged: an alert.acknowledged marks its alert in the
// state and in a History's record; the first ack wins, unknown ids change
// nothing, a new run forgets every ack, and an alert pushed out of the
// state is still marked in the record.
func TestAlertAcknowledged(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml")
	if err != nil {
		t.Fatal(err)
	}
	filed := func(id string) feed.Event {
		return feed.Event{ID: "raise-" + id, Type: feed.TypeCaseFiled, District: "east",
			Data: eventJSON(feed.CaseFiled{CaseID: id, Category: feed.CaseHomicide, Kind: feed.KindCriminal})}
	}
	solved := func(id string) feed.Event {
		return feed.Event{ID: "solve-" + id, Type: feed.TypeCaseSolved, District: "east",
			Data: eventJSON(feed.CaseSolved{CaseID: id, Category: feed.CaseHomicide, Kind: feed.KindCriminal})}
	}
	ack := func(n int, alertID, by string) feed.Event {
		return feed.Event{ID: fmt.Sprintf("ack-%s-%d", alertID, n), Type: feed.TypeAlertAcknowledged, District: "east",
			Data: eventJSON(feed.AlertAcknowledged{AlertID: alertID, By: by})}
	}
	restart := feed.Event{ID: "run-2", Type: feed.TypeCampaignStarted, District: "east", Data: eventJSON(feed.CampaignStarted{Run: 2})}

	type want struct {
		id       string
		ackAfter time.Duration // 0: not acknowledged
		by       string
	}
	cases := []struct {
		name string
		// events, each at t0 + 10 min × its position
		events []feed.Event
		state  []want // the state's alerts, in order
		record []want // the History's records, in order
	}{
		{
			name:   "ack while the alert is active",
			events: []feed.Event{filed("H1"), ack(1, "raise-H1", "川汇值班台")},
			state:  []want{{"raise-H1", 10 * time.Minute, "川汇值班台"}},
			record: []want{{"raise-H1", 10 * time.Minute, "川汇值班台"}},
		},
		{
			name:   "the first ack wins",
			events: []feed.Event{filed("H1"), ack(1, "raise-H1", "first"), ack(2, "raise-H1", "second")},
			state:  []want{{"raise-H1", 10 * time.Minute, "first"}},
			record: []want{{"raise-H1", 10 * time.Minute, "first"}},
		},
		{
			name:   "ack before the clear: the state drops it, the record keeps both",
			events: []feed.Event{filed("H1"), ack(1, "raise-H1", "a"), solved("H1")},
			state:  []want{},
			record: []want{{"raise-H1", 10 * time.Minute, "a"}},
		},
		{
			name:   "ack after the clear: recorded, the state has nothing to mark",
			events: []feed.Event{filed("H1"), solved("H1"), ack(1, "raise-H1", "late")},
			state:  []want{},
			record: []want{{"raise-H1", 20 * time.Minute, "late"}},
		},
		{
			name:   "an unknown id changes nothing",
			events: []feed.Event{filed("H1"), ack(1, "raise-H9", "x")},
			state:  []want{{"raise-H1", 0, ""}},
			record: []want{{"raise-H1", 0, ""}},
		},
		{
			// docs/protocol.md: an ack's district is its alert's. One
			// naming another district (an integrator's bug) is not the
			// alert's acknowledgement, and must not stand as the first.
			name: "an ack in another district than its alert's is ignored",
			events: []feed.Event{filed("H1"), func() feed.Event { e := ack(1, "raise-H1", "wrong"); e.District = "west"; return e }(),
				ack(2, "raise-H1", "right")},
			state:  []want{{"raise-H1", 20 * time.Minute, "right"}},
			record: []want{{"raise-H1", 20 * time.Minute, "right"}},
		},
		{
			name:   "an ack before its alert is raised is ignored",
			events: []feed.Event{ack(1, "raise-H1", "x"), filed("H1")},
			state:  []want{{"raise-H1", 0, ""}},
			record: []want{{"raise-H1", 0, ""}},
		},
		{
			name:   "campaign.started forgets every alert and ack",
			events: []feed.Event{filed("H1"), ack(1, "raise-H1", "a"), restart, filed("H2")},
			state:  []want{{"raise-H2", 0, ""}},
			record: []want{{"raise-H2", 0, ""}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := NewHistory(cfg)
			for i, ev := range c.events {
				ev.Seq = uint64(i + 1)
				ev.At = t0.Add(time.Duration(i) * 10 * time.Minute)
				h.Apply(ev)
			}
			check := func(what string, got []Alert, want []want) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s holds %d alerts, want %d: %+v", what, len(got), len(want), got)
				}
				for i, w := range want {
					a := got[i]
					var after time.Duration
					if a.Acked() {
						after = a.AckedAt.Sub(a.At)
					}
					if a.ID != w.id || after != w.ackAfter || a.AckedBy != w.by {
						t.Errorf("%s[%d] = %s acked after %v by %q, want %s after %v by %q", what, i, a.ID, after, a.AckedBy, w.id, w.ackAfter, w.by)
					}
				}
			}
			check("state", h.State().Alerts, c.state)
			var rec []Alert
			for _, r := range h.AlertsRaised(Span{1, cfg.Days()}) {
				rec = append(rec, r.Alert)
			}
			check("record", rec, c.record)
		})
	}
}

// TestAckOfAlertPushedOutOfTheState: MaxAlerts bounds the state's list,
// not the record, so an ack of an alert no longer in the state still
// reaches the bulletin.
func TestAckOfAlertPushedOutOfTheState(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHistory(cfg)
	seq := uint64(0)
	apply := func(ev feed.Event) {
		seq++
		ev.Seq, ev.At, ev.District = seq, t0.Add(time.Duration(seq)*time.Minute), "east"
		h.Apply(ev)
	}
	for i := 0; i <= MaxAlerts; i++ {
		id := fmt.Sprintf("HOM-%d", i)
		apply(feed.Event{ID: "raise-" + id, Type: feed.TypeCaseFiled, Data: eventJSON(feed.CaseFiled{CaseID: id, Category: feed.CaseHomicide, Kind: feed.KindCriminal})})
	}
	if h.State().Alerts[0].ID != "raise-HOM-1" {
		t.Fatalf("HOM-0 was not pushed out: %+v", h.State().Alerts[0])
	}
	apply(feed.Event{ID: "ack-raise-HOM-0", Type: feed.TypeAlertAcknowledged, Data: eventJSON(feed.AlertAcknowledged{AlertID: "raise-HOM-0", By: "市局指挥中心"})})
	rec := h.AlertsRaised(Span{1, cfg.Days()})
	if a := rec[0]; a.AckedBy != "市局指挥中心" || a.AckedAt.Sub(a.At) != time.Duration(MaxAlerts+1)*time.Minute {
		t.Errorf("HOM-0's record = acked %v by %q, want after %d min", a.AckedAt.Sub(a.At), a.AckedBy, MaxAlerts+1)
	}
	for _, a := range h.State().Alerts {
		if a.Acked() {
			t.Errorf("%s acked in the state by an ack of another alert", a.ID)
		}
	}
}

// TestAckDoesNotMoveTheClock: an ack's time (the hub's wall clock, for a
// replayed campaign) is not the campaign's newest event, and an ack dated
// before its alert counts at the alert's time.
func TestAckDoesNotMoveTheClock(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg, ev("h1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "H1", Category: "homicide", Kind: "criminal"}))
	day, last := s.Day, s.LastAt
	late := feed.Event{ID: "ack-h1", Type: feed.TypeAlertAcknowledged, At: t0.AddDate(3, 0, 0), District: "east", Data: eventJSON(feed.AlertAcknowledged{AlertID: "h1", By: "x"})}
	Apply(cfg, s, late)
	if s.Day != day || !s.LastAt.Equal(last) {
		t.Errorf("an ack moved the clock: day %d→%d, last %v→%v", day, s.Day, last, s.LastAt)
	}
	if s.Unknown[feed.TypeAlertAcknowledged] != 0 || len(s.Ticker) != 0 {
		t.Errorf("an ack was treated as an unknown event: unknown %v, ticker %+v", s.Unknown, s.Ticker)
	}
	s = fold(cfg, ev("h1", feed.TypeCaseFiled, "east", feed.CaseFiled{CaseID: "H1", Category: "homicide", Kind: "criminal"}))
	early := late
	early.At = t0.Add(-time.Hour)
	Apply(cfg, s, early)
	if a := s.Alerts[0]; !a.AckedAt.Equal(a.At) {
		t.Errorf("an ack dated before its alert is at %v, want the alert's %v", a.AckedAt, a.At)
	}
}
