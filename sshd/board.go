package sshd

import (
	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/tui"
)

func init() { defaultBoard = TUIBoard{} }

// TUIBoard is the real board, one tui.Model per session.
type TUIBoard struct{}

// Model builds the station's board with its district, language, theme and
// layout, reading defaults from the client's environment only.
func (TUIBoard) Model(info SessionInfo) tea.Model {
	return tui.New(info.Campaign, tui.Options{
		Lang:     info.Lang,
		Theme:    info.Theme,
		Layout:   info.Layout,
		District: info.Station.District,
		Getenv:   info.Getenv,
		FetchDay: info.FetchDay,
		Ack:      info.Ack,
		Reply:    info.Reply,
	})
}

// StateMsg hands the shared state to one session. Every session receives
// the same *campaign.State: the board reads it and never changes it.
func (TUIBoard) StateMsg(st *campaign.State, events []feed.Event) tea.Msg {
	return tui.StateMsg{State: st, Events: events}
}

// ConnMsg reports the hub connection.
func (TUIBoard) ConnMsg(c client.Conn) tea.Msg {
	return tui.ConnMsgFrom(c)
}
