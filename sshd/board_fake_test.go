package sshd

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
)

// fakeBoard is a minimal board for tests about the server, not the board.
type fakeBoard struct{}

type fakeState struct {
	st *campaign.State
}

type fakeModel struct {
	info SessionInfo
	w, h int
	seq  uint64
}

func (fakeBoard) Model(info SessionInfo) tea.Model {
	return &fakeModel{info: info, w: info.Width, h: info.Height}
}
func (fakeBoard) StateMsg(st *campaign.State, _ []feed.Event) tea.Msg { return fakeState{st} }
func (fakeBoard) ConnMsg(client.Conn) tea.Msg                         { return nil }

func (m *fakeModel) Init() tea.Cmd { return nil }
func (m *fakeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case fakeState:
		m.seq = msg.st.Seq
	case tea.KeyPressMsg:
		if msg.String() == "q" {
			return m, tea.Quit
		}
	}
	return m, nil
}
func (m *fakeModel) View() tea.View {
	cfg := m.info.Campaign
	name := cfg.Campaign.NameZh
	if m.info.Lang == "en" {
		name = cfg.Campaign.NameEn
	}
	lines := []string{
		name,
		"▶" + cfg.DistrictName(m.info.Station.District, m.info.Lang),
		fmt.Sprintf("size %dx%d", m.w, m.h),
		fmt.Sprintf("seq %d", m.seq),
	}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	return v
}
