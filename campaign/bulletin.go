package campaign

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// BulletinMeta is the campaign office's document header and footer
// (docs/campaign.md, "[bulletin]"): who issues the bulletins, how they are
// marked, who they go to, and when they are issued. Every field is
// optional; a bulletin leaves out what the file does not give.
type BulletinMeta struct {
	// IssuerZh and IssuerEn are the issuing office (发文机关), e.g.
	// 周口市公安局"夏季行动"办公室.
	IssuerZh string `toml:"issuer_zh"`
	IssuerEn string `toml:"issuer_en"`
	// MarkingZh and MarkingEn are the handling mark printed top left
	// (密级 or 内部资料), e.g. 内部资料　注意保存.
	MarkingZh string `toml:"marking_zh"`
	MarkingEn string `toml:"marking_en"`
	// ReportToZh/En (报) and CopyToZh/En (送) are the distribution lines of
	// the footer (版记).
	ReportToZh string `toml:"report_to_zh"`
	ReportToEn string `toml:"report_to_en"`
	CopyToZh   string `toml:"copy_to_zh"`
	CopyToEn   string `toml:"copy_to_en"`
	// IssueLagDays is how many days after a period's last day its bulletin
	// is issued (印发日期); 1 when not given: a day's 日动态 the next
	// morning. A bulletin of a period still running is issued the day it
	// is taken.
	IssueLagDays *int `toml:"issue_lag_days"`
}

// Issuer is the issuing office in lang, "" when the file names none.
func (m BulletinMeta) Issuer(lang string) string { return pickLang(lang, m.IssuerZh, m.IssuerEn) }

// Marking is the handling mark in lang.
func (m BulletinMeta) Marking(lang string) string { return pickLang(lang, m.MarkingZh, m.MarkingEn) }

// ReportTo is the 报 line in lang.
func (m BulletinMeta) ReportTo(lang string) string { return pickLang(lang, m.ReportToZh, m.ReportToEn) }

// CopyTo is the 送 line in lang.
func (m BulletinMeta) CopyTo(lang string) string { return pickLang(lang, m.CopyToZh, m.CopyToEn) }

