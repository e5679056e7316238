package feed

import (
	"fmt"
	"unicode/utf8"
)

// The rules for identifiers and text in events. A board paints event text
// on terminals in every station, so the hub refuses anything a terminal
// acts on or that changes how text looks without being seen: controls
// (C0, DEL and C1, whose 8-bit CSI and OSC VTE terminals obey even in
// UTF-8), bidi controls that reorder text (Trojan Source), and invisible
// characters that hide a difference between two strings. docs/protocol.md
// ("Text and ids") states the same rules and events.schema.json encodes
// them; TestSchemaAgreesWithValidator keeps the three together.

// refusedRange is a run of code points refused in text, with the name an
// error gives it.
type refusedRange struct {
	Lo, Hi rune
	What   string
}

// RefusedInText lists every code point a text field may not hold, but
// U+200D ZERO WIDTH JOINER, which is allowed inside an emoji sequence
// (see EmojiJoinerOK). It covers every format character (Unicode category
// Cf), which TestRefusedCoversFormatCharacters checks.
var RefusedInText = []refusedRange{
	{0x0000, 0x001F, "C0 control"},
	{0x007F, 0x007F, "DEL control"},
	{0x0080, 0x009F, "C1 control"},
	{0x00AD, 0x00AD, "soft hyphen, invisible"},
	{0x034F, 0x034F, "combining grapheme joiner, invisible"},
	{0x0600, 0x0605, "Arabic format character"},
	{0x061C, 0x061C, "bidi mark"},
	{0x06DD, 0x06DD, "Arabic format character"},
	{0x070F, 0x070F, "Syriac format character"},
	{0x0890, 0x0891, "Arabic format character"},
	{0x08E2, 0x08E2, "Arabic format character"},
	{0x115F, 0x1160, "Hangul filler, invisible"},
	{0x17B4, 0x17B5, "invisible Khmer vowel"},
	{0x180E, 0x180E, "Mongolian vowel separator, invisible"},
	{0x200B, 0x200B, "zero-width space"},
	{0x200C, 0x200C, "zero-width non-joiner"},
	{0x200E, 0x200F, "bidi mark"},
	{0x2028, 0x2029, "line or paragraph separator"},
	{0x202A, 0x202E, "bidi embedding or override"},
	{0x2060, 0x2065, "invisible format character"},
	{0x2066, 0x2069, "bidi isolate"},
	{0x206A, 0x206F, "deprecated format character"},
	{0x3164, 0x3164, "Hangul filler, invisible"},
	{0xFEFF, 0xFEFF, "byte order mark, invisible"},
	{0xFFA0, 0xFFA0, "Hangul filler, invisible"},
	{0xFFF9, 0xFFFB, "interlinear annotation control"},
	{0x110BD, 0x110BD, "Kaithi format character"},
	{0x110CD, 0x110CD, "Kaithi format character"},
	{0x13430, 0x1345F, "Egyptian hieroglyph format character"},
	{0x1BCA0, 0x1BCA3, "shorthand format control"},
	{0x1D173, 0x1D17A, "musical format character"},
	{0xE0000, 0xE007F, "tag character"},
}

// ZeroWidthJoiner is allowed only between two emoji: 👨‍👩‍👦 is one family,
// not three people, and the joiner is what says so. Anywhere else it is
// an invisible character that makes "admin" and "ad‍min" differ.
const ZeroWidthJoiner = 0x200D

// pictographic approximates Unicode's Extended_Pictographic: the emoji a
// ZWJ sequence joins (people, hearts, the staff of Aesculapius, flags).
var pictographic = [][2]rune{
	{0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x203C, 0x203C}, {0x2049, 0x2049},
	{0x2122, 0x2122}, {0x2139, 0x2139}, {0x2194, 0x21AA}, {0x231A, 0x23FF},
	{0x24C2, 0x24C2}, {0x25AA, 0x25FE}, {0x2600, 0x27BF}, {0x2934, 0x2935},
	{0x2B05, 0x2B55}, {0x3030, 0x3030}, {0x303D, 0x303D}, {0x3297, 0x3297},
	{0x3299, 0x3299}, {0x1F000, 0x1FAFF},
}

