package tui

import (
	"sync"
	"testing"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// recordingPoints is how many evenly spaced states of the shipped
// recording the invariant tests render.
const recordingPoints = 50

// recordingStates folds the shipped recording once and keeps a clone of
// the state at recordingPoints evenly spaced events, the last one being the
// end of the campaign. Shared and read-only, like states on the wire.
func recordingStates(t testing.TB) (*campaign.Config, []*campaign.State) {
	t.Helper()
	recordingOnce.Do(func() {
		cfg := demo.Campaign()
		recordingCfg = cfg
		var evs []feed.Event
		recordingErr = feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { evs = append(evs, ev); return nil })
		if recordingErr != nil || len(evs) == 0 {
			return
		}
		s := campaign.NewState(cfg)
		next := 1
		for i, ev := range evs {
			ev.Seq = uint64(i + 1) // the hub numbers events; the recording does not
			campaign.Apply(cfg, s, ev)
			if i+1 == next*len(evs)/recordingPoints {
				recordingSnaps = append(recordingSnaps, s.Clone())
				next++
			}
		}
	})
	if recordingErr != nil {
		t.Fatalf("reading the shipped recording: %v", recordingErr)
	}
	if len(recordingSnaps) != recordingPoints {
		t.Fatalf("folded %d states of the shipped recording, want %d", len(recordingSnaps), recordingPoints)
	}
	return recordingCfg, recordingSnaps
}

var (
	recordingOnce  sync.Once
	recordingCfg   *campaign.Config
	recordingSnaps []*campaign.State
	recordingErr   error
)
