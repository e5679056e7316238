package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// FieldError says what is wrong with one event of a batch.
type FieldError struct {
	Index  int    `json:"index"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e FieldError) Error() string {
	return fmt.Sprintf("event %d: %s: %s", e.Index, e.Field, e.Reason)
}

// Limits on identifiers and text, so a single event cannot bloat the log.
// Ids are ASCII, so their bytes are their characters; text is counted in
// characters (code points), as JSON Schema's maxLength counts.
const (
	MaxIDLen      = 128
	MaxTypeLen    = 64
	MaxTextLen    = 512
	MaxDataBytes  = 8 << 10
	MaxYearsLarge = 100
	// MaxShiftSites caps a shift report's sites: one grid's night shift
	// covers a handful, and a longer list is a publisher's bug.
	MaxShiftSites = 64
	// MinYear bounds at from below: an earlier time is a zero or default
	// value from the publisher, not an event.
	MinYear = 1970
)

// Validator checks events against the campaign's districts, grids,
// watched sites and supervision teams. A nil Districts set accepts any
// non-empty district; a nil Grids, Sites or Teams map accepts any
// well-formed id.
type Validator struct {
	Districts map[string]bool
	Grids     map[string]string // grid id -> district id
	Sites     map[string]string // watched site id -> district id
	// Teams are the supervision teams' ids (督察组); nil accepts any
	// well-formed id, an empty set none.
	Teams map[string]bool
	// Zones are the campaign's zone ids, which an instruction may be
	// sent to besides its districts; nil: none.
	Zones map[string]bool
}

// Validate returns every problem with ev; none means it may be stored.
// Unknown types pass the envelope checks and are stored unfolded.
func (v Validator) Validate(index int, ev Event) []FieldError {
	var errs []FieldError
	add := func(field, reason string) { errs = append(errs, FieldError{index, field, reason}) }
	switch {
	case ev.ID == "":
		add("id", "missing: give each event a unique id (your idempotency key)")
	case IDProblem(ev.ID, MaxIDLen) != "":
		add("id", IDProblem(ev.ID, MaxIDLen))
	}
	switch {
	case ev.Type == "":
		add("type", "missing: set a type such as \"alarm.received\"")
	case IDProblem(ev.Type, MaxTypeLen) != "":
		add("type", IDProblem(ev.Type, MaxTypeLen)+"; a type is a short dotted name such as \"alarm.received\"")
	}
	switch {
	case ev.At.IsZero():
		add("at", "missing: give an RFC 3339 time with a zone, e.g. 2023-06-25T08:00:00+08:00")
	case ev.At.Year() < MinYear:
		add("at", fmt.Sprintf("year %d is before %d: give the time the event happened", ev.At.Year(), MinYear))
	}
	switch {
	case ev.Type == TypeClockTick:
		if ev.District != "" || ev.Grid != "" {
			add("district", "a clock.tick has no district or grid: it says only what time it is; leave both out")
		}
	case ev.District == "":
		add("district", "missing: give the district id from the campaign config")
	case IDProblem(ev.District, MaxIDLen) != "":
		add("district", IDProblem(ev.District, MaxIDLen))
	case v.Districts != nil && !v.Districts[ev.District] && !(ev.Type == TypeDirectiveIssued && ev.District == CityDistrict):
		add("district", fmt.Sprintf("unknown district %q: use one of the campaign config's district ids", ev.District))
	}
	if p := IDProblem(ev.Grid, MaxIDLen); p != "" {
		add("grid", p)
	} else if ev.Grid != "" && v.Grids != nil {
		if d, ok := v.Grids[ev.Grid]; !ok {
			add("grid", fmt.Sprintf("unknown grid %q", ev.Grid))
		} else if d != ev.District {
			add("grid", fmt.Sprintf("grid %q belongs to district %q, not %q", ev.Grid, d, ev.District))
		}
	}
	if len(ev.Data) > MaxDataBytes {
		add("data", fmt.Sprintf("larger than %d bytes", MaxDataBytes))
		return errs
	}
	dataErrs := validateData(ev.Type, ev.Data)
	for _, fe := range dataErrs {
		fe.Index = index
		errs = append(errs, fe)
	}
	if len(dataErrs) == 0 {
		v.checkDirective(ev, add)
	}
	if len(dataErrs) == 0 && ev.Type == TypeShiftReport && v.Sites != nil {
		if p, err := Decode[ShiftReport](ev); err == nil {
			for i, id := range p.Sites {
				field := fmt.Sprintf("data.sites[%d]", i)
				if d, ok := v.Sites[id]; !ok {
					add(field, fmt.Sprintf("unknown site %q: send only ids of the campaign config's [[sites]]", id))
				} else if d != ev.District {
					add(field, fmt.Sprintf("site %q belongs to district %q, not %q: send it in that district's shift report", id, d, ev.District))
				}
			}
		}
	}
	if len(dataErrs) == 0 {
		v.checkSupervision(ev, add)
	}
	return errs
}

// Known reports whether t is a type the fold understands.
func Known(t string) bool {
	_, ok := payloadOf[t]
	return ok
}

// payloadOf maps each known type to a constructor of its payload.
var payloadOf = map[string]func() checker{
	TypeAlarmReceived:     func() checker { return &AlarmReceived{} },
	TypeAlarmDispatched:   func() checker { return &AlarmDispatched{} },
	TypeAlarmClosed:       func() checker { return &AlarmClosed{} },
	TypeCaseFiled:         func() checker { return &CaseFiled{} },
	TypeCaseSolved:        func() checker { return &CaseSolved{} },
	TypeCaseAction:        func() checker { return &CaseAction{} },
	TypeFugitiveCaught:    func() checker { return &FugitiveCaught{} },
	TypePatrolDeployed:    func() checker { return &PatrolDeployed{} },
	TypeShiftReport:       func() checker { return &ShiftReport{} },
	TypeInspection:        func() checker { return &Inspection{} },
	TypeDisputeFound:      func() checker { return &DisputeFound{} },
	TypeDisputeResolved:   func() checker { return &DisputeResolved{} },
	TypeOperation:         func() checker { return &Operation{} },
	TypeMajorAccident:     func() checker { return &MajorAccident{} },
	TypeCampaignStarted:   func() checker { return &CampaignStarted{} },
	TypeAlertAcknowledged: func() checker { return &AlertAcknowledged{} },
	// supervision.go
	TypeSupervisionVisit:     func() checker { return &SupervisionVisit{} },
	TypeSupervisionFinding:   func() checker { return &SupervisionFinding{} },
	TypeSupervisionRectified: func() checker { return &SupervisionRectified{} },
	TypeDirectiveIssued:      func() checker { return &DirectiveIssued{} },
	TypeDirectiveSigned:      func() checker { return &DirectiveSigned{} },
	TypeDirectiveReported:    func() checker { return &DirectiveReported{} },
	TypeClockTick:            func() checker { return &ClockTick{} },
}

// KnownTypes lists the folded event types, sorted.
func KnownTypes() []string {
	ts := make([]string, 0, len(payloadOf))
	for t := range payloadOf {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

type checker interface {
	check(add func(field, reason string))
}

// prechecker is a payload with fields to check in their JSON text before
// it is decoded: it returns the data to decode, without the fields it
// refused, so the others are still checked.
type prechecker interface {
	precheck(data json.RawMessage, add func(field, reason string)) json.RawMessage
}

func validateData(typ string, data json.RawMessage) []FieldError {
	mk, ok := payloadOf[typ]
	if !ok {
		if len(data) > 0 && !json.Valid(data) {
			return []FieldError{{Field: "data", Reason: "not valid JSON"}}
		}
		return nil
	}
	var errs []FieldError
	add := func(field, reason string) { errs = append(errs, FieldError{Field: "data." + field, Reason: reason}) }
	p := mk()
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		return []FieldError{{Field: "data", Reason: fmt.Sprintf("missing: type %q needs a data object (see docs/protocol.md)", typ)}}
	}
	if pc, ok := p.(prechecker); ok {
		data = pc.precheck(data, add)
	}
	if err := json.Unmarshal(data, p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return []FieldError{{Field: "data." + te.Field, Reason: fmt.Sprintf("wrong type: got JSON %s, want %s", te.Value, te.Type)}}
		}
		return []FieldError{{Field: "data", Reason: "must be a JSON object: " + err.Error()}}
	}
	p.check(add)
	return errs
}

// Decode reads the payload of a known event type into its struct.
func Decode[T any](ev Event) (T, error) {
	var p T
	err := json.Unmarshal(ev.Data, &p)
	return p, err
}

// need is a required id inside data.
func need(add func(string, string), field, val string) {
	if val == "" {
		add(field, "missing")
	} else if p := IDProblem(val, MaxIDLen); p != "" {
		add(field, p)
	}
}

// ref is an optional id inside data, such as a notable case's.
func ref(add func(string, string), field, val string) {
	if p := IDProblem(val, MaxIDLen); p != "" {
		add(field, p)
	}
}

// text is a text field: it reaches terminals, see TextProblem.
func text(add func(string, string), field, val string) {
	if p := TextProblem(val); p != "" {
		add(field, p)
	}
}

func oneOf(add func(string, string), field, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		if val == "" {
			add(field, "missing: one of "+strings.Join(allowed, ", "))
		} else {
			add(field, fmt.Sprintf("unknown value %q: use one of %s", val, strings.Join(allowed, ", ")))
		}
	}
}

func nonNeg(add func(string, string), field string, n int64) {
	if n < 0 {
		add(field, "must not be negative")
	}
}

func (p *AlarmReceived) check(add func(string, string)) {
	need(add, "alarm_id", p.AlarmID)
	oneOf(add, "category", p.Category, AlarmCategories)
	if p.Priority < 1 || p.Priority > 3 {
		add("priority", "must be 1 (urgent), 2 (normal) or 3 (low)")
	}
	text(add, "summary", p.Summary)
}

func (p *AlarmDispatched) check(add func(string, string)) {
	need(add, "alarm_id", p.AlarmID)
	oneOf(add, "category", p.Category, AlarmCategories)
	text(add, "unit", p.Unit)
}

func (p *AlarmClosed) check(add func(string, string)) {
	need(add, "alarm_id", p.AlarmID)
	oneOf(add, "category", p.Category, AlarmCategories)
	text(add, "outcome", p.Outcome)
}

func (p *CaseFiled) check(add func(string, string)) {
	need(add, "case_id", p.CaseID)
	oneOf(add, "category", p.Category, CaseCategories)
	oneOf(add, "kind", p.Kind, []string{KindCriminal, KindAdministrative})
	nonNeg(add, "loss_cny", p.LossCNY)
	ref(add, "notable", p.Notable)
	text(add, "summary", p.Summary)
}

func (p *CaseSolved) check(add func(string, string)) {
	need(add, "case_id", p.CaseID)
	oneOf(add, "category", p.Category, CaseCategories)
	oneOf(add, "kind", p.Kind, []string{KindCriminal, KindAdministrative})
	nonNeg(add, "value_cny", p.ValueCNY)
	ref(add, "notable", p.Notable)
	text(add, "summary", p.Summary)
}

func (p *CaseAction) check(add func(string, string)) {
	need(add, "case_id", p.CaseID)
	oneOf(add, "category", p.Category, CaseCategories)
	oneOf(add, "action", p.Action, CaseActions)
	nonNeg(add, "persons", p.Persons)
	nonNeg(add, "amount_cny", p.AmountCNY)
	switch p.Action {
	case ActionSeizure, ActionRecovery:
		if p.AmountCNY == 0 {
			add("amount_cny", "must be positive for "+p.Action)
		}
	default:
		if p.Persons == 0 && p.Action != "" && slices.Contains(CaseActions, p.Action) {
			add("persons", "must be positive for "+p.Action)
		}
	}
	ref(add, "notable", p.Notable)
}

func (p *FugitiveCaught) check(add func(string, string)) {
	oneOf(add, "crime", p.Crime, CaseCategories)
	if p.YearsAtLarge < 0 || p.YearsAtLarge > MaxYearsLarge {
		add("years_at_large", fmt.Sprintf("must be between 0 and %d", MaxYearsLarge))
	}
	text(add, "summary", p.Summary)
}

func (p *PatrolDeployed) check(add func(string, string)) {
	oneOf(add, "post_kind", p.PostKind, PostKinds)
	need(add, "post_id", p.PostID)
	text(add, "name", p.Name)
}

func (p *ShiftReport) check(add func(string, string)) {
	oneOf(add, "duty", p.Duty, Duties)
	nonNeg(add, "officers", p.Officers)
	nonNeg(add, "vehicles", p.Vehicles)
	nonNeg(add, "volunteers", p.Volunteers)
	nonNeg(add, "persons_checked", p.PersonsChecked)
	nonNeg(add, "vehicles_checked", p.VehiclesChecked)
	v := p.Violations
	for _, f := range []struct {
		name string
		n    int64
	}{{"unlicensed", v.Unlicensed}, {"drink_driving", v.DrinkDriving}, {"drunk_driving", v.DrunkDriving}, {"speeding", v.Speeding}, {"passenger_overload", v.PassengerOverload}, {"cargo_overload", v.CargoOverload}, {"other", v.Other}} {
		nonNeg(add, "violations."+f.name, f.n)
	}
	if len(p.Sites) > MaxShiftSites {
		add("sites", fmt.Sprintf("%d sites: list at most %d (the sites one shift patrolled); split a larger area into grids", len(p.Sites), MaxShiftSites))
		return
	}
	seen := make(map[string]int, len(p.Sites))
	for i, id := range p.Sites {
		field := fmt.Sprintf("sites[%d]", i)
		if id == "" {
			add(field, "empty: give a site id from the campaign config")
			continue
		}
		if pr := IDProblem(id, MaxIDLen); pr != "" {
			add(field, pr)
			continue
		}
		if j, dup := seen[id]; dup {
			add(field, fmt.Sprintf("site %q is listed twice (also sites[%d]): list each site once", id, j))
			continue
		}
		seen[id] = i
	}
}

func (p *Inspection) check(add func(string, string)) {
	oneOf(add, "unit_type", p.UnitType, UnitTypes)
	text(add, "unit", p.Unit)
	nonNeg(add, "found", p.Found)
	nonNeg(add, "rectified", p.Rectified)
	nonNeg(add, "notices", p.Notices)
	if p.Rectified > p.Found && p.Found >= 0 {
		add("rectified", "cannot exceed found")
	}
}

func (p *DisputeFound) check(add func(string, string)) {
	need(add, "dispute_id", p.DisputeID)
	text(add, "kind", p.Kind)
	text(add, "summary", p.Summary)
}

func (p *DisputeResolved) check(add func(string, string)) {
	need(add, "dispute_id", p.DisputeID)
}

func (p *Operation) check(add func(string, string)) {
	oneOf(add, "kind", p.Kind, OperationKinds)
	text(add, "name", p.Name)
}

func (p *MajorAccident) check(add func(string, string)) {
	need(add, "kind", p.Kind)
	nonNeg(add, "deaths", p.Deaths)
	text(add, "summary", p.Summary)
}

func (p *CampaignStarted) check(add func(string, string)) {
	if p.Run < 0 {
		add("run", "must not be negative")
	}
	text(add, "note", p.Note)
}

func (p *ClockTick) check(func(string, string)) {}

func (p *AlertAcknowledged) check(add func(string, string)) {
	need(add, "alert_id", p.AlertID)
	switch n := utf8.RuneCountInString(p.By); {
	case p.By == "":
		add("by", "missing: name who acknowledged (a station or a board)")
	case n > MaxAckByLen:
		add("by", fmt.Sprintf("longer than %d characters (%d): send a short station or board name", MaxAckByLen, n))
	default:
		text(add, "by", p.By)
	}
}
