package sshd

import (
	"context"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/tui"
)

// TestSessionsShareTheDayFetcher: every session's board reviews through
// the server's one FetchDay, so a past day is fetched for all of them by
// one shared fetcher (feed/client.Days), never held per session.
func TestSessionsShareTheDayFetcher(t *testing.T) {
	cfg := demo.Campaign()
	var mu sync.Mutex
	var asked []int
	fetch := func(_ context.Context, day, _ int) (*campaign.State, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, day)
		return campaign.NewState(cfg), nil
	}
	live := campaign.NewState(cfg)
	live.Day = 10
	for i := 0; i < 3; i++ {
		m := TUIBoard{}.Model(SessionInfo{Campaign: cfg, Lang: "en", Theme: "mono", Width: 100, Height: 30, FetchDay: fetch})
		m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		m, _ = m.Update(tui.StateMsg{State: live})
		m, cmd := m.Update(tea.KeyPressMsg{Code: '[', Text: "["})
		if cmd == nil {
			t.Fatal("[ gave no fetch: the session's board has no day fetcher")
		}
		m, _ = m.Update(cmd())
		if day, ok := m.(tui.Model).Reviewing(); !ok || day != 9 {
			t.Fatalf("session %d: review %v on day %d, want day 9", i, ok, day)
		}
	}
	if len(asked) != 3 || asked[0] != 9 {
		t.Fatalf("the server's fetcher was asked %v, want day 9 by each of 3 sessions", asked)
	}
}
