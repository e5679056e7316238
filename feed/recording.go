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
	"strings"
)

// A recording is JSON Lines of events, optionally gzipped; see docs/protocol.md.

// OpenRecording opens a recording file, gunzipping it when it starts with
// the gzip magic bytes (whatever its name).
func OpenRecording(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w (give the path of a JSON Lines file, gzipped or not, e.g. one written by 'sitboard record')", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 && strings.HasSuffix(path, ".gz") {
		f.Close()
		return nil, fmt.Errorf("%s: recording is cut off before its gzip header (the file is empty): no event can be read; re-copy the file", path)
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
	if bytes.Equal(magic, []byte{0x1f}) {
		// One byte, the first of gzip's magic: a gzip file cut after it.
		return nil, fmt.Errorf("recording is cut off in its gzip header (the file ends after 1 byte): no event can be read; re-copy the file")
	}
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("recording is cut off in its gzip header (the file ends after %d bytes): no event can be read; re-copy the file", len(magic)+br.Buffered())
		}
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// cutOff is the error of a recording that ends in the middle: a copy or a
// recorder stopped mid-write. complete is the number of whole lines read;
// midLine is set when the file ends inside the next one.
func cutOff(complete int, midLine bool) error {
	where := fmt.Sprintf("after line %d", complete)
	if midLine {
		where = fmt.Sprintf("in line %d (after line %d, the last whole one)", complete+1, complete)
	}
	return fmt.Errorf("recording is cut off %s (a copy or a recorder stopped mid-write): the %d lines before it are intact; re-copy the file, or let 'sitboard record' continue it", where, complete)
}

// readErrors remembers the error its reader returned, so a line the
// scanner hands over at a cut can be told from a malformed one.
type readErrors struct {
	r   io.Reader
	err error
}

func (e *readErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// ScanEvents calls fn for each event of a JSON Lines stream, in order.
// Blank lines are skipped; a malformed line stops the scan with its number.
// A stream that ends in the middle (a gzip cut short) says it is cut off,
// and where, wherever the cut falls: in a line, between lines, or in the
// gzip trailer.
func ScanEvents(r io.Reader, fn func(Event) error) error {
	src := &readErrors{r: r}
	sc := bufio.NewScanner(src)
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
			if errors.Is(src.err, io.ErrUnexpectedEOF) {
				// The scanner hands over what it has of the last line
				// when its reader fails: the file ends inside it.
				return cutOff(line-1, true)
			}
			return fmt.Errorf("recording line %d: not an event: %v", line, err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return cutOff(line, false)
		}
		return fmt.Errorf("recording line %d: %w", line+1, err)
	}
	return nil
}
