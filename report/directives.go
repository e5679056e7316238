package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
)

// The office's instructions (指令): every number is campaign's
// (docs/figures.md, "Instructions"); this file arranges and words them.

// DirectiveTable is the period's sign-offs and feedback, per district and
// for the city.
type DirectiveTable struct {
	// Issued are the instructions issued in the period's days so far.
	Issued    int                       `json:"issued"`
	Districts []campaign.DirectiveTally `json:"districts"` // config order
	City      campaign.DirectiveTally   `json:"city"`
	// Laggards are the districts whose sign-off or feedback rate is below
	// the city's: most missing first, then the lower feedback rate, then
	// the lower sign-off rate (ties in config order), at most MaxLaggards.
	Laggards []string `json:"laggards,omitempty"`
	// Lapses are the sign-offs and reports late or missing, by deadline,
	// at most MaxReportLapses; Total is how many there were.
	Lapses []campaign.DirectiveLapse `json:"lapses,omitempty"`
	Total  int                       `json:"lapses_total"`
}

func directiveTable(h *campaign.History, p *campaign.Period) DirectiveTable {
	var t DirectiveTable
	var lapses []campaign.DirectiveLapse
	t.Districts, t.City, lapses = p.Directives(h)
	t.Total = len(lapses)
	t.Lapses = lapses[:min(len(lapses), MaxReportLapses)]
	sp := p.Covered()
	if book := h.Recorder().Directives; book != nil {
		for _, d := range book.Items {
			if day := h.Config().Day(d.At); day >= sp.From && day <= sp.To && !d.At.After(p.AsOf) {
				t.Issued++
			}
		}
	}
	below := func(f, city campaign.Figure) bool { return f.OK && city.OK && f.Value < city.Value }
	var lag []campaign.DirectiveTally
	for _, r := range t.Districts {
		if below(r.SignRate(), t.City.SignRate()) || below(r.ReportRate(), t.City.ReportRate()) {
			lag = append(lag, r)
		}
	}
	rate := func(f campaign.Figure) float64 {
		if !f.OK {
			return 100
		}
		return f.Value
	}
	slices.SortStableFunc(lag, func(a, b campaign.DirectiveTally) int {
		ma, _ := a.Lagging()
		mb, _ := b.Lagging()
		if c := cmp.Compare(mb, ma); c != 0 {
			return c
		}
		if c := cmp.Compare(rate(a.ReportRate()), rate(b.ReportRate())); c != 0 {
			return c
		}
		return cmp.Compare(rate(a.SignRate()), rate(b.SignRate()))
	})
	for _, r := range lag[:min(len(lag), MaxLaggards)] {
		t.Laggards = append(t.Laggards, r.District)
	}
	return t
}

// hasDirectives leaves the section out of a bulletin of a period with no
// instruction issued or due.
func hasDirectives(b *Bulletin) bool {
	c := b.Directives.City
	return b.Directives.Issued > 0 || c.SignDue+c.SignPending+c.ReportDue+c.ReportPending > 0
}

