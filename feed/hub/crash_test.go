package hub_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// childEnv makes the test binary run a hub on the given data dir instead of
// the tests: the crash test SIGKILLs it like a real hub process.
const childEnv = "SITBOARD_HUBTEST_CHILD_DIR"

// childModes are the other roles a re-executed test binary can take,
// keyed by the environment variable that names one (set by
// platform-specific files).
var childModes = map[string]func(string){}

func TestMain(m *testing.M) {
	for env, run := range childModes {
		if v := os.Getenv(env); v != "" {
			run(v)
			return
		}
	}
	if dir := os.Getenv(childEnv); dir != "" {
		runChildHub(dir)
		return
	}
	if dir := os.Getenv(benchHubEnv); dir != "" {
		runBenchHub(dir)
		return
	}
	if dir := os.Getenv(limitsHubEnv); dir != "" {
		runLimitsHub(dir)
		return
	}
	os.Exit(m.Run())
}

func runChildHub(dir string) {
	h, err := hub.New(hub.Options{Campaign: hubtest.Campaign(nil), DataDir: filepath.Join(dir, "data"), Sync: "always", IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child hub:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child hub:", err)
		os.Exit(1)
	}
	serveChild(dir, ln, h.Handler())
}

// serveChild publishes the address only once serving: the parent polls for it.
func serveChild(dir string, ln net.Listener, handler http.Handler) {
	tmp := filepath.Join(dir, "addr.tmp")
	_ = os.WriteFile(tmp, []byte(ln.Addr().String()), 0o600)
	_ = os.Rename(tmp, filepath.Join(dir, "addr"))
	_ = http.Serve(ln, handler)
}

func startChild(t testing.TB, dir string) (*exec.Cmd, string) {
	return startProcess(t, dir, childEnv)
}

// startProcess re-executes the test binary with env=dir, so TestMain runs
// a hub instead of the tests, and returns its base URL.
func startProcess(t testing.TB, dir, env string, extraEnv ...string) (*exec.Cmd, string) {
	t.Helper()
	_ = os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env+"="+dir), extraEnv...)
	cmd.Stderr = os.Stderr
	if err := startHubProcess(t, cmd, env); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			return cmd, "http://" + string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("child hub did not start")
	return nil, ""
}

// TestCrashKeepsAcknowledgedEvents SIGKILLs a hub (a separate process,
// --sync always) in the middle of ingest, restarts it on the same data
// dir, and checks that every event answered 202 is there and that
// sequences continue.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test starts processes")
	}
	dir := t.TempDir()
	cmd, url := startChild(t, dir)
	cfg := hubtest.Campaign(t)
	epoch := hubtest.Snapshot(t, url).Epoch

	var mu sync.Mutex
	// Every event answered 202, with its batch's seq range: concurrent
	// batches interleave in the log, so a batch's seqs need not be contiguous.
	type span struct{ first, last uint64 }
	acked := map[string]span{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				evs := hubtest.Events(cfg, fmt.Sprintf("crash%d-%d", w, i), 0, 50)
				res, err := hubtest.TryPost(url, evs)
				if err != nil {
					return // the hub died mid-request: not acknowledged
				}
				mu.Lock()
				for _, ev := range evs {
					acked[ev.ID] = span{res.FirstSeq, res.LastSeq}
				}
				mu.Unlock()
			}
		}()
	}
	// Kill once a good number of batches are acknowledged.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 3000 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	_ = cmd.Wait()

	_, url = startChild(t, dir)
	snap := hubtest.Snapshot(t, url)
	if snap.Epoch != epoch {
		t.Fatalf("epoch changed across a restart on the same data dir: %s -> %s", epoch, snap.Epoch)
	}
	var maxSeq uint64
	for _, sp := range acked {
		maxSeq = max(maxSeq, sp.last)
	}
	if snap.Seq < maxSeq {
		t.Fatalf("after restart the hub is at seq %d, but seq %d was acknowledged", snap.Seq, maxSeq)
	}
	// Read the whole log back over the stream, resuming from 0.
	ws := "ws" + url[len("http"):] + "/v1/stream"
	c := dial(t, ws, hubtest.ReadToken)
	c.hello(snap.Epoch, 0)
	got := map[string]uint64{}
	for _, ev := range c.collect(0, snap.Seq) {
		got[ev.ID] = ev.Seq
	}
	for id, sp := range acked {
		if seq := got[id]; seq < sp.first || seq > sp.last {
			t.Fatalf("acknowledged event %s (seq in %d..%d) is missing after the crash (found at %d)", id, sp.first, sp.last, seq)
		}
	}
	// Sequences continue where the log ended.
	res := hubtest.Post(t, url, hubtest.Events(cfg, "after-crash", 0, 1))
	if res.FirstSeq != snap.Seq+1 {
		t.Fatalf("first seq after restart %d, want %d", res.FirstSeq, snap.Seq+1)
	}
	t.Logf("%d events acknowledged before the kill, %d in the log after restart", len(acked), snap.Seq)
}
