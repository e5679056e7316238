package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOneLanguageRule: a bulletin, a summary and a local board take their
// language by one rule: the locale when it names zh or en, else the
// campaign file's lang, else zh (an SSH session's is sshd's, same rule).
func TestOneLanguageRule(t *testing.T) {
	dir := t.TempDir()
	small, err := os.ReadFile("campaign/testdata/small.toml")
	if err != nil {
		t.Fatal(err)
	}
	english := filepath.Join(dir, "english.toml")
	os.WriteFile(english, []byte(strings.Replace(string(small), "[campaign]\n", "[campaign]\nlang = \"en\"\n", 1)), 0o644)
	tests := []struct {
		name     string
		env      []string
		campaign string
		want     string // the campaign's name in the language expected
	}{
		{"no locale", []string{"LANG=", "LC_ALL=", "LC_MESSAGES="}, "campaign/testdata/small.toml", "测试行动"},
		{"C locale", []string{"LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES="}, "campaign/testdata/small.toml", "测试行动"},
		{"English locale", []string{"LANG=en_US.UTF-8", "LC_ALL=", "LC_MESSAGES="}, "campaign/testdata/small.toml", "Test Action"},
		{"campaign's default", []string{"LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES="}, english, "Test Action"},
		{"locale over the campaign's", []string{"LANG=zh_CN.UTF-8", "LC_ALL=", "LC_MESSAGES="}, english, "测试行动"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"report", "--period", "campaign", "--recording", "testdata/small.jsonl", "--campaign", tc.campaign},
				{"summary", "--recording", "testdata/small.jsonl", "--campaign", tc.campaign},
			} {
				cmd := exec.Command(sitboardBin, args...)
				cmd.Env = append(os.Environ(), tc.env...)
				out, err := cmd.Output()
				if err != nil || !strings.Contains(string(out), tc.want) {
					t.Errorf("sitboard %s: %v; output lacks %q:\n%s", args[0], err, tc.want, out)
				}
			}
		})
	}
	// The local board: without a locale, Chinese, as an SSH session is.
	s := startTmux(t, 120, 40, []string{"-u", "LANG", "-u", "LC_ALL", "-u", "LC_MESSAGES", "TERM=xterm-256color"}, "demo", "--speed", "max")
	s.waitFor("the demo's board in Chinese", 30*time.Second, contains("周口"))
	s.keys("q")
}
