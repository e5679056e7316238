package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeGoVersion: the Go version the README asks for is go.mod's, so
// a reader with an older toolchain is not sent to a build that fails.
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+(?:\.\d+)?)\s*$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	want := string(m[1])
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	said := regexp.MustCompile(`Go (\d+\.\d+(?:\.\d+)?) or later`).FindAllSubmatch(readme, -1)
	if len(said) == 0 {
		t.Fatal(`README.md does not say which Go it needs ("Go X.Y.Z or later")`)
	}
	for _, s := range said {
		if string(s[1]) != want {
			t.Errorf("README.md says Go %s or later; go.mod needs %s", s[1], want)
		}
	}
	// And its test command is the one CI runs.
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "go test ./...") || !strings.Contains(string(ci), "./...") {
		t.Errorf("README.md's test command (go test ./...) is not what .ci/run runs")
	}
}
