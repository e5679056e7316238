package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// responseState is the fixture (clock 07-31 14:05:30, Zhoukou's
// thresholds: P1 5 min to dispatch, 3 h to close) with a few more calls
// and tonight's first shift reports:
//
//	resp-red   川汇区 P1 10:30, dispatched 10:34, open 3:35:30: red
//	today-2    项城市 P1 13:48, not dispatched, 17:30: yellow (fixture)
//	today-3    商水县 P1 13:59, not dispatched, 6:30: yellow (fixture)
//	today-4    淮阳区 P1 14:02, 3:30: in time (fixture)
//	resp-d1..3 dispatched after 2, 6 and 12 minutes and closed
func responseState(t testing.TB) *campaign.State {
	cfg, base := fixture()
	s := base.Clone()
	seq := s.Seq
	add := func(typ, district, hhmm string, data any) {
		seq++
		at, err := time.ParseInLocation("2006-01-02 15:04", "2023-07-31 "+hhmm, cfg.Location())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(data)
		campaign.Apply(cfg, s, feed.Event{Seq: seq, ID: fmt.Sprint("resp-ev-", seq), Type: typ, At: at, District: district, Data: b})
	}
	add(feed.TypeAlarmReceived, "chuanhui", "10:30", feed.AlarmReceived{AlarmID: "resp-red", Category: feed.AlarmCriminal, Priority: 1})
	add(feed.TypeAlarmDispatched, "chuanhui", "10:34", feed.AlarmDispatched{AlarmID: "resp-red", Category: feed.AlarmCriminal})
	for i, d := range []struct {
		district      string
		wait, prio    int
		received, end string
	}{{"chuanhui", 2, 1, "11:00", "11:40"}, {"huaiyang", 6, 1, "11:10", "12:00"}, {"huaiyang", 12, 2, "11:20", "12:30"}} {
		id := fmt.Sprint("resp-d", i+1)
		add(feed.TypeAlarmReceived, d.district, d.received, feed.AlarmReceived{AlarmID: id, Category: feed.AlarmPublicOrder, Priority: d.prio})
		at, _ := time.ParseInLocation("2006-01-02 15:04", "2023-07-31 "+d.received, cfg.Location())
		add(feed.TypeAlarmDispatched, d.district, at.Add(time.Duration(d.wait)*time.Minute).Format("15:04"), feed.AlarmDispatched{AlarmID: id, Category: feed.AlarmPublicOrder})
		add(feed.TypeAlarmClosed, d.district, d.end, feed.AlarmClosed{AlarmID: id, Category: feed.AlarmPublicOrder})
	}
	add(feed.TypeShiftReport, "xihua", "13:30", feed.ShiftReport{Duty: feed.DutyTraffic, Officers: 10})
	return s
}

func responseBoard(t *testing.T, lang string, now func() time.Time) Model {
	t.Helper()
	m := board(t, Options{Lang: lang, Theme: "dark", Layout: "compact", District: "xihua", Now: now}, 80, 24)
	return send(m, StateMsg{State: responseState(t)})
}

// TestResponseGoldens: the 出警时效 and 勤务报送 pages and the wall's
// oldest-late-P1 region, with the ages and their colours
// (testdata/regions/{response,reports,overdue}_LANG_WxH.golden).
func TestResponseGoldens(t *testing.T) {
	for _, c := range []struct {
		kind string
		w, h int
	}{{layouts.Response, 78, 24}, {layouts.Reports, 78, 16}, {layouts.Overdue, 26, 5}} {
		for _, lang := range Langs {
			name := fmt.Sprintf("regions/%s_%s_%dx%d", c.kind, lang, c.w, c.h)
			t.Run(name, func(t *testing.T) {
				m := responseBoard(t, lang, nil)
				comp := newComponent(m.ctx, layouts.Placed{Kind: c.kind, W: c.w, H: c.h})
				comp.SetSize(c.w, c.h)
				out := comp.View()
				checkWidths(t, name, out, c.w, c.h)
				golden(t, name, out)
			})
		}
	}
}

// TestOpenAlarmAgesCountUp: the ages on the response page (the late
// first, each kind oldest first) and the wall's
// big digits count up with the clock, without new data; an alarm turns
// from yellow (late to dispatch) to red (past its close threshold) when
// its age passes 3 hours.
func TestOpenAlarmAgesCountUp(t *testing.T) {
	clk := &clock{fixedNow}
	m := responseBoard(t, "en", clk.now)
	page := newComponent(m.ctx, layouts.Placed{Kind: layouts.Response, W: 78, H: 24})
	page.SetSize(78, 24)
	wall := newComponent(m.ctx, layouts.Placed{Kind: layouts.Overdue, W: 26, H: 5})
	wall.SetSize(26, 5)
	line := func(view, id string) string {
		for _, l := range strings.Split(view, "\n") {
			if strings.Contains(ansi.Strip(l), id) {
				return l
			}
		}
		t.Fatalf("no line with %q in\n%s", id, ansi.Strip(view))
		return ""
	}
	// 项城市's P1 at 13:48, not dispatched: 17:30 old, late to dispatch.
	first := line(page.View(), "13:48")
	if p := ansi.Strip(first); !strings.Contains(p, "17:30") || !strings.Contains(p, "late to dispatch") {
		t.Fatalf("at 14:05:30: %q", p)
	}
	if !strings.Contains(first, m.ctx.St.Warn.R("17:30")) {
		t.Errorf("a call late to dispatch is not in the warning colour: %q", first)
	}
	bigBefore := wall.View()
	clk.add(61 * time.Second)
	m = send(m, tickMsg{})
	if p := ansi.Strip(line(page.View(), "13:48")); !strings.Contains(p, "18:31") {
		t.Errorf("a minute later the age did not count up: %q", p)
	}
	if wall.View() == bigBefore {
		t.Error("the wall's big digits did not count up")
	}
	// 3 hours after 13:48 it is past its close threshold: red.
	clk.t = time.Date(2023, 7, 31, 16, 48, 1, 0, fixedNow.Location())
	m = send(m, tickMsg{})
	late := line(page.View(), "13:48")
	if p := ansi.Strip(late); !strings.Contains(p, "3:00:01") || !strings.Contains(p, "past close time") {
		t.Errorf("at 16:48:01: %q", p)
	}
	if !strings.Contains(late, m.ctx.St.Bad.R("3:00:01")) {
		t.Errorf("a call past its close threshold is not in the alarm colour: %q", late)
	}
}

// TestRotatorRedrawsClockPages: in the rotation, the response page is
// drawn again each second the clock shows, as its ages count up; a page
// that depends on data only is not.
func TestRotatorRedrawsClockPages(t *testing.T) {
	clk := &clock{fixedNow}
	m := responseBoard(t, "en", clk.now)
	rot := newComponent(m.ctx, layouts.Placed{Kind: layouts.Rotator, Pages: []string{layouts.Response, layouts.Strike}, W: 80, H: 20})
	rot.SetSize(80, 20)
	m.ctx.Rot.configure([]string{layouts.Response, layouts.Strike}, time.Hour, nil, clk.t)
	m.ctx.Rot.jump(0, clk.t)
	body := func() string { _, b, _ := strings.Cut(ansi.Strip(rot.View()), "\n"); return b } // under the title's countdown
	before := body()
	clk.add(2 * time.Second)
	m = send(m, tickMsg{})
	if body() == before {
		t.Error("the response page in the rotation did not count up")
	}
}
