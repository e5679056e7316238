// Package report builds the campaign office's bulletins: 日动态 (day),
// 周通报 (week), 半月讲评 (half-month), 月考核 (month) and the closing
// bulletin (campaign), as text, Markdown, HTML or JSON.
//
// Every number in a bulletin comes out of package campaign (a History
// folded from the log or a recording); this package only arranges and
// words them.
package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sitboard/campaign"
	"sitboard/feed"
)

// Bulletin is everything one bulletin shows. It is the JSON the hub serves
// at /v1/reports?format=json, and what every format renders.
type Bulletin struct {
	Campaign string        `json:"campaign"`
	NameZh   string        `json:"name_zh"`
	NameEn   string        `json:"name_en"`
	CityZh   string        `json:"city_zh"`
	CityEn   string        `json:"city_en"`
	Kind     string        `json:"kind"`
	Span     campaign.Span `json:"span"`
	From     string        `json:"from"` // first date, YYYY-MM-DD
	To       string        `json:"to"`   // last date
	// Number is the period's ordinal in the campaign (week 3, month 2);
	// 0 for a day or the campaign.
	Number int `json:"number,omitempty"`
	// ToDate is set when the period was still running as of AsOf (the
	// newest event's time, or the time asked for): the span then ends on
	// the day running, which counts to the whole hour Elapsed.Hours, and
	// its comparisons are over the complete days (docs/figures.md, rule 1).
	ToDate bool `json:"to_date,omitempty"`
	// AsOf is the instant the bulletin is taken as of; Elapsed how much
	// of the period had run by then.
	AsOf       time.Time        `json:"as_of,omitzero"`
	Elapsed    campaign.Elapsed `json:"elapsed"`
	PeriodDays int              `json:"period_days"` // the whole period's length
	// PrevNumber is 上期's ordinal (the previous bulletin of the kind), 0
	// when the period is the first of its kind.
	PrevNumber int    `json:"prev_number,omitempty"`
	Seq        uint64 `json:"seq"`
	Events     int64  `json:"events"` // every event folded, the whole log
	// PeriodEvents are the events dated in the period's days so far: what
	// the bulletin's data-source line gives.
	PeriodEvents int64 `json:"period_events"`
	// Issued is the 印发日期 (YYYY-MM-DD): the day after the period's last
	// day by default, the day taken for a period still running
	// ([bulletin] issue_lag_days).
	Issued string `json:"issued"`
	// Short is set when the period is cut by the campaign's start or end
	// (Zhoukou's June: 6 days); CalendarDays is then the calendar period's
	// length (30).
	Short        bool `json:"short,omitempty"`
	CalendarDays int  `json:"calendar_days,omitempty"`
	// Partial is set when the hub's log no longer starts at the campaign's
	// beginning (retention): the counts are then incomplete.
	Partial bool `json:"partial,omitempty"`

	Headline campaign.Headline `json:"headline"`
	Metrics  []MetricRow       `json:"metrics"`
	Figures  []FigureRow       `json:"figures"` // in FigureInfos order, by line of work

	Notables []NotableRow        `json:"notables"`
	Grids    []campaign.GridLoad `json:"grids"`
	// NightMarkets is under a key of its own, not the old per-district
	// "night_markets" list, so a board and a hub of different versions
	// ignore each other's instead of failing to decode the bulletin.
	NightMarkets NightMarkets `json:"night_market_coverage"`
	Safety       SafetyRow    `json:"safety"`
	// Response is the 110 table: the response clock per district
	// (docs/figures.md, "The response clock").
	Response ResponseTable `json:"response"`
	// Reports are the shift reports due: on time, late and missing per
	// district (docs/figures.md, "Shift reports due").
	Reports ReportsTable `json:"shift_reports"`
	// Directives are the office's instructions: sign-offs and feedback
	// per district (docs/figures.md, "Instructions").
	Directives DirectiveTable `json:"directives"`
	// Supervision is the period's 督察 (docs/figures.md, "Supervision");
	// nil when the campaign file lists no teams.
	Supervision *SupervisionTable `json:"supervision,omitempty"`
	// Zones are the 战区, best first, each with its summary and standing
	// (office.go); none without zones. ZoneScoring is how they were
	// scored (the assessment's measures in a month, the flag measures
	// otherwise); its rows are Zones.
	Zones       []ZoneRow       `json:"zones,omitempty"`
	ZoneScoring campaign.Scores `json:"zone_scoring,omitzero"`

	// Districts are the period's scores by the flag rules, best first, with
	// each measure's inputs and points (docs/figures.md, rule 6) and each
	// district's tally of flags.
	Districts  []DistrictRow `json:"districts"`
	Ranked     bool          `json:"ranked"`
	FlagRed    int           `json:"flag_red"`
	FlagYellow int           `json:"flag_yellow"`
	// Scoring is how the districts were scored (measures, days, measures
	// left out, the most a district could score); its rows are Districts.
	Scoring campaign.Scores `json:"scoring"`
	// Flagged is set for a week, half-month or month (rule 7); Provisional
	// when that period is still running (its flags are 暂定).
	Flagged     bool `json:"flagged,omitempty"`
	Provisional bool `json:"provisional,omitempty"`
	// Assessment is a month's 月考核, scored by [assessment].
	Assessment     []campaign.AssessmentRow `json:"assessment,omitempty"` // month only
	AssessScoring  campaign.Scores          `json:"assess_scoring,omitzero"`
	Measures       []string                 `json:"measures"` // flag measures, in order
	AssessMeasures []string                 `json:"assess_measures,omitempty"`

	Alerts []AlertRow `json:"alerts"`
	// Open are the priority alerts still open at the bulletin's instant,
	// raised in the period or before it: not cleared, or not acknowledged.
	Open []AlertRow `json:"open_alerts"`

	// DayFigures are a day's key figures against the day before: to the
	// same whole hour while the day runs (docs/figures.md, rule 1).
	DayFigures []DayFigure `json:"day_figures,omitempty"`
	// DistrictFigures are each district's lead numbers for the period, in
	// the campaign file's order.
	DistrictFigures []DistrictFigures `json:"district_figures"`
	// Hourly are a day's alarms hour by hour, with the day before's, when
	// the record holds the day's hours (the newest day and the one before).
	Hourly []HourRow `json:"hourly,omitempty"`

	// Critique is the 讲评's generated part (week, half-month, month,
	// campaign): the districts ahead and behind, and why; and the problems
	// the figures show.
	Critique *Critique `json:"critique,omitempty"`
	// Adjustments are the month's 加扣分 from the campaign file.
	Adjustments []campaign.Adjustment `json:"adjustments,omitempty"`
	// Notes are the office's own narrative (report --notes, or stored on
	// the hub with PUT /v1/reports/notes).
	Notes *Notes `json:"notes,omitempty"`

	// Daily are the alarms per day of the span; for a day, of the seven
	// days to it (the day chart's).
	Daily []DailyRow `json:"daily"`
	// Reference is the daily average the chart sets each day's alarms
	// against (see dailyReference); Reference.Daily is 0 without one.
	Reference DailyReference `json:"reference"`
}

