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
