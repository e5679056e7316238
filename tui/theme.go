package tui

import (
	"fmt"
	"image/color"
	"os"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

const reset = "\x1b[m"

// Style is a precomputed SGR prefix. Rendering is a string concatenation,
// which keeps a full wall view in well under a millisecond; Bubble Tea
// downsamples the colours to the terminal's profile when it draws.
type Style struct{ pre string }

// R renders text in the style.
func (s Style) R(text string) string {
	if s.pre == "" || text == "" {
		return text
	}
	return s.pre + text + reset
}

func mkStyle(fg, bg color.Color, attrs ...string) Style {
	st := ansi.Style{}
	for _, a := range attrs {
		switch a {
		case "bold":
			st = st.Bold()
		case "faint":
			st = st.Faint()
		case "reverse":
			st = st.Reverse(true)
		case "underline":
			st = st.Underline(true)
		}
	}
	if fg != nil {
		st = st.ForegroundColor(fg)
	}
	if bg != nil {
		st = st.BackgroundColor(bg)
	}
	if len(st) == 0 {
		return Style{}
	}
	return Style{st.String()}
}

// Palette is a theme's colours. A nil colour means "terminal default".
// Colours are chosen to stay distinct after downsampling to 256 and 16
// colours: good is green, bad is red, warning is yellow on every profile.
type Palette struct {
	Name string
	// Background is painted behind the whole board (nil: the terminal's
	// own), so the text colours are chosen against a known background.
	Background               color.Color
	Text, Dim, Accent, Value color.Color
	Good, Bad, Warn, Info    color.Color
	TitleFg, TitleBg         color.Color
	BadgeFg                  color.Color
	LiveBg, WarnBg, BadBg    color.Color
	DemoBg, HighlightBg      color.Color
	FlagRed, FlagYellow      color.Color
	Heat                     [5]color.Color
	Category                 map[string]color.Color
	Mono                     bool // no colour at all: attributes carry the meaning
}

// Styles are every style the board uses, built once per theme.
type Styles struct {
	Theme                                   string
	Background                              color.Color
	Text, Dim, Accent, Value, Bold          Style
	Good, Bad, Warn, Info                   Style
	Title, TitleDim                         Style
	Live, Reconnecting, Stale, Failed, Demo Style
	Review                                  Style // review mode (复盘), see reviewStyle
	AlertOn, AlertOff, AlertAck             Style
	// Level are the alert levels' tags: red, orange, yellow, blue, and
	// anything else (campaign.LevelRank's order).
	Level               [5]Style
	Highlight           Style
	FlagRed, FlagYellow Style
	Bar, BarTrack       Style
	Heat                [5]Style
	Category            map[string]Style
}

// Themes lists the theme names.
var Themes = []string{"dark", "light", "high-contrast", "mono"}

func hex(s string) color.Color { return lipgloss.Color(s) }

var palettes = map[string]Palette{
	"dark": {
		Name: "dark", Background: hex("#0c1016"), Text: hex("#d0d4dc"), Dim: hex("#7a8290"), Accent: hex("#5fafff"), Value: hex("#ffffff"),
		Good: hex("#5fd75f"), Bad: hex("#ff5f5f"), Warn: hex("#ffd75f"), Info: hex("#5fafff"),
		TitleFg: hex("#ffffff"), TitleBg: hex("#1c3a5e"), BadgeFg: hex("#000000"),
		LiveBg: hex("#00af00"), WarnBg: hex("#ffaf00"), BadBg: hex("#d70000"), DemoBg: hex("#5f87ff"), HighlightBg: hex("#3a3a3a"),
		FlagRed: hex("#ff0000"), FlagYellow: hex("#ffd700"),
		Heat: [5]color.Color{hex("#4e5a66"), hex("#5fd75f"), hex("#d7d75f"), hex("#ff8700"), hex("#ff0000")},
		Category: map[string]color.Color{
			"criminal": hex("#ff5f5f"), "public_order": hex("#ffaf00"), "traffic": hex("#5fafff"), "dispute": hex("#d7afff"),
			"fire": hex("#ff8700"), "rescue": hex("#5fd7d7"), "mass_incident": hex("#ff00ff"), "other": hex("#a8a8a8"),
		},
	},
	"light": {
		Name: "light", Background: hex("#fafafa"), Text: hex("#1c1c1c"), Dim: hex("#6c6c6c"), Accent: hex("#005fd7"), Value: hex("#000000"),
		Good: hex("#008700"), Bad: hex("#d70000"), Warn: hex("#af5f00"), Info: hex("#005fd7"),
		TitleFg: hex("#ffffff"), TitleBg: hex("#005f87"), BadgeFg: hex("#ffffff"),
		LiveBg: hex("#008700"), WarnBg: hex("#af5f00"), BadBg: hex("#d70000"), DemoBg: hex("#005fd7"), HighlightBg: hex("#d0d0d0"),
		FlagRed: hex("#d70000"), FlagYellow: hex("#af8700"),
		Heat: [5]color.Color{hex("#bcbcbc"), hex("#008700"), hex("#af8700"), hex("#d75f00"), hex("#d70000")},
		Category: map[string]color.Color{
			"criminal": hex("#d70000"), "public_order": hex("#af5f00"), "traffic": hex("#005fd7"), "dispute": hex("#8700af"),
			"fire": hex("#d75f00"), "rescue": hex("#008787"), "mass_incident": hex("#af00af"), "other": hex("#585858"),
		},
	},
	// high-contrast uses only the 16 basic ANSI colours, so it looks the
	// same on every terminal and survives any downsampling.
	"high-contrast": {
		Name: "high-contrast", Background: ansi.Black, Text: ansi.White, Dim: ansi.White, Accent: ansi.BrightCyan, Value: ansi.BrightWhite,
		Good: ansi.BrightGreen, Bad: ansi.BrightRed, Warn: ansi.BrightYellow, Info: ansi.BrightCyan,
		TitleFg: ansi.Black, TitleBg: ansi.BrightWhite, BadgeFg: ansi.Black,
		LiveBg: ansi.BrightGreen, WarnBg: ansi.BrightYellow, BadBg: ansi.BrightRed, DemoBg: ansi.BrightCyan, HighlightBg: ansi.Blue,
		FlagRed: ansi.BrightRed, FlagYellow: ansi.BrightYellow,
		Heat: [5]color.Color{ansi.White, ansi.BrightGreen, ansi.BrightYellow, ansi.Yellow, ansi.BrightRed},
		Category: map[string]color.Color{
			"criminal": ansi.BrightRed, "public_order": ansi.BrightYellow, "traffic": ansi.BrightCyan, "dispute": ansi.BrightMagenta,
			"fire": ansi.Yellow, "rescue": ansi.Cyan, "mass_incident": ansi.Magenta, "other": ansi.White,
		},
	},
	"mono": {Name: "mono", Mono: true},
}

// NewStyles builds a theme's styles; an unknown name is an error that
// lists the known ones.
func NewStyles(theme string) (*Styles, error) {
	p, ok := palettes[theme]
	if !ok {
		return nil, fmt.Errorf("unknown theme %q: use one of %s", theme, strings.Join(Themes, ", "))
	}
	if p.Mono {
		return monoStyles(), nil
	}
	s := &Styles{
		Theme:        p.Name,
		Background:   p.Background,
		Text:         mkStyle(p.Text, nil),
		Dim:          mkStyle(p.Dim, nil),
		Accent:       mkStyle(p.Accent, nil, "bold"),
		Value:        mkStyle(p.Value, nil, "bold"),
		Bold:         mkStyle(nil, nil, "bold"),
		Good:         mkStyle(p.Good, nil, "bold"),
		Bad:          mkStyle(p.Bad, nil, "bold"),
		Warn:         mkStyle(p.Warn, nil, "bold"),
		Info:         mkStyle(p.Info, nil),
		Title:        mkStyle(p.TitleFg, p.TitleBg, "bold"),
		TitleDim:     mkStyle(p.Dim, p.TitleBg),
		Live:         mkStyle(p.BadgeFg, p.LiveBg, "bold"),
		Reconnecting: mkStyle(p.BadgeFg, p.WarnBg, "bold"),
		Stale:        mkStyle(hex("#ffffff"), p.BadBg, "bold"),
		Failed:       mkStyle(hex("#ffffff"), p.BadBg, "bold"),
		Demo:         mkStyle(p.BadgeFg, p.DemoBg, "bold"),
		AlertOn:      mkStyle(hex("#ffffff"), p.BadBg, "bold"),
		AlertOff:     mkStyle(p.Bad, nil, "bold"),
		AlertAck:     mkStyle(p.Warn, nil),
		Highlight:    mkStyle(p.Value, p.HighlightBg, "bold"),
		Level: [5]Style{mkStyle(hex("#ffffff"), p.BadBg, "bold"), mkStyle(hex("#000000"), p.WarnBg, "bold"),
			mkStyle(hex("#000000"), p.FlagYellow, "bold"), mkStyle(hex("#ffffff"), hex("#005fd7"), "bold"), mkStyle(p.Value, p.HighlightBg, "bold")},
		FlagRed:    mkStyle(p.FlagRed, nil, "bold"),
		FlagYellow: mkStyle(p.FlagYellow, nil, "bold"),
		Bar:        mkStyle(p.Accent, nil),
		BarTrack:   mkStyle(p.Dim, nil),
		Category:   map[string]Style{},
	}
	s.Review = reviewStyle(p.Name)
	if p.Name == "high-contrast" {
		s.Stale = mkStyle(ansi.BrightWhite, p.BadBg, "bold")
		s.Failed, s.AlertOn = s.Stale, s.Stale
		s.Level = [5]Style{mkStyle(ansi.BrightWhite, ansi.Red, "bold"), mkStyle(ansi.Black, ansi.Yellow, "bold"),
			mkStyle(ansi.Black, ansi.BrightYellow, "bold"), mkStyle(ansi.BrightWhite, ansi.Blue, "bold"), mkStyle(ansi.Black, ansi.White, "bold")}
	}
	for i, c := range p.Heat {
		s.Heat[i] = mkStyle(c, nil)
	}
	for k, c := range p.Category {
		s.Category[k] = mkStyle(c, nil)
	}
	return s, nil
}

// monoStyles carry meaning with attributes only, for NO_COLOR and
// terminals without colour; the text itself (LIVE, STALE, R/Y flags) never
// relies on colour.
func monoStyles() *Styles {
	b, rv, f, u := mkStyle(nil, nil, "bold"), mkStyle(nil, nil, "reverse", "bold"), mkStyle(nil, nil, "faint"), mkStyle(nil, nil, "underline")
	return &Styles{
		Review: reviewStyle("mono"),
		Theme:  "mono", Dim: f, Accent: b, Value: b, Bold: b, Good: b, Bad: b, Warn: b, Info: Style{},
		Title: rv, TitleDim: rv, Live: rv, Reconnecting: rv, Stale: rv, Failed: rv, Demo: rv,
		AlertOn: rv, AlertOff: b, AlertAck: u, Highlight: rv, FlagRed: b, FlagYellow: u,
		Bar: Style{}, BarTrack: f, Heat: [5]Style{f, {}, {}, b, rv}, Category: map[string]Style{},
		Level: [5]Style{rv, rv, b, b, b},
	}
}

// Cat is the style of an alarm category.
func (s *Styles) Cat(category string) Style {
	if st, ok := s.Category[category]; ok {
		return st
	}
	return s.Text
}

// DefaultTheme is "mono" when NO_COLOR is set (https://no-color.org), else "dark".
func DefaultTheme(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if getenv("NO_COLOR") != "" {
		return "mono"
	}
	return "dark"
}

// themeFor is the theme for a terminal background: light text on a dark
// one, dark text on a light one.
func themeFor(dark bool) *Styles {
	name := "light"
	if dark {
		name = "dark"
	}
	st, _ := NewStyles(name)
	return st
}
