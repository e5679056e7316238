package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// DecodeError is a batch that could not be read as events at all.
type DecodeError struct{ Reason string }

func (e *DecodeError) Error() string { return e.Reason }

// DecodeBatch reads a JSON array of events, or NDJSON (one event per line).
// It returns per-event errors for events that are not objects of the right
// shape, and a DecodeError when the body as a whole is unreadable.
func DecodeBatch(body []byte, maxEvents int) ([]Event, []FieldError, error) {
	if !utf8.Valid(body) {
		return nil, nil, &DecodeError{"body is not valid UTF-8: send events as UTF-8 JSON"}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil, &DecodeError{"body is empty: send a JSON array of events or NDJSON"}
	}
	if trimmed[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, nil, &DecodeError{"malformed JSON array: " + err.Error()}
		}
		if err := checkCount(len(raws), maxEvents); err != nil {
			return nil, nil, err
		}
		events := make([]Event, len(raws))
		var errs []FieldError
		for i, raw := range raws {
			if fe, bad := eventProblem(i, decodeEvent(raw, &events[i])); bad {
				errs = append(errs, fe)
			}
		}
		return events, errs, nil
	}
	var lines [][]byte
	var lineNos []int // each event's line in the body, for the messages
	for i, line := range bytes.Split(trimmed, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines, lineNos = append(lines, line), append(lineNos, i+1)
		}
	}
	if len(lines) == 0 {
		return nil, nil, &DecodeError{"no events in body"}
	}
	if maxEvents > 0 && len(lines) > maxEvents {
		// A malformed line is reported before the count, as for a body
		// within the limit; this path is rare, so the extra scan is cheap.
		for j, line := range lines {
			if !json.Valid(line) {
				return nil, nil, malformedLine(lineNos[j])
			}
		}
		return nil, nil, checkCount(len(lines), maxEvents)
	}
	events := make([]Event, len(lines))
	var errs []FieldError
	for i, line := range lines {
		err := decodeEvent(line, &events[i])
		if syntax := (*json.SyntaxError)(nil); errors.As(err, &syntax) {
			// json.Unmarshal checks the whole line before decoding any of
			// it, so this is exactly a line json.Valid refuses, and the
			// first one: the events before it decoded.
			return nil, nil, malformedLine(lineNos[i])
		}
		if fe, bad := eventProblem(i, err); bad {
			errs = append(errs, fe)
		}
	}
	return events, errs, nil
}

func malformedLine(n int) error {
	return &DecodeError{fmt.Sprintf("malformed JSON on NDJSON line %d: each line must be one event object", n)}
}

func checkCount(n, maxEvents int) error {
	if n == 0 {
		return &DecodeError{"no events in body"}
	}
	if maxEvents > 0 && n > maxEvents {
		return &DecodeError{fmt.Sprintf("%d events in one request; the limit is %d: split the batch", n, maxEvents)}
	}
	return nil
}

// eventWire is an Event as it is read from a request: its at keeps the
// check of its text (atForm), so the event is parsed once. (It used to be
// parsed a second time only to read at as a string.)
type eventWire struct {
	Event
	At atText `json:"at"` // hides Event.At (shallower wins in encoding/json)
}

// atText is an event's at: the time, and whether its text has the form
// the hub takes.
type atText struct {
	t       time.Time
	badForm bool
}

func (a *atText) UnmarshalJSON(b []byte) error {
	// As for a *string: a repeated key counts once, the last; null clears.
	a.badForm = false
	if err := a.t.UnmarshalJSON(b); err != nil {
		return err
	}
	// time took it, so it is a JSON string without escapes: its text is
	// the bytes between the quotes.
	if len(b) >= 2 && b[0] == '"' && !atForm.Match(b[1:len(b)-1]) {
		a.badForm = true
	}
	return nil
}

// errAtForm is an at that time parsed, in a form the hub does not take.
var errAtForm = errors.New("at: " + atFormProblem)

// decodeEvent reads one event into ev, parsing raw once. Its error is
// json.Unmarshal's, or errAtForm.
func decodeEvent(raw []byte, ev *Event) error {
	var w eventWire
	err := json.Unmarshal(raw, &w)
	*ev = w.Event
	ev.At = w.At.t
	if err == nil && w.At.badForm {
		return errAtForm
	}
	if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
		// encoding/json names the embedded struct in the path
		// ("Event.grid"); the sender knows only its own keys.
		te.Field = strings.TrimPrefix(te.Field, "Event.")
	}
	return err
}

// eventProblem is the entry for event i's decoding error, if any.
func eventProblem(i int, err error) (FieldError, bool) {
	switch {
	case err == nil:
		return FieldError{}, false
	case err == errAtForm:
		return FieldError{i, "at", atFormProblem}, true
	}
	return envelopeError(i, err), true
}

// atForm is RFC 3339 as the hub takes it, and as events.schema.json's
// pattern says: upper-case T and Z, a '.' before a fraction, and an offset
// within a day. Go's parser also takes a ',' fraction and an offset of
// +24:00 or more; the schema does not, so neither does the hub.
var atForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

const atFormProblem = "not an RFC 3339 time with a zone, e.g. 2023-06-25T08:00:00+08:00: use upper-case T and Z, '.' before a fraction, and an offset between -23:59 and +23:59"

func envelopeError(i int, err error) FieldError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return FieldError{i, "", "each event must be a JSON object"}
		}
		return FieldError{i, te.Field, fmt.Sprintf("wrong type: got JSON %s, want %s", te.Value, te.Type)}
	}
	var pe *time.ParseError
	if errors.As(err, &pe) || strings.Contains(err.Error(), "parsing time") {
		return FieldError{i, "at", "not an RFC 3339 time with a zone, e.g. 2023-06-25T08:00:00+08:00"}
	}
	return FieldError{i, "", "cannot read event: " + err.Error()}
}
