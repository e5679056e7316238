package tui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/layouts"
)

// invariantSizes are the terminal sizes the board supports and is tried at.
var invariantSizes = [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 60}, {240, 70}}

// TestBoardInvariants renders the board from an empty state and from 50
// states of the shipped recording, at every layout, language, size and
// rotator page, and checks what must hold on every screen: every line is
// the terminal's width, each region draws only inside its rectangle, no
// headline number is cut, and no rate is above 100% or below 0.
func TestBoardInvariants(t *testing.T) {
	cfg, snaps := recordingStates(t)
	states := append([]*campaign.State{campaign.NewState(cfg)}, snaps...)
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			for _, sz := range invariantSizes {
				w, h := sz[0], sz[1]
				t.Run(fmt.Sprintf("%s/%s/%dx%d", layout, lang, w, h), func(t *testing.T) {
					m := New(cfg, Options{Lang: lang, Theme: "dark", Layout: layout, Now: func() time.Time { return fixedNow }, Coalesce: -1})
					m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
					m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
					failures := 0
					for i, s := range states {
						if testing.Short() && i%10 != 0 && i != len(states)-1 {
							continue
						}
						m = send(m, StateMsg{State: s})
						for page := range max(len(m.ctx.Rot.pages), 1) {
							name := fmt.Sprintf("state %d page %d", i, page)
							if !checkScreen(t, m, s, name) {
								failures++
							}
							m = press(m, "right")
						}
						if failures > 3 {
							t.Fatal("stopping after several failing screens")
						}
					}
				})
			}
		}
	}
}

// checkScreen checks one rendered screen and reports whether it passed.
func checkScreen(t *testing.T, m Model, s *campaign.State, name string) bool {
	t.Helper()
	ok := true
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(name+": "+format, args...)
		ok = false
	}
	out := m.Render()
	lines := strings.Split(out, "\n")
	if len(lines) != m.h {
		fail("%d lines, want %d", len(lines), m.h)
		return false
	}
	for y, l := range lines {
		if gw, ew := Width(l), eaw.StringWidth(ansi.Strip(l)); gw != m.w || ew != m.w {
			fail("line %d is %d columns (%d East Asian), want %d: %q", y, gw, ew, m.w, ansi.Strip(l))
		}
	}
	// Each region's own view is exactly what the screen shows in its
	// rectangle, and the columns no region covers are blank.
	covered := make([][]bool, m.h)
	for y := range covered {
		covered[y] = make([]bool, m.w)
	}
	for i, p := range m.placed {
		view := strings.Split(m.comps[i].View(), "\n")
		for j := 0; j < p.H; j++ {
			y := p.Y + j
			got := ansi.Strip(ansi.Cut(lines[y], p.X, p.X+p.W))
			if want := ansi.Strip(view[j]); got != want {
				fail("region %s line %d: screen shows %q, the region drew %q", p.Kind, j, got, want)
			}
			for x := p.X; x < p.X+p.W; x++ {
				covered[y][x] = true
			}
		}
	}
	for y, row := range covered {
		for x := 0; x < len(row); {
			if row[x] {
				x++
				continue
			}
			end := x
			for end < len(row) && !row[end] {
				end++
			}
			if gap := ansi.Strip(ansi.Cut(lines[y], x, end)); strings.TrimSpace(gap) != "" {
				fail("columns %d-%d of line %d are outside every region but show %q", x, end-1, y, gap)
			}
			x = end
		}
	}
	page, _ := m.Page()
	for i, p := range m.placed {
		// The figures page shows the published figures' counts: none is
		// ever cut, wherever a layout puts the page.
		if p.Kind == layouts.Figures || p.Kind == layouts.Rotator && page == layouts.Figures {
			if v := ansi.Strip(m.comps[i].View()); strings.Contains(v, Ellipsis) {
				fail("the figures page cuts something: %q", v)
			}
		}
		if p.Kind == layouts.KPI {
			if err := headlinesWhole(m.ctx.Lang, s, ansi.Strip(m.comps[i].View()), m.ctx.BigFigures); err != nil {
				fail("%v", err)
			}
		}
	}
	for _, r := range ratesOnScreen(ansi.Strip(out)) {
		if r < 0 || r > 100 {
			fail("a rate of %v%% on screen", r)
		}
	}
	return ok
}

// headlineValues are the campaign figures the KPI band shows, computed
// here from the state's counters.
func headlineValues(s *campaign.State) (counts []int64, rate string) {
	t := &s.Totals
	var officers int64
	for _, v := range t.Officers {
		officers += v
	}
	counts = []int64{
		campaign.Metric(t, "alarms_criminal"), campaign.Metric(t, "alarms_public_order"), campaign.Metric(t, "criminal_cases_filed"),
		int64(campaign.DistrictMeasure(t, "cases_solved")), int64(campaign.DistrictMeasure(t, "suspects_arrested")),
		officers, int64(campaign.DistrictMeasure(t, "hazards_rectified")),
	}
	return counts, fmtRate(campaign.ShownRate(t.DisputesResolved, t.DisputesFound))
}

