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
		key += c.clock().Format(time.RFC3339)
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
	pages    []string
	idx      int
	paused   bool
	interval time.Duration
	next     time.Time
	left     time.Duration // time left when paused
	// part is the figures page's part on screen, of parts: the page shows
	// every published figure, in parts where the panel is too small, and
	// the rotation stays on it until each part had its interval.
	part, parts int
}

func (r *rotation) configure(pages []string, interval time.Duration, now time.Time) {
	if interval <= 0 {
		interval = time.Duration(layouts.DefaultRotateSeconds) * time.Second
	}
	if !slices.Equal(pages, r.pages) {
		cur := r.page()
		r.pages = slices.Clone(pages)
		r.idx = max(slices.Index(r.pages, cur), 0)
	}
	if interval != r.interval || r.next.IsZero() {
		r.interval = interval
		r.next = now.Add(interval)
		r.left = interval
	}
}

func (r *rotation) page() string {
	if len(r.pages) == 0 {
		return ""
	}
	return r.pages[r.idx%len(r.pages)]
}

// tick advances when the deadline passed; after a long sleep it moves one
// page and restarts the interval rather than spinning through pages.
func (r *rotation) tick(now time.Time) bool {
	if r.paused || len(r.pages) == 0 || now.Before(r.next) {
		return false
	}
	r.next = now.Add(r.interval)
	if r.page() == layouts.Figures && r.part+1 < r.parts {
		r.part++
		return true
	}
	r.idx = (r.idx + 1) % len(r.pages)
	r.part = 0
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
	if len(r.pages) == 0 {
		return
	}
	r.idx = ((r.idx+d)%len(r.pages) + len(r.pages)) % len(r.pages)
	r.part = 0
	r.restart(now)
}

func (r *rotation) jump(i int, now time.Time) {
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
	r.next = now.Add(r.interval)
	r.left = r.interval
}

func (r *rotation) remaining(now time.Time) time.Duration {
	if r.paused {
		return r.left
	}
	return max(r.next.Sub(now), 0)
}
