package campaign

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"sitboard/feed"
)

// TestIntradayAcrossMidnight: the hourly series holds the newest campaign
// day and the day before, by the events' own days and hours; a late event
// for yesterday lands in yesterday's hour, one for an older day in no
// hour, and the same events give the same series in any arrival order.
func TestIntradayAcrossMidnight(t *testing.T) {
	cfg, err := LoadConfig("testdata/weeks.toml") // starts 2023-06-25, +08:00
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("+08:00", 8*3600)
	at := func(day, hh, mm int) time.Time { return time.Date(2023, 6, 24+day, hh, mm, 0, 0, zone) }
	alarm := func(id string, t time.Time, category string) feed.Event {
		return feed.Event{ID: id, Type: feed.TypeAlarmReceived, At: t, District: "east",
			Data: eventJSON(feed.AlarmReceived{AlarmID: id, Category: category, Priority: 2})}
	}
	shift := func(id string, t time.Time, officers int64) feed.Event {
		return feed.Event{ID: id, Type: feed.TypeShiftReport, At: t, District: "east",
			Data: eventJSON(feed.ShiftReport{Duty: "area_patrol", Officers: officers})}
	}
	// An acknowledgement's time may be the hub's wall clock: it moves
	// no day (MovesClock), so it must not roll the series either.
	ack := feed.Event{ID: "ack", Type: feed.TypeAlertAcknowledged, At: at(9, 10, 0), District: "east",
		Data: eventJSON(feed.AlertAcknowledged{AlertID: "x", By: "board"})}

	// Days 3, 4 and 5 of the campaign; day 5 is today.
	inOrder := []feed.Event{
		alarm("d3", at(3, 10, 0), "criminal"),       // two days ago: no hour
		alarm("d4a", at(4, 8, 30), "criminal"),      // yesterday 08h
		alarm("d4b", at(4, 23, 59), "public_order"), // yesterday 23h
		shift("d4s", at(4, 8, 0), 40),               // yesterday's night shift, reported 08:00
		alarm("d5a", at(5, 0, 0), "criminal"),       // today 00h: midnight is the new day's
		shift("d5s", at(5, 8, 0), 35),               // today 08h
		alarm("d5b", at(5, 9, 10), "public_order"),  // today 09h
		ack,
	}
	late := []feed.Event{
		alarm("late4", at(4, 8, 45), "criminal"), // yesterday's, arriving today: yesterday 08h
		alarm("late3", at(3, 11, 0), "criminal"), // two days ago, arriving today: no hour
	}
	all := append(slices.Clone(inOrder), late...)
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	mixed := []feed.Event{all[4], all[8], all[0], all[6], all[2], all[9], all[7], all[1], all[5], all[3]}

	var want Intraday
	want.Day = 5
	want.Yesterday[8] = DayCounts{Alarms: 2, AlarmsCriminal: 2, Officers: 40}
	want.Yesterday[23] = DayCounts{Alarms: 1, AlarmsPublic: 1}
	want.Today[0] = DayCounts{Alarms: 1, AlarmsCriminal: 1}
	want.Today[8] = DayCounts{Officers: 35}
	want.Today[9] = DayCounts{Alarms: 1, AlarmsPublic: 1}

	for _, tc := range []struct {
		name   string
		events []feed.Event
	}{{"in order, late ones last", all}, {"reversed", reversed}, {"mixed", mixed}} {
		t.Run(tc.name, func(t *testing.T) {
			s := fold(cfg, tc.events...)
			if s.Intraday == nil {
				t.Fatal("no intraday series")
			}
			if *s.Intraday != want {
				t.Errorf("series:\n got %+v\nwant %+v", *s.Intraday, want)
			}
			if s.Days[2].Alarms != 2 {
				t.Errorf("day 3 alarms = %d, want 2 (the per-day series still counts older days)", s.Days[2].Alarms)
			}
			for _, c := range []struct {
				hour     int
				today, y DayCounts
			}{
				{0, DayCounts{}, DayCounts{}},
				{9, DayCounts{Alarms: 1, AlarmsCriminal: 1, Officers: 35}, DayCounts{Alarms: 2, AlarmsCriminal: 2, Officers: 40}},
				{10, DayCounts{Alarms: 2, AlarmsCriminal: 1, AlarmsPublic: 1, Officers: 35}, DayCounts{Alarms: 2, AlarmsCriminal: 2, Officers: 40}},
				{24, DayCounts{Alarms: 2, AlarmsCriminal: 1, AlarmsPublic: 1, Officers: 35}, s.Days[3]},
			} {
				td, yd, ok := s.SameTime(5, c.hour)
				if !ok || td != c.today || yd != c.y {
					t.Errorf("SameTime(5, %d) = %+v, %+v, %v; want %+v, %+v", c.hour, td, yd, ok, c.today, c.y)
				}
			}
			if _, _, ok := s.SameTime(4, 9); ok {
				t.Error("SameTime for a day that is not the newest: ok, want not")
			}
		})
	}

	t.Run("a gap of days leaves no yesterday", func(t *testing.T) {
		s := fold(cfg, alarm("d2", at(2, 9, 0), "criminal"), alarm("d5", at(5, 9, 0), "criminal"))
		if s.Intraday.Day != 5 || s.Intraday.Yesterday != ([HoursPerDay]DayCounts{}) || s.Intraday.Today[9].Alarms != 1 {
			t.Errorf("series %+v, want day 5 with one alarm at 09h and an empty yesterday", *s.Intraday)
		}
	})
	t.Run("an event outside the campaign touches no hour", func(t *testing.T) {
		s := fold(cfg, alarm("d5", at(5, 9, 0), "criminal"), alarm("after", at(40, 9, 0), "criminal"), alarm("before", at(-3, 9, 0), "criminal"))
		if s.Intraday.Day != 5 || s.Intraday.Today[9].Alarms != 1 {
			t.Errorf("series %+v, want day 5 with its one alarm", *s.Intraday)
		}
	})
	t.Run("the series survives the snapshot", func(t *testing.T) {
		s := fold(cfg, all...)
		if c := s.Clone(); c.Intraday == nil || *c.Intraday != *s.Intraday {
			t.Errorf("after a JSON round trip: %+v, want %+v", c.Intraday, s.Intraday)
		}
	})
}

// TestIntradayAbsentInOlderSnapshots: a state from a hub older than the
// series decodes with none (SameTime says so, and the board falls back to
// today so far), and a board older than the series ignores the field.
func TestIntradayAbsentInOlderSnapshots(t *testing.T) {
	cfg := testConfig(t)
	s := fold(cfg, ev("a1", feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: "A1", Category: "criminal", Priority: 2}))
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["intraday"]; !ok {
		t.Fatal("the snapshot has no intraday field")
	}
	delete(m, "intraday")
	old, _ := json.Marshal(m)
	var decoded State
	if err := json.Unmarshal(old, &decoded); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := decoded.SameTime(s.Day, 12); ok || decoded.Intraday != nil {
		t.Error("a state without the series: SameTime ok, want not")
	}
	// An older board's State: the same type without the field.
	type olderState struct {
		Seq  uint64      `json:"seq"`
		Days []DayCounts `json:"days"`
	}
	var o olderState
	if err := json.Unmarshal(b, &o); err != nil || o.Seq != s.Seq || len(o.Days) != len(s.Days) {
		t.Errorf("an older board's decode: %v, %+v", err, o)
	}
}
