package tui

import (
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/layouts"
)

// Tests for issue 12's "figures that cannot mislead": every published
// figure visible, rates only where they hold, no comparison or flag before
// there is data, connection truth, the clock, alerts that wait for an
// acknowledgement, and the end-of-demo check on what the board drew.

var (
	shippedOnce  sync.Once
	shippedState *campaign.State
)

// shipped folds the whole shipped recording, as the demo's board ends.
func shipped(t testing.TB) *campaign.State {
	t.Helper()
	shippedOnce.Do(func() {
		cfg := demo.Campaign()
		s := campaign.NewState(cfg)
		if err := feed.ScanEvents(demo.Recording(), func(e feed.Event) error { campaign.Apply(cfg, s, e); return nil }); err != nil {
			panic(err)
		}
		shippedState = s
	})
	return shippedState
}

// figuresScreens renders every part of the figures page, pressing r to
// step through them.
func figuresScreens(t *testing.T, m Model) []string {
	t.Helper()
	m = press(m, "r")
	if p, _ := m.Page(); p != layouts.Figures {
		t.Fatalf("r shows page %q, want the figures page", p)
	}
	var out []string
	for i := 0; i < m.ctx.Rot.parts; i++ {
		out = append(out, plain(m))
		m = press(m, "r")
	}
	return out
}

var numberRe = regexp.MustCompile(`[▾▴=]?-?[0-9][0-9,]*(\.[0-9]+)?%?`)

// TestFiguresPageShowsEveryPublishedValue renders the figures page from the
// shipped recording and finds every published figure in it, on the line of
// its own label, at every layout and in both languages.
func TestFiguresPageShowsEveryPublishedValue(t *testing.T) {
	cfg := demo.Campaign()
	facts, err := campaign.ParseFacts("facts", demo.Facts())
	if err != nil {
		t.Fatal(err)
	}
	s := shipped(t)
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {240, 70}} {
		for _, lang := range Langs {
			t.Run(fmt.Sprintf("%s/%dx%d", lang, sz[0], sz[1]), func(t *testing.T) {
				m := New(cfg, Options{Lang: lang, Theme: "mono", Now: func() time.Time { return fixedNow }, Coalesce: -1})
				m = send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				m = send(m, StateMsg{State: s})
				m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
				screens := figuresScreens(t, m)
				for _, sc := range screens {
					checkWidths(t, "figures", sc, sz[0], sz[1])
				}
				all := strings.Join(screens, "\n")
				for _, f := range facts.Figures {
					label := strings.TrimSpace(T(lang, "fig."+f.ID))
					// Other panels may use the same words (the wall shows
					// the line panels too): the figure is there if one line
					// has its label followed by the published value.
					var shown []string
					for _, l := range strings.Split(all, "\n") {
						for rest := l; ; {
							i := strings.Index(rest, " "+label+" ")
							if i < 0 {
								break
							}
							rest = rest[i+1+len(label):]
							shown = append(shown, numberRe.FindString(rest))
						}
					}
					if len(shown) == 0 {
						t.Errorf("%s (%q) is not on the figures page", f.ID, label)
						continue
					}
					if !slices.ContainsFunc(shown, func(tok string) bool { return publishedValue(f, tok) }) {
						t.Errorf("%s: page shows %q, published %s", f.ID, shown, factText(f))
					}
				}
			})
		}
	}
}