// pickLang is en in English when given, else zh.
func pickLang(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// IssueDate is the 印发日期 of the bulletin of span sp as of asOf: the
// period's last day plus the lag; a period still running at asOf is
// issued that day.
func (c *Config) IssueDate(sp Span, running bool, asOf time.Time) time.Time {
	if running && !asOf.IsZero() {
		t := asOf.In(c.loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc)
	}
	lag := 1
	if c.Bulletin.IssueLagDays != nil {
		lag = *c.Bulletin.IssueLagDays
	}
	return c.Date(sp.To + lag)
}

func (c *Config) validateBulletin(fail func(field, needle, reason string) error) error {
	if l := c.Bulletin.IssueLagDays; l != nil && (*l < 0 || *l > 31) {
		return fail("bulletin.issue_lag_days", "issue_lag_days", "must be 0 to 31 days after the period's last day")
	}
	return nil
}

// Adjustment is one 加扣分 of the 月考核: points added to (or, negative,
// taken from) a district's assessment in the month holding Date, with the
// reason (docs/campaign.md, "Assessment"). The office's own are written in
// the campaign file; those of an [[assessment.rules]] rule are counted
// (RuleAdjustments) and name the rule, how many it counted and which.
type Adjustment struct {
	District string  `toml:"district" json:"district"`
	Date     string  `toml:"date" json:"date"` // YYYY-MM-DD: the month it counts in
	Points   float64 `toml:"points" json:"points"`
	Zh       string  `toml:"zh" json:"zh"`
	En       string  `toml:"en" json:"en,omitempty"`
	// Rule is the rule's when for a counted adjustment ("" for the
	// office's own); Count how many it counted, Each the points of one,
	// Capped whether the rule's monthly most held Points back, and Items
	// the ids counted (the findings), so a district can check them.
	Rule   string   `toml:"-" json:"rule,omitempty"`
	Count  int      `toml:"-" json:"count,omitempty"`
	Each   float64  `toml:"-" json:"each,omitempty"`
	Capped bool     `toml:"-" json:"capped,omitempty"`
	Items  []string `toml:"-" json:"items,omitempty"`
	day    int
}

// AdjustmentRule is a 加扣分 by rule (docs/campaign.md, "Assessment"):
// Points for each occurrence of When in the month, at most Max points a
// month for one district (MaxAdjustment when not given).
type AdjustmentRule struct {
	// When is what is counted: "finding_overdue", each 督察 finding of the
	// district not rectified by its deadline, in the month its deadline
	// passed (once per finding, whether it was put right later or not).
	When   string  `toml:"when" json:"when"`
	Points float64 `toml:"points" json:"points"`
	Max    float64 `toml:"max" json:"max,omitempty"`
	Zh     string  `toml:"zh" json:"zh"`
	En     string  `toml:"en" json:"en,omitempty"`
}

// AdjustmentRuleKinds are the occurrences an [[assessment.rules]] rule
// can count.
var AdjustmentRuleKinds = []string{WhenFindingOverdue}

// MaxAdjustment bounds one adjustment's points: a 月考核 is out of 100.
const MaxAdjustment = 20

func (c *Config) validateAdjustments(fail func(field, needle, reason string) error) error {
	for i := range c.Assessment.Adjustments {
		a := &c.Assessment.Adjustments[i]
		field := fmt.Sprintf("assessment.adjustments[%d]", i)
		if _, ok := c.district[a.District]; !ok {
			return fail(field+".district", `"`+a.District+`"`, fmt.Sprintf("unknown district %q: use an id from [[districts]]", a.District))
		}
		t, err := time.ParseInLocation(time.DateOnly, a.Date, c.loc)
		if err != nil {
			return fail(field+".date", "date", fmt.Sprintf("%q: give the date it was decided, like %s", a.Date, c.Campaign.Start))
		}
		if a.day = c.Day(t); a.day < 1 || a.day > c.days {
			return fail(field+".date", a.Date, fmt.Sprintf("%s is outside the campaign (%s to %s)", a.Date, c.Campaign.Start, c.Campaign.End))
		}
		if a.Points == 0 || math.IsNaN(a.Points) || math.Abs(a.Points) > MaxAdjustment {
			return fail(field+".points", "points", fmt.Sprintf("must be a non-zero number of points between -%d and %d (negative takes points off)", MaxAdjustment, MaxAdjustment))
		}
		if a.Zh == "" {
			return fail(field+".zh", "[[assessment.adjustments]]", "give the reason (zh): the bulletin prints it beside the points")
		}
	}
	for i, r := range c.Assessment.Rules {
		field := fmt.Sprintf("assessment.rules[%d]", i)
		if !slices.Contains(AdjustmentRuleKinds, r.When) {
			return fail(field+".when", "when", fmt.Sprintf("%q: count one of %v (finding_overdue: each 督察 finding not rectified by its deadline)", r.When, AdjustmentRuleKinds))
		}
		if r.Points == 0 || math.IsNaN(r.Points) || math.Abs(r.Points) > MaxAdjustment {
			return fail(field+".points", "points", fmt.Sprintf("must be a non-zero number of points for each one counted, between -%d and %d (negative takes points off)", MaxAdjustment, MaxAdjustment))
		}
		if math.IsNaN(r.Max) || r.Max < 0 || r.Max > MaxAdjustment {
			return fail(field+".max", "max", fmt.Sprintf("must be the most points the rule adds or takes in a month, 0 to %d (0 or left out: %d)", MaxAdjustment, MaxAdjustment))
		}
		if r.Zh == "" {
			return fail(field+".zh", "[[assessment.rules]]", "give what is counted (zh): the bulletin prints it beside the points")
		}
	}
	return nil
}

// RuleAdjustments are the 加扣分 the [[assessment.rules]] count in span sp
// as of asOf, one per rule and district with any, in rule then district
// order (docs/figures.md, "加扣分 by rule"). finding_overdue counts each
// finding whose deadline fell in sp and passed by asOf without it being
// rectified: so the count of a month is settled at its end, and a
// bulletin regenerated later gives the same points.
func (h *History) RuleAdjustments(sp Span, asOf time.Time) []Adjustment {
	cfg := h.cfg
	var out []Adjustment
	for _, r := range cfg.Assessment.Rules {
		items := map[string][]string{}
		var last time.Time
		for _, f := range h.rec.Findings {
			if f.At.After(asOf) || !asOf.After(f.Deadline) || !sp.Contains(cfg.dayWithin(f.Deadline)) {
				continue
			}
			if !f.RectifiedAt.IsZero() && !f.RectifiedAt.After(f.Deadline) {
				continue // put right in time
			}
			if _, ok := cfg.district[f.District]; !ok {
				continue
			}
			items[f.District] = append(items[f.District], f.ID)
			if f.Deadline.After(last) {
				last = f.Deadline
			}
		}
		most := r.Max
		if most == 0 {
			most = MaxAdjustment
		}
		for _, d := range cfg.Districts {
			ids := items[d.ID]
			if len(ids) == 0 {
				continue
			}
			pts := r.Points * float64(len(ids))
			capped := math.Abs(pts) > most
			if capped {
				pts = math.Copysign(most, pts)
			}
			out = append(out, Adjustment{District: d.ID, Date: cfg.Date(min(sp.To, cfg.dayWithin(last))).Format(time.DateOnly),
				Points: Round(pts, 2), Zh: r.Zh, En: r.En, Rule: r.When, Count: len(ids), Each: r.Points, Capped: capped, Items: ids})
		}
	}
	return out
}

// AdjustmentsIn are the adjustments dated in span sp, in file order.
func (c *Config) AdjustmentsIn(sp Span) []Adjustment {
	var out []Adjustment
	for _, a := range c.Assessment.Adjustments {
		if sp.Contains(a.day) {
			out = append(out, a)
		}
	}
	return out
}

// withAdjustments adds each district's adjustments to its score and ranks
// the rows by the total (ties keep the score's order). Without any, the
// total is the score and the ranks stay.
func withAdjustments(adjs []Adjustment, rows []AssessmentRow) []AssessmentRow {
	adj := map[string]float64{}
	for _, a := range adjs {
		adj[a.District] += a.Points
	}
	for i := range rows {
		rows[i].Adjustment = Round(adj[rows[i].District], 2)
		rows[i].Total = Round(rows[i].Score+rows[i].Adjustment, 2)
	}
	if len(adj) == 0 {
		return rows
	}
	slices.SortStableFunc(rows, func(a, b AssessmentRow) int {
		switch {
		case a.Total > b.Total:
			return -1
		case a.Total < b.Total:
			return 1
		}
		return 0
	})
	for i := range rows {
		rows[i].Rank = i + 1 // strict, as Score ranks: ties keep the score's order
	}
	return rows
}

// MinBase is the smallest base a percentage change is shown on: below it,
// one case more or less reads as ±50% or more, so a bulletin shows the two
// counts instead (docs/figures.md, "Small bases").
const MinBase = 10

// ShownChange is a comparison's change when it is worth a percentage: its
// base (pro-rated, over the compared time) is at least MinBase. Not OK
// otherwise; the counts are then shown instead.
func ShownChange(c Comparison) Figure {
	if !c.Change.OK || c.Base < MinBase {
		return Figure{}
	}
	return c.Change
}