// DayFigure is one of a day's key figures against the day before: Base
// is the day before over the same hours (Hours, 0 for the whole day);
// HasBase is false on the campaign's first day. Change is shown only on a
// base of at least campaign.MinBase.
type DayFigure struct {
	Key     string          `json:"key"`
	Unit    string          `json:"unit"`
	Current int64           `json:"current"`
	Base    int64           `json:"base"`
	HasBase bool            `json:"has_base"`
	Change  campaign.Figure `json:"change"`
}

// DistrictFigures are a district's lead numbers for a period.
type DistrictFigures struct {
	District string `json:"district"`
	campaign.Headline
	AlarmsCriminal int64 `json:"alarms_criminal"`
	// NightMarkets are its night-market site-nights patrolled and owed.
	NightMarketsCovered int `json:"night_markets_covered"`
	NightMarketsOwed    int `json:"night_markets_owed"`
}

// HourRow is one hour's alarms of a day and of the day before.
type HourRow struct {
	Hour      int   `json:"hour"`
	Alarms    int64 `json:"alarms"`
	DayBefore int64 `json:"day_before"`
}

// DailyReference is a baseline's daily average of alarms: Basis says
// which baseline (last_year or previous), Alarms which alarms it counts
// ("total", or "criminal_public": criminal plus public-order).
type DailyReference struct {
	Basis  string  `json:"basis,omitempty"`
	Alarms string  `json:"alarms,omitempty"`
	Daily  float64 `json:"daily"`
}

// MetricRow is a baseline metric's period count, 环比 and 同比.
type MetricRow struct {
	Metric string `json:"metric"`
	// Count is the period's count as of the bulletin; the comparisons
	// count what they compare (a running period: its complete days).
	Count    int64                     `json:"count"`
	Previous campaign.PeriodComparison `json:"previous"`  // 环比
	LastYear campaign.PeriodComparison `json:"last_year"` // 同比
}

