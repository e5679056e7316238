package campaign

import "reflect"

// CountersSince is each district's counts in now less those in base: what
// the districts did between two states of the same run, such as the end
// of the day before a week and the state shown. A board ranks a span
// with it from two snapshots (the one it shows and one the hub kept for
// the end of a day, GET /v1/snapshot?day=N), with no per-day record; an
// event counts on the day it arrived, where a bulletin counts it on the
// day of its time (docs/figures.md, "The board's ranking by span"). A nil
// base is the start of the run.
func CountersSince(now, base *State) map[string]*Counters {
	out := make(map[string]*Counters, len(now.Districts))
	for id, c := range now.Districts {
		d := &Counters{}
		addCounters(d, c)
		if base != nil {
			if b, ok := base.Districts[id]; ok {
				neg := &Counters{}
				addCounters(neg, b)
				negateCounters(neg)
				addCounters(d, neg)
			}
		}
		out[id] = d
	}
	return out
}

// negateCounters flips the sign of every count, walking the struct's
// fields as addCounters does.
func negateCounters(c *Counters) {
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int64:
			f.SetInt(-f.Int())
		case reflect.Map:
			it := f.MapRange()
			for it.Next() {
				f.SetMapIndex(it.Key(), reflect.ValueOf(-it.Value().Int()))
			}
		}
	}
}

// SumCounters adds up counts by district (the city of a span from
// CountersSince).
func SumCounters(m map[string]*Counters) *Counters {
	out := &Counters{}
	for _, c := range m {
		addCounters(out, c)
	}
	return out
}
