package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitboard/feed/hub/hubtest"
)

// TestSecretSources: a token comes from --token, --token-file, the
// variable or the variable's _FILE, in that order; two at one level are
// refused, and a file must exist, hold a line and not be world-readable.
func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	good := write("good", "  tok-from-file  \nsecond line ignored\n", 0o640)
	other := write("other", "tok-from-env-file\n", 0o600)
	open := write("open", "tok\n", 0o644)
	empty := write("empty", "\n\n", 0o600)
	tests := []struct {
		name          string
		args          []string
		env, envFile  string
		want, wantErr string
		file          string
	}{
		{"flag", []string{"--token", "tok-flag"}, "tok-env", "", "tok-flag", "", ""},
		{"file flag", []string{"--token-file", good}, "tok-env", "", "tok-from-file", "", good},
		{"env", nil, "tok-env", "", "tok-env", "", ""},
		{"env file", nil, "", other, "tok-from-env-file", "", other},
		{"flag over env file", []string{"--token", "tok-flag"}, "", other, "tok-flag", "", ""},
		{"nothing", nil, "", "", "", "", ""},
		{"both flags", []string{"--token", "a", "--token-file", good}, "", "", "", "give --token or --token-file, not both", ""},
		{"both variables", nil, "a", other, "", "both SITBOARD_TEST_TOKEN and SITBOARD_TEST_TOKEN_FILE are set", ""},
		{"missing file", []string{"--token-file", filepath.Join(dir, "nope")}, "", "", "", "does not exist: write the token on its first line", ""},
		{"world-readable", []string{"--token-file", open}, "", "", "", "readable by every user (mode 0644), so its token is no secret: run chmod o-rwx", ""},
		{"empty file", nil, "", empty, "", "is empty: write the token on its first line", ""},
		{"a directory", []string{"--token-file", dir}, "", "", "", "is not a regular file", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SITBOARD_TEST_TOKEN", tc.env)
			t.Setenv("SITBOARD_TEST_TOKEN_FILE", tc.envFile)
			fs := newFlagSet("test", "Usage: sitboard test")
			s := fs.Secret("token", "SITBOARD_TEST_TOKEN", "a token")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Get() = %q, %v; want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want || s.File() != tc.file {
				t.Fatalf("Get() = %q, %v, File() %q; want %q from %q", got, err, s.File(), tc.want, tc.file)
			}
		})
	}
}

// TestTokenFilesOnEveryClient: replay, summary, report and record take the
// hub's tokens from --token-file or SITBOARD_*_TOKEN_FILE, so no token
// needs to be typed or exported (the SSH server's is in
// TestSSHCommandServesBoard, the hub's in TestHubTokenFiles).
func TestTokenFilesOnEveryClient(t *testing.T) {
	s := hubtest.Start(t, nil)
	dir := t.TempDir()
	ingest, read := filepath.Join(dir, "ingest.token"), filepath.Join(dir, "read.token")
	os.WriteFile(ingest, []byte(hubtest.IngestToken+"\n"), 0o600)
	os.WriteFile(read, []byte(hubtest.ReadToken+"\n"), 0o640)
	t.Setenv("SITBOARD_INGEST_TOKEN", "")
	t.Setenv("SITBOARD_READ_TOKEN", "")

	_, stderr, code := runSitboard(t, "replay", shippedRecordingPath, "--hub", s.URL, "--token-file", ingest, "--speed", "max", "--until", "2023-06-26", "--quiet")
	if code != 0 || !strings.Contains(stderr, "the hub took") {
		t.Fatalf("replay --token-file: exit %d\n%s", code, stderr)
	}
	t.Setenv("SITBOARD_INGEST_TOKEN_FILE", ingest)
	_, stderr, code = runSitboard(t, "replay", shippedRecordingPath, "--hub", s.URL, "--speed", "max", "--until", "2023-06-26", "--quiet")
	if code != 0 || !strings.Contains(stderr, "0 new") {
		t.Fatalf("replay with SITBOARD_INGEST_TOKEN_FILE: exit %d\n%s", code, stderr)
	}
	if out, stderr, code := runSitboard(t, "summary", "--hub", s.URL, "--token-file", read, "--json"); code != 0 || !strings.Contains(out, `"figures"`) {
		t.Fatalf("summary --token-file: exit %d\n%s", code, stderr)
	}
	t.Setenv("SITBOARD_READ_TOKEN_FILE", read)
	if out, stderr, code := runSitboard(t, "report", "--period", "day", "--date", "2023-06-25", "--hub", s.URL, "--lang", "en"); code != 0 || out == "" {
		t.Fatalf("report with SITBOARD_READ_TOKEN_FILE: exit %d\n%s", code, stderr)
	}
	t.Setenv("SITBOARD_READ_TOKEN_FILE", "")
	if _, stderr, code := runSitboard(t, "summary", "--hub", s.URL, "--token-file", ingest+".missing"); code != 2 || !strings.Contains(stderr, "--token-file "+ingest+".missing does not exist") {
		t.Fatalf("summary with a missing --token-file: exit %d, %q; want 2 naming the file", code, stderr)
	}

	out := filepath.Join(dir, "feed.jsonl")
	want := hubtest.Snapshot(t, s.URL).Seq
	cmd := exec.Command(sitboardBin, "record", "--hub", s.WS, "--token-file", read, "--out", out, "--flush", "20ms", "--quiet")
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if uint64(strings.Count(string(b), "\n")) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("record --token-file wrote %d of %d events; stderr:\n%s", strings.Count(string(b), "\n"), want, errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
