package layouts

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinsPlaceWithoutOverlap(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}, {200, 60}, {240, 70}, {181, 50}, {97, 31}}
	for _, name := range Names() {
		l, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sz := range sizes {
			w, h := sz[0], sz[1]
			placed, err := l.Place(w, h)
			if err != nil {
				if w >= l.MinWidth && h >= l.MinHeight {
					t.Errorf("%s at %dx%d: %v", name, w, h, err)
				}
				continue
			}
			cells := make([][]bool, h)
			for i := range cells {
				cells[i] = make([]bool, w)
			}
			for _, p := range placed {
				if p.W <= 0 || p.H <= 0 {
					t.Errorf("%s at %dx%d: empty region %+v", name, w, h, p)
				}
				for y := p.Y; y < p.Y+p.H; y++ {
					for x := p.X; x < p.X+p.W; x++ {
						if y >= h || x >= w {
							t.Fatalf("%s at %dx%d: %s leaves the screen", name, w, h, p.Kind)
						}
						if cells[y][x] {
							t.Fatalf("%s at %dx%d: %s overlaps", name, w, h, p.Kind)
						}
						cells[y][x] = true
					}
				}
			}
			// Every line is covered (rows fill the height).
			for y := range cells {
				if !cells[y][0] {
					t.Errorf("%s at %dx%d: line %d is empty", name, w, h, y)
				}
			}
		}
	}
}

func TestAuto(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want string
	}{{80, 24, "compact"}, {100, 40, "compact"}, {120, 40, "standard"}, {179, 60, "standard"}, {180, 50, "wall"}, {240, 70, "wall"}, {60, 20, "compact"}} {
		if got := Auto(tc.w, tc.h).Name; got != tc.want {
			t.Errorf("Auto(%d,%d) = %s, want %s", tc.w, tc.h, got, tc.want)
		}
	}
}