// TestFiguresPageCutsNoCount renders the figures page at every width from
// the narrowest panel a layout gives it (the wall's rotator, 57 columns at
// 200x60) to a full line, mid-campaign (pro-rated comparisons) and at the
// end: nothing on it is cut with an ellipsis, and where the page has the
// width it asks for, a comparison shows the counts it compares.
func TestFiguresPageCutsNoCount(t *testing.T) {
	cfg, snaps := recordingStates(t)
	for _, lang := range Langs {
		m := New(cfg, Options{Lang: lang, Theme: "mono", Now: func() time.Time { return fixedNow }, Coalesce: -1})
		m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
		for _, s := range []*campaign.State{snaps[len(snaps)/2], shipped(t)} {
			m = send(m, StateMsg{State: s})
			for w := 57; w <= 120; w++ {
				m.ctx.Rot.part = 0
				_, parts := figuresLayout(lang, w, 80)
				for part := range parts {
					m.ctx.Rot.part = part
					for _, l := range renderFigures(m.ctx, w, 80) {
						l = ansi.Strip(l)
						if strings.Contains(l, Ellipsis) {
							t.Errorf("%s, %d columns: a line is cut: %q", lang, w, l)
						}
						short := T(lang, "kpi.mom") // every form of the counts starts with the basis
						if w >= figuresColWidth(lang) && (strings.Contains(l, "▾") || strings.Contains(l, "▴")) && strings.Contains(l, strings.TrimSpace(T(lang, "fig.overall.alarms_criminal_mom_pct"))) && !strings.Contains(l, short) {
							t.Errorf("%s, %d columns: the criminal alarms comparison shows no counts: %q", lang, w, l)
						}
					}
				}
			}
		}
	}
}

// publishedValue reports whether a shown number is the published figure.
func publishedValue(f campaign.Fact, shown string) bool {
	neg := strings.HasPrefix(shown, "▾")
	num := strings.TrimRight(strings.TrimLeft(shown, "▾▴="), "%")
	v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
	if err != nil {
		return false
	}
	if neg {
		v = -v
	}
	switch f.Kind {
	case "exact":
		return v == *f.Value
	case "range":
		return v >= *f.Min && v <= *f.Max
	case "pct":
		return campaign.Round(v, f.Decimals) == *f.Value
	}
	return false
}

func factText(f campaign.Fact) string {
	if f.Kind == "range" {
		return fmt.Sprintf("%v..%v", *f.Min, *f.Max)
	}
	return fmt.Sprint(*f.Value)
}

// TestEveryFigureHasUnitAndLabel: the page has a name and a unit label for
// every figure, in both languages.
func TestEveryFigureHasUnitAndLabel(t *testing.T) {
	for _, lang := range Langs {
		for _, f := range campaign.FigureInfos {
			if name, ok := labels[lang]["fig."+f.ID]; !ok {
				t.Errorf("%s: no label fig.%s", lang, f.ID)
			} else if Width(name) > figureNameWidth(lang) {
				t.Errorf("%s: fig.%s %q is wider than the name column (%d)", lang, f.ID, name, figureNameWidth(lang))
			}
			if _, ok := labels[lang]["funit."+f.Unit]; !ok {
				t.Errorf("%s: no label funit.%s", lang, f.Unit)
			}
		}
	}
}

// TestRatesAndComparisonsNeedData: an empty hub shows no "▾100%", no flags
// and no 0.000 scores; today's disputes are counts, never a rate.
func TestRatesAndComparisonsNeedData(t *testing.T) {
	cfg, _ := fixture()
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			m := board(t, Options{Lang: lang, Layout: layout}, 200, 60)
			m = send(m, StateMsg{State: campaign.NewState(cfg)})
			for page := 0; page < 4; page++ {
				out := plain(m)
				for _, bad := range []string{"100.00%", "⚑", "0.000"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s/%s page %d: an empty hub shows %q:\n%s", layout, lang, page, bad, out)
					}
				}
				m = press(m, "right")
			}
		}
	}
	// Today's disputes: the tile shows the counts and the campaign's rate.
	m := board(t, Options{Lang: "en", Layout: "standard"}, 120, 40)
	tile := kpiTiles(m.ctx)[6]
	today := m.ctx.State.Today()
	if want := fmt.Sprintf(T("en", "kpi.disputes_today"), fmtInt(today.DisputesResolved), fmtInt(today.DisputesFound)); tile.today != want {
		t.Errorf("today's disputes tile %q, want the counts %q", tile.today, want)
	}
	if want := fmtRate(campaign.Rate(m.ctx.State.Totals.DisputesResolved, m.ctx.State.Totals.DisputesFound)); tile.total != want {
		t.Errorf("campaign dispute rate %q, want %q", tile.total, want)
	}
}

