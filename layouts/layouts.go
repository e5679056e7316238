// Package layouts holds the board's built-in layouts (embedded TOML files)
// and the code that places their regions on a terminal of a given size.
//
// A layout is a stack of rows. A row has a fixed height in lines or shares
// the lines left over with the other flexible rows; inside a row, regions
// have a fixed width in columns or share the columns left over. See
// docs/layouts.md for the file format.
package layouts

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"sitboard/tomlfile"
)

//go:embed *.toml
var builtin embed.FS

// MinWidth and MinHeight are the smallest terminal any layout supports.
const (
	MinWidth  = 80
	MinHeight = 24
)

// DefaultRotateSeconds is the rotation interval when a layout sets none.
const DefaultRotateSeconds = 15

// Region kinds a layout may place.
const (
	Header  = "header"  // campaign, day, clock, connection state, seq
	Alerts  = "alerts"  // priority alert banner
	KPI     = "kpi"     // KPI tiles
	Rotator = "rotator" // one of its pages at a time, rotating
	Strike  = "strike"  // strike line panel
	Patrol  = "patrol"  // patrol line panel
	Hazard  = "hazard"  // hazard clearance line panel
	Grid    = "grid"    // grid heat view, large
	Cases   = "cases"   // recent closures and notable cases
	Trends  = "trends"  // per-day sparklines
	Figures = "figures" // every published figure, by line of work (通报)
	Daily   = "daily"   // 日动态: the day shown against the day before
	// Response is the response clock (出警时效): districts' dispatch
	// shares and times, open alarms with their ages.
	Response = "response"
	Reports  = "reports" // 勤务报送: tonight's shift reports, who has not reported
	// Zones is the 战区 page: each zone's figures, what is open and
	// overdue, its leader's title.
	Zones = "zones"
	// Supervision is the 督察 page: the teams' visits this week, open
	// and overdue findings by district.
	Supervision = "supervision"
	// Directives is the office's instructions (指令): a station's open
	// ones with countdowns, or who has signed and reported each.
	Directives = "directives"
	// Overdue is the oldest late P1 call's wait in big digits (the wall).
	Overdue = "overdue"
	Ticker  = "ticker"  // live alarm ticker
	Ranking = "ranking" // district ranking with flags
	Status  = "status"  // status bar with key hint
)

// Kinds lists every region kind.
var Kinds = []string{Header, Alerts, KPI, Rotator, Strike, Patrol, Hazard, Grid, Cases, Trends, Figures, Daily, Response, Reports, Zones, Supervision, Directives, Overdue, Ticker, Ranking, Status}

// PageKinds are the kinds a rotator may rotate through.
var PageKinds = []string{Strike, Patrol, Hazard, Grid, Cases, Trends, Ranking, Figures, Daily, Response, Reports, Zones, Supervision, Directives, Alerts}

// Layout is one layout file.
type Layout struct {
	Name          string `toml:"name"`
	Description   string `toml:"description"`
	MinWidth      int    `toml:"min_width"`
	MinHeight     int    `toml:"min_height"`
	RotateSeconds int    `toml:"rotate_seconds"`
	// BigFigures draws the KPI band in big digits, readable from across
	// the room, where the band has five lines or more; b toggles it.
	BigFigures bool  `toml:"big_figures"`
	Rows       []Row `toml:"rows"`
	// Schedule gives the rotator other pages at times of day: from 20:00
	// to 02:00 the patrol page, from 08:00 to 08:30 the 日动态.
	Schedule []Window `toml:"schedule"`

	// Source is where the layout came from: "builtin:NAME" or a file path.
	Source string `toml:"-"`
}

// Row is one band of the screen.
type Row struct {
	Height  int      `toml:"height"` // lines; 0 shares the leftover lines
	Weight  int      `toml:"weight"` // share of the leftover lines when Height is 0 (default 1)
	Regions []Region `toml:"regions"`
}

// Region is one box in a row.
type Region struct {
	Kind   string   `toml:"region"`
	Width  int      `toml:"width"`  // columns; 0 shares the leftover columns
	Weight int      `toml:"weight"` // share of the leftover columns when Width is 0 (default 1)
	Pages  []string `toml:"pages"`  // rotator only: the pages in order
	// PageSeconds gives a rotator's page its own time on screen (page =
	// seconds); the others take the layout's rotate_seconds.
	PageSeconds map[string]int `toml:"page_seconds"`
}