// FigureRow is one figure for the period.
type FigureRow struct {
	ID    string  `json:"id"`
	Line  string  `json:"line"`
	Kind  string  `json:"kind"`
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
	// Prev is 上期's figure, as the previous bulletin of the kind printed
	// it (none in the first period of a kind); Change is the percent
	// change against it, like for like (Compared says over what).
	Prev     *float64             `json:"prev,omitempty"`
	Change   *float64             `json:"change,omitempty"`
	Compared *campaign.Comparison `json:"compared,omitempty"`
	// Rate holds a rate's parts: solved, still open at the period's start,
	// filed in it (docs/figures.md, rule 3).
	Rate *campaign.RateParts `json:"rate,omitempty"`
	// Opened is, for a standing force, the openings in the period; Value
	// is the number in service at its end (rule 4).
	Opened *int64 `json:"opened,omitempty"`
	// Source says what a change figure is compared with (campaign.Base*).
	Source string `json:"source,omitempty"`
	// Current and Base are a change figure's compared counts.
	Current int64   `json:"current,omitempty"`
	Base    float64 `json:"base,omitempty"`
	// PartOverWhole marks a rate left out because its part exceeds its
	// whole in the period (solves or resolutions of earlier cases or
	// disputes), as opposed to a period with nothing to divide by.
	PartOverWhole bool `json:"part_over_whole,omitempty"`
}

// NotableRow is a notable case solved in the period.
type NotableRow struct {
	ID       string    `json:"id"`
	CaseID   string    `json:"case_id"`
	At       time.Time `json:"at"`
	District string    `json:"district"`
	Summary  string    `json:"summary,omitempty"`
}

// NightMarkets is the period's patrol coverage of the campaign's night
// markets: a site is covered on a night when a shift report of that
// campaign day names it (campaign.Period.SiteCoverage).
type NightMarkets struct {
	Nights    int              `json:"nights"`    // nights in the period
	Districts []NightMarketRow `json:"districts"` // districts with night markets, config order
	Total     NightMarketRow   `json:"total"`     // the city
	// Least are the night markets missed on the most nights, fewest
	// nights covered first, at most MaxLeastCovered; none when every
	// site was covered every night.
	Least []campaign.SiteCoverage `json:"least_covered"`
	// Missed is how many night markets were missed on at least one night
	// (Least lists the first MaxLeastCovered of them).
	Missed int `json:"missed"`
	// Pending: the period ends on the newest day with data, and no shift
	// report has named a site for its night yet (a bulletin built during
	// the day), so that night is not counted: it is still to come, not
	// missed. Nights and every count leave it out.
	Pending bool `json:"tonight_pending,omitempty"`
}

// NightMarketRow is one district's (or the city's) night-market coverage.
type NightMarketRow struct {
	District   string `json:"district,omitempty"` // "" for the city
	Sites      int    `json:"sites"`
	SiteNights int    `json:"site_nights"` // sites × nights: the visits owed
	Covered    int    `json:"covered"`     // site-nights patrolled
	// Percent is Covered over SiteNights; OK is false when the period
	// has no night (SiteNights 0).
	Percent    float64 `json:"percent"`
	OK         bool    `json:"ok"`
	EveryNight int     `json:"every_night"` // sites covered on every night of the period
}

func (r *NightMarketRow) add(c campaign.SiteCoverage) {
	r.Sites++
	r.SiteNights += c.Nights
	r.Covered += c.Covered
	if c.Covered >= c.Nights {
		r.EveryNight++
	}
	if r.SiteNights > 0 {
		r.Percent, r.OK = float64(r.Covered)/float64(r.SiteNights)*100, true
	}
}

// MaxLeastCovered caps the least-covered night markets a bulletin lists.
const MaxLeastCovered = 5

// SafetyRow is the days without a major accident.
type SafetyRow struct {
	Accidents int64 `json:"accidents"`
	FreeDays  int   `json:"free_days"`
	Days      int   `json:"days"` // days of the period with data
	Longest   int   `json:"longest"`
}

// DistrictRow is one district in the period's ranking.
type DistrictRow struct {
	campaign.ScoreRow
	// Tally is the district's flags of every complete week, half-month
	// and month up to the bulletin's last day (rule 7).
	Tally campaign.Tally `json:"tally"`
	// PrevRank is the district's rank in the previous bulletin of the kind
	// (上期名次); 0 for the first of each kind.
	PrevRank       int                       `json:"prev_rank,omitempty"`
	CasesSolved    int64                     `json:"cases_solved"`
	Arrested       int64                     `json:"arrested"`
	AlarmsCriminal campaign.PeriodComparison `json:"alarms_criminal"` // with its 环比
}

