package tui

import "strings"

// Big figures for the wall: a 3x5 pixel font drawn three text rows high,
// each row holding two pixel rows. The cells are Braille patterns, which
// every terminal draws one column wide (block elements are East Asian
// ambiguous and would break the layout on a CJK terminal).

// bigRows is how many text rows a big figure takes.
const bigRows = 3

// bigFont maps a character to its pixel rows; '#' is lit.
var bigFont = map[rune][5]string{
	'0': {"###", "#.#", "#.#", "#.#", "###"},
	'1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"###", "..#", "###", "#..", "###"},
	'3': {"###", "..#", "###", "..#", "###"},
	'4': {"#.#", "#.#", "###", "..#", "..#"},
	'5': {"###", "#..", "###", "..#", "###"},
	'6': {"###", "#..", "###", "#.#", "###"},
	'7': {"###", "..#", "..#", "..#", "..#"},
	'8': {"###", "#.#", "###", "#.#", "###"},
	'9': {"###", "#.#", "###", "..#", "###"},
	',': {".", ".", ".", "#", "#"},
	'.': {".", ".", ".", ".", "#"},
	'/': {"..#", "..#", ".#.", "#..", "#.."},
	'%': {"#.#", "..#", ".#.", "#..", "#.#"},
	'-': {"...", "...", "###", "...", "..."},
	'+': {"...", ".#.", "###", ".#.", "..."},
	':': {".", "#", ".", "#", "."},
}

// halfCell is the Braille cell for an upper and a lower pixel.
func halfCell(top, bottom bool) string {
	switch {
	case top && bottom:
		return "⣿"
	case top:
		return "⠛"
	case bottom:
		return "⣤"
	}
	return " "
}

// bigWidth is the display width of s in big characters, or -1 when s
// has a character the font lacks.
func bigWidth(s string) int {
	w := 0
	for i, r := range s {
		g, ok := bigFont[r]
		if !ok {
			return -1
		}
		if i > 0 {
			w++ // one blank column between characters
		}
		w += len(g[0])
	}
	return w
}

// bigText draws s in big characters: bigRows lines of bigWidth(s)
// columns. Characters the font lacks are skipped; callers check bigWidth.
func bigText(s string) [bigRows]string {
	var rows [bigRows]strings.Builder
	first := true
	for _, r := range s {
		g, ok := bigFont[r]
		if !ok {
			continue
		}
		for y := 0; y < bigRows; y++ {
			if !first {
				rows[y].WriteByte(' ')
			}
			top := g[2*y]
			bottom := strings.Repeat(".", len(top))
			if 2*y+1 < len(g) {
				bottom = g[2*y+1]
			}
			for x := 0; x < len(top); x++ {
				rows[y].WriteString(halfCell(top[x] == '#', bottom[x] == '#'))
			}
		}
		first = false
	}
	var out [bigRows]string
	for y := range out {
		out[y] = rows[y].String()
	}
	return out
}
