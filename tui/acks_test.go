package tui

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/layouts"
)

// fakeAcks records what the board sends and answers with err.
type fakeAcks struct {
	sent [][]string
	at   []time.Time
	err  error
}

func (f *fakeAcks) send(_ context.Context, ids []string, at time.Time) error {
	f.sent = append(f.sent, ids)
	f.at = append(f.at, at)
	return f.err
}

// pressAck presses a and returns the board and the command it gave back.
func pressAck(m Model) (Model, tea.Cmd) {
	nm, cmd := m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	return nm.(Model), cmd
}

func alertIDs(s *campaign.State) []string {
	var ids []string
	for _, a := range s.Alerts {
		ids = append(ids, a.ID)
	}
	return ids
}

// TestAckKey: a acknowledges on this board at once and returns a command
// that sends the acks to the hub; Update itself sends nothing.
func TestAckKey(t *testing.T) {
	acks := &fakeAcks{}
	m := board(t, Options{Lang: "en", Layout: "standard", Ack: acks.send}, 120, 40)
	has(t, m, "press a to acknowledge")
	m, cmd := pressAck(m)
	if cmd == nil {
		t.Fatal("a returned no command to send the acks")
	}
	if len(acks.sent) != 0 {
		t.Fatal("Update sent the acks itself: it must do no I/O")
	}
	hasNot(t, m, "press a to acknowledge") // shown at once, before the hub answers
	has(t, m, "[acknowledged]")
	msg := cmd()
	_, s := fixture()
	if len(acks.sent) != 1 || !slices.Equal(slices.Sorted(slices.Values(acks.sent[0])), slices.Sorted(slices.Values(alertIDs(s)))) {
		t.Fatalf("sent %v, want every alert of the state %v", acks.sent, alertIDs(s))
	}
	if !acks.at[0].Equal(fixedNow) {
		t.Errorf("sent at %v, want the board's clock %v", acks.at[0], fixedNow)
	}
	m = send(m, msg)
	hasNot(t, m, "ack not sent")
	// Until the hub's ack comes back in the state, a sends them again (the
	// hub stores each once); once the state has them, a sends nothing.
	acked := s.Clone()
	for i := range acked.Alerts {
		acked.Alerts[i].AckedAt, acked.Alerts[i].AckedBy = fixedNow, "here"
	}
	m = send(m, StateMsg{State: acked})
	if _, cmd := pressAck(m); cmd != nil {
		t.Errorf("a sent acks the state already holds: %v", cmd())
	}
	// c clears what is acknowledged; without an ack it keeps the alerts.
	_, s = fixture()
	has(t, press(m, "c"), "No priority alerts")
	has(t, press(board(t, Options{Lang: "en", Layout: "standard"}, 120, 40), "c"), "press a to acknowledge")
}

// TestAckFailureIsShown: when the hub does not take the acks, the status
// line says so and what to do, the board keeps its own ack, and a again
// sends them again.
func TestAckFailureIsShown(t *testing.T) {
	for _, lang := range Langs {
		acks := &fakeAcks{err: errors.New("cannot reach the hub")}
		m := board(t, Options{Lang: lang, Layout: "standard", Ack: acks.send}, 120, 40)
		m, cmd := pressAck(m)
		m = send(m, cmd())
		want := map[string]string{"en": "ack not sent to the hub", "zh": "确认未送达指挥中心"}[lang]
		has(t, m, want)
		has(t, m, map[string]string{"en": "press a again", "zh": "再按a重发"}[lang])
		hasNot(t, m, map[string]string{"en": "press a to acknowledge", "zh": "未确认 按a确认"}[lang])
		checkWidths(t, "ack failure "+lang, m.Render(), 120, 40)

		acks.err = nil
		m, cmd = pressAck(m)
		if cmd == nil {
			t.Fatalf("%s: a after a failure sends nothing again", lang)
		}
		m = send(m, cmd())
		if len(acks.sent) != 2 || !slices.Equal(acks.sent[0], acks.sent[1]) {
			t.Errorf("%s: resent %v, want the same ids again", lang, acks.sent)
		}
		hasNot(t, m, want)

		// Failed again, then another board's acks arrive: a has nothing
		// left to send, and the warning goes.
		acks.err = errors.New("cannot reach the hub")
		m, cmd = pressAck(m)
		m = send(m, cmd())
		has(t, m, want)
		_, s := fixture()
		acked := s.Clone()
		for i := range acked.Alerts {
			acked.Alerts[i].AckedAt, acked.Alerts[i].AckedBy = fixedNow, "elsewhere"
		}
		m = send(m, StateMsg{State: acked})
		m, cmd = pressAck(m)
		if cmd != nil {
			t.Errorf("%s: a sent acks the state already holds", lang)
		}
		hasNot(t, m, want)
	}
}

