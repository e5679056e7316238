package campaign_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

func shippedHistory(t testing.TB) *campaign.History {
	t.Helper()
	cfg := demo.Campaign()
	h := campaign.NewHistory(cfg)
	if err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { h.Apply(ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestCampaignPeriodIsThePublishedFigures: the whole campaign as a period
// gives every figure the state gives, and so the published ones; the
// state a History folds is the plain fold's.
func TestCampaignPeriodIsThePublishedFigures(t *testing.T) {
	h := shippedHistory(t)
	cfg := h.Config()
	plain := campaign.NewState(cfg)
	feed.ScanEvents(demo.Recording(), func(ev feed.Event) error { campaign.Apply(cfg, plain, ev); return nil })
	a, _ := json.Marshal(plain)
	b, _ := json.Marshal(h.State())
	if string(a) != string(b) {
		t.Fatal("the History's state differs from the plain fold's")
	}
	sp, _ := cfg.PeriodSpan(campaign.PeriodCampaign, 1)
	p := h.Period(campaign.PeriodCampaign, sp)
	if !reflect.DeepEqual(p.Counts.Totals, h.State().Totals) {
		t.Fatal("the campaign's days do not add up to the state's totals")
	}
	for id, want := range campaign.Figures(cfg, h.State()) {
		got := p.Figures("")[id]
		if got.OK != want.OK || campaign.Round(got.Value, 9) != campaign.Round(want.Value, 9) {
			t.Errorf("%s: period %+v, state %+v", id, got, want)
		}
	}
	facts, err := campaign.ParseFacts("facts", demo.Facts())
	if err != nil {
		t.Fatal(err)
	}
	if bad := campaign.CheckFacts(p.Figures(""), facts); len(bad) > 0 {
		t.Errorf("campaign period misses published figures: %v", bad)
	}
	// The days' events add up to the state's: a bulletin's data-source
	// line gives its period's own.
	if got := h.EventsIn(sp); got != h.State().Events {
		t.Errorf("the days hold %d events, the state %d", got, h.State().Events)
	}
	if day1 := h.EventsIn(campaign.Span{From: 1, To: 1}); day1 == 0 || day1 >= h.State().Events/10 {
		t.Errorf("day 1 holds %d events of %d: want its own share", day1, h.State().Events)
	}
	// Each district's days add up to its totals too.
	for id, c := range h.State().Districts {
		if !reflect.DeepEqual(*p.Counts.Districts[id], *c) {
			t.Errorf("district %s: days do not add up to its totals", id)
		}
	}
}
