package report

import (
	"fmt"
	"strings"
	"time"

	"sitboard/campaign"
)

// The campaign office's own instruments in the bulletins: the 督察 section
// (docs/figures.md, "Supervision") and the 战区 summary with each zone's
// standing ("Zones"). Every number is campaign's; this file arranges and
// words them.

// MaxOverdueNamed caps the overdue findings a bulletin names one by one.
const MaxOverdueNamed = 20

// SupervisionTable is the period's 督察 (nil for a campaign without
// teams, or a log without any supervision event): per district and per team in the
// campaign file's order, the city, and the findings overdue at the
// bulletin's instant (the first MaxOverdueNamed, longest overdue first).
type SupervisionTable struct {
	campaign.SupervisionReport
	// OverdueTotal is how many findings were overdue (Overdue lists the
	// first MaxOverdueNamed).
	OverdueTotal int `json:"overdue_total"`
	// InService and Formed are the teams in service at the period's end
	// and those formed in it (overall.supervision_teams, rule 4).
	InService int64 `json:"in_service"`
	Formed    int64 `json:"formed"`
}

func supervisionTable(h *campaign.History, p *campaign.Period) *SupervisionTable {
	cfg := h.Config()
	if rec := h.Recorder(); len(cfg.Supervision.Teams) == 0 || len(rec.Visits) == 0 && len(rec.Findings) == 0 {
		return nil // no teams, or a log without supervision: no section of zeros
	}
	t := &SupervisionTable{SupervisionReport: p.Supervision(h)}
	t.OverdueTotal = len(t.Overdue)
	t.Overdue = t.Overdue[:min(len(t.Overdue), MaxOverdueNamed)]
	for i := range t.Overdue {
		t.Overdue[i].Summary, t.Overdue[i].Note = clean(t.Overdue[i].Summary), clean(t.Overdue[i].Note)
	}
	f := p.Figure("overall.supervision_teams", "")
	t.InService = int64(f.Value.Value)
	if f.Opened != nil {
		t.Formed = *f.Opened
	}
	return t
}

// ZoneRow is one 战区's summary of the period and its standing.
type ZoneRow struct {
	Zone      string   `json:"zone"`
	Districts []string `json:"districts"` // the campaign file's order
	campaign.Headline
	// Red and Yellow are its districts' flags of the period (a week,
	// half-month or month).
	Red    int `json:"red"`
	Yellow int `json:"yellow"`
	// OpenFindings and OverdueFindings are its districts' supervision
	// findings not rectified at the bulletin's instant, and of them those
	// past their deadline.
	OpenFindings    int `json:"open_findings"`
	OverdueFindings int `json:"overdue_findings"`
	// Standing: the zone scored as one district of its districts' counts,
	// residents, targets and baselines summed (campaign.ZoneScores), by
	// the assessment's measures in a month and the flag measures
	// otherwise; PrevRank is its rank in the previous bulletin of the kind.
	campaign.ScoreRow
	PrevRank int `json:"prev_rank,omitempty"`
}

// zoneRows are the zones best first, and how they were scored.
func zoneRows(cfg *campaign.Config, p *campaign.Period, b *Bulletin) ([]ZoneRow, campaign.Scores) {
	if len(cfg.Zones) == 0 {
		return nil, campaign.Scores{}
	}
	measures := cfg.FlagMeasures()
	if p.Kind == campaign.PeriodMonth && len(cfg.AssessMeasures()) > 0 {
		measures = cfg.AssessMeasures()
	}
	score := func(p *campaign.Period) campaign.Scores {
		return campaign.ZoneScores(cfg, measures, campaign.ScoreInputs(p.Counts.Districts, p.Before.Districts), p.Elapsed.DaysRun())
	}
	sc := score(p)
	prev := map[string]int{}
	if p.Prev != nil {
		for _, r := range score(p.Prev).Rows {
			prev[r.District] = r.Rank
		}
	}
	flags := map[string]string{}
	if b.Flagged {
		for _, r := range b.Districts {
			flags[r.District] = r.Flag
		}
	}
	var rows []ZoneRow
	for _, r := range sc.Rows {
		ds := cfg.ZoneDistricts(r.District)
		z := ZoneRow{Zone: r.District, Districts: ds, Headline: campaign.HeadlineOf(campaign.GroupCounters(p.Counts.Districts, ds)), ScoreRow: r, PrevRank: prev[r.District]}
		for _, d := range ds {
			switch flags[d] {
			case campaign.FlagRed:
				z.Red++
			case campaign.FlagYellow:
				z.Yellow++
			}
			if s := b.Supervision; s != nil {
				if i, ok := cfg.DistrictIndex(d); ok {
					z.OpenFindings += s.Districts[i].Open
					z.OverdueFindings += s.Districts[i].Overdue
				}
			}
		}
		rows = append(rows, z)
	}
	sc.Rows = nil
	return rows, sc
}

