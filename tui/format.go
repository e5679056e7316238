package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"sitboard/campaign"
)

// fmtInt writes a count with thousands separators.
func fmtInt(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) > 3 {
		var b strings.Builder
		pre := len(s) % 3
		if pre > 0 {
			b.WriteString(s[:pre])
		}
		for i := pre; i < len(s); i += 3 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s[i : i+3])
		}
		s = b.String()
	}
	if neg {
		return "-" + s
	}
	return s
}

// fmtMoney shows yuan the way each language reads large sums: 万/亿 in
// Chinese, K/M/B in English.
func fmtMoney(lang string, v int64) string {
	f := float64(v)
	if lang == "zh" {
		switch {
		case v >= 100_000_000:
			return "¥" + trimFloat(f/1e8, 2) + "亿"
		case v >= 10_000:
			return "¥" + trimFloat(f/1e4, 1) + "万"
		}
		return "¥" + fmtInt(v)
	}
	switch {
	case v >= 1e9:
		return "¥" + trimFloat(f/1e9, 2) + "B"
	case v >= 1e6:
		return "¥" + trimFloat(f/1e6, 1) + "M"
	case v >= 1e4:
		return "¥" + trimFloat(f/1e3, 0) + "K"
	}
	return "¥" + fmtInt(v)
}

func trimFloat(f float64, dec int) string {
	s := strconv.FormatFloat(f, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fmtPct shows a figure as a percentage with two decimals, or n/a.
func fmtPct(f campaign.Figure) string {
	if !f.OK {
		return "n/a"
	}
	return strconv.FormatFloat(f.Value, 'f', 2, 64) + "%"
}

// fmtAge is a short duration for countdowns and data age.
func fmtAge(lang string, d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	switch {
	case s < 60:
		return fmt.Sprintf(T(lang, "age.s"), s)
	case s < 3600:
		return fmt.Sprintf(T(lang, "age.m"), s/60, s%60)
	case s < 86400:
		return fmt.Sprintf(T(lang, "age.h"), s/3600, (s%3600)/60)
	}
	return fmt.Sprintf(T(lang, "age.d"), s/86400, (s%86400)/3600)
}

// Glyphs for bars, sparklines and the heat view. Braille patterns are one
// column wide under every width rule, unlike the block elements.
const (
	barFull  = "⣿"
	barEmpty = "⣀"
)

var sparkLevels = []string{" ", "⣀", "⣤", "⣶", "⣿"}

// bar draws frac (0..1) of w cells.
func bar(st *Styles, frac float64, w int) string {
	if w <= 0 {
		return ""
	}
	if math.IsNaN(frac) || frac < 0 {
		frac = 0
	}
	n := int(math.Round(min(frac, 1) * float64(w)))
	if frac > 0 && n == 0 {
		n = 1
	}
	return st.Bar.R(strings.Repeat(barFull, n)) + st.BarTrack.R(strings.Repeat(barEmpty, w-n))
}

// spark draws the last w values as a sparkline scaled to their maximum.
func spark(st *Styles, vals []int64, w int) string {
	if w <= 0 {
		return ""
	}
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	var top int64
	for _, v := range vals {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range vals {
		lvl := 0
		if v > 0 && top > 0 {
			lvl = 1 + int(float64(v)/float64(top)*3.999)
		}
		b.WriteString(sparkLevels[min(lvl, 4)])
	}
	out := st.Bar.R(b.String())
	if len(vals) < w {
		out += strings.Repeat(" ", w-len(vals))
	}
	return out
}

// fmtCompact is a count in the short form a narrow tile needs: 万 and 亿
// in Chinese, k, M and B in English, from 100,000 up (below that the
// short form saves nothing); smaller counts are as fmtInt writes them.
func fmtCompact(lang string, v int64) string {
	f := float64(v)
	if lang == "zh" {
		switch {
		case v >= 100_000_000:
			return trimFloat(f/1e8, 2) + "亿"
		case v >= 100_000:
			return trimFloat(f/1e4, 2) + "万"
		}
		return fmtInt(v)
	}
	switch {
	case v >= 1_000_000_000:
		return trimFloat(f/1e9, 2) + "B"
	case v >= 1_000_000:
		return trimFloat(f/1e6, 2) + "M"
	case v >= 100_000:
		return trimFloat(f/1e3, 1) + "k"
	}
	return fmtInt(v)
}
