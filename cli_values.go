package main

// Flag values the commands share: durations that take days, sizes that
// take units, and lists. Each prints the way it is written (400d, 16G), so
// the help shows defaults an operator would type.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// durationValue is a time.Duration that also takes whole days: 30d, 1d12h,
// 400d, besides Go's 12h, 90s, 250ms.
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string      { return formatDuration(time.Duration(*d)) }
func (d *durationValue) Placeholder() string { return "DURATION" }

// parseDuration reads a duration with an optional leading count of days.
func parseDuration(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	neg := strings.HasPrefix(text, "-")
	text = strings.TrimPrefix(text, "-")
	var days int64
	if i := strings.IndexByte(text, 'd'); i > 0 {
		n, err := strconv.ParseInt(text[:i], 10, 64)
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("%q is not a duration: write whole days then hours, minutes or seconds, such as 30d, 1d12h, 12h or 90s", s)
		}
		days, text = n, text[i+1:]
	}
	var rest time.Duration
	if text != "" {
		v, err := time.ParseDuration(text)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%q is not a duration: write whole days then hours, minutes or seconds, such as 30d, 1d12h, 12h or 90s", s)
		}
		rest = v
	} else if days == 0 {
		return 0, fmt.Errorf("%q is not a duration: write whole days then hours, minutes or seconds, such as 30d, 1d12h, 12h or 90s", s)
	}
	d := time.Duration(days)*day + rest
	if neg {
		d = -d
	}
	return d, nil
}

// formatDuration writes d in days, hours, minutes and seconds, leaving out
// the units that are zero: 400d, 1d12h, 10s, 250ms.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < 0:
		return "-" + formatDuration(-d)
	}
	var b strings.Builder
	if days := d / day; days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * day
	}
	if d == 0 {
		return b.String()
	}
	if d%time.Second != 0 {
		return b.String() + d.String() // 250ms, 1.5s: Go's own form
	}
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}

// Duration defines a duration flag that takes days (30d) and shows its
// default the same way; it shadows flag.FlagSet's, whose help would say
// 9600h0m0s for 400 days and whose parser refuses 30d.
func (fs *flagSet) Duration(name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = value
	fs.Var((*durationValue)(p), name, usage)
	return p
}

// sizeValue is a size in bytes written with a binary unit, as nats-server
// and Prometheus take them: 512M, 1G, 1.5G, 16GiB, 64KB, or plain bytes.
type sizeValue int64

var sizeUnits = []struct {
	names []string
	bytes int64
}{
	{[]string{"T", "TB", "TiB"}, 1 << 40},
	{[]string{"G", "GB", "GiB"}, 1 << 30},
	{[]string{"M", "MB", "MiB"}, 1 << 20},
	{[]string{"K", "KB", "KiB"}, 1 << 10},
	{[]string{"B", ""}, 1},
}

func (s *sizeValue) Set(text string) error {
	v, err := parseSize(text)
	if err != nil {
		return err
	}
	*s = sizeValue(v)
	return nil
}

func (s *sizeValue) String() string      { return formatSize(int64(*s)) }
func (s *sizeValue) Placeholder() string { return "SIZE" }

// parseSize reads a size: a number and a binary unit (K, M, G, T; KB, KiB
// and so on are the same), or bytes.
func parseSize(text string) (int64, error) {
	t := strings.TrimSpace(text)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	bad := fmt.Errorf("%q is not a size: write a number and a unit, such as 512M, 1G, 1.5G or 16GiB (K, M, G and T are powers of 1024)", text)
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return 0, bad
	}
	for _, u := range sizeUnits {
		for _, name := range u.names {
			if strings.EqualFold(unit, name) {
				v := n * float64(u.bytes)
				if v > 1<<62 {
					return 0, bad
				}
				return int64(v), nil
			}
		}
	}
	return 0, bad
}

// formatSize writes n in the largest unit that holds it exactly: 16G,
// 512M, 1000 (bytes).
func formatSize(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range sizeUnits[:len(sizeUnits)-1] {
		if n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.names[0]
		}
	}
	return strconv.FormatInt(n, 10)
}

// Size defines a size flag (512M, 1G) that shows its default the same way.
func (fs *flagSet) Size(name string, value int64, usage string) *int64 {
	p := new(int64)
	*p = value
	fs.Var((*sizeValue)(p), name, usage)
	return p
}

// listFlag is a flag that may be given several times, each value possibly
// a comma-separated list: --allow-origin A --allow-origin B,C.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
