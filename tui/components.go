package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sitboard/layouts"
)

// region is the common Component: it renders through a pure function and
// caches the result until the context's Version or its size changes.
// Regions whose look depends on the clock (header, alerts, status, the
// rotator's countdown) set live and render every frame; they are cheap.
type region struct {
	ctx     *Context
	kind    string
	w, h    int
	live    bool
	render  func(c *Context, w, h int) []string
	version int
	cached  string
	valid   bool
	help    []key.Binding
}

func (r *region) SetSize(w, h int) {
	if w != r.w || h != r.h {
		r.w, r.h, r.valid = w, h, false
	}
}

func (r *region) Update(tea.Msg) tea.Cmd { return nil }

func (r *region) KeyHelp() []key.Binding { return r.help }

func (r *region) View() string {
	if r.live {
		return Block(r.render(r.ctx, r.w, r.h), r.w, r.h)
	}
	if !r.valid || r.version != r.ctx.Version {
		r.cached = Block(r.render(r.ctx, r.w, r.h), r.w, r.h)
		r.version, r.valid = r.ctx.Version, true
	}
	return r.cached
}

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

func newComponent(c *Context, p layouts.Placed) Component {
	k := c.Keys
	switch p.Kind {
	case layouts.Rotator:
		return &rotatorRegion{region: region{ctx: c, kind: p.Kind, help: []key.Binding{k.Pause, k.Prev, k.Next, k.Jump1}}, pages: p.Pages}
	case layouts.Header:
		return &region{ctx: c, kind: p.Kind, live: true, render: func(c *Context, w, _ int) []string { return []string{renderHeader(c, w)} }}
	case layouts.Status:
		return &region{ctx: c, kind: p.Kind, live: true, render: func(c *Context, w, _ int) []string { return []string{renderStatus(c, w)} }}
	case layouts.Alerts:
		return &region{ctx: c, kind: p.Kind, live: true, render: renderAlerts, help: []key.Binding{k.Ack, k.Clear}}
	case layouts.KPI:
		return &region{ctx: c, kind: p.Kind, render: renderKPI}
	case layouts.Ticker:
		return &region{ctx: c, kind: p.Kind, render: renderTicker}
	case layouts.Ranking:
		return &region{ctx: c, kind: p.Kind, render: renderRanking, help: []key.Binding{k.Filter}}
	}
	page := p.Kind
	return &region{ctx: c, kind: p.Kind, render: func(c *Context, w, h int) []string {
		return append([]string{c.St.Title.R(Fit(" "+c.T("page."+page), w))}, renderPage(c, page, w, h-1)...)
	}}
}

// renderPage renders one line panel or detail page's body.
func renderPage(c *Context, page string, w, h int) []string {
	if h <= 0 {
		return nil
	}
	switch page {
	case layouts.Strike:
		return renderStrike(c, w, h)
	case layouts.Patrol:
		return renderPatrol(c, w, h)
	case layouts.Hazard:
		return renderHazard(c, w, h)
	case layouts.Grid:
		return renderGridPage(c, w, h)
	case layouts.Cases:
		return renderCases(c, w, h)
	case layouts.Trends:
		return renderTrends(c, w, h)
	case layouts.Ranking:
		return renderRanking(c, w, h)
	}
	return []string{strings.Repeat(" ", w)}
}
