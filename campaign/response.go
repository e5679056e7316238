package campaign

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The response clock (出警时效, docs/figures.md "The response clock"): how
// long an alarm waited from its receipt to its first dispatch and to its
// close, against the thresholds of its priority in the campaign file's
// [[response]]. The fold times every alarm it saw received; the counts
// live in Counters, so the campaign's, a district's, a period's (History)
// and a board's span (CountersSince) are all sums of the same counts. A
// dispatch or close counts, as every event does, on the campaign day of
// its own time.

// ResponseRule is one alarm priority's thresholds: dispatched within
// Dispatch of its receipt, closed within Close.
type ResponseRule struct {
	Priority int           `toml:"priority"`
	Dispatch time.Duration `toml:"dispatch"`
	Close    time.Duration `toml:"close"`
}

// Bins of the response times. A time is rounded up to its bin's upper
// edge (a dispatch after 61 s counts as 90 s, one after 60 s as 60 s) and
// held at the last bin, so a period's times merge exactly, day by day, and
// the state stays bounded whatever the number of alarms.
const (
	DispatchBin    = 30 * time.Second
	DispatchBinMax = 2 * time.Hour // a dispatch later than this counts as this
	CloseBin       = 5 * time.Minute
	CloseBinMax    = 48 * time.Hour
)

// validateResponse checks [[response]]: priorities 1–3 once each, whole
// seconds, the dispatch before the close.
func (c *Config) validateResponse(fail func(field, needle, reason string) error) error {
	seen := map[int]bool{}
	for i, r := range c.Response {
		field := fmt.Sprintf("response[%d]", i)
		if r.Priority < 1 || r.Priority > 3 {
			return fail(field+".priority", "priority", "must be 1 (urgent), 2 (normal) or 3 (low), as an alarm's priority")
		}
		if seen[r.Priority] {
			return fail(field+".priority", "priority", fmt.Sprintf("priority %d is given twice: one [[response]] per priority", r.Priority))
		}
		seen[r.Priority] = true
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"dispatch", r.Dispatch}, {"close", r.Close}} {
			if d.v < time.Second || d.v%time.Second != 0 {
				return fail(field+"."+d.name, d.name, `must be a whole number of seconds of at least 1s, written as a duration such as "5m" or "4h" (a bare number would be nanoseconds)`)
			}
		}
		if r.Close <= r.Dispatch {
			return fail(field+".close", "close", fmt.Sprintf("%s is not after dispatch (%s): an alarm is closed after it is dispatched", r.Close, r.Dispatch))
		}
	}
	return nil
}

// ResponseRuleOf is the thresholds of an alarm priority, false when the
// campaign file gives none.
func (c *Config) ResponseRuleOf(priority int) (ResponseRule, bool) {
	for _, r := range c.Response {
		if r.Priority == priority {
			return r, true
		}
	}
	return ResponseRule{}, false
}

// binKey is the bin of a time: its upper edge in seconds, as the key of
// the Counters maps.
func binKey(d, bin, most time.Duration) string {
	d = min(max(d, 0), most)
	edge := (d + bin - 1) / bin * bin
	return strconv.FormatInt(int64(edge/time.Second), 10)
}

func priorityKey(p int) string { return strconv.Itoa(p) }

// alarmDispatched times an open alarm's first dispatch.
func (f *folder) alarmDispatched(id string) {
	o, ok := f.s.OpenAlarms[id]
	if !ok || o.Dispatched {
		return
	}
	o.Dispatched = true
	f.s.OpenAlarms[id] = o
	wait := f.ev.At.Sub(o.At)
	p := priorityKey(o.Priority)
	rule, hasRule := f.cfg.ResponseRuleOf(o.Priority)
	inTime := hasRule && wait <= rule.Dispatch
	bin := binKey(wait, DispatchBin, DispatchBinMax)
	f.both(func(c *Counters) {
		inc(&c.DispatchTimed, p, 1)
		if hasRule {
			c.DispatchRuled++
		}
		if inTime {
			inc(&c.DispatchInTime, p, 1)
		}
		inc(&c.DispatchSecs, bin, 1)
	})
}

// alarmClosedTimed times an open alarm's close; o is the alarm as it was
// open.
func (f *folder) alarmClosedTimed(o OpenAlarm) {
	wait := f.ev.At.Sub(o.At)
	p := priorityKey(o.Priority)
	rule, hasRule := f.cfg.ResponseRuleOf(o.Priority)
	inTime := hasRule && wait <= rule.Close
	bin := binKey(wait, CloseBin, CloseBinMax)
	f.both(func(c *Counters) {
		inc(&c.CloseTimed, p, 1)
		if inTime {
			inc(&c.CloseInTime, p, 1)
		}
		inc(&c.CloseSecs, bin, 1)
	})
}

