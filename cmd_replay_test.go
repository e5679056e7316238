package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/replay"
)

const shippedRecording = "demo/recordings/summer-action-2023.jsonl.gz"

func TestParseSpeed(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"28224", 28224, true}, {"0.5", 0.5, true}, {"60x", 60, true},
		{"max", 0, true}, {"MAX", 0, true},
		{"0", 0, false}, {"-3", 0, false}, {"fast", 0, false}, {"", 0, false},
	}
	for _, tc := range tests {
		got, err := parseSpeed(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSpeed(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "max") {
			t.Errorf("parseSpeed(%q) error %q does not say what to give", tc.in, err)
		}
	}
}

func TestReplayAndRecordUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"replay", "--hub", "http://127.0.0.1:1"}, "exactly one recording FILE"},
		{[]string{"replay", shippedRecording}, "--hub is required"},
		{[]string{"replay", shippedRecording, "--hub", "http://127.0.0.1:1", "--token", "x", "--speed", "fast"}, "bad --speed"},
		{[]string{"replay", shippedRecording, "--hub", "http://127.0.0.1:1"}, "SITBOARD_INGEST_TOKEN"},
		{[]string{"replay", shippedRecording, "--hub", "http://127.0.0.1:1", "--token", "x", "--from", "soon"}, "2023-07-14"},
		{[]string{"replay", "no-such-file.jsonl", "--hub", "http://127.0.0.1:1", "--token", "x"}, "no-such-file.jsonl"},
		{[]string{"replay", shippedRecording, "--hub", "http://127.0.0.1:1", "--token", "x", "--resume-run", "2"}, "go with --resume-at N"},
		{[]string{"replay", shippedRecording, "--hub", "http://127.0.0.1:1", "--token", "x", "--resume-at", "5", "--resume-id", "nope"}, "not nope"},
		{[]string{"record", "--out", "x.jsonl"}, "--hub and --out are required"},
		{[]string{"record", "--hub", "ws://127.0.0.1:1", "extra"}, "--out FILE"},
		{[]string{"demo", "generate"}, "--out FILE"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(sitboardBin, tc.args...)
			cmd.Env = append(os.Environ(), "SITBOARD_INGEST_TOKEN=", "SITBOARD_READ_TOKEN=")
			var e bytes.Buffer
			cmd.Stderr = &e
			err := cmd.Run()
			if err == nil {
				t.Fatal("succeeded, want a usage error")
			}
			if !strings.Contains(e.String(), tc.want) {
				t.Errorf("stderr %q does not mention %q", e.String(), tc.want)
			}
		})
	}
}

// TestReplayRecordCommands runs the commands as an operator would: a
// recorder on the hub, a replay of one campaign day with flags after FILE,
// Ctrl-C on both, and a resumed replay that adds nothing twice.
func TestReplayRecordCommands(t *testing.T) {
	hub := startHub(t)
	out := filepath.Join(t.TempDir(), "day1.jsonl.gz")
	rec := exec.Command(sitboardBin, "record", "--hub", "ws"+strings.TrimPrefix(hub, "http"), "--out", out, "--flush", "50ms")
	var recErr bytes.Buffer
	rec.Stderr = &recErr
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Process.Kill(); rec.Wait() })

	// A replay at real time is interrupted and says how to resume.
	slow := exec.Command(sitboardBin, "replay", shippedRecording, "--hub", hub, "--token", "itok", "--until", "2023-06-25")
	var slowErr bytes.Buffer
	slow.Stderr = &slowErr
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the hub has some of it (loading the file may be slow
	// on a loaded machine).
	waitUntil(t, "the replay's first events in the hub", func() bool { return hubSeq(t, hub) > 0 })
	slow.Process.Signal(syscall.SIGINT)
	slow.Wait()
	if code := slow.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("interrupted replay exited %d, want 130; stderr:\n%s", code, slowErr.String())
	}
	msg := slowErr.String()
	i := strings.Index(msg, "sitboard replay ")
	if !strings.Contains(msg, "Resume with:") || i < 0 || !strings.Contains(msg[i:], " --until 2023-06-25 --resume-at ") {
		t.Fatalf("no resume command in:\n%s", msg)
	}
	resume := strings.Fields(strings.TrimSpace(msg[i:]))[1:]
	resume = append(resume, "--token", "itok", "--speed", "max") // the token is never printed
	_, stderr, code := runSitboard(t, resume...)
	if code != 0 || !strings.Contains(stderr, "done:") {
		t.Fatalf("resumed replay: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, " 0 it already had") {
		t.Errorf("the resume resent events the hub had: %s", stderr)
	}

	// The whole first day again: the hub has all of it already.
	_, stderr, code = runSitboard(t, "replay", shippedRecording, "--hub", hub, "--token", "itok", "--speed", "max", "--until", "2023-06-25")
	if code != 0 || !strings.Contains(stderr, "took 0 new") {
		t.Fatalf("second replay: exit %d, want nothing new:\n%s", code, stderr)
	}

	seq := hubSeq(t, hub)
	waitUntil(t, "the recorder to write every event", func() bool { return recordedEvents(out) >= seq })
	rec.Process.Signal(syscall.SIGINT)
	rec.Wait()
	if code := rec.ProcessState.ExitCode(); code != 0 || !strings.Contains(recErr.String(), "Run the same command to continue") {
		t.Fatalf("record exited %d:\n%s", code, recErr.String())
	}
	_, stdout, code := runSitboard(t, "summary", "--recording", out, "--json")
	_ = stdout
	if code != 0 {
		t.Fatalf("summary of the recorded file failed")
	}
}

