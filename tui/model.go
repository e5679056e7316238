// Package tui is the sitboard board: a Bubble Tea v2 program fed only by
// messages (StateMsg, ConnMsg, DemoMsg). One root Model owns the layout and
// routes messages; each screen region is a Component sharing one Context.
package tui

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/layouts"
)

// Options configure a board.
type Options struct {
	Lang     string // "zh" or "en"; empty: from LC_ALL/LANG
	Theme    string // dark, light, high-contrast, mono; empty: dark, or mono under NO_COLOR
	Layout   string // a built-in name or a file path; empty: chosen by terminal size
	District string // district id to highlight (and filter to with f)
	Demo     bool   // demo mode: the header shows DEMO and the replay's clock
	Bell     bool   // ring the terminal bell on a new priority alert, and when one escalates
	// Now is the clock, injectable for tests; default time.Now.
	Now func() time.Time
	// StaleAfter is how long without data or heartbeat before the board
	// says STALE; default 15s.
	StaleAfter time.Duration
	// Rotate overrides the layout's rotation interval (0: the layout's).
	Rotate time.Duration
	// Tick is the clock, flash and redraw interval; default 1s.
	Tick time.Duration
	// ReloadEvery is how often a layout file is checked for changes; default 2s.
	ReloadEvery time.Duration
	// Coalesce is the least time between two data redraws: batches that
	// arrive faster are held and the newest is shown at the next clock
	// tick. A wall board gains nothing from 15 ticker scrolls a second, and
	// an SSH link pays for each. Default 500ms; negative shows every batch.
	Coalesce time.Duration
	// FetchDay gets a past day's state for review (复盘); nil: the board
	// has no review (the keys say so).
	FetchDay DayFetcher
	// ReviewDay starts the board in review on this campaign day (watch
	// --at); 0 starts live.
	ReviewDay int
	// Getenv reads the environment for defaults; over SSH pass the
	// session's, never os.Getenv. Default os.Getenv.
	Getenv func(string) string
	// Ack sends acknowledgements to the hub (POST /v1/acks, see
	// client.Acker); the caller binds who acknowledges. nil: acks stay on
	// this board.
	Ack AckSender
	// Reply sends the sign-offs and reports of District's instructions
	// (POST /v1/directives/sign, /report, see client.Office); the caller
	// binds the district and who signs. A board with a District is that
	// district's station: its 指令 page lists its open instructions, o
	// signs them and e answers one. nil: the keys say the board cannot.
	Reply ReplySender
}

// AckSender sends the acknowledgement of alerts ids, made at the board's
// clock at, to the hub. It runs in a tea.Cmd.
type AckSender func(ctx context.Context, ids []string, at time.Time) error

// ackTimeout bounds one sending of acknowledgements.
const ackTimeout = 15 * time.Second

// ackResultMsg is the end of a sending: Err nil when the hub has them.
type ackResultMsg struct{ Err error }

// Model is the root of the board.
type Model struct {
	ctx  *Context
	opts Options

	fixed      *layouts.Layout // from --layout; nil chooses by size
	layoutFile string          // when fixed came from a file: watched for changes
	fileMod    time.Time
	fileSize   int64

	layout *layouts.Layout
	placed []layouts.Placed
	comps  []Component
	w, h   int

	help     bool
	history  bool // the alert history screen
	quitting bool
	// detectTheme: no theme was asked for, so the terminal's background
	// picks dark or light when it answers (until t chooses one).
	detectTheme bool
	err         error // a startup problem shown on screen (bad --layout, theme)
}

