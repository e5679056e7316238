package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"sitboard/campaign"
)

// The ranking's span: the campaign to date (the default), or the day, the
// week or the half-month holding the day shown, switched with s. A span
// is ranked on what each district did since the end of the day before it
// (campaign.CountersSince): the state shown less the hub's state at the
// end of that day, fetched like a review day (a command, through the same
// DayFetcher), so the board keeps no per-day record.

// rankSpans is the order s steps through.
var rankSpans = []string{campaign.PeriodCampaign, campaign.PeriodDay, campaign.PeriodWeek, campaign.PeriodHalfMonth}

// rankSpan is the ranking's span and the state it is measured from.
type rankSpan struct {
	kind    string // "" is the campaign
	base    *campaign.State
	baseDay int // the day whose end base is; valid when base is set
	asked   int // the base day last asked for, so it is asked once
	failed  string
}

// rankBaseMsg is the state at the end of the day before the span.
type rankBaseMsg struct {
	Day   int
	State *campaign.State
	Err   error
}

// span is the span of the ranking for the day shown.
func (c *Context) rankingSpan() (kind string, sp campaign.Span) {
	kind = c.rank.kind
	if kind == "" {
		kind = campaign.PeriodCampaign
	}
	sp, err := c.Cfg.PeriodSpan(kind, max(c.day(), 1))
	if err != nil {
		return campaign.PeriodCampaign, campaign.Span{From: 1, To: c.Cfg.Days()}
	}
	return kind, sp
}

// rankingOf is the ranking derive shows: the campaign's, or the span's
// once its base is here (no rows until then: the table says it is
// loading), scored by the rules of the bulletins (docs/figures.md, rule
// 6) over the span's elapsed time as of the board's clock. Flags go to a
// week or a half-month, provisionally (暂定) while it runs; the day and
// the campaign have none (rule 7). zones are the 战区 scored on the same
// counts and measures (campaign.ZoneScores), without flags.
func (c *Context) rankingOf(s *campaign.State) (sc campaign.Scores, provisional bool, zones campaign.Scores) {
	kind, sp := c.rankingSpan()
	asOf := c.asOf()
	if kind == campaign.PeriodCampaign {
		e := c.Cfg.Elapsed(sp, asOf)
		return campaign.Ranking(c.Cfg, s, asOf), false,
			campaign.ZoneScores(c.Cfg, c.Cfg.FlagMeasures(), campaign.ScoreInputs(s.Districts, nil), e.DaysRun())
	}
	var base *campaign.State
	if sp.From > 1 {
		if c.awaitingBase(kind, sp) {
			return campaign.Scores{}, false, campaign.Scores{}
		}
		base = c.rank.base
	}
	var before map[string]*campaign.Counters
	if base != nil {
		before = base.Districts
	}
	red, yellow := 0, 0
	if kind != campaign.PeriodDay {
		red, yellow = c.Cfg.Flags.Red, c.Cfg.Flags.Yellow
	}
	e := c.Cfg.Elapsed(sp, asOf)
	in := campaign.CountersSince(s, base)
	return campaign.RankSpan(c.Cfg, in, before, e.DaysRun(), red, yellow), e.Running && red+yellow > 0,
		campaign.ZoneScores(c.Cfg, c.Cfg.FlagMeasures(), campaign.ScoreInputs(in, before), e.DaysRun())
}

// spanCounts are the districts' counts over the ranking's span (s), as
// the ranking measures them: the state shown less the state at the end
// of the day before the span (campaign.CountersSince); the campaign's
// while that state is awaited. spanned says whether they are the span's.
func (c *Context) spanCounts(s *campaign.State) (counts map[string]*campaign.Counters, spanned bool) {
	kind, sp := c.rankingSpan()
	if kind == campaign.PeriodCampaign || c.awaitingBase(kind, sp) {
		return s.Districts, false
	}
	var base *campaign.State
	if sp.From > 1 {
		base = c.rank.base
	}
	return campaign.CountersSince(s, base), true
}

// rankingLoading reports whether the span's base is still awaited.
func (c *Context) rankingLoading() bool { return c.awaitingBase(c.rankingSpan()) }

// awaitingBase reports whether span sp of kind needs the state at the end
// of the day before it and that state is not here: one test for what
// derive shows and for what rankFetch asks.
func (c *Context) awaitingBase(kind string, sp campaign.Span) bool {
	return kind != campaign.PeriodCampaign && sp.From > 1 && (c.rank.base == nil || c.rank.baseDay != sp.From-1)
}

// spanKey steps the ranking to the next span.
func (m Model) spanKey() (tea.Model, tea.Cmd) {
	c := m.ctx
	i := 0
	for j, k := range rankSpans {
		if k == c.rank.kind || (c.rank.kind == "" && k == campaign.PeriodCampaign) {
			i = j
		}
	}
	next := rankSpans[(i+1)%len(rankSpans)]
	if m.opts.FetchDay == nil && next != campaign.PeriodCampaign {
		c.notify(c.T("review.unavailable"), c.frameNow())
		m.bump()
		return m, nil
	}
	c.rank.kind, c.rank.failed = next, ""
	c.derive(c.State)
	c.notify(c.Tf("status.ranking_span", c.rankingLabel()), c.frameNow())
	m.bump()
	return m, m.rankFetch()
}

// rankFetch asks for the span's base when it is needed and not asked yet.
func (m *Model) rankFetch() tea.Cmd {
	c := m.ctx
	if !c.rankingLoading() || m.opts.FetchDay == nil {
		return nil
	}
	_, sp := c.rankingSpan()
	day := sp.From - 1
	if c.rank.asked == day {
		return nil
	}
	c.rank.asked = day
	fetch, run := m.opts.FetchDay, 0
	if s := c.liveState(); s != nil {
		run = s.Run
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), reviewFetchTimeout)
		defer cancel()
		st, err := fetch(ctx, day, run)
		return rankBaseMsg{Day: day, State: st, Err: err}
	}
}

// rankBase takes a fetched base if the span still needs it.
func (m *Model) rankBase(msg rankBaseMsg) {
	c := m.ctx
	if c.rank.asked == msg.Day {
		c.rank.asked = 0 // a later need asks again
	}
	if msg.Err != nil || msg.State == nil {
		if msg.Err != nil {
			c.rank.failed = msg.Err.Error()
			c.notify(Sanitize(c.rank.failed), c.frameNow())
		}
		m.bump()
		return
	}
	c.rank.base, c.rank.baseDay, c.rank.failed = msg.State, msg.Day, ""
	c.derive(c.State)
	m.bump()
}

// rankingLabel says which span the ranking shows and the days it holds:
// the span's first day to the day shown (本周 07-30至07-30 on the week's
// first day, not the whole week), and that its flags are provisional
// while it runs.
func (c *Context) rankingLabel() string {
	kind, sp := c.rankingSpan()
	held := min(max(c.day(), sp.From), sp.To)
	from, to := c.dayDate(sp.From).Format("01-02"), c.dayDate(held).Format("01-02")
	var label string
	switch kind {
	case campaign.PeriodDay:
		return c.Tf("ranking.span.day", from)
	case campaign.PeriodWeek:
		label = c.Tf("ranking.span.week", from, to)
	case campaign.PeriodHalfMonth:
		label = c.Tf("ranking.span.half-month", from, to)
	default:
		return c.T("ranking.span.campaign")
	}
	if c.D.Provisional {
		label += " " + c.T("ranking.provisional")
	}
	return label
}
