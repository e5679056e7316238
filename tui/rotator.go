package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/layouts"
)

// The rotator region: one page at a time, on the one clock tick.

// rotatorRegion shows one page at a time; the page body is cached, the
// title line with its countdown is drawn every frame.
type rotatorRegion struct {
	region
	pages   []string
	bodyKey string
}

func (r *rotatorRegion) View() string {
	c := r.ctx
	page := c.Rot.page()
	key := page
	if clockPages[page] {
		// Ages count up and deadlines pass with the clock: a new body
		// each second the clock shows.
		key += c.clock().Format(time.RFC3339) + fmt.Sprint(c.Flash)
	}
	if !r.valid || r.version != c.Version || r.bodyKey != key {
		body := renderPage(c, page, r.w, r.h-1)
		r.cached = Block(body, r.w, r.h-1)
		r.version, r.valid, r.bodyKey = c.Version, true, key
	}
	title := Fit(renderRotatorTitle(c, r.w), r.w)
	if r.h <= 1 {
		return title
	}
	return title + "\n" + r.cached
}

// renderRotatorTitle: the pages with the current one marked, and the time
// to the next or PAUSED.
func renderRotatorTitle(c *Context, w int) string {
	st := c.St
	r := c.Rot
	if r.forced != "" {
		// Held on the alerts while a red alert waits: say why, not a
		// countdown that would not come.
		return st.AlertOn.R(Fit(" ["+c.pageLabel(r.forced)+"] "+c.T("rot.alerts_hold"), w))
	}
	left := rotatorTabs(c, false)
	var right string
	if r.paused {
		right = " || " + c.T("rot.paused") + " "
	} else {
		right = " " + c.Tf("rot.next", fmtAge(c.Lang, r.remaining(c.frameNow()))) + " "
	}
	if c.D.Filtered {
		right = " " + c.Tf("status.filtered", c.filterName()) + " " + right
	}
	style := st.Title
	rs := st.Title
	if r.paused {
		rs = st.Reconnecting
	}
	lw := max(w-Width(right), 0)
	if Width(left) > lw && len(r.pages) > 0 {
		// Too narrow for every page's name: the others by their short
		// names, then the page on screen alone, whole.
		left = rotatorTabs(c, true)
		if Width(left) > lw {
			left = fmt.Sprintf(" [%d %s] ", r.idx%len(r.pages)+1, c.pageLabel(r.page()))
		}
	}
	return style.R(Fit(left, lw)) + rs.R(Trunc(right, w-lw))
}

// rotatorTabs are the pages, numbered, the current one marked; short
// gives the pages not on screen their shortest names.
func rotatorTabs(c *Context, short bool) string {
	r := c.Rot
	var b strings.Builder
	b.WriteString(" ")
	for i, p := range r.pages {
		name := c.pageLabel(p)
		if short && i != r.idx {
			forms := labelForms(c.Lang, "page."+p)
			name = forms[len(forms)-1]
		}
		t := fmt.Sprintf("%d %s", i+1, name)
		if i == r.idx {
			b.WriteString("[" + t + "]")
		} else {
			b.WriteString(" " + t + " ")
		}
		b.WriteString(" ")
	}
	return b.String()
}

// rotation is the rotating panel's state. It is driven by the one clock
// tick, so it cannot stop by itself: every tick checks the deadline.
type rotation struct {
	// base are the layout's pages; pages those rotating now: base, or a
	// schedule window's (see schedule).
	base, pages []string
	idx         int
	paused      bool
	interval    time.Duration
	seconds     map[string]int // a page's own time, from the layout
	window      []string       // the schedule window's pages in force, nil for none
	next        time.Time
	left        time.Duration // time left when paused
	// part is the figures page's part on screen, of parts: the page shows
	// every published figure, in parts where the panel is too small, and
	// the rotation stays on it until each part had its interval.
	part, parts int
	// forced is the page the rotation is held on (the alerts, while a red
	// alert waits for acknowledgement); a key that moves the rotation lets
	// it go until holdOff, one interval later.
	forced  string
	holdOff time.Time
}

func (r *rotation) configure(pages []string, interval time.Duration, seconds map[string]int, now time.Time) {
	if interval <= 0 {
		interval = time.Duration(layouts.DefaultRotateSeconds) * time.Second
	}
	r.seconds = seconds
	if !slices.Equal(pages, r.base) {
		r.base = slices.Clone(pages)
		if r.window == nil {
			r.setPages(r.base)
		}
	}
	if interval != r.interval || r.next.IsZero() {
		r.interval = interval
		r.next = now.Add(r.pageInterval())
		r.left = r.pageInterval()
	}
}

