package tui

import (
	"os"
	"path/filepath"
	"sitboard/campaign"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/layouts"
)

func TestLabelsComplete(t *testing.T) {
	for k := range labels["zh"] {
		if _, ok := labels["en"][k]; !ok {
			t.Errorf("label %q has no en text", k)
		}
	}
	for k := range labels["en"] {
		if _, ok := labels["zh"][k]; !ok {
			t.Errorf("label %q has no zh text", k)
		}
	}
	for lang, tbl := range labels {
		for k, v := range tbl {
			if Sanitize(v) != v {
				t.Errorf("%s label %q has characters of ambiguous width: %q", lang, k, v)
			}
		}
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"“4·20”案", "\"4・20\"案"},
		{"争吵①", "争吵(1)"},
		{"调解—完毕…", "调解-完毕" + Ellipsis},
		{"tab\tand\x1b[31mesc", "tab and[31mesc"},
		{"plain ascii", "plain ascii"},
		{"中文，全角：没问题", "中文，全角：没问题"},
	}
	for _, tc := range tests {
		got := Sanitize(tc.in)
		if got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if Width(got) != eaw.StringWidth(got) {
			t.Errorf("Sanitize(%q) widths differ: %d vs %d", tc.in, Width(got), eaw.StringWidth(got))
		}
	}
}

func TestFitNeverSplitsWide(t *testing.T) {
	s := "报警人称其电动车在小区楼下被盗"
	for w := 1; w <= 32; w++ {
		got := Fit(s, w)
		if Width(got) != w || eaw.StringWidth(ansi.Strip(got)) != w {
			t.Errorf("Fit(%d) = %q: width %d", w, got, Width(got))
		}
		if strings.ContainsRune(got, '\uFFFD') {
			t.Errorf("Fit(%d) split a character: %q", w, got)
		}
		if w < 30 && !strings.Contains(got, Ellipsis) {
			t.Errorf("Fit(%d) = %q: truncated without an ellipsis", w, got)
		}
	}
	// A cut through styled text closes the style before the padding.
	styled := "\x1b[1m" + s + "\x1b[m"
	if got := Fit(styled, 9); !strings.HasSuffix(strings.TrimRight(got, " "), reset) {
		t.Errorf("styled cut leaves the style open: %q", got)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{fmtInt(0), "0"}, {fmtInt(999), "999"}, {fmtInt(1000), "1,000"}, {fmtInt(-1234567), "-1,234,567"},
		{fmtMoney("zh", 123_456_789), "¥1.23亿"}, {fmtMoney("zh", 8_650_000), "¥865万"}, {fmtMoney("en", 8_650_000), "¥8.7M"},
		{fmtAge("en", 65*time.Second), "1m05s"}, {fmtAge("zh", 65*time.Second), "1分05秒"}, {fmtAge("en", 3*time.Second), "3s"},
		{fmtAge("en", 26*time.Hour), "1d2h"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestKPIComparisons(t *testing.T) {
	m := board(t, Options{Lang: "en", Layout: "standard"}, 120, 40)
	c := m.ctx
	tiles := kpiTiles(c)
	s := c.State
	b := c.Cfg.Baselines
	// 环比 for criminal alarms is the campaign's complete days (the clock
	// is on day 37, so days 1–36) against the baseline pro-rated to them,
	// from the per-day series and the config; the label says to which day.
	var cur int64
	for d := 1; d <= 36; d++ {
		cur += s.Days[d-1].AlarmsCriminal
	}
	prorated := float64(b.Previous["alarms_criminal"]) * 36 / float64(c.Cfg.Days())
	want := (float64(cur) - prorated) / prorated * 100
	if !tiles[0].cmp.OK || campaign.Round(tiles[0].cmp.Value, 9) != campaign.Round(want, 9) {
		t.Fatalf("criminal alarms MoM %v, want %v", tiles[0].cmp, want)
	}
	if tiles[0].cmpLabel != "MoM to 07-30" {
		t.Errorf("the comparison is labelled %q, want MoM to 07-30 (the last complete day)", tiles[0].cmpLabel)
	}
	// A zero baseline shows n/a.
	c.Cfg.Baselines.Previous = map[string]int64{}
	m = send(m, StateMsg{State: s})
	if got := c.cmpText(kpiTiles(c)[0], false); !strings.Contains(ansi.Strip(got), "n/a") {
		t.Fatalf("zero baseline shows %q", ansi.Strip(got))
	}
	// Filtered to a district, the comparison is against the district's own
	// baseline from the campaign file: its complete days (its counts less
	// today's) against its baseline pro-rated to them.
	c.Cfg.Baselines = b
	m = send(m, StateMsg{State: s})
	m = press(m, "f")
	id := c.District
	dcur := s.Districts[id].AlarmsReceived["criminal"] - s.DistrictToday[id].AlarmsCriminal
	dbase := float64(c.Cfg.Districts[0].Previous["alarms_criminal"]) * 36 / float64(c.Cfg.Days())
	if got, want := ansi.Strip(c.cmpText(kpiTiles(c)[0], false)), "MoM to 07-30 "+fmtChange(campaign.Figure{Value: (float64(dcur) - dbase) / dbase * 100, OK: true}); got != want {
		t.Fatalf("filtered to %s shows %q, want %q", id, got, want)
	}
	// A district the file gives no baseline has no comparison: n/a.
	districts := c.Cfg.Districts
	c.Cfg.Districts = append([]campaign.District(nil), districts...)
	c.Cfg.Districts[0].Previous = nil
	if got := c.cmpText(kpiTiles(c)[0], false); !strings.Contains(ansi.Strip(got), "n/a") {
		t.Fatalf("filtered without a district baseline shows %q", ansi.Strip(got))
	}
	c.Cfg.Districts = districts
}

func TestLayoutFileReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.toml")
	src, _ := layouts.BuiltinSource("compact")
	write := func(s string, mod time.Time) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write(strings.Replace(string(src), `name = "compact"`, `name = "mine"`, 1), fixedNow)
	m := board(t, Options{Lang: "en", Layout: path}, 120, 40)
	if m.LayoutName() != "mine" {
		t.Fatalf("layout %s", m.LayoutName())
	}
	run := func(m Model) Model {
		_, cmd := m.Update(layoutCheckMsg{})
		if cmd == nil {
			t.Fatal("no check command")
		}
		return send(m, cmd())
	}
	// Broken: the board keeps the last good layout and names the problem.
	write("name = \"mine2\"\n[[rows]]\nregions = [{ region = \"tickr\" }]\n", fixedNow.Add(time.Second))
	m = run(m)
	if m.LayoutName() != "mine" {
		t.Fatalf("broken file replaced the layout: %s", m.LayoutName())
	}
	has(t, m, "layout file error")
	// Fixed: reloaded.
	write(strings.Replace(string(src), `name = "compact"`, `name = "mine3"`, 1), fixedNow.Add(2*time.Second))
	m = run(m)
	if m.LayoutName() != "mine3" {
		t.Fatalf("fixed file not reloaded: %s", m.LayoutName())
	}
	hasNot(t, m, "layout file error")
	checkWidths(t, "reloaded", m.Render(), 120, 40)
}

func BenchmarkView(b *testing.B) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {240, 70}} {
		m := board(b, Options{Lang: "zh"}, sz[0], sz[1])
		_, s := fixture()
		b.Run(fmt4("steady", sz), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_ = m.View()
			}
		})
		// A new batch invalidates every cached region: the worst case.
		b.Run(fmt4("after_batch", sz), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				nm, _ := m.Update(StateMsg{State: s})
				m = nm.(Model)
				_ = m.View()
			}
		})
	}
}

