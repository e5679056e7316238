package main

import (
	"testing"
	"time"
)

// TestRecordProgressLines: without a terminal, record prints a line when
// the connection changes, and otherwise at most every 10 s and only when
// the line says something new: a quiet feed does not repeat itself.
func TestRecordProgressLines(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var p progressLog
	steps := []struct {
		at      time.Duration
		line    string
		changed bool
		want    bool
	}{
		{0, "seq 5, connecting", false, true},                 // the first line
		{1 * time.Second, "seq 5, live", true, true},          // the connection changed
		{2 * time.Second, "seq 9, live", false, false},        // too soon
		{12 * time.Second, "seq 9, live", false, true},        // 10 s on, something new
		{30 * time.Second, "seq 9, live", false, false},       // the same line: never again
		{60 * time.Second, "seq 9, live", false, false},       // not even a minute later
		{61 * time.Second, "seq 9, reconnecting", true, true}, // a change, at once
		{62 * time.Second, "seq 9, live", true, true},         // and back
		{75 * time.Second, "seq 12, live", false, true},       // progress after 10 s
	}
	for _, st := range steps {
		if got := p.due(st.line, st.changed, t0.Add(st.at)); got != st.want {
			t.Errorf("at %v %q (changed %v): printed %v, want %v", st.at, st.line, st.changed, got, st.want)
		}
	}
}
