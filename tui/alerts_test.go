package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// alertBoard is a board on the fixture's campaign showing one standing
// alert raised at `at` by a rule of the campaign (rule 0: a homicide, red),
// with the board's clock a movable one.
func alertBoard(t *testing.T, opts Options, at time.Time, level string) (Model, *clock, *campaign.State) {
	t.Helper()
	cfg, s := fixture()
	st := s.Clone()
	st.Alerts = []campaign.Alert{{ID: "h-new", Seq: st.Seq, At: at, FoldedAt: at, Rule: 0, Level: level, Type: feed.TypeCaseFiled,
		Category: feed.CaseHomicide, Subject: "C-NEW", District: "chuanhui", Summary: "某村发生命案", Clears: true}}
	st.AlertsDone = nil
	clk := &clock{at}
	opts.Now, opts.Coalesce, opts.Tick = clk.now, -1, time.Millisecond // runCmd waits out the tick
	if opts.Lang == "" {
		opts.Lang = "en"
	}
	m := New(cfg, opts)
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = send(m, StateMsg{State: st})
	m = send(m, ConnMsg{Status: ConnLive, LastData: at})
	return m, clk, st
}

// inCampaignNow is a wall clock inside the fixture's campaign, so the
// board's live clock is the wall clock.
var inCampaignNow = time.Date(2023, 7, 31, 14, 5, 30, 0, time.FixedZone("+08:00", 8*3600))

func flashes(m Model) bool {
	a := m.Render()
	m = send(m, tickMsg{})
	return a != m.Render()
}

// heard is the hub's heartbeat at the clock's time: the data is fresh
// (a stale board dims everything, flashing included).
func heard(m Model, clk *clock) Model { return send(m, ConnMsg{Status: ConnLive, LastData: clk.t}) }

// TestAlertEscalates: a new alert flashes; after a minute it stays steady,
// still asking for acknowledgement; past its rule's escalation time
// (10 minutes by default) it flashes again, says for how long it waited,
// and rings the bell where --bell is on, once per escalation time, and at
// most once per 10 s of wall time. An acknowledged alert never flashes.
func TestAlertEscalates(t *testing.T) {
	m, clk, _ := alertBoard(t, Options{Layout: "standard", Bell: true}, inCampaignNow, campaign.LevelRed)
	if !flashes(m) {
		t.Error("a new alert does not flash")
	}
	clk.add(2 * time.Minute)
	m = send(heard(m, clk), tickMsg{})
	if flashes(m) {
		t.Error("an alert two minutes old still flashes: it flashes again only when it escalates")
	}
	has(t, m, "press a to acknowledge")
	bells := func() int {
		n := 0
		for range 3 {
			clk.add(5 * time.Second)
			nm, cmd := heard(m, clk).Update(tickMsg{})
			m = nm.(Model)
			n += strings.Count(fmt.Sprint(runCmd(cmd)), "\a")
		}
		return n
	}
	if n := bells(); n != 0 {
		t.Errorf("%d bells before the escalation time", n)
	}
	clk.add(8 * time.Minute) // 10 minutes unacknowledged
	if n := bells(); n != 1 {
		t.Errorf("%d bells at the escalation, want 1", n)
	}
	if !flashes(m) {
		t.Error("an escalated alert does not flash again")
	}
	has(t, m, "unacknowledged 10m")
	if n := bells(); n != 0 {
		t.Errorf("%d more bells in the same escalation step", n)
	}
	clk.add(10 * time.Minute)
	if n := bells(); n != 1 {
		t.Errorf("%d bells after another escalation time, want 1", n)
	}
	m = press(m, "a")
	if flashes(m) {
		t.Error("an acknowledged alert flashes")
	}
	if n := bells(); n != 0 {
		t.Errorf("%d bells for an acknowledged alert", n)
	}
}

