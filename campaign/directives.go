package campaign

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"sitboard/feed"
)

// The campaign office's instructions (指令, docs/figures.md
// "Instructions"): issued to districts, each district signs (签收) by
// deadline_sign and reports (反馈) by deadline_report. The fold keeps each
// instruction with every district's first sign-off and first report: in
// the state the newest MaxDirectives (the board), in a History's record
// every one of the run (the bulletins). "First" is by time, so the same
// events give the same book in any arrival order.

// Bounds on what the state keeps of instructions.
const (
	// MaxDirectives is how many instructions the state keeps, the newest
	// by issue time: four weeks of the office's two a week. A History
	// keeps every one.
	MaxDirectives = 8
	// MaxEarlyDirectiveActs is how many sign-offs and reports the state
	// holds for instructions not (yet) folded, the newest.
	MaxEarlyDirectiveActs = 256
)

// Directive is one instruction and what each district did with it.
type Directive struct {
	ID  string    `json:"id"` // directive_id
	Seq uint64    `json:"seq"`
	At  time.Time `json:"at"` // issued
	// FoldedAt is the state's clock when it was folded: no board showed
	// it before, so the hub dates no sign-off earlier (as for an alert).
	FoldedAt       time.Time `json:"folded_at,omitzero"`
	Level          string    `json:"level"`
	Text           string    `json:"text"`
	By             string    `json:"by,omitempty"`
	To             []string  `json:"to"` // as sent: district ids, zone ids or "all"
	DeadlineSign   time.Time `json:"deadline_sign"`
	DeadlineReport time.Time `json:"deadline_report"`
	// Replies has one entry per district it went to, in the campaign
	// file's order.
	Replies []Reply `json:"replies"`
}

// Reply is one district's sign-off and report of an instruction, to the
// second. In the state (a lean book) it holds only the times: who signed
// and the feedback are in a History's record (the bulletins, GET
// /v1/directives), which keeps the snapshot small.
type Reply struct {
	District   string    `json:"district"`
	SignedAt   time.Time `json:"-"`
	SignedBy   string    `json:"signed_by,omitempty"`
	ReportedAt time.Time `json:"-"`
	ReportedBy string    `json:"reported_by,omitempty"`
	Report     string    `json:"report,omitempty"`
}

// replyJSON is a Reply on the wire: its times in unix seconds (the fold
// keeps them to the second, so nothing is lost).
type replyJSON struct {
	District   string `json:"district"`
	Signed     int64  `json:"signed,omitempty"`
	SignedBy   string `json:"signed_by,omitempty"`
	Reported   int64  `json:"reported,omitempty"`
	ReportedBy string `json:"reported_by,omitempty"`
	Report     string `json:"report,omitempty"`
}

