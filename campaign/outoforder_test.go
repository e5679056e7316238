package campaign

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"sitboard/feed"
)

// Upstreams deliver late and out of order: these tests hold the fold's
// rules for that (docs/protocol.md, "Late and out-of-order events").

func found(id, district string) feed.Event {
	return ev("df-"+id, feed.TypeDisputeFound, district, feed.DisputeFound{DisputeID: id})
}

func resolved(id, district string) feed.Event {
	return ev("dr-"+id, feed.TypeDisputeResolved, district, feed.DisputeResolved{DisputeID: id})
}

func filed(id, district, category string) feed.Event {
	return ev("cf-"+id, feed.TypeCaseFiled, district, feed.CaseFiled{CaseID: id, Category: category, Kind: feed.KindCriminal})
}

func solved(id, district, category string, cold bool) feed.Event {
	return ev("cs-"+id, feed.TypeCaseSolved, district, feed.CaseSolved{CaseID: id, Category: category, Kind: feed.KindCriminal, Cold: cold})
}

func TestRatesNeverPass100WithLateOrMissingEvents(t *testing.T) {
	cfg := testConfig(t)
	const na = -1 // the figure must be n/a (nothing to divide by)
	tests := []struct {
		name    string
		events  []feed.Event
		figures map[string]float64
		// the counters kept apart, for the city and for district east
		unfound, eastUnfound int64
		unfiled, eastUnfiled int64
	}{
		{"resolved with no found: kept apart, no rate", []feed.Event{resolved("D1", "east")},
			map[string]float64{"hazard.disputes_found": 0, "hazard.disputes_resolved": 0, "hazard.disputes_resolution_rate_pct": na}, 1, 1, 0, 0},
		{"a second resolution of one found dispute", []feed.Event{found("D1", "east"), resolved("D1", "east"), resolved("D9", "east")},
			map[string]float64{"hazard.disputes_found": 1, "hazard.disputes_resolved": 1, "hazard.disputes_resolution_rate_pct": 100}, 1, 1, 0, 0},
		{"resolved before its late found", []feed.Event{resolved("D1", "east"), found("D2", "east"), found("D1", "east")},
			map[string]float64{"hazard.disputes_found": 2, "hazard.disputes_resolved": 1, "hazard.disputes_resolution_rate_pct": 50}, 0, 0, 0, 0},
		{"matched within the district only", []feed.Event{found("D1", "east"), resolved("D2", "west")},
			map[string]float64{"hazard.disputes_found": 1, "hazard.disputes_resolved": 0, "hazard.disputes_resolution_rate_pct": 0}, 1, 0, 0, 0},
		{"solved with no filing: a solve, not in the clearance rate", []feed.Event{solved("C1", "east", "theft", false)},
			map[string]float64{"strike.theft_cases_solved": 1, "strike.theft_clearance_rate_pct": na}, 0, 0, 1, 1},
		{"two solves, one filing", []feed.Event{filed("C1", "east", "theft"), solved("C1", "east", "theft", false), solved("C0", "east", "theft", false)},
			map[string]float64{"strike.theft_cases_solved": 2, "strike.theft_clearance_rate_pct": 100}, 0, 0, 1, 1},
		{"solved before its late filing", []feed.Event{solved("C1", "east", "theft", false), filed("C2", "east", "theft"), filed("C1", "east", "theft")},
			map[string]float64{"strike.theft_cases_solved": 1, "strike.theft_clearance_rate_pct": 50}, 0, 0, 0, 0},
		{"a filing of another category does not match", []feed.Event{solved("C1", "east", "theft", false), filed("H1", "east", "homicide")},
			map[string]float64{"strike.theft_clearance_rate_pct": na, "strike.homicide_new_solve_rate_pct": 0}, 0, 0, 1, 1},
		{"a backlog solve needs no filing", []feed.Event{solved("H0", "west", "homicide", true)},
			map[string]float64{"strike.homicide_cold_cases_solved": 1, "strike.homicide_new_solve_rate_pct": na}, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fold(cfg, tc.events...)
			figs := Figures(cfg, s)
			for id, want := range tc.figures {
				got := figs[id]
				if want == na {
					if got.OK {
						t.Errorf("%s = %v, want n/a", id, got.Value)
					}
					continue
				}
				if !got.OK || math.Abs(got.Value-want) > 1e-9 {
					t.Errorf("%s = %+v, want %v", id, got, want)
				}
			}
			east := s.Districts["east"]
			if s.Totals.DisputesResolvedUnfound != tc.unfound || east.DisputesResolvedUnfound != tc.eastUnfound {
				t.Errorf("resolutions kept apart: city %d east %d, want %d %d", s.Totals.DisputesResolvedUnfound, east.DisputesResolvedUnfound, tc.unfound, tc.eastUnfound)
			}
			if got, eastGot := sum(s.Totals.SolvedUnfiled), sum(east.SolvedUnfiled); got != tc.unfiled || eastGot != tc.eastUnfiled {
				t.Errorf("solves kept apart: city %d east %d, want %d %d", got, eastGot, tc.unfiled, tc.eastUnfiled)
			}
		})
	}
}

