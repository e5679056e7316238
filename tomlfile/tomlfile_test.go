package tomlfile

import "testing"

func TestErrorAndLineOf(t *testing.T) {
	src := "a = 1\n[b]\nc = \"x\"\n"
	tests := []struct {
		err  Error
		want string
	}{
		{Error{"f.toml", LineOf(src, "c ="), "b.c", "bad"}, "f.toml:3: b.c: bad"},
		{Error{"f.toml", LineOf(src, "nowhere"), "d", "missing"}, "f.toml: d: missing"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestTableLine(t *testing.T) {
	src := "[[alerts]]\nid = \"a\"\nlevel = \"red\"\n\n[[alerts]] # second\nid = \"b\"\n[alerts.x]\nlevel = \"y\"\n[[alerts]]\nlevel = \"blue\"\n[alerting]\nescalate_minutes = 5\n"
	tests := []struct {
		n    int
		key  string
		want int
	}{
		{0, "level", 3},
		{1, "id", 6},
		{1, "level", 5}, // not in its own table (a sub-table follows): the rule's line
		{2, "level", 10},
		{2, "", 9},
		{3, "level", 0},
		{-1, "escalate_minutes", 12},
	}
	for _, tc := range tests {
		array := "alerts"
		if tc.n < 0 {
			array = "alerting"
		}
		if got := TableLine(src, array, tc.n, tc.key); got != tc.want {
			t.Errorf("TableLine(%s %d, %q) = %d, want %d", array, tc.n, tc.key, got, tc.want)
		}
	}
}
