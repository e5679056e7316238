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
	return mountTmpfs(t, "8m", "the full-disk test")
}

// mountTmpfs mounts a tmpfs of size (mount's size=, e.g. 40m) on a new
// temporary dir, for a test that needs a disk that really fills up. It
// skips, naming what is missing, when not on Linux or not root.
func mountTmpfs(t *testing.T, size, what string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip(what + " mounts a tmpfs: Linux only")
	}
	if os.Geteuid() != 0 {
		t.Skipf("%s mounts a %s tmpfs and needs root (CI runs as root; run it with sudo go test)", what, size)
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (mount -t tmpfs: %v: %s): skipping %s", err, strings.TrimSpace(string(out)), what)
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

// growTmpfs gives a tmpfs mounted by mountTmpfs a new size, as an
// operator growing the disk under a running hub would.
func growTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
		t.Fatalf("mount -o remount,size=%s %s: %v %s", size, dir, err, out)
	}
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
// running hub. Ingest answers 507 at once (not after a 30s timeout),
// /healthz and the metrics say so, an ERROR is logged; once space is
// freed, ingest works again without a restart and every event answered
// 202 is in the state.
//
// With the hub's reserve (the default) the request that would eat into it
// is refused before anything of it is stored, and the hub takes events
// again as soon as there is room, without restarting its store. Without
// one (DiskReserve -1, or a disk filled faster than the hub looks), the
// store meets the full disk itself: the embedded server's own error
// reaches the log, and the hub restarts the store once there is space.
func TestFullDiskAnswers507AndRecovers(t *testing.T) {
	// A request of 20 events or more is stored as one atomic batch
	// (--sync always), a smaller one event by event: both paths meet the
	// full disk.
	t.Run("reserve", func(t *testing.T) { testFullDisk(t, 25, 0) })
	t.Run("event by event", func(t *testing.T) { testFullDisk(t, 10, -1) })
	t.Run("atomic batch", func(t *testing.T) { testFullDisk(t, 25, -1) })
}

func testFullDisk(t *testing.T, size int, reserve int64) {
	mnt := mountTiny(t)
	logs := &syncBuffer{}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.DataDir = filepath.Join(mnt, "data")
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		o.DiskReserve = reserve
	})
	acked := 0
	for n := 0; n < 50; n += 10 {
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "disk", n, 10))
		acked += 10
	}
	if !strings.Contains(logs.String(), "no size limit (--max-bytes sets one): the log keeps every event") {
		t.Errorf("the log was given a size limit the operator did not ask for:\n%s", logs)
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
	// The store met the full disk: part of the request may be in the log,
	// and the answer says what.
	want := []string{"disk full", "free space", "retry the same batch later", "idempotent by id"}
	logWant := []string{"level=ERROR msg=\"disk full", "nats-server: ", "no space left on device"}
	if reserve == 0 {
		want = []string{"disk nearly full", "needs", "nothing of the request was stored", "retry the same batch later"}
		logWant = []string{"level=ERROR msg=\"disk nearly full", "need="}
	}
	if code != http.StatusInsufficientStorage {
		t.Fatalf("POST on a full disk: %d %s, want 507", code, answer)
	}
	for _, w := range want {
		if !strings.Contains(string(answer), w) {
			t.Errorf("the 507 does not say %q: %s", w, answer)
		}
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
	if reason, _ := hb["reason"].(string); hc != http.StatusServiceUnavailable || hb["status"] != "degraded" || !strings.Contains(reason, want[0]) {
		t.Errorf("/healthz on a full disk: %d %v", hc, hb)
	}
	if up, full := metric(t, s.URL, "sitboard_log_up"), metric(t, s.URL, "sitboard_log_disk_full"); up != "0" || full != "1" {
		t.Errorf("metrics on a full disk: sitboard_log_up %s, sitboard_log_disk_full %s", up, full)
	}
	for _, want := range logWant {
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
	if reserve == 0 {
		if !strings.Contains(logs.String(), `msg="disk has room again: ingest accepted again"`) || strings.Contains(logs.String(), "restarting the embedded event log") {
			t.Errorf("with the reserve kept, the hub should take events again without restarting its store:\n%s", logs)
		}
	}
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
