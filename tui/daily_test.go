package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/layouts"
)

// TestDailyPage: each row holds the day before, the day shown and the
// change, from the state's per-day counts; live, today is marked "so
// far"; in review the page shows the reviewed day against the one before.
func TestDailyPage(t *testing.T) {
	cfg, s := fixture()
	render := func(m Model) []string {
		return strings.Split(ansi.Strip(strings.Join(renderDaily(m.ctx, 100, 20), "\n")), "\n")
	}
	row := func(t *testing.T, lines []string, label string) []string {
		t.Helper()
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), label) {
				return strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), label))
			}
		}
		t.Fatalf("no row %q in\n%s", label, strings.Join(lines, "\n"))
		return nil
	}
	check := func(t *testing.T, m Model, day int) {
		t.Helper()
		lines := render(m)
		for _, r := range dailyRows {
			y, d := r.pick(s.Days[day-2]), r.pick(s.Days[day-1])
			want := []string{fmtInt(y), fmtInt(d), fmtSigned(d - y), fmtChange(campaign.Change(d, y))}
			if got := row(t, lines, m.ctx.T(r.key)); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("day %d %s: %v, want %v", day, r.key, got, want)
			}
		}
	}
	t.Run("live", func(t *testing.T) {
		m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
		check(t, m, s.Day)
		if head := render(m)[0]; !strings.Contains(head, "to ") {
			t.Errorf("live head %q does not say today is so far", head)
		}
	})
	t.Run("review", func(t *testing.T) {
		m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
		m.opts.FetchDay = nil
		// The fixture's state stands for the end of day 20: the page reads
		// the reviewed day from the header, not from the live day.
		m.ctx.live, m.ctx.review = m.ctx.State, &review{day: 20, state: s}
		check(t, m, 20)
		if head := render(m)[0]; !strings.Contains(head, "Today "+cfg.Start().AddDate(0, 0, 19).Format("01-02")) {
			t.Errorf("review head %q does not name the reviewed day", head)
		}
	})
}

// TestDailyGoldens: the 日动态 page in the rotator of every built-in
// layout that has it, zh and en, live and in review.
func TestDailyGoldens(t *testing.T) {
	_, s := fixture()
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			for _, mode := range []string{"live", "review"} {
				name := fmt.Sprintf("daily/%s_%s_%s", layout, lang, mode)
				t.Run(name, func(t *testing.T) {
					l, err := layouts.Resolve(layout)
					if err != nil {
						t.Fatal(err)
					}
					w, h := l.MinWidth, l.MinHeight
					m := board(t, Options{Lang: lang, Theme: "dark", Layout: layout, District: "xihua"}, w, h)
					if mode == "review" {
						// The fixture as the end of its own day: the page
						// shows the whole day, not "so far".
						m.ctx.live, m.ctx.review = m.ctx.State, &review{day: s.Day, state: s}
					}
					m.ctx.Rot.jumpTo(layouts.Daily, fixedNow)
					if m.ctx.Rot.page() != layouts.Daily {
						t.Skipf("layout %s has no daily page", layout)
					}
					m.bump()
					out := m.Render()
					checkWidths(t, name, out, w, h)
					golden(t, name, out)
				})
			}
		}
	}
}

// TestDailyPageWaitsForShiftReports: live, a figure that arrives only in
// shift reports shows no change while today has none (its zero is "not
// reported yet", not ▾100%); a figure counted event by event, and any
// whole reviewed day, shows its drop.
func TestDailyPageWaitsForShiftReports(t *testing.T) {
	_, base := fixture()
	s := base.Clone()
	today, yesterday := &s.Days[s.Day-1], &s.Days[s.Day-2]
	today.Officers, yesterday.Officers = 0, 2501
	today.Arrested, yesterday.Arrested = 0, 18
	rowOf := func(m Model, key string) string {
		t.Helper()
		for _, l := range renderDaily(m.ctx, 100, 20) {
			if l = ansi.Strip(l); strings.HasPrefix(strings.TrimSpace(l), m.ctx.T(key)) {
				return l
			}
		}
		t.Fatalf("no row %s", key)
		return ""
	}
	m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
	m = send(m, StateMsg{State: s})
	if l := rowOf(m, "daily.officers"); strings.Contains(l, "▾") || !strings.Contains(l, noValue) {
		t.Errorf("live, no shift report yet today: %q, want no change shown", l)
	}
	if l := rowOf(m, "daily.arrested"); !strings.Contains(l, "▾100.00%") {
		t.Errorf("live, no arrest today: %q, want ▾100.00%%", l)
	}
	m.opts.FetchDay = nil
	m.ctx.live, m.ctx.review = m.ctx.State, &review{day: s.Day, state: s}
	if l := rowOf(m, "daily.officers"); !strings.Contains(l, "▾100.00%") {
		t.Errorf("review of a whole day without shifts: %q, want ▾100.00%%", l)
	}
}
