package replay

import "time"

// pacer maps wall-clock time to campaign time: the campaign clock runs
// speed times faster than the wall, from the first event. A wait longer
// than maxWait is cut short by moving the campaign clock forward, so an
// empty stretch of the recording costs at most maxWait of real time.
type pacer struct {
	speed   float64
	maxWait time.Duration // <= 0: no cap
	base    time.Time     // campaign time at wall0
	wall0   time.Time
}

func newPacer(speed float64, maxWait time.Duration, first, now time.Time) *pacer {
	return &pacer{speed: speed, maxWait: maxWait, base: first, wall0: now}
}

// paced is false at max speed: everything is due at once.
func (p *pacer) paced() bool { return p.speed > 0 }

// clock is the campaign time at wall time now.
func (p *pacer) clock(now time.Time) time.Time {
	if !p.paced() {
		return time.Time{}
	}
	return p.base.Add(time.Duration(float64(now.Sub(p.wall0)) * p.speed))
}

// wait is how long to sleep from now until at is due; 0 if it is due.
func (p *pacer) wait(at, now time.Time) time.Duration {
	if !p.paced() {
		return 0
	}
	ahead := at.Sub(p.clock(now))
	if ahead <= 0 {
		return 0
	}
	w := time.Duration(float64(ahead) / p.speed)
	if p.maxWait > 0 && w > p.maxWait {
		// Skip the quiet stretch: the campaign clock jumps so that at falls
		// due after exactly maxWait.
		p.base = p.base.Add(time.Duration(float64(w-p.maxWait) * p.speed))
		w = p.maxWait
	}
	if w < time.Millisecond {
		return 0
	}
	return w
}