// emojiModifier may sit between an emoji and the joiner that follows it:
// the emoji presentation selector and the skin tones.
var emojiModifier = [][2]rune{{0xFE0F, 0xFE0F}, {0x1F3FB, 0x1F3FF}}

func inRanges(r rune, rs [][2]rune) bool {
	for _, x := range rs {
		if r >= x[0] && r <= x[1] {
			return true
		}
	}
	return false
}

// refused names a code point text may not hold; ok is false if allowed.
func refused(r rune) (what string, ok bool) {
	for _, x := range RefusedInText {
		if r >= x.Lo && r <= x.Hi {
			return x.What, true
		}
		if r < x.Lo {
			break
		}
	}
	return "", false
}

// EmojiJoinerOK reports whether the ZWJ at byte i of s joins two emoji:
// an emoji, then only presentation selectors or skin tones, before it, and
// an emoji right after it.
func EmojiJoinerOK(s string, i int) bool {
	next, _ := utf8.DecodeRuneInString(s[i+len(string(rune(ZeroWidthJoiner))):])
	if !inRanges(next, pictographic) {
		return false
	}
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		switch {
		case inRanges(r, pictographic):
			return true
		case inRanges(r, emojiModifier):
			j -= n
		default:
			return false
		}
	}
	return false
}

// TextProblem says why s may not be stored as event text, or "" if it may.
func TextProblem(s string) string {
	if n := utf8.RuneCountInString(s); n > MaxTextLen {
		return fmt.Sprintf("%d characters, longer than %d: shorten it", n, MaxTextLen)
	}
	for i, r := range s {
		if r == ZeroWidthJoiner {
			if !EmojiJoinerOK(s, i) {
				return "U+200D (zero-width joiner outside an emoji sequence) not allowed: remove it; it is allowed only between two emoji"
			}
			continue
		}
		if what, bad := refused(r); bad {
			return fmt.Sprintf("%U (%s) not allowed: send one line of printable text, without control or invisible characters", r, what)
		}
	}
	return ""
}

// IDProblem says why s may not be an id (of an event, a type, a district,
// a grid or a record inside data), or "" if it may: ids are printable
// ASCII without spaces, at most max bytes.
func IDProblem(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("longer than %d bytes", max)
	}
	for _, r := range s {
		if r > ' ' && r < 0x7f {
			continue
		}
		name := ""
		if what, bad := refused(r); bad {
			name = " (" + what + ")"
		} else if r == ' ' {
			name = " (space)"
		} else if r == utf8.RuneError {
			name = " (not UTF-8)"
		}
		return fmt.Sprintf("%U%s not allowed: ids are printable ASCII without spaces (U+0021 to U+007E)", r, name)
	}
	return ""
}

// TextPattern is TextProblem's character rule as a regular expression,
// written with literal characters so that Go's RE2 and ECMA-262 (with the
// u flag, as JSON Schema validators use it) read it alike: no refused code
// point, and a ZWJ only inside emoji(modifiers)‍emoji. events.schema.json
// holds it as $defs.Text.pattern; a test keeps the two equal.
func TextPattern() string {
	class := func(rs [][2]rune) string {
		var b []rune
		for _, x := range rs {
			b = append(b, x[0])
			if x[1] != x[0] {
				b = append(b, '-', x[1])
			}
		}
		return string(b)
	}
	var refusedRs [][2]rune
	for _, x := range RefusedInText {
		refusedRs = append(refusedRs, [2]rune{x.Lo, x.Hi})
	}
	refusedRs = append(refusedRs, [2]rune{ZeroWidthJoiner, ZeroWidthJoiner})
	p, m := "["+class(pictographic)+"]", "["+class(emojiModifier)+"]"
	return "^(?:[^" + class(refusedRs) + "]|" + p + m + "*(?:\u200d" + p + m + "*)+)*$"
}
