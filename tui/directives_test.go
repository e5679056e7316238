package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// directivesState is the fixture (clock 07-31 14:05:30) with two
// instructions:
//
//	D-0731-1 特急 09:00 to 西华县, 川汇区, 鹿邑县; sign by 10:00, report by 18:00:
//	   西华 signed 09:20 (not reported), 川汇 signed 10:30 (late) and
//	   reported 12:00, 鹿邑 nothing: overdue to sign.
//	D-0731-2 加急 13:00 to all; sign by 15:00, report by 08-01 12:00:
//	   nobody yet.
func directivesState(t testing.TB) *campaign.State {
	cfg, base := fixture()
	s := base.Clone()
	seq := s.Seq
	at := func(hhmm string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", hhmm, cfg.Location())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	add := func(typ, district, when string, data any) {
		seq++
		b, _ := json.Marshal(data)
		campaign.Apply(cfg, s, feed.Event{Seq: seq, ID: fmt.Sprint("dir-ev-", seq), Type: typ, At: at(when), District: district, Data: b})
	}
	add(feed.TypeDirectiveIssued, feed.CityDistrict, "2023-07-31 09:00", feed.DirectiveIssued{DirectiveID: "D-0731-1", To: []string{"xihua", "chuanhui", "luyi"},
		Text: "今晚22时起开展夜间集中清查，重点检查夜市、网吧", Level: feed.LevelUrgent,
		DeadlineSign: at("2023-07-31 10:00"), DeadlineReport: at("2023-07-31 18:00")})
	add(feed.TypeDirectiveSigned, "xihua", "2023-07-31 09:20", feed.DirectiveSigned{DirectiveID: "D-0731-1", By: "西华值班台"})
	add(feed.TypeDirectiveSigned, "chuanhui", "2023-07-31 10:30", feed.DirectiveSigned{DirectiveID: "D-0731-1", By: "川汇值班台"})
	add(feed.TypeDirectiveReported, "chuanhui", "2023-07-31 12:00", feed.DirectiveReported{DirectiveID: "D-0731-1", By: "川汇值班台", Text: "已清查夜市12处"})
	add(feed.TypeDirectiveIssued, feed.CityDistrict, "2023-07-31 13:00", feed.DirectiveIssued{DirectiveID: "D-0731-2", To: []string{"all"},
		Text: "加强暑期校园周边巡逻", Level: feed.LevelExpedited,
		DeadlineSign: at("2023-07-31 15:00"), DeadlineReport: at("2023-08-01 12:00")})
	return s
}

// fakeReplies records what the board sends and answers with err.
type fakeReplies struct {
	ids    []string
	report []bool
	text   []string
	at     []time.Time
	err    error
}

func (f *fakeReplies) send(_ context.Context, id string, report bool, text string, at time.Time) error {
	f.ids, f.report, f.text, f.at = append(f.ids, id), append(f.report, report), append(f.text, text), append(f.at, at)
	return f.err
}

func directivesBoard(t *testing.T, lang, district string, replies *fakeReplies, now func() time.Time) Model {
	t.Helper()
	opts := Options{Lang: lang, Theme: "dark", Layout: "compact", District: district, Now: now}
	if replies != nil {
		opts.Reply = replies.send
	}
	m := board(t, opts, 100, 30)
	return send(m, StateMsg{State: directivesState(t)})
}

func directivesPage(m Model, w, h int) string {
	comp := newComponent(m.ctx, layouts.Placed{Kind: layouts.Directives, W: w, H: h})
	comp.SetSize(w, h)
	return comp.View()
}

// TestDirectivesGoldens: the 指令 page of a station (西华县: its open
// instructions with countdowns) and of the command room (who has signed
// and reported each, who is overdue in red)
// (testdata/regions/directives_{station,office}_LANG_WxH.golden).
func TestDirectivesGoldens(t *testing.T) {
	for _, c := range []struct{ who, district string }{{"station", "xihua"}, {"office", ""}} {
		for _, lang := range Langs {
			name := fmt.Sprintf("regions/directives_%s_%s_78x10", c.who, lang)
			t.Run(name, func(t *testing.T) {
				m := directivesBoard(t, lang, c.district, &fakeReplies{}, nil)
				out := directivesPage(m, 78, 10)
				checkWidths(t, name, out, 78, 10)
				golden(t, name, out)
			})
		}
	}
}

