package hostile

import (
	"strings"
	"testing"
)

// TestScan: the terminal checker finds each kind of problem and lets the
// renderer's own output through, so a pass of the terminal tests means
// something.
func TestScan(t *testing.T) {
	allow := RendererSequence("sitboard 夏季行动")
	for _, tc := range []struct {
		name, out, want string // want: a substring of the one problem, or "" for none
	}{
		{"renderer output", "\x1b[?1049h\x1b[H\x1b[2J\x1b[38;5;231;1m报警\x1b[m\x1b[12;5H\x1b]2;sitboard 夏季行动\x07\x1b[?2026$p\x1b]11;#0c1016\x07\x1b[2 q\r\n", ""},
		{"raw 8-bit CSI", "ok \x9b2J", "byte 0x9b is not UTF-8"},
		{"C1 as a code point", "ok \u009d0;x\u009c", "C1 control U+009D"},
		{"bidi override", "invoice\u202egpj.exe", "invisible format character U+202E"},
		{"zero-width joiner", "👨\u200d👩", "invisible format character U+200D"},
		{"shift out", "a\x0eb", "C0 control U+000E"},
		{"OSC 52", "\x1b]52;c;cm0gLXJmIH4=\x07", "not sent by the renderer"},
		{"OSC 8", "\x1b]8;;http://x/\x1b\\", "not sent by the renderer"},
		{"another title", "\x1b]2;PWNED\x07", "not sent by the renderer"},
		{"DCS", "\x1bP$qm\x1b\\", "not sent by the renderer"},
		{"unknown CSI", "\x1b[5i", "not sent by the renderer"},
		{"CSI with an odd intermediate", "\x1b[1!p", "not sent by the renderer"},
		{"data inside an allowed sequence", "\x1b[999;999H", "carries data"},
	} {
		got := Scan([]byte(tc.out), allow)
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: %v", tc.name, got)
		case tc.want != "" && (len(got) == 0 || !strings.Contains(got[0], tc.want)):
			t.Errorf("%s: got %v, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSequenceLen(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"\x1b[38;5;1mX", 9},
		{"\x1b]2;t\x07X", 6},
		{"\x1b]2;t\x1b\\X", 7},
		{"\x1bP+q544e\x1b\\X", 10},
		{"\x1b7X", 2},
		{"\x1b(BX", 3},
		{"\x1b[12", 4},      // unterminated: to the end
		{"\x1b[1\x1b[m", 3}, // a new ESC aborts the CSI
	} {
		if got := SequenceLen([]byte(tc.in)); got != tc.want {
			t.Errorf("SequenceLen(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
