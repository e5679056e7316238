package hub_test

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"encoding/json"
	"sitboard/campaign"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// mountTiny mounts an 8 MiB tmpfs for a data dir that can really fill up.
func mountTiny(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the full-disk test mounts a tmpfs: Linux only")
	}
	if os.Geteuid() != 0 {
		t.Skip("the full-disk test mounts an 8 MiB tmpfs and needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): skipping the full-disk test", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if _, err := exec.Command("umount", dir).CombinedOutput(); err == nil {
			return
		}
		// nats-server (2.15) keeps a descriptor on the staging file of an
		// atomic batch that the full disk interrupted, past the embedded
		// server's shutdown: a deleted file, freed when the process ends.
		// Detach the mount instead.
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount -l %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	if f == nil {
		return
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// TestFullDiskAnswers507AndRecovers: the data dir's disk fills up under a
// running hub. Ingest answers 507 "disk full" at once (not after a 30s
// timeout), /healthz and the metrics say so, an ERROR is logged and the
// embedded server's own error reaches the log; once space is freed,
// ingest works again without a restart and every event answered 202 is
// in the state.
func TestFullDiskAnswers507AndRecovers(t *testing.T) {
	// A request of 20 events or more is stored as one atomic batch
	// (--sync always), a smaller one event by event: both paths meet the
	// full disk.
	t.Run("event by event", func(t *testing.T) { testFullDisk(t, 10) })
	t.Run("atomic batch", func(t *testing.T) { testFullDisk(t, 25) })
}

func testFullDisk(t *testing.T, size int) {
	mnt := mountTiny(t)
	logs := &syncBuffer{}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.DataDir = filepath.Join(mnt, "data")
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	acked := 0
	for n := 0; n < 50; n += 10 {
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "disk", n, 10))
		acked += 10
	}
	if !strings.Contains(logs.String(), "does not fit, so the log takes what the disk has") {
		t.Errorf("the default --max-bytes was not cut to the 8 MiB disk:\n%s", logs)
	}
	filler := filepath.Join(mnt, "filler")
	fill(t, filler)

	batch := hubtest.Events(s.Cfg, "disk", 50, size)
	body, _ := json.Marshal(batch)
	start := time.Now()
	code, answer, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusInsufficientStorage || !strings.Contains(string(answer), "disk full") || !strings.Contains(string(answer), "free space") {
		t.Fatalf("POST on a full disk: %d %s, want 507 saying disk full and what to do", code, answer)
	}
	t.Logf("full disk: POST answered %d in %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(string(answer)))
	if took > 10*time.Second {
		t.Errorf("the 507 took %s", took)
	}
	// While the disk is full, a request is refused before it is sent to
	// the log.
	code, answer, err = hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", mustJSON(hubtest.Events(s.Cfg, "other", 0, 3)))
	if err != nil || code != http.StatusInsufficientStorage {
		t.Errorf("second POST on a full disk: %d %s %v", code, answer, err)
	}
	hc, hb := healthOf(t, s.URL)
	if reason, _ := hb["reason"].(string); hc != http.StatusServiceUnavailable || hb["status"] != "degraded" || !strings.Contains(reason, "disk full") {
		t.Errorf("/healthz on a full disk: %d %v", hc, hb)
	}
	if up, full := metric(t, s.URL, "sitboard_log_up"), metric(t, s.URL, "sitboard_log_disk_full"); up != "0" || full != "1" {
		t.Errorf("metrics on a full disk: sitboard_log_up %s, sitboard_log_disk_full %s", up, full)
	}
	for _, want := range []string{"level=ERROR msg=\"disk full", "nats-server: ", "no space left on device"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}

	// Free the space: the same batch goes through without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for {
		code, answer, err = hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
		if err == nil && code == http.StatusAccepted {
			break
		}
		if time.Since(freed) > 30*time.Second {
			t.Fatalf("30s after freeing space ingest still answers %d %s (%v)\n%s", code, answer, err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	acked += size
	t.Logf("full disk: ingest answered 202 again %s after the space was freed", time.Since(freed).Round(time.Millisecond))
	last := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "disk", 50+size, 25)) // an atomic batch
	acked += 25
	s.WaitSeq(t, last.LastSeq)
	waitHealth(t, s.URL, "ok after recovery", func(code int, body map[string]any) bool {
		return code == http.StatusOK && body["status"] == "ok"
	})
	var st campaign.State
	snap := hubtest.Snapshot(t, s.URL)
	if err := json.Unmarshal(snap.State, &st); err != nil {
		t.Fatal(err)
	}
	if st.Events != int64(acked) {
		t.Errorf("state holds %d events at seq %d after recovery, %d were answered 202 (last at seq %d)", st.Events, snap.Seq, acked, last.LastSeq)
	}
}