// Whatever order a district's disputes and cases arrive in, the counts
// end the same and no rate passes 100%, in the city or a district.
func TestMatchedCountsDoNotDependOnArrivalOrder(t *testing.T) {
	cfg := testConfig(t)
	var evs []feed.Event
	for i := range 12 {
		d := []string{"east", "west"}[i%2]
		id := fmt.Sprint(i)
		if i%4 != 3 { // some resolutions and solves have no found or filing
			evs = append(evs, found(id, d), filed(id, d, "theft"))
		}
		if i%3 != 2 { // and some disputes and cases stay open
			evs = append(evs, resolved(id, d), solved(id, d, "theft", false))
		}
	}
	counts := func(s *State) string {
		b, _ := json.Marshal([]any{s.Totals, s.Districts})
		return string(b)
	}
	want := counts(fold(cfg, evs...))
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		shuffled := slices.Clone(evs)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		s := fold(cfg, shuffled...)
		if got := counts(s); got != want {
			t.Fatalf("round %d: counts depend on the order:\n got %s\nwant %s", round, got, want)
		}
		for _, district := range []string{"", "east", "west"} {
			figs := Figures(cfg, s)
			if district != "" {
				figs = DistrictFigures(cfg, s, district)
			}
			for _, id := range []string{"hazard.disputes_resolution_rate_pct", "strike.theft_clearance_rate_pct"} {
				if f := figs[id]; f.OK && f.Value > 100 {
					t.Fatalf("round %d: %s %s = %v, above 100%%", round, district, id, f.Value)
				}
			}
		}
	}
}

func received(id string, at time.Time) feed.Event {
	e := ev("rcv-"+id, feed.TypeAlarmReceived, "east", feed.AlarmReceived{AlarmID: id, Category: "criminal", Priority: 1})
	e.At = at
	return e
}

func closed(id string) feed.Event {
	return ev("cls-"+id, feed.TypeAlarmClosed, "east", feed.AlarmClosed{AlarmID: id, Category: "criminal"})
}

func TestCloseBeforeReceivedDoesNotOpenTheAlarm(t *testing.T) {
	cfg := testConfig(t)
	withAlarmAlert := *cfg
	withAlarmAlert.Alerts = append(slices.Clone(cfg.Alerts), AlertRule{Type: feed.TypeAlarmReceived, Category: "criminal", Level: "critical", ClearType: feed.TypeAlarmClosed})
	tests := []struct {
		name string
		// snapshot round-trips the state after this many events (0: never)
		snapshotAfter int
		events        []feed.Event
		open          []string
	}{
		{"in order", 0, []feed.Event{received("A", t0), closed("A")}, nil},
		{"close first", 0, []feed.Event{closed("A"), received("A", t0)}, nil},
		{"close first, snapshot between", 1, []feed.Event{closed("A"), received("A", t0)}, nil},
		{"close first, others stay open", 0, []feed.Event{received("B", t0), closed("A"), received("A", t0), received("C", t0)}, []string{"B", "C"}},
		{"a late close still closes", 0, []feed.Event{received("A", t0), received("B", t0), closed("A")}, []string{"B"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewState(&withAlarmAlert)
			for i, e := range tc.events {
				if i == tc.snapshotAfter && i > 0 {
					s = s.Clone()
				}
				Apply(&withAlarmAlert, s, e)
			}
			var open []string
			for id := range s.OpenAlarms {
				open = append(open, id)
			}
			slices.Sort(open)
			if !slices.Equal(open, tc.open) {
				t.Fatalf("open alarms = %v, want %v", open, tc.open)
			}
			for _, a := range s.Alerts {
				if !slices.Contains(tc.open, a.Subject) && (!a.Cleared() || a.ClearedBy != feed.TypeAlarmClosed) {
					t.Errorf("alert for closed alarm %s not cleared", a.Subject)
				}
			}
			for _, it := range s.Ticker {
				if it.Type == feed.TypeAlarmReceived && !slices.Contains(tc.open, it.AlarmID) && it.Status != StatusClosed {
					t.Errorf("ticker shows closed alarm %s as %q", it.AlarmID, it.Status)
				}
			}
			if got := sum(s.Totals.AlarmsReceived); got != int64(len(tc.events)-int(s.Totals.AlarmsClosed)) {
				t.Errorf("alarms received = %d: a late received must still count", got)
			}
		})
	}
}