// TestSolvedByCategoryShowsBacklogApart: the homicide row of the fixture
// has one backlog solve, in the solved count and not in the rate.
func TestSolvedByCategoryShowsBacklogApart(t *testing.T) {
	tests := []struct {
		lang, want string
	}{
		{"en", "solved 1 (backlog 1) / filed 2 ・   0.00%"},
		{"zh", "破 1 (积案 1) / 立 2 ・   0.00%"},
	}
	for _, tc := range tests {
		m := rotating(board(t, Options{Lang: tc.lang, Layout: "standard"}, 120, 40))
		has(t, m, tc.want)
	}
}

// TestAlertStaysUntilAcknowledged: a new homicide solved before anyone
// acknowledged it stays on screen, marked solved, until a; the history
// (H) reads the folded record: raised, solved and acknowledged at the
// events' own times, not when this board noticed; the board's own state
// stays bounded.
func TestAlertStaysUntilAcknowledged(t *testing.T) {
	cfg, s := fixture()
	m := board(t, Options{Lang: "en", Layout: "standard"}, 120, 40)
	has(t, m, "New homicide")
	solvedAt := time.Date(2023, 7, 31, 14, 20, 0, 0, cfg.Location())
	solved := s.Clone()
	i := slices.IndexFunc(solved.Alerts, func(a campaign.Alert) bool { return a.District == "xihua" })
	solved.Alerts[i].ClearedAt, solved.Alerts[i].ClearedBy = solvedAt, feed.TypeCaseSolved
	solved.LastAt = s.LastAt.Add(5 * time.Hour) // this board hears of it hours later
	m = send(m, StateMsg{State: solved})
	has(t, m, "New homicide  Xihua")
	has(t, m, "solved, not acknowledged")
	m = press(m, "a")
	has(t, m, "solved, acknowledged")
	// The hub's ack comes back: acknowledged and solved, it is finished.
	acked := solved.Clone()
	done := acked.Alerts[i]
	done.AckedAt, done.AckedBy = solvedAt.Add(7*time.Minute), "川汇值班台"
	acked.Alerts = slices.Delete(acked.Alerts, i, i+1)
	acked.AlertsDone = append(acked.AlertsDone, done)
	m = send(m, StateMsg{State: acked})
	hasNot(t, m, "New homicide  Xihua")
	m = press(m, "H")
	if !m.History() {
		t.Fatal("H did not open the alert history")
	}
	out := plain(m)
	for _, want := range []string{"Alert history", "raised", "solved", "acked", "川汇值班台", "07-31 14:03:00", "07-31 14:20:00", "07-31 14:27:00"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, solved.LastAt.In(cfg.Location()).Format("01-02 15:04")) {
		t.Errorf("the history has the time this board heard of the solve:\n%s", out)
	}
	m = press(m, "esc")
	if m.History() {
		t.Fatal("Esc did not close the history")
	}
	// Bounded: many alerts raised, acknowledged here, hidden, gone.
	for i := range 2 * maxAlertIDs {
		st := s.Clone()
		st.Alerts = []campaign.Alert{{ID: fmt.Sprintf("x%d", i), At: s.LastAt, Rule: 0, Type: "case.filed", District: "xihua"}}
		m = press(send(m, StateMsg{State: st}), "a", "c")
	}
	a := m.ctx.Alerts
	if a.seen.len() > maxAlertIDs || a.acked.len() > maxAlertIDs || a.hidden.len() > maxAlertIDs || a.rung.len() > maxAlertIDs {
		t.Errorf("alert state grew: %d seen, %d acked, %d hidden, %d rung", a.seen.len(), a.acked.len(), a.hidden.len(), a.rung.len())
	}
}