func (w *words) team(id string) string { return w.cfg.TeamName(id, w.lang) }

func (w *words) zone(id string) string { return w.cfg.ZoneName(id, w.lang) }

func (w *words) leader(zone string) string {
	if i, ok := w.cfg.ZoneIndex(zone); ok {
		return w.cfg.Zones[i].Leader(w.lang)
	}
	return ""
}

// hasSupervision and hasZones leave the sections out of a campaign without
// teams or zones.
func hasSupervision(b *Bulletin) bool { return b.Supervision != nil }
func hasZones(b *Bulletin) bool       { return len(b.Zones) > 0 }

// whenOpen says as of when the open findings are counted: the period's
// end, or its instant while it runs; whenOpenIn is its English inside a
// sentence.
func (w *words) whenOpen(b *Bulletin) string {
	if b.ToDate {
		return w.pick("截至"+w.clock(b.AsOf), "At "+w.clock(b.AsOf))
	}
	return w.pick("截至期末", "At the period's end")
}

func (w *words) whenOpenIn(b *Bulletin) string {
	if b.ToDate {
		return w.pick("截至"+w.clock(b.AsOf), "at "+w.clock(b.AsOf))
	}
	return w.pick("截至期末", "at the period's end")
}

// supervisionSentence is the period's 督察 in one sentence.
func supervisionSentence(b *Bulletin, w *words) string {
	t := b.Supervision
	c := t.City
	n := func(v int) string { return w.count(float64(v)) }
	// The teams in service by rule 4, where the log has their formation
	// (operation.launched, supervision_team).
	teams := w.pick("本期", "In the period the teams ")
	if t.InService > 0 || t.Formed > 0 {
		teams = w.pick(fmt.Sprintf("本期督察组在岗%s个（本期新组建%s个），", w.count(float64(t.InService)), w.count(float64(t.Formed))),
			fmt.Sprintf("In the period %s supervision teams were in service (%s formed in it); they ", w.count(float64(t.InService)), w.count(float64(t.Formed))))
	}
	return w.pick(fmt.Sprintf("%s开展督察%s次，其中明察%s次、暗访%s次，发现问题%s个，交办整改%s个；整改完成%s个，其中逾期整改%s个；%s尚有%s个问题未整改，其中逾期未整改%s个。",
		teams, n(c.VisitTotal()), n(c.Visits[0]), n(c.Visits[1]), w.count(float64(c.Problems)), n(c.Found),
		n(c.Rectified), n(c.Late), w.whenOpen(b), n(c.Open), n(c.Overdue)),
		fmt.Sprintf("%smade %s visits, %s announced and %s unannounced, and found %s problems, %s of them to be put right by a deadline. %s findings were put right, %s of them after their deadline. %s, %s findings were still open, %s of them overdue.",
			teams, n(c.VisitTotal()), n(c.Visits[0]), n(c.Visits[1]), w.count(float64(c.Problems)), n(c.Found),
			n(c.Rectified), n(c.Late), w.whenOpen(b), n(c.Open), n(c.Overdue)))
}

// overdueBy writes how long a finding has been overdue: 3天6小时, 5小时
// (3 d 6 h, 5 h), to the hour; under an hour in minutes.
func (w *words) overdueBy(d time.Duration) string {
	if d < time.Hour {
		return w.wait(d.Round(time.Minute))
	}
	h := int(d / time.Hour)
	switch {
	case h < 24:
		return w.pick(fmt.Sprintf("%d小时", h), fmt.Sprintf("%d h", h))
	case h%24 == 0:
		return w.pick(fmt.Sprintf("%d天", h/24), fmt.Sprintf("%d d", h/24))
	}
	return w.pick(fmt.Sprintf("%d天%d小时", h/24, h%24), fmt.Sprintf("%d d %d h", h/24, h%24))
}

