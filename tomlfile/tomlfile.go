// Package tomlfile points at the place in an operator's TOML file that is
// wrong, for the campaign config and the layout files alike.
package tomlfile

import (
	"fmt"
	"strings"
)

// Error names the file, line and field that are wrong, and why.
type Error struct {
	File   string
	Line   int
	Field  string
	Reason string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Reason)
}

// LineOf finds the first line that mentions needle (0 if none): the TOML
// decoder does not keep positions of decoded values, and a near line beats
// none.
func LineOf(src, needle string) int {
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, needle) {
			return i + 1
		}
	}
	return 0
}

// TableLine finds key's line inside the n-th (0-based) [[array]] table of
// src, or the table's own line when the key is not in it (0 when there is
// no such table): an error in the fourth [[alerts]] points at that rule,
// not at the first that mentions the same value. A key is matched at the
// start of a line ("key =" or "key="); an empty key gives the table's line.
// A negative n looks in the plain table [array] instead.
func TableLine(src, array string, n int, key string) int {
	header := "[[" + array + "]]"
	if n < 0 {
		header, n = "["+array+"]", 0
	}
	lines := strings.Split(src, "\n")
	seen, start := -1, -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == header || strings.HasPrefix(t, header+" ") || strings.HasPrefix(t, header+"#") {
			seen++
			if seen == n {
				start = i
				continue
			}
			if seen > n {
				break
			}
		}
		if start < 0 || key == "" {
			continue
		}
		if strings.HasPrefix(t, "[") {
			break // the next table
		}
		if rest, ok := strings.CutPrefix(t, key); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
			return i + 1
		}
	}
	return start + 1
}
