package report

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sitboard/campaign"
)

// TestCritiqueNamesItsOwnTable: in every 周通报, 半月讲评, 月考核 and the
// closing bulletin of the shipped recording, the 讲评 names as ahead the
// first two rows of the bulletin's own table (the 月考核's for a month,
// the flag table's otherwise) and as behind its last two, with their
// places and 上期 places as the table has them, and each named measure's
// place among the districts on that measure; the printed sentences name
// those districts and no other.
func TestCritiqueNamesItsOwnTable(t *testing.T) {
	h := shippedHistory(t)
	cfg := h.Config()
	checked := 0
	for _, kind := range []string{campaign.PeriodWeek, campaign.PeriodHalfMonth, campaign.PeriodMonth, campaign.PeriodCampaign} {
		for d := 1; d <= cfg.Days(); {
			sp, err := cfg.PeriodSpan(kind, d)
			if err != nil {
				t.Fatal(err)
			}
			d = sp.To + 1
			b, err := Build(h, Request{Kind: kind, Date: cfg.Date(sp.From)})
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("%s of %s", kind, cfg.Date(sp.From).Format(time.DateOnly))
			// The table the 讲评 must agree with.
			type row struct {
				district   string
				rank, prev int
				points     []float64
			}
			var table []row
			var measures []campaign.ScoredMeasure
			if kind == campaign.PeriodMonth {
				measures = b.AssessScoring.Measures
				for _, r := range b.Assessment {
					table = append(table, row{r.District, r.Rank, r.PrevRank, pointsOf(r.ScoreRow)})
				}
			} else {
				measures = b.Scoring.Measures
				for _, r := range b.Districts {
					table = append(table, row{r.District, r.Rank, r.PrevRank, pointsOf(r.ScoreRow)})
				}
			}
			c := b.Critique
			if c == nil || len(c.Best) != CritiqueNamed || len(c.Lagging) != CritiqueNamed {
				t.Fatalf("%s: critique %+v, want %d ahead and %d behind", name, c, CritiqueNamed, CritiqueNamed)
			}
			named := map[string]bool{}
			for i, s := range append(slices.Clone(c.Best), c.Lagging...) {
				want := table[i]
				if i >= CritiqueNamed {
					want = table[len(table)-2*CritiqueNamed+i]
				}
				if s.District != want.district || s.Rank != want.rank || s.PrevRank != want.prev {
					t.Errorf("%s: names %s (place %d, 上期 %d), the table's row is %s (place %d, 上期 %d)", name, s.District, s.Rank, s.PrevRank, want.district, want.rank, want.prev)
				}
				named[s.District] = true
				for _, m := range s.Measures {
					j := slices.IndexFunc(measures, func(x campaign.ScoredMeasure) bool { return x.Measure == m.Measure })
					order := slices.Clone(table)
					slices.SortStableFunc(order, func(a, b row) int { return cmp.Compare(b.points[j], a.points[j]) })
					if got := slices.IndexFunc(order, func(r row) bool { return r.district == s.District }) + 1; got != m.Rank {
						t.Errorf("%s: %s's %s is said to be %d of the districts, the table makes it %d", name, s.District, m.Measure, m.Rank, got)
					}
				}
				if len(s.Measures) == 0 {
					t.Errorf("%s: %s is named with no measure that put it there", name, s.District)
				}
			}
			text := render(t, kind, cfg.Date(sp.From).Format(time.DateOnly), FormatText, LangZh)
			for _, part := range []struct {
				re    string
				names []Standing
			}{{`本期(?:综合得分|考核总分)居前的是([^\n]*)`, c.Best}, {`本期(?:综合得分|考核总分)靠后的是([^\n]*)`, c.Lagging}} {
				m := regexp.MustCompile(part.re).FindStringSubmatch(text)
				if m == nil {
					t.Errorf("%s: no sentence %s", name, part.re)
					continue
				}
				for _, dist := range cfg.Districts {
					in := slices.ContainsFunc(part.names, func(s Standing) bool { return s.District == dist.ID })
					if strings.Contains(m[1], dist.Zh) != in {
						t.Errorf("%s: the sentence %q names %s: %v, want %v", name, m[0], dist.Zh, !in, in)
					}
				}
				for _, s := range part.names {
					if !strings.Contains(m[1], fmt.Sprintf("%s（", cfg.DistrictName(s.District, LangZh))) || !strings.Contains(m[1], fmt.Sprintf("第%d名", s.Rank)) {
						t.Errorf("%s: the sentence %q lacks %s's place %d", name, m[0], s.District, s.Rank)
					}
				}
			}
			checked++
		}
	}
	if checked != 14+7+4+1 {
		t.Errorf("checked %d bulletins, want 26", checked)
	}
}

func pointsOf(r campaign.ScoreRow) []float64 {
	var p []float64
	for _, m := range r.Measures {
		p = append(p, m.Points)
	}
	return p
}