// AlertRow is a priority alert raised in the period.
type AlertRow struct {
	campaign.AlertRecord
	// Minutes to the clearing event; -1 while not cleared.
	Minutes float64 `json:"minutes"`
	// AckMinutes to the first acknowledgement on a board (acked_at,
	// acked_by); -1 when none is on record.
	AckMinutes float64 `json:"ack_minutes"`
	// OpenMinutes is, for an open alert, how long it had been open at the
	// bulletin's instant.
	OpenMinutes float64 `json:"open_minutes,omitempty"`
}

// DailyRow is one day's alarms.
type DailyRow struct {
	Day         int    `json:"day"`
	Date        string `json:"date"`
	Alarms      int64  `json:"alarms"`
	Criminal    int64  `json:"criminal"`
	PublicOrder int64  `json:"public_order"`
}

// Charted is the day's count of the alarms its reference counts.
func (d DailyRow) Charted(ref DailyReference) int64 {
	if ref.Alarms == "criminal_public" {
		return d.Criminal + d.PublicOrder
	}
	return d.Alarms
}

// dailyReference picks the chart's reference line: last year's daily
// average of all alarms, or of criminal plus public-order alarms, from
// [baselines.last_year]; a campaign file without a last-year alarm
// baseline (Zhoukou's: the article publishes alarms only 环比) falls back
// to [baselines.previous], and the chart says so.
func dailyReference(cfg *campaign.Config) DailyReference {
	days := float64(cfg.Days())
	for _, basis := range []string{campaign.VsSamePeriodLast, campaign.VsPreviousPeriod} {
		base := cfg.Baselines.LastYear
		if basis == campaign.VsPreviousPeriod {
			base = cfg.Baselines.Previous
		}
		if v, ok := base["alarms_total"]; ok && v > 0 {
			return DailyReference{Basis: basis, Alarms: "total", Daily: float64(v) / days}
		}
		c, okc := base["alarms_criminal"]
		p, okp := base["alarms_public_order"]
		if okc && okp && c+p > 0 {
			return DailyReference{Basis: basis, Alarms: "criminal_public", Daily: float64(c+p) / days}
		}
	}
	return DailyReference{}
}

// Why Build refuses, for callers that answer with a status (the hub: 400
// and 404).
var (
	ErrBadRequest = errors.New("bad bulletin request")
	ErrNoData     = errors.New("no data for that period")
)

// refusal is a refused request: its message alone, and errors.Is tells
// its kind.
type refusal struct {
	kind error
	msg  string
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.kind }

func refuse(kind error, format string, a ...any) error {
	return &refusal{kind: kind, msg: fmt.Sprintf(format, a...)}
}

// Request says which bulletin to build.
type Request struct {
	Kind string // a campaign.PeriodKinds value
	// Date picks the period holding this date (campaign zone); zero: the
	// newest event's day.
	Date time.Time
	// AsOf is the instant the bulletin is taken as of; zero: the newest
	// event's time, to the end of its second (campaign.StateAsOf). An
	// instant before that is taken as that: what is folded is counted.
	AsOf time.Time
}

// ParseDate reads --date / ?date=: YYYY-MM-DD, or an RFC 3339 time.
func ParseDate(cfg *campaign.Config, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, cfg.Location()); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, refuse(ErrBadRequest, "date %q: give a date like %s (or an RFC 3339 time)", s, cfg.Campaign.Start)
}

// CheckDate refuses a date outside the campaign: callers check it before
// they fold anything (report --recording, the hub's endpoints).
func CheckDate(cfg *campaign.Config, when time.Time) error {
	if when.IsZero() {
		return nil
	}
	if d := cfg.Day(when); d < 1 || d > cfg.Days() {
		return refuse(ErrBadRequest, "%s is outside the campaign (%s to %s): pick a date inside it", when.In(cfg.Location()).Format(time.DateOnly), cfg.Campaign.Start, cfg.Campaign.End)
	}
	return nil
}

