package feed_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// TestShiftReportSites: a shift report's sites are ids of the campaign's
// watched sites in the event's district, each once, at most
// feed.MaxShiftSites; each refusal names the field and says what to send.
func TestShiftReportSites(t *testing.T) {
	v := feed.Validator{
		Districts: map[string]bool{"east": true, "west": true},
		Grids:     map[string]string{"east-01": "east"},
		Sites:     map[string]string{"nm-1": "east", "nm-2": "east", "nm-w": "west"},
	}
	many := make([]string, feed.MaxShiftSites+1)
	for i := range many {
		many[i] = fmt.Sprintf("s-%d", i)
	}
	cases := []struct {
		name   string
		sites  any
		field  string // "" when the report is valid
		reason string
	}{
		{"no sites", nil, "", ""},
		{"sites of the district", []string{"nm-1", "nm-2"}, "", ""},
		{"empty list", []string{}, "", ""},
		{"unknown site", []string{"nm-1", "nm-9"}, "data.sites[1]", `unknown site "nm-9": send only ids of the campaign config's [[sites]]`},
		{"site of another district", []string{"nm-w"}, "data.sites[0]", `site "nm-w" belongs to district "west", not "east"`},
		{"listed twice", []string{"nm-1", "nm-2", "nm-1"}, "data.sites[2]", `site "nm-1" is listed twice (also sites[0]): list each site once`},
		{"empty id", []string{""}, "data.sites[0]", "empty: give a site id"},
		{"bad id", []string{"nm\u202e1"}, "data.sites[0]", "U+202E"},
		{"too many", many, "data.sites", fmt.Sprintf("%d sites: list at most %d", len(many), feed.MaxShiftSites)},
		{"not a list", "nm-1", "data.sites", "wrong type"},
		{"not ids", []int{1}, "data.sites", "wrong type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]any{"duty": "area", "officers": 3}
			if tc.sites != nil {
				data["sites"] = tc.sites
			}
			raw, _ := json.Marshal(data)
			ev := feed.Event{ID: "e1", Type: feed.TypeShiftReport, At: time.Date(2023, 7, 1, 22, 0, 0, 0, time.UTC), District: "east", Grid: "east-01", Data: raw}
			errs := v.Validate(4, ev)
			if tc.field == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors %v, want one on %s", len(errs), errs, tc.field)
			}
			if errs[0].Index != 4 || errs[0].Field != tc.field || !strings.Contains(errs[0].Reason, tc.reason) {
				t.Errorf("got %+v, want index 4, field %s, reason containing %q", errs[0], tc.field, tc.reason)
			}
		})
	}
	// Without a campaign config (the schema's view) a well-formed id passes.
	raw := json.RawMessage(`{"duty":"area","sites":["nm-9"]}`)
	if errs := (feed.Validator{}).Validate(0, feed.Event{ID: "e", Type: feed.TypeShiftReport, At: time.Unix(1e9, 0), District: "x", Data: raw}); len(errs) > 0 {
		t.Errorf("without a config: %v", errs)
	}
}

// TestSchemaSitesCapIsTheValidators: the schema's maxItems for sites is
// feed.MaxShiftSites.
func TestSchemaSitesCapIsTheValidators(t *testing.T) {
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]struct {
			Properties map[string]struct {
				MaxItems    int  `json:"maxItems"`
				UniqueItems bool `json:"uniqueItems"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Defs["ShiftReport"].Properties["sites"]
	if s.MaxItems != feed.MaxShiftSites || !s.UniqueItems {
		t.Errorf("ShiftReport.sites in %s: maxItems %d, uniqueItems %v; want %d and true", schemaPath, s.MaxItems, s.UniqueItems, feed.MaxShiftSites)
	}
}
