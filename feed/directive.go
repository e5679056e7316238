package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The campaign office's instructions (指令): issued to districts, signed
// (签收) and answered (反馈) by each. docs/protocol.md, "Instructions".
const (
	TypeDirectiveIssued   = "directive.issued"
	TypeDirectiveSigned   = "directive.signed"
	TypeDirectiveReported = "directive.reported"
)

// CityDistrict is the district of a directive.issued: the campaign office
// issues it for the city, so its envelope names no district of the
// campaign. No campaign may call a district this.
const CityDistrict = "city"

// DirectiveAll in a directive's to sends it to every district.
const DirectiveAll = "all"

// Directive levels (紧急程度).
const (
	LevelUrgent    = "urgent"    // 特急
	LevelExpedited = "expedited" // 加急
	LevelRoutine   = "routine"   // 平急
)

// DirectiveLevels lists the levels, most urgent first.
var DirectiveLevels = []string{LevelUrgent, LevelExpedited, LevelRoutine}

// Limits on instructions.
const (
	// MaxDirectiveIDLen bounds directive_id, so the hub's own event ids
	// built from it (DirectiveEventID) stay readable within MaxIDLen.
	MaxDirectiveIDLen = 64
	// MaxDirectiveTargets bounds to: the districts and zones of a city.
	MaxDirectiveTargets = 64
	// MaxDirectiveTextLen bounds an instruction's text; MaxFeedbackLen a
	// district's one-line feedback, which a board shows in one row.
	MaxDirectiveTextLen = 200
	MaxFeedbackLen      = 120
	// MaxDirectiveByLen bounds who issued, signed or reported: a title or
	// a station's name, as for acknowledgements.
	MaxDirectiveByLen = MaxAckByLen
)

// DirectiveIssued is an instruction sent down. To holds district ids (or
// zone ids, when the campaign has zones), or DirectiveAll alone. The
// deadlines are when each district must have signed it and reported on it.
type DirectiveIssued struct {
	DirectiveID    string    `json:"directive_id"`
	To             []string  `json:"to"`
	Text           string    `json:"text"`
	DeadlineSign   time.Time `json:"deadline_sign"`
	DeadlineReport time.Time `json:"deadline_report"`
	Level          string    `json:"level"`
	By             string    `json:"by,omitempty"` // who issued: a title, not a person
}

// DirectiveSigned is one district's sign-off (签收): the event's district
// signed the instruction.
type DirectiveSigned struct {
	DirectiveID string `json:"directive_id"`
	By          string `json:"by"`
}

// DirectiveReported is one district's feedback (反馈) on the instruction,
// one line. A report also signs an instruction not yet signed.
type DirectiveReported struct {
	DirectiveID string `json:"directive_id"`
	By          string `json:"by"`
	Text        string `json:"text"`
}

func directiveID(add func(string, string), id string) {
	switch {
	case id == "":
		add("directive_id", "missing: give the instruction's id")
	case len(id) > MaxDirectiveIDLen:
		add("directive_id", fmt.Sprintf("longer than %d bytes", MaxDirectiveIDLen))
	default:
		need(add, "directive_id", id)
	}
}

// boundedText is a required text of 1 to max characters.
func boundedText(add func(string, string), field, val string, max int, what string) {
	switch n := utf8.RuneCountInString(val); {
	case val == "":
		add(field, "missing: "+what)
	case n > max:
		add(field, fmt.Sprintf("%d characters, longer than %d: shorten it", n, max))
	default:
		text(add, field, val)
	}
}

func by(add func(string, string), val string, required bool) {
	if val == "" && !required {
		return
	}
	boundedText(add, "by", val, MaxDirectiveByLen, "name who it is (a station's name or a title)")
}