// BenchmarkViewCampaignEnd is the worst case on the wall: the state at the
// end of the shipped recording (every list full), big figures, a new batch
// before every frame.
func BenchmarkViewCampaignEnd(b *testing.B) {
	cfg, snaps := recordingStates(b)
	end := snaps[len(snaps)-1]
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {240, 70}} {
		m := New(cfg, Options{Lang: "zh", Now: func() time.Time { return fixedNow }, Coalesce: -1})
		m = send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		b.Run(fmt4("after_batch", sz), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				nm, _ := m.Update(StateMsg{State: end})
				m = nm.(Model)
				_ = m.View()
			}
		})
	}
}

func fmt4(name string, sz [2]int) string {
	return name + "_" + itoa(sz[0]) + "x" + itoa(sz[1])
}

var _ = tea.Quit

// TestWidthFastPath: Width's rune-by-rune path gives ansi.StringWidth's
// answer for every BMP rune it accepts, beside ASCII, CJK, braille and
// styling and beside itself; text it does not accept (controls, other
// escape sequences, combining marks, emoji sequences) gets the same
// answer too; and so does every line of every golden board.
func TestWidthFastPath(t *testing.T) {
	accepted := 0
	for r := rune(0x80); r < 1<<16; r++ {
		if runeWidth(r) == 0 {
			continue
		}
		accepted++
		s := string(r)
		for _, probe := range []string{s, "a" + s + "b", "中" + s + s + "⣿", "\x1b[1m" + s + "\x1b[m" + s, s + "、" + s} {
			if got, want := Width(probe), ansi.StringWidth(probe); got != want {
				t.Fatalf("U+%04X in %q: Width %d, ansi.StringWidth %d", r, probe, got, want)
			}
		}
	}
	if accepted < 20000 {
		t.Errorf("the fast path accepts only %d BMP runes: CJK and braille should be among them", accepted)
	}
	for _, r := range []rune{'中', '⣿', '⋯', '▾', '¥'} {
		if runeWidth(r) == 0 {
			t.Errorf("U+%04X (%c) should take the fast path", r, r)
		}
	}
	for _, s := range []string{
		"e\u0301", "\u0915\u093f", "👍🏽", "👨\u200d👩\u200d👧", "🇨🇳", "☺\ufe0f", "\u1100\u1161\u11a8",
		"a\tb", "x\x1b]8;;http://x\x07link\x1b]8;;\x07", "\x1b[2J", "\x1b[1", "\x1b", "\xff\xfe", "\u0600a", "a\u200db",
	} {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("%q: Width %d, ansi.StringWidth %d", s, got, want)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if len(files) == 0 {
		t.Fatal("no golden boards to measure")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(b), "\n") {
			if got, want := Width(l), ansi.StringWidth(l); got != want {
				t.Errorf("%s line %d: Width %d, ansi.StringWidth %d", f, i, got, want)
			}
		}
	}
}
