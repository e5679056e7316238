package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"sitboard/feed"
)

// TestRecordOnAFullDiskExitsWithWhatToDo records onto a real filesystem
// too small for the feed: record must exit non-zero, say the disk is full,
// which seq the file holds and what to do, and leave only whole events.
func TestRecordOnAFullDiskExitsWithWhatToDo(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (%v): needs root (CI runs as root)", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	hub := startHub(t)
	if _, stderr, code := runSitboard(t, "replay", shippedRecording, "--hub", hub, "--token", "itok", "--speed", "max", "--until", "2023-06-25", "--quiet"); code != 0 {
		t.Fatalf("replay: exit %d\n%s", code, stderr)
	}
	out := filepath.Join(dir, "feed.jsonl")
	_, stderr, code := runSitboard(t, "record", "--hub", "ws"+strings.TrimPrefix(hub, "http"), "--out", out, "--quiet")
	if code == 0 {
		t.Fatalf("record on a full disk exited 0:\n%s", stderr)
	}
	for _, want := range []string{"no space left on device", "holds the feed up to seq", "Free space there", "run the same command again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	rc, err := feed.OpenRecording(out)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n := 0
	if err := feed.ScanEvents(rc, func(ev feed.Event) error {
		n++
		if ev.Seq != uint64(n) {
			t.Fatalf("line %d has seq %d", n, ev.Seq)
		}
		return nil
	}); err != nil {
		t.Fatalf("the file on the full disk does not read whole: %v", err)
	}
	if !strings.Contains(stderr, "up to seq "+itoa(n)+",") {
		t.Errorf("the file holds %d events; stderr:\n%s", n, stderr)
	}
	if fi, _ := os.Stat(out); fi != nil {
		t.Logf("the full disk holds %d bytes, %d whole events", fi.Size(), n)
	}
}
