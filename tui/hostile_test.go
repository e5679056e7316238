package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/clipperhouse/uax29/v2/graphemes"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/internal/hostile"
	"sitboard/layouts"
)

// unsafeRune is what must never reach a terminal from data: controls
// (C0, DEL, C1) and invisible format characters (bidi, zero width, BOM,
// tags). Written independently of Sanitize, from the Unicode categories.
func unsafeRune(r rune) bool {
	return r < 0x20 || r >= 0x7f && r < 0xa0 || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

// TestSanitizeHostileCorpus: every string of testdata/hostile comes out
// without controls or invisible characters, at the same width under
// grapheme and wcwidth rules (so Bubble Tea's cell buffer and Fit agree),
// and idempotent; what is legitimate (CJK, emoji members, marks) stays.
func TestSanitizeHostileCorpus(t *testing.T) {
	texts := hostile.MustTexts()
	if len(texts) < 30 {
		t.Fatalf("corpus has %d entries", len(texts))
	}
	inputs := map[string]string{}
	for _, h := range texts {
		inputs[h.Name] = h.Text
	}
	for i, raw := range hostile.RawC1 {
		inputs[fmt.Sprintf("raw-c1-%d", i)] = raw
	}
	for name, in := range inputs {
		got := Sanitize(in)
		for _, r := range got {
			if unsafeRune(r) {
				t.Errorf("%s: Sanitize left %U in %q", name, r, got)
			}
		}
		if !utf8.ValidString(got) {
			t.Errorf("%s: Sanitize returned invalid UTF-8 %q", name, got)
		}
		if g, wc := ansi.StringWidth(got), ansi.StringWidthWc(got); g != wc {
			t.Errorf("%s: %q is %d columns by grapheme, %d by wcwidth", name, got, g, wc)
		}
		if again := Sanitize(got); again != got {
			t.Errorf("%s: Sanitize is not idempotent: %q then %q", name, got, again)
		}
	}
	keeps := map[string][]string{
		"plain-zh":        {"报警称某小区电动车被盗，价值约3000元"},
		"ambiguous-width": {"\"4・20\"案(1)-调解完毕" + Ellipsis},
		"zwj-family":      {"家庭", "👨", "👩", "👦", "成员走失后找到"},
		"zwj-profession":  {"👩", "⚕", "医护人员到场"},
		"flag":            {"CN国旗"},
		"combining":       {"Cafe\u0301", "e\u0301\u0302"},
		"c1-csi":          {"2JH today 9999 (FAKE)"},
		"bidi-override":   {"invoicegpj.exe"},
		"newline":         {"第一行 第二行  第三行"},
	}
	for name, wants := range keeps {
		got := Sanitize(inputs[name])
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s: Sanitize(%q) = %q, lost %q", name, inputs[name], got, w)
			}
		}
	}
}

// TestTruncKeepsGraphemeClusters: a cut at any width keeps whole grapheme
// clusters (a base letter with its marks, an emoji with its members), never
// exceeds the width, and never drops what fits.
func TestTruncKeepsGraphemeClusters(t *testing.T) {
	for _, h := range hostile.MustTexts() {
		s := Sanitize(h.Text)
		if len(s) > 2000 {
			s = s[:strings.LastIndexByte(s[:2000], 'x')+1] // the cut is the same at any length; keep the test fast
		}
		var clusters []string
		for g := graphemes.FromString(s); g.Next(); {
			clusters = append(clusters, g.Value())
		}
		full := Width(s)
		for w := 1; w <= full+1 && w < 120; w++ {
			got := Trunc(s, w)
			if gw := Width(got); gw > w {
				t.Errorf("%s: Trunc(%d) is %d wide: %q", h.Name, w, gw, got)
			}
			body := strings.TrimSuffix(got, Ellipsis)
			if full <= w && got != s {
				t.Errorf("%s: Trunc(%d) changed text that fits: %q", h.Name, w, got)
			}
			// The kept part is a whole number of the original's clusters.
			n, whole := clusterPrefix(clusters, body)
			if !whole {
				t.Errorf("%s: Trunc(%d) = %q cuts a grapheme cluster", h.Name, w, got)
			}
			if cut := truncNoTail(s, w); Width(cut) > w {
				t.Errorf("%s: truncNoTail(%d) = %q is %d wide", h.Name, w, cut, Width(cut))
			} else if _, whole := clusterPrefix(clusters, cut); !whole {
				t.Errorf("%s: truncNoTail(%d) = %q cuts a grapheme cluster", h.Name, w, cut)
			}
			// And it is as long as fits: one more cluster would not.
			if got != s && n < len(clusters) && Width(body)+Width(clusters[n])+Width(Ellipsis) <= w {
				t.Errorf("%s: Trunc(%d) = %q stops early", h.Name, w, got)
			}
		}
	}
}

// plainSummary is an ordinary alarm's, folded after the corpus.
const plainSummary = "正常警情摘要"

// clusterPrefix reports how many of clusters make up s, and whether s is
// exactly those: a cut that kept whole grapheme clusters.
func clusterPrefix(clusters []string, s string) (int, bool) {
	n := 0
	for s != "" && n < len(clusters) && strings.HasPrefix(s, clusters[n]) {
		s = s[len(clusters[n]):]
		n++
	}
	return n, s == ""
}