// Response is the response clock of some counts: the campaign's, a
// district's, a period's.
type Response struct {
	// Timed is the alarms dispatched whose priority has a threshold;
	// InTime those dispatched within it. Share is InTime over Timed (not
	// shown with nothing timed).
	Timed  int64  `json:"timed"`
	InTime int64  `json:"in_time"`
	Share  Figure `json:"share"`
	// CloseTimed, CloseInTime and CloseShare are the same for the close.
	CloseTimed  int64  `json:"close_timed"`
	CloseInTime int64  `json:"close_in_time"`
	CloseShare  Figure `json:"close_share"`
	// Dispatch and Close are the times of every alarm timed, whatever its
	// priority, in whole bins (DispatchBin, CloseBin).
	Dispatch Percentiles `json:"dispatch"`
	Close    Percentiles `json:"close"`
}

// Percentiles are the median and the 90th percentile of some times, by
// nearest rank: the ceil(p × N)-th shortest of N, each rounded up to its
// bin. N is 0 when nothing was timed.
type Percentiles struct {
	N      int64         `json:"n"`
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
}

// ResponseOf reads the response clock from counts; a nil c is nothing.
func ResponseOf(cfg *Config, c *Counters) Response {
	var r Response
	if c == nil {
		return r
	}
	for _, rule := range cfg.Response {
		p := priorityKey(rule.Priority)
		r.Timed += c.DispatchTimed[p]
		r.InTime += c.DispatchInTime[p]
		r.CloseTimed += c.CloseTimed[p]
		r.CloseInTime += c.CloseInTime[p]
	}
	r.Share = ShownRate(r.InTime, r.Timed)
	r.CloseShare = ShownRate(r.CloseInTime, r.CloseTimed)
	r.Dispatch = percentilesOf(c.DispatchSecs)
	r.Close = percentilesOf(c.CloseSecs)
	return r
}

// PriorityShare is the dispatch share of one priority.
func PriorityShare(c *Counters, priority int) (inTime, timed int64) {
	if c == nil {
		return 0, 0
	}
	p := priorityKey(priority)
	return c.DispatchInTime[p], c.DispatchTimed[p]
}

// percentilesOf reads a histogram keyed by bin edges in seconds.
func percentilesOf(bins map[string]int64) Percentiles {
	type bin struct{ secs, n int64 }
	var bs []bin
	var total int64
	for k, n := range bins {
		if n <= 0 {
			continue // a span's difference may leave empty bins
		}
		secs, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue
		}
		bs = append(bs, bin{secs, n})
		total += n
	}
	if total == 0 {
		return Percentiles{}
	}
	slices.SortFunc(bs, func(a, b bin) int { return cmp.Compare(a.secs, b.secs) })
	at := func(pct int64) time.Duration {
		rank := (total*pct + 99) / 100 // ceil(p × N), at least 1
		var seen int64
		for _, b := range bs {
			if seen += b.n; seen >= rank {
				return time.Duration(b.secs) * time.Second
			}
		}
		return time.Duration(bs[len(bs)-1].secs) * time.Second
	}
	return Percentiles{N: total, Median: at(50), P90: at(90)}
}

// Lateness of an open alarm against its priority's thresholds.
const (
	InTime       = 0
	LateDispatch = 1 // not dispatched, past the dispatch threshold (yellow)
	LateClose    = 2 // not closed, past the close threshold (red)
)

// OpenAge is an open alarm and how long it has been open at some instant.
type OpenAge struct {
	ID string `json:"id"`
	OpenAlarm
	Age  time.Duration `json:"age"`
	Late int           `json:"late"` // InTime, LateDispatch or LateClose
}

// OpenAges is every alarm open in s at now, oldest first (ties by alarm
// id), with its lateness; in district only, unless district is "". An
// alarm received after now (a clock behind the feed) is 0 old.
func OpenAges(cfg *Config, s *State, district string, now time.Time) []OpenAge {
	out := make([]OpenAge, 0, len(s.OpenAlarms))
	for id, o := range s.OpenAlarms {
		if district != "" && o.District != district {
			continue
		}
		out = append(out, OpenAge{ID: id, OpenAlarm: o, Age: max(now.Sub(o.At), 0), Late: Lateness(cfg, o, now)})
	}
	slices.SortFunc(out, func(a, b OpenAge) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Lateness is how late an open alarm is at now: LateClose past its close
// threshold, LateDispatch when not dispatched past its dispatch threshold,
// else InTime (also for a priority without thresholds).
func Lateness(cfg *Config, o OpenAlarm, now time.Time) int {
	rule, ok := cfg.ResponseRuleOf(o.Priority)
	if !ok {
		return InTime
	}
	age := now.Sub(o.At)
	switch {
	case age > rule.Close:
		return LateClose
	case !o.Dispatched && age > rule.Dispatch:
		return LateDispatch
	}
	return InTime
}

// OldestOverdue is the oldest open alarm of the priority that is late at
// now (LateDispatch or LateClose), false when none is.
func OldestOverdue(cfg *Config, s *State, priority int, now time.Time) (OpenAge, bool) {
	var best OpenAge
	found := false
	for id, o := range s.OpenAlarms {
		if o.Priority != priority {
			continue
		}
		late := Lateness(cfg, o, now)
		if late == InTime {
			continue
		}
		a := OpenAge{ID: id, OpenAlarm: o, Age: max(now.Sub(o.At), 0), Late: late}
		if !found || a.At.Before(best.At) || (a.At.Equal(best.At) && a.ID < best.ID) {
			best, found = a, true
		}
	}
	return best, found
}