func (p *DirectiveIssued) check(add func(string, string)) {
	directiveID(add, p.DirectiveID)
	switch {
	case len(p.To) == 0:
		add("to", `missing: list the district ids to send it to, or ["all"]`)
	case len(p.To) > MaxDirectiveTargets:
		add("to", fmt.Sprintf("%d entries, more than %d", len(p.To), MaxDirectiveTargets))
	default:
		seen := map[string]int{}
		for i, id := range p.To {
			field := fmt.Sprintf("to[%d]", i)
			if id == "" {
				add(field, "empty: give a district id")
				continue
			}
			if pr := IDProblem(id, MaxIDLen); pr != "" {
				add(field, pr)
				continue
			}
			if id == DirectiveAll && len(p.To) > 1 {
				add(field, `"all" already names every district: send ["all"] alone`)
				continue
			}
			if j, dup := seen[id]; dup {
				add(field, fmt.Sprintf("%q is listed twice (also to[%d]): list each once", id, j))
				continue
			}
			seen[id] = i
		}
	}
	boundedText(add, "text", p.Text, MaxDirectiveTextLen, "give the instruction's text")
	oneOf(add, "level", p.Level, DirectiveLevels)
	by(add, p.By, false)
}

func (p *DirectiveSigned) check(add func(string, string)) {
	directiveID(add, p.DirectiveID)
	by(add, p.By, true)
}

func (p *DirectiveReported) check(add func(string, string)) {
	directiveID(add, p.DirectiveID)
	by(add, p.By, true)
	boundedText(add, "text", p.Text, MaxFeedbackLen, "give one line of feedback")
}

// precheck reads the deadlines' text before the payload is decoded: a
// time inside data has the form of the envelope's at (atForm), which Go's
// parser alone would widen, and a bad one is named by its field and left
// out of the decoding.
func (p *DirectiveIssued) precheck(data json.RawMessage, add func(string, string)) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return data // the decoding names what is wrong
	}
	bad := false
	for _, name := range []string{"deadline_sign", "deadline_report"} {
		if problem := dataTimeProblem(fields[name]); problem != "" {
			add(name, problem)
			delete(fields, name)
			bad = true
		}
	}
	if !bad {
		return data
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return data
	}
	return out
}

// dataTimeProblem says why raw is not a time inside data, "" if it is.
func dataTimeProblem(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "missing: give an RFC 3339 time with a zone, e.g. 2023-07-01T18:00:00+08:00"
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "wrong type: want an RFC 3339 time as a JSON string"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !atForm.MatchString(s) {
		return atFormProblem
	}
	if t.Year() < MinYear {
		return fmt.Sprintf("year %d is before %d", t.Year(), MinYear)
	}
	return ""
}

// checkDirective is what Validate checks of an instruction beyond its
// payload: its envelope's district and the order of its times, which the
// schema cannot compare; and with the campaign's districts, its targets.
func (v Validator) checkDirective(ev Event, add func(field, reason string)) {
	switch ev.Type {
	case TypeDirectiveIssued:
		if ev.District != CityDistrict {
			add("district", fmt.Sprintf("%q: an instruction is the campaign office's, so its district is %q", ev.District, CityDistrict))
		}
	case TypeDirectiveSigned, TypeDirectiveReported:
		if ev.District == CityDistrict {
			add("district", "the district that signs or reports, not \"city\"")
		}
		return
	default:
		return
	}
	p, err := Decode[DirectiveIssued](ev)
	if err != nil {
		return
	}
	if !ev.At.IsZero() && p.DeadlineSign.Before(ev.At) {
		add("data.deadline_sign", fmt.Sprintf("%s is before the instruction's at %s: give a deadline after it is issued", p.DeadlineSign.Format(time.RFC3339), ev.At.Format(time.RFC3339)))
	}
	if p.DeadlineReport.Before(p.DeadlineSign) {
		add("data.deadline_report", "before deadline_sign: a district reports after it signs")
	}
	if v.Districts == nil {
		return
	}
	for i, id := range p.To {
		if id != DirectiveAll && !v.Districts[id] && !v.Zones[id] {
			add(fmt.Sprintf("data.to[%d]", i), fmt.Sprintf("unknown district %q: use the campaign config's district ids%s, or \"all\"", id, v.zonesHint()))
		}
	}
}