// TestClearHidesOnThisBoardOnly: c hides the acknowledged alerts on this
// board, says so and that other boards are unchanged; they stay hidden
// through a reconnect and a snapshot; another board still shows them,
// and so does H.
func TestClearHidesOnThisBoardOnly(t *testing.T) {
	_, s := fixture()
	acked := s.Clone()
	for i := range acked.Alerts {
		acked.Alerts[i].AckedAt, acked.Alerts[i].AckedBy = fixedNow, "市局"
	}
	m := board(t, Options{Lang: "en", Layout: "standard"}, 120, 40)
	m = send(m, StateMsg{State: acked})
	other := send(board(t, Options{Lang: "en", Layout: "standard"}, 120, 40), StateMsg{State: acked})
	m = press(m, "c")
	has(t, m, fmt.Sprintf("%d acknowledged alerts hidden on this board only (other boards unchanged)", len(acked.Alerts)))
	has(t, m, "No priority alerts")
	// The link drops; the board resumes, first on a hub still catching up
	// on its log (a state without these alerts yet), then on all of it.
	m = send(m, ConnMsg{Status: ConnReconnecting, NextRetry: fixedNow.Add(time.Second), LastData: fixedNow})
	m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
	partial := acked.Clone()
	partial.Alerts = nil
	m = send(m, StateMsg{State: partial})
	m = send(m, StateMsg{State: acked.Clone()})
	hasNot(t, m, "acknowledged by 市局")
	has(t, m, fmt.Sprintf("%d acknowledged hidden here", len(acked.Alerts)))
	has(t, other, "acknowledged by 市局")
	has(t, press(m, "H"), "市局")
	// A new alert is not hidden by an earlier c.
	fresh := acked.Clone()
	fresh.Alerts = append(fresh.Alerts, campaign.Alert{ID: "new-1", At: fixedNow, Rule: 0, Level: campaign.LevelRed, Type: feed.TypeCaseFiled, District: "xihua"})
	m = send(m, StateMsg{State: fresh})
	has(t, m, "press a to acknowledge")
	// With nothing acknowledged, c says there is nothing to hide.
	has(t, press(board(t, Options{Lang: "en", Layout: "standard"}, 120, 40), "c"), "no acknowledged alert to hide")
}

// TestEpochChangeNotice: a hub whose log was replaced (another epoch)
// shows a full-width notice on the board until Esc, and the old alerts go
// with the old state, as do this board's acts on them.
func TestEpochChangeNotice(t *testing.T) {
	cfg, s := fixture()
	for _, lang := range Langs {
		m := New(cfg, Options{Lang: lang, Layout: "compact", Now: func() time.Time { return fixedNow }, Coalesce: -1})
		m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow, Epoch: "epoch-old"})
		m = send(m, StateMsg{State: s})
		m = press(m, "a")
		want := map[string]string{"zh": "数据源已更换", "en": "DATA SOURCE REPLACED"}[lang]
		hasNot(t, m, want)
		m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow, Epoch: "epoch-new"})
		m = send(m, StateMsg{State: campaign.NewState(cfg)})
		has(t, m, want)
		lines := strings.Split(plain(m), "\n")
		row := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, want) })
		if row < 2 || Width(strings.TrimRight(lines[row], " ")) < 60 {
			t.Errorf("%s: the notice is not a full-width line below the alerts: row %d %q", lang, row, lines[row])
		}
		if m.ctx.Alerts.acked.len() != 0 || m.ctx.Alerts.unacked(m.ctx.State) != 0 {
			t.Errorf("%s: the old log's alerts are still with the board", lang)
		}
		checkWidths(t, "epoch "+lang, m.Render(), 80, 24)
		m = press(m, "esc")
		hasNot(t, m, want)
	}
}