// New builds a board for a campaign. Problems with the options (unknown
// theme, bad layout file) do not stop the board: it falls back and shows
// the problem in the status bar; use Validate to refuse them up front.
func New(cfg *campaign.Config, opts Options) Model {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 15 * time.Second
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	if opts.Coalesce == 0 {
		opts.Coalesce = time.Second
	}
	if opts.ReloadEvery <= 0 {
		opts.ReloadEvery = 2 * time.Second
	}
	if opts.Lang != "zh" && opts.Lang != "en" {
		opts.Lang = DefaultLang(opts.Getenv, cfg.Campaign.Lang)
	}
	detect := false
	if opts.Theme == "" {
		opts.Theme = DefaultTheme(opts.Getenv)
		detect = opts.Theme != "mono"
	}
	m := Model{opts: opts, detectTheme: detect}
	st, err := NewStyles(opts.Theme)
	if err != nil {
		m.err = err
		st, _ = NewStyles("dark")
	}
	m.ctx = &Context{
		Cfg: cfg, Lang: opts.Lang, St: st, Keys: DefaultKeys(), Now: opts.Now,
		District: opts.District, ownDistrict: opts.District != "", StaleAfter: opts.StaleAfter, Demo: opts.Demo,
		Alerts: newAlertState(""), Rot: &rotation{},
		Reply: opts.Reply, sentSign: map[string]bool{}, sentReport: map[string]bool{},
	}
	if opts.District != "" {
		if _, ok := cfg.DistrictIndex(opts.District); !ok {
			m.err = fmt.Errorf("unknown district %q", opts.District)
			m.ctx.District, m.ctx.ownDistrict = "", false
		} else {
			m.ctx.Alerts.district = opts.District
			m.ctx.ReplyDistrict = opts.District
		}
	}
	if opts.Layout != "" && opts.Layout != "auto" {
		l, err := layouts.Resolve(opts.Layout)
		if err != nil {
			m.err = err
		} else {
			m.fixed = l
			if !strings.HasPrefix(l.Source, "builtin:") {
				m.layoutFile = l.Source
				if fi, err := os.Stat(l.Source); err == nil {
					m.fileMod, m.fileSize = fi.ModTime(), fi.Size()
				}
			}
		}
	}
	if m.err != nil {
		m.ctx.LayoutErr = m.err.Error()
	}
	m.ctx.derive(nil)
	return m
}

// Validate checks options the way New would use them and returns the
// first problem, for commands that prefer to refuse bad flags at start.
func Validate(cfg *campaign.Config, opts Options) error {
	if opts.Lang != "" && opts.Lang != "zh" && opts.Lang != "en" {
		return fmt.Errorf("unknown language %q: use zh or en", opts.Lang)
	}
	if opts.Theme != "" {
		if _, err := NewStyles(opts.Theme); err != nil {
			return err
		}
	}
	if opts.District != "" {
		if _, ok := cfg.DistrictIndex(opts.District); !ok {
			ids := make([]string, len(cfg.Districts))
			for i, d := range cfg.Districts {
				ids[i] = d.ID
			}
			return fmt.Errorf("unknown district %q: use one of %s", opts.District, strings.Join(ids, ", "))
		}
	}
	if _, err := layouts.Resolve(opts.Layout); err != nil {
		return err
	}
	return nil
}

// Init starts the clock and, for a layout file, the watch on it.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick()}
	if m.detectTheme {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.layoutFile != "" {
		cmds = append(cmds, m.layoutCheck())
	}
	if m.opts.ReviewDay > 0 {
		cmds = append(cmds, m.startReview(min(m.opts.ReviewDay, m.ctx.Cfg.Days())))
	}
	return tea.Batch(cmds...)
}

