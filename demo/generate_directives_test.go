package demo

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"sitboard/campaign"
	"sitboard/feed"
)

// TestGeneratedDirectives: the recording's instructions
// (generate_directives.go) are about two a week, to every district or to
// a zone, at every level; the districts sign and report at paces of their
// own, mostly in time, some late, a few never (overdue to the end); every
// event is one the hub takes; the recording without them is, byte for
// byte, the recording the generator makes without them; the 66 figures
// stay.
func TestGeneratedDirectives(t *testing.T) {
	cfg := Campaign()
	with, err := generateParts(cfg, DefaultSeed, parts{lapses: true, directives: true})
	if err != nil {
		t.Fatal(err)
	}
	without, err := generateParts(cfg, DefaultSeed, parts{lapses: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := generateParts(cfg, DefaultSeed, parts{lapses: true, directives: true})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(with)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Fatal("two generations with the instructions differ")
	}
	var rest [][]byte
	for _, ev := range with {
		if !strings.HasPrefix(ev.ID, "zk23-dr-") {
			b, _ := json.Marshal(ev)
			rest = append(rest, b)
		}
	}
	if len(rest) != len(without) {
		t.Fatalf("%d events besides the instructions', %d without them", len(rest), len(without))
	}
	for i, ev := range without {
		b, _ := json.Marshal(ev)
		if !bytes.Equal(b, rest[i]) {
			t.Fatalf("event %d moved for the instructions:\n%s\nwas\n%s", i+1, rest[i], b)
		}
	}

	h := campaign.NewHistory(cfg)
	v := cfg.Validator()
	issued, toZone, levels := 0, 0, map[string]int{}
	for i, ev := range with {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
		if strings.HasPrefix(ev.ID, "zk23-dr-") != strings.HasPrefix(ev.Type, "directive.") {
			t.Fatalf("event %s of type %s", ev.ID, ev.Type)
		}
		if fe := v.Validate(i, ev); len(fe) > 0 {
			t.Fatalf("the hub would refuse %s: %v", ev.ID, fe)
		}
		if ev.Type == feed.TypeDirectiveIssued {
			issued++
			p, _ := feed.Decode[feed.DirectiveIssued](ev)
			levels[p.Level]++
			if p.To[0] != feed.DirectiveAll {
				toZone++
			}
		}
	}
	weeks := (cfg.Days() + 6) / 7
	if issued < weeks*3/2 || issued > weeks*5/2 || toZone == 0 || toZone == issued || len(levels) != 3 {
		t.Errorf("%d instructions in %d weeks (%d to a zone, levels %v): want about two a week, to all and to zones, at every level", issued, weeks, toZone, levels)
	}
	rows, city, lapses := h.Period(campaign.PeriodCampaign, campaign.Span{From: 1, To: cfg.Days()}).Directives(h)
	t.Logf("%d instructions: sign-offs %d due, %d in time, %d late, %d missing; reports %d due, %d in time, %d late, %d missing; median to sign %v, to report %v",
		issued, city.SignDue, city.SignOnTime, city.SignLate, city.SignMissing, city.ReportDue, city.ReportOnTime, city.ReportLate, city.ReportMissing,
		city.SignTime.Median, city.ReportTime.Median)
	if city.SignOnTime*100 < city.SignDue*60 || city.SignLate == 0 || city.SignMissing == 0 || city.ReportLate == 0 || city.ReportMissing == 0 {
		t.Errorf("sign-offs %+v: want most in time, some late, a few missing", city)
	}
	var rates []float64
	for _, r := range rows {
		if f := r.SignRate(); f.OK {
			if f.Value > 100 || r.ReportRate().Value > 100 {
				t.Errorf("%s: a rate above 100%%: %+v", r.District, r)
			}
			rates = append(rates, f.Value)
		}
	}
	if len(rates) != len(cfg.Districts) || slices.Max(rates)-slices.Min(rates) < 10 {
		t.Errorf("sign-off rates %v: want every district's, varying by district", rates)
	}
	if len(lapses) == 0 {
		t.Error("no lapse to name")
	}
	// Each lapse the clock passed is a directive_overdue alert on the
	// boards: cleared when the late one came, standing when it never did.
	raised, cleared := 0, 0
	for _, a := range h.Recorder().Alerts {
		if a.Kind == campaign.WhenDirectiveOverdue {
			raised++
			if a.Cleared() {
				cleared++
			}
		}
	}
	if late, missing := city.SignLate+city.ReportLate, city.SignMissing+city.ReportMissing; raised == 0 || cleared == 0 || raised-cleared == 0 || raised > late+missing {
		t.Errorf("%d directive_overdue alerts (%d cleared) for %d late and %d missing", raised, cleared, late, missing)
	}
	// The published figures stay.
	facts, err := campaign.ParseFacts("facts", Facts())
	if err != nil {
		t.Fatal(err)
	}
	if m := campaign.CheckFacts(campaign.Figures(cfg, h.State()), facts); len(m) > 0 {
		t.Errorf("figures off: %v", m)
	}
}
