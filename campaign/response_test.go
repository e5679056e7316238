package campaign

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// responseConfig is the small campaign with illustrative thresholds: P1
// dispatched within 3 minutes and closed within 15, P2 within 10 and 60;
// P3 has none.
func responseConfig(t testing.TB) *Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.Response = []ResponseRule{
		{Priority: 1, Dispatch: 3 * time.Minute, Close: 15 * time.Minute},
		{Priority: 2, Dispatch: 10 * time.Minute, Close: time.Hour},
	}
	return cfg
}

// clockAt parses a time of the small campaign (+08:00).
func clockAt(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, t0.Location())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// responseLog is a hand-built log; the comments give each alarm's times,
// worked out by hand in TestResponseByHand.
func responseLog(t testing.TB) []feed.Event {
	var out []feed.Event
	add := func(when, typ, district string, data any) {
		e := ev(fmt.Sprintf("r%d", len(out)), typ, district, data)
		e.At = clockAt(t, when)
		out = append(out, e)
	}
	rec := func(when, district, id string, prio int) {
		add(when, feed.TypeAlarmReceived, district, feed.AlarmReceived{AlarmID: id, Category: "criminal", Priority: prio})
	}
	disp := func(when, district, id string) {
		add(when, feed.TypeAlarmDispatched, district, feed.AlarmDispatched{AlarmID: id, Category: "criminal"})
	}
	closeA := func(when, district, id string) {
		add(when, feed.TypeAlarmClosed, district, feed.AlarmClosed{AlarmID: id, Category: "criminal"})
	}
	rec("2023-06-25 09:00:00", "east", "A1", 1)
	rec("2023-06-25 09:00:00", "east", "A2", 1)
	rec("2023-06-25 09:00:00", "east", "A4", 3)
	disp("2023-06-25 09:00:20", "east", "A4")   // 20 s, no threshold: bin 30 s
	disp("2023-06-25 09:02:00", "east", "A1")   // 120 s, within 3 min: bin 120 s
	disp("2023-06-25 09:03:01", "east", "A2")   // 181 s, late: bin 210 s
	disp("2023-06-25 09:05:00", "east", "A1")   // a second unit: not timed again
	disp("2023-06-25 09:06:00", "east", "A8")   // dispatched before it is received: not timed
	rec("2023-06-25 09:06:30", "east", "A8", 1) // ...so open as not dispatched
	rec("2023-06-25 09:10:00", "east", "A3", 2) //
	closeA("2023-06-25 09:14:00", "east", "A1") // 840 s, within 15 min: bin 900 s
	disp("2023-06-25 09:19:59", "east", "A3")   // 599 s, within 10 min: bin 600 s
	closeA("2023-06-25 09:20:00", "east", "A2") // 1200 s, late: bin 1200 s
	closeA("2023-06-25 09:25:00", "east", "A8") // 1110 s after its receipt, late: bin 1200 s
	rec("2023-06-25 09:30:00", "west", "A5", 1) // never dispatched
	closeA("2023-06-25 10:10:00", "east", "A3") // 3600 s, within the hour: bin 3600 s
	rec("2023-06-25 23:58:00", "east", "A9", 2) // day 1
	disp("2023-06-26 00:03:00", "east", "A9")   // 300 s on day 2, counted on day 1: bin 300 s
	rec("2023-06-26 09:00:00", "east", "A6", 2) // day 2
	disp("2023-06-26 09:05:00", "east", "A6")   // 300 s: bin 300 s
	closeA("2023-06-26 09:30:00", "east", "A6") // 1800 s: bin 1800 s
	return out
}

