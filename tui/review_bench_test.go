package tui

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// BenchmarkReviewFrame is the time from a review key to the frame of that
// day, for any of the Summer Action's 97 past days on a 200x60 wall board:
// the day's state read back from the hub's gzipped JSON (what GET
// /v1/snapshot?day=N does, without the loopback), decoded as the client
// does, then Update and the full render. The target is 50 ms.
func BenchmarkReviewFrame(b *testing.B) {
	cfg := demo.Campaign()
	s := campaign.NewState(cfg)
	days := make([][]byte, cfg.Days())
	day := 1
	keep := func(d int) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if err := json.NewEncoder(zw).Encode(s); err != nil {
			b.Fatal(err)
		}
		zw.Close()
		days[d-1] = buf.Bytes()
	}
	var seq uint64
	err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error {
		for d := min(cfg.Day(ev.At), cfg.Days()); day < d; day++ {
			keep(day)
		}
		seq++
		ev.Seq = seq
		campaign.Apply(cfg, s, ev)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	past := day - 1
	fetch := func(_ context.Context, d, _ int) (*campaign.State, error) {
		zr, err := gzip.NewReader(bytes.NewReader(days[d-1]))
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			return nil, err
		}
		var st campaign.State
		return &st, json.Unmarshal(raw, &st)
	}
	now := s.LastAt
	m := New(cfg, Options{Lang: "zh", Theme: "dark", Layout: "wall", Now: func() time.Time { return now }, Coalesce: -1, FetchDay: fetch})
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 60})
	m = send(m, StateMsg{State: s})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		target := 1 + i%past
		cmd := m.startReview(target)
		nm, _ := m.Update(cmd())
		m = nm.(Model)
		if d, ok := m.Reviewing(); !ok || d != target || m.ctx.D.S.Day > target {
			b.Fatalf("review on day %d shows day %d", target, m.ctx.D.S.Day)
		}
		_ = m.Render()
	}
}