// Window is a time of day when the rotator shows Pages instead of its own:
// from From to To ("HH:MM", in the campaign's zone; To before From runs
// past midnight). The first window that holds the time wins.
type Window struct {
	From  string   `toml:"from"`
	To    string   `toml:"to"`
	Pages []string `toml:"pages"`

	from, to int // minutes of the day
}

// Holds reports whether the window holds a time of day, in minutes
// (0–1439).
func (w Window) Holds(minute int) bool {
	if w.from < w.to {
		return minute >= w.from && minute < w.to
	}
	return minute >= w.from || minute < w.to
}

// minuteOfDay reads "HH:MM" (00:00 to 24:00).
func minuteOfDay(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, false
	}
	return h*60 + m, true
}

// Placed is a region with its position on screen.
type Placed struct {
	Kind       string
	Pages      []string
	X, Y, W, H int
}

// Error points at the place in a layout file that is wrong.
type Error = tomlfile.Error

// Names lists the built-in layouts, smallest first.
func Names() []string { return []string{"compact", "standard", "wall"} }

// Builtin returns a built-in layout by name.
func Builtin(name string) (*Layout, error) {
	data, err := builtin.ReadFile(name + ".toml")
	if err != nil {
		return nil, fmt.Errorf("no built-in layout %q: use one of %s, or a path to a layout file", name, strings.Join(Names(), ", "))
	}
	l, err := Parse(name+".toml", data)
	if err != nil {
		return nil, err
	}
	l.Source = "builtin:" + name
	return l, nil
}

// BuiltinSource returns a built-in layout's TOML text, as a starting point
// for a user's own file.
func BuiltinSource(name string) ([]byte, error) { return builtin.ReadFile(name + ".toml") }

// Resolve returns the built-in layout with this name, or loads the file at
// this path. An empty name means "choose by size" and returns nil, nil.
func Resolve(nameOrPath string) (*Layout, error) {
	if nameOrPath == "" || nameOrPath == "auto" {
		return nil, nil
	}
	if slices.Contains(Names(), nameOrPath) {
		return Builtin(nameOrPath)
	}
	return Load(nameOrPath)
}

// Load reads and validates a layout file.
func Load(path string) (*Layout, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read layout: %w (pass --layout with one of %s or a readable TOML file)", err, strings.Join(Names(), ", "))
	}
	l, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	l.Source = path
	return l, nil
}

// Auto picks the largest built-in layout that fits a w x h terminal; below
// the smallest it returns the smallest, and the board shows a message.
func Auto(w, h int) *Layout {
	names := Names()
	for i := len(names) - 1; i >= 0; i-- {
		l, err := Builtin(names[i])
		if err != nil {
			panic("layouts: built-in layout is invalid: " + err.Error())
		}
		if w >= l.MinWidth && h >= l.MinHeight {
			return l
		}
	}
	l, _ := Builtin(names[0])
	return l
}

// Parse decodes and validates a layout held in memory; file names it in errors.
func Parse(file string, data []byte) (*Layout, error) {
	var l Layout
	md, err := toml.Decode(string(data), &l)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: pe.Position.Line, Field: orFile(pe.LastKey), Reason: pe.Message}
		}
		return nil, &Error{File: file, Field: "(file)", Reason: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		return nil, &Error{File: file, Line: tomlfile.LineOf(string(data), k[len(k)-1]), Field: k.String(), Reason: "unknown field: see docs/layouts.md for the fields a layout has"}
	}
	if err := l.validate(file, string(data)); err != nil {
		return nil, err
	}
	if l.RotateSeconds == 0 {
		l.RotateSeconds = DefaultRotateSeconds
	}
	if l.MinWidth == 0 {
		l.MinWidth = MinWidth
	}
	if l.MinHeight == 0 {
		l.MinHeight = MinHeight
	}
	return &l, nil
}

func orFile(s string) string {
	if s == "" {
		return "(file)"
	}
	return s
}