func unixOr0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOr0(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func (r Reply) MarshalJSON() ([]byte, error) {
	return json.Marshal(replyJSON{r.District, unixOr0(r.SignedAt), r.SignedBy, unixOr0(r.ReportedAt), r.ReportedBy, r.Report})
}

func (r *Reply) UnmarshalJSON(b []byte) error {
	var w replyJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Reply{w.District, timeOr0(w.Signed), w.SignedBy, timeOr0(w.Reported), w.ReportedBy, w.Report}
	return nil
}

// Signed and Reported say whether the district had signed (reported) by
// asOf.
func (r Reply) Signed(asOf time.Time) bool {
	return !r.SignedAt.IsZero() && !r.SignedAt.After(asOf)
}
func (r Reply) Reported(asOf time.Time) bool {
	return !r.ReportedAt.IsZero() && !r.ReportedAt.After(asOf)
}

// Reply is district's reply, and false when the instruction did not go
// to it.
func (d *Directive) Reply(district string) (*Reply, bool) {
	for i := range d.Replies {
		if d.Replies[i].District == district {
			return &d.Replies[i], true
		}
	}
	return nil, false
}

// DirectiveAct is a sign-off or a report held until its instruction is
// folded.
type DirectiveAct struct {
	Directive string    `json:"directive"`
	District  string    `json:"district"`
	At        time.Time `json:"at"`
	By        string    `json:"by"`
	Report    bool      `json:"report,omitempty"`
	Text      string    `json:"text,omitempty"`
}

// DirectiveBook is the instructions folded, oldest issued first.
type DirectiveBook struct {
	Items []Directive `json:"items"`
	// Early are sign-offs and reports whose instruction has not been
	// folded (late, or older than the book keeps), oldest first.
	Early []DirectiveAct `json:"early,omitempty"`
	// Dropped counts the instructions let go to keep the bound.
	Dropped int64 `json:"dropped,omitempty"`
	// Lean books (the state's) keep of each reply its times only.
	Lean bool `json:"lean,omitempty"`
	// Checked is the state's clock when the deadlines were last checked
	// for directive_overdue alerts (directivesPassed); nextDue is the
	// first deadline after it, so most events check nothing (zero after a
	// snapshot or an issue: check at the next event).
	Checked time.Time `json:"checked,omitzero"`
	nextDue time.Time
}

// Directive is the instruction with id, nil when the book does not hold it.
func (b *DirectiveBook) Directive(id string) *Directive {
	if b == nil {
		return nil
	}
	for i := range b.Items {
		if b.Items[i].ID == id {
			return &b.Items[i]
		}
	}
	return nil
}

// DirectiveTargets is the districts an instruction sent to "to" goes to,
// in the campaign file's order: every district for "all", the districts
// named and those of the zones named. An id the campaign does not know is
// left out (the hub refuses it).
func (c *Config) DirectiveTargets(to []string) []string {
	var out []string
	for _, d := range c.Districts {
		z, _ := c.ZoneOf(d.ID)
		if slices.Contains(to, feed.DirectiveAll) || slices.Contains(to, d.ID) || (z.ID != "" && slices.Contains(to, z.ID)) {
			out = append(out, d.ID)
		}
	}
	return out
}

// issue adds an instruction, with the acts held for it; limit bounds the
// book (0: none), letting the oldest issued go. An id already held
// stays as first folded.
func (b *DirectiveBook) issue(cfg *Config, d Directive, limit int) {
	if b.Directive(d.ID) != nil {
		return
	}
	for _, id := range cfg.DirectiveTargets(d.To) {
		d.Replies = append(d.Replies, Reply{District: id})
	}
	pos, _ := slices.BinarySearchFunc(b.Items, d, directiveOrder)
	b.Items = slices.Insert(b.Items, pos, d)
	if limit > 0 && len(b.Items) > limit {
		gone := len(b.Items) - limit
		b.Items = slices.Delete(b.Items, 0, gone)
		b.Dropped += int64(gone)
		if pos < gone {
			return // older than every instruction kept: its acts stay held
		}
	}
	held := b.Early[:0]
	for _, a := range b.Early {
		if a.Directive != d.ID {
			held = append(held, a)
			continue
		}
		b.apply(a) // one for a district it did not go to is ignored, as it would be after it
	}
	clear(b.Early[len(held):])
	b.Early = held
}

// directiveOrder sorts instructions by issue time, then id.
func directiveOrder(a, b Directive) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// act folds a sign-off or a report; one whose instruction is not held
// waits in Early (the newest limit, 0: all).
func (b *DirectiveBook) act(a DirectiveAct, limit int) {
	if b.Directive(a.Directive) != nil {
		b.apply(a)
		return
	}
	if limit > 0 && len(b.Early) >= limit {
		b.Early = slices.Delete(b.Early, 0, len(b.Early)-limit+1)
	}
	if b.Lean {
		a.By, a.Text = "", ""
	}
	b.Early = append(b.Early, a)
}

// apply records a on its instruction, reporting false when the
// instruction did not go to a's district. The earliest sign-off and
// report stand, never before the instruction was issued; a report signs
// too.
func (b *DirectiveBook) apply(a DirectiveAct) bool {
	d := b.Directive(a.Directive)
	r, ok := d.Reply(a.District)
	if !ok {
		return false
	}
	at := laterOf(a.At, d.At).Truncate(time.Second)
	by, text := a.By, a.Text
	if b.Lean {
		by, text = "", ""
	}
	if r.SignedAt.IsZero() || at.Before(r.SignedAt) {
		r.SignedAt, r.SignedBy = at, by
	}
	if a.Report && (r.ReportedAt.IsZero() || at.Before(r.ReportedAt)) {
		r.ReportedAt, r.ReportedBy, r.Report = at, by, text
	}
	return true
}

// directiveEvent folds one of the three instruction events into the
// state's book and a History's record.
func (f *folder) directiveEvent() bool {
	ev := f.ev
	var act DirectiveAct
	switch ev.Type {
	case feed.TypeDirectiveIssued:
		p, err := feed.Decode[feed.DirectiveIssued](ev)
		if err != nil {
			return false
		}
		d := Directive{ID: p.DirectiveID, Seq: ev.Seq, At: ev.At, FoldedAt: f.s.LastAt, Level: p.Level, Text: p.Text, By: p.By,
			To: p.To, DeadlineSign: p.DeadlineSign, DeadlineReport: p.DeadlineReport}
		if f.s.Directives == nil {
			f.s.Directives = &DirectiveBook{Lean: true}
		}
		f.s.Directives.issue(f.cfg, d, MaxDirectives)
		f.s.Directives.nextDue = time.Time{} // its deadlines are checked from the next event
		if f.s.rec != nil {
			d.To = slices.Clone(d.To)
			f.s.rec.directives().issue(f.cfg, d, 0)
		}
		return true
	case feed.TypeDirectiveSigned:
		p, err := feed.Decode[feed.DirectiveSigned](ev)
		if err != nil {
			return false
		}
		act = DirectiveAct{Directive: p.DirectiveID, District: ev.District, At: ev.At, By: p.By}
	case feed.TypeDirectiveReported:
		p, err := feed.Decode[feed.DirectiveReported](ev)
		if err != nil {
			return false
		}
		act = DirectiveAct{Directive: p.DirectiveID, District: ev.District, At: ev.At, By: p.By, Report: true, Text: p.Text}
	default:
		return false
	}
	if f.s.Directives == nil {
		f.s.Directives = &DirectiveBook{Lean: true}
	}
	f.s.Directives.act(act, MaxEarlyDirectiveActs)
	if f.s.rec != nil {
		f.s.rec.directives().act(act, 0)
	}
	// A sign-off clears the district's overdue sign-off; a report both.
	f.clearKind(WhenDirectiveOverdue, overdueSubject(act.Directive, act.District, false), ev.At, ev.Type)
	if act.Report {
		f.clearKind(WhenDirectiveOverdue, overdueSubject(act.Directive, act.District, true), ev.At, ev.Type)
	}
	return true
}

// overdueSubject is what a directive_overdue alert is about: the
// instruction, the district, and the sign-off or the report
// (D-0701-1/xihua/sign).
func overdueSubject(directive, district string, report bool) string {
	what := "sign"
	if report {
		what = "report"
	}
	return directive + "/" + district + "/" + what
}

// directivesPassed raises a directive_overdue alert (docs/figures.md,
// "Instructions") for each district whose sign-off or report of an
// instruction the state holds is not in when the clock passes its
// deadline: at the first event at or after it (the hub's clock.tick on a
// quiet night), dated at the deadline. One the clock passed before the
// instruction was folded, or before this state began to check, raises
// nothing.
func (f *folder) directivesPassed(now time.Time) {
	b := f.s.Directives
	if b == nil || len(b.Items) == 0 {
		return
	}
	since := b.Checked
	b.Checked = now
	if !b.nextDue.IsZero() && now.Before(b.nextDue) {
		return
	}
	var next time.Time
	for i := range b.Items {
		d := &b.Items[i]
		for _, report := range []bool{false, true} {
			due := d.DeadlineSign
			if report {
				due = d.DeadlineReport
			}
			if due.After(now) {
				if next.IsZero() || due.Before(next) {
					next = due
				}
				continue
			}
			if since.IsZero() || !due.After(since) || !due.After(d.FoldedAt) {
				continue
			}
			for _, r := range d.Replies {
				in := r.SignedAt
				if report {
					in = r.ReportedAt
				}
				if !in.IsZero() {
					continue
				}
				// The summary is the instruction's id: its text is on the
				// 指令 page, and 64 alerts of it would weigh on every
				// snapshot.
				f.raiseRules(WhenDirectiveOverdue, Hit{District: r.District, Subject: overdueSubject(d.ID, r.District, report),
					Type: feed.TypeDirectiveIssued, Summary: d.ID, At: due, Since: d.At})
			}
		}
	}
	if next.IsZero() {
		next = time.Unix(1<<62, 0) // nothing more is due until an issue
	}
	b.nextDue = next
}

// directives is the record's book, made when missing.
func (r *Recorder) directives() *DirectiveBook {
	if r.Directives == nil {
		r.Directives = &DirectiveBook{}
	}
	return r.Directives
}

// Where a district stands with an instruction at an instant.
const (
	ReplyPending       = "pending"        // neither deadline passed, not signed
	ReplySigned        = "signed"         // signed, report not due yet
	ReplyDone          = "reported"       // reported (signed too)
	ReplySignOverdue   = "sign_overdue"   // not signed, past deadline_sign
	ReplyReportOverdue = "report_overdue" // not reported, past deadline_report
)

// ReplyStatus is where reply r of d stands at now.
func ReplyStatus(d *Directive, r Reply, now time.Time) string {
	switch {
	case r.Reported(now):
		return ReplyDone
	case now.After(d.DeadlineReport):
		return ReplyReportOverdue
	case r.Signed(now):
		return ReplySigned
	case now.After(d.DeadlineSign):
		return ReplySignOverdue
	}
	return ReplyPending
}

// Overdue reports whether a status is past a deadline.
func Overdue(status string) bool {
	return status == ReplySignOverdue || status == ReplyReportOverdue
}

// DirectiveView is an instruction as a board shows it at an instant.
type DirectiveView struct {
	*Directive
	Status  []string `json:"status"` // per reply
	Signed  int      `json:"signed"`
	Done    int      `json:"done"`
	Overdue int      `json:"overdue"`
}

// Open reports whether some district still owes a sign-off or a report.
func (v DirectiveView) Open() bool { return v.Done < len(v.Replies) }

// DirectivesAt is the instructions the state holds as of now, newest
// issued first, with every district's status; only those that went to
// district, unless it is "". An instruction issued after now (a clock
// behind the feed) is left out.
func DirectivesAt(s *State, district string, now time.Time) []DirectiveView {
	if s == nil {
		return nil
	}
	return DirectivesOf(s.Directives, district, now)
}

// DirectivesOf is DirectivesAt for a book: the state's, or a History's
// record (every instruction of the run, with who signed and the feedback).
func DirectivesOf(b *DirectiveBook, district string, now time.Time) []DirectiveView {
	if b == nil {
		return nil
	}
	var out []DirectiveView
	items := b.Items
	for i := len(items) - 1; i >= 0; i-- {
		d := &items[i]
		if d.At.After(now) {
			continue
		}
		if _, ok := d.Reply(district); district != "" && !ok {
			continue
		}
		v := DirectiveView{Directive: d, Status: make([]string, len(d.Replies))}
		for j, r := range d.Replies {
			st := ReplyStatus(d, r, now)
			v.Status[j] = st
			if r.Signed(now) {
				v.Signed++
			}
			switch {
			case st == ReplyDone:
				v.Done++
			case Overdue(st):
				v.Overdue++
			}
		}
		out = append(out, v)
	}
	return out
}

// DirectiveTally is a district's (or the city's) sign-offs and reports
// of a period (docs/figures.md, "Instructions"): those whose deadline
// falls on one of the period's days, counted once due.
type DirectiveTally struct {
	District string `json:"district,omitempty"` // "" for the city
	// Sign-offs due in the period by its instant: signed by the
	// deadline, after it, or not yet; Pending are due later in it.
	SignDue     int `json:"sign_due"`
	SignOnTime  int `json:"sign_on_time"`
	SignLate    int `json:"sign_late"`
	SignMissing int `json:"sign_missing"`
	SignPending int `json:"sign_pending,omitempty"`
	// The same for reports, by deadline_report.
	ReportDue     int `json:"report_due"`
	ReportOnTime  int `json:"report_on_time"`
	ReportLate    int `json:"report_late"`
	ReportMissing int `json:"report_missing"`
	ReportPending int `json:"report_pending,omitempty"`
	// SignTime and ReportTime are the times from issue to the sign-offs
	// (reports) counted, on time or late: median and P90 by nearest rank.
	SignTime   Percentiles `json:"sign_time"`
	ReportTime Percentiles `json:"report_time"`
}

// SignRate is the share of sign-offs due that came by their deadline
// (签收率), — when none was due. ReportRate likewise for reports (反馈率).
func (t DirectiveTally) SignRate() Figure {
	return ShownRate(int64(t.SignOnTime), int64(t.SignDue))
}
func (t DirectiveTally) ReportRate() Figure {
	return ShownRate(int64(t.ReportOnTime), int64(t.ReportDue))
}

// Lagging says how far behind a district is: its missing sign-offs and
// reports, then its late ones.
func (t DirectiveTally) Lagging() (missing, late int) {
	return t.SignMissing + t.ReportMissing, t.SignLate + t.ReportLate
}

// DirectiveLapse is one sign-off or report not in by its deadline.
type DirectiveLapse struct {
	Directive string    `json:"directive"`
	Text      string    `json:"text"`
	District  string    `json:"district"`
	Report    bool      `json:"report,omitempty"` // the report; else the sign-off
	Deadline  time.Time `json:"deadline"`
	At        time.Time `json:"at,omitzero"` // when it came, late; zero: missing
}

// Directives are a period's instructions, tallied per district in the
// campaign file's order and for the city, with every sign-off and report
// late or missing, by deadline. A period still running counts what was in
// by its instant; a complete one everything folded.
func (p *Period) Directives(h *History) (tallies []DirectiveTally, city DirectiveTally, lapses []DirectiveLapse) {
	asOf := p.AsOf
	if !p.Elapsed.Running {
		asOf = time.Unix(1<<62, 0)
	}
	sp := p.Covered()
	in := func(t time.Time) bool {
		d := p.cfg.dayWithin(t)
		return d >= sp.From && d <= sp.To
	}
	byDistrict := map[string]*DirectiveTally{}
	for _, d := range p.cfg.Districts {
		byDistrict[d.ID] = &DirectiveTally{District: d.ID}
	}
	signTimes, reportTimes := map[string][]time.Duration{}, map[string][]time.Duration{}
	var book []Directive
	if h.rec.Directives != nil {
		book = h.rec.Directives.Items
	}
	for i := range book {
		d := &book[i]
		for _, r := range d.Replies {
			t := byDistrict[r.District]
			if t == nil {
				continue
			}
			for _, report := range []bool{false, true} {
				deadline, at := d.DeadlineSign, r.SignedAt
				if report {
					deadline, at = d.DeadlineReport, r.ReportedAt
				}
				if !in(deadline) {
					continue
				}
				due, onTime, late, missing, pending := &t.SignDue, &t.SignOnTime, &t.SignLate, &t.SignMissing, &t.SignPending
				cdue, conTime, clate, cmissing, cpending := &city.SignDue, &city.SignOnTime, &city.SignLate, &city.SignMissing, &city.SignPending
				times := signTimes
				if report {
					due, onTime, late, missing, pending = &t.ReportDue, &t.ReportOnTime, &t.ReportLate, &t.ReportMissing, &t.ReportPending
					cdue, conTime, clate, cmissing, cpending = &city.ReportDue, &city.ReportOnTime, &city.ReportLate, &city.ReportMissing, &city.ReportPending
					times = reportTimes
				}
				came := !at.IsZero() && !at.After(asOf)
				if came {
					times[r.District] = append(times[r.District], at.Sub(d.At))
				}
				switch {
				case came && !at.After(deadline):
					*onTime, *conTime = *onTime+1, *conTime+1
				case came:
					*late, *clate = *late+1, *clate+1
					lapses = append(lapses, DirectiveLapse{d.ID, d.Text, r.District, report, deadline, at})
				case asOf.After(deadline):
					*missing, *cmissing = *missing+1, *cmissing+1
					lapses = append(lapses, DirectiveLapse{d.ID, d.Text, r.District, report, deadline, time.Time{}})
				default:
					*pending, *cpending = *pending+1, *cpending+1
					continue
				}
				*due, *cdue = *due+1, *cdue+1
			}
		}
	}
	var allSign, allReport []time.Duration
	for _, d := range p.cfg.Districts {
		t := byDistrict[d.ID]
		t.SignTime, t.ReportTime = exactPercentiles(signTimes[d.ID]), exactPercentiles(reportTimes[d.ID])
		allSign, allReport = append(allSign, signTimes[d.ID]...), append(allReport, reportTimes[d.ID]...)
		tallies = append(tallies, *t)
	}
	city.SignTime, city.ReportTime = exactPercentiles(allSign), exactPercentiles(allReport)
	slices.SortStableFunc(lapses, func(a, b DirectiveLapse) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		ia, _ := p.cfg.DistrictIndex(a.District)
		ib, _ := p.cfg.DistrictIndex(b.District)
		return cmp.Compare(ia, ib)
	})
	return tallies, city, lapses
}

// exactPercentiles are the median and P90 of ds by nearest rank, to the
// second.
func exactPercentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(pct int) time.Duration {
		rank := (len(s)*pct + 99) / 100
		return s[max(rank, 1)-1].Truncate(time.Second)
	}
	return Percentiles{N: int64(len(s)), Median: at(50), P90: at(90)}
}
