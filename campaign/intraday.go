package campaign

import "time"

// HoursPerDay is the number of buckets in an Intraday day: one per hour.
const HoursPerDay = 24

// Intraday is the city's counts hour by hour for the newest campaign day
// (Day) and the day before, and for no other: enough for the 日动态 page to
// set today so far against yesterday up to the same hour, and bounded (48
// buckets) however long the campaign runs.
//
// Which days it holds depends on the events' own days, never on when they
// arrived: Day is the newest campaign day of any folded event (see
// MovesClock), and an event lands in the bucket of its own day and hour, so
// a late event for yesterday still counts in yesterday's hours and one for
// an older day touches no bucket. The same events give the same series in
// any arrival order.
type Intraday struct {
	Day       int                    `json:"day"` // campaign day of Today
	Today     [HoursPerDay]DayCounts `json:"today"`
	Yesterday [HoursPerDay]DayCounts `json:"yesterday"`
}

// hourOf is t's hour of its campaign day, 0–23, in the campaign's zone.
func (c *Config) hourOf(t time.Time) int {
	d := t.In(c.loc).Sub(c.start) % (24 * time.Hour)
	if d < 0 {
		d += 24 * time.Hour
	}
	return int(d / time.Hour)
}

// roll makes d, an event's campaign day, the series' newest day if it is
// newer: the day before it becomes yesterday when it was today, and any
// older day is dropped.
func (in *Intraday) roll(d int) {
	switch {
	case d <= in.Day:
	case d == in.Day+1:
		in.Yesterday, in.Today = in.Today, [HoursPerDay]DayCounts{}
		in.Day = d
	default:
		in.Yesterday, in.Today = [HoursPerDay]DayCounts{}, [HoursPerDay]DayCounts{}
		in.Day = d
	}
}

// bucket is the hour bucket of campaign day d, or nil when d is neither
// the series' day nor the day before.
func (in *Intraday) bucket(d, hour int) *DayCounts {
	switch d {
	case in.Day:
		return &in.Today[hour]
	case in.Day - 1:
		return &in.Yesterday[hour]
	}
	return nil
}

// Through sums a day's hours from 00:00 up to, not including, hour h
// (0–24): the day's counts to h:00.
func Through(hours *[HoursPerDay]DayCounts, h int) DayCounts {
	var sum DayCounts
	for i := range min(max(h, 0), HoursPerDay) {
		addFields(&sum, &hours[i])
	}
	return sum
}

// SameTime is campaign day `day` and the day before, both to h:00, from
// the state's hourly series: ok is false when the series does not hold
// both days (a state from a hub older than the series, or a day that is
// not the newest).
func (s *State) SameTime(day, h int) (today, yesterday DayCounts, ok bool) {
	in := s.Intraday
	if in == nil || in.Day != day || day < 2 {
		return DayCounts{}, DayCounts{}, false
	}
	return Through(&in.Today, h), Through(&in.Yesterday, h), true
}
