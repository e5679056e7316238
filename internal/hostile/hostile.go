// Package hostile is the corpus of hostile text in testdata/hostile and
// what tests need around it: events that carry it in every text, id and
// type field, and a checker for the raw bytes a board writes to its
// terminal. Tests of the validator, the renderer, `watch` and `ssh` share
// it, so they are all tried with the same attacks.
package hostile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sitboard/feed"
)

// Text is one entry of testdata/hostile/text.jsonl.
type Text struct {
	Name string `json:"name"`
	// Valid says whether the hub accepts it as a text field (a summary).
	Valid bool   `json:"valid"`
	What  string `json:"what"`
	Text  string `json:"text"`
}

// RawC1 are the 8-bit CSI, OSC, DCS and ST as raw bytes, not UTF-8: what a
// recording or a log written by something other than a hub may hold. JSON
// cannot carry them (a decoder makes each one U+FFFD), but a byte stream
// can, so the terminal tests write them straight into the log.
var RawC1 = []string{
	"\x9b2J\x9bH raw CSI today 9999 (FAKE)",
	"\x9d0;PWNED-RAW\x9c",
	"\x9d52;c;cm0gLXJmIH4=\x9c",
	"\x90+qPWNED\x9c",
}

// Dir is testdata/hostile in the source tree.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "hostile")
}

// Texts reads the corpus.
func Texts() ([]Text, error) {
	path := filepath.Join(Dir(), "text.jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Text
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var t Text
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		out = append(out, t)
	}
	return out, sc.Err()
}

// MustTexts is Texts for tests; it panics when the corpus cannot be read.
func MustTexts() []Text {
	ts, err := Texts()
	if err != nil {
		panic(err)
	}
	return ts
}

// Events carries every corpus text into the places a board shows data
// text: alarm summaries (the ticker), a mass incident (a flashing alert),
// case summaries and notable ids (closures), supervision findings (the
// 督察 and 战区 pages' overdue lines), unknown event types (the
// ticker prints the type), and district and grid ids that no config
// knows. Every event is one the hub refuses today; they reach a board
// only through a log written before the rule, or by a writer that
// bypasses the hub. Times run from start, a minute apart.
func Events(prefix, district, grid string, start time.Time) []feed.Event {
	return EventsFor(MustTexts(), prefix, district, grid, start)
}

// EventsFor is Events for some of the corpus.
func EventsFor(texts []Text, prefix, district, grid string, start time.Time) []feed.Event {
	var out []feed.Event
	at := start
	add := func(typ, dist, gr string, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			panic(err)
		}
		at = at.Add(time.Minute)
		out = append(out, feed.Event{ID: fmt.Sprintf("%s-%03d", prefix, len(out)+1), Type: typ, At: at, District: dist, Grid: gr, Data: b})
	}
	for i, t := range texts {
		s := t.Text
		add(feed.TypeCaseFiled, district, "", feed.CaseFiled{CaseID: fmt.Sprintf("%s-case-%d", prefix, i), Category: feed.CaseHomicide, Kind: feed.KindCriminal, Summary: s})
		add(feed.TypeCaseSolved, district, "", feed.CaseSolved{CaseID: fmt.Sprintf("%s-case-%d", prefix, i), Category: feed.CaseHomicide, Kind: feed.KindCriminal, Notable: s})
		add(feed.TypeCaseSolved, district, "", feed.CaseSolved{CaseID: fmt.Sprintf("%s-case2-%d", prefix, i), Category: feed.CaseTheft, Kind: feed.KindCriminal, Summary: s})
		add("x.unknown", s, s, map[string]string{"note": s})
		add(s, district, "", map[string]string{"note": s})
		// Overdue from the start, so the 督察 and 战区 pages name it.
		add(feed.TypeSupervisionFinding, district, "", feed.SupervisionFinding{FindingID: fmt.Sprintf("%s-finding-%d", prefix, i), Team: "team-01",
			Summary: s, Severity: feed.SeveritySevere, Deadline: start.Format(time.RFC3339)})
		// Last, so it heads the ticker and is the newest (flashing) alert.
		add(feed.TypeAlarmReceived, district, grid, feed.AlarmReceived{AlarmID: fmt.Sprintf("%s-mass-%d", prefix, i), Category: feed.AlarmMassIncident, Priority: 1, Summary: s})
	}
	return out
}

// Payloads are strings from the corpus's escape sequences. None may ever
// appear inside an escape sequence a board writes: that would mean data
// reached the terminal as a command (a title, the clipboard, a link).
var Payloads = []string{"PWNED", "cm0gLXJmIH4=", "evil.example", "999;999"}

