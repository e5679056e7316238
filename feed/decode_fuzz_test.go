package feed

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeValidate feeds arbitrary bodies to the ingest path. It must never
// panic, every error must point at an event of the batch, and an event that
// passes must survive the trip through the log (encode, decode) unchanged
// and still pass, since the hub stores exactly what it validated.
func FuzzDecodeValidate(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzDecodeValidate.
	v := Validator{
		Districts: map[string]bool{"chuanhui": true, "xihua": true},
		Grids:     map[string]string{"chuanhui-01": "chuanhui"},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, errs, err := DecodeBatch(body, 100)
		if err != nil {
			if events != nil || errs != nil {
				t.Fatal("a whole-body error must come alone")
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(events) == 0 || len(events) > 100 {
			t.Fatalf("%d events without an error", len(events))
		}
		bad := map[int]bool{}
		for _, fe := range errs {
			bad[fe.Index] = true
		}
		for i, ev := range events {
			if !bad[i] {
				for _, fe := range v.Validate(i, ev) {
					bad[i] = true
					errs = append(errs, fe)
				}
			}
		}
		for _, fe := range errs {
			if fe.Index < 0 || fe.Index >= len(events) || fe.Reason == "" {
				t.Fatalf("error %+v does not point at an event with a reason", fe)
			}
		}
		for i, ev := range events {
			if bad[i] {
				continue
			}
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatalf("valid event %d does not encode: %v", i, err)
			}
			again, errs2, err := DecodeBatch(b, 1)
			if err != nil || len(errs2) > 0 || len(again) != 1 {
				t.Fatalf("valid event %d does not decode after encoding: %v %v\n%s", i, err, errs2, b)
			}
			if fe := v.Validate(0, again[0]); len(fe) > 0 {
				t.Fatalf("valid event %d is invalid after the round trip: %v\n%s", i, fe, b)
			}
			if again[0].ID != ev.ID || again[0].Type != ev.Type || !again[0].At.Equal(ev.At) || strings.TrimSpace(string(again[0].Data)) == "" && len(ev.Data) > 0 {
				t.Fatalf("event %d changed in the round trip", i)
			}
		}
	})
}