// TestKeysSayWhatTheyDo: f is "next district" without --district and "my
// district" with it; pause says the rotation paused.
func TestKeysSayWhatTheyDo(t *testing.T) {
	tests := []struct {
		district, lang, want, not string
	}{
		{"", "en", "next district", "my district"},
		{"xihua", "en", "my district only", "next district"},
		{"", "zh", "下一个辖区", "只看本辖区"},
		{"xihua", "zh", "只看本辖区", "下一个辖区"},
	}
	for _, tc := range tests {
		m := board(t, Options{Lang: tc.lang, Layout: "standard", District: tc.district}, 120, 40)
		m = press(m, "?")
		has(t, m, tc.want)
		hasNot(t, m, tc.not)
	}
	m := rotating(board(t, Options{Lang: "zh", Layout: "compact"}, 80, 24))
	m = press(m, "space")
	has(t, m, "轮播已暂停")
	m = press(m, "l")
	has(t, m, "ROTATION PAUSED")
}

// TestHelpDefinesTheFigures: the help carries the definitions in short and
// the ranking score's formula built from the campaign's weights.
func TestHelpDefinesTheFigures(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := board(t, Options{Lang: "en"}, sz[0], sz[1])
		m = press(m, "?")
		for _, want := range []string{"docs/figures.md", "Score = sum of points", "solved +0.35", "Clearance =", "person-shifts", "MoM vs", "q      quit"} {
			has(t, m, want)
		}
	}
}

// TestClockFollowsTheData: the demo's clock is the newest drawn event's
// time, not the replay's progress; live in the campaign it is the wall
// clock in the campaign's zone; live outside the campaign (a replay) the
// events' time; no data says so.
func TestClockFollowsTheData(t *testing.T) {
	cfg, s := fixture()
	inCampaign := fixedNow.Add(3 * time.Hour)
	after := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		demo  bool
		now   time.Time
		state *campaign.State
		want  []string
		not   []string
	}{
		{"demo follows the drawn events", true, after, s, []string{"Day 37/98", "2023-07-31 16:30:00"}, []string{"2023-07-31 19:30"}},
		{"live in the campaign: wall clock", false, inCampaign, s, []string{"Day 37/98", "2023-07-31 17:05:30"}, nil},
		{"live outside the campaign: a replay", false, after, s, []string{"Day 37/98", "2023-07-31 16:30:00"}, []string{"2026"}},
		{"empty hub", false, after, campaign.NewState(cfg), []string{"no data"}, []string{"Day 98/98", "2026"}},
		{"demo without data", true, inCampaign, campaign.NewState(cfg), []string{"no data"}, []string{"Day "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New(cfg, Options{Lang: "en", Layout: "standard", Demo: tc.demo, Now: func() time.Time { return tc.now }, Coalesce: -1})
			m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
			if tc.demo {
				// The replay's progress runs ahead of what the board drew.
				m = send(m, DemoMsg{Speed: 1000, CampaignTime: s.LastAt.Add(3 * time.Hour), Sent: 1, Total: 2})
			}
			if tc.state != nil {
				m = send(m, StateMsg{State: tc.state})
			}
			header := strings.Split(plain(m), "\n")[0]
			for _, w := range tc.want {
				if !strings.Contains(header, w) {
					t.Errorf("header lacks %q: %q", w, header)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(header, n) {
					t.Errorf("header shows %q: %q", n, header)
				}
			}
		})
	}
}