// hostileState is the fixture plus every corpus text in every place the
// board shows data text: ticker summaries and unknown types, flashing
// alerts, closures, notable ids, district and grid ids no config knows.
func hostileState(withCorpus bool) (*campaign.Config, *campaign.State) {
	cfg, s := buildFixture()
	seq := s.Seq
	start := fixedNow.Add(-2 * time.Hour)
	var evs []feed.Event
	if withCorpus {
		evs = hostile.Events("hostile", "xihua", "xihua-01", start)
	}
	// Newest, so it heads the ticker: hostile neighbours must not push it out.
	evs = append(evs, feed.Event{ID: "plain-last", Type: feed.TypeAlarmReceived, At: start.Add(time.Hour), District: "xihua", Grid: "xihua-01",
		Data: json.RawMessage(`{"alarm_id":"plain-last","category":"criminal","priority":2,"summary":"` + plainSummary + `"}`)})
	for _, ev := range evs {
		seq++
		ev.Seq = seq
		campaign.Apply(cfg, s, ev)
	}
	return cfg, s
}

// checkTerminalSafe asserts the frame holds nothing a terminal would act
// on but the renderer's own styling: no control but the line breaks, no
// invisible character, and no escape sequence but SGR.
func checkTerminalSafe(t *testing.T, name, frame string) {
	t.Helper()
	for _, p := range hostile.Scan([]byte(frame), hostile.OnlySGR) {
		t.Errorf("%s: %s", name, p)
	}
}

// TestBoardDrawsHostileTextSafely renders every layout, page and size with
// the corpus in the state, flash on and off: no frame carries a control,
// an invisible character or a foreign escape sequence, and every line is
// still exactly the terminal's width under both width rules.
func TestBoardDrawsHostileTextSafely(t *testing.T) {
	cfg, s := hostileState(true)
	_, plain := hostileState(false)
	if len(s.Alerts) == 0 || len(s.Closures) == 0 || len(s.Ticker) == 0 {
		t.Fatalf("hostile state lacks alerts (%d), closures (%d) or ticker (%d)", len(s.Alerts), len(s.Closures), len(s.Ticker))
	}
	sizes := [][2]int{{80, 24}, {120, 40}, {200, 60}}
	for _, layout := range layouts.Names() {
		for _, lang := range Langs {
			for _, sz := range sizes {
				opts := Options{Lang: lang, Layout: layout, District: "xihua", Now: func() time.Time { return fixedNow }, Coalesce: -1}
				m, base := New(cfg, opts), New(cfg, opts)
				m = send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				base = send(base, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				m = send(m, StateMsg{State: s})
				base = send(base, StateMsg{State: plain})
				m = send(m, ConnMsg{Status: ConnReconnecting, Err: hostileText(t, "c1-osc-title"), NextRetry: fixedNow.Add(time.Second), LastData: fixedNow})
				for page := 0; page < 3; page++ {
					for _, flash := range []bool{true, false} {
						m.ctx.Flash = flash
						name := fmt.Sprintf("%s/%s/%dx%d/page%d/flash=%v", layout, lang, sz[0], sz[1], page, flash)
						out := m.Render()
						checkTerminalSafe(t, name, out)
						checkWidths(t, name, out, sz[0], sz[1])
						// Hostile neighbours take nothing from an ordinary alarm.
						if strings.Contains(base.Render(), plainSummary) && !strings.Contains(ansi.Strip(out), plainSummary) {
							t.Errorf("%s: the newest alarm's summary %q is pushed off the board:\n%s", name, plainSummary, ansi.Strip(out))
						}
					}
					m, base = press(m, "right"), press(base, "right")
				}
			}
		}
	}
}

func hostileText(t *testing.T, name string) string {
	for _, h := range hostile.MustTexts() {
		if h.Name == name {
			return h.Text
		}
	}
	t.Fatalf("no %s in the corpus", name)
	return ""
}

// BenchmarkSanitize: the cost per data string the board cleans, for
// ASCII, a typical Chinese summary, one with an emoji sequence and one
// with controls.
func BenchmarkSanitize(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"ascii", "G106 x S213 two cars, no injuries"},
		{"zh", "报警人称其电动车在小区楼下被盗，车牌号豫P·12345，价值约3000元"},
		{"zh_emoji", "家庭👨\u200d👩\u200d👦成员走失后找到，民警已送回"},
		{"c1", "\u009b2J\u009bH today 9999 (FAKE) 报警人称"},
	} {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = Sanitize(in.s)
			}
		})
	}
}

// FuzzSanitize: whatever the input, the output holds nothing unsafe,
// measures the same under grapheme and wcwidth rules, and is stable.
// Seeds are the corpus; go test -fuzz FuzzSanitize ./tui explores.
func FuzzSanitize(f *testing.F) {
	for _, h := range hostile.MustTexts() {
		f.Add(h.Text)
	}
	for _, raw := range hostile.RawC1 {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Sanitize(in)
		for _, r := range got {
			if unsafeRune(r) {
				t.Fatalf("Sanitize(%+q) left %U", in, r)
			}
		}
		if g, wc := ansi.StringWidth(got), ansi.StringWidthWc(got); g != wc {
			t.Fatalf("Sanitize(%+q) = %+q: %d columns by grapheme, %d by wcwidth", in, got, g, wc)
		}
		if again := Sanitize(got); again != got {
			t.Fatalf("Sanitize(%+q) = %+q, then %+q", in, got, again)
		}
	})
}
