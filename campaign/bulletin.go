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

// Adjustment is one 加扣分 of the 月考核 from the campaign file: points
// added to (or, negative, taken from) a district's assessment in the month
// holding Date, with the reason (docs/campaign.md, "Assessment").
type Adjustment struct {
	District string  `toml:"district" json:"district"`
	Date     string  `toml:"date" json:"date"` // YYYY-MM-DD: the month it counts in
	Points   float64 `toml:"points" json:"points"`
	Zh       string  `toml:"zh" json:"zh"`
	En       string  `toml:"en" json:"en,omitempty"`
	day      int
}

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
	return nil
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

// withAdjustments adds each district's adjustments in sp to its score and
// ranks the rows by the total (ties keep the score's order). Without any,
// the total is the score and the ranks stay.
func withAdjustments(cfg *Config, sp Span, rows []AssessmentRow) []AssessmentRow {
	adj := map[string]float64{}
	for _, a := range cfg.AdjustmentsIn(sp) {
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