// TestRotationHoldsOnRedAlert: while a red alert this board answers for
// waits for acknowledgement, the rotation goes to the alerts page and
// stays there; a page key lets the operator look elsewhere for one
// interval; a acknowledges and the rotation goes on. A yellow alert, an
// alert of another district on a district board, and a demo board do not
// hold it.
func TestRotationHoldsOnRedAlert(t *testing.T) {
	m, clk, _ := alertBoard(t, Options{Layout: "standard", Rotate: 15 * time.Second}, inCampaignNow, campaign.LevelRed)
	for range 20 {
		clk.add(8 * time.Second)
		m = send(m, tickMsg{})
		if p, _ := m.Page(); p != layouts.Alerts {
			t.Fatalf("the rotation left the alerts for %s while a red alert waits", p)
		}
	}
	has(t, m, "red alert waiting: press a to acknowledge")
	has(t, m, "1 waiting for acknowledgement")
	m = press(m, "right")
	if p, _ := m.Page(); p == layouts.Alerts {
		t.Fatal("a page key did not move off the alerts")
	}
	clk.add(16 * time.Second)
	m = send(m, tickMsg{})
	if p, _ := m.Page(); p != layouts.Alerts {
		t.Fatalf("one interval after the page key the rotation is on %s, not back on the alerts", p)
	}
	m = press(m, "a")
	if p, _ := m.Page(); p == layouts.Alerts {
		t.Fatal("acknowledged, the rotation is still held")
	}
	seen := map[string]bool{}
	for range 20 {
		clk.add(16 * time.Second)
		m = send(m, tickMsg{})
		p, _ := m.Page()
		seen[p] = true
	}
	if len(seen) < 3 {
		t.Errorf("the rotation did not go on after the acknowledgement: %v", seen)
	}

	for name, opts := range map[string]Options{
		"yellow":         {Layout: "standard"},
		"other district": {Layout: "standard", District: "xihua"},
		"demo":           {Layout: "standard", Demo: true},
	} {
		level := campaign.LevelRed
		if name == "yellow" {
			level = campaign.LevelYellow
		}
		m, clk, _ := alertBoard(t, opts, inCampaignNow, level)
		for range 5 {
			clk.add(20 * time.Second)
			m = send(m, tickMsg{})
		}
		if p, _ := m.Page(); p == layouts.Alerts {
			t.Errorf("%s: the rotation is held on the alerts", name)
		}
	}
}

// TestAlertHoldGoldens: the board held on the alerts page, per layout.
func TestAlertHoldGoldens(t *testing.T) {
	for _, name := range layouts.Names() {
		l, _ := layouts.Builtin(name)
		for _, lang := range Langs {
			m, _, _ := alertBoard(t, Options{Lang: lang, Theme: "dark", Layout: name}, fixedNow, campaign.LevelRed)
			m = send(m, tea.WindowSizeMsg{Width: l.MinWidth, Height: l.MinHeight})
			m = send(m, tickMsg{})
			out := m.Render()
			checkWidths(t, name, out, l.MinWidth, l.MinHeight)
			golden(t, fmt.Sprintf("alerthold/%s_%s_%dx%d", name, lang, l.MinWidth, l.MinHeight), out)
		}
	}
}

// TestAlertLinesSayWhatTheRuleMeasured: a condition's alert says what it
// measured (an alarm's wait, an hour's count, a grid's burst) with its
// level, in both languages and within the width.
func TestAlertLinesSayWhatTheRuleMeasured(t *testing.T) {
	cfg, s := fixture()
	at := fixedNow
	st := s.Clone()
	st.Alerts = []campaign.Alert{
		{ID: "u", At: at, Rule: -1, Level: campaign.LevelRed, Kind: campaign.WhenUndispatched, Type: feed.TypeAlarmReceived, District: "chuanhui", Since: at.Add(-10 * time.Minute), Limit: 10, Summary: "持刀伤人"},
		{ID: "s", At: at, Rule: -1, Level: campaign.LevelOrange, Kind: campaign.WhenSurge, Type: feed.TypeAlarmReceived, District: "huaiyang", Since: at.Truncate(time.Hour), Count: 9, Limit: 2.5},
		{ID: "c", At: at, Rule: -1, Level: campaign.LevelYellow, Kind: campaign.WhenCluster, Type: feed.TypeAlarmReceived, District: "chuanhui", Grid: cfg.Grids[0].ID, Since: at.Add(-20 * time.Minute), Count: 3, Limit: 30},
		{ID: "r", At: at, Rule: -1, Level: campaign.LevelBlue, Kind: campaign.WhenReportMissing, Type: feed.TypeShiftReport, District: "fugou", Summary: "夜间巡逻报告"},
	}
	tests := map[string][]string{
		"en": {"RED Alarm not dispatched", "received 13:55, not dispatched in 10 min", "ORG Alarm surge", "14:00 hour: 9 alarms, over 2.5", "YEL Alarm cluster", "30 min, 3 alarms", "BLU Shift report missing"},
		"zh": {"红 警情超时未派", "13:55接警 超10分钟未派警", "橙 警情激增", "14时内9起 超2.5起", "黄 警情聚集", "30分钟内3起", "蓝 勤务未报送"},
	}
	for lang, wants := range tests {
		m := New(cfg, Options{Lang: lang, Layout: "wall", Now: func() time.Time { return fixedNow }, Coalesce: -1})
		m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
		m = send(m, StateMsg{State: st})
		m = send(m, tickMsg{}) // held on the alerts page, where all four show
		for _, w := range wants {
			has(t, m, w)
		}
		checkWidths(t, "rules "+lang, m.Render(), 200, 60)
	}
}

