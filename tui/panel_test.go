package tui

import (
	"fmt"
	"regexp"
	"sitboard/feed"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/layouts"
)

// endBoard is a board showing the end of the shipped recording.
func endBoard(t *testing.T, layout, lang string, w, h int) (Model, *campaign.State) {
	t.Helper()
	cfg, snaps := recordingStates(t)
	end := snaps[len(snaps)-1]
	m := New(cfg, Options{Lang: lang, Theme: "mono", Layout: layout, Now: func() time.Time { return fixedNow }, Coalesce: -1})
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = send(m, StateMsg{State: end})
	return rotating(m), end
}

// rotating acknowledges the board's alerts here, so that no red alert
// holds the rotation on the alerts page: for tests of the pages.
func rotating(m Model) Model { return press(m, "a") }

func TestCutWithMore(t *testing.T) {
	c := &Context{Lang: "en", St: monoStyles()}
	lines := []string{"a", "b", "", "c", "d", "e"}
	got := cutWithMore(c, lines, 3)
	if len(got) != 3 || got[0] != "a" || got[1] != "b" || !strings.Contains(ansi.Strip(got[2]), "3 more rows not shown") {
		t.Fatalf("cut to %q", got)
	}
	if got := cutWithMore(c, lines, 6); len(got) != 6 {
		t.Fatalf("cut lines that fit: %q", got)
	}
}

// No row is dropped silently: a page shows every row of a list, in a
// smaller form if need be, or says how many it leaves out.
func TestNoRowDroppedSilently(t *testing.T) {
	m, end := endBoard(t, "standard", "zh", 120, 40)
	m = press(m, "2") // patrol
	out := plain(m)
	for _, want := range []string{"其他", "272,260", "盘查人员", "卡点"} {
		if !strings.Contains(out, want) {
			t.Errorf("the 120x40 patrol page drops %q:\n%s", want, out)
		}
	}
	for _, sz := range invariantSizes {
		for _, lang := range Langs {
			m, _ := endBoard(t, "compact", lang, sz[0], sz[1])
			out := plain(m) // strike page
			more := strings.Contains(out, strings.SplitN(T(lang, "more.rows"), "%", 2)[0])
			for cat, n := range end.Totals.CasesFiled {
				if n > 0 && !more && !strings.Contains(out, T(lang, "case."+cat)) && !anyForm(out, lang, "case."+cat) {
					t.Errorf("%s %dx%d: the strike page drops %s without saying so:\n%s", lang, sz[0], sz[1], cat, out)
				}
			}
		}
	}
}

func anyForm(out, lang, key string) bool {
	for _, f := range labelForms(lang, key) {
		if strings.Contains(out, f) {
			return true
		}
	}
	return false
}

// English and Chinese labels are shortened by the abbreviation table,
// never cut: no label appears with an ellipsis in place of its end, on any
// layout, language, size or page.
func TestLabelsNeverCut(t *testing.T) {
	var forms []string
	for _, lang := range Langs {
		for key, v := range labels[lang] {
			if !strings.Contains(v, "%") {
				forms = append(forms, labelForms(lang, key)...)
			}
		}
	}
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			for _, sz := range invariantSizes {
				m, _ := endBoard(t, layout, lang, sz[0], sz[1])
				for page := range max(len(m.ctx.Rot.pages), 1) {
					for _, line := range strings.Split(plain(m), "\n") {
						if cut := cutLabel(line, forms); cut != "" {
							t.Errorf("%s %s %dx%d page %d: label cut to %q in %q", layout, lang, sz[0], sz[1], page, cut, line)
						}
					}
					m = press(m, "right")
				}
			}
		}
	}
	for lang, tbl := range abbreviations {
		for key, abbr := range tbl {
			if _, ok := labels[lang][key]; !ok {
				t.Errorf("abbreviation for %s label %q, which does not exist", lang, key)
			}
			for _, a := range abbr {
				if Sanitize(a) != a {
					t.Errorf("%s abbreviation %q has characters of ambiguous width", lang, a)
				}
			}
		}
	}
}

// cutLabel returns the text before an ellipsis in line when it is the
// start of a label (cut), else "".
func cutLabel(line string, forms []string) string {
	for i := strings.Index(line, Ellipsis); i >= 0; {
		before := []rune(line[:i])
		for n := 2; n <= min(len(before), 24); n++ {
			stub := string(before[len(before)-n:])
			if strings.HasPrefix(stub, " ") {
				break
			}
			for _, f := range forms {
				if len(f) > len(stub) && strings.HasPrefix(f, stub) && (len(before) == n || before[len(before)-n-1] == ' ') {
					return stub + Ellipsis
				}
			}
		}
		j := strings.Index(line[i+len(Ellipsis):], Ellipsis)
		if j < 0 {
			break
		}
		i += len(Ellipsis) + j
	}
	return ""
}

// The compact layout, every SSH station's, rotates the ranking in with
// its flags, and its KPI comparisons say what they compare with.
func TestCompactRanking(t *testing.T) {
	for _, lang := range Langs {
		m, _ := endBoard(t, "compact", lang, 80, 24)
		if !strings.Contains(plain(m), T(lang, "kpi.mom")+" ▾") || !strings.Contains(plain(m), T(lang, "kpi.yoy")+" ▾") {
			t.Errorf("%s: the compact KPI lines do not name 环比/同比:\n%s", lang, plain(m))
		}
		m = press(m, fmt.Sprint(slices.Index(m.ctx.Rot.pages, layouts.Ranking)+1))
		if page, _ := m.Page(); page != layouts.Ranking {
			t.Fatalf("%s: compact pages are %v, no ranking", lang, m.ctx.Rot.pages)
		}
		// The campaign to date is not flagged (flags go per week, half-month
		// and month): each district shows its tally of flags so far.
		out := plain(m)
		tally := regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(T(lang, "ranking.tally_cell")), "%d", `\d+`))
		if len(tally.FindAllString(out, -1)) != len(m.ctx.Cfg.Districts) || strings.Contains(out, "⚑") || strings.Count(out, T(lang, "page.ranking")) != 1 {
			t.Errorf("%s: the ranking page lacks the tallies, flags the campaign or repeats its title:\n%s", lang, out)
		}
	}
}

