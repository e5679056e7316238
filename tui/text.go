package tui

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/clipperhouse/uax29/v2/graphemes"
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

// Sanitize makes data text safe and stable to lay out. It is the
// renderer's own line of defence, for recordings and logs written before
// the hub refused such text:
//
//   - controls go: C0, DEL and C1 (U+0080–U+009F, the 8-bit CSI, OSC and
//     DCS that VTE terminals obey even inside UTF-8); a tab or line break
//     becomes a space;
//   - invisible format characters go: bidi embeddings, overrides, isolates
//     and marks, zero-width spaces and joiners, the BOM, soft hyphens, tags
//     and the Hangul fillers, so text cannot hide or reorder itself;
//   - a character whose width depends on the terminal becomes one of fixed
//     width: East Asian ambiguous characters get equivalents, circled
//     numbers become "(n)", a flag becomes its two letters;
//   - grapheme clusters that terminals draw at different widths are taken
//     apart: a ZWJ emoji sequence (👨‍👩‍👦) is two columns in a terminal
//     with grapheme clustering (mode 2027) and six in one without, so it is
//     drawn as its members side by side (👨👩👦), six columns everywhere; skin
//     tones and emoji presentation selectors go for the same reason.
//
// Without this a line that fits one terminal wraps or loses its tail on
// another, and a summary could write the title, the clipboard or the
// screen. The result measures the same under grapheme and wcwidth rules,
// so Fit and Trunc cut it where the terminal will.
func Sanitize(s string) string {
	if isStable(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteByte('?')
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		case isControl(r) || invisible(r):
			// would move the cursor, start an escape sequence, reorder
			// or hide text, or change how wide its neighbour is drawn
		case r >= '①' && r <= '⑳':
			b.WriteString("(" + itoa(int(r-'①')+1) + ")")
		case r >= regionalA && r <= regionalA+25:
			b.WriteRune('A' + r - regionalA)
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
	return stableClusters(b.String())
}

// regionalA is REGIONAL INDICATOR SYMBOL LETTER A; a pair of them is a flag.
const regionalA = 0x1F1E6

// isStable reports whether s is already what Sanitize would return. Plain
// ASCII is checked byte by byte; anything else rune by rune and then by
// grapheme cluster.
func isStable(s string) bool {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return true
	}
	for _, r := range s[i:] {
		switch {
		case hanOrFullwidth(r):
			continue
		case r == utf8.RuneError, isControl(r), invisible(r), r == 0x2028, r == 0x2029,
			r >= '①' && r <= '⑳', r >= regionalA && r <= regionalA+25,
			r > 0x7e && ambiguous(r):
			return false
		}
	}
	return clustersStable(s[i:])
}

// hanOrFullwidth is a CJK ideograph or a fullwidth form: two columns
// under every rule, alone or in a cluster, and most of a Chinese summary,
// so the checks below skip it.
func hanOrFullwidth(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0xFF01 && r <= 0xFF5E
}

// isControl is C0, DEL and C1: every code point a terminal may act on.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// invisible is a character that draws nothing, or changes how its
// neighbours are drawn or ordered: format characters (bidi controls, zero
// width space, ZWJ, BOM, soft hyphen, tags), the Hangul fillers, the
// combining grapheme joiner, emoji presentation selectors and skin tones.
func invisible(r rune) bool {
	switch {
	case r < 0xad:
		return false
	case unicode.Is(unicode.Cf, r):
		return true
	case r == 0x034f, r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0:
		return true
	case r == 0xfe0e, r == 0xfe0f, r == 0x20e3, r >= 0x1f3fb && r <= 0x1f3ff:
		return true
	}
	return false
}

// clustersStable reports whether every grapheme cluster of s is as wide
// under grapheme rules (Bubble Tea with mode 2027, and Fit) as under
// wcwidth (Bubble Tea's default, and most terminals).
func clustersStable(s string) bool {
	g := graphemes.FromString(s)
	for g.Next() {
		c := g.Value()
		if len(c) == 1 {
			continue
		}
		if r, n := utf8.DecodeRuneInString(c); n == len(c) && hanOrFullwidth(r) {
			continue
		}
		if ansi.StringWidth(c) != ansi.StringWidthWc(c) {
			return false
		}
	}
	return true
}

