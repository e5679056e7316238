package feed_test

import (
	"fmt"
	"testing"

	"sitboard/feed"
)

// TestDecodeBatchMessages pins what DecodeBatch says about each kind of bad
// body or event, including the corners of reading each event once: the
// at's form is judged on its last occurrence, null clears it, a wrong type
// is named by the sender's key (not the Go struct's path), and a malformed
// NDJSON line wins over earlier bad events and over the count limit.
func TestDecodeBatchMessages(t *testing.T) {
	const (
		good    = `{"id":"a","type":"x","at":"2023-06-25T08:00:00+08:00","district":"d"}`
		atForm  = "not an RFC 3339 time with a zone, e.g. 2023-06-25T08:00:00+08:00: use upper-case T and Z, '.' before a fraction, and an offset between -23:59 and +23:59"
		atParse = "not an RFC 3339 time with a zone, e.g. 2023-06-25T08:00:00+08:00"
	)
	for _, tc := range []struct {
		name, body string
		max        int
		want       string // the whole-body error, or the per-event errors
	}{
		{"good array", "[" + good + "," + good + "]", 0, "[]"},
		{"good ndjson", good + "\n\n" + good + "\r\n", 0, "[]"},
		{"lower-case t", `[{"at":"2023-06-25t08:00:00+08:00"}]`, 0, "[event 0: at: " + atParse + "]"},
		// Go's parser takes these two; the schema and the hub do not.
		{"comma fraction", `{"at":"2023-06-25T08:00:00,5+08:00"}`, 0, "[event 0: at: " + atForm + "]"},
		{"offset past a day", `{"at":"2023-06-25T08:00:00+24:00"}`, 0, "[event 0: at: " + atForm + "]"},
		{"last at counts", `[{"at":"2023-06-25T08:00:00,5Z","at":"2023-06-25T08:00:00Z"},{"at":"2023-06-25T08:00:00Z","AT":"2023-06-25T08:00:00,5Z"}]`, 0, "[event 1: at: " + atForm + "]"},
		{"null at clears", `[{"at":"2023-06-25T08:00:00,5Z","at":null}]`, 0, "[]"},
		{"at a number", `[{"at":5}]`, 0, "[event 0: : cannot read event: Time.UnmarshalJSON: input is not a JSON string]"},
		{"escaped at", `[{"at":"2023-06-25T08:00:00\u002B08:00"}]`, 0, "[event 0: at: " + atParse + "]"},
		{"wrong types", `[{"seq":"x"},{"grid":7},5,"s"]`, 0, "[event 0: seq: wrong type: got JSON string, want uint64 event 1: grid: wrong type: got JSON number, want string event 2: : each event must be a JSON object event 3: : each event must be a JSON object]"},
		{"malformed line after a bad event", `{"grid":7}` + "\n" + good + "\n{bad", 0, "malformed JSON on NDJSON line 3: each line must be one event object"},
		{"malformed line before the count", "{}\n\n{}\n{x}", 2, "malformed JSON on NDJSON line 4: each line must be one event object"},
		{"ndjson over the count", "{}\n{}\n{}", 2, "3 events in one request; the limit is 2: split the batch"},
		{"array over the count", "[{},{},{}]", 2, "3 events in one request; the limit is 2: split the batch"},
		{"malformed array", `[{"at":"2023-06-25T08:00:00Z"},`, 0, "malformed JSON array: unexpected end of JSON input"},
		{"empty array", "[]", 0, "no events in body"},
		{"blank lines only", " \n\r\n ", 0, "body is empty: send a JSON array of events or NDJSON"},
		{"not UTF-8", "[\xff]", 0, "body is not valid UTF-8: send events as UTF-8 JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, errs, err := feed.DecodeBatch([]byte(tc.body), tc.max)
			got := fmt.Sprint(errs)
			if err != nil {
				got = err.Error()
				if evs != nil || errs != nil {
					t.Errorf("a whole-body error comes alone, got %d events and %v", len(evs), errs)
				}
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