func TestResumeCommandQuotesForTheShell(t *testing.T) {
	at := replay.Position{Run: 3, Index: 41, ID: "it's $HOME"}
	got := resumeCommand("my feed.jsonl", "http://hub:8470", "", "", "max", "2023-07-01", "", true, at)
	want := `sitboard replay 'my feed.jsonl' --hub http://hub:8470 --speed max --from 2023-07-01 --loop --resume-at 41 --resume-id 'it'\''s $HOME' --resume-run 3`
	if got != want {
		t.Errorf("resumeCommand =\n %s\nwant\n %s", got, want)
	}
	// A hub with a private CA and a token file: the resume needs both.
	got = resumeCommand("feed.jsonl", "https://hub.internal:8470", "/etc/sitboard/ca.pem", "/etc/sitboard/ingest.token", "max", "", "", false, replay.Position{Run: 1, Index: 7, ID: "e7"})
	want = `sitboard replay feed.jsonl --hub https://hub.internal:8470 --ca /etc/sitboard/ca.pem --token-file /etc/sitboard/ingest.token --speed max --resume-at 7 --resume-id e7`
	if got != want {
		t.Errorf("resumeCommand with --ca =\n %s\nwant\n %s", got, want)
	}
}

// hubSeq is the last seq of the hub's log, from its snapshot (the test hubs
// run with --public-read).
func hubSeq(t *testing.T, hub string) int {
	t.Helper()
	resp, err := http.Get(hub + "/v1/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap struct {
		Seq int `json:"seq"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return snap.Seq
}

// recordedEvents is the number of whole events a reader gets from a
// recording now.
func recordedEvents(path string) int {
	rc, err := feed.OpenRecording(path)
	if err != nil {
		return 0
	}
	defer rc.Close()
	n := 0
	feed.ScanEvents(rc, func(feed.Event) error { n++; return nil })
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestReplaySaysWhyItWaits: a hub whose disk is full answers 507 three
// times; 'sitboard replay' waits it out, says why on its progress line
// ("waiting: disk full on the hub (507), 3 tries", not "0/s 3 retries"),
// and finishes once the hub takes the batch.
func TestReplaySaysWhyItWaits(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		posts++
		n := posts
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n <= 3 {
			w.WriteHeader(http.StatusInsufficientStorage)
			io.WriteString(w, `{"error":"disk nearly full: ..."}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"accepted":1,"duplicates":0,"first_seq":1,"last_seq":1}`)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "one.jsonl")
	if err := os.WriteFile(file, []byte(`{"id":"w-1","type":"alarm.received","at":"2023-06-25T00:06:18+08:00","district":"dancheng","data":{"alarm_id":"JQ1","category":"criminal","priority":1,"summary":"x"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runSitboard(t, "replay", file, "--hub", srv.URL, "--token", "itok", "--speed", "max")
	if code != 0 || !strings.Contains(stderr, "done: 1 events") {
		t.Fatalf("replay exited %d:\n%s", code, stderr)
	}
	for _, want := range []string{"waiting: disk full on the hub (507), 1 try", "waiting: disk full on the hub (507), 3 tries"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("replay's output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "retries") {
		t.Errorf("replay's output counts retries without saying why:\n%s", stderr)
	}
}