// Build computes a bulletin from a History folded over the whole log.
func Build(h *campaign.History, req Request) (*Bulletin, error) {
	cfg, st := h.Config(), h.State()
	if !slices.Contains(campaign.PeriodKinds, req.Kind) {
		return nil, refuse(ErrBadRequest, "unknown period %q: use one of %s", req.Kind, strings.Join(campaign.PeriodKinds, ", "))
	}
	newest := min(max(st.Day, 1), cfg.Days())
	day := newest
	if !req.Date.IsZero() {
		if err := CheckDate(cfg, req.Date); err != nil {
			return nil, err
		}
		day = cfg.Day(req.Date)
	}
	full, err := cfg.PeriodSpan(req.Kind, day)
	if err != nil {
		return nil, err
	}
	if st.Events == 0 || full.From > newest {
		return nil, refuse(ErrNoData, "no data for %s yet: the newest event is on campaign day %d (%s)", cfg.Date(full.From).Format(time.DateOnly), newest, cfg.Date(newest).Format(time.DateOnly))
	}
	asOf := campaign.StateAsOf(st)
	if req.AsOf.After(asOf) {
		asOf = req.AsOf
	}
	p := h.PeriodAsOf(req.Kind, full, asOf)
	sp := p.Covered()
	b := &Bulletin{
		Campaign: cfg.Campaign.ID, NameZh: cfg.Campaign.NameZh, NameEn: cfg.Campaign.NameEn, CityZh: cfg.Campaign.CityZh, CityEn: cfg.Campaign.CityEn,
		Kind: req.Kind, PeriodDays: full.Days(), Seq: st.Seq, Events: st.Events, Partial: st.MissingBefore > 0,
		FlagRed: cfg.Flags.Red, FlagYellow: cfg.Flags.Yellow,
		ToDate: p.Elapsed.Running, AsOf: asOf, Elapsed: p.Elapsed,
	}
	b.Span = sp
	b.From, b.To = cfg.Date(sp.From).Format(time.DateOnly), cfg.Date(sp.To).Format(time.DateOnly)
	b.Number = periodNumber(cfg, req.Kind, full)
	b.PeriodEvents = h.EventsIn(sp)
	b.Issued = cfg.IssueDate(full, p.Elapsed.Running, asOf).Format(time.DateOnly)
	if cal := calendarDays(cfg, req.Kind, full); cal > full.Days() {
		b.Short, b.CalendarDays = true, cal
	}
	if p.Prev != nil {
		b.PrevNumber = periodNumber(cfg, req.Kind, p.Prev.Span)
	}

	b.Headline = campaign.HeadlineOf(&p.Counts.Totals)
	for _, m := range campaign.Metrics {
		b.Metrics = append(b.Metrics, MetricRow{Metric: m, Count: campaign.Metric(&p.Counts.Totals, m), Previous: p.Compare(m, campaign.VsPreviousPeriod, ""), LastYear: p.Compare(m, campaign.VsSamePeriodLast, "")})
	}
	for _, info := range campaign.FigureInfos {
		f := p.Figure(info.ID, "")
		row := FigureRow{ID: info.ID, Line: info.Line, Kind: info.Kind, Unit: info.Unit, Value: f.Value.Value, OK: f.Value.OK, Rate: f.Rate, Opened: f.Opened}
		if c := f.Compared; c != nil {
			row.Current, row.Base, row.Source = c.Current, c.Base, c.Source
			row.Compared = &c.Comparison
		}
		if f.Rate != nil && !f.Value.OK && f.Rate.Whole() > 0 && f.Rate.Solved > f.Rate.Whole() {
			row.PartOverWhole = true
		}
		if f.Prev != nil && f.Prev.OK {
			v := f.Prev.Value
			row.Prev = &v
		}
		if c := f.Change; c != nil {
			row.Compared = c
			if c.Change.OK {
				v := c.Change.Value
				row.Change = &v
			}
		}
		b.Figures = append(b.Figures, row)
	}

	for _, c := range h.SolvedNotables(sp) {
		b.Notables = append(b.Notables, NotableRow{ID: c.Notable, CaseID: c.CaseID, At: c.At, District: c.District, Summary: clean(c.Summary)})
	}
	b.Grids = p.BusiestGrids(5)
	pending := sp.To == newest && len(h.Counts(campaign.Span{From: newest, To: newest}).Sites) == 0
	b.NightMarkets = nightMarkets(cfg, p, pending)
	b.Response = responseTable(h, p, asOf)
	b.Reports = reportsTable(h, p)
	b.Directives = directiveTable(h, p)
	b.Supervision = supervisionTable(h, p)
	free, longest := h.AccidentFreeDays(sp, newest)
	b.Safety = SafetyRow{Accidents: p.Counts.Totals.MajorAccidents, FreeDays: free, Days: sp.Days(), Longest: longest}

	scores, provisional := p.Ranking()
	b.Ranked, b.Provisional = scores.Ranked, provisional
	b.Flagged = slices.Contains(campaign.FlagKinds, req.Kind)
	for _, fm := range scores.Measures {
		b.Measures = append(b.Measures, fm.Measure)
	}
	tally := campaign.Tallies(h.Awards(sp.To, asOf))
	prevRank := map[string]int{}
	if p.Prev != nil {
		sc, _ := p.Prev.Ranking()
		for _, r := range sc.Rows {
			prevRank[r.District] = r.Rank
		}
	}
	for _, r := range scores.Rows {
		hl := campaign.HeadlineOf(p.Counts.Districts[r.District])
		b.Districts = append(b.Districts, DistrictRow{ScoreRow: r, Tally: tally[r.District], PrevRank: prevRank[r.District],
			CasesSolved: hl.CasesSolved, Arrested: hl.Arrested,
			AlarmsCriminal: p.Compare("alarms_criminal", campaign.VsPreviousPeriod, r.District)})
	}
	scores.Rows = nil
	b.Scoring = scores
	if req.Kind == campaign.PeriodMonth {
		if asc, rows := p.Assessment(h); rows != nil {
			for _, m := range asc.Measures {
				b.AssessMeasures = append(b.AssessMeasures, m.Measure)
			}
			if p.Prev != nil {
				_, prev := p.Prev.Assessment(h)
				rows = campaign.WithPreviousRanks(rows, prev)
			}
			asc.Rows = nil
			b.Assessment, b.AssessScoring = rows, asc
		}
	}

	b.Zones, b.ZoneScoring = zoneRows(cfg, p, b)
	for _, a := range h.AlertsRaised(sp) {
		b.Alerts = append(b.Alerts, alertRow(a))
	}
	b.Critique = buildCritique(b)
	if b.Critique != nil {
		b.Critique.problems(cfg, b)
	}
	if req.Kind == campaign.PeriodMonth {
		b.Adjustments = p.Adjustments(h)
	}
	// Open at the period's end (its 24时), or at asOf for a running one:
	// an alert solved weeks later was open on the day a past 日动态 is of.
	openAt := asOf
	if end := cfg.Date(sp.To).AddDate(0, 0, 1); end.Before(openAt) {
		openAt = end
	}
	b.Open = openAlerts(cfg, h.AlertsRaised(campaign.Span{From: 1, To: sp.To}), openAt)

	if req.Kind == campaign.PeriodDay {
		b.DayFigures = dayFigures(p)
		b.Hourly = hourly(h, p)
	}
	b.DistrictFigures = districtFigures(cfg, p, b.NightMarkets)

	chart := sp
	if req.Kind == campaign.PeriodDay {
		chart.From = max(1, sp.To-6) // the day chart: the seven days to it
	}
	for d := chart.From; d <= chart.To; d++ {
		t := h.DayTotals(d)
		var all int64
		for _, v := range t.AlarmsReceived {
			all += v
		}
		b.Daily = append(b.Daily, DailyRow{Day: d, Date: cfg.Date(d).Format(time.DateOnly), Alarms: all,
			Criminal: t.AlarmsReceived[feed.AlarmCriminal], PublicOrder: t.AlarmsReceived[feed.AlarmPublicOrder]})
	}
	b.Reference = dailyReference(cfg)
	return b, nil
}

