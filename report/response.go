package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"sitboard/campaign"
)

// The 110 table (出警时效) and the shift reports due (报送): every number
// is campaign's (docs/figures.md, "The response clock" and "Shift reports
// due"); this file arranges and words them.

// MaxLaggards caps the districts a bulletin names as laggards.
const MaxLaggards = 3

// MaxReportLapses caps the late and missing reports listed one by one.
const MaxReportLapses = 30

// ResponseTable is the period's response clock, per district and for the
// city.
type ResponseTable struct {
	// Thresholds are the campaign file's [[response]]; none: the file sets
	// no threshold and the table has times only.
	Thresholds []ResponseThreshold `json:"thresholds,omitempty"`
	Districts  []ResponseRow       `json:"districts"` // config order
	City       ResponseRow         `json:"city"`
	// Laggards are the districts dispatched within their thresholds least
	// often, below the city's share, lowest first (ties in config order),
	// at most MaxLaggards.
	Laggards []string `json:"laggards,omitempty"`
	// Open is, for a bulletin of a period still running, the alarms open
	// at its instant past their thresholds, per kind.
	Open *OpenLate `json:"open_late,omitempty"`
}

// ResponseThreshold is one priority's thresholds, in seconds.
type ResponseThreshold struct {
	Priority     int   `json:"priority"`
	DispatchSecs int64 `json:"dispatch_s"`
	CloseSecs    int64 `json:"close_s"`
}

// ResponseRow is one district's (or the city's) response clock.
type ResponseRow struct {
	District string `json:"district,omitempty"` // "" for the city
	campaign.Response
	// P1InTime of P1Timed urgent (P1) calls dispatched within theirs.
	P1InTime int64 `json:"p1_in_time"`
	P1Timed  int64 `json:"p1_timed"`
}

// OpenLate counts open alarms past their thresholds at an instant.
type OpenLate struct {
	LateDispatch int `json:"late_dispatch"` // not dispatched past the dispatch threshold
	LateClose    int `json:"late_close"`    // open past the close threshold
	// OldestP1 is the oldest late P1's age in seconds, 0 when none.
	OldestP1Secs int64  `json:"oldest_p1_s,omitempty"`
	OldestP1     string `json:"oldest_p1,omitempty"` // its alarm id
	OldestP1In   string `json:"oldest_p1_district,omitempty"`
}

func responseRow(cfg *campaign.Config, district string, c *campaign.Counters) ResponseRow {
	r := ResponseRow{District: district, Response: campaign.ResponseOf(cfg, c)}
	r.P1InTime, r.P1Timed = campaign.PriorityShare(c, 1)
	return r
}

// responseTable is the period's 110 table; open is set for a period still
// running, from the state at the log's end taken at asOf.
func responseTable(h *campaign.History, p *campaign.Period, asOf time.Time) ResponseTable {
	cfg := h.Config()
	var t ResponseTable
	for _, r := range cfg.Response {
		t.Thresholds = append(t.Thresholds, ResponseThreshold{Priority: r.Priority, DispatchSecs: int64(r.Dispatch / time.Second), CloseSecs: int64(r.Close / time.Second)})
	}
	t.City = responseRow(cfg, "", &p.Counts.Totals)
	for _, d := range cfg.Districts {
		t.Districts = append(t.Districts, responseRow(cfg, d.ID, p.Counts.Districts[d.ID]))
	}
	if t.City.Share.OK {
		var low []ResponseRow
		for _, r := range t.Districts {
			if r.Share.OK && r.Share.Value < t.City.Share.Value {
				low = append(low, r)
			}
		}
		slices.SortStableFunc(low, func(a, b ResponseRow) int { return cmp.Compare(a.Share.Value, b.Share.Value) })
		for _, r := range low[:min(len(low), MaxLaggards)] {
			t.Laggards = append(t.Laggards, r.District)
		}
	}
	if p.Elapsed.Running && len(cfg.Response) > 0 {
		open := &OpenLate{}
		for _, a := range campaign.OpenAges(cfg, h.State(), "", asOf) {
			switch a.Late {
			case campaign.LateDispatch:
				open.LateDispatch++
			case campaign.LateClose:
				open.LateClose++
			}
		}
		if o, ok := campaign.OldestOverdue(cfg, h.State(), 1, asOf); ok {
			open.OldestP1Secs, open.OldestP1, open.OldestP1In = int64(o.Age/time.Second), o.ID, o.District
		}
		t.Open = open
	}
	return t
}

