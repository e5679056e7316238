package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The screen for a terminal below the smallest supported size.

// renderTooSmall explains what size is needed instead of drawing garbage.
func renderTooSmall(c *Context, w, h int) string {
	msg := fmt.Sprintf(c.T("small"), 80, 24, w, h)
	var lines []string
	for len(msg) > 0 && w > 0 {
		part := Trunc(msg, w)
		if Width(part) >= w && Width(msg) > w {
			part = truncNoTail(msg, w)
		}
		lines = append(lines, part)
		msg = strings.TrimPrefix(msg, part)
		if len(lines) > h {
			break
		}
	}
	top := max((h-len(lines))/2, 0)
	out := make([]string, 0, h)
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	out = append(out, lines...)
	return Block(out, w, h)
}

// truncNoTail cuts s to at most w columns without an ellipsis, by whole
// grapheme clusters: never inside a wide character, never between a letter
// and its marks.
func truncNoTail(s string, w int) string { return ansi.Truncate(s, w, "") }
