package demo

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"io"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the shipped recording from the generator")

// The shipped recording is exactly what the generator makes at DefaultSeed.
// The decompressed bytes are compared, so a change in the gzip library's
// output cannot fail the test while the content is the same.
func TestShippedRecordingIsReproducible(t *testing.T) {
	path := "recordings/summer-action-2023.jsonl.gz"
	if *update {
		var buf bytes.Buffer
		if err := GenerateGzip(Campaign(), DefaultSeed, &buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d bytes; rebuild to embed it", path, buf.Len())
		return
	}
	raw, _ := generatedFeed(t)
	shipped, err := io.ReadAll(Recording())
	if err != nil {
		t.Fatalf("embedded recording: %v", err)
	}
	if sha256.Sum256(shipped) != sha256.Sum256(raw) {
		t.Fatalf("the shipped recording (%d bytes) differs from the generator's output at seed %d (%d bytes): "+
			"run `go test ./demo -run TestShippedRecording -update` and commit the file", len(shipped), DefaultSeed, len(raw))
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, RecordingGzip()) {
		t.Fatal("the embedded recording is stale: rebuild")
	}
	if len(onDisk) > 16<<20 {
		t.Errorf("recording is %d bytes; keep it under 16 MB", len(onDisk))
	}
}

// GenerateGzip is reproducible byte for byte (no name or time in the header).
func TestGenerateGzipIsDeterministic(t *testing.T) {
	cfg := Campaign()
	var a, b bytes.Buffer
	if err := GenerateGzip(cfg, 7, &a); err != nil {
		t.Fatal(err)
	}
	if err := GenerateGzip(cfg, 7, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two gzipped runs differ")
	}
}