// stableClusters replaces each cluster that clustersStable refuses by
// its first character, so the text keeps its place and its width is the
// same in every terminal.
func stableClusters(s string) string {
	if clustersStable(s) {
		return s
	}
	var b strings.Builder
	g := graphemes.FromString(s)
	for g.Next() {
		c := g.Value()
		if len(c) > 1 && ansi.StringWidth(c) != ansi.StringWidthWc(c) {
			r, _ := utf8.DecodeRuneInString(c)
			if ansi.StringWidth(string(r)) == ansi.StringWidthWc(string(r)) {
				b.WriteRune(r)
			} else {
				b.WriteByte('?')
			}
			continue
		}
		b.WriteString(c)
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

// Width is the display width of s, ANSI sequences ignored. It is the
// board's hottest function (every line of every region is measured to be
// fitted), so text made only of SGR styling and runes that stand alone as
// grapheme clusters is measured rune by rune; anything else (other escape
// sequences, controls, combining marks, emoji sequences) goes to
// ansi.StringWidth, whose results the fast path reproduces exactly.
func Width(s string) int {
	if w, ok := fastWidth(s); ok {
		return w
	}
	return ansi.StringWidth(s)
}

// fastWidth measures s when it holds only SGR sequences and runes whose
// width runeWidth knows; ok is false otherwise.
func fastWidth(s string) (w int, ok bool) {
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b == 0x1b:
			// ESC [ params m: the styling the board writes.
			j := i + 1
			if j >= len(s) || s[j] != '[' {
				return 0, false
			}
			j++
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
				j++
			}
			if j >= len(s) || s[j] != 'm' {
				return 0, false
			}
			i = j + 1
		case b >= 0x20 && b < 0x7f:
			w++
			i++
		case b < 0x80:
			return 0, false // a control character
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			rw := runeWidth(r)
			if rw == 0 {
				return 0, false
			}
			w += rw
			i += size
		}
	}
	return w, true
}

// standalone caches, per BMP rune, its width when the rune is a grapheme
// cluster of its own next to any such rune: 0 not yet known, 1 or 2 the
// width, 3 not standalone (it joins its neighbours, or is zero or
// ambiguous in width). Atomic, since SSH sessions render concurrently.
var standalone [1 << 16]atomic.Uint32

// runeWidth is r's width when r always forms a grapheme cluster of its
// own beside printable ASCII and other such runes, else 0.
func runeWidth(r rune) int {
	if r < 0 || r >= 1<<16 {
		return 0
	}
	v := standalone[r].Load()
	if v == 0 {
		v = probeStandalone(r)
		standalone[r].Store(v)
	}
	if v == 3 {
		return 0
	}
	return int(v)
}

// probeStandalone asks ansi's grapheme segmentation about r: r must be
// one cluster of width 1 or 2, break from a letter on either side (no
// Extend, SpacingMark, ZWJ or Prepend) and from itself (no regional
// indicator or Hangul jamo run). Those are every rule of UAX #29 that
// joins two runes without a control, so between runes that pass there is
// always a break, and widths add up.
func probeStandalone(r rune) uint32 {
	if r == utf8.RuneError || (r >= 0xd800 && r <= 0xdfff) {
		return 3
	}
	s := string(r)
	cl, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	if cl != s || w < 1 || w > 2 {
		return 3
	}
	for _, pair := range [][2]string{{"a", s}, {s, "a"}, {s, s}} {
		if cl, _ := ansi.FirstGraphemeCluster(pair[0]+pair[1], ansi.GraphemeWidth); cl != pair[0] {
			return 3
		}
	}
	return uint32(w)
}

// Fit truncates s (which may hold ANSI styling) to w columns with an
// ellipsis, never splitting a wide character, and pads it with spaces to
// exactly w columns.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > w {
		s = ansi.Truncate(s, w, Ellipsis)
		sw = Width(s)
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
	if Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, Ellipsis)
}

// PadLeft right-aligns s in w columns (truncating if needed).
func PadLeft(s string, w int) string {
	sw := Width(s)
	if sw > w {
		return Trunc(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

// centeredBlock is Block with the lines set in the middle of the h lines:
// the screens that say one thing (too small, connecting, refused).
func centeredBlock(lines []string, w, h int) string {
	top := max((h-len(lines))/2, 0)
	out := make([]string, top, top+len(lines))
	return Block(append(out, lines...), w, h)
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