// directivesSection is the instructions' table: per district the
// sign-offs and reports due, on time, the rates and median times, the
// laggards named, and every one late or missing.
func directivesSection(d doc, b *Bulletin, w *words) {
	t := b.Directives
	c := t.City
	s := w.pick(fmt.Sprintf("本期下达指令%d条；应签收%d次，按时签收%d次，签收率%s；应反馈%d次，按时反馈%d次，反馈率%s",
		t.Issued, c.SignDue, c.SignOnTime, w.share(c.SignRate()), c.ReportDue, c.ReportOnTime, w.share(c.ReportRate())),
		fmt.Sprintf("In the period %d instructions were issued; %d sign-offs were due, %d on time (%s); %d reports were due, %d on time (%s)",
			t.Issued, c.SignDue, c.SignOnTime, w.share(c.SignRate()), c.ReportDue, c.ReportOnTime, w.share(c.ReportRate())))
	if c.SignPending+c.ReportPending > 0 {
		s += w.pick(fmt.Sprintf("；另有签收%d次、反馈%d次尚未到截止时间", c.SignPending, c.ReportPending),
			fmt.Sprintf("; %d sign-offs and %d reports are not due yet", c.SignPending, c.ReportPending))
	}
	d.para(s + w.pick("。", "."))
	times := func(p campaign.Percentiles) string { return w.percentile(p, p.Median) }
	row := func(name string, r campaign.DirectiveTally) []string {
		return []string{name, fmt.Sprint(r.SignDue), fmt.Sprint(r.SignOnTime), w.share(r.SignRate()), times(r.SignTime),
			fmt.Sprint(r.ReportDue), fmt.Sprint(r.ReportOnTime), w.share(r.ReportRate()), times(r.ReportTime), fmt.Sprint(r.SignMissing + r.ReportMissing)}
	}
	var rows [][]string
	var class []string
	week := b.Kind == campaign.PeriodWeek
	for _, r := range t.Districts {
		if r.SignDue+r.SignPending+r.ReportDue+r.ReportPending == 0 {
			continue // was sent nothing due in the period
		}
		if week && r.SignLate+r.SignMissing+r.ReportLate+r.ReportMissing == 0 && !slices.Contains(t.Laggards, r.District) {
			continue // a 周通报's four pages list the districts behind only
		}
		rows = append(rows, row(w.district(r.District), r))
		cl := ""
		if slices.Contains(t.Laggards, r.District) {
			cl = "lapse"
		}
		class = append(class, cl)
	}
	rows = append(rows, row(w.pick("全市", "City"), c))
	class = append(class, "")
	d.table([]string{w.pick("单位", "District"), w.pick("应签收", "Sign due"), w.pick("按时签收", "Signed in time"), w.pick("签收率", "Sign-off rate"),
		w.pick("签收用时中位", "Median to sign"), w.pick("应反馈", "Reports due"), w.pick("按时反馈", "Reported in time"), w.pick("反馈率", "Feedback rate"),
		w.pick("反馈用时中位", "Median to report"), w.pick("逾期未办", "Missing")},
		rows, []bool{false, true, true, true, true, true, true, true, true, true}, class)
	if len(t.Laggards) > 0 {
		names := make([]string, len(t.Laggards))
		for i, id := range t.Laggards {
			names[i] = w.district(id)
		}
		d.para(w.pick("签收率或反馈率低于全市的单位："+strings.Join(names, "、")+"。",
			"Below the city's sign-off or feedback rate: "+strings.Join(names, ", ")+"."))
	}
	if t.Total > 0 {
		rows = rows[:0]
		for _, l := range t.Lapses {
			what := w.pick("签收", "sign-off")
			if l.Report {
				what = w.pick("反馈", "report")
			}
			status := w.pick("逾期未办", "missing")
			if !l.At.IsZero() {
				late := l.At.Sub(l.Deadline)
				status = w.pick("迟办 "+w.clock(l.At)+"（晚"+w.wait(late.Round(time.Minute))+"）", "late, "+w.clock(l.At)+" ("+w.wait(late.Round(time.Minute))+" after)")
			}
			rows = append(rows, []string{l.Directive, w.district(l.District), what, l.Deadline.In(w.cfg.Location()).Format("01-02 15:04"), status})
		}
		d.para(w.pick("迟办、逾期未办明细：", "Late and missing sign-offs and reports:"))
		d.table([]string{w.pick("指令", "Instruction"), w.pick("单位", "District"), w.pick("事项", "What"), w.pick("截止", "Due"), w.pick("情况", "Status")}, rows, nil, nil)
		if t.Total > len(t.Lapses) {
			d.para(w.pick(fmt.Sprintf("（列出前%d条，其余%d条略。）", len(t.Lapses), t.Total-len(t.Lapses)),
				fmt.Sprintf("(The first %d shown; %d more not listed.)", len(t.Lapses), t.Total-len(t.Lapses))))
		}
	} else if c.SignDue+c.ReportDue > 0 {
		d.para(w.pick("本期各单位指令均按时签收、反馈。", "Every sign-off and report due in the period came on time."))
	}
	d.para(w.pick("说明：签收、反馈按其截止时间所在日计入本期；签收率=按时签收÷应签收，反馈率=按时反馈÷应反馈，应办为截至本期时点已到截止时间的（截止前已办的一并计入）；反馈同时视为签收；用时自下达起算，取中位数（按序位）。",
		"Sign-offs and reports count in the period holding their deadline; sign-off rate = signed in time ÷ due, feedback rate = reported in time ÷ due, due being those whose deadline had passed by the bulletin's time (and those already done before it); a report also signs; times run from the instruction, median by nearest rank."))
}
