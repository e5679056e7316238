package tui

import (
	"fmt"
	"strings"
)

// The help screen, drawn over the board between header and status bar.

// renderHelp lists every key.
func renderHelp(c *Context, w, h int) []string {
	st := c.St
	out := []string{st.Title.R(Fit(" "+c.T("help.title"), w)), ""}
	for _, b := range c.Keys.FullHelp() {
		hp := b.Help()
		keys := hp.Key
		if hp.Desc == "key.jump" {
			// As many digits as the rotator has pages.
			keys = fmt.Sprintf("1-%d", max(len(c.Rot.pages), 1))
		}
		out = append(out, "   "+st.Accent.R(Fit(keys, 10))+"  "+c.T(hp.Desc))
	}
	out = append(out, "", "   "+st.Dim.R(c.T("help.close")))
	return strings.Split(Block(out, w, h), "\n")
}