// TestRefusalIsTheWholeScreen: a refused token, or a hub never reached,
// says so across the screen in the board's language, never a board of
// zeros.
func TestRefusalIsTheWholeScreen(t *testing.T) {
	cfg, _ := fixture()
	tests := []struct {
		name string
		conn ConnMsg
		lang string
		want []string
	}{
		{"bad token en", ConnMsg{Status: ConnFailed, Reason: ReasonBadToken, Err: "hub refused the read token: check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN) (4501: bad token)"}, "en",
			[]string{"No data: the hub refused this board", "check --token-file (or --token, SITBOARD_READ_TOKEN_FILE, SITBOARD_READ_TOKEN)", "press q to quit"}},
		{"bad token zh", ConnMsg{Status: ConnFailed, Reason: ReasonBadToken, Err: "hub refused the read token"}, "zh",
			[]string{"数据源拒绝了本看板", "请检查 --token", "按 q 退出"}},
		{"unreachable zh", ConnMsg{Status: ConnReconnecting, Reason: ReasonUnreachable, Err: "cannot reach the hub at ws://127.0.0.1:1: connection refused", NextRetry: fixedNow.Add(3 * time.Second)}, "zh",
			[]string{"连接不上数据源", "hub 已启动", "3秒后自动重试"}},
	}
	for _, tc := range tests {
		for _, sz := range [][2]int{{80, 24}, {120, 40}, {240, 70}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, sz[0], sz[1]), func(t *testing.T) {
				m := New(cfg, Options{Lang: tc.lang, Now: func() time.Time { return fixedNow }, Coalesce: -1})
				m = send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				m = send(m, tc.conn)
				out := m.Render()
				checkWidths(t, tc.name, out, sz[0], sz[1])
				flat := strings.ReplaceAll(ansi.Strip(out), "\n", " ")
				flat = regexp.MustCompile(` +`).ReplaceAllString(flat, " ")
				for _, w := range tc.want {
					if !strings.Contains(flat, w) {
						t.Errorf("refusal lacks %q:\n%s", w, ansi.Strip(out))
					}
				}
				for _, zero := range []string{T(tc.lang, "kpi.alarms_criminal"), T(tc.lang, "ticker.title")} {
					if strings.Contains(flat, zero) {
						t.Errorf("refusal draws the board (%q):\n%s", zero, ansi.Strip(out))
					}
				}
			})
		}
	}
}

// TestNoZerosBeforeTheFirstSnapshot: before any state arrives the board
// says it is connecting; it never draws a board of zeros.
func TestNoZerosBeforeTheFirstSnapshot(t *testing.T) {
	cfg, _ := fixture()
	for _, lang := range Langs {
		m := New(cfg, Options{Lang: lang, Now: func() time.Time { return fixedNow }})
		m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = send(m, ConnMsg{Status: ConnConnecting})
		out := plain(m)
		checkWidths(t, "connecting", m.Render(), 120, 40)
		if !strings.Contains(out, T(lang, "loading")) || strings.Contains(out, T(lang, "kpi.alarms_criminal")) {
			t.Errorf("%s: before the first snapshot:\n%s", lang, out)
		}
		m = send(m, StateMsg{State: campaign.NewState(cfg)})
		if out := plain(m); !strings.Contains(out, T(lang, "kpi.alarms_criminal")) {
			t.Errorf("%s: an empty hub's snapshot does not show the board:\n%s", lang, out)
		}
	}
}