func (m Model) tick() tea.Cmd {
	return tea.Tick(m.opts.Tick, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m Model) layoutCheck() tea.Cmd {
	return tea.Tick(m.opts.ReloadEvery, func(time.Time) tea.Msg { return layoutCheckMsg{} })
}

// statLayout looks at the layout file and reparses it when it changed. It
// runs as a command: Update does no I/O.
func statLayout(path string, mod time.Time, size int64) tea.Cmd {
	return func() tea.Msg {
		fi, err := os.Stat(path)
		if err != nil {
			return layoutFileMsg{Path: path, ModTime: mod, Size: size, Err: fmt.Errorf("layout file %s: %w (keeping the last good layout)", path, err)}
		}
		if fi.ModTime().Equal(mod) && fi.Size() == size {
			return layoutFileMsg{Path: path, ModTime: mod, Size: size}
		}
		l, err := layouts.Load(path)
		return layoutFileMsg{Path: path, ModTime: fi.ModTime(), Size: fi.Size(), Changed: true, Layout: l, Err: err}
	}
}

// Update routes a message. It does no I/O.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := m.ctx
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.frame = c.Now()
		m.w, m.h = msg.Width, msg.Height
		m.relayout()
		return m, nil
	case StateMsg:
		if msg.State == nil {
			return m, nil
		}
		now := c.Now()
		c.LastData = now
		c.pending = msg.State
		if m.opts.Coalesce < 0 || now.Sub(c.applied) >= m.opts.Coalesce {
			return m, m.applyPending(now)
		}
		return m, nil
	case ConnMsg:
		if msg.Status != c.Conn.Status {
			c.frame = c.Now() // a lost connection shows at once
		}
		c.newEpoch(msg.Epoch)
		c.Conn = msg
		if msg.LastData.After(c.LastData) {
			c.LastData = msg.LastData
		}
		return m, nil
	case DemoMsg:
		// Progress shows on the next tick; the end and the facts check at once.
		if !c.HasDemo || msg.Done {
			c.DemoInfo, c.HasDemo = msg, true
			c.frame = c.Now()
			if msg.Done && msg.Facts != nil {
				c.check = &pendingCheck{want: msg.CheckSeq, facts: msg.Facts, since: c.frame}
				c.runCheck()
			}
			m.bump()
		} else {
			c.demoPending = &msg
		}
		return m, nil
	case tickMsg:
		now := c.Now()
		c.frame = now
		if c.demoPending != nil {
			if !c.DemoInfo.Done {
				c.DemoInfo = *c.demoPending
			}
			c.demoPending = nil
		}
		var bell tea.Cmd
		if c.pending != nil && now.Sub(c.applied) >= m.opts.Coalesce {
			bell = m.applyPending(now)
		}
		if c.Rot.schedule(m.layout, c.clock(), now) {
			m.bump()
		}
		c.holdOnAlerts(now)
		if c.Rot.tick(now) {
			m.bump()
		}
		var ring tea.Cmd
		if c.escalations(now) && m.opts.Bell {
			ring = tea.Raw("\a") // an alert left unacknowledged past its time
		}
		if c.checkTimedOut(now) {
			m.bump()
		}
		c.Flash = !c.Flash
		return m, tea.Batch(m.tick(), bell, ring)
	case layoutCheckMsg:
		return m, statLayout(m.layoutFile, m.fileMod, m.fileSize)
	case layoutFileMsg:
		if msg.Path != m.layoutFile {
			return m, nil
		}
		m.fileMod, m.fileSize = msg.ModTime, msg.Size
		switch {
		case msg.Err != nil:
			c.LayoutErr = msg.Err.Error()
		case msg.Changed && msg.Layout != nil:
			c.LayoutErr = ""
			m.fixed = msg.Layout
			m.relayout()
		}
		return m, m.layoutCheck()
	case tea.BackgroundColorMsg:
		if m.detectTheme {
			m.detectTheme = false
			c.St = themeFor(msg.IsDark())
			m.bump()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case DayStateMsg:
		m.dayState(msg)
		return m, m.rankFetch() // a span's base moves with the day shown
	case rankBaseMsg:
		m.rankBase(msg)
		return m, nil
	case tea.PasteMsg:
		if c.prompt != nil {
			c.prompt.insert(msg.Content)
			m.bump()
		}
		return m, nil
	case replyResultMsg:
		m.replyResult(msg)
		return m, nil
	case ackResultMsg:
		c.ackErr = ""
		if msg.Err != nil {
			c.ackErr = msg.Err.Error()
		}
		c.frame = c.Now()
		m.bump()
		return m, nil
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c, k, now := m.ctx, m.ctx.Keys, m.ctx.Now()
	c.frame = now
	if c.prompt != nil {
		return m.promptKey(msg)
	}
	switch {
	case key.Matches(msg, k.Sign):
		return m.signKey()
	case key.Matches(msg, k.Feedback):
		return m.feedbackKey()
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help, m.history = !m.help, false
	case key.Matches(msg, k.History):
		m.history, m.help = !m.history, false
	case key.Matches(msg, k.Close):
		m.help, m.history = false, false
		c.epochNotice = ""
	case key.Matches(msg, k.Pause):
		c.Rot.toggle(now)
	case key.Matches(msg, k.Prev):
		c.Rot.step(-1, now)
	case key.Matches(msg, k.Next):
		c.Rot.step(1, now)
	case key.Matches(msg, k.Jump):
		c.Rot.jump(int(msg.String()[0]-'1'), now)
	case key.Matches(msg, k.Figures):
		c.Rot.jumpTo(layouts.Figures, now)
	case key.Matches(msg, k.Ack):
		ids := c.Alerts.ackAll(c.liveState())
		if len(ids) == 0 {
			c.ackErr = "" // nothing is left for the hub: the warning is over
		}
		c.holdOnAlerts(now) // acknowledged: the rotation goes on
		m.bump()
		return m, m.sendAcks(ids, c.ackTime())
	case key.Matches(msg, k.Clear):
		// Only this board: the record, and every other board, keep them.
		if n := c.Alerts.hideAcked(c.liveState()); n > 0 {
			c.notify(c.Tf("status.hidden", n), now)
		} else {
			c.notify(c.T("status.hidden_none"), now)
		}
	case key.Matches(msg, k.DayBack):
		return m.reviewKey(-1, false)
	case key.Matches(msg, k.DayForward):
		return m.reviewKey(1, false)
	case key.Matches(msg, k.WeekBack):
		return m.reviewKey(-7, false)
	case key.Matches(msg, k.WeekForward):
		return m.reviewKey(7, false)
	case key.Matches(msg, k.Live):
		return m.reviewKey(0, true)
	case key.Matches(msg, k.RankSpan):
		return m.spanKey()
	case key.Matches(msg, k.Filter):
		c.toggleFilter()
		c.derive(c.State)
	case key.Matches(msg, k.Zone):
		if len(c.Cfg.Zones) == 0 {
			c.notify(c.T("status.no_zones"), now)
			break
		}
		c.toggleZone()
		c.derive(c.State)
	case key.Matches(msg, k.Lang):
		if c.Lang == "zh" {
			c.Lang = "en"
		} else {
			c.Lang = "zh"
		}
		m.sizeFigures()
	case key.Matches(msg, k.Theme):
		i := slices.Index(Themes, c.St.Theme)
		c.St, _ = NewStyles(Themes[(i+1)%len(Themes)])
		m.detectTheme = false
		c.notify(c.Tf("status.theme", c.T("theme."+c.St.Theme)), now)
	case key.Matches(msg, k.Big):
		c.BigFigures, c.bigSet = !c.BigFigures, true
	default:
		return m, nil
	}
	m.bump()
	return m, nil
}

// sendAcks is the command that sends acknowledgements to the hub: the
// acks are already shown here, and the answer (ackResultMsg) only says
// whether the hub has them.
func (m Model) sendAcks(ids []string, at time.Time) tea.Cmd {
	send := m.opts.Ack
	if send == nil || len(ids) == 0 {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		return ackResultMsg{Err: send(ctx, ids, at)}
	}
}

// applyPending shows the newest held state: derived data is computed here,
// once per shown batch, never per frame.
func (m *Model) applyPending(now time.Time) tea.Cmd {
	c := m.ctx
	s := c.pending
	c.pending, c.applied, c.frame = nil, now, now
	fresh := c.Alerts.sync(s)
	c.showLive(s)
	c.holdOnAlerts(now)
	c.runCheck()
	m.bump()
	if fresh && m.opts.Bell {
		return tea.Batch(tea.Raw("\a"), m.rankFetch())
	}
	return m.rankFetch() // a new day moves a span's base
}

// bump invalidates every cached region rendering.
func (m *Model) bump() { m.ctx.Version++ }

// relayout places the layout for the current size and rebuilds the
// components; the rotation keeps its page when the pages stay the same.
func (m *Model) relayout() {
	c := m.ctx
	l := m.fixed
	c.LayoutNote = ""
	if l != nil && (m.w < l.MinWidth || m.h < l.MinHeight) && m.w >= layouts.MinWidth && m.h >= layouts.MinHeight {
		// A layout asked for on a terminal below its size would cut its
		// regions: show the built-in one for the size and say why.
		c.LayoutNote = c.Tf("status.layout_small", l.Name, l.MinWidth, l.MinHeight)
		l = nil
	}
	if l == nil {
		l = layouts.Auto(m.w, m.h)
	}
	m.layout = l
	c.LayoutName = l.Name
	if !c.bigSet {
		c.BigFigures = l.BigFigures
	}
	interval := time.Duration(l.RotateSeconds) * time.Second
	if m.opts.Rotate > 0 {
		interval = m.opts.Rotate
	}
	c.Rot.configure(l.RotatorPages(), interval, l.PageSeconds(), c.Now())
	c.Rot.window = nil // the new layout's schedule applies at the next tick
	m.placed, m.comps = nil, nil
	if m.w < layouts.MinWidth || m.h < layouts.MinHeight {
		return
	}
	placed, err := l.Place(m.w, m.h)
	if err != nil {
		// A user layout that does not fit this terminal: fall back to the
		// built-in one for the size and say why.
		c.LayoutErr = err.Error()
		l = layouts.Auto(m.w, m.h)
		m.layout, c.LayoutName = l, l.Name
		c.Rot.configure(l.RotatorPages(), interval, l.PageSeconds(), c.Now())
		placed, _ = l.Place(m.w, m.h)
	}
	m.placed = placed
	for _, p := range placed {
		comp := newComponent(c, p)
		comp.SetSize(p.W, p.H)
		m.comps = append(m.comps, comp)
	}
	m.sizeFigures()
	m.bump()
}

// sizeFigures tells the rotation how many parts the figures page needs in
// the rotator's box, in the current language.
func (m *Model) sizeFigures() {
	c := m.ctx
	c.Rot.parts = 1
	for _, p := range m.placed {
		if p.Kind == layouts.Rotator {
			_, c.Rot.parts = figuresLayout(c.Lang, p.W, p.H-1)
			break
		}
	}
	c.Rot.part = min(c.Rot.part, c.Rot.parts-1)
}

// View renders the board.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = m.ctx.title()
	// A theme paints its own background, so the light theme's dark text
	// never lands on a dark terminal's background, nor the reverse.
	v.BackgroundColor = m.ctx.St.Background
	return v
}

