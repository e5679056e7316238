package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "space":
			msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		case "left":
			msg = tea.KeyPressMsg{Code: tea.KeyLeft}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		m = send(m, msg)
	}
	return m
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func plain(m Model) string           { return ansi.Strip(m.Render()) }
func has(t *testing.T, m Model, s string) {
	t.Helper()
	if !strings.Contains(plain(m), s) {
		t.Errorf("board does not show %q:\n%s", s, plain(m))
	}
}
func hasNot(t *testing.T, m Model, s string) {
	t.Helper()
	if strings.Contains(plain(m), s) {
		t.Errorf("board shows %q but should not:\n%s", s, plain(m))
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		check func(t *testing.T, m Model)
	}{
		{"pause holds the page", []string{"space"}, func(t *testing.T, m Model) {
			page, paused := m.Page()
			if !paused || page != "strike" {
				t.Fatalf("page %s paused %v", page, paused)
			}
			has(t, m, "PAUSED")
		}},
		{"pause and resume", []string{"space", "space"}, func(t *testing.T, m Model) {
			if _, paused := m.Page(); paused {
				t.Fatal("still paused")
			}
		}},
		{"next", []string{"right"}, func(t *testing.T, m Model) {
			if p, _ := m.Page(); p != "patrol" {
				t.Fatalf("page %s", p)
			}
			has(t, m, "[2 Patrol]")
		}},
		{"previous wraps", []string{"left"}, func(t *testing.T, m Model) {
			if p, _ := m.Page(); p != "figures" {
				t.Fatalf("page %s", p)
			}
		}},
		{"jump 3 then 1", []string{"3"}, func(t *testing.T, m Model) {
			if p, _ := m.Page(); p != "hazard" {
				t.Fatalf("page %s", p)
			}
			m = press(m, "1")
			if p, _ := m.Page(); p != "strike" {
				t.Fatalf("page %s", p)
			}
		}},
		{"a acknowledges only the board's own district", []string{"a"}, func(t *testing.T, m Model) {
			// The fixture's alerts are in Xihua and Huaiyang; this board is Xiangcheng's.
			has(t, m, "[not acknowledged]")
			hasNot(t, m, "press a to acknowledge")
		}},
		{"filter to the district", []string{"f"}, func(t *testing.T, m Model) {
			has(t, m, "filtered: Xiangcheng")
			hasNot(t, m, "Fugou 02") // the ticker shows only Xiangcheng
			// Today's values are the district's, not the city's.
			want := m.ctx.State.TodayIn("xiangcheng").AlarmsCriminal
			if got := kpiTiles(m.ctx)[0].today; got != fmtInt(want) || want == m.ctx.State.Today().AlarmsCriminal {
				t.Fatalf("filtered today = %q, want the district's %d (city %d)", got, want, m.ctx.State.Today().AlarmsCriminal)
			}
		}},
		{"filter off again", []string{"f", "f"}, func(t *testing.T, m Model) {
			hasNot(t, m, "filtered:")
		}},
		{"language toggle", []string{"l"}, func(t *testing.T, m Model) {
			if m.Lang() != "zh" {
				t.Fatal("language did not switch")
			}
			has(t, m, "第37/98天")
			has(t, m, "项城市")
		}},
		{"help", []string{"?"}, func(t *testing.T, m Model) {
			if !m.Help() {
				t.Fatal("help not shown")
			}
			has(t, m, "pause/resume rotation")
			has(t, m, "acknowledge alerts")
			m = press(m, "esc")
			if m.Help() {
				t.Fatal("esc did not close help")
			}
		}},
		{"theme cycles", []string{"t"}, func(t *testing.T, m Model) {
			has(t, m, "light")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := board(t, Options{Lang: "en", Layout: "standard", District: "xiangcheng"}, 120, 40)
			m = press(m, tc.keys...)
			tc.check(t, m)
			checkWidths(t, tc.name, m.Render(), 120, 40)
		})
	}
}

