package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"
)

// Ellipsis marks truncated text. U+22EF is one column under every width
// rule, unlike "…", which East Asian terminals draw two columns wide.
const Ellipsis = "⋯"

// eaw measures like a terminal in a CJK locale: East Asian ambiguous
// characters are two columns.
var eaw = func() *runewidth.Condition {
	c := runewidth.NewCondition()
	c.EastAsianWidth = true
	return c
}()

var narrow = func() *runewidth.Condition {
	c := runewidth.NewCondition()
	c.EastAsianWidth = false
	return c
}()

// ambiguousReplacements maps the ambiguous-width characters that occur in
// Chinese police text to ones every terminal draws at the same width.
var ambiguousReplacements = map[rune]string{
	'·': "・", '•': "・", '‧': "・", // interpunct in "4·20"
	'“': "\"", '”': "\"", '‘': "'", '’': "'",
	'…': Ellipsis, '—': "-", '–': "-", '―': "-", '‐': "-",
	'×': "x", '÷': "/", '°': "o", '±': "+-", '§': "S",
	'※': "*", '★': "*", '☆': "*", '●': "o", '○': "o", '■': "#", '□': "#",
	'→': "->", '←': "<-", '↑': "^", '↓': "v",
	'─': "-", '━': "-", '│': "|", '┃': "|",
	'α': "a", 'β': "b", 'Ⅰ': "I", 'Ⅱ': "II", 'Ⅲ': "III",
}

// Sanitize makes data text safe to lay out: characters whose width
// depends on the terminal's locale (East Asian ambiguous width) become
// equivalents of fixed width, control characters go, and circled numbers
// become "(n)". Without this a line that fits one terminal wraps on another.
func Sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r > 0x7e && ambiguous(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteByte('?')
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			// control characters would move the cursor
		case r >= '①' && r <= '⑳':
			b.WriteString("(" + itoa(int(r-'①')+1) + ")")
		case r > 0x7e && ambiguous(r):
			if rep, ok := ambiguousReplacements[r]; ok {
				b.WriteString(rep)
			} else {
				b.WriteByte('?')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ambiguous(r rune) bool {
	return eaw.RuneWidth(r) != narrow.RuneWidth(r) || graphemeWidth(r) != narrow.RuneWidth(r)
}

func graphemeWidth(r rune) int { return ansi.StringWidth(string(r)) }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// Width is the display width of s, ANSI sequences ignored.
func Width(s string) int { return ansi.StringWidth(s) }

// Fit truncates s (which may hold ANSI styling) to w columns with an
// ellipsis, never splitting a wide character, and pads it with spaces to
// exactly w columns.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, Ellipsis)
		sw = ansi.StringWidth(s)
		if strings.IndexByte(s, 0x1b) >= 0 {
			s += reset // a cut may leave a style open; it must not leak into the padding or the next column
		}
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// Trunc truncates plain or styled text to at most w columns, with an ellipsis.
func Trunc(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, Ellipsis)
}

// PadLeft right-aligns s in w columns (truncating if needed).
func PadLeft(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		return Trunc(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

// Block fits lines into exactly h lines of exactly w columns.
func Block(lines []string, w, h int) string {
	var b strings.Builder
	b.Grow((w + 16) * h)
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(Fit(lines[i], w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// JoinCols puts fitted columns side by side with gap spaces between them;
// each column must already be exactly its width.
func JoinCols(gap int, cols ...string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", gap))
		}
		b.WriteString(c)
	}
	return b.String()
}
