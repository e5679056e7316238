package feed

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func TestScanEventsErrors(t *testing.T) {
	good := `{"id":"a","type":"alarm.received","at":"2023-06-25T08:00:00+08:00","district":"x"}` + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(good, 200)))
	zw.Close()
	tests := []struct {
		name  string
		input []byte
		count int
		err   string
	}{
		{"plain", []byte(good + "\n" + good), 2, ""},
		{"gzip", gz.Bytes(), 200, ""},
		{"malformed line", []byte(good + "{nope\n"), 1, "recording line 2: not an event"},
		{"cut-off gzip", gz.Bytes()[:gz.Len()-12], -1, "recording is cut off after line"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := MaybeGunzip(bytes.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = ScanEvents(r, func(Event) error { n++; return nil })
			if tc.err == "" {
				if err != nil || n != tc.count {
					t.Fatalf("got %d events, err %v; want %d", n, err, tc.count)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if tc.count >= 0 && n != tc.count {
				t.Fatalf("read %d events before the error, want %d", n, tc.count)
			}
		})
	}
}