func (l *Layout) validate(file, src string) error {
	fail := func(field, needle, reason string) error {
		return &Error{File: file, Line: tomlfile.LineOf(src, needle), Field: field, Reason: reason}
	}
	if l.Name == "" {
		return fail("name", "", `missing: give the layout a name, e.g. name = "my-wall"`)
	}
	if l.MinWidth != 0 && l.MinWidth < MinWidth || l.MinHeight != 0 && l.MinHeight < MinHeight {
		return fail("min_width", "min_", fmt.Sprintf("must be at least %dx%d, the smallest terminal the board supports", MinWidth, MinHeight))
	}
	if l.RotateSeconds < 0 || l.RotateSeconds > 3600 {
		return fail("rotate_seconds", "rotate_seconds", "must be between 1 and 3600 (0 or absent means 15)")
	}
	if len(l.Rows) == 0 {
		return fail("rows", "", "a layout needs at least one [[rows]] table")
	}
	for i, r := range l.Rows {
		rf := fmt.Sprintf("rows[%d]", i)
		if r.Height < 0 || r.Weight < 0 {
			return fail(rf+".height", "height", "height and weight must not be negative (height 0 shares the leftover lines)")
		}
		if len(r.Regions) == 0 {
			return fail(rf+".regions", "[[rows]]", "a row needs at least one region")
		}
		for j, g := range r.Regions {
			gf := fmt.Sprintf("%s.regions[%d]", rf, j)
			if !slices.Contains(Kinds, g.Kind) {
				return fail(gf+".region", `"`+g.Kind+`"`, fmt.Sprintf("unknown region %q: use one of %s", g.Kind, strings.Join(Kinds, ", ")))
			}
			if g.Width < 0 || g.Weight < 0 {
				return fail(gf+".width", `"`+g.Kind+`"`, "width and weight must not be negative (width 0 shares the leftover columns)")
			}
			if g.Kind == Rotator {
				if len(g.Pages) == 0 {
					return fail(gf+".pages", "pages", "a rotator needs pages, e.g. pages = [\"strike\", \"patrol\", \"hazard\"]")
				}
				for k, p := range g.Pages {
					if !slices.Contains(PageKinds, p) {
						return fail(fmt.Sprintf("%s.pages[%d]", gf, k), `"`+p+`"`, fmt.Sprintf("unknown page %q: use one of %s", p, strings.Join(PageKinds, ", ")))
					}
				}
				for p, secs := range g.PageSeconds {
					if !slices.Contains(PageKinds, p) {
						return fail(gf+".page_seconds."+p, p, fmt.Sprintf("unknown page %q: use one of %s", p, strings.Join(PageKinds, ", ")))
					}
					if secs < 1 || secs > 3600 {
						return fail(gf+".page_seconds."+p, p, "must be between 1 and 3600 seconds")
					}
				}
			} else if len(g.Pages) > 0 || len(g.PageSeconds) > 0 {
				return fail(gf+".pages", "pages", "only a rotator region has pages and page_seconds")
			}
		}
	}
	for i := range l.Schedule {
		w := &l.Schedule[i]
		wf := fmt.Sprintf("schedule[%d]", i)
		line := func(key string) int { return tomlfile.TableLine(src, "schedule", i, key) }
		var ok bool
		if w.from, ok = minuteOfDay(w.From); !ok || w.from == 24*60 {
			return &Error{File: file, Line: line("from"), Field: wf + ".from", Reason: fmt.Sprintf("%q: give a time of day as \"HH:MM\", 00:00 to 23:59", w.From)}
		}
		if w.to, ok = minuteOfDay(w.To); !ok {
			return &Error{File: file, Line: line("to"), Field: wf + ".to", Reason: fmt.Sprintf("%q: give a time of day as \"HH:MM\", 00:01 to 24:00", w.To)}
		}
		w.to %= 24 * 60
		if w.from == w.to {
			return &Error{File: file, Line: line("to"), Field: wf + ".to", Reason: "the same as from: a window needs some time (to before from runs past midnight)"}
		}
		if len(w.Pages) == 0 {
			return &Error{File: file, Line: line("pages"), Field: wf + ".pages", Reason: `a window needs pages, e.g. pages = ["patrol"]`}
		}
		for k, p := range w.Pages {
			if !slices.Contains(PageKinds, p) {
				return &Error{File: file, Line: line("pages"), Field: fmt.Sprintf("%s.pages[%d]", wf, k), Reason: fmt.Sprintf("unknown page %q: use one of %s", p, strings.Join(PageKinds, ", "))}
			}
		}
	}
	if len(l.Schedule) > 0 && l.RotatorPages() == nil {
		return &Error{File: file, Line: tomlfile.TableLine(src, "schedule", 0, ""), Field: "schedule", Reason: "the layout has no rotator region for the schedule to show pages in"}
	}
	return nil
}

