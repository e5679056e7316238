package feed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// A recording is JSON Lines of events, optionally gzipped; see docs/protocol.md.

// OpenRecording opens a recording file, gunzipping it when it starts with
// the gzip magic bytes (whatever its name).
func OpenRecording(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w (give the path of a JSON Lines file, gzipped or not, e.g. one written by 'sitboard record')", err)
	}
	r, err := MaybeGunzip(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}

// MaybeGunzip returns a reader of r's content, gunzipped if it is gzip.
func MaybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// ScanEvents calls fn for each event of a JSON Lines stream, in order.
// Blank lines are skipped; a malformed line stops the scan with its number.
func ScanEvents(r io.Reader, fn func(Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return fmt.Errorf("recording line %d: not an event: %v", line, err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("recording is cut off after line %d (a copy or a recorder stopped mid-write): the %d events before it are intact; re-copy the file, or let 'sitboard record' continue it", line, line)
		}
		return fmt.Errorf("recording line %d: %w", line+1, err)
	}
	return nil
}