// ReportsTable is the period's shift reports due.
type ReportsTable struct {
	// Rules are the campaign file's [[reports]]; none: nothing is owed.
	Rules     int                    `json:"rules"`
	Districts []campaign.ReportTally `json:"districts"` // config order
	City      campaign.ReportTally   `json:"city"`
	// Lapses are the late and missing reports, night by night, at most
	// MaxReportLapses; Total is how many there were.
	Lapses []campaign.ReportStatus `json:"lapses,omitempty"`
	Total  int                     `json:"lapses_total"`
}

func reportsTable(h *campaign.History, p *campaign.Period) ReportsTable {
	t := ReportsTable{Rules: len(h.Config().Reports)}
	if t.Rules == 0 {
		return t
	}
	var lapses []campaign.ReportStatus
	t.Districts, t.City, lapses = p.Reports(h)
	t.Total = len(lapses)
	t.Lapses = lapses[:min(len(lapses), MaxReportLapses)]
	return t
}

// wait writes a response time: 4分30秒, 1小时45分 (4 min 30 s, 1 h 45 min).
func (w *words) wait(d time.Duration) string {
	s := int64(d / time.Second)
	h, m, sec := s/3600, s%3600/60, s%60
	switch {
	case h > 0 && m == 0 && w.zh():
		return fmt.Sprintf("%d小时", h)
	case h > 0 && m == 0:
		return fmt.Sprintf("%d h", h)
	case h > 0 && w.zh():
		return fmt.Sprintf("%d小时%d分", h, m)
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case sec > 0 && w.zh():
		return fmt.Sprintf("%d分%d秒", m, sec)
	case sec > 0:
		return fmt.Sprintf("%d min %d s", m, sec)
	case w.zh():
		return fmt.Sprintf("%d分钟", m)
	}
	return fmt.Sprintf("%d min", m)
}

