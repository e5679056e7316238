package demo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
)

// The shipped recording: the generator's output at DefaultSeed, gzipped.
// Regenerate it with `go test ./demo -run TestShippedRecording -update`
// or `sitboard demo generate --seed 2023 --out demo/recordings/summer-action-2023.jsonl.gz`.
//
//go:embed recordings/summer-action-2023.jsonl.gz
var recordingGz []byte

// RecordingGzip is the shipped recording as stored: gzipped JSON Lines.
func RecordingGzip() []byte { return recordingGz }

// Recording reads the shipped recording's JSON Lines, decompressed.
func Recording() io.Reader {
	zr, err := gzip.NewReader(bytes.NewReader(recordingGz))
	if err != nil {
		// The embedded file is checked by the tests; a broken one is a build error.
		panic("demo: embedded recording is not gzip: " + err.Error())
	}
	return zr
}
