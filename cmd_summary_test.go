package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
)

// TestSummaryOfAPeriod: summary --period prints the figures of the period
// holding --date (the ones its bulletin words), the campaign period gives
// the campaign figures, and bad flags say what to do.
func TestSummaryOfAPeriod(t *testing.T) {
	const rec, toml = "testdata/small.jsonl", "campaign/testdata/small.toml"
	summary := func(t *testing.T, source []string, args ...string) map[string]*float64 {
		t.Helper()
		out, stderr, code := runSitboard(t, append(append([]string{"summary", "--json"}, source...), args...)...)
		if code != 0 {
			t.Fatalf("summary %v: exit %d: %s", args, code, stderr)
		}
		var got struct {
			Period, From, To string
			Figures          map[string]*float64
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("summary %v --json: %v\n%s", args, err, out)
		}
		if len(args) > 0 && (got.Period != args[1] || got.From == "" || got.To == "") {
			t.Fatalf("summary %v --json does not name its period: %q %q..%q", args, got.Period, got.From, got.To)
		}
		return got.Figures
	}

	small := []string{"--recording", rec, "--campaign", toml}
	shipped := []string{"--recording", shippedRecordingPath}

	// A week of the Summer Action, against the same week folded here.
	cfg := demo.Campaign()
	h, err := foldHistory(cfg, shippedRecordingPath)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := cfg.PeriodSpan(campaign.PeriodWeek, cfg.Day(time.Date(2023, 7, 10, 12, 0, 0, 0, cfg.Location())))
	if err != nil {
		t.Fatal(err)
	}
	want := h.Period(campaign.PeriodWeek, sp).Figures("")
	got := summary(t, shipped, "--period", "week", "--date", "2023-07-10")
	whole := campaign.Figures(cfg, h.State())
	differs := false
	for id, w := range want {
		if info, ok := campaign.FigureInfoByID(id); ok && info.Kind == campaign.KindChange {
			continue // rounded to the published decimals; Compare is tested in campaign
		}
		g, ok := got[id]
		switch {
		case !ok:
			t.Errorf("week summary lacks %s", id)
		case !w.OK && g != nil:
			t.Errorf("%s: week summary %v, want n/a", id, *g)
		case w.OK && (g == nil || math.Abs(*g-w.Value) > 0.005):
			t.Errorf("%s: week summary %v, want %v", id, g, w.Value)
		}
		if c := whole[id]; g != nil && c.OK && *g != c.Value {
			differs = true
		}
	}
	if !differs {
		t.Error("the week's figures equal the campaign's: --period was not applied")
	}

	campaignPeriod, campaignToDate := summary(t, small, "--period", "campaign"), summary(t, small)
	for id, w := range campaignToDate {
		if g := campaignPeriod[id]; (g == nil) != (w == nil) || (g != nil && *g != *w) {
			t.Errorf("%s: --period campaign %v, the campaign summary %v", id, g, w)
		}
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--period", "fortnight"}, "use one of day, week, half-month, month, campaign"},
		{[]string{"--date", "2023-06-25"}, "--date needs --period"},
		{[]string{"--period", "day", "--date", "2023-07-30"}, "outside the campaign"},
		{[]string{"--period", "day", "--date", "25/06/2023"}, "give a date like"},
		{[]string{"--period", "day", "--check", "testdata/small-facts.json"}, "drop --period, or use --period campaign"},
	}
	for _, tc := range bad {
		_, stderr, code := runSitboard(t, append(append([]string{"summary"}, small...), tc.args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("summary %v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
