package feed_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
)

// TestValidateAlertAcknowledged: the ack's payload rules, each refusal
// naming its field and saying what to send.
func TestValidateAlertAcknowledged(t *testing.T) {
	at := time.Date(2023, 6, 25, 21, 20, 0, 0, time.FixedZone("CST", 8*3600))
	cases := []struct {
		name      string
		data      string
		wantField string // "" for valid
		wantWords string
	}{
		{"valid", `{"alert_id":"110-20230625-000123","by":"川汇值班台"}`, "", ""},
		{"by at the limit", `{"alert_id":"a1","by":"` + strings.Repeat("值", feed.MaxAckByLen) + `"}`, "", ""},
		{"by over the limit", `{"alert_id":"a1","by":"` + strings.Repeat("值", feed.MaxAckByLen+1) + `"}`, "data.by", "longer than 64"},
		{"by missing", `{"alert_id":"a1"}`, "data.by", "name who acknowledged"},
		{"by with a control", `{"alert_id":"a1","by":"a\u0007b"}`, "data.by", "U+0007"},
		{"alert_id missing", `{"by":"x"}`, "data.alert_id", "missing"},
		{"alert_id not ASCII", `{"alert_id":"警情1","by":"x"}`, "data.alert_id", "ASCII"},
		{"alert_id a number", `{"alert_id":12,"by":"x"}`, "data.alert_id", "wrong type"},
		{"no data", ``, "data", "needs a data object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := feed.Event{ID: "ack-a1", Type: feed.TypeAlertAcknowledged, At: at, District: "chuanhui", Data: json.RawMessage(c.data)}
			errs := feed.Validator{}.Validate(0, ev)
			if c.wantField == "" {
				if len(errs) > 0 {
					t.Fatalf("refused a valid ack: %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != c.wantField || !strings.Contains(errs[0].Reason, c.wantWords) {
				t.Fatalf("got %v, want one error on %s saying %q", errs, c.wantField, c.wantWords)
			}
		})
	}
	if !feed.Known(feed.TypeAlertAcknowledged) {
		t.Error("alert.acknowledged is not a known type")
	}
}
