package feed

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// The supervision teams (督察组) of the campaign office: a team visits a
// district, openly (明察) or unannounced (暗访), and the problems it finds
// must be put right by a deadline (docs/protocol.md, "Supervision").
const (
	TypeSupervisionVisit     = "supervision.visit"
	TypeSupervisionFinding   = "supervision.finding"
	TypeSupervisionRectified = "supervision.rectified"
)

// Modes of a supervision visit.
const (
	ModeOpen   = "open"   // 明察: announced
	ModeCovert = "covert" // 暗访: unannounced
)

// SupervisionModes lists the visit modes, in display order.
var SupervisionModes = []string{ModeOpen, ModeCovert}

// Severities of a finding.
const (
	SeverityMinor   = "minor"   // 一般问题
	SeveritySerious = "serious" // 较重问题
	SeveritySevere  = "severe"  // 严重问题
)

// Severities lists the finding severities, least first.
var Severities = []string{SeverityMinor, SeveritySerious, SeveritySevere}

// MaxNoteLen bounds a rectification's note, in characters: a short line
// for a bulletin's list, not a report.
const MaxNoteLen = 200

// MaxFindingsPerVisit bounds a visit's count of problems: more in one
// visit is a publisher's bug (a sum sent as a count).
const MaxFindingsPerVisit = 1000

// SupervisionVisit is one visit of a team to the event's district.
type SupervisionVisit struct {
	Team string `json:"team"` // a team id of the campaign file's [[supervision.teams]]
	Mode string `json:"mode"` // ModeOpen or ModeCovert
	// Focus is what the visit looked at (督责任、督进度、督实效), one line.
	Focus string `json:"focus,omitempty"`
	// Findings is how many problems the visit found; each that must be
	// put right comes as a supervision.finding.
	Findings int64 `json:"findings"`
}

// SupervisionFinding is a problem a team found in the event's district,
// to be put right by Deadline.
type SupervisionFinding struct {
	FindingID string `json:"finding_id"`
	Team      string `json:"team"`
	Summary   string `json:"summary"` // one line, named in the bulletins
	Severity  string `json:"severity"`
	// Deadline is when it must be put right: an RFC 3339 time with a
	// zone, as an event's at, not before the event's at.
	Deadline string `json:"deadline"`
}

// DeadlineAt is the finding's deadline as a time (zero when it does not
// parse, which validation refuses).
func (p SupervisionFinding) DeadlineAt() time.Time {
	t, _ := ParseWireTime(p.Deadline)
	return t
}

// SupervisionRectified says a finding was put right; the event's at is
// when, its district the finding's.
type SupervisionRectified struct {
	FindingID string `json:"finding_id"`
	Note      string `json:"note,omitempty"` // what was done, one short line
}

func (p *SupervisionVisit) check(add func(string, string)) {
	need(add, "team", p.Team)
	oneOf(add, "mode", p.Mode, SupervisionModes)
	text(add, "focus", p.Focus)
	nonNeg(add, "findings", p.Findings)
	if p.Findings > MaxFindingsPerVisit {
		add("findings", fmt.Sprintf("%d problems in one visit, more than %d: send the visit's own count", p.Findings, MaxFindingsPerVisit))
	}
}

func (p *SupervisionFinding) check(add func(string, string)) {
	need(add, "finding_id", p.FindingID)
	need(add, "team", p.Team)
	if p.Summary == "" {
		add("summary", "missing: say in one line what was found (the bulletins name it)")
	} else {
		text(add, "summary", p.Summary)
	}
	oneOf(add, "severity", p.Severity, Severities)
	if p.Deadline == "" {
		add("deadline", "missing: give when it must be put right, e.g. 2023-07-10T18:00:00+08:00")
	} else if _, problem := ParseWireTime(p.Deadline); problem != "" {
		add("deadline", problem)
	}
}

func (p *SupervisionRectified) check(add func(string, string)) {
	need(add, "finding_id", p.FindingID)
	if n := utf8.RuneCountInString(p.Note); n > MaxNoteLen {
		add("note", fmt.Sprintf("%d characters, longer than %d: a short line of what was done", n, MaxNoteLen))
	} else {
		text(add, "note", p.Note)
	}
}

// ParseWireTime reads a time inside data (a deadline) by the rules of an
// event's at: RFC 3339 with a zone in the form atForm takes, from MinYear.
// problem says why not, for a 400 entry; "" when t is good.
func ParseWireTime(s string) (t time.Time, problem string) {
	if !atForm.MatchString(s) {
		return time.Time{}, atFormProblem
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "not a real time (" + err.Error() + "): " + atFormProblem
	}
	if t.Year() < MinYear {
		return time.Time{}, fmt.Sprintf("year %d is before %d", t.Year(), MinYear)
	}
	return t, ""
}

// checkSupervision is what a stateless check of data cannot see: a team
// of the campaign's, a deadline not before the finding.
func (v Validator) checkSupervision(ev Event, add func(field, reason string)) {
	team := func(id string) {
		if v.Teams == nil || v.Teams[id] {
			return
		}
		if len(v.Teams) == 0 {
			add("data.team", fmt.Sprintf("unknown team %q: the campaign file lists no [[supervision.teams]]; add them (docs/campaign.md)", id))
			return
		}
		add("data.team", fmt.Sprintf("unknown team %q: use a team id of the campaign file's [[supervision.teams]]", id))
	}
	switch ev.Type {
	case TypeSupervisionVisit:
		if p, err := Decode[SupervisionVisit](ev); err == nil {
			team(p.Team)
		}
	case TypeSupervisionFinding:
		if p, err := Decode[SupervisionFinding](ev); err == nil {
			team(p.Team)
			if d := p.DeadlineAt(); !d.IsZero() && !ev.At.IsZero() && d.Before(ev.At) {
				add("data.deadline", fmt.Sprintf("%s is before the finding's at (%s): give the deadline for putting it right", p.Deadline, ev.At.Format(time.RFC3339)))
			}
		}
	}
}
