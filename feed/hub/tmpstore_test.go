package hub_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"sitboard/feed/hub/hubtest"
)

// TestKilledHubTempStoreIsRemoved: a memory-store hub killed with SIGKILL
// cannot remove its temp dir; the next hub to start removes it, and
// leaves alone the dir of a hub that is still running.
func TestKilledHubTempStoreIsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a hub process")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // for the hubs in this process too
	stores := func() []string {
		dirs, _ := filepath.Glob(filepath.Join(tmp, "sitboard-hub-*"))
		return dirs
	}
	killed, _ := startProcess(t, t.TempDir(), limitsHubEnv, "TMPDIR="+tmp)
	running, _ := startProcess(t, t.TempDir(), limitsHubEnv, "TMPDIR="+tmp)
	if n := len(stores()); n != 2 {
		t.Fatalf("%d memory stores for 2 running hubs: %v", n, stores())
	}
	if err := killed.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.Wait()
	if n := len(stores()); n != 2 {
		t.Fatalf("after SIGKILL, %d stores; the test expects the killed hub's to be left behind", n)
	}
	s := hubtest.Start(t, nil)
	left := stores()
	if len(left) != 2 {
		t.Fatalf("with one hub killed and two running, stores %v, want 2 (the running hubs')", left)
	}
	_ = running.Process.Signal(syscall.SIGKILL)
	_ = running.Wait()
	s.Close()
	if n := len(stores()); n != 1 {
		t.Fatalf("after Close, %d stores, want 1 (the second killed hub's, until the next start)", n)
	}
	s2 := hubtest.Start(t, nil)
	s2.Close()
	if left := stores(); len(left) != 0 {
		t.Fatalf("stores left after every hub stopped or was cleaned up: %v", left)
	}
}