// setPages rotates through pages from now on, staying on the page shown
// when it is among them.
func (r *rotation) setPages(pages []string) {
	cur := r.page()
	r.pages = slices.Clone(pages)
	r.idx = max(slices.Index(r.pages, cur), 0)
}

// schedule puts the layout's window for the board's time of day in force,
// or the layout's own pages outside every window; it reports a change.
func (r *rotation) schedule(l *layouts.Layout, clock, now time.Time) bool {
	if l == nil || len(l.Schedule) == 0 || clock.IsZero() {
		return false
	}
	w := l.WindowAt(clock.Hour()*60 + clock.Minute())
	if slices.Equal(w, r.window) {
		return false
	}
	r.window = slices.Clone(w)
	if w == nil {
		w = r.base
	}
	r.setPages(w)
	r.part = 0
	r.restart(now)
	return true
}

// pageInterval is the time the page on screen gets.
func (r *rotation) pageInterval() time.Duration {
	if s := r.seconds[r.page()]; s > 0 {
		return time.Duration(s) * time.Second
	}
	return r.interval
}

func (r *rotation) page() string {
	if r.forced != "" {
		return r.forced
	}
	if len(r.pages) == 0 {
		return ""
	}
	return r.pages[r.idx%len(r.pages)]
}

// hold keeps the rotation on page, unless a key let it go less than an
// interval ago; it reports a change.
func (r *rotation) hold(page string, now time.Time) bool {
	if now.Before(r.holdOff) || r.forced == page || len(r.pages) == 0 {
		return false
	}
	r.forced = page
	return true
}

// release lets the rotation go on from where it was; it reports a change.
func (r *rotation) release(now time.Time) bool {
	if r.forced == "" {
		return false
	}
	r.forced = ""
	r.restart(now)
	return true
}

// byHand is a key moving the rotation: it lets go of a hold for one
// interval, so the operator can look at another page.
func (r *rotation) byHand(now time.Time) {
	if r.forced != "" {
		r.forced = ""
		r.holdOff = now.Add(r.interval)
	}
}

// tick advances when the deadline passed; after a long sleep it moves one
// page and restarts the interval rather than spinning through pages.
func (r *rotation) tick(now time.Time) bool {
	if r.forced != "" || r.paused || len(r.pages) == 0 || now.Before(r.next) {
		return false
	}
	if r.page() == layouts.Figures && r.part+1 < r.parts {
		r.part++
		r.next = now.Add(r.pageInterval())
		return true
	}
	r.idx = (r.idx + 1) % len(r.pages)
	r.part = 0
	r.next = now.Add(r.pageInterval())
	return true
}

func (r *rotation) toggle(now time.Time) {
	if r.paused {
		r.paused = false
		r.next = now.Add(r.left)
		return
	}
	r.paused = true
	r.left = max(r.next.Sub(now), 0)
}

func (r *rotation) step(d int, now time.Time) {
	r.byHand(now)
	if len(r.pages) == 0 {
		return
	}
	r.idx = ((r.idx+d)%len(r.pages) + len(r.pages)) % len(r.pages)
	r.part = 0
	r.restart(now)
}

func (r *rotation) jump(i int, now time.Time) {
	r.byHand(now)
	if i < 0 || i >= len(r.pages) {
		return
	}
	r.idx = i
	r.part = 0
	r.restart(now)
}

// jumpTo shows the named page, wherever the layout placed it in the
// rotation; a page the rotation does not have is left alone.
func (r *rotation) jumpTo(page string, now time.Time) {
	r.byHand(now)
	i := slices.Index(r.pages, page)
	switch {
	case i < 0:
	case i == r.idx%len(r.pages):
		// Again on the page: its next part.
		r.part = (r.part + 1) % max(r.parts, 1)
		r.restart(now)
	default:
		r.jump(i, now)
	}
}

// restart gives a page chosen by hand a full interval.
func (r *rotation) restart(now time.Time) {
	r.next = now.Add(r.pageInterval())
	r.left = r.pageInterval()
}

func (r *rotation) remaining(now time.Time) time.Duration {
	if r.paused {
		return r.left
	}
	return max(r.next.Sub(now), 0)
}
