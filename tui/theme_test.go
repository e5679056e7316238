package tui

import (
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Without --theme the board asks the terminal for its background and
// picks dark or light from the answer; with one it keeps it.
func TestThemeFollowsTerminalBackground(t *testing.T) {
	cfg, s := fixture()
	for _, c := range []struct {
		name, theme string
		bg          color.Color
		want        string
	}{
		{"light terminal", "", color.RGBA{0xfa, 0xfa, 0xfa, 0xff}, "light"},
		{"dark terminal", "", color.RGBA{0x10, 0x10, 0x10, 0xff}, "dark"},
		{"asked for dark", "dark", color.RGBA{0xfa, 0xfa, 0xfa, 0xff}, "dark"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A tick of a microsecond: Init's clock tick answers at once,
			// so runCmd can wait for every command instead of guessing
			// which ones are ticks by how long they take.
			m := New(cfg, Options{Theme: c.theme, Tick: time.Microsecond, Now: func() time.Time { return fixedNow }, Getenv: func(string) string { return "" }})
			asks := false
			for _, msg := range runCmd(m.Init()) {
				if _, ok := msg.(tea.BackgroundColorMsg); ok || isBackgroundRequest(msg) {
					asks = true
				}
			}
			if asks != (c.theme == "") {
				t.Fatalf("asks for the background: %v, want %v", asks, c.theme == "")
			}
			m = send(m, StateMsg{State: s})
			m = send(m, tea.BackgroundColorMsg{Color: c.bg})
			if m.ctx.St.Theme != c.want {
				t.Fatalf("theme %q, want %q", m.ctx.St.Theme, c.want)
			}
		})
	}
}

// runCmd runs a command and the batches it holds, returning every message.
// Ticks are included: callers give the model a short Tick so they return.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runCmd(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// isBackgroundRequest recognises tea.RequestBackgroundColor's message,
// which is unexported: it is what the command returns.
func isBackgroundRequest(msg tea.Msg) bool {
	want := tea.RequestBackgroundColor()
	return msg == want
}

// Every colour theme paints its own background, so its text colours are
// never drawn on a background they were not chosen for; t names the theme.
func TestThemeBackgroundAndName(t *testing.T) {
	m := board(t, Options{Lang: "en", Theme: "dark", Layout: "standard"}, 120, 40)
	for range Themes {
		m = press(m, "t")
		v := m.View()
		if (v.BackgroundColor == nil) != (m.ctx.St.Theme == "mono") {
			t.Errorf("theme %s: background %v", m.ctx.St.Theme, v.BackgroundColor)
		}
		name := T("en", "theme."+m.ctx.St.Theme)
		if !strings.Contains(plain(m), "theme: "+name) {
			t.Errorf("after t the status bar does not name %q:\n%s", name, plain(m))
		}
	}
	// The name goes after a few seconds.
	m.ctx.frame = fixedNow.Add(noticeFor + time.Second)
	m.ctx.Now = func() time.Time { return fixedNow.Add(noticeFor + time.Second) }
	if strings.Contains(plain(m), "theme: ") {
		t.Errorf("the theme's name stays:\n%s", plain(m))
	}
}