// headlinesWhole checks that the KPI band shows every headline number
// whole, in full or in its 万 / k form, as text or in big digits.
func headlinesWhole(lang string, s *campaign.State, kpi string, big bool) error {
	if strings.Contains(kpi, Ellipsis) {
		return fmt.Errorf("the KPI band cuts something: %q", kpi)
	}
	text := kpi
	if big {
		text += "\n" + strings.Join(readBigFigures(kpi), "  ")
	}
	counts, rate := headlineValues(s)
	forms := make([][]string, 0, len(counts)+1)
	for _, v := range counts {
		full, short := fmtInt(v), fmtCompact(lang, v)
		num, _ := splitUnit(short)
		forms = append(forms, []string{full, short, num})
	}
	forms = append(forms, []string{rate})
	for _, fs := range forms {
		found := false
		for _, f := range fs {
			found = found || containsNumber(text, f)
		}
		if !found {
			return fmt.Errorf("the KPI band does not show %s whole: %q", fs[0], kpi)
		}
	}
	return nil
}

// containsNumber reports whether num occurs in text as a whole number:
// no digit, point or comma right before or after it.
func containsNumber(text, num string) bool {
	part := func(b byte) bool { return b >= '0' && b <= '9' || b == '.' || b == ',' }
	for i := 0; ; {
		j := strings.Index(text[i:], num)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(num)
		if (start == 0 || !part(text[start-1])) && (end == len(text) || !part(text[end])) {
			return true
		}
		i = start + 1
	}
}

// ratesOnScreen are the percentages on screen that are rates: the ones a
// ▾ or ▴ precedes are comparisons, which may pass 100%.
func ratesOnScreen(screen string) []float64 {
	var out []float64
	for i := 0; i < len(screen); i++ {
		if screen[i] != '%' {
			continue
		}
		j := i
		for j > 0 && (screen[j-1] >= '0' && screen[j-1] <= '9' || screen[j-1] == '.') {
			j--
		}
		if j == i {
			continue
		}
		if strings.HasSuffix(screen[:j], "▾") || strings.HasSuffix(screen[:j], "▴") {
			continue
		}
		v, err := strconv.ParseFloat(screen[j:i], 64)
		if err == nil {
			if strings.HasSuffix(screen[:j], "-") {
				v = -v
			}
			out = append(out, v)
		}
	}
	return out
}

// readBigFigures reads the numbers drawn in big digits in a block of
// lines: wherever three consecutive lines hold glyphs of the big font.
func readBigFigures(block string) []string {
	type glyph struct {
		r    rune
		rows [bigRows][]rune
	}
	var glyphs []glyph
	for r := range bigFont {
		rows := bigText(string(r))
		var g glyph
		g.r = r
		for y := range rows {
			g.rows[y] = []rune(rows[y])
		}
		glyphs = append(glyphs, g)
	}
	// Widest first, so a narrow glyph does not match inside a wide one.
	for i := range glyphs {
		for j := i + 1; j < len(glyphs); j++ {
			if len(glyphs[j].rows[0]) > len(glyphs[i].rows[0]) || len(glyphs[j].rows[0]) == len(glyphs[i].rows[0]) && glyphs[j].r < glyphs[i].r {
				glyphs[i], glyphs[j] = glyphs[j], glyphs[i]
			}
		}
	}
	lines := strings.Split(block, "\n")
	var out []string
	for y := 0; y+bigRows <= len(lines); y++ {
		rows := make([][]rune, bigRows)
		for i := range rows {
			rows[i] = []rune(lines[y+i])
		}
		var cur strings.Builder
		x, blanks := 0, 0
		for x < len(rows[0]) {
			matched := false
			for _, g := range glyphs {
				gw := len(g.rows[0])
				if x+gw > len(rows[0]) || strings.TrimSpace(string(g.rows[0])+string(g.rows[1])+string(g.rows[2])) == "" {
					continue
				}
				same := true
				for i := 0; i < bigRows && same; i++ {
					same = x+gw <= len(rows[i]) && string(rows[i][x:x+gw]) == string(g.rows[i])
				}
				if same {
					if blanks > 1 && cur.Len() > 0 {
						out = append(out, cur.String())
						cur.Reset()
					}
					cur.WriteRune(g.r)
					x += gw
					blanks, matched = 0, true
					break
				}
			}
			if !matched {
				blanks++
				x++
			}
		}
		if cur.Len() > 0 {
			out = append(out, cur.String())
		}
	}
	return out
}

func TestReadBigFigures(t *testing.T) {
	for _, want := range []string{"2,228", "99.45%", "230,450", "1/7", "0"} {
		rows := bigText(want)
		block := " " + rows[0] + "   " + rows[0] + "\n " + rows[1] + "   " + rows[1] + "\n " + rows[2] + "   " + rows[2]
		got := readBigFigures(block)
		if len(got) != 2 || got[0] != want || got[1] != want {
			t.Errorf("read %q back as %q", want, got)
		}
	}
}
