package campaign

import "time"

// Flags on the office's rhythm (docs/figures.md, rule 7): 红黄旗 are
// awarded per week, half-month and month, and each district's running
// tally is shown on the board. The board holds no per-day record, so the
// fold keeps, for each period kind, the period running and each district's
// scored counts at its start; when the first event of a later day arrives
// it scores the period that ended and records its flags. Bounded: three
// open periods and one award per flag per period.

// FlagBook is the flags awarded so far and the periods running.
type FlagBook struct {
	Open []OpenPeriod `json:"open"`
	// Awarded are the periods closed, each with its flags: at most one
	// entry per week, half-month and month of the campaign.
	Awarded []AwardedPeriod `json:"awarded,omitempty"`
}

// AwardedPeriod is a closed period and the districts it flagged.
type AwardedPeriod struct {
	Kind   string   `json:"kind"`
	Span   Span     `json:"span"`
	Red    []string `json:"red,omitempty"`
	Yellow []string `json:"yellow,omitempty"`
}

// OpenPeriod is a week, half-month or month running, with each
// district's counts at its start.
type OpenPeriod struct {
	Kind  string                 `json:"kind"`
	Span  Span                   `json:"span"`
	Start map[string]ScoreCounts `json:"start"`
	// Partial is set when the state did not see the period from its start
	// (a state from a hub older than the book): it is awarded no flags.
	Partial bool `json:"partial,omitempty"`
}

// FlagAward is one flag awarded to a district for a period (a History's
// awards, for the bulletins).
type FlagAward struct {
	Kind     string `json:"kind"`
	Span     Span   `json:"span"`
	District string `json:"district"`
	Flag     string `json:"flag"`
}

// Tally is a district's flags: red (表扬) and yellow (警示).
type Tally struct {
	Red    int `json:"red"`
	Yellow int `json:"yellow"`
}

// Add counts one flag.
func (t *Tally) Add(flag string) {
	switch flag {
	case FlagRed:
		t.Red++
	case FlagYellow:
		t.Yellow++
	}
}

// rollFlags moves the book to campaign day d, before the event of that
// day is folded: every open period that ended before d is scored and its
// flags recorded, and the periods holding d are opened with the
// districts' counts as they stand.
func (s *State) rollFlags(cfg *Config, d int) {
	fresh := s.Flags == nil
	if fresh {
		s.Flags = &FlagBook{}
	}
	b := s.Flags
	for _, kind := range FlagKinds {
		i := b.open(kind)
		if i >= 0 && b.Open[i].Span.Contains(d) {
			continue
		}
		if i >= 0 {
			if op := b.Open[i]; !op.Partial {
				ap := AwardedPeriod{Kind: kind, Span: op.Span}
				for _, r := range op.score(cfg, s).Rows {
					switch r.Flag {
					case FlagRed:
						ap.Red = append(ap.Red, r.District)
					case FlagYellow:
						ap.Yellow = append(ap.Yellow, r.District)
					}
				}
				b.Awarded = append(b.Awarded, ap)
			}
			b.Open = append(b.Open[:i], b.Open[i+1:]...)
		}
		sp, err := cfg.PeriodSpan(kind, d)
		if err != nil {
			continue
		}
		op := OpenPeriod{Kind: kind, Span: sp, Start: map[string]ScoreCounts{}}
		// A state that has folded events but never had a book (from an
		// older hub) sees this period from somewhere in its middle.
		op.Partial = fresh && s.Events > 1 && sp.From < d
		for id, c := range s.Districts {
			op.Start[id] = ScoreCountsOf(c)
		}
		b.Open = append(b.Open, op)
	}
}

func (b *FlagBook) open(kind string) int {
	for i, op := range b.Open {
		if op.Kind == kind {
			return i
		}
	}
	return -1
}

// score ranks the districts on what they did since the period opened.
func (op OpenPeriod) score(cfg *Config, s *State) Scores {
	return op.scoreAsOf(cfg, s, float64(op.Span.Days()), cfg.Flags.Red, cfg.Flags.Yellow)
}