// Render is the board as a string of exactly the terminal's height in
// lines, each exactly its width: what View shows, for golden tests.
func (m Model) Render() string {
	c := m.ctx
	if m.quitting {
		return ""
	}
	if m.w <= 0 || m.h <= 0 {
		return c.T("loading")
	}
	if m.w < layouts.MinWidth || m.h < layouts.MinHeight {
		return renderTooSmall(c, m.w, m.h)
	}
	if c.refused() {
		// Nothing true to draw: a board of zeros would read as a quiet day.
		return renderRefused(c, m.w, m.h)
	}
	if c.State == nil {
		// Not a single snapshot yet: the same, until the first arrives.
		return renderConnecting(c, m.w, m.h)
	}
	overlay := m.help || m.history
	degraded := c.degraded()
	rows := make([][]string, m.h)
	bannerRow := -1
	for i, p := range m.placed {
		chrome := p.Kind == layouts.Header || p.Kind == layouts.Status
		if overlay && !chrome {
			continue
		}
		block := m.comps[i].View()
		if degraded && !chrome {
			block = dim(c.St, block)
		}
		if p.Kind == layouts.Header {
			bannerRow = p.Y + p.H
		}
		for j, line := range strings.Split(block, "\n") {
			if p.Y+j < m.h && j < p.H {
				rows[p.Y+j] = append(rows[p.Y+j], line)
			}
		}
	}
	switch {
	case m.help:
		m.overlay(rows, renderHelp)
	case m.history:
		m.overlay(rows, renderAlertHistory)
	}
	bannerRow = m.belowAlerts(bannerRow)
	if c.epochNotice != "" && bannerRow >= 0 && bannerRow < m.h {
		rows[bannerRow] = []string{renderEpochNotice(c, m.w)}
		bannerRow = m.belowAlerts(bannerRow + 1)
	}
	if degraded && bannerRow >= 0 && bannerRow < m.h {
		rows[bannerRow] = []string{renderBanner(c, m.w)}
	}
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	gap := strings.Repeat(" ", layouts.Gap)
	for y, parts := range rows {
		if y > 0 {
			b.WriteByte('\n')
		}
		line := strings.Join(parts, gap)
		if len(parts) == 0 || Width(line) != m.w {
			line = Fit(line, m.w)
		}
		b.WriteString(line)
	}
	return b.String()
}

