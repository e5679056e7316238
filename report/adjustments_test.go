package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/demo"
	"sitboard/feed"
)

// TestMonthDeductsEachOverdueFinding: every 月考核 of the shipped
// recording takes 0.5 points off a district for each 督察 finding of its
// not rectified by its deadline, in the month the deadline passed (none
// for a deadline after the campaign's end), at
// most 3 a month (Zhoukou's [[assessment.rules]]), worked out here from
// the recording's raw events; each is named in the 加扣分 list, and the
// total is the score plus every 加扣分.
func TestMonthDeductsEachOverdueFinding(t *testing.T) {
	h := shippedHistory(t)
	cfg := h.Config()
	if len(cfg.Assessment.Rules) != 1 || cfg.Assessment.Rules[0].Points != -0.5 || cfg.Assessment.Rules[0].Max != 3 {
		t.Fatalf("Zhoukou's rules are %+v: the test works out −0.5 a finding, at most 3", cfg.Assessment.Rules)
	}
	type finding struct {
		district string
		deadline time.Time
		fixed    time.Time
	}
	findings := map[string]*finding{}
	var order []string
	err := feed.ScanEvents(demo.Recording(), func(ev feed.Event) error {
		switch ev.Type {
		case feed.TypeSupervisionFinding:
			var p feed.SupervisionFinding
			if err := json.Unmarshal(ev.Data, &p); err != nil {
				return err
			}
			dl, err := time.Parse(time.RFC3339, p.Deadline)
			if err != nil {
				return err
			}
			if findings[p.FindingID] == nil {
				findings[p.FindingID] = &finding{district: ev.District, deadline: dl}
				order = append(order, p.FindingID)
			}
		case feed.TypeSupervisionRectified:
			var p feed.SupervisionRectified
			if err := json.Unmarshal(ev.Data, &p); err != nil {
				return err
			}
			if f := findings[p.FindingID]; f != nil && f.district == ev.District && f.fixed.IsZero() {
				f.fixed = ev.At
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deducted := 0
	for d := 1; d <= cfg.Days(); {
		sp, _ := cfg.PeriodSpan(campaign.PeriodMonth, d)
		d = sp.To + 1
		late := map[string][]string{}
		for _, id := range order {
			f := findings[id]
			day := min(max(cfg.Day(f.deadline), 1), cfg.Days())
			// A deadline after the month's end (past the campaign's, in
			// September) has not passed: nothing is overdue yet.
			if !sp.Contains(day) || !f.deadline.Before(cfg.Date(sp.To+1)) || (!f.fixed.IsZero() && !f.fixed.After(f.deadline)) {
				continue
			}
			late[f.district] = append(late[f.district], id)
		}
		b, err := Build(h, Request{Kind: campaign.PeriodMonth, Date: cfg.Date(sp.From)})
		if err != nil {
			t.Fatal(err)
		}
		month := cfg.Date(sp.From).Format("2006-01")
		byRule := map[string]campaign.Adjustment{}
		own := map[string]float64{}
		for _, a := range b.Adjustments {
			if a.Rule == "" {
				own[a.District] += a.Points
				continue
			}
			byRule[a.District] = a
		}
		for _, dist := range cfg.Districts {
			ids, a := late[dist.ID], byRule[dist.ID]
			want := math.Max(-3, -0.5*float64(len(ids)))
			if len(ids) == 0 {
				want = 0
			}
			if a.Points != want || !slices.Equal(a.Items, ids) || a.Count != len(ids) || a.Capped != (len(ids) > 6) {
				t.Errorf("%s %s: 加扣分 %v for %v (capped %v), want %v for the overdue findings %v", month, dist.ID, a.Points, a.Items, a.Capped, want, ids)
			}
			deducted += len(ids)
		}
		for _, r := range b.Assessment {
			if want := campaign.Round(r.Score+own[r.District]+byRule[r.District].Points, 2); r.Total != want || r.Adjustment != campaign.Round(own[r.District]+byRule[r.District].Points, 2) {
				t.Errorf("%s %s: score %v 加扣分 %v total %v, want total %v", month, r.District, r.Score, r.Adjustment, r.Total, want)
			}
		}
		text := render(t, campaign.PeriodMonth, cfg.Date(sp.From).Format(time.DateOnly), FormatText, LangZh)
		for _, a := range byRule {
			line := fmt.Sprintf("%s%s分：督察发现问题逾期未整改%d处，每处−0.5分", cfg.DistrictName(a.District, LangZh), signedPoints(a.Points), a.Count)
			if !strings.Contains(text, line) || !strings.Contains(text, a.Items[0]) {
				t.Errorf("%s: the 月考核 does not list %q with its findings", month, line)
			}
		}
	}
	if deducted < 20 {
		t.Fatalf("only %d overdue findings deducted over the campaign: the test checks little", deducted)
	}
}
