package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// chainChildEnv marks the copy of the test binary that runs the docs
// chain (docs_chain_test.go) inside its own namespaces; its value is the
// checkout's path.
const chainChildEnv = "SITBOARD_DOCS_CHAIN_ROOT"

// sitboardBin is the command built once for tests that run it as a user
// would: in a terminal, over SSH, or killed mid-write.
var sitboardBin string

func TestMain(m *testing.M) {
	if os.Getenv(chainChildEnv) != "" {
		// The docs chain's run inside its namespaces: the parent built the
		// binary, and the chain builds its own as the docs say.
		sitboardBin = os.Getenv("SITBOARD_TEST_BIN")
		code := m.Run()
		killTmuxServer()
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "sitboard-bin-")
	if err != nil {
		panic(err)
	}
	sitboardBin = filepath.Join(dir, "sitboard")
	if runtime.GOOS == "windows" {
		sitboardBin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", sitboardBin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic("building sitboard for tests failed: " + err.Error())
	}
	code := m.Run()
	killTmuxServer()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runSitboard(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(sitboardBin, args...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("sitboard %v: %v", args, err)
	}
	return o.String(), e.String(), code
}

func TestSummaryCheck(t *testing.T) {
	full, err := os.ReadFile("testdata/small.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(full)), "\n")
	// Dropping the arrest must fail exactly the figure that depends on it.
	var withoutArrest []string
	for _, l := range lines {
		if !strings.Contains(l, `"arrest"`) {
			withoutArrest = append(withoutArrest, l)
		}
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, []byte(strings.Join(withoutArrest, "")+"\n"), 0o644)

	tests := []struct {
		name      string
		recording string
		code      int
		stderr    string
	}{
		{"matches", "testdata/small.jsonl", 0, "all 6 figures match"},
		{"one event removed", cut, 1, "strike.theft_suspects_arrested: expected 1..3, got 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runSitboard(t, "summary", "--recording", tc.recording, "--campaign", "campaign/testdata/small.toml", "--check", "testdata/small-facts.json")
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}

func TestSummaryJSON(t *testing.T) {
	out, _, code := runSitboard(t, "summary", "--recording", "testdata/small.jsonl", "--campaign", "campaign/testdata/small.toml", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{`"overall.alarms_criminal_mom_pct": -25`, `"strike.theft_cases_solved": 1`, `"overall.alarms_public_order_mom_pct": null`, `"seq": 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("summary --json lacks %s:\n%s", want, out)
		}
	}
}

func TestBadUsageSaysWhatToDo(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"summary"}, "give exactly one of --hub URL or --recording FILE"},
		{[]string{"summary", "--recording", "nope.jsonl"}, "open recording: open nope.jsonl: no such file or directory (give the path of a JSON Lines file"},
		{[]string{"report", "--period", "week", "--recording", "nope.jsonl"}, "open recording: open nope.jsonl: no such file or directory (give the path"},
		{[]string{"summary", "--recording", "testdata/small.jsonl", "--campaign", "nope.toml"}, "pass --campaign with a readable TOML file"},
		{[]string{"hub", "--listen", "127.0.0.1:0"}, "no ingest token: pass --ingest-token-file"},
		{[]string{"hub", "--ingest-token", "x", "stray"}, `unexpected argument "stray"`},
		{[]string{"hub", "--ingest-token", "x", "--read-token", "y", "--nats", "nats://127.0.0.1:1", "--data", "/tmp/never-made"}, "--data does not go with --nats: the NATS servers keep the log, so set their jetstream store_dir"},
		{[]string{"hub", "--ingest-token", "x", "--read-token", "y", "--nats", "nats://127.0.0.1:1", "--sync", "1s"}, "--sync does not go with --nats"},
		{[]string{"hub", "--ingest-token", "x", "--read-token", "y", "--listen", busy.Addr().String()}, "pick a free --listen address"},
		{[]string{"record", "--hub", "ws://127.0.0.1:1", "--out", "/proc/nope/feed.jsonl"}, "writable directory"},
	}
	for _, tc := range tests {
		_, stderr, code := runSitboard(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("sitboard %v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