// buildCritique names the districts ahead and behind on the bulletin's
// own table: the 月考核's for a month, the flag table's otherwise; none
// for a day.
func buildCritique(b *Bulletin) *Critique {
	switch {
	case b.Kind == campaign.PeriodDay:
		return nil
	case b.Kind == campaign.PeriodMonth && len(b.Assessment) > 0:
		rows, prev := make([]campaign.ScoreRow, len(b.Assessment)), map[string]int{}
		for i, r := range b.Assessment {
			rows[i] = r.ScoreRow
			rows[i].Score = r.Total // the 名次 is by the total, 加扣分 included
			if r.PrevRank > 0 {
				prev[r.District] = r.PrevRank
			}
		}
		return critique("assessment", b.AssessScoring, rows, prev)
	}
	rows, prev := make([]campaign.ScoreRow, len(b.Districts)), map[string]int{}
	for i, r := range b.Districts {
		rows[i] = r.ScoreRow
	}
	for _, r := range b.Districts {
		if r.PrevRank > 0 {
			prev[r.District] = r.PrevRank
		}
	}
	sc := b.Scoring
	sc.Ranked = b.Ranked
	return critique("flags", sc, rows, prev)
}

func alertRow(a campaign.AlertRecord) AlertRow {
	row := AlertRow{AlertRecord: a, Minutes: -1, AckMinutes: -1}
	row.Summary, row.AckedBy = clean(row.Summary), clean(row.AckedBy)
	if !a.ClearedAt.IsZero() && a.ClearedBy != campaign.ClearedByTime {
		// A surge's hour ending is no handling time: its Minutes stay -1.
		row.Minutes = a.ClearedAt.Sub(a.At).Minutes()
	}
	if a.Acked() {
		row.AckMinutes = a.AckedAt.Sub(a.At).Minutes()
	}
	return row
}

