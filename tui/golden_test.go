package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"sitboard/layouts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// board builds a board on the fixture at the fixed clock, live and fresh.
func board(t testing.TB, opts Options, w, h int) Model {
	t.Helper()
	cfg, s := fixture()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	if opts.Coalesce == 0 {
		opts.Coalesce = -1 // show every batch at once; TestCoalescing covers the default
	}
	m := New(cfg, opts)
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = send(m, StateMsg{State: s})
	m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
	return m
}

func send(m Model, msg tea.Msg) Model {
	nm, _ := m.Update(msg)
	return nm.(Model)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./tui -update\n--- got (plain):\n%s", path, ansi.Strip(got))
	}
}

// checkWidths asserts every line is exactly w columns under both width
// rules: grapheme clusters (lipgloss) and wcwidth with East Asian
// ambiguous characters as two columns (a terminal in a CJK locale).
func checkWidths(t *testing.T, name, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", name, len(lines), h)
	}
	for i, l := range lines {
		plain := ansi.Strip(l)
		if gw := Width(l); gw != w {
			t.Errorf("%s line %d: grapheme width %d, want %d: %q", name, i, gw, w, plain)
		}
		if ew := eaw.StringWidth(plain); ew != w {
			t.Errorf("%s line %d: East Asian wcwidth %d, want %d: %q", name, i, ew, w, plain)
		}
		if nw := runewidth.StringWidth(plain); nw != w && !runewidth.EastAsianWidth {
			t.Errorf("%s line %d: wcwidth %d, want %d: %q", name, i, nw, w, plain)
		}
	}
}

func TestGoldens(t *testing.T) {
	sizes := invariantSizes
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			for _, theme := range []string{"dark", "mono"} {
				for _, sz := range sizes {
					name := fmt.Sprintf("%s_%s_%s_%dx%d", layout, lang, theme, sz[0], sz[1])
					t.Run(name, func(t *testing.T) {
						// Xihua's red alert acknowledged, so the rotation
						// shows its first page (TestAlertHoldGoldens has
						// the board held on the alerts).
						m := rotating(board(t, Options{Lang: lang, Theme: theme, Layout: layout, District: "xihua"}, sz[0], sz[1]))
						out := m.Render()
						checkWidths(t, name, out, sz[0], sz[1])
						golden(t, name, out)
					})
				}
			}
		}
	}
}

// TestEverythingFits checks the width rule beyond the goldens: every
// layout, language and theme, at odd sizes, in every board state.
func TestEverythingFits(t *testing.T) {
	sizes := [][2]int{{80, 24}, {81, 25}, {97, 33}, {111, 35}, {120, 40}, {133, 41}, {181, 51}, {200, 60}, {240, 70}}
	states := map[string]func(m Model) Model{
		"plain":    func(m Model) Model { return m },
		"help":     func(m Model) Model { return press(m, "?") },
		"filtered": func(m Model) Model { return press(m, "f") },
		"paused":   func(m Model) Model { return press(m, "right", "space", "a") },
		"stale": func(m Model) Model {
			return send(m, ConnMsg{Status: ConnReconnecting, NextRetry: fixedNow.Add(9 * time.Second), LastData: fixedNow.Add(-3 * time.Hour)})
		},
		"empty": func(m Model) Model {
			cfg, _ := fixture()
			return send(m, StateMsg{State: campaignNewState(cfg)})
		},
	}
	for _, layout := range append(layouts.Names(), "") {
		for _, lang := range Langs {
			for _, theme := range Themes {
				for _, sz := range sizes {
					for name, apply := range states {
						m := board(t, Options{Lang: lang, Theme: theme, Layout: layout, District: "shangshui"}, sz[0], sz[1])
						m = apply(m)
						for page := 0; page < 3; page++ {
							checkWidths(t, fmt.Sprintf("%s/%s/%s/%dx%d/%s/page%d", layout, lang, theme, sz[0], sz[1], name, page), m.Render(), sz[0], sz[1])
							m = press(m, "right")
						}
					}
				}
			}
		}
	}
}