func TestParseErrorsNameFileAndField(t *testing.T) {
	tests := []struct {
		name, src, field, reason string
	}{
		{"unknown region", "name = \"x\"\n[[rows]]\nregions = [{ region = \"tickr\" }]\n", "rows[0].regions[0].region", "unknown region \"tickr\""},
		{"unknown field", "name = \"x\"\nrotate = 3\n[[rows]]\nregions = [{ region = \"ticker\" }]\n", "rotate", "unknown field"},
		{"no name", "[[rows]]\nregions = [{ region = \"ticker\" }]\n", "name", "missing"},
		{"no rows", "name = \"x\"\n", "rows", "at least one"},
		{"empty row", "name = \"x\"\n[[rows]]\nheight = 1\n", "rows[0].regions", "at least one region"},
		{"rotator without pages", "name = \"x\"\n[[rows]]\nregions = [{ region = \"rotator\" }]\n", "rows[0].regions[0].pages", "needs pages"},
		{"bad page", "name = \"x\"\n[[rows]]\nregions = [{ region = \"rotator\", pages = [\"strike\", \"weather\"] }]\n", "rows[0].regions[0].pages[1]", "unknown page"},
		{"negative height", "name = \"x\"\n[[rows]]\nheight = -1\nregions = [{ region = \"ticker\" }]\n", "rows[0].height", "negative"},
		{"tiny min size", "name = \"x\"\nmin_width = 40\n[[rows]]\nregions = [{ region = \"ticker\" }]\n", "min_width", "at least 80x24"},
		{"bad toml", "name = \"x\n", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("my.toml", []byte(tc.src))
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a *layouts.Error", err)
			}
			if le.File != "my.toml" || !strings.HasPrefix(err.Error(), "my.toml") {
				t.Errorf("error does not name the file: %v", err)
			}
			if tc.field != "" && le.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", le.Field, tc.field, err)
			}
			if !strings.Contains(le.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", le.Reason, tc.reason)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	if l, err := Resolve(""); l != nil || err != nil {
		t.Fatalf("empty: %v %v", l, err)
	}
	if l, err := Resolve("wall"); err != nil || l.Source != "builtin:wall" {
		t.Fatalf("wall: %v %v", l, err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.toml")
	src, _ := BuiltinSource("compact")
	if err := os.WriteFile(path, []byte(strings.Replace(string(src), `name = "compact"`, `name = "mine"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Resolve(path)
	if err != nil || l.Name != "mine" || l.Source != path {
		t.Fatalf("file: %+v %v", l, err)
	}
	if _, err := Resolve(filepath.Join(dir, "nope.toml")); err == nil || !strings.Contains(err.Error(), "--layout") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFixedSizesTooBig(t *testing.T) {
	l, err := Parse("big.toml", []byte("name = \"big\"\n[[rows]]\nheight = 30\nregions = [{ region = \"ticker\" }]\n[[rows]]\nregions = [{ region = \"status\" }]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Place(80, 24); err == nil {
		t.Fatal("a 30-line row fit 24 lines")
	}
}

// TestScheduleAndPageSeconds: a rotator's page_seconds and the layout's
// [[schedule]] windows are read, and mistakes point at their own line.
func TestScheduleAndPageSeconds(t *testing.T) {
	base := "name = \"room\"\n[[rows]]\nregions = [{ region = \"rotator\", pages = [\"strike\", \"patrol\"], page_seconds = { strike = 40 } }]\n"
	l, err := Parse("room.toml", []byte(base+"[[schedule]]\nfrom = \"20:00\"\nto = \"02:00\"\npages = [\"patrol\"]\n[[schedule]]\nfrom = \"08:00\"\nto = \"08:30\"\npages = [\"daily\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l.PageSeconds()["strike"] != 40 {
		t.Errorf("page_seconds = %v", l.PageSeconds())
	}
	for _, tc := range []struct {
		hhmm  int
		pages []string
	}{{20 * 60, []string{"patrol"}}, {23*60 + 59, []string{"patrol"}}, {0, []string{"patrol"}}, {60 + 59, []string{"patrol"}},
		{2 * 60, nil}, {8 * 60, []string{"daily"}}, {8*60 + 29, []string{"daily"}}, {8*60 + 30, nil}, {14 * 60, nil}} {
		if got := l.WindowAt(tc.hhmm); !slices.Equal(got, tc.pages) {
			t.Errorf("at %02d:%02d the schedule gives %v, want %v", tc.hhmm/60, tc.hhmm%60, got, tc.pages)
		}
	}
	tests := []struct{ src, want string }{
		{"[[schedule]]\nfrom = \"8:00\"\nto = \"09:00\"\npages = [\"daily\"]\n", "room.toml:5: schedule[0].from: \"8:00\": give a time of day as \"HH:MM\""},
		{"[[schedule]]\nfrom = \"08:00\"\nto = \"25:00\"\npages = [\"daily\"]\n", "room.toml:6: schedule[0].to: \"25:00\""},
		{"[[schedule]]\nfrom = \"08:00\"\nto = \"08:00\"\npages = [\"daily\"]\n", "room.toml:6: schedule[0].to: the same as from"},
		{"[[schedule]]\nfrom = \"08:00\"\nto = \"09:00\"\n", "room.toml:4: schedule[0].pages: a window needs pages"},
		{"[[schedule]]\nfrom = \"08:00\"\nto = \"09:00\"\npages = [\"daily\"]\n[[schedule]]\nfrom = \"10:00\"\nto = \"11:00\"\npages = [\"weather\"]\n", "room.toml:11: schedule[1].pages[0]: unknown page \"weather\""},
	}
	for _, tc := range tests {
		_, err := Parse("room.toml", []byte(base+tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q gave %v, want %q", tc.src, err, tc.want)
		}
	}
	for _, tc := range []struct{ src, want string }{
		{"name = \"x\"\n[[rows]]\nregions = [{ region = \"rotator\", pages = [\"strike\"], page_seconds = { strike = 0 } }]\n", "page_seconds.strike: must be between 1 and 3600"},
		{"name = \"x\"\n[[rows]]\nregions = [{ region = \"rotator\", pages = [\"strike\"], page_seconds = { weather = 5 } }]\n", "page_seconds.weather: unknown page"},
		{"name = \"x\"\n[[rows]]\nregions = [{ region = \"ticker\", page_seconds = { strike = 5 } }]\n", "only a rotator region has pages and page_seconds"},
		{"name = \"x\"\n[[rows]]\nregions = [{ region = \"ticker\" }]\n[[schedule]]\nfrom = \"08:00\"\nto = \"09:00\"\npages = [\"daily\"]\n", "schedule: the layout has no rotator region"},
	} {
		_, err := Parse("x.toml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q gave %v, want %q", tc.src, err, tc.want)
		}
	}
}