// Scan walks a terminal byte stream as a terminal would (ECMA-48) and
// reports everything in it that a board's renderer did not mean to send:
//   - a byte that is not UTF-8, such as a raw 0x9B (8-bit CSI);
//   - a C1 control as a code point (U+0080–U+009F);
//   - a C0 control other than BS, TAB, LF, CR and BEL;
//   - an invisible format character (bidi controls, zero width, BOM, tags);
//   - an escape sequence that allow refuses, or one carrying a Payload.
//
// Each kind of problem is reported once, with how often it occurs and
// where first.
func Scan(out []byte, allow func(seq string) bool) []string {
	type seen struct {
		first, count int
	}
	kinds := map[string]*seen{}
	var order []string
	add := func(i int, format string, args ...any) {
		k := fmt.Sprintf(format, args...)
		if s, ok := kinds[k]; ok {
			s.count++
			return
		}
		kinds[k] = &seen{i, 1}
		order = append(order, k)
	}
	for i := 0; i < len(out); {
		b := out[i]
		if b == 0x1b {
			n := SequenceLen(out[i:])
			seq := string(out[i : i+n])
			if !allow(seq) {
				add(i, "escape sequence %q not sent by the renderer", seq)
			}
			for _, p := range Payloads {
				if strings.Contains(seq, p) {
					add(i, "escape sequence %q carries data %q", seq, p)
				}
			}
			i += n
			continue
		}
		r, n := utf8.DecodeRune(out[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			add(i, "byte %#02x is not UTF-8 (a raw C1 control when 0x80-0x9F)", b)
		case r >= 0x80 && r < 0xa0:
			add(i, "C1 control %U", r)
		case r < 0x20 && r != '\b' && r != '\t' && r != '\n' && r != '\r' && r != 0x07, r == 0x7f:
			add(i, "C0 control %U", r)
		case unicode.Is(unicode.Cf, r), r == 0x2028, r == 0x2029:
			add(i, "invisible format character %U", r)
		}
		i += max(n, 1)
	}
	problems := make([]string, 0, len(order))
	for _, k := range order {
		s := kinds[k]
		lo, hi := max(s.first-30, 0), min(s.first+30, len(out))
		problems = append(problems, fmt.Sprintf("%s: %d times, first at byte %d (near %q)", k, s.count, s.first, out[lo:hi]))
	}
	return problems
}

// SequenceLen is the length of the escape sequence at the start of b
// (b[0] is ESC), as a terminal parses it: CSI up to its final byte, OSC up
// to BEL or ST, DCS, SOS, PM and APC up to ST, other escapes up to their
// final byte. An unterminated sequence runs to the end of b.
func SequenceLen(b []byte) int {
	if len(b) < 2 {
		return len(b)
	}
	switch b[1] {
	case '[':
		for i := 2; i < len(b); i++ {
			if b[i] >= 0x40 && b[i] <= 0x7e {
				return i + 1
			}
			if b[i] < 0x20 || b[i] > 0x7e {
				return i // broken off: the terminal aborts the sequence here
			}
		}
		return len(b)
	case ']', 'P', 'X', '^', '_':
		for i := 2; i < len(b); i++ {
			if b[i] == 0x07 && b[1] == ']' {
				return i + 1
			}
			if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '\\' {
				return i + 2
			}
		}
		return len(b)
	}
	for i := 1; i < len(b); i++ {
		if b[i] >= 0x30 && b[i] <= 0x7e {
			return i + 1
		}
		if b[i] < 0x20 || b[i] > 0x7e {
			return i
		}
	}
	return len(b)
}

// OnlySGR allows styling and nothing else: what a rendered frame (before
// the terminal renderer adds cursor movement) may hold.
func OnlySGR(seq string) bool {
	return len(seq) >= 3 && seq[1] == '[' && seq[len(seq)-1] == 'm' && strings.Trim(seq[2:len(seq)-1], "0123456789;:") == ""
}

// themeColour is OSC 10, 11 and 12 (foreground, background and cursor
// colour): a query, a theme's colour, or a reset (110 to 112).
var themeColour = regexp.MustCompile(`^(1[0-2];(\?|#[0-9a-fA-F]{6}|rgb:[0-9a-fA-F]{2,4}/[0-9a-fA-F]{2,4}/[0-9a-fA-F]{2,4})|11[0-2])$`)

// RendererSequence allows the escape sequences a Bubble Tea board writes
// itself: CSI cursor movement, erasing, scrolling, styling, modes and
// terminal queries; OSC only for a window title from titles, and colour
// queries and theme colours; XTGETTCAP queries; and the few plain escapes
// (save and restore the cursor, keypad modes, index, reverse index, ASCII
// charset). Nothing else, however harmless it may look, because nothing
// else comes from the renderer.
func RendererSequence(titles ...string) func(string) bool {
	return func(seq string) bool {
		if len(seq) < 2 {
			return false
		}
		switch seq[1] {
		case '[':
			body := seq[2 : len(seq)-1]
			final := seq[len(seq)-1]
			switch strings.TrimLeft(body, "0123456789;:?<=>") {
			case "": // no intermediate
				return strings.IndexByte("mHABCDEFGdKJXZ@PLMSTrhlbIcnqtuW", final) >= 0
			case "$": // DECRQM, the mode queries
				return final == 'p'
			case " ": // DECSCUSR, the cursor shape
				return final == 'q'
			}
			return false
		case ']':
			payload := strings.TrimSuffix(strings.TrimSuffix(seq[2:], "\x07"), "\x1b\\")
			for _, t := range titles {
				if payload == "0;"+t || payload == "2;"+t {
					return true
				}
			}
			return themeColour.MatchString(payload)
		case 'P':
			payload := strings.TrimSuffix(seq[2:], "\x1b\\")
			hex := strings.TrimPrefix(payload, "+q")
			return hex != payload && strings.Trim(hex, "0123456789abcdefABCDEF;") == ""
		}
		switch seq[1:] {
		case "7", "8", "=", ">", "M", "D", "(B":
			return true
		}
		return false
	}
}
