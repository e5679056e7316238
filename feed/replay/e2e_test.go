package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
	"sitboard/feed/record"
	"sitboard/feed/replay"
)

// TestShippedRecordingThroughTheWire is the demo's promise end to end: the
// shipped recording, replayed at max speed into a real hub (embedded
// JetStream, real HTTP), interrupted and resumed half way, ends with every
// published figure in the hub's state; a recorder on the websocket at the
// same time writes a file that folds to the same figures.
func TestShippedRecordingThroughTheWire(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 157k events through a hub; skipped with -short")
	}
	s := hubtest.Start(t, nil)
	cfg := demo.Campaign()
	facts, err := campaign.ParseFacts("facts", demo.Facts())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := replay.Load(demo.Recording())
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "recorded.jsonl.gz")
	rctx, stopRecorder := context.WithCancel(context.Background())
	var recWG sync.WaitGroup
	var recErr error
	var recStats record.Stats
	var mu sync.Mutex
	recWG.Add(1)
	go func() {
		defer recWG.Done()
		recErr = record.Run(rctx, record.Options{URL: s.WS, Token: hubtest.ReadToken, Out: out, Progress: func(st record.Stats) {
			mu.Lock()
			recStats = st
			mu.Unlock()
		}})
	}()

	// A board's feed client watches the whole replay: its final state must
	// be the hub's, byte for byte.
	var boardState atomic.Pointer[campaign.State]
	cctx, stopClient := context.WithCancel(context.Background())
	defer stopClient()
	go client.Run(cctx, client.Options{URL: s.WS, Token: hubtest.ReadToken, Campaign: cfg}, func(b client.Batch) {
		if b.State != nil {
			boardState.Store(b.State)
		}
	})

	// First part: stop after about 40% of the campaign.
	ctx, cancel := context.WithCancel(context.Background())
	opts := replay.Options{URL: s.URL, Token: hubtest.IngestToken, Progress: func(p replay.Progress) {
		if p.Sent > rec.Len()*2/5 {
			cancel()
		}
	}}
	err = replay.RunRecording(ctx, opts, rec)
	var ie *replay.InterruptedError
	if !errors.As(err, &ie) {
		t.Fatalf("first part: err = %v, want an interruption", err)
	}
	// Resume where it said.
	var last replay.Progress
	opts = replay.Options{URL: s.URL, Token: hubtest.IngestToken, ResumeAt: ie.Resume, Progress: func(p replay.Progress) { last = p }}
	if err := replay.RunRecording(context.Background(), opts, rec); err != nil {
		t.Fatalf("resume: %v", err)
	}
	t.Logf("resumed at %s: %d new, %d duplicates", ie.Resume, last.Accepted, last.Duplicates)

	s.WaitSeq(t, uint64(rec.Len()))
	_, seq, st := s.Hub.Snapshot()
	if seq != uint64(rec.Len()) {
		t.Errorf("hub holds %d events, the recording %d: resume duplicated or lost events", seq, rec.Len())
	}
	hubFigures := campaign.Figures(cfg, st)
	for _, m := range campaign.CheckFacts(hubFigures, facts) {
		t.Errorf("hub: %s", m)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b := boardState.Load(); b != nil && b.Seq >= seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client never reached seq %d", seq)
		}
	}
	hubJSON, _ := json.Marshal(st)
	boardJSON, _ := json.Marshal(boardState.Load())
	if string(hubJSON) != string(boardJSON) {
		t.Errorf("the client's final state differs from the hub's snapshot (%d vs %d bytes)", len(boardJSON), len(hubJSON))
	}

	// The recorder catches up, then stops cleanly.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		got := recStats.Seq
		mu.Unlock()
		if got >= seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorder stuck at seq %d of %d", got, seq)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopRecorder()
	recWG.Wait()
	if recErr != nil {
		t.Fatalf("recorder: %v", recErr)
	}
	rc, err := feed.OpenRecording(out)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	folded := campaign.NewState(cfg)
	var n uint64
	if err := feed.ScanEvents(rc, func(ev feed.Event) error {
		n++
		if ev.Seq != n {
			t.Fatalf("recorded line %d has seq %d", n, ev.Seq)
		}
		campaign.Apply(cfg, folded, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != seq {
		t.Errorf("recorded %d events, hub has %d", n, seq)
	}
	recFigures := campaign.Figures(cfg, folded)
	for id, f := range hubFigures {
		if recFigures[id] != f {
			t.Errorf("%s: recorded file folds to %v, hub has %v", id, recFigures[id], f)
		}
	}
}

// TestReplayLoopIntoAHub checks loops against the real fold: after two
// runs of a window, the hub's state is one run's worth, on run 2.
func TestReplayLoopIntoAHub(t *testing.T) {
	s := hubtest.Start(t, nil)
	cfg := demo.Campaign()
	rec, err := replay.Load(demo.Recording())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var perRun int
	opts := replay.Options{URL: s.URL, Token: hubtest.IngestToken, Loop: true,
		Until: time.Date(2023, 6, 26, 0, 0, 0, 0, cfg.Location()), ProgressEvery: time.Nanosecond,
		Progress: func(p replay.Progress) {
			if p.Run == 1 {
				perRun = p.Total
			}
			if p.Run == 2 && p.Sent == p.Total {
				cancel()
			}
		}}
	err = replay.RunRecording(ctx, opts, rec)
	var ie *replay.InterruptedError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	// Run 2 re-sends the recording's own marker with a new id: one more
	// event is not needed, so the hub holds exactly two runs' events.
	s.WaitSeq(t, uint64(2*perRun))
	_, _, st := s.Hub.Snapshot()
	if st.Run != 2 {
		t.Errorf("hub fold is on run %d, want 2", st.Run)
	}
	one := campaign.NewState(cfg)
	if err := feed.ScanEvents(bytes.NewReader(firstDay(t)), func(ev feed.Event) error {
		campaign.Apply(cfg, one, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := st.Totals.AlarmsReceived, one.Totals.AlarmsReceived; len(got) != len(want) || got[feed.AlarmCriminal] != want[feed.AlarmCriminal] {
		t.Errorf("after two runs the hub counts %v alarms, one run is %v: a loop double-counted", got, want)
	}
}

// firstDay is the shipped recording's first campaign day.
func firstDay(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	end := time.Date(2023, 6, 26, 0, 0, 0, 0, demo.Campaign().Location())
	if err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error {
		if ev.At.Before(end) {
			line, _ := json.Marshal(ev)
			b.Write(line)
			b.WriteByte('\n')
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkReplayIntoHub is `replay --speed max` throughput into a real hub
// (memory store, sync always), over loopback HTTP.
func BenchmarkReplayIntoHub(b *testing.B) {
	rec, err := replay.Load(demo.Recording())
	if err != nil {
		b.Fatal(err)
	}
	until := time.Date(2023, 7, 5, 0, 0, 0, 0, demo.Campaign().Location()) // ten days, ~16k events
	var events int
	for b.Loop() {
		b.StopTimer()
		s := hubtest.Start(b, nil)
		b.StartTimer()
		var last replay.Progress
		opts := replay.Options{URL: s.URL, Token: hubtest.IngestToken, Until: until, Progress: func(p replay.Progress) { last = p }}
		if err := replay.RunRecording(context.Background(), opts, rec); err != nil {
			b.Fatal(err)
		}
		events += last.Sent
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
