package hub

import (
	"encoding/json"
	"reflect"
	"testing"

	"sitboard/feed"
)

// TestStoredEventJSONMatchesTheFold: an event read from the log for a
// resume, passed on without decoding, reads back exactly as the event the
// fold decodes from the same bytes.
func TestStoredEventJSONMatchesTheFold(t *testing.T) {
	for _, tc := range []struct{ name, stored string }{
		{"as ingest stores it", `{"id":"a-1","type":"alarm.received","at":"2023-06-01T08:00:00+08:00","district":"chuanhui","data":{"category":"criminal"}}`},
		{"spaces", ` {"id":"a-2","type":"x","at":"2023-06-01T08:00:00Z","district":"d"}`},
		{"a seq key inside data", `{"id":"a-3","type":"x","at":"2023-06-01T08:00:00Z","district":"d","data":{"seq":5}}`},
		{"a stale seq key", `{"seq":99,"id":"a-4","type":"x","at":"2023-06-01T08:00:00Z","district":"d"}`},
		{"empty object", `{}`},
		{"not json", `garbage`},
		{"an array", `[1,2]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const seq = 1234
			want, _ := decodeStored([]byte(tc.stored), seq)
			raw := storedEventJSON([]byte(tc.stored), seq)
			var got feed.Event
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%s is not an event: %v", raw, err)
			}
			// Compare the decoded forms: the payload may differ in spacing.
			norm := func(e feed.Event) feed.Event {
				if len(e.Data) > 0 {
					var v any
					_ = json.Unmarshal(e.Data, &v)
					e.Data, _ = json.Marshal(v)
				}
				return e
			}
			if !reflect.DeepEqual(norm(got), norm(want)) {
				t.Fatalf("passed on as %s\ngot  %+v\nwant %+v", raw, got, want)
			}
			if got.Seq != seq {
				t.Fatalf("seq %d, want %d", got.Seq, seq)
			}
		})
	}
}