// TestResponseByHand checks the response clock of a small log against
// figures worked out by hand: the shares within the thresholds, the
// medians and 90th percentiles (nearest rank over times rounded up to
// their bins), the day each alarm counts on, and a district with nothing
// timed.
func TestResponseByHand(t *testing.T) {
	cfg := responseConfig(t)
	h := NewHistory(cfg)
	for _, e := range responseLog(t) {
		h.Apply(e)
	}
	s := h.State()
	mins := func(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }
	tests := []struct {
		name string
		c    *Counters
		want Response
	}{
		// Timed with a threshold: A1 A2 A3 A9 A6; in time A1 A3 A9 A6.
		// Dispatch bins, all priorities: 30 120 210 300 300 600 s: the
		// 3rd of 6 is the median, the 6th (ceil 5.4) the 90th percentile.
		// Close bins: 900 1200 1200 1800 3600 s: the 3rd and the 5th
		// (ceil 4.5); in time A1 A3 A6.
		{"city", &s.Totals, Response{Timed: 5, InTime: 4, Share: Figure{80, true}, CloseTimed: 5, CloseInTime: 3, CloseShare: Figure{60, true},
			Dispatch: Percentiles{N: 6, Median: mins(3.5), P90: mins(10)}, Close: Percentiles{N: 5, Median: mins(20), P90: mins(60)}}},
		{"east", s.Districts["east"], Response{Timed: 5, InTime: 4, Share: Figure{80, true}, CloseTimed: 5, CloseInTime: 3, CloseShare: Figure{60, true},
			Dispatch: Percentiles{N: 6, Median: mins(3.5), P90: mins(10)}, Close: Percentiles{N: 5, Median: mins(20), P90: mins(60)}}},
		// A5 was never dispatched: nothing to divide by, no share shown.
		{"west", s.Districts["west"], Response{}},
		// Day 1: A1 A2 A3 (A9, received on day 1, was dispatched on day
		// 2: a dispatch counts on its own day); bins 30 120 210 600: the
		// 2nd and the 4th (ceil 3.6). Closes A1 A2 A8 A3: 900 1200 1200
		// 3600, the 2nd and the 4th.
		{"day 1", &h.Counts(Span{1, 1}).Totals, Response{Timed: 3, InTime: 2, Share: Rate(2, 3), CloseTimed: 4, CloseInTime: 2, CloseShare: Figure{50, true},
			Dispatch: Percentiles{N: 4, Median: mins(2), P90: mins(10)}, Close: Percentiles{N: 4, Median: mins(20), P90: mins(60)}}},
		{"day 2", &h.Counts(Span{2, 2}).Totals, Response{Timed: 2, InTime: 2, Share: Figure{100, true}, CloseTimed: 1, CloseInTime: 1, CloseShare: Figure{100, true},
			Dispatch: Percentiles{N: 2, Median: mins(5), P90: mins(5)}, Close: Percentiles{N: 1, Median: mins(30), P90: mins(30)}}},
	}
	for _, tt := range tests {
		if got := ResponseOf(cfg, tt.c); got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
	if in, timed := PriorityShare(&s.Totals, 1); in != 1 || timed != 2 {
		t.Errorf("P1 dispatched in time %d of %d, want 1 of 2 (A1 in time, A2 late; A8 not timed)", in, timed)
	}
	// The snapshot keeps the counts: a board folding from it reads the same.
	var back State
	b, _ := json.Marshal(s)
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := ResponseOf(cfg, &back.Totals), ResponseOf(cfg, &s.Totals); got != want {
		t.Errorf("after a snapshot %+v, want %+v", got, want)
	}
	// A board's span: day 2 less the end of day 1.
	base := NewState(cfg)
	for _, e := range responseLog(t) {
		if cfg.Day(e.At) == 1 {
			Apply(cfg, base, e)
		}
	}
	if got := ResponseOf(cfg, CountersSince(s, base)["east"]); got.Timed != 2 || got.InTime != 2 {
		t.Errorf("span since day 1: %+v, want A9 and A6 timed, both in time", got)
	}
}

// TestOpenAlarmAges checks each open alarm's age and lateness at several
// instants: yellow (LateDispatch) undispatched past its dispatch
// threshold, red (LateClose) open past its close threshold.
func TestOpenAlarmAges(t *testing.T) {
	cfg := responseConfig(t)
	log := responseLog(t)
	upTo := func(when string) *State {
		s := NewState(cfg)
		for _, e := range log {
			if !e.At.After(clockAt(t, when)) {
				Apply(cfg, s, e)
			}
		}
		return s
	}
	type age struct {
		id   string
		age  time.Duration
		late int
	}
	tests := []struct {
		at       string
		district string
		want     []age
		oldestP1 string
	}{
		{"2023-06-25 09:02:30", "", []age{{"A1", 150 * time.Second, InTime}, {"A2", 150 * time.Second, InTime}, {"A4", 150 * time.Second, InTime}}, ""},
		// At its threshold A2 is still in time; A4 (P3) has no thresholds.
		{"2023-06-25 09:03:00", "", []age{{"A1", 180 * time.Second, InTime}, {"A2", 180 * time.Second, InTime}, {"A4", 180 * time.Second, InTime}}, ""},
		// A2 open past 15 min: red. A8's dispatch came before its
		// receipt, so it shows as not dispatched: yellow.
		{"2023-06-25 09:16:00", "", []age{{"A2", 16 * time.Minute, LateClose}, {"A4", 16 * time.Minute, InTime}, {"A8", 9*time.Minute + 30*time.Second, LateDispatch},
			{"A3", 6 * time.Minute, InTime}}, "A2"},
		{"2023-06-25 09:40:00", "west", []age{{"A5", 10 * time.Minute, LateDispatch}}, "A5"},
		{"2023-06-25 09:46:00", "west", []age{{"A5", 16 * time.Minute, LateClose}}, "A5"},
	}
	// Half a second past 09:03, A2, not yet dispatched, is late.
	now := clockAt(t, "2023-06-25 09:03:00").Add(time.Second / 2)
	if ages := OpenAges(cfg, upTo("2023-06-25 09:03:00"), "", now); len(ages) != 3 || ages[1].ID != "A2" || ages[1].Late != LateDispatch || ages[0].Late != InTime {
		t.Errorf("09:03:00.5: %+v, want A2 late to dispatch, A1 (dispatched) in time", ages)
	}
	for _, tt := range tests {
		now := clockAt(t, tt.at)
		s := upTo(tt.at)
		var got []age
		for _, a := range OpenAges(cfg, s, tt.district, now) {
			got = append(got, age{a.ID, a.Age, a.Late})
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.at, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: %+v, want %+v", tt.at, got, tt.want)
				break
			}
		}
		oldest, ok := OldestOverdue(cfg, s, 1, now)
		if ok != (tt.oldestP1 != "") || oldest.ID != tt.oldestP1 {
			t.Errorf("%s: oldest overdue P1 %q (%v), want %q", tt.at, oldest.ID, ok, tt.oldestP1)
		}
	}
}

