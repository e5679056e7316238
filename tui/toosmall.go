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
		part := truncNoTail(msg, w) // a whole line's worth, no ellipsis: the rest follows
		lines = append(lines, part)
		msg = strings.TrimPrefix(msg, part)
		if len(lines) > h {
			break
		}
	}
	return centeredBlock(lines, w, h)
}

// truncNoTail cuts s to at most w columns without an ellipsis, by whole
// grapheme clusters: never inside a wide character, never between a letter
// and its marks.
func truncNoTail(s string, w int) string { return ansi.Truncate(s, w, "") }
