package demo

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"sitboard/campaign"
	"sitboard/feed"
)

// TestGeneratedSupervision: the recording's 督察 (generate_supervision.go)
// has every team visiting, openly and covertly, every district visited,
// most findings put right in time, some late, a few not at all; and the
// recording without its supervision lines is, line for line and byte for
// byte, the recording the generator makes without them.
func TestGeneratedSupervision(t *testing.T) {
	cfg := Campaign()
	with, err := generateParts(cfg, DefaultSeed, parts{lapses: true, supervision: true})
	if err != nil {
		t.Fatal(err)
	}
	without, err := generateParts(cfg, DefaultSeed, parts{lapses: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := generateParts(cfg, DefaultSeed, parts{lapses: true, supervision: true})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(with)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Fatal("two generations with the supervision differ")
	}
	var rest [][]byte
	for _, ev := range with {
		if !strings.HasPrefix(ev.ID, "zk23-sv-") {
			b, _ := json.Marshal(ev)
			rest = append(rest, b)
		}
	}
	if len(rest) != len(without) {
		t.Fatalf("%d events besides the supervision's, %d without it", len(rest), len(without))
	}
	for i, ev := range without {
		b, _ := json.Marshal(ev)
		if !bytes.Equal(b, rest[i]) {
			t.Fatalf("event %d moved for the supervision:\n%s\nwas\n%s", i+1, rest[i], b)
		}
	}

	h := campaign.NewHistory(cfg)
	visits, findings, rectified := 0, 0, 0
	for i, ev := range with {
		ev.Seq = uint64(i + 1)
		h.Apply(ev)
		if strings.HasPrefix(ev.ID, "zk23-sv-") != strings.HasPrefix(ev.Type, "supervision.") {
			t.Fatalf("event %s of type %s", ev.ID, ev.Type)
		}
		switch ev.Type {
		case feed.TypeSupervisionVisit:
			visits++
		case feed.TypeSupervisionFinding:
			findings++
		case feed.TypeSupervisionRectified:
			rectified++
		}
		if fe := cfg.Validator().Validate(i, ev); len(fe) > 0 {
			t.Fatalf("the hub would refuse %s: %v", ev.ID, fe)
		}
	}
	rep := h.Period(campaign.PeriodCampaign, campaign.Span{From: 1, To: cfg.Days()}).Supervision(h)
	c := rep.City
	t.Logf("%d visits (%d open, %d covert), %d problems, %d findings, %d rectified (%d late), %d open at the end (%d overdue)",
		visits, c.Visits[0], c.Visits[1], c.Problems, c.Found, c.Rectified, c.Late, c.Open, c.Overdue)
	if c.VisitTotal() != visits || c.Found != findings || c.Rectified != rectified || int64(findings) != c.Problems {
		t.Errorf("the campaign's 督察 %+v does not count the events (%d visits, %d findings, %d rectified)", c, visits, findings, rectified)
	}
	if visits < 12*2*13 || c.Visits[0] == 0 || c.Visits[1] == 0 {
		t.Errorf("%d visits (%d open, %d covert): want 2 or 3 a week for each team, both modes", visits, c.Visits[0], c.Visits[1])
	}
	for _, tally := range append(append([]campaign.SupervisionTally{}, rep.Teams...), rep.Districts...) {
		if tally.VisitTotal() == 0 {
			t.Errorf("%s: no visit", tally.Key)
		}
	}
	onTime := c.Rectified - c.Late
	if onTime*100 < findings*80 || c.Late < 10 || c.Overdue == 0 || c.Open*100 > findings*10 {
		t.Errorf("%d of %d findings rectified in time, %d late, %d open at the end (%d overdue): want most in time, some late, a few overdue at the end",
			onTime, findings, c.Late, c.Open, c.Overdue)
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