func TestFilterStepsWithoutDistrict(t *testing.T) {
	m := board(t, Options{Lang: "en", Layout: "standard"}, 120, 40)
	cfg := m.ctx.Cfg
	for i := range cfg.Districts {
		m = press(m, "f")
		has(t, m, "filtered: "+cfg.Districts[i].En)
	}
	m = press(m, "f")
	hasNot(t, m, "filtered:")
}

func TestQuit(t *testing.T) {
	m := board(t, Options{Lang: "en"}, 80, 24)
	nm, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
	if !nm.(Model).Quitting() {
		t.Fatal("model not quitting")
	}
}

// A new alert after an acknowledgement flashes again; the acknowledged
// one stays steady.
func TestAlertRecurrence(t *testing.T) {
	cfg, s := fixture()
	clk := &clock{fixedNow}
	m := New(cfg, Options{Lang: "en", Layout: "wall", Now: clk.now, Coalesce: -1})
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = send(m, StateMsg{State: s})
	m = press(m, "a")
	if n := m.ctx.Alerts.unacked(m.ctx.State); n != 0 {
		t.Fatalf("%d unacknowledged after a", n)
	}
	s2 := s.Clone()
	s2.Alerts = append(s2.Alerts, s2.Alerts[0])
	s2.Alerts[len(s2.Alerts)-1].ID = "recurrence"
	s2.Alerts[len(s2.Alerts)-1].ClearedAt = time.Time{}
	m = send(m, StateMsg{State: s2})
	if n := m.ctx.Alerts.unacked(m.ctx.State); n != 1 {
		t.Fatalf("%d unacknowledged after a recurrence, want 1", n)
	}
	has(t, m, "press a to acknowledge")
	has(t, m, "acknowledged")
}

// The flash alternates with the clock tick only for unacknowledged alerts.
func TestAlertFlash(t *testing.T) {
	m := board(t, Options{Lang: "en", Layout: "standard"}, 120, 40)
	a := m.Render()
	m = send(m, tickMsg{})
	b := m.Render()
	if a == b {
		t.Fatal("unacknowledged alert does not flash")
	}
	m = press(m, "a")
	a = m.Render()
	m = send(m, tickMsg{})
	if a != m.Render() {
		t.Fatal("acknowledged alert still flashes")
	}
}

func TestRotationNeverStops(t *testing.T) {
	clk := &clock{fixedNow}
	// Nothing waits for acknowledgement: no red alert holds it.
	m := rotating(board(t, Options{Lang: "en", Layout: "standard", Now: clk.now, Rotate: 15 * time.Second}, 120, 40))
	seen := map[string]int{}
	for i := 0; i < 10_000; i++ {
		// two ticks per interval, like the 500ms tick in a 1s interval
		for j := 0; j < 2; j++ {
			clk.add(7500 * time.Millisecond)
			nm, cmd := m.Update(tickMsg{})
			if cmd == nil {
				t.Fatalf("interval %d: the tick was not re-armed", i)
			}
			m = nm.(Model)
		}
		p, _ := m.Page()
		seen[p]++
	}
	// The figures page stays for one interval per part (4 at this size).
	cycle := len(m.ctx.Rot.pages) - 1 + m.ctx.Rot.parts
	for _, p := range []string{"strike", "patrol", "hazard", "daily"} {
		if seen[p] < 10_000/cycle-10 {
			t.Errorf("page %s shown %d times over 10,000 intervals", p, seen[p])
		}
	}
	// Pause, let an hour pass, the page stays; resume and it moves on.
	m = press(m, "space")
	before, _ := m.Page()
	beforePart := m.ctx.Rot.part
	for i := 0; i < 100; i++ {
		clk.add(36 * time.Second)
		m = send(m, tickMsg{})
	}
	if p, _ := m.Page(); p != before || m.ctx.Rot.part != beforePart {
		t.Fatalf("paused rotation moved from %s to %s", before, p)
	}
	m = press(m, "space")
	clk.add(16 * time.Second)
	m = send(m, tickMsg{})
	if p, _ := m.Page(); p == before && m.ctx.Rot.part == beforePart {
		t.Fatal("rotation did not resume")
	}
}