// belowAlerts moves a full-width notice's row off the alerts region: an
// outage must never hide the only alert line (the compact layout's alerts
// are one line, right under the header). A row past the screen is -1.
func (m Model) belowAlerts(row int) int {
	for _, p := range m.placed {
		if p.Kind == layouts.Alerts && row >= p.Y && row < p.Y+p.H {
			row = p.Y + p.H
		}
	}
	for _, p := range m.placed {
		if p.Kind == layouts.Status && row >= p.Y {
			return -1 // never over the status bar either
		}
	}
	return row
}

// overlay fills the lines between the header and the status bar with a
// screen of its own (the help, the alert history).
func (m Model) overlay(rows [][]string, render renderFunc) {
	top, bottom := 0, m.h
	for _, p := range m.placed {
		if p.Kind == layouts.Header {
			top = max(top, p.Y+p.H)
		}
		if p.Kind == layouts.Status {
			bottom = min(bottom, p.Y)
		}
	}
	lines := strings.Split(Block(render(m.ctx, m.w, bottom-top), m.w, bottom-top), "\n")
	for i := top; i < bottom; i++ {
		rows[i] = []string{lines[i-top]}
	}
}

// Help reports whether the help screen is open.
func (m Model) Help() bool { return m.help }

// History reports whether the alert history screen is open.
func (m Model) History() bool { return m.history }

// Quitting reports whether q was pressed.
func (m Model) Quitting() bool { return m.quitting }

// Lang is the current label language.
func (m Model) Lang() string { return m.ctx.Lang }

// Page is the rotator's current page and whether rotation is paused.
func (m Model) Page() (string, bool) { return m.ctx.Rot.page(), m.ctx.Rot.paused }

// LayoutName is the layout in use.
func (m Model) LayoutName() string { return m.ctx.LayoutName }

// ConnLabel is the connection badge text the header shows now.
func (m Model) ConnLabel() string {
	var parts []string
	for _, b := range m.ctx.badges() {
		parts = append(parts, b.text)
	}
	return strings.Join(parts, " ")
}