// TestAckedInStateShowsOnEveryBoard: an alert the state says is
// acknowledged (by any board) is drawn acknowledged, steady, with who, and
// the history says who; a does not send it again.
func TestAckedInStateShowsOnEveryBoard(t *testing.T) {
	cfg, s := fixture()
	acked := s.Clone()
	first := &acked.Alerts[len(acked.Alerts)-1] // the newest: drawn first
	first.AckedAt, first.AckedBy = first.At.Add(4*time.Minute), "川汇值班台"
	for _, lang := range Langs {
		acks := &fakeAcks{}
		m := New(cfg, Options{Lang: lang, Theme: "dark", Layout: "compact", Now: func() time.Time { return fixedNow }, Coalesce: -1, Ack: acks.send})
		m = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = send(m, StateMsg{State: s})
		m = send(m, ConnMsg{Status: ConnLive, LastData: fixedNow})
		m = send(m, StateMsg{State: acked})
		if n := m.ctx.Alerts.unacked(m.ctx.State); n != len(s.Alerts)-1 {
			t.Errorf("%s: %d unacknowledged, want %d", lang, n, len(s.Alerts)-1)
		}
		comp := newComponent(m.ctx, placedAlerts(118, 2))
		comp.SetSize(118, 2)
		golden(t, "regions/alerts_acked_"+lang+"_118x2", comp.View())
		has(t, press(m, "H"), "川汇值班台")
		m, cmd := pressAck(m)
		if cmd == nil {
			t.Fatalf("%s: a sent nothing", lang)
		}
		cmd()
		if slices.Contains(acks.sent[0], first.ID) {
			t.Errorf("%s: a sent %s again, which the hub has acknowledged", lang, first.ID)
		}
	}
}

// TestDistrictBoardAcksItsOwn: a board bound to a district acknowledges
// its district's alerts only.
func TestDistrictBoardAcksItsOwn(t *testing.T) {
	_, s := fixture()
	own := s.Clone()
	extra := own.Alerts[0]
	extra.ID, extra.District = "own-alert", "xiangcheng"
	own.Alerts = append(own.Alerts, extra)
	acks := &fakeAcks{}
	m := board(t, Options{Lang: "en", Layout: "standard", District: "xiangcheng", Ack: acks.send}, 120, 40)
	m = send(m, StateMsg{State: own})
	m, cmd := pressAck(m)
	if cmd == nil {
		t.Fatal("a sent nothing")
	}
	cmd()
	if len(acks.sent) != 1 || !slices.Equal(acks.sent[0], []string{"own-alert"}) {
		t.Errorf("sent %v, want only Xiangcheng's alert", acks.sent)
	}
	if n := m.ctx.Alerts.unacked(m.ctx.State); n != len(s.Alerts) {
		t.Errorf("%d unacknowledged, want the other districts' %d", n, len(s.Alerts))
	}
}

func placedAlerts(w, h int) layouts.Placed {
	return layouts.Placed{Kind: layouts.Alerts, Pages: []string{layouts.Strike}, W: w, H: h}
}