// TestDirectivesCountDown: a station's countdowns run with the clock, and
// turn red at the deadline; the command room's overdue names turn up when
// the deadline passes, without new data.
func TestDirectivesCountDown(t *testing.T) {
	clk := &clock{fixedNow}
	station := directivesBoard(t, "en", "xihua", &fakeReplies{}, clk.now)
	office := directivesBoard(t, "en", "", nil, clk.now)
	line := func(view, want string) string {
		for _, l := range strings.Split(view, "\n") {
			if strings.Contains(ansi.Strip(l), want) {
				return l
			}
		}
		t.Fatalf("no line with %q in\n%s", want, ansi.Strip(view))
		return ""
	}
	// D-0731-2's sign-off is due at 15:00: 54:30 left at 14:05:30.
	if l := ansi.Strip(line(directivesPage(station, 78, 10), "sign 54:30 left")); !strings.Contains(l, "report 21:54:30 left") {
		t.Fatalf("at 14:05:30: %q", l)
	}
	if l := line(directivesPage(office, 78, 10), "D-0731-2"); strings.Contains(ansi.Strip(l), "Xihua") {
		t.Errorf("nobody is overdue on D-0731-2 before 15:00: %q", ansi.Strip(l))
	}
	clk.add(55 * time.Minute)
	station = send(station, tickMsg{})
	office = send(office, tickMsg{})
	l := line(directivesPage(station, 78, 10), "OVERDUE 0:30")
	if !strings.Contains(l, station.ctx.St.Bad.R("OVERDUE 0:30")) {
		t.Errorf("an overdue sign-off is not red: %q", l)
	}
	if l := line(directivesPage(office, 78, 10), "D-0731-2"); !strings.Contains(l, office.ctx.St.Bad.R("Chuanhui(unsigned)")) {
		t.Errorf("the command room does not show the districts overdue on D-0731-2 in red: %q", ansi.Strip(l))
	}
}

// TestSignKey: o signs the station's unsigned instructions: shown at once
// as sending, sent by the command it returns (Update sends nothing), at
// the board's clock; an error shows on the status line and o sends again.
func TestSignKey(t *testing.T) {
	replies := &fakeReplies{err: fmt.Errorf("refused signing an instruction for luyi")}
	m := directivesBoard(t, "en", "xihua", replies, nil)
	m.ctx.Rot.jumpTo(layouts.Directives, fixedNow)
	nm, cmd := m.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	m = nm.(Model)
	if cmd == nil || len(replies.ids) != 0 {
		t.Fatalf("o: command %v, sent %v: want a command and nothing sent by Update", cmd != nil, replies.ids)
	}
	has(t, m, "sign sending")
	m = send(m, cmd())
	if strings.Join(replies.ids, ",") != "D-0731-2" || replies.report[0] || !replies.at[0].Equal(fixedNow) {
		t.Fatalf("sent %v report %v at %v: want D-0731-2's sign-off (D-0731-1 is signed) at the board's clock", replies.ids, replies.report, replies.at)
	}
	has(t, m, "sign-off or feedback not sent to the hub")
	has(t, m, "sign 54:30 left") // open to send again
	replies.err = nil
	nm, cmd = m.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	m = send(nm.(Model), cmd())
	hasNot(t, m, "not sent to the hub")
	if len(replies.ids) != 2 {
		t.Fatalf("o after the error sent %v", replies.ids)
	}
	// The command room's board signs nothing.
	office := directivesBoard(t, "en", "", replies, nil)
	if _, cmd := office.Update(tea.KeyPressMsg{Code: 'o', Text: "o"}); cmd != nil {
		t.Error("a board bound to no district returned a command to sign")
	}
	has(t, press(office, "o"), "bound to no district")
}

// TestFeedbackPrompt: e opens a line of feedback on the open instruction
// due first; what the hub refuses in text never gets in (escape
// sequences, bidi controls, line breaks typed or pasted); enter sends it
// by a command, esc drops it, and no key of the board acts while it is
// typed.
func TestFeedbackPrompt(t *testing.T) {
	replies := &fakeReplies{}
	m := directivesBoard(t, "en", "xihua", replies, nil)
	m = press(m, "e")
	has(t, m, "Feedback D-0731-1:")
	m = press(m, "q", "a") // typed, not quit or acknowledge
	if m.quitting {
		t.Fatal("q quit the board while feedback was typed")
	}
	m = send(m, tea.KeyPressMsg{Code: '[', Text: "\x1b[2J"})
	m = send(m, tea.PasteMsg{Content: "已清查\u202e夜市\n12处"})
	m = send(m, tea.KeyPressMsg{Code: tea.KeyBackspace})
	if got := m.ctx.prompt.value(); got != "qa[2J已清查夜市 12" {
		t.Fatalf("the prompt holds %q", got)
	}
	m = send(m, tea.KeyPressMsg{Code: tea.KeyTab})
	has(t, m, "Feedback D-0731-2:")
	nm, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	m = nm.(Model)
	if cmd == nil || len(replies.ids) != 0 || m.ctx.prompt != nil {
		t.Fatal("enter: want a command, nothing sent by Update, and the prompt closed")
	}
	cmd()
	if replies.ids[0] != "D-0731-2" || !replies.report[0] || replies.text[0] != "qa[2J已清查夜市 12" {
		t.Fatalf("sent %v %v %q", replies.ids, replies.report, replies.text)
	}
	for _, text := range replies.text {
		if p := feed.TextProblem(text); p != "" {
			t.Errorf("sent text the hub refuses: %s", p)
		}
	}
	// Esc drops a line; a line longer than the hub takes stops at it.
	m = press(m, "e")
	m = send(m, tea.PasteMsg{Content: strings.Repeat("报", feed.MaxFeedbackLen+10)})
	if n := len(m.ctx.prompt.text); n != feed.MaxFeedbackLen {
		t.Errorf("the prompt holds %d characters, want at most %d", n, feed.MaxFeedbackLen)
	}
	m = press(m, "esc")
	if m.ctx.prompt != nil {
		t.Error("esc left the prompt open")
	}
}
