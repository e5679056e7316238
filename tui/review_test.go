package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// reviewDays folds a campaign with day d holding d alarms, keeping the
// state at the end of every day (what the hub serves for ?day=N), and
// returns them with the live state at the end of the last day.
func reviewDays(t testing.TB) (*campaign.Config, []*campaign.State) {
	t.Helper()
	cfg := demo.Campaign()
	s := campaign.NewState(cfg)
	ends := make([]*campaign.State, cfg.Days()+1)
	var seq uint64
	for d := 1; d <= cfg.Days(); d++ {
		for i := 0; i < d; i++ {
			seq++
			at := cfg.Start().AddDate(0, 0, d-1).Add(10*time.Hour + time.Duration(i)*time.Minute)
			data, _ := json.Marshal(feed.AlarmReceived{AlarmID: fmt.Sprintf("a%d", seq), Category: feed.AlarmCriminal, Priority: 2})
			campaign.Apply(cfg, s, feed.Event{Seq: seq, ID: fmt.Sprintf("e%d", seq), Type: feed.TypeAlarmReceived, At: at, District: "xihua", Data: data})
		}
		ends[d] = s.Clone()
	}
	return cfg, ends
}

// run executes a command as the program would and feeds its message back
// (only review fetches are expected here).
func run(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		return m
	}
	msg := cmd()
	if _, ok := msg.(DayStateMsg); !ok {
		t.Fatalf("command gave %T, want a DayStateMsg", msg)
	}
	return send(m, msg)
}

func pressKey(t *testing.T, m Model, k string) Model {
	t.Helper()
	r := []rune(k)[0]
	nm, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: k})
	return run(t, nm.(Model), cmd)
}

// TestReviewKeys steps through all 98 days by day and by week and back to
// live; after each key every region's data is the end of the day shown.
func TestReviewKeys(t *testing.T) {
	cfg, ends := reviewDays(t)
	last := cfg.Days()
	fetches := 0
	fetch := func(_ context.Context, day, run int) (*campaign.State, error) {
		fetches++
		if day < 1 || day >= last {
			return nil, fmt.Errorf("the hub has no day %d", day)
		}
		return ends[day], nil
	}
	newBoard := func(lang string) Model {
		m := New(cfg, Options{Lang: lang, Theme: "dark", Layout: "standard", Now: func() time.Time { return fixedNow }, Coalesce: -1, FetchDay: fetch})
		m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = send(m, StateMsg{State: ends[last]})
		return send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
	}
	repeat := func(k string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = k
		}
		return out
	}
	tests := []struct {
		name string
		keys []string
		day  int // 0: live
	}{
		{"[ goes to yesterday's end", []string{"["}, last - 1},
		{"[ back through every day to day 1", repeat("[", last-1), 1},
		{"[ on day 1 stays", repeat("[", last+5), 1},
		{"] forward again", append(repeat("[", last-1), "]", "]"), 3},
		{"] past the last ended day is live", append(repeat("[", 3), repeat("]", 3)...), 0},
		{"{ a week back", []string{"{"}, last - 7},
		{"{ weeks back to day 1", repeat("{", 15), 1},
		{"} a week forward", append(repeat("{", 15), "}"), 8},
		{"} weeks forward to live", append(repeat("{", 15), repeat("}", 14)...), 0},
		{"{ then [ mixes", []string{"{", "[", "["}, last - 9},
		{"0 returns to live from any day", []string{"{", "{", "[", "0"}, 0},
		{"0 when live stays live", []string{"0"}, 0},
	}
	for _, tc := range tests {
		for _, lang := range Langs {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				m := newBoard(lang)
				for _, k := range tc.keys {
					m = pressKey(t, m, k)
				}
				day, reviewing := m.Reviewing()
				if tc.day == 0 {
					if reviewing {
						t.Fatalf("in review on day %d, want live", day)
					}
					if m.ctx.D.S != ends[last] {
						t.Fatalf("live board does not show the live state")
					}
					hasNot(t, m, m.ctx.T("review"))
					return
				}
				if !reviewing || day != tc.day {
					t.Fatalf("review %v day %d, want day %d", reviewing, day, tc.day)
				}
				checkReviewShows(t, m, cfg, ends[tc.day], tc.day)
			})
		}
	}
	t.Run("every day from 97 to 1 and back", func(t *testing.T) {
		m := newBoard("zh")
		for d := last - 1; d >= 1; d-- {
			m = pressKey(t, m, "[")
			checkReviewShows(t, m, cfg, ends[d], d)
		}
		for d := 2; d < last; d++ {
			m = pressKey(t, m, "]")
			checkReviewShows(t, m, cfg, ends[d], d)
		}
		m = pressKey(t, m, "]")
		if _, reviewing := m.Reviewing(); reviewing {
			t.Fatal("] after day 97 did not return to live")
		}
	})
	if fetches == 0 {
		t.Fatal("review never asked the fetcher")
	}
}