// TestLostHubDimsAndBanners: with data on screen and the link down, every
// layout shows a banner across the width under the header, with the data's
// age from the first second, and dims the figures.
func TestLostHubDimsAndBanners(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, lang := range Langs {
			clk := &clock{fixedNow}
			m := board(t, Options{Lang: lang, Theme: "dark", Now: clk.now}, sz[0], sz[1])
			live := m.Render()
			clk.add(time.Second)
			m = send(m, ConnMsg{Status: ConnReconnecting, Reason: ReasonUnreachable, NextRetry: clk.t.Add(5 * time.Second), LastData: fixedNow})
			out := m.Render()
			checkWidths(t, "degraded", out, sz[0], sz[1])
			lines := strings.Split(out, "\n")
			// The banner goes under the alerts, never over them: the
			// compact layout has one alert line, right under the header.
			row := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(ansi.Strip(l), T(lang, "banner.title")) })
			if row < 0 {
				t.Fatalf("%v %s: no banner:\n%s", sz, lang, ansi.Strip(out))
			}
			if first := ansi.Strip(lines[1]); !strings.Contains(first, T(lang, "level.red")) || row < 2 {
				t.Errorf("%v %s: the banner (row %d) hides the alert line: %q", sz, lang, row, first)
			}
			banner := ansi.Strip(lines[row])
			want := []string{T(lang, "banner.title"), fmt.Sprintf(T(lang, "data_age"), fmtAge(lang, time.Second))}
			if sz[0] >= 120 {
				want = append(want, "07-31 16:30:00") // since when, where it fits
			}
			for _, w := range want {
				if !strings.Contains(banner, w) {
					t.Errorf("%v %s: banner %q lacks %q", sz, lang, banner, w)
				}
			}
			header := ansi.Strip(lines[0])
			if !strings.Contains(header, fmt.Sprintf(T(lang, "data_age"), fmtAge(lang, time.Second))) {
				t.Errorf("%v %s: header lacks the data's age: %q", sz, lang, header)
			}
			// Dimmed: the figures' own colours are gone.
			dimPre := m.ctx.St.Dim.R("x")[:strings.Index(m.ctx.St.Dim.R("x"), "x")]
			liveLines := strings.Split(live, "\n")
			for i := 2; i < len(lines)-1; i++ {
				if i == row {
					continue
				}
				if ansi.Strip(lines[i]) != "" && strings.TrimSpace(ansi.Strip(lines[i])) != "" && !strings.HasPrefix(lines[i], dimPre) && lines[i] != liveLines[i] {
					t.Errorf("%v %s: line %d not dimmed: %q", sz, lang, i, lines[i])
				}
			}
			if kpi := row + 1; !strings.HasPrefix(lines[kpi], dimPre) {
				t.Errorf("%v %s: KPI line not dimmed: %q", sz, lang, lines[kpi])
			}
		}
	}
}

// TestConnMsgFromClassifies: the client's English error becomes a reason
// the board says in its own language.
func TestConnMsgFromClassifies(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		conn client.Conn
		want string
	}{
		{client.Conn{Status: client.Failed, Err: &client.CloseError{Code: feed.CloseBadToken, Reason: "bad token"}}, ReasonBadToken},
		{client.Conn{Status: client.Failed, Err: &client.CloseError{Code: feed.CloseBadRequest, Reason: "bad hello"}}, ReasonBadRequest},
		{client.Conn{Status: client.Reconnecting, Err: fmt.Errorf("cannot reach the hub at ws://x: %w", dial)}, ReasonUnreachable},
		{client.Conn{Status: client.Reconnecting, Err: errors.New("hub closed the stream (4001): slow")}, ReasonLost},
		{client.Conn{Status: client.Live}, ""},
	}
	for _, tc := range tests {
		got := ConnMsgFrom(tc.conn)
		if got.Reason != tc.want || got.Status != tc.conn.Status.String() {
			t.Errorf("%v: reason %q status %q, want %q", tc.conn.Err, got.Reason, got.Status, tc.want)
		}
		for _, lang := range Langs {
			if tc.want != "" && T(lang, "conn."+tc.want) == "conn."+tc.want {
				t.Errorf("%s: no label for %s", lang, tc.want)
			}
		}
	}
}