func TestConnectionStates(t *testing.T) {
	clk := &clock{fixedNow}
	m := board(t, Options{Lang: "en", Layout: "standard", Now: clk.now, StaleAfter: 15 * time.Second}, 120, 40)
	if got := m.ConnLabel(); got != "LIVE" {
		t.Fatalf("fresh: %q", got)
	}
	has(t, m, "LIVE")
	// The connection drops.
	clk.add(2 * time.Second)
	m = send(m, ConnMsg{Status: ConnReconnecting, NextRetry: clk.t.Add(4 * time.Second), LastData: fixedNow})
	// From the first second: the retry countdown and the data's age.
	if got := m.ConnLabel(); got != "RECONNECTING 4s data 2s old" {
		t.Fatalf("after drop: %q", got)
	}
	has(t, m, "RECONNECTING 4s")
	// Still down after the stale limit: STALE with the data's age.
	clk.add(63 * time.Second)
	m = send(m, tickMsg{})
	m = send(m, ConnMsg{Status: ConnReconnecting, NextRetry: clk.t.Add(8 * time.Second), LastData: fixedNow})
	has(t, m, "STALE 1m05s")
	has(t, m, "RECONNECTING 8s")
	// A client that thinks it is live but receives nothing is stale too.
	m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
	if got := m.ConnLabel(); got != "STALE 1m05s" {
		t.Fatalf("live without data: %q", got)
	}
	// Reconnected with fresh data: LIVE.
	m = send(m, ConnMsg{Status: ConnLive, LastData: clk.t})
	if got := m.ConnLabel(); got != "LIVE" {
		t.Fatalf("after reconnect: %q", got)
	}
	_, s := fixture()
	clk.add(20 * time.Second)
	m = send(m, StateMsg{State: s})
	if got := m.ConnLabel(); got != "LIVE" {
		t.Fatalf("after a batch: %q", got)
	}
	m = send(m, ConnMsg{Status: ConnFailed, Err: "hub refused the read token (4501); check --token", LastData: clk.t})
	// A refusal is the whole screen: the reason and what to do next.
	has(t, m, "No data: the hub refused this board")
	has(t, m, "hub refused the read token (4501); check --token")
	m = send(m, ConnMsg{Status: ConnReconnecting, Err: "cannot reach the hub at ws://127.0.0.1:1", Reason: ReasonUnreachable, NextRetry: clk.t.Add(time.Second), LastData: clk.t})
	has(t, m, "Cannot reach the hub: is 'sitboard hub' running? Check --hub")
	m = send(m, ConnMsg{Status: ConnLive, LastData: clk.t})
	hasNot(t, m, "Cannot reach the hub")
}

func TestDemoHeaderAndCheck(t *testing.T) {
	m := board(t, Options{Lang: "en", Layout: "standard", Demo: true}, 120, 40)
	m = send(m, DemoMsg{Speed: 30000, CampaignTime: fixedNow, Sent: 500, Total: 1000})
	has(t, m, "DEMO x30000")
	has(t, m, "replay 2023-07-31 50%")
	m = send(m, DemoMsg{Speed: 30000, Done: true, Mismatches: []string{"replay failed: hub said no"}})
	has(t, m, "replay failed: hub said no")
	m = send(m, DemoMsg{Speed: 30000, Done: true, Note: "partial replay (--from): figures not checked"})
	has(t, m, "partial replay (--from): figures not checked")
	hasNot(t, m, "figures off")
}

