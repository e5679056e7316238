package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
		}
	}
	return events, errs, nil
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