// WindowAt is the schedule's pages at a time of day (minutes, 0–1439),
// nil outside every window.
func (l *Layout) WindowAt(minute int) []string {
	for _, w := range l.Schedule {
		if w.Holds(minute) {
			return w.Pages
		}
	}
	return nil
}

// PageSeconds returns the first rotator's per-page times, or nil.
func (l *Layout) PageSeconds() map[string]int {
	for _, r := range l.Rows {
		for _, g := range r.Regions {
			if g.Kind == Rotator {
				return g.PageSeconds
			}
		}
	}
	return nil
}

// RotatorPages returns the pages of the layout's first rotator, or nil.
func (l *Layout) RotatorPages() []string {
	for _, r := range l.Rows {
		for _, g := range r.Regions {
			if g.Kind == Rotator {
				return g.Pages
			}
		}
	}
	return nil
}

// Gap is the number of blank columns between regions in a row: two, so a
// region whose text runs to its last column still reads apart from the
// next one.
const Gap = 2

// Place lays the layout out on a w x h terminal. Fixed rows and columns get
// their size first; flexible ones share the rest by weight, the remainder
// going to the first ones. It fails when the fixed parts do not fit.
func (l *Layout) Place(w, h int) ([]Placed, error) {
	heights := make([]int, len(l.Rows))
	fixed := make([]int, len(l.Rows))
	weights := make([]int, len(l.Rows))
	for i, r := range l.Rows {
		fixed[i] = r.Height
		weights[i] = max(r.Weight, 1)
	}
	if err := share(heights, fixed, weights, h); err != nil {
		return nil, fmt.Errorf("layout %s does not fit %d lines: %w", l.Name, h, err)
	}
	var out []Placed
	y := 0
	for i, r := range l.Rows {
		n := len(r.Regions)
		widths := make([]int, n)
		fw := make([]int, n)
		ww := make([]int, n)
		for j, g := range r.Regions {
			fw[j] = g.Width
			ww[j] = max(g.Weight, 1)
		}
		if err := share(widths, fw, ww, w-Gap*(n-1)); err != nil {
			return nil, fmt.Errorf("layout %s row %d does not fit %d columns: %w", l.Name, i, w, err)
		}
		x := 0
		for j, g := range r.Regions {
			out = append(out, Placed{Kind: g.Kind, Pages: g.Pages, X: x, Y: y, W: widths[j], H: heights[i]})
			x += widths[j] + Gap
		}
		y += heights[i]
	}
	return out, nil
}

// share splits total among slots: fixed sizes first, then the rest by weight
// over the slots whose fixed size is 0. With no flexible slot the last fixed
// slot takes the rest, so a layout always fills the screen.
func share(out, fixed, weights []int, total int) error {
	left := total
	var flex []int
	for i, f := range fixed {
		if f > 0 {
			out[i] = f
			left -= f
		} else {
			flex = append(flex, i)
		}
	}
	if left < 0 || left < len(flex) {
		return fmt.Errorf("fixed sizes need %d, have %d", total-left+len(flex), total)
	}
	if len(flex) == 0 {
		out[len(out)-1] += left
		return nil
	}
	wsum := 0
	for _, i := range flex {
		wsum += weights[i]
	}
	given := 0
	for _, i := range flex {
		out[i] = left * weights[i] / wsum
		given += out[i]
	}
	order := slices.Clone(flex)
	sort.Ints(order)
	for k := 0; given < left; k = (k + 1) % len(order) {
		out[order[k]]++
		given++
	}
	return nil
}