// supervisionSection is the 督察 section: the sentence, the districts'
// and the teams' tables side by side in print, and the overdue findings
// named (at most overdueNamed of the kind).
func supervisionSection(d doc, b *Bulletin, w *words) {
	t := b.Supervision
	d.para(supervisionSentence(b, w))
	if b.Kind == campaign.PeriodWeek {
		supervisionLines(d, b, w) // a 周通报 has four pages
		return
	}
	n := func(v int) string { return w.count(float64(v)) }
	withPart := func(all, part int) string {
		if part == 0 {
			return n(all)
		}
		return n(all) + "(" + n(part) + ")"
	}
	row := func(name string, r campaign.SupervisionTally) []string {
		return []string{name, withPart(r.VisitTotal(), r.Visits[1]), w.count(float64(r.Problems)), withPart(r.Rectified, r.Late), withPart(r.Open, r.Overdue)}
	}
	head := func(first string) []string {
		return []string{first, w.pick("督察(暗访)", "Visits (unannounced)"), w.pick("发现问题", "Problems"), w.pick("整改(逾期)", "Put right (late)"), w.pick("未改(逾期)", "Open (overdue)")}
	}
	numeric := []bool{false, true, true, true, true}
	table := func(first string, rows []campaign.SupervisionTally, name func(string) string) {
		var out [][]string
		var class []string
		for _, r := range rows {
			out = append(out, row(name(r.Key), r))
			cl := ""
			if r.Overdue > 0 {
				cl = "lapse"
			}
			class = append(class, cl)
		}
		out = append(out, row(w.pick("合计", "Total"), t.City))
		class = append(class, "")
		d.table(head(first), out, numeric, class)
	}
	d.group("pair")
	d.block(true)
	table(w.pick("单位", "District"), t.Districts, w.district)
	d.block(false)
	d.block(true)
	table(w.pick("督察组", "Team"), t.Teams, w.team)
	d.block(false)
	d.group("")
	overdueFindings(d, b, w, overdueNamed[b.Kind])
}

// supervisionLines are a 周通报's 督察 after its sentence: the findings
// overdue by district and the longest named, in one sentence; its four
// pages have no room for the tables, which the longer bulletins give per
// district and per team.
func supervisionLines(d doc, b *Bulletin, w *words) {
	t := b.Supervision
	n := func(v int) string { return w.count(float64(v)) }
	if t.OverdueTotal == 0 {
		return
	}
	asOf := w.cfg.Date(b.Span.To + 1)
	if b.ToDate {
		asOf = b.AsOf
	}
	var named []string
	for _, f := range t.Overdue[:min(len(t.Overdue), overdueNamed[b.Kind])] {
		named = append(named, w.pick(fmt.Sprintf("%s（%s）%s，逾期%s", w.district(f.District), w.team(f.Team), f.Summary, w.overdueBy(asOf.Sub(f.Deadline))),
			fmt.Sprintf("%s (%s): %s, overdue %s", w.district(f.District), w.team(f.Team), f.Summary, w.overdueBy(asOf.Sub(f.Deadline)))))
	}
	// The districts with findings overdue, and the longest named.
	var late []string
	for _, r := range t.Districts {
		if r.Overdue > 0 {
			late = append(late, w.district(r.Key)+n(r.Overdue))
		}
	}
	s := w.pick(fmt.Sprintf("逾期未整改%d个（%s），逾期最久的：", t.OverdueTotal, strings.Join(late, "、")),
		fmt.Sprintf("%d findings overdue (%s); the longest: ", t.OverdueTotal, strings.Join(late, ", "))) + strings.Join(named, w.pick("；", "; "))
	if more := t.OverdueTotal - len(named); more > 0 {
		s += w.pick(fmt.Sprintf("；其余%d个略", more), fmt.Sprintf("; %d more", more))
	}
	d.para(s + w.pick("。", "."))
}

// overdueNamed caps the overdue findings each kind of bulletin names one
// by one (at most MaxOverdueNamed are kept); the rest are counted.
var overdueNamed = map[string]int{campaign.PeriodWeek: 2, campaign.PeriodHalfMonth: 10, campaign.PeriodMonth: 10, campaign.PeriodCampaign: MaxOverdueNamed}

