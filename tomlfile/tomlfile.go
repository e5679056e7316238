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