// TestDemoBadgeSpeed: --speed max reaches the board as speed 0 and reads
// "max", not an unknown pace; before the demo's first report there is no pace.
func TestDemoBadgeSpeed(t *testing.T) {
	for _, tc := range []struct {
		lang, before, max, paced string
	}{
		{"en", "DEMO", "DEMO max", "DEMO x30000"},
		{"zh", "演示", "演示 最快", "演示 x30000"},
	} {
		m := board(t, Options{Lang: tc.lang, Layout: "standard", Demo: true}, 120, 40)
		if got := headerLine(m); !strings.Contains(got, tc.before) || strings.Contains(got, "x?") {
			t.Errorf("%s before the first report: header %q, want %q and no x?", tc.lang, got, tc.before)
		}
		m = send(m, DemoMsg{Speed: 0, CampaignTime: fixedNow, Sent: 1, Total: 10})
		if got := headerLine(m); !strings.Contains(got, tc.max) || strings.Contains(got, "?") {
			t.Errorf("%s at --speed max: header %q, want %q", tc.lang, got, tc.max)
		}
		m = board(t, Options{Lang: tc.lang, Layout: "standard", Demo: true}, 120, 40)
		m = send(m, DemoMsg{Speed: 30000, CampaignTime: fixedNow, Sent: 1, Total: 10})
		if got := headerLine(m); !strings.Contains(got, tc.paced) {
			t.Errorf("%s at x30000: header %q, want %q", tc.lang, got, tc.paced)
		}
	}
}

// headerLine is the board's first line, without styling.
func headerLine(m Model) string {
	return ansi.Strip(strings.SplitN(m.Render(), "\n", 2)[0])
}

func TestTooSmall(t *testing.T) {
	for _, sz := range [][2]int{{79, 24}, {80, 23}, {40, 10}} {
		m := board(t, Options{Lang: "en"}, sz[0], sz[1])
		out := m.Render()
		if !strings.Contains(strings.ReplaceAll(ansi.Strip(out), "\n", ""), "Terminal too small") {
			t.Errorf("%v: no message:\n%s", sz, out)
		}
		checkWidths(t, "small", out, sz[0], sz[1])
	}
}

func TestResizeRelaysOut(t *testing.T) {
	m := board(t, Options{Lang: "en"}, 80, 24)
	if m.LayoutName() != "compact" {
		t.Fatalf("80x24 chose %s", m.LayoutName())
	}
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if m.LayoutName() != "standard" {
		t.Fatalf("120x40 chose %s", m.LayoutName())
	}
	checkWidths(t, "resized", m.Render(), 120, 40)
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	if m.LayoutName() != "wall" {
		t.Fatalf("200x60 chose %s", m.LayoutName())
	}
	checkWidths(t, "resized", m.Render(), 200, 60)
}

// Batches faster than Coalesce are held; the newest shows at the next
// tick, so the screen changes at most once a second however fast data comes.
func TestCoalescing(t *testing.T) {
	cfg, s := fixture()
	clk := &clock{fixedNow}
	m := New(cfg, Options{Lang: "en", Layout: "standard", Now: clk.now})
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = send(m, StateMsg{State: campaignNewState(cfg)})
	has(t, m, "seq 0")
	clk.add(100 * time.Millisecond)
	m = send(m, StateMsg{State: s})
	has(t, m, "seq 0")
	if m.ConnLabel() == "" {
		t.Fatal("no badge")
	}
	clk.add(400 * time.Millisecond)
	m = send(m, tickMsg{})
	has(t, m, "seq 0") // still within the second
	clk.add(500 * time.Millisecond)
	m = send(m, tickMsg{})
	has(t, m, "seq 1,560")
}

// TestPartialTotalsShown: a state folded from a log that lost its
// beginning (retention) is marked in the header, in both languages.
func TestPartialTotalsShown(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{{"en", "PARTIAL from seq 2693"}, {"zh", "数据不全 自序号2693"}} {
		m := board(t, Options{Lang: tc.lang, Layout: "standard"}, 120, 40)
		_, s := fixture()
		hasNot(t, send(m, StateMsg{State: s}), tc.want)
		partial := s.Clone()
		partial.MissingBefore = 2693
		has(t, send(m, StateMsg{State: partial}), tc.want)
	}
}
