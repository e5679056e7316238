package feed

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestRefusedCoversFormatCharacters: every control and every format
// character Unicode knows (category Cf) is refused in text, but the ZWJ,
// which has its own rule; and the table is sorted, as refused assumes.
func TestRefusedCoversFormatCharacters(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r == ZeroWidthJoiner {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029 {
			if _, bad := refused(r); !bad {
				t.Errorf("%U (%s) is allowed in text", r, categoryOf(r))
			}
		}
	}
	for i := 1; i < len(RefusedInText); i++ {
		if RefusedInText[i].Lo <= RefusedInText[i-1].Hi {
			t.Errorf("RefusedInText not sorted at %U", RefusedInText[i].Lo)
		}
	}
}

func categoryOf(r rune) string {
	for name, tbl := range unicode.Categories {
		if len(name) == 2 && unicode.Is(tbl, r) {
			return name
		}
	}
	return "?"
}

// TestTextPatternAgreesWithTextProblem: the regular expression published
// in the schema and the validator's loop accept exactly the same strings,
// tried on random strings built from the characters that matter (emoji,
// modifiers, joiners, controls, bidi, CJK, marks).
func TestTextPatternAgreesWithTextProblem(t *testing.T) {
	re := regexp.MustCompile(TextPattern())
	alphabet := []rune{'a', ' ', '中', '·', 0x301, '\t', 0x1b, 0x9b, 0x85, 0x202e, 0x2066, 0x200b, 0x200c, 0x200d, 0x200d, 0x200d,
		0xfeff, 0xad, 0x2028, 0xfe0f, 0x1f3fd, 0x1f468, 0x1f469, 0x2764, 0x2695, 0x1f1e8, 0xe0067, 0xe0101, 0x3164, 0x20e3}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(s string) {
		if byRule, byRE := TextProblem(s) == "", re.MatchString(s); byRule != byRE {
			t.Errorf("%+q: TextProblem accepts=%v (%s), pattern accepts=%v", s, byRule, TextProblem(s), byRE)
		}
	}
	for _, s := range []string{"", "👨\u200d👩\u200d👦", "👩🏽\u200d⚕️", "a\u200d👩", "👨\u200d", "\u200d👨", "👨\ufe0f\ufe0f\u200d👩", "x🏽\u200d👩", "👨\u200d\u200d👩"} {
		check(s)
	}
	for i := 0; i < 50000; i++ {
		var b strings.Builder
		for n := rng.IntN(8); n >= 0; n-- {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		check(b.String())
	}
}

func TestIDProblem(t *testing.T) {
	for _, tc := range []struct {
		id, want string
	}{
		{"zk23-000001", ""},
		{"A!~", ""},
		{"ev 1", "U+0020 (space) not allowed"},
		{"ev-\u009b2J", "U+009B (C1 control) not allowed"},
		{"é", "U+00E9 not allowed"},
		{"a\u202e", "U+202E (bidi embedding or override) not allowed"},
		{strings.Repeat("a", 129), "longer than 128 bytes"},
	} {
		got := IDProblem(tc.id, MaxIDLen)
		if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
			t.Errorf("IDProblem(%+q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}
