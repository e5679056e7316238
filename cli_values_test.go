package main

import (
	"testing"
	"time"
)

func TestDurationValue(t *testing.T) {
	tests := []struct {
		in    string
		want  time.Duration
		shown string
	}{
		{"30d", 30 * day, "30d"},
		{"400d", 400 * day, "400d"},
		{"12h", 12 * time.Hour, "12h"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"36h", 36 * time.Hour, "1d12h"},
		{"90s", 90 * time.Second, "1m30s"},
		{"250ms", 250 * time.Millisecond, "250ms"},
		{"0", 0, "0s"},
		{"-1s", -time.Second, "-1s"},
		{"2d30m", 2*day + 30*time.Minute, "2d30m"},
	}
	for _, tc := range tests {
		var d durationValue
		if err := d.Set(tc.in); err != nil || time.Duration(d) != tc.want || d.String() != tc.shown {
			t.Errorf("Set(%q): %v, %v shown %q; want %v shown %q", tc.in, err, time.Duration(d), d.String(), tc.want, tc.shown)
		}
		var again durationValue // what is shown reads back the same
		if err := again.Set(d.String()); err != nil || again != d {
			t.Errorf("%q does not read back: %v, %v", d.String(), err, time.Duration(again))
		}
	}
	for _, bad := range []string{"", "d", "30x", "1.5d", "xd", "1d-2h", "30 days"} {
		var d durationValue
		if err := d.Set(bad); err == nil {
			t.Errorf("Set(%q) = %v, want an error", bad, time.Duration(d))
		}
	}
}

func TestSizeValue(t *testing.T) {
	tests := []struct {
		in    string
		want  int64
		shown string
	}{
		{"1G", 1 << 30, "1G"},
		{"512M", 512 << 20, "512M"},
		{"16GiB", 16 << 30, "16G"},
		{"64KB", 64 << 10, "64K"},
		{"1.5G", 1536 << 20, "1536M"},
		{"2t", 2 << 40, "2T"},
		{"1000", 1000, "1000"},
		{"1000B", 1000, "1000"},
		{"0", 0, "0"},
		{"1024", 1024, "1K"},
	}
	for _, tc := range tests {
		var s sizeValue
		if err := s.Set(tc.in); err != nil || int64(s) != tc.want || s.String() != tc.shown {
			t.Errorf("Set(%q): %v, %d shown %q; want %d shown %q", tc.in, err, s, s.String(), tc.want, tc.shown)
		}
	}
	for _, bad := range []string{"", "G", "1Q", "-1G", "1e9", "99999999T"} {
		var s sizeValue
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q) = %d, want an error", bad, s)
		}
	}
}