// TestEndOfDemoCheckOnDrawnState: the check waits for the state the board
// has drawn to reach the hub's last seq, then names that seq, the same the
// header shows.
func TestEndOfDemoCheckOnDrawnState(t *testing.T) {
	cfg, s := fixture()
	figs := campaign.Figures(cfg, s)
	theft := figs["strike.theft_cases_solved"].Value
	good := fmt.Sprintf(`{"figures":[{"id":"strike.theft_cases_solved","kind":"exact","value":%v},{"id":"patrol.grids","kind":"exact","value":62}]}`, theft)
	bad := `{"figures":[{"id":"strike.theft_cases_solved","kind":"exact","value":999}]}`
	parse := func(src string) *campaign.Facts {
		f, err := campaign.ParseFacts("test", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	seq := fmtInt(int64(s.Seq))
	behind := s.Clone()
	behind.Seq = s.Seq - 5
	tests := []struct {
		name  string
		facts string
		want  string
	}{
		{"pass", good, "✓ figures check OK (66) at seq " + seq},
		{"fail", bad, "1 figures off at seq " + seq + ": strike.theft_cases_solved"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{fixedNow}
			m := New(cfg, Options{Lang: "en", Layout: "standard", Demo: true, Now: clk.now}) // default coalescing
			m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
			m = send(m, StateMsg{State: behind})
			m = send(m, DemoMsg{Speed: 1000, Done: true, Facts: parse(tc.facts), CheckSeq: s.Seq})
			has(t, m, "checking: waiting for seq "+seq)
			// The last batch arrives but is not drawn until the next tick.
			m = send(m, StateMsg{State: s})
			has(t, m, "checking: waiting for seq "+seq)
			clk.add(time.Second)
			m = send(m, tickMsg{})
			has(t, m, tc.want)
			if header := strings.Split(plain(m), "\n")[0]; !strings.Contains(header, "seq "+seq) {
				t.Errorf("the header does not show the checked seq %s: %q", seq, header)
			}
		})
	}
	t.Run("never arrives", func(t *testing.T) {
		clk := &clock{fixedNow}
		m := New(cfg, Options{Lang: "en", Layout: "standard", Demo: true, Now: clk.now, Coalesce: -1})
		m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = send(m, StateMsg{State: behind})
		m = send(m, DemoMsg{Speed: 1000, Done: true, Facts: parse(good), CheckSeq: s.Seq})
		clk.add(checkWait + time.Second)
		m = send(m, tickMsg{})
		has(t, m, "the board did not receive every event (hub at seq "+seq)
		hasNot(t, m, "figures check OK")
	})
}

// TestFiguresPageInRotation: the page is in every built-in rotation, its
// parts each get an interval, and the title says which part is shown.
func TestFiguresPageInRotation(t *testing.T) {
	for _, name := range layouts.Names() {
		l, err := layouts.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range l.RotatorPages() {
			found = found || p == layouts.Figures
		}
		if !found {
			t.Errorf("layout %s does not rotate the figures page in", name)
		}
	}
	clk := &clock{fixedNow}
	m := rotating(board(t, Options{Lang: "en", Layout: "compact", Now: clk.now, Rotate: 10 * time.Second}, 80, 24))
	parts := m.ctx.Rot.parts
	if parts < 2 {
		t.Fatalf("80x24 fits every figure in %d part", parts)
	}
	seen := map[string]bool{}
	for i := 0; i < len(m.ctx.Rot.pages)-1+parts+1; i++ {
		p, _ := m.Page()
		seen[fmt.Sprintf("%s/%d", p, m.ctx.Rot.part)] = true
		clk.add(10 * time.Second)
		m = send(m, tickMsg{})
	}
	for part := 0; part < parts; part++ {
		if !seen[fmt.Sprintf("figures/%d", part)] {
			t.Errorf("rotation skipped part %d of the figures page: %v", part+1, seen)
		}
	}
	figuresAt := slices.Index(m.ctx.Rot.pages, layouts.Figures) + 1
	m = press(m, "r")
	has(t, m, fmt.Sprintf("[%d Figures 1/%d]", figuresAt, parts))
	m = press(m, "r")
	has(t, m, fmt.Sprintf("[%d Figures 2/%d]", figuresAt, parts))
	_ = math.Abs
}