func (v Validator) zonesHint() string {
	if len(v.Zones) == 0 {
		return ""
	}
	zones := make([]string, 0, len(v.Zones))
	for z := range v.Zones {
		zones = append(zones, z)
	}
	slices.Sort(zones)
	return " or zone ids (" + strings.Join(zones, ", ") + ")"
}

// POST /v1/directives/issue, /sign and /report: boards and `sitboard
// directive` send instructions, sign-offs and reports through the hub,
// which checks what the read token allows and writes the events
// (docs/protocol.md, "Instructions: POST /v1/directives/...").

// MaxDirectiveBodyBytes bounds a request to /v1/directives/*.
const MaxDirectiveBodyBytes = 16 << 10

// IssueRequest is the body of POST /v1/directives/issue. Each deadline is
// a time, or a duration after the instruction's time (SignWithin,
// ReportWithin, such as "30m" or "48h"): a shell or a replayed board need
// not know the hub's clock. At is the board's clock, clamped by the hub.
type IssueRequest struct {
	DirectiveID    string    `json:"directive_id"`
	To             []string  `json:"to"`
	Text           string    `json:"text"`
	Level          string    `json:"level"`
	By             string    `json:"by,omitempty"`
	DeadlineSign   time.Time `json:"deadline_sign,omitzero"`
	DeadlineReport time.Time `json:"deadline_report,omitzero"`
	SignWithin     string    `json:"sign_within,omitempty"`
	ReportWithin   string    `json:"report_within,omitempty"`
	At             time.Time `json:"at,omitzero"`
}

// ReplyRequest is the body of POST /v1/directives/sign and /report.
// District is the district signing: a district's token may leave it out;
// an SSH server's (stations) token must name it. Text is the report's
// feedback (report only).
type ReplyRequest struct {
	DirectiveID string    `json:"directive_id"`
	District    string    `json:"district,omitempty"`
	By          string    `json:"by"`
	Text        string    `json:"text,omitempty"`
	At          time.Time `json:"at,omitzero"`
}

// Outcomes of a directive request.
const (
	OutcomeIssued          = "issued"
	OutcomeAlreadyIssued   = "already_issued"
	OutcomeSigned          = "signed"
	OutcomeAlreadySigned   = "already_signed"
	OutcomeReported        = "reported"
	OutcomeAlreadyReported = "already_reported"
)

// DirectiveOutcome is the 200 answer to POST /v1/directives/*: what was
// stored now (Seq, At), or what already stood.
type DirectiveOutcome struct {
	DirectiveID string    `json:"directive_id"`
	Status      string    `json:"status"`
	District    string    `json:"district,omitempty"`
	By          string    `json:"by,omitempty"`
	At          time.Time `json:"at,omitzero"`
	Seq         uint64    `json:"seq,omitempty"`
	Text        string    `json:"text,omitempty"` // the report standing
	// For an issue: the districts it went to and its deadlines.
	Districts      []string  `json:"districts,omitempty"`
	DeadlineSign   time.Time `json:"deadline_sign,omitzero"`
	DeadlineReport time.Time `json:"deadline_report,omitzero"`
}

// DirectiveEventID is the id of an event the hub writes for an
// instruction: kind "directive" with the directive id for its issue,
// "signed" or "reported" with the issue's seq and the district for a
// reply (one per district and issue). An id too long is hashed.
func DirectiveEventID(kind string, parts ...string) string {
	key := strings.Join(parts, ":")
	if id := HubIDPrefix + kind + ":" + key; len(id) <= MaxIDLen {
		return id
	}
	sum := sha256.Sum256([]byte(key))
	return HubIDPrefix + kind + ":sha256:" + hex.EncodeToString(sum[:])
}