func TestEarlyClosesAreBounded(t *testing.T) {
	cfg := testConfig(t)
	s := NewState(cfg)
	n := MaxEarlyCloses + 10
	for i := range n {
		Apply(cfg, s, closed(fmt.Sprint("X", i)))
	}
	if len(s.EarlyCloses) != MaxEarlyCloses {
		t.Fatalf("remembered %d early closes, want the last %d", len(s.EarlyCloses), MaxEarlyCloses)
	}
	s = s.Clone()
	Apply(cfg, s, received(fmt.Sprint("X", n-1), t0)) // remembered: stays closed
	Apply(cfg, s, received("X0", t0))                 // forgotten: opens, as with no memory
	if _, ok := s.OpenAlarms[fmt.Sprint("X", n-1)]; ok {
		t.Error("a remembered early close did not keep its alarm closed")
	}
	if _, ok := s.OpenAlarms["X0"]; !ok {
		t.Error("the oldest early close should have been forgotten")
	}
}

// The open queue drops its oldest alarm, by (at, id), when full: the same
// one the old full scan dropped, through snapshots and closes in between.
func TestOpenQueueDropsTheOldestWhenFull(t *testing.T) {
	cfg := testConfig(t)
	rng := rand.New(rand.NewPCG(3, 4))
	s := NewState(cfg)
	model := map[string]time.Time{}
	var dropped int64
	for i := range 2*MaxOpenAlarms + MaxOpenAlarms/2 {
		if i%1000 == 999 {
			s = s.Clone() // a board's snapshot mid-way
		}
		if i%7 == 3 && len(model) > 0 { // close a random open alarm
			var id string
			for id = range model { // any open one: the model follows the same choice
				break
			}
			e := closed(id)
			e.ID = fmt.Sprint("cls-", i)
			Apply(cfg, s, e)
			delete(model, id)
			continue
		}
		id := fmt.Sprintf("A%05d", rng.IntN(1_000_000)) // ids out of order, at times with ties
		at := t0.Add(time.Duration(rng.IntN(5000)) * time.Second)
		if _, open := model[id]; !open && len(model) >= MaxOpenAlarms {
			var oldest string
			for oid, oat := range model {
				if oldest == "" || oat.Before(model[oldest]) || (oat.Equal(model[oldest]) && oid < oldest) {
					oldest = oid
				}
			}
			delete(model, oldest)
			dropped++
		}
		model[id] = at
		e := received(id, at)
		e.ID = fmt.Sprint("rcv-", i)
		Apply(cfg, s, e)
	}
	if s.OpenDropped != dropped || dropped == 0 {
		t.Fatalf("dropped %d, want %d (> 0)", s.OpenDropped, dropped)
	}
	if len(s.OpenAlarms) != len(model) {
		t.Fatalf("open %d, want %d", len(s.OpenAlarms), len(model))
	}
	for id, at := range model {
		if o, ok := s.OpenAlarms[id]; !ok || !o.At.Equal(at) {
			t.Fatalf("alarm %s: open %v at %v, want open at %v", id, ok, o.At, at)
		}
	}
}
