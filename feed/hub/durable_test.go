package hub_test

import (
	"testing"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestSyncAlwaysBatches: with a file store and --sync always, ingest goes
// through atomic batches (one fsync each). Seq ranges, idempotency and the
// order on the stream must be exactly as with one publish per event,
// including requests larger than one batch, requests mixing stored and
// new ids, and an id repeated inside one request.
func TestSyncAlwaysBatches(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.DataDir = t.TempDir(); o.Sync = "always" })
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello("", 0)
	c.mustNext() // snapshot

	// More than one atomic batch (1000) in one request.
	res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "big", 0, 2500))
	if res.Accepted != 2500 || res.Duplicates != 0 || res.FirstSeq != 1 || res.LastSeq != 2500 {
		t.Fatalf("2500 events: %+v", res)
	}
	// Half already stored, half new: the hub knows the stored ids (it has
	// folded them) and sends only the new ones to the log.
	s.WaitSeq(t, 2500)
	res = hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "big", 2400, 200))
	if res.Accepted != 100 || res.Duplicates != 100 || res.FirstSeq != 2501 || res.LastSeq != 2600 {
		t.Fatalf("100 stored + 100 new: %+v", res)
	}
	if m := metric(t, s.URL, "sitboard_ingest_batch_fallbacks_total"); m != "0" {
		t.Fatalf("fallbacks %s, want 0", m)
	}
	// The same id twice in one request is stored once: the log refuses
	// the batch as a whole, and the hub stores it event by event.
	evs := hubtest.Events(s.Cfg, "twice", 0, 30)
	evs = append(evs, evs[1])
	res = hubtest.Post(t, s.URL, evs)
	if res.Accepted != 30 || res.Duplicates != 1 || res.FirstSeq != 2601 || res.LastSeq != 2630 {
		t.Fatalf("an id twice in one request: %+v", res)
	}
	// All duplicates.
	res = hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "big", 0, 50))
	if res.Accepted != 0 || res.Duplicates != 50 || res.FirstSeq != 0 {
		t.Fatalf("all duplicates: %+v", res)
	}
	if m := metric(t, s.URL, "sitboard_ingest_batch_fallbacks_total"); m != "1" {
		t.Fatalf("fallbacks %s, want 1", m)
	}
	// Back to batches: the next seq follows on.
	res = hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "after", 0, 30))
	if res.Accepted != 30 || res.FirstSeq != 2631 || res.LastSeq != 2660 {
		t.Fatalf("after the fallbacks: %+v", res)
	}
	// Small requests go event by event.
	res = hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "small", 0, 3))
	if res.Accepted != 3 || res.FirstSeq != 2661 || res.LastSeq != 2663 {
		t.Fatalf("a small request: %+v", res)
	}
	got := c.collect(0, 2663) // in order, no gap, no duplicate
	for seq, want := range map[int]string{1: "big-0", 2500: "big-2499", 2501: "big-2500", 2600: "big-2599", 2601: "twice-0", 2630: "twice-29", 2631: "after-0", 2663: "small-2"} {
		if got[seq-1].ID != want {
			t.Fatalf("seq %d is %s, want %s", seq, got[seq-1].ID, want)
		}
	}
}

// TestSwitchSyncOnExistingLog: an operator switches --sync on a data dir
// (e.g. 1s for a backfill, then back to always). The stream is updated in
// place: the same epoch, the same events, and seqs carry on.
func TestSwitchSyncOnExistingLog(t *testing.T) {
	dir := t.TempDir()
	var epoch string
	next := uint64(1)
	for i, sync := range []string{"1s", "always", "2m", "always"} {
		s := hubtest.Start(t, func(o *hub.Options) { o.DataDir = dir; o.Sync = sync })
		if i == 0 {
			epoch = s.Hub.Epoch()
		} else if s.Hub.Epoch() != epoch {
			t.Fatalf("--sync %s: epoch %s, want %s", sync, s.Hub.Epoch(), epoch)
		}
		res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "sw"+sync, i*100, 100))
		if res.Accepted != 100 || res.FirstSeq != next {
			t.Fatalf("--sync %s: %+v, want 100 from seq %d", sync, res, next)
		}
		next += 100
		s.Close()
	}
}
