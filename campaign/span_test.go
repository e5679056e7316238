package campaign_test

import (
	"errors"
	"reflect"
	"testing"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// TestCountersSince: the difference of the state at the end of day 14 and
// at the end of day 7 is, district by district, the week's counts that a
// History records for days 8-14 (the recording is in time order, so the
// day an event arrives and the day of its time agree).
func TestCountersSince(t *testing.T) {
	cfg := demo.Campaign()
	h := campaign.NewHistory(cfg)
	var end7 *campaign.State
	var end14 *campaign.State
	err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error {
		d := cfg.Day(ev.At)
		if d > 7 && end7 == nil {
			end7 = h.State().Clone()
		}
		if d > 14 {
			end14 = h.State().Clone()
			return errStop
		}
		h.Apply(ev)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if end7 == nil || end14 == nil {
		t.Fatal("the recording does not reach day 15")
	}
	week := h.Period(campaign.PeriodWeek, campaign.Span{From: 8, To: 14})
	got := campaign.CountersSince(end14, end7)
	for _, d := range cfg.Districts {
		want := week.Counts.Districts[d.ID]
		if want == nil {
			want = &campaign.Counters{}
		}
		if !reflect.DeepEqual(normalize(got[d.ID]), normalize(want)) {
			t.Errorf("%s: counts since day 7 %+v, want the week's %+v", d.ID, *got[d.ID], *want)
		}
	}
	r1 := campaign.RankSpan(cfg, got, end7.Districts, 7, cfg.Flags.Red, cfg.Flags.Yellow)
	if r2, provisional := week.Ranking(); !reflect.DeepEqual(r1, r2) || provisional {
		t.Errorf("ranking from the difference %+v, the week's %+v (provisional %v)", r1, r2, provisional)
	}
	all := campaign.CountersSince(end14, nil)
	if !reflect.DeepEqual(all["xihua"], end14.Districts["xihua"]) {
		t.Error("since nil is not the state's own counts")
	}
}

type stop struct{}

func (stop) Error() string { return "stop" }

var errStop error = stop{}

// normalize drops zero entries, which a difference keeps and a sum omits.
func normalize(c *campaign.Counters) campaign.Counters {
	out := *c
	v := reflect.ValueOf(&out).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.Map || f.IsNil() {
			continue
		}
		m := reflect.MakeMap(f.Type())
		it := f.MapRange()
		for it.Next() {
			if it.Value().Int() != 0 {
				m.SetMapIndex(it.Key(), it.Value())
			}
		}
		if m.Len() == 0 {
			m = reflect.Zero(f.Type())
		}
		f.Set(m)
	}
	return out
}