// openAlerts are the alerts still open at asOf, oldest first: raised by
// then, and not cleared by then; an alert whose rule has no clearing
// event (a major accident) is open until it is acknowledged. The times
// are as of asOf: what cleared or was acknowledged later counts as not.
func openAlerts(cfg *campaign.Config, raised []campaign.AlertRecord, asOf time.Time) []AlertRow {
	var out []AlertRow
	for _, a := range raised {
		if a.At.After(asOf) {
			continue
		}
		if !a.ClearedAt.IsZero() && !a.ClearedAt.After(asOf) {
			continue
		}
		acked := a.Acked() && !a.AckedAt.After(asOf)
		if acked && (a.Rule < 0 || a.Rule >= len(cfg.Alerts) || cfg.Alerts[a.Rule].ClearType == "") {
			continue
		}
		a.ClearedAt = time.Time{}
		if !acked {
			a.AckedAt, a.AckedBy = time.Time{}, ""
		}
		row := alertRow(a)
		row.OpenMinutes = asOf.Sub(a.At).Minutes()
		out = append(out, row)
	}
	return out
}

// dayKeys are the key figures of a 日动态, in its table's order: the lead
// numbers, then the compared metrics.
var dayKeys = []struct{ key, unit string }{
	{"alarms_total", campaign.UnitCases}, {"alarms_criminal", campaign.UnitCases}, {"alarms_public_order", campaign.UnitCases},
	{"criminal_cases_filed", campaign.UnitCases}, {"theft_cases_filed", campaign.UnitCases}, {"telecom_fraud_cases", campaign.UnitCases},
	{"telecom_fraud_losses_cny", campaign.UnitCNY}, {"cases_solved", campaign.UnitCases}, {"suspects_arrested", campaign.UnitPersons},
	{"officers", campaign.UnitPersonTimes}, {"hazards_rectified", campaign.UnitHazards}, {"disputes_resolved", campaign.UnitDisputes},
	{"major_accidents", campaign.UnitCases},
}

func dayValue(c *campaign.Counters, key string) int64 {
	hl := campaign.HeadlineOf(c)
	switch key {
	case "cases_solved":
		return hl.CasesSolved
	case "suspects_arrested":
		return hl.Arrested
	case "officers":
		return hl.Officers
	case "hazards_rectified":
		return hl.Rectified
	case "disputes_resolved":
		return hl.DisputesResolved
	case "major_accidents":
		return hl.MajorAccidents
	}
	return campaign.Metric(c, key)
}

// dayFigures sets a day's key figures against the day before, like for
// like (docs/figures.md, rule 1): while the day runs, both to the same
// whole hour (Period.Today and DayBefore); a whole day against the whole
// day before. The campaign's first day has no day before in the log; a
// running day whose hours the record lacks is not compared.
func dayFigures(p *campaign.Period) []DayFigure {
	cur, base := &p.Counts.Totals, (*campaign.Counters)(nil)
	switch {
	case p.Today != nil:
		cur, base = &p.Today.Totals, &p.DayBefore.Totals
	case p.Prev != nil && !p.Elapsed.Running:
		base = &p.Prev.Counts.Totals
	}
	var out []DayFigure
	for _, k := range dayKeys {
		f := DayFigure{Key: k.key, Unit: k.unit, Current: dayValue(cur, k.key)}
		if base != nil {
			f.Base, f.HasBase = dayValue(base, k.key), true
			f.Change = campaign.ShownChange(campaign.LikeForLike(f.Current, 1, campaign.Base{Value: float64(f.Base), Days: 1, SameHours: true}))
		}
		out = append(out, f)
	}
	return out
}

// hourly is a day's alarms hour by hour beside the day before's, up to
// the hour counted, when the record holds both days' hours.
func hourly(h *campaign.History, p *campaign.Period) []HourRow {
	d, hours := p.Span.From, 24
	if p.Elapsed.Running {
		hours = p.Elapsed.Hours
	}
	if d < 2 || hours == 0 {
		return nil
	}
	alarms := func(day, hour int) (int64, bool) {
		pc, ok := h.HoursOf(day, hour)
		if !ok {
			return 0, false
		}
		return campaign.HeadlineOf(&pc.Totals).Alarms, true
	}
	if _, ok := alarms(d, 0); !ok || d > h.State().Day {
		return nil
	}
	if _, ok := alarms(d-1, 0); !ok {
		return nil
	}
	var out []HourRow
	var prevToday, prevBefore int64
	for hr := 1; hr <= hours; hr++ {
		today, _ := alarms(d, hr)
		before, _ := alarms(d-1, hr)
		out = append(out, HourRow{Hour: hr - 1, Alarms: today - prevToday, DayBefore: before - prevBefore})
		prevToday, prevBefore = today, before
	}
	return out
}

