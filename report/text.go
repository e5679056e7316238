package report

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// textDoc lays a bulletin out as plain text, tables aligned by display
// width so Chinese columns line up in a terminal.
type textDoc struct{ b strings.Builder }

func width(s string) int { return ansi.StringWidth(s) }

// textWidth is the width the text bulletin's masthead is centred in.
const textWidth = 64

func center(s string) string {
	return strings.Repeat(" ", max(0, (textWidth-width(s))/2)) + s
}

// spread sets a on the left and b on the right of one line.
func spread(a, b string) string {
	return a + strings.Repeat(" ", max(2, textWidth-width(a)-width(b))) + b
}

func (t *textDoc) header(h docHeader) {
	if h.Marking != "" {
		t.b.WriteString(h.Marking + "\n\n")
	}
	t.b.WriteString(center(h.Masthead) + "\n")
	if h.Number != "" {
		t.b.WriteString(center(h.Number) + "\n")
	}
	t.b.WriteString("\n" + spread(h.Issuer, h.Issued) + "\n")
	t.b.WriteString(strings.Repeat("=", textWidth) + "\n")
	t.b.WriteString(h.Title + "\n" + h.Period + "\n")
	if h.Status != "" {
		t.b.WriteString(h.Status + "\n")
	}
}

func (t *textDoc) footer(f docFooter) {
	t.b.WriteString("\n" + strings.Repeat("-", textWidth) + "\n")
	if f.ReportTo != "" {
		t.b.WriteString(f.ReportTo + "\n")
	}
	if f.CopyTo != "" {
		t.b.WriteString(f.CopyTo + "\n")
	}
	t.b.WriteString(spread(f.Issuer, f.Issued) + "\n")
}

func (t *textDoc) appendix(s string) {
	t.b.WriteString("\n\n" + s + "\n" + strings.Repeat("=", width(s)) + "\n")
}

func (t *textDoc) note(s string) { t.b.WriteString(s + "\n") }
func (t *textDoc) group(string)  {}
func (t *textDoc) block(bool)    {}

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

func (m *mdDoc) header(h docHeader) {
	if h.Marking != "" {
		m.b.WriteString(mdEscape(h.Marking) + "\n\n")
	}
	m.b.WriteString("# " + mdEscape(h.Masthead) + "\n\n")
	if h.Number != "" {
		m.b.WriteString(mdEscape(h.Number) + "\n\n")
	}
	m.b.WriteString(mdEscape(h.Issuer) + "　" + mdEscape(h.Issued) + "\n\n---\n\n")
	m.b.WriteString("**" + mdEscape(h.Title) + "**\n\n" + mdEscape(h.Period) + "\n")
	if h.Status != "" {
		m.b.WriteString("\n" + mdEscape(h.Status) + "\n")
	}
}

func (m *mdDoc) footer(f docFooter) {
	m.b.WriteString("\n---\n\n")
	for _, l := range []string{f.ReportTo, f.CopyTo} {
		if l != "" {
			m.b.WriteString(mdEscape(l) + "  \n")
		}
	}
	m.b.WriteString(mdEscape(f.Issuer) + "　" + mdEscape(f.Issued) + "\n")
}

func (m *mdDoc) appendix(s string) { m.b.WriteString("\n## " + mdEscape(s) + "\n") }
func (m *mdDoc) note(s string)     { m.b.WriteString("\n" + mdEscape(s) + "\n") }
func (m *mdDoc) group(string)      {}
func (m *mdDoc) block(bool)        {}

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
func (m *mdDoc) String() string { return m.b.String() }
