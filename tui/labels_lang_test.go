package tui

import "testing"

// TestDefaultLang: one rule for every board (watch, demo, each SSH
// session) and bulletin: the locale when it names Chinese or English,
// else the campaign's lang, else zh.
func TestDefaultLang(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		campaign string
		want     string
	}{
		{"nothing set", nil, "", "zh"},
		{"C locale", map[string]string{"LANG": "C.UTF-8"}, "", "zh"},
		{"POSIX", map[string]string{"LC_ALL": "POSIX"}, "", "zh"},
		{"English", map[string]string{"LANG": "en_US.UTF-8"}, "", "en"},
		{"Chinese", map[string]string{"LANG": "zh_CN.UTF-8"}, "en", "zh"},
		{"LC_ALL first", map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "", "zh"},
		{"LC_MESSAGES before LANG", map[string]string{"LC_MESSAGES": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "", "en"},
		{"LC_ALL=C says no language", map[string]string{"LC_ALL": "C", "LANG": "en_US.UTF-8"}, "", "zh"},
		{"campaign default", nil, "en", "en"},
		{"another language: the campaign's", map[string]string{"LANG": "fr_FR.UTF-8"}, "en", "en"},
		{"another language, no campaign default", map[string]string{"LANG": "fr_FR.UTF-8"}, "", "zh"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DefaultLang(func(k string) string { return tc.env[k] }, tc.campaign)
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
