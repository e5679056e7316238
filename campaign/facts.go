package campaign

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Facts is a published-figures file such as facts/summer-action-2023.json.
type Facts struct {
	About   string `json:"about"`
	Figures []Fact `json:"figures"`
}

// Fact is one published figure. Kind says how a computed value is compared:
// "exact" must equal Value, "range" must fall in [Min, Max], "pct" must round
// to Value at Decimals.
type Fact struct {
	ID       string   `json:"id"`
	Line     string   `json:"line"`
	Kind     string   `json:"kind"`
	Value    *float64 `json:"value,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Decimals int      `json:"decimals,omitempty"`
	Zh       string   `json:"zh"`
	En       string   `json:"en"`
	Quote    string   `json:"quote,omitempty"`
}

// ParseFacts reads and checks a facts file.
func ParseFacts(name string, data []byte) (*Facts, error) {
	var f Facts
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: not a facts file: %v (see facts/summer-action-2023.json for the format)", name, err)
	}
	if len(f.Figures) == 0 {
		return nil, fmt.Errorf("%s: no figures: the file needs a \"figures\" array", name)
	}
	for i, x := range f.Figures {
		bad := func(why string) error { return fmt.Errorf("%s: figures[%d] (%s): %s", name, i, x.ID, why) }
		if x.ID == "" {
			// Without an id a figure can only ever be reported as "not computed".
			return nil, bad("no id: give each figure the id of a figure summary prints")
		}
		switch x.Kind {
		case "exact", "pct":
			if x.Value == nil {
				return nil, bad(x.Kind + " needs a value")
			}
		case "range":
			if x.Min == nil || x.Max == nil || *x.Min > *x.Max {
				return nil, bad("range needs min <= max")
			}
		default:
			return nil, bad(fmt.Sprintf("unknown kind %q: use exact, range or pct", x.Kind))
		}
	}
	return &f, nil
}

// Mismatch is a figure that does not match its published value.
type Mismatch struct {
	ID       string  `json:"id"`
	Expected string  `json:"expected"`
	Got      string  `json:"got"`
	Value    float64 `json:"value"`
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s: expected %s, got %s", m.ID, m.Expected, m.Got)
}

// CheckFacts compares computed figures with published ones and returns every
// mismatch, sorted by id. A figure the fold does not compute is a mismatch.
func CheckFacts(figs map[string]Figure, facts *Facts) []Mismatch {
	var out []Mismatch
	for _, x := range facts.Figures {
		got, ok := figs[x.ID]
		gotText := "n/a"
		if ok && got.OK {
			gotText = FormatNumber(got.Value)
		}
		if !ok {
			gotText = "not computed"
		}
		var expected string
		var pass bool
		switch x.Kind {
		case "exact":
			expected = FormatNumber(*x.Value)
			pass = ok && got.OK && got.Value == *x.Value
		case "range":
			expected = fmt.Sprintf("%s..%s", FormatNumber(*x.Min), FormatNumber(*x.Max))
			pass = ok && got.OK && got.Value >= *x.Min && got.Value <= *x.Max
		case "pct":
			expected = strconv.FormatFloat(*x.Value, 'f', x.Decimals, 64) + "%"
			if ok && got.OK {
				gotText = strconv.FormatFloat(got.Value, 'f', x.Decimals+2, 64) + "%"
				pass = Round(got.Value, x.Decimals) == Round(*x.Value, x.Decimals)
			}
		}
		if !pass {
			out = append(out, Mismatch{ID: x.ID, Expected: expected, Got: gotText, Value: got.Value})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// FormatNumber prints a count without exponent or needless decimals.
func FormatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