func (op OpenPeriod) scoreAsOf(cfg *Config, s *State, days float64, red, yellow int) Scores {
	in := make(map[string]ScoreInput, len(s.Districts))
	for id, c := range s.Districts {
		start := op.Start[id]
		in[id] = ScoreInput{In: ScoreCountsOf(c).Minus(start), Before: start}
	}
	return Score(cfg, cfg.FlagMeasures(), in, days, red, yellow)
}

// FlagTally is each district's flags as of asOf: those of every period
// the fold has closed, and of a period still open whose last day has
// ended by asOf (the campaign's last week, half-month and month, which no
// later event closes). Flags of a period still running are not counted.
func FlagTally(cfg *Config, s *State, asOf time.Time) map[string]Tally {
	out := map[string]Tally{}
	if s == nil || s.Flags == nil {
		return out
	}
	for _, ap := range s.Flags.Awarded {
		for _, d := range ap.Red {
			t := out[d]
			t.Red++
			out[d] = t
		}
		for _, d := range ap.Yellow {
			t := out[d]
			t.Yellow++
			out[d] = t
		}
	}
	for _, op := range s.Flags.Open {
		if op.Partial || cfg.Elapsed(op.Span, asOf).Running {
			continue
		}
		for _, r := range op.score(cfg, s).Rows {
			t := out[r.District]
			t.Add(r.Flag)
			out[r.District] = t
		}
	}
	return out
}

// OpenScores scores the state's open period of kind as of asOf: its flags
// are provisional (暂定) while it runs. ok is false when the state keeps
// no such period (a state from an older hub) or it is partial.
func OpenScores(cfg *Config, s *State, kind string, asOf time.Time) (sc Scores, e Elapsed, ok bool) {
	if s == nil || s.Flags == nil {
		return Scores{}, Elapsed{}, false
	}
	i := s.Flags.open(kind)
	if i < 0 || s.Flags.Open[i].Partial {
		return Scores{}, Elapsed{}, false
	}
	op := s.Flags.Open[i]
	e = cfg.Elapsed(op.Span, asOf)
	return op.scoreAsOf(cfg, s, e.DaysRun(), cfg.Flags.Red, cfg.Flags.Yellow), e, true
}

// Awards are the flags of every week, half-month and month of the History
// that ended by day `through` (its last day complete as of asOf), scored
// on each period's counts by event day, as the bulletins award them.
func (h *History) Awards(through int, asOf time.Time) []FlagAward {
	cfg := h.cfg
	// Each district's counts up to the end of each day, so a period's are
	// one difference.
	cum := make([]map[string]ScoreCounts, cfg.Days()+1)
	cum[0] = map[string]ScoreCounts{}
	run := map[string]*Counters{}
	for _, d := range cfg.Districts {
		run[d.ID] = &Counters{}
		cum[0][d.ID] = ScoreCounts{}
	}
	for d := 1; d <= cfg.Days(); d++ {
		cum[d] = make(map[string]ScoreCounts, len(run))
		for id, c := range run {
			if dc, ok := h.rec.Days[d-1].Districts[id]; ok {
				addCounters(c, dc)
			}
			cum[d][id] = ScoreCountsOf(c)
		}
	}
	var out []FlagAward
	for _, kind := range FlagKinds {
		for d := 1; d <= cfg.Days(); {
			sp, err := cfg.PeriodSpan(kind, d)
			if err != nil || sp.To > through || cfg.Elapsed(sp, asOf).Running {
				break
			}
			in := make(map[string]ScoreInput, len(run))
			for id := range run {
				in[id] = ScoreInput{In: cum[sp.To][id].Minus(cum[sp.From-1][id]), Before: cum[sp.From-1][id]}
			}
			for _, r := range Score(cfg, cfg.FlagMeasures(), in, float64(sp.Days()), cfg.Flags.Red, cfg.Flags.Yellow).Rows {
				if r.Flag != FlagNone {
					out = append(out, FlagAward{Kind: kind, Span: sp, District: r.District, Flag: r.Flag})
				}
			}
			d = sp.To + 1
		}
	}
	return out
}

// Tallies counts awards by district.
func Tallies(awards []FlagAward) map[string]Tally {
	out := map[string]Tally{}
	for _, a := range awards {
		t := out[a.District]
		t.Add(a.Flag)
		out[a.District] = t
	}
	return out
}