// overdueFindings names the findings overdue at the bulletin's instant,
// at most max.
func overdueFindings(d doc, b *Bulletin, w *words, max int) {
	t := b.Supervision
	if t.OverdueTotal == 0 {
		if t.City.Found > 0 || t.City.Open > 0 {
			d.para(w.pick(w.whenOpen(b)+"，无逾期未整改问题。", w.whenOpen(b)+", no finding was overdue."))
		}
		return
	}
	asOf := b.AsOf
	if !b.ToDate {
		asOf = w.cfg.Date(b.Span.To + 1)
	}
	var rows [][]string
	for _, f := range t.Overdue[:min(len(t.Overdue), max)] {
		rows = append(rows, []string{w.district(f.District), w.team(f.Team), f.Summary, w.severity(f.Severity), w.clock(f.At), w.clock(f.Deadline),
			w.overdueBy(asOf.Sub(f.Deadline))})
	}
	d.para(w.pick(fmt.Sprintf("逾期未整改问题（%s，共%d个）：", w.whenOpen(b), t.OverdueTotal), fmt.Sprintf("Findings overdue (%s, %d in all):", w.whenOpenIn(b), t.OverdueTotal)))
	d.table([]string{w.pick("单位", "District"), w.pick("督察组", "Team"), w.pick("问题", "Finding"), w.pick("性质", "Severity"), w.pick("发现", "Found"),
		w.pick("整改期限", "Deadline"), w.pick("已逾期", "Overdue by")}, rows, nil, nil)
	if shown := min(len(t.Overdue), max); t.OverdueTotal > shown {
		d.para(w.pick(fmt.Sprintf("（列出逾期最久的%d个，其余%d个略。）", shown, t.OverdueTotal-shown),
			fmt.Sprintf("(The %d longest overdue shown; %d more not listed.)", shown, t.OverdueTotal-shown)))
	}
}

func (w *words) severity(s string) string {
	switch s {
	case "minor":
		return w.pick("一般", "minor")
	case "serious":
		return w.pick("较重", "serious")
	case "severe":
		return w.pick("严重", "severe")
	}
	return s
}

// supervisionBrief is a 日动态's 督察 in one sentence: its two pages
// have no room for the findings one by one, which the 周通报 names (and
// the open alerts, with a finding_overdue rule).
func supervisionBrief(d doc, b *Bulletin, w *words) {
	t := b.Supervision
	if t == nil {
		return
	}
	c := t.City
	if c.VisitTotal() == 0 && c.Found == 0 && c.Rectified == 0 && c.Open == 0 {
		return
	}
	n := func(v int) string { return w.count(float64(v)) }
	d.para(w.pick(fmt.Sprintf("督察：督察%s次（暗访%s次），交办整改%s个，整改%s个（逾期%s个）；%s未整改%s个，其中逾期%s个。",
		n(c.VisitTotal()), n(c.Visits[1]), n(c.Found), n(c.Rectified), n(c.Late), w.whenOpen(b), n(c.Open), n(c.Overdue)),
		fmt.Sprintf("Supervision: %s visits (%s unannounced), %s findings to put right, %s put right (%s late); %s, %s open, %s overdue.",
			n(c.VisitTotal()), n(c.Visits[1]), n(c.Found), n(c.Rectified), n(c.Late), w.whenOpenIn(b), n(c.Open), n(c.Overdue))))
}

// zonesLine is a 周通报's 战区 in a sentence: each zone's place, leader,
// score and findings open, best first.
func zonesLine(d doc, b *Bulletin, w *words) {
	var parts []string
	for _, z := range b.Zones {
		score := "—"
		if b.ZoneScoring.Ranked {
			score = fmt.Sprintf("%.*f", b.ZoneScoring.Decimals, z.Score)
		}
		p := w.pick(fmt.Sprintf("%d.%s：%s负责，%s分", z.Rank, w.zone(z.Zone), w.leader(z.Zone), score), fmt.Sprintf("%d. %s, led by %s: %s", z.Rank, w.zone(z.Zone), w.leader(z.Zone), score))
		if b.Supervision != nil && z.OpenFindings > 0 {
			p += w.pick(fmt.Sprintf("，督察未改%d个", z.OpenFindings), fmt.Sprintf(", %d findings open", z.OpenFindings))
			if z.OverdueFindings > 0 {
				p += w.pick(fmt.Sprintf("（逾期%d）", z.OverdueFindings), fmt.Sprintf(" (%d overdue)", z.OverdueFindings))
			}
		}
		parts = append(parts, p)
	}
	d.para(w.pick("各战区按红黄旗计分口径排名：", "The zones scored by the flag rules: ") + strings.Join(parts, w.pick("；", "; ")) + w.pick("。", "."))
}