// The wall's ticker gets the width its text needs: the newest alarm's
// summary is shown whole at 200 and 240 columns.
func TestWallTickerWidth(t *testing.T) {
	for _, sz := range [][2]int{{200, 60}, {240, 70}} {
		for _, lang := range Langs {
			m, end := endBoard(t, "wall", lang, sz[0], sz[1])
			if sum := Sanitize(end.Ticker[0].Summary); !strings.Contains(plain(m), sum) {
				t.Errorf("%s %dx%d: the ticker cuts %q:\n%s", lang, sz[0], sz[1], sum, plain(m))
			}
			// And the wall shows no region twice.
			if n := strings.Count(plain(m), T(lang, "strike.closures")); n != 1 {
				t.Errorf("%s %dx%d: %q shows %d times", lang, sz[0], sz[1], T(lang, "strike.closures"), n)
			}
		}
	}
}

// A layout asked for on a terminal below its size gives way to the
// built-in one for the size, and the status bar says why.
func TestLayoutBelowItsSize(t *testing.T) {
	m := board(t, Options{Lang: "en", Theme: "mono", Layout: "wall"}, 120, 40)
	if m.LayoutName() != "standard" {
		t.Fatalf("wall at 120x40 shows %s, want standard", m.LayoutName())
	}
	has(t, m, "wall needs 180x50")
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	if m.LayoutName() != "wall" {
		t.Fatalf("wall at 200x60 shows %s", m.LayoutName())
	}
	hasNot(t, m, "needs 180x50")
}

// TestRankingNamesMeasuresWithoutColumn: a ranking too narrow for every
// measure's column names the measures left out, which still count in the
// score; one wide enough for all names none.
func TestRankingNamesMeasuresWithoutColumn(t *testing.T) {
	for _, lang := range Langs {
		m, _ := endBoard(t, "standard", lang, 120, 40)
		rules := m.ctx.Cfg.Flags.Measures
		last := fitLabel(m.ctx, 8, "measure."+rules[len(rules)-1].Measure)
		narrow := ansi.Strip(strings.Join(rankingTable(m.ctx, 44, 14), "\n"))
		if !strings.Contains(narrow, T(lang, "ranking.not_shown")) || !strings.Contains(narrow, last) {
			t.Errorf("%s: a 44-column ranking does not name the measures it has no column for:\n%s", lang, narrow)
		}
		wide := ansi.Strip(strings.Join(rankingTable(m.ctx, 120, 14), "\n"))
		if strings.Contains(wide, T(lang, "ranking.not_shown")) {
			t.Errorf("%s: a 120-column ranking, with a column for every measure, says some are not shown:\n%s", lang, wide)
		}
	}
}

// TestViolentNote: the strike panel's 严重暴力 (52 at the campaign's end)
// leaves homicides out, the 通报 page's 侦破严重暴力案件 (71) holds them:
// each says which it is where both appear.
func TestViolentNote(t *testing.T) {
	m, end := endBoard(t, "standard", "zh", 160, 48)
	serious, homicide := end.Totals.CasesSolved[feed.CaseSeriousViolent], end.Totals.CasesSolved[feed.CaseHomicide]
	if serious+homicide != 71 {
		t.Fatalf("serious violent %d + homicide %d solved, want 71 as published", serious, homicide)
	}
	lines := strings.Join(renderStrike(m.ctx, 150, 60), "\n")
	if want := fmt.Sprintf("严重暴力 破%d 不含命案; 另命案%d起, 合计71起", serious, homicide); !strings.Contains(ansi.Strip(lines), want) {
		t.Errorf("the strike panel lacks %q:\n%s", want, ansi.Strip(lines))
	}
	page := ansi.Strip(strings.Join(figureLines(m.ctx, 100), "\n"))
	if !regexp.MustCompile(`侦破严重暴力案件 +71 +起 +含命案` + fmt.Sprint(homicide) + `起`).MatchString(page) {
		t.Errorf("the 通报 page does not say 71 holds the homicides:\n%s", page)
	}
}

// TestCityLabelOnDistrictBoard: filtered to a district, the 通报 and 日动态
// pages show the city's figures and say 全市, in their title and on the
// page, so they are not read as the district's.
func TestCityLabelOnDistrictBoard(t *testing.T) {
	m, _ := endBoard(t, "standard", "zh", 160, 48)
	m = press(m, "f") // the first district
	if !m.ctx.D.Filtered {
		t.Fatal("f did not filter the board")
	}
	for _, page := range []string{layouts.Figures, layouts.Daily} {
		if got := m.ctx.pageLabel(page); !strings.HasSuffix(got, " 全市") {
			t.Errorf("%s page titled %q on a district board, want 全市", page, got)
		}
	}
	if page := ansi.Strip(strings.Join(figureLines(m.ctx, 100), "\n")); !strings.HasPrefix(page, "全市 总体") {
		t.Errorf("the 通报 page on a district board does not start with 全市:\n%s", page)
	}
	m = press(m, "f") // the next district, and so on back to the city
	for m.ctx.D.Filtered {
		m = press(m, "f")
	}
	if got := m.ctx.pageLabel(layouts.Figures); strings.Contains(got, "全市") {
		t.Errorf("the city's board labels its own page %q", got)
	}
}
