package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden help files in testdata/help/")

// helpCommands is every command line that has a help of its own.
func helpCommands() [][]string {
	var out [][]string
	for name := range commands {
		out = append(out, []string{name})
	}
	out = append(out, []string{"demo", "generate"}, []string{"directive", "issue"}, []string{"directive", "list"})
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], " ") < strings.Join(out[j], " ") })
	return out
}

// checkGolden compares got with testdata/help/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "help", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -run '%s' -update rewrites it after a deliberate change):\n--- got\n%s\n--- want\n%s", name, path, t.Name(), got, want)
	}
}

// goDuration is a time.Duration as its String method writes it (5m0s,
// 9600h0m0s), which no help should show.
var goDuration = regexp.MustCompile(`\b\d+h\d+m\d+s\b|\b\d+m0s\b`)

// TestHelpGolden: every command's --help goes to stdout with status 0,
// nothing on stderr, and 'sitboard help CMD' prints the same; the text is
// golden, so a flag that changes its wording or default shows here.
func TestHelpGolden(t *testing.T) {
	for _, args := range helpCommands() {
		name := strings.Join(args, "-")
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runSitboard(t, append(args, "--help")...)
			if code != 0 || stderr != "" {
				t.Fatalf("sitboard %v --help: exit %d, stderr %q; want 0 and the help on stdout", args, code, stderr)
			}
			if !strings.HasPrefix(stdout, "Usage: sitboard "+strings.Join(args, " ")) {
				t.Errorf("help does not start with its usage line:\n%s", stdout)
			}
			checkGolden(t, name+".txt", stdout)
			if d := goDuration.FindString(stdout); d != "" {
				t.Errorf("the help shows a duration as Go prints it, %q: write it as the flags take it (formatDuration: 5m, 400d, 1d12h)", d)
			}
			viaHelp, stderr, code := runSitboard(t, append([]string{"help"}, args...)...)
			if code != 0 || stderr != "" || viaHelp != stdout {
				t.Errorf("sitboard help %v: exit %d, stderr %q, and its text differs from --help's", args, code, stderr)
			}
		})
	}
	t.Run("top", func(t *testing.T) {
		stdout, stderr, code := runSitboard(t, "--help")
		if code != 0 || stderr != "" {
			t.Fatalf("sitboard --help: exit %d, stderr %q", code, stderr)
		}
		checkGolden(t, "sitboard.txt", stdout)
		for _, alias := range []string{"help", "-h"} {
			if out, _, code := runSitboard(t, alias); code != 0 || out != stdout {
				t.Errorf("sitboard %s: exit %d, or text differs from --help's", alias, code)
			}
		}
	})
}

// TestExitCodes is a golden table of what each command answers to a help
// request, an unknown flag, a bad value and a missing argument: the exit
// status and every line on stderr. A bad command line is one line and a
// hint, status 2; help is status 0.
func TestExitCodes(t *testing.T) {
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	t.Setenv("SITBOARD_READ_TOKEN", "")
	lines := []string{"# sitboard ARGS => exit status; stderr (stdout is not shown)"}
	try := func(args ...string) {
		_, stderr, code := runSitboard(t, args...)
		lines = append(lines, fmt.Sprintf("sitboard %s => %d", strings.Join(args, " "), code))
		for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
			if l != "" {
				lines = append(lines, "    "+l)
			}
		}
	}
	try()
	try("frobnicate")
	try("help", "frobnicate")
	try("version")
	try("--version")
	for _, args := range helpCommands() {
		try(append(args, "--help")...)
		try(append(args, "--no-such-flag")...)
	}
	// Each command without what it needs (the demo and version need nothing).
	for _, args := range [][]string{{"hub"}, {"watch"}, {"replay"}, {"record"}, {"summary"}, {"report"}, {"ssh"}, {"nats-nkey"}, {"demo", "generate"}, {"directive"}, {"directive", "issue"}, {"directive", "list"}} {
		try(args...)
	}
	try("hub", "--lisen", ":8470")
	try("watch", "--hub")
	checkGolden(t, "exit-codes.txt", strings.Join(lines, "\n")+"\n")

	// The rule the golden file shows, checked on its own: an unknown flag
	// gets one line, never the flag list.
	for _, args := range helpCommands() {
		_, stderr, code := runSitboard(t, append(args, "--no-such-flag")...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--help' lists the flags") {
			t.Errorf("sitboard %v --no-such-flag: exit %d, want 2 and one line with a hint:\n%s", args, code, stderr)
		}
	}
}

// TestVersion: 'sitboard version' and '--version' print the module
// version, the VCS revision the binary was built from and the Go version:
// what the toolchain stamped into the binary (go version -m), which in a
// plain git checkout is HEAD.
func TestVersion(t *testing.T) {
	// The tests' binary may be built with -buildvcs=false (GOFLAGS); build
	// one that records its revision, as 'go build' does by default.
	bin := filepath.Join(t.TempDir(), "sitboard")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	stamped, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	rev, revTime, modVersion := "unknown", "", ""
	for _, l := range strings.Split(string(stamped), "\n") {
		// "mod	sitboard	VERSION": (devel), or since Go 1.24 a
		// pseudo-version from the checkout (v0.0.0-DATE-REV, +dirty).
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "mod" && f[1] == "sitboard" {
			modVersion = f[2]
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "build\tvcs.revision="); ok {
			rev = v
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "build\tvcs.time="); ok {
			revTime = ", " + v
		}
	}
	// Go stamps a checkout whose .git is a directory (not a worktree's
	// .git file): there the revision must be HEAD's.
	if fi, err := os.Stat(".git"); err == nil && fi.IsDir() {
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatalf("git rev-parse HEAD: %v", err)
		}
		if rev != strings.TrimSpace(string(head)) {
			t.Fatalf("the build stamped revision %q, want HEAD %s", rev, head)
		}
	}
	if modVersion == "" {
		t.Fatalf("go version -m shows no module version:\n%s", stamped)
	}
	want := regexp.MustCompile(`^sitboard ` + regexp.QuoteMeta(modVersion) + ` \(revision ` + regexp.QuoteMeta(rev) + `(-modified)?` + regexp.QuoteMeta(revTime) + `, go1\.\d+(\.\d+)?\S*\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil || !want.Match(out) {
			t.Errorf("sitboard %v: %v, %q; want %s", args, err, out, want)
		}
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil || !strings.Contains(string(out), `"revision":"`+rev) || !strings.Contains(string(out), `"go_version":"go1.`) {
		t.Errorf("sitboard version --json: %v, %s", err, out)
	}
}