// districtFigures are each district's lead numbers for the period.
func districtFigures(cfg *campaign.Config, p *campaign.Period, nm NightMarkets) []DistrictFigures {
	cover := map[string]NightMarketRow{}
	for _, r := range nm.Districts {
		cover[r.District] = r
	}
	var out []DistrictFigures
	for _, d := range cfg.Districts {
		c := p.Counts.Districts[d.ID]
		if c == nil {
			c = &campaign.Counters{}
		}
		r := DistrictFigures{District: d.ID, Headline: campaign.HeadlineOf(c), AlarmsCriminal: campaign.Metric(c, "alarms_criminal")}
		r.NightMarketsCovered, r.NightMarketsOwed = cover[d.ID].Covered, cover[d.ID].SiteNights
		out = append(out, r)
	}
	return out
}

// calendarDays is the length of the calendar period of kind holding sp,
// before the campaign's start and end cut it.
func calendarDays(cfg *campaign.Config, kind string, sp campaign.Span) int {
	t := cfg.Date(sp.To)
	monthDays := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	switch kind {
	case campaign.PeriodWeek:
		return 7
	case campaign.PeriodHalfMonth:
		if t.Day() <= 15 {
			return 15
		}
		return monthDays - 15
	case campaign.PeriodMonth:
		return monthDays
	}
	return sp.Days()
}

// periodNumber is the period's ordinal within the campaign: week 3 is
// days 15–21; the first (short) month is month 1.
func periodNumber(cfg *campaign.Config, kind string, sp campaign.Span) int {
	switch kind {
	case campaign.PeriodWeek:
		return (sp.From-1)/7 + 1
	case campaign.PeriodHalfMonth, campaign.PeriodMonth:
		n := 0
		for d := 1; d <= sp.From; {
			s, err := cfg.PeriodSpan(kind, d)
			if err != nil {
				break
			}
			n++
			d = s.To + 1
		}
		return n
	}
	return 0
}

// nightMarkets is the period's night-market coverage; pending leaves out
// its last night, which no report has covered yet (see
// NightMarkets.Pending).
func nightMarkets(cfg *campaign.Config, p *campaign.Period, pending bool) NightMarkets {
	nm := NightMarkets{Nights: p.Nights(), Pending: pending}
	sites := p.SiteCoverage(campaign.SiteNightMarket)
	if pending && nm.Nights > 0 {
		nm.Nights--
		for i := range sites {
			sites[i].Nights-- // no site was covered that night: Covered is unchanged
		}
	}
	byDistrict := map[string]*NightMarketRow{}
	for _, c := range sites {
		r, ok := byDistrict[c.District]
		if !ok {
			r = &NightMarketRow{District: c.District}
			byDistrict[c.District] = r
		}
		r.add(c)
		nm.Total.add(c)
		if c.Covered < c.Nights {
			nm.Least = append(nm.Least, c)
		}
	}
	for _, d := range cfg.Districts {
		if r, ok := byDistrict[d.ID]; ok {
			nm.Districts = append(nm.Districts, *r)
		}
	}
	nm.Missed = len(nm.Least)
	// Fewest nights first; ties keep the config's order (a stable sort of
	// a list in config order).
	slices.SortStableFunc(nm.Least, func(a, b campaign.SiteCoverage) int { return a.Covered - b.Covered })
	nm.Least = nm.Least[:min(len(nm.Least), MaxLeastCovered)]
	return nm
}

// clean makes upstream text and ids safe to print: a line break becomes a
// space, and every code point the hub refuses in text (feed.RefusedInText:
// C0, DEL and C1 controls, bidi controls, invisible format characters) and
// the zero-width joiner go, as does invalid UTF-8 (a raw 8-bit CSI). The
// hub refuses such text today, but a log written before the rule, or by a
// writer that bypassed the hub, may hold it, and a bulletin is printed to
// terminals: an escape sequence in a case id would set the title, write
// the clipboard or repaint the screen.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			return ' '
		case r == utf8.RuneError:
			return '?'
		case r == feed.ZeroWidthJoiner:
			return -1
		}
		for _, x := range feed.RefusedInText {
			if r >= x.Lo && r <= x.Hi {
				return -1
			}
		}
		return r
	}, s)
}
