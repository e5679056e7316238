package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
	"sitboard/feed/replay"
)

// shippedCampaign loads the shipped recording and the published figures
// from the source tree (without importing package demo, like hubtest).
func shippedCampaign(t *testing.T) (*replay.Recording, *campaign.Facts) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "demo", "recordings", "summer-action-2023.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := replay.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "demo", "facts", "summer-action-2023.json"))
	if err != nil {
		t.Fatal(err)
	}
	facts, err := campaign.ParseFacts("summer-action-2023.json", data)
	if err != nil {
		t.Fatal(err)
	}
	return rec, facts
}

// checkFigures is 'summary --hub URL --check FACTS': the hub's snapshot,
// folded figures against the published ones.
func checkFigures(t *testing.T, s *hubtest.Server, facts *campaign.Facts) {
	t.Helper()
	snap := hubtest.Snapshot(t, s.URL)
	var st campaign.State
	if err := json.Unmarshal(snap.State, &st); err != nil {
		t.Fatal(err)
	}
	bad := campaign.CheckFacts(campaign.Figures(s.Cfg, &st), facts)
	for _, m := range bad {
		t.Errorf("figure off: %s", m)
	}
	t.Logf("summary --check: %d of %d figures match the published ones", len(facts.Figures)-len(bad), len(facts.Figures))
}

// TestSmallDiskReplayFinishes is the 40 MB disk of issue 18: the shipped
// campaign does not fit, so the hub refuses ingest with 507 (saying how
// much space it needs, and logging it) instead of dropping the campaign's
// start; the replay waits and says why; the operator grows the disk; the
// replay finishes by itself and every published figure is right. A second
// replay of the whole file after the recovery stores nothing twice.
func TestSmallDiskReplayFinishes(t *testing.T) {
	if testing.Short() {
		t.Skip("replays the 157k-event campaign onto a 40 MB tmpfs; skipped with -short")
	}
	mnt := mountTmpfs(t, "40m", "the small-disk test")
	rec, facts := shippedCampaign(t)
	logs := &syncBuffer{}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.DataDir = filepath.Join(mnt, "data")
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})

	var mu sync.Mutex
	var last replay.Progress
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		done <- replay.RunRecording(ctx, replay.Options{URL: s.URL, Token: hubtest.IngestToken, Progress: func(p replay.Progress) {
			mu.Lock()
			last = p
			mu.Unlock()
		}}, rec)
	}()

	// Wait for the replay to end, growing the disk once the hub says it
	// is full. The replay must make progress or be waiting on the hub.
	grown := false
	var err error
	lastSent, lastMove := 0, time.Now()
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-time.After(100 * time.Millisecond):
		}
		mu.Lock()
		p := last
		mu.Unlock()
		if p.Sent != lastSent {
			lastSent, lastMove = p.Sent, time.Now()
		}
		if !grown && metric(t, s.URL, "sitboard_log_disk_full") == "1" {
			code, body := healthOf(t, s.URL)
			t.Logf("disk full at %d of %d events sent: /healthz %d %v", p.Sent, p.Total, code, body["reason"])
			// It says what the campaign needs, not only the next request.
			if reason, _ := body["reason"].(string); !strings.Contains(reason, "the whole campaign's log takes about") || !strings.Contains(reason, "grow it to at least") {
				t.Errorf("the hub does not say how much disk the campaign needs: %s", reason)
			}
			growTmpfs(t, mnt, "256m")
			grown, lastMove = true, time.Now()
			continue
		}
		if time.Since(lastMove) > 3*time.Minute {
			cancel()
			t.Fatalf("the replay made no progress for 3 minutes at %d of %d events (waiting: %+v)\nhub log:\n%s", p.Sent, p.Total, p, tail(logs.String(), 30))
		}
	}
	if err != nil {
		t.Fatalf("the replay did not finish by itself: %v\nhub log:\n%s", err, tail(logs.String(), 30))
	}
	if !grown {
		t.Errorf("the 157k-event campaign went onto a 40 MB disk without the hub ever saying the disk was full")
	}
	for _, want := range []string{`level=WARN msg="the disk holding the event log is filling`, `level=ERROR msg="disk nearly full`, "need=", `msg="disk has room again`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the hub's log lacks %q:\n%s", want, tail(logs.String(), 30))
		}
	}
	mu.Lock()
	p := last
	mu.Unlock()
	t.Logf("replay: %d events sent, %d stored, %d duplicates, %d retries", p.AllSent, p.Accepted, p.Duplicates, p.Retries)

	s.WaitSeq(t, uint64(rec.Len()))
	if seq := s.Hub.Seq(); seq != uint64(rec.Len()) {
		t.Errorf("the hub's log holds %d events, the recording %d: events were lost or stored twice", seq, rec.Len())
	}
	code, body := healthOf(t, s.URL)
	if code != 200 || body["status"] != "ok" || body["log_first_seq"].(float64) != 1 {
		t.Errorf("/healthz after the replay: %d %v, want ok with the log from seq 1", code, body)
	}
	checkFigures(t, s, facts)
	records, size := hub.IDStream(s.Hub)
	t.Logf("the id stream holds the campaign's %d ids in %d records, %d bytes; the store on disk holds %d bytes", rec.Len(), records, size, dirBytes(t, filepath.Join(mnt, "data")))

	// The whole file again, as an operator unsure of what got through
	// would send it: every event is a duplicate.
	var again replay.Progress
	if err := replay.RunRecording(context.Background(), replay.Options{URL: s.URL, Token: hubtest.IngestToken, Progress: func(p replay.Progress) { again = p }}, rec); err != nil {
		t.Fatalf("second replay: %v", err)
	}
	if again.Accepted != 0 || again.Duplicates != int64(rec.Len()) {
		t.Errorf("a second replay after the recovery stored %d events again (%d duplicates of %d)", again.Accepted, again.Duplicates, rec.Len())
	}
	if seq := s.Hub.Seq(); seq != uint64(rec.Len()) {
		t.Errorf("after a second replay the log holds %d events, want %d", seq, rec.Len())
	}
	checkFigures(t, s, facts)

	// A hub started again on the log knows every id, and says the disk
	// now holds the campaign.
	s.Close()
	logs = &syncBuffer{}
	s = hubtest.Start(t, func(o *hub.Options) {
		o.DataDir = filepath.Join(mnt, "data")
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	for _, want := range []string{fmt.Sprintf("ids=%d", rec.Len()), `msg="the disk holds the campaign"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the restarted hub's log lacks %q:\n%s", want, tail(logs.String(), 10))
		}
	}
	again = replay.Progress{}
	if err := replay.RunRecording(context.Background(), replay.Options{URL: s.URL, Token: hubtest.IngestToken, Progress: func(p replay.Progress) { again = p }}, rec); err != nil {
		t.Fatalf("replay after the restart: %v", err)
	}
	if again.Accepted != 0 || again.Duplicates != int64(rec.Len()) {
		t.Errorf("a replay after the restart stored %d events again (%d duplicates of %d)", again.Accepted, again.Duplicates, rec.Len())
	}
}

// tail is the last n lines of a log, for a failure message.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// dirBytes is what the files under dir hold.
func dirBytes(t *testing.T, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
