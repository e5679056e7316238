package feed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// TestCutGzipSaysWhere cuts a gzipped recording at 20 points spread over
// the file, from the gzip header to its trailer: each says the recording
// is cut off and where (the line it ends in, or after), and every event
// before the cut is delivered.
func TestCutGzipSaysWhere(t *testing.T) {
	var plain bytes.Buffer
	for i := range 3000 {
		// Varied lines, so the cuts fall at varied places in the data.
		fmt.Fprintf(&plain, `{"id":"ev-%d","type":"alarm.received","at":"2023-06-25T08:%02d:%02d+08:00","district":"d%d","data":{"summary":"%x"}}`+"\n",
			i, i%60, (i*7)%60, i%10, i*2654435761)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	full := gz.Bytes()
	lineRe := regexp.MustCompile(`cut off (?:in line (\d+) \(after line (\d+)|after line (\d+))`)
	for i := range 20 {
		cut := 1 + i*(len(full)-2)/19 // 1 byte (half the magic) … the trailer's last byte missing
		t.Run(fmt.Sprintf("at %d of %d", cut, len(full)), func(t *testing.T) {
			n := 0
			r, err := MaybeGunzip(bytes.NewReader(full[:cut]))
			if err == nil {
				err = ScanEvents(r, func(Event) error { n++; return nil })
			}
			if err == nil || !strings.Contains(err.Error(), "recording is cut off") {
				t.Fatalf("err = %v, want it to say the recording is cut off", err)
			}
			if cut < 10 {
				if !strings.Contains(err.Error(), "gzip header") {
					t.Errorf("a cut in the header: %v, want it to say so", err)
				}
				return
			}
			m := lineRe.FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("err = %v, want it to say where (the line)", err)
			}
			after := m[2] + m[3]
			if after != strconv.Itoa(n) {
				t.Errorf("says after line %s, but %d events were delivered: %v", after, n, err)
			}
			if m[1] != "" && m[1] != strconv.Itoa(n+1) {
				t.Errorf("says in line %s, want %d: %v", m[1], n+1, err)
			}
		})
	}
}

func TestEmptyGzipRecordingIsCutOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.jsonl.gz")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenRecording(path)
	if err == nil || !strings.Contains(err.Error(), "cut off before its gzip header") {
		t.Fatalf("err = %v, want it to say the file is cut off", err)
	}
}