// zonesSection is the 战区 summary: each zone's leader, districts, lead
// numbers, flags, open findings and standing, best first.
func zonesSection(d doc, b *Bulletin, w *words) {
	if b.Kind == campaign.PeriodWeek {
		zonesLine(d, b, w) // a 周通报 has four pages
		return
	}
	month := b.Kind == campaign.PeriodMonth && len(b.Assessment) > 0
	basis := w.pick("按红黄旗计分口径", "scored by the flag rules")
	if month {
		basis = w.pick("按月考核计分口径（满分100分）", "scored by the monthly assessment (out of 100)")
	}
	d.para(w.pick(fmt.Sprintf("各战区%s排名如下（计分办法见附件“指标说明”；红/黄旗为所辖单位本期所得）。", basis),
		fmt.Sprintf("The zones, %s (how, in the annex Definitions; the flags are its districts').", basis)))
	flagged := b.Flagged
	var rows [][]string
	var holds []string
	for _, z := range b.Zones {
		var names []string
		for _, id := range z.Districts {
			names = append(names, w.district(id))
		}
		holds = append(holds, w.pick(w.zone(z.Zone)+"辖"+strings.Join(names, "、"), w.zone(z.Zone)+": "+strings.Join(names, ", ")))
		score := "—"
		if b.ZoneScoring.Ranked {
			score = fmt.Sprintf("%.*f", b.ZoneScoring.Decimals, z.Score)
		}
		row := []string{fmt.Sprint(z.Rank), w.zone(z.Zone), w.leader(z.Zone),
			w.count(float64(z.Alarms)), w.count(float64(z.CasesSolved)), w.count(float64(z.Arrested))}
		if flagged {
			row = append(row, fmt.Sprintf("%d/%d", z.Red, z.Yellow))
		}
		if b.Supervision != nil {
			findings := w.count(float64(z.OpenFindings))
			if z.OverdueFindings > 0 {
				findings += w.pick(fmt.Sprintf("（逾期%d）", z.OverdueFindings), fmt.Sprintf(" (%d overdue)", z.OverdueFindings))
			}
			row = append(row, findings)
		}
		row = append(row, score)
		if b.PrevNumber > 0 {
			prev := "—"
			if z.PrevRank > 0 {
				prev = fmt.Sprint(z.PrevRank)
			}
			row = append(row, prev)
		}
		rows = append(rows, row)
	}
	head := []string{w.pick("名次", "Rank"), w.pick("战区", "Zone"), w.pick("负责人", "Led by"),
		w.pick("警情", "Alarms"), w.pick("破案", "Solved"), w.pick("抓获", "Caught")}
	numeric := []bool{true, false, false, true, true, true}
	if flagged {
		head, numeric = append(head, w.pick("红/黄旗", "Flags R/Y")), append(numeric, true)
	}
	if b.Supervision != nil {
		head, numeric = append(head, w.pick("督察未改", "Findings open")), append(numeric, true)
	}
	head, numeric = append(head, w.pick("得分", "Score")), append(numeric, true)
	if b.PrevNumber > 0 {
		head, numeric = append(head, w.pick("上期名次", "Last")), append(numeric, true)
	}
	d.table(head, rows, numeric, nil)
	d.note(w.pick(strings.Join(holds, "；")+"。", strings.Join(holds, "; ")+"."))
	if len(b.ZoneScoring.LeftOut) > 0 {
		var names []string
		for _, m := range b.ZoneScoring.LeftOut {
			names = append(names, w.measure(m))
		}
		d.note(w.pick("本期无法如实计算、不计入战区得分的项目："+strings.Join(names, "、")+"。", "Left out of the zones' scores, as they cannot be computed honestly this period: "+strings.Join(names, ", ")+"."))
	}
}
