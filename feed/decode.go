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
	var raws []json.RawMessage
	if trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, nil, &DecodeError{"malformed JSON array: " + err.Error()}
		}
	} else {
		for i, line := range bytes.Split(trimmed, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			if !json.Valid(line) {
				return nil, nil, &DecodeError{fmt.Sprintf("malformed JSON on NDJSON line %d: each line must be one event object", i+1)}
			}
			raws = append(raws, json.RawMessage(line))
		}
	}
	if len(raws) == 0 {
		return nil, nil, &DecodeError{"no events in body"}
	}
	if maxEvents > 0 && len(raws) > maxEvents {
		return nil, nil, &DecodeError{fmt.Sprintf("%d events in one request; the limit is %d: split the batch", len(raws), maxEvents)}
	}
	events := make([]Event, len(raws))
	var errs []FieldError
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &events[i]); err != nil {
			errs = append(errs, envelopeError(i, err))
		} else if p := atProblem(raw); p != "" {
			errs = append(errs, FieldError{i, "at", p})
		}
	}
	return events, errs, nil
}

// atForm is RFC 3339 as the hub takes it, and as events.schema.json's
// pattern says: upper-case T and Z, a '.' before a fraction, and an offset
// within a day. Go's parser also takes a ',' fraction and an offset of
// +24:00 or more; the schema does not, so neither does the hub.
var atForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// atProblem checks the text of an event's at, which json.Unmarshal has
// already parsed as a time.
func atProblem(raw json.RawMessage) string {
	var probe struct {
		At *string `json:"at"`
	}
	if json.Unmarshal(raw, &probe) != nil || probe.At == nil || atForm.MatchString(*probe.At) {
		return "" // missing or unparsable at is reported elsewhere
	}
	return "not an RFC 3339 time with a zone, e.g. 2023-06-25T08:00:00+08:00: use upper-case T and Z, '.' before a fraction, and an offset between -23:59 and +23:59"
}

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