// checkReviewShows: the shown state is the day's end, so every figure is
// that day's; the header says REVIEW with the date, and not LIVE.
func checkReviewShows(t *testing.T, m Model, cfg *campaign.Config, want *campaign.State, day int) {
	t.Helper()
	if m.ctx.D.S != want {
		t.Fatalf("day %d: the board shows the state at seq %d, want the day's end at seq %d", day, m.ctx.D.S.Seq, want.Seq)
	}
	var total int64
	for _, n := range m.ctx.D.C.AlarmsReceived {
		total += n
	}
	if wantTotal := int64(day * (day + 1) / 2); total != wantTotal {
		t.Fatalf("day %d: alarms to date %d, want %d", day, total, wantTotal)
	}
	header := strings.Split(plain(m), "\n")[0]
	date := cfg.Start().AddDate(0, 0, day-1)
	if !strings.Contains(header, m.ctx.T("review")) || (!strings.Contains(header, date.Format("2006-01-02")) && !strings.Contains(header, date.Format("01-02"))) {
		t.Fatalf("day %d: header %q does not say review and %s", day, header, date.Format("2006-01-02"))
	}
	if strings.Contains(header, m.ctx.T("live")) {
		t.Fatalf("day %d: header %q says live in review", day, header)
	}
	if first := strings.Split(m.Render(), "\n")[0]; !strings.HasPrefix(first, m.ctx.St.Review.pre) || strings.Contains(first, m.ctx.St.Live.pre) {
		t.Fatalf("day %d: the header is not in the review colour, or shows the live one: %q", day, first)
	}
}

// TestReviewKeepsLiveAlerts: in review, live states still arrive
// underneath: a new alert shows in the alerts region and rings the bell,
// while the figures stay the reviewed day's; 0 brings the newest live
// state back.
func TestReviewKeepsLiveAlerts(t *testing.T) {
	cfg, ends := reviewDays(t)
	last := cfg.Days()
	m := New(cfg, Options{Lang: "en", Theme: "dark", Layout: "standard", Now: func() time.Time { return fixedNow }, Coalesce: -1, Bell: true,
		FetchDay: func(_ context.Context, day, _ int) (*campaign.State, error) { return ends[day], nil }})
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = send(m, StateMsg{State: ends[last]})
	m = pressKey(t, m, "{")
	checkReviewShows(t, m, cfg, ends[last-7], last-7)

	live := ends[last].Clone()
	data, _ := json.Marshal(feed.AlarmReceived{AlarmID: "mass-1", Category: feed.AlarmMassIncident, Priority: 1, Summary: "广场聚集"})
	campaign.Apply(cfg, live, feed.Event{Seq: live.Seq + 1, ID: "mass-1", Type: feed.TypeAlarmReceived, At: live.LastAt.Add(time.Minute), District: "xihua", Data: data})
	if len(live.Alerts) == 0 {
		t.Fatal("the test event raised no alert: check the config's alert rules")
	}
	nm, cmd := m.Update(StateMsg{State: live})
	m = nm.(Model)
	if cmd == nil {
		t.Error("a live alert in review did not ring the bell")
	}
	checkReviewShows(t, m, cfg, ends[last-7], last-7)
	has(t, m, "Mass incident")
	m = pressKey(t, m, "0")
	if m.ctx.D.S != live {
		t.Fatal("0 did not bring back the newest live state")
	}
}

// TestReviewAtStart: Options.ReviewDay (watch --at) starts in review.
func TestReviewAtStart(t *testing.T) {
	cfg, ends := reviewDays(t)
	m := New(cfg, Options{Lang: "zh", Theme: "mono", Now: func() time.Time { return fixedNow }, Coalesce: -1, ReviewDay: 49,
		FetchDay: func(_ context.Context, day, _ int) (*campaign.State, error) { return ends[day], nil }})
	m = send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	cmd := m.startReview(m.opts.ReviewDay) // what Init batches with the clock
	m = run(t, m, cmd)
	m = send(m, StateMsg{State: ends[cfg.Days()]})
	checkReviewShows(t, m, cfg, ends[49], 49)
}

// TestReviewWithoutHub: a board with no fetcher says so and stays live.
func TestReviewWithoutHub(t *testing.T) {
	m := board(t, Options{Lang: "en", Theme: "dark"}, 120, 40)
	m = press(m, "[")
	if _, reviewing := m.Reviewing(); reviewing {
		t.Fatal("in review without a hub")
	}
	has(t, m, "no review on this board")
}

// TestReviewKeepsTheDemoCheck: the end-of-demo check is of the feed, so a
// board in review when the replay ends checks the live state, not the day
// it shows.
func TestReviewKeepsTheDemoCheck(t *testing.T) {
	cfg, ends := reviewDays(t)
	live := ends[cfg.Days()]
	m := New(cfg, Options{Lang: "en", Theme: "dark", Layout: "standard", Demo: true, Now: func() time.Time { return fixedNow }, Coalesce: -1,
		FetchDay: func(_ context.Context, day, _ int) (*campaign.State, error) { return ends[day], nil }})
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = send(m, StateMsg{State: live})
	m = pressKey(t, m, "{")
	solved := campaign.Figures(cfg, live)["strike.theft_cases_solved"]
	facts, err := campaign.ParseFacts("test", []byte(fmt.Sprintf(`{"figures":[{"id":"strike.theft_cases_solved","kind":"exact","value":%v}]}`, solved.Value)))
	if err != nil {
		t.Fatal(err)
	}
	m = send(m, DemoMsg{Speed: 1000, Done: true, Facts: facts, CheckSeq: live.Seq})
	if !m.ctx.DemoInfo.CheckOK || m.ctx.DemoInfo.CheckedSeq != live.Seq {
		t.Fatalf("check in review: ok %v at seq %d (%v), want ok at the live seq %d", m.ctx.DemoInfo.CheckOK, m.ctx.DemoInfo.CheckedSeq, m.ctx.DemoInfo.Mismatches, live.Seq)
	}
}