// TestLayoutScheduleAndPageTimes: a layout file's page_seconds give a page
// its own time, and its schedule shows other pages at times of day: from
// 20:00 to 02:00 the patrol page, from 08:00 to 08:30 the 日动态, the
// layout's own pages the rest of the day.
func TestLayoutScheduleAndPageTimes(t *testing.T) {
	src, err := layouts.BuiltinSource("standard")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), `region = "rotator", pages = ["strike", "patrol", "hazard"`, `region = "rotator", page_seconds = { strike = 40 }, pages = ["strike", "patrol", "hazard"`, 1)
	if text == string(src) {
		t.Fatal("the standard layout's rotator line changed: update this test")
	}
	text += "\n[[schedule]]\nfrom = \"20:00\"\nto = \"02:00\"\npages = [\"patrol\"]\n\n[[schedule]]\nfrom = \"08:00\"\nto = \"08:30\"\npages = [\"daily\"]\n"
	path := filepath.Join(t.TempDir(), "room.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	loc := fixedNow.Location()
	clk := &clock{time.Date(2023, 7, 31, 14, 0, 0, 0, loc)}
	m := rotating(board(t, Options{Lang: "en", Layout: path, Now: clk.now, Rotate: 0}, 120, 40))
	step := func(d time.Duration) string {
		clk.add(d)
		m = send(m, tickMsg{})
		p, _ := m.Page()
		return p
	}
	// strike has 40 s, the others the layout's 20 s.
	if p := step(time.Second); p != layouts.Strike {
		t.Fatalf("first page %s", p)
	}
	if p := step(30 * time.Second); p != layouts.Strike {
		t.Errorf("strike gave way after 31 s of its 40")
	}
	if p := step(10 * time.Second); p != layouts.Patrol {
		t.Errorf("after strike's 40 s the page is %s, want patrol", p)
	}
	if p := step(21 * time.Second); p != layouts.Hazard {
		t.Errorf("after patrol's 20 s the page is %s, want hazard", p)
	}
	// 20:00 to 02:00: patrol only.
	clk.t = time.Date(2023, 7, 31, 20, 0, 0, 0, loc)
	for range 10 {
		if p := step(30 * time.Second); p != layouts.Patrol {
			t.Fatalf("at %s the page is %s, want patrol", clk.t.Format("15:04:05"), p)
		}
	}
	clk.t = time.Date(2023, 8, 1, 1, 59, 0, 0, loc)
	if p := step(30 * time.Second); p != layouts.Patrol {
		t.Errorf("at 01:59:30 the page is %s, want patrol", p)
	}
	// 02:00 onwards: the layout's pages again.
	seen := map[string]bool{}
	for range 10 {
		seen[step(45*time.Second)] = true
	}
	if len(seen) < 3 {
		t.Errorf("after 02:00 the rotation shows %v, want the layout's pages", seen)
	}
	clk.t = time.Date(2023, 8, 1, 8, 0, 0, 0, loc)
	if p := step(time.Second); p != layouts.Daily {
		t.Errorf("at 08:00 the page is %s, want daily", p)
	}
}
