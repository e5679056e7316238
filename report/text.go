package report

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// textDoc lays a bulletin out as plain text, tables aligned by display
// width so Chinese columns line up in a terminal.
type textDoc struct{ b strings.Builder }

func width(s string) int { return ansi.StringWidth(s) }

func (t *textDoc) title(name, kind, period string) {
	t.b.WriteString(name + "\n" + kind + "\n" + period + "\n")
	t.b.WriteString(strings.Repeat("=", max(width(name), width(kind))) + "\n")
}

func (t *textDoc) heading(s string) {
	t.b.WriteString("\n" + s + "\n" + strings.Repeat("-", width(s)) + "\n")
}

func (t *textDoc) subheading(s string) { t.b.WriteString("\n" + s + "\n") }

func (t *textDoc) para(s string) { t.b.WriteString(s + "\n") }

func (t *textDoc) items(lines []string) {
	for _, l := range lines {
		t.b.WriteString("  " + l + "\n")
	}
}

func (t *textDoc) table(head []string, rows [][]string, numeric []bool, _ []string) {
	widths := make([]int, len(head))
	for i, h := range head {
		widths[i] = width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], width(c))
		}
	}
	line := func(cells []string) {
		var parts []string
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-width(c))
			if i < len(numeric) && numeric[i] {
				parts = append(parts, pad+c)
			} else {
				parts = append(parts, c+pad)
			}
		}
		t.b.WriteString("  " + strings.TrimRight(strings.Join(parts, "  "), " ") + "\n")
	}
	line(head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}

func (t *textDoc) chart(string) {}
func (t *textDoc) pageBreak()   {}
func (t *textDoc) String() string {
	return t.b.String()
}

// mdDoc lays a bulletin out as Markdown.
type mdDoc struct{ b strings.Builder }

func mdEscape(s string) string {
	// The backslash too: text holding "\[" must not become an escaped
	// backslash followed by a live bracket (a link).
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "`", "\\`", "[", `\[`, "]", `\]`).Replace(s)
}

func (m *mdDoc) title(name, kind, period string) {
	m.b.WriteString("# " + mdEscape(name) + " " + mdEscape(kind) + "\n\n" + mdEscape(period) + "\n")
}
func (m *mdDoc) heading(s string)    { m.b.WriteString("\n## " + mdEscape(s) + "\n") }
func (m *mdDoc) subheading(s string) { m.b.WriteString("\n### " + mdEscape(s) + "\n") }
func (m *mdDoc) para(s string)       { m.b.WriteString("\n" + mdEscape(s) + "\n") }
func (m *mdDoc) items(lines []string) {
	if len(lines) > 0 {
		m.b.WriteString("\n")
	}
	for _, l := range lines {
		m.b.WriteString("- " + mdEscape(l) + "\n")
	}
}
func (m *mdDoc) table(head []string, rows [][]string, numeric []bool, _ []string) {
	esc := func(cells []string) string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = mdEscape(c)
		}
		return "| " + strings.Join(out, " | ") + " |\n"
	}
	m.b.WriteString("\n" + esc(head))
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
		if i < len(numeric) && numeric[i] {
			sep[i] = "---:"
		}
	}
	m.b.WriteString("|" + strings.Join(sep, "|") + "|\n")
	for _, r := range rows {
		m.b.WriteString(esc(r))
	}
}
func (m *mdDoc) chart(string)   {}
func (m *mdDoc) pageBreak()     {}
func (m *mdDoc) String() string { return m.b.String() }