func TestResponseBins(t *testing.T) {
	tests := []struct {
		d, bin, most time.Duration
		want         string
	}{
		{0, DispatchBin, DispatchBinMax, "0"},
		{-5 * time.Second, DispatchBin, DispatchBinMax, "0"}, // a dispatch stamped before its receipt
		{time.Second, DispatchBin, DispatchBinMax, "30"},
		{60 * time.Second, DispatchBin, DispatchBinMax, "60"},
		{61 * time.Second, DispatchBin, DispatchBinMax, "90"},
		{5 * time.Hour, DispatchBin, DispatchBinMax, "7200"},
		{301 * time.Second, CloseBin, CloseBinMax, "600"},
		{72 * time.Hour, CloseBin, CloseBinMax, "172800"},
	}
	for _, tt := range tests {
		if got := binKey(tt.d, tt.bin, tt.most); got != tt.want {
			t.Errorf("binKey(%v, %v) = %s, want %s", tt.d, tt.bin, got, tt.want)
		}
	}
}

func TestResponseConfigErrors(t *testing.T) {
	base := "[campaign]\nid = \"t\"\nname_zh = \"测\"\nname_en = \"T\"\nstart = \"2023-06-25\"\nend = \"2023-06-30\"\n" +
		"[[districts]]\nid = \"east\"\nzh = \"东\"\nen = \"East\"\n"
	tests := []struct {
		add, field, reason string
	}{
		{"[[response]]\npriority = 4\ndispatch = \"3m\"\nclose = \"15m\"\n", "response[0].priority", "must be 1"},
		{"[[response]]\npriority = 1\ndispatch = 180\nclose = \"15m\"\n", "response[0].dispatch", "a bare number would be nanoseconds"},
		{"[[response]]\npriority = 1\ndispatch = \"3m\"\nclose = \"2m\"\n", "response[0].close", "is not after dispatch"},
		{"[[response]]\npriority = 1\ndispatch = \"3m\"\nclose = \"15m\"\n[[response]]\npriority = 1\ndispatch = \"3m\"\nclose = \"15m\"\n", "response[1].priority", "given twice"},
	}
	for _, tt := range tests {
		_, err := ParseConfig("small.toml", []byte(base+tt.add))
		if err == nil || !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%q: got %v, want %s: ...%s", tt.add, err, tt.field, tt.reason)
		}
	}
	if _, err := ParseConfig("small.toml", []byte(base+"[[response]]\npriority = 1\ndispatch = \"3m\"\nclose = \"15m\"\n")); err != nil {
		t.Errorf("a good [[response]]: %v", err)
	}
}