func (w *words) share(f campaign.Figure) string {
	if !f.OK {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", f.Value)
}

func (w *words) percentile(p campaign.Percentiles, d time.Duration) string {
	if p.N == 0 {
		return "—"
	}
	return w.wait(d)
}

// responseSection is the 110 table: per district the share dispatched
// within its thresholds, the medians and 90th percentiles, the laggards.
func responseSection(d doc, b *Bulletin, w *words) {
	d.subheading(w.pick("110接处警时效", "110 response times"))
	t := b.Response
	c := t.City
	if c.Dispatch.N == 0 && c.Close.N == 0 {
		d.para(w.pick("本期无计时的警情（无派警、结警记录）。", "No alarm was timed in the period (no dispatch or close on record)."))
	} else {
		responseTimes(d, t, w)
	}
	if o := t.Open; o != nil {
		s := w.pick(fmt.Sprintf("截至%s，超时未派警%d起、超时未结警%d起", w.clock(b.AsOf), o.LateDispatch, o.LateClose),
			fmt.Sprintf("At %s, %d open calls were past their dispatch threshold undispatched and %d past their close threshold", w.clock(b.AsOf), o.LateDispatch, o.LateClose))
		if o.OldestP1 != "" {
			s += w.pick(fmt.Sprintf("；超时最久的一级警情%s（%s）已%s", o.OldestP1, w.district(o.OldestP1In), w.wait(time.Duration(o.OldestP1Secs)*time.Second)),
				fmt.Sprintf("; the oldest late P1 call, %s (%s), has waited %s", o.OldestP1, w.district(o.OldestP1In), w.wait(time.Duration(o.OldestP1Secs)*time.Second)))
		}
		d.para(s + w.pick("。", "."))
	}
	var limits []string
	for _, th := range t.Thresholds {
		limits = append(limits, w.pick(fmt.Sprintf("%s级警情%s内派警、%s内结警", zhNumerals[th.Priority-1], w.wait(time.Duration(th.DispatchSecs)*time.Second), w.wait(time.Duration(th.CloseSecs)*time.Second)),
			fmt.Sprintf("P%d dispatched within %s and closed within %s", th.Priority, w.wait(time.Duration(th.DispatchSecs)*time.Second), w.wait(time.Duration(th.CloseSecs)*time.Second))))
	}
	note := w.pick("说明：用时自接警起算；派警用时按30秒、结警用时按5分钟向上取整后取中位数和90%分位数（按序位）；派警、结警按发生时间所在日计。",
		"Times run from the call; dispatch times are rounded up to 30 s and close times to 5 min before the median and 90th percentile (nearest rank); a dispatch or close counts on the day it happened.")
	if len(limits) > 0 {
		note = w.pick("时限："+strings.Join(limits, "；")+"。", "Thresholds: "+strings.Join(limits, "; ")+". ") + note
	}
	d.para(note)
}

// reportsSection is the shift reports due: per district, on time, late and
// missing, and the late and missing ones night by night.
func reportsSection(d doc, b *Bulletin, w *words) {
	t := b.Reports
	d.subheading(w.pick("勤务报送", "Shift reports due"))
	if t.Rules == 0 {
		d.para(w.pick("活动配置未列应报勤务报告（[[reports]]）。", "The campaign file lists no shift report due ([[reports]])."))
		return
	}
	c := t.City
	s := w.pick(fmt.Sprintf("本期应报勤务报告%d份，按时%d份，迟报%d份，漏报%d份", c.Owed, c.OnTime, c.Late, c.Missing),
		fmt.Sprintf("In the period %d shift reports were due: %d on time, %d late, %d missing", c.Owed, c.OnTime, c.Late, c.Missing))
	if c.Pending > 0 {
		s += w.pick(fmt.Sprintf("；另有%d份尚未到截止时间", c.Pending), fmt.Sprintf("; %d more are not due yet", c.Pending))
	}
	d.para(s + w.pick("。", "."))
	var rows [][]string
	var class []string
	for _, r := range t.Districts {
		if r.Owed == 0 && r.Pending == 0 {
			continue // owes no report
		}
		rows = append(rows, []string{w.district(r.District), fmt.Sprint(r.Owed), fmt.Sprint(r.OnTime), fmt.Sprint(r.Late), fmt.Sprint(r.Missing)})
		cl := ""
		if r.Missing > 0 {
			cl = "lapse"
		}
		class = append(class, cl)
	}
	rows = append(rows, []string{w.pick("合计", "Total"), fmt.Sprint(c.Owed), fmt.Sprint(c.OnTime), fmt.Sprint(c.Late), fmt.Sprint(c.Missing)})
	class = append(class, "")
	d.table([]string{w.pick("单位", "District"), w.pick("应报(份)", "Due"), w.pick("按时", "On time"), w.pick("迟报", "Late"), w.pick("漏报", "Missing")},
		rows, []bool{false, true, true, true, true}, class)
	if t.Total == 0 {
		if c.Owed > 0 {
			d.para(w.pick("本期各单位勤务报告均按时报送。", "Every shift report due in the period came on time."))
		}
	} else {
		rows = rows[:0]
		for _, l := range t.Lapses {
			status := w.pick("漏报", "missing")
			if l.Status == campaign.ReportLate {
				late := l.At.Sub(l.Deadline)
				status = w.pick("迟报 "+w.clock(l.At)+"（晚"+w.wait(late.Round(time.Minute))+"）", "late, "+w.clock(l.At)+" ("+w.wait(late.Round(time.Minute))+" after)")
			}
			grid := ""
			if l.Grid != "" {
				grid = w.grid(l.Grid)
			}
			rows = append(rows, []string{w.cfg.Date(l.Night).Format("01-02"), w.district(l.District), w.cfg.Reports[l.Rule].Name(w.lang), grid, w.clock(l.Deadline), status})
		}
		d.para(w.pick("迟报、漏报明细：", "Late and missing reports:"))
		d.table([]string{w.pick("日期", "Night"), w.pick("单位", "District"), w.pick("报告", "Report"), w.pick("网格", "Grid"), w.pick("截止", "Due"), w.pick("情况", "Status")},
			rows, nil, nil)
		if t.Total > len(t.Lapses) {
			d.para(w.pick(fmt.Sprintf("（列出前%d条，其余%d条略。）", len(t.Lapses), t.Total-len(t.Lapses)),
				fmt.Sprintf("(The first %d shown; %d more not listed.)", len(t.Lapses), t.Total-len(t.Lapses))))
		}
	}
	var due []string
	for i := range w.cfg.Reports {
		r := &w.cfg.Reports[i]
		per := w.pick("各单位", "each district")
		if r.Per == campaign.PerGrid {
			per = w.pick("各网格", "each grid")
		}
		due = append(due, w.pick(fmt.Sprintf("%s%s当日%s前报送（其后%s内计迟报）", per, r.Name(w.lang), hhmm(r.DueAfter()), w.wait(r.LateFor())),
			fmt.Sprintf("%s, %s by %s (late within %s after)", r.Name(w.lang), per, hhmm(r.DueAfter()), w.wait(r.LateFor()))))
	}
	d.para(w.pick("说明：应报为截至本期时点已到截止时间的报告；"+strings.Join(due, "；")+"；逾期未报计漏报。",
		"Due are the reports whose deadline had passed by the bulletin's time: "+strings.Join(due, "; ")+"; none at all is missing."))
}

// hhmm writes a time of day from midnight, "22:00", "24:00".
func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// responseTimes is the 110 table's sentence, table and laggards.
func responseTimes(d doc, t ResponseTable, w *words) {
	c := t.City
	if len(t.Thresholds) == 0 {
		d.para(w.pick("活动配置未设出警时限（[[response]]），只列用时。", "The campaign file sets no response thresholds ([[response]]): times only."))
	}
	sentence := w.pick(fmt.Sprintf("本期全市派警%s起，派警用时中位数%s、90%%在%s以内；结警%s起，用时中位数%s。",
		w.count(float64(c.Dispatch.N)), w.percentile(c.Dispatch, c.Dispatch.Median), w.percentile(c.Dispatch, c.Dispatch.P90),
		w.count(float64(c.Close.N)), w.percentile(c.Close, c.Close.Median)),
		fmt.Sprintf("In the period the city dispatched to %s calls, half within %s and 90%% within %s; %s calls were closed, half within %s.",
			w.count(float64(c.Dispatch.N)), w.percentile(c.Dispatch, c.Dispatch.Median), w.percentile(c.Dispatch, c.Dispatch.P90),
			w.count(float64(c.Close.N)), w.percentile(c.Close, c.Close.Median)))
	if len(t.Thresholds) > 0 {
		sentence += w.pick(fmt.Sprintf("按时派警%s起，派警及时率%s；一级警情及时率%s；按时结警率%s。",
			w.count(float64(c.InTime)), w.share(c.Share), w.share(campaign.ShownRate(c.P1InTime, c.P1Timed)), w.share(c.CloseShare)),
			fmt.Sprintf(" %s were dispatched within their thresholds (%s); urgent (P1) calls %s; closed in time %s.",
				w.count(float64(c.InTime)), w.share(c.Share), w.share(campaign.ShownRate(c.P1InTime, c.P1Timed)), w.share(c.CloseShare)))
	}
	d.para(sentence)
	row := func(name string, r ResponseRow) []string {
		return []string{name, w.count(float64(r.Dispatch.N)), w.count(float64(r.InTime)), w.share(r.Share), w.share(campaign.ShownRate(r.P1InTime, r.P1Timed)),
			w.percentile(r.Dispatch, r.Dispatch.Median), w.percentile(r.Dispatch, r.Dispatch.P90),
			w.percentile(r.Close, r.Close.Median), w.percentile(r.Close, r.Close.P90), w.share(r.CloseShare)}
	}
	var rows [][]string
	var class []string
	for _, r := range t.Districts {
		rows = append(rows, row(w.district(r.District), r))
		cl := ""
		if slices.Contains(t.Laggards, r.District) {
			cl = "lapse"
		}
		class = append(class, cl)
	}
	rows = append(rows, row(w.pick("全市", "City"), c))
	class = append(class, "")
	// A laggard's or a district with a report missing is marked "lapse":
	// not "yellow", which is a yellow flag (黄旗).
	d.table([]string{w.pick("单位", "District"), w.pick("派警(起)", "Dispatched"), w.pick("按时(起)", "In time"), w.pick("派警及时率", "In time %"),
		w.pick("一级警情及时率", "P1 in time %"), w.pick("派警中位", "Dispatch median"), w.pick("派警P90", "Dispatch P90"),
		w.pick("结警中位", "Close median"), w.pick("结警P90", "Close P90"), w.pick("按时结警率", "Closed in time %")},
		rows, []bool{false, true, true, true, true, true, true, true, true, true}, class)
	if len(t.Laggards) > 0 {
		var names []string
		for _, id := range t.Laggards {
			for _, r := range t.Districts {
				if r.District == id {
					names = append(names, w.district(id)+w.pick("（"+w.share(r.Share)+"）", " ("+w.share(r.Share)+")"))
				}
			}
		}
		d.para(w.pick("派警及时率低于全市的单位（由低到高）："+strings.Join(names, "、")+"。",
			"Dispatched in time less often than the city (lowest first): "+strings.Join(names, ", ")+"."))
	} else if len(t.Thresholds) > 0 && c.Share.OK {
		d.para(w.pick("各单位派警及时率均不低于全市。", "No district was dispatched in time less often than the city."))
	}
}
