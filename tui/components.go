package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sitboard/layouts"
)

// Component is one region of the board. The root Model places the
// components a layout asks for, sizes them, routes messages to them and
// stacks their views; each region kind lives in its own file.
type Component interface {
	SetSize(w, h int)
	Update(msg tea.Msg) tea.Cmd
	// View is the region as exactly its height in lines of exactly its width.
	View() string
	KeyHelp() []key.Binding
}

// renderFunc draws a region's or a page's lines for a w x h box: pure,
// from the shared context to strings, so a test can golden it alone.
type renderFunc func(c *Context, w, h int) []string

// pages are the panels a rotator shows one at a time, and that a layout
// may also place on their own under a title line. Adding a page is one
// file with its render function, one entry here, and its name in
// layouts.PageKinds.
var pages = map[string]renderFunc{
	layouts.Strike:      renderStrike,
	layouts.Patrol:      renderPatrol,
	layouts.Hazard:      renderHazard,
	layouts.Grid:        renderGridPage,
	layouts.Cases:       renderCases,
	layouts.Trends:      renderTrends,
	layouts.Ranking:     rankingTable,
	layouts.Figures:     renderFigures,
	layouts.Daily:       renderDaily,
	layouts.Zones:       renderZones,
	layouts.Supervision: renderSupervision,
	// The response clock and the shift reports read the clock too: see
	// clockPages.
	layouts.Response: renderResponse,
	layouts.Reports:  renderReports,
	// The alerts page flashes with the clock: see clockPages.
	layouts.Alerts: renderAlertsPage,
	// The office's instructions count down: a clock page too.
	layouts.Directives: renderDirectives,
}

// region is the common Component: it renders through a pure function and
// caches the result until the context's Version or its size changes.
// Regions whose look depends on the clock (header, alerts, status, the
// rotator's countdown) set live and render every frame; they are cheap.
type region struct {
	ctx     *Context
	kind    string
	w, h    int
	live    bool
	render  renderFunc
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

// line adapts a one-line region's renderer to a renderFunc.
func line(render func(c *Context, w int) string) renderFunc {
	return func(c *Context, w, _ int) []string { return []string{render(c, w)} }
}

// newComponent builds the component for one placed region.
func newComponent(c *Context, p layouts.Placed) Component {
	k := c.Keys
	switch p.Kind {
	case layouts.Rotator:
		return &rotatorRegion{region: region{ctx: c, kind: p.Kind, help: []key.Binding{k.Pause, k.Prev, k.Next, k.Jump}}, pages: p.Pages}
	case layouts.Header:
		return &region{ctx: c, kind: p.Kind, live: true, render: line(renderHeader)}
	case layouts.Status:
		return &region{ctx: c, kind: p.Kind, live: true, render: line(renderStatus)}
	case layouts.Alerts:
		return &region{ctx: c, kind: p.Kind, live: true, render: renderAlerts, help: []key.Binding{k.Ack, k.Clear}}
	case layouts.KPI:
		return &region{ctx: c, kind: p.Kind, render: renderKPI}
	case layouts.Ticker:
		return &region{ctx: c, kind: p.Kind, render: renderTicker}
	case layouts.Ranking:
		return &region{ctx: c, kind: p.Kind, render: renderRanking, help: []key.Binding{k.Filter}}
	case layouts.Overdue:
		return &region{ctx: c, kind: p.Kind, live: true, render: renderOverdue}
	}
	page := p.Kind
	return &region{ctx: c, kind: p.Kind, live: clockPages[page], render: func(c *Context, w, h int) []string {
		return append([]string{c.St.Title.R(Fit(" "+c.T("page."+page), w))}, renderPage(c, page, w, h-1)...)
	}}
}

// renderPage renders one page's body.
func renderPage(c *Context, page string, w, h int) []string {
	if h <= 0 {
		return nil
	}
	if render, ok := pages[page]; ok {
		return render(c, w, h)
	}
	return []string{strings.Repeat(" ", w)}
}
