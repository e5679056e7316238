package hub

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestNatsLoggerLevels: the embedded server's warnings and errors reach
// slog at their level, notices only at debug, and an out-of-space error
// (and only that) tells the hub the disk is full.
func TestNatsLoggerLevels(t *testing.T) {
	var buf bytes.Buffer
	var full []string
	l := natsLogger{
		log:        slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		onDiskFull: func(line string) { full = append(full, line) },
	}
	l.Noticef("Starting nats-server %s", "2.15.2")
	l.Warnf("Filestore [%s] %s", "SITBOARD", "slow fsync")
	l.Errorf("JetStream failed to store a msg: %v", "write x.blk: no space left on device")
	l.Errorf("Error %s", "routing")
	l.Warnf("JetStream out of %s resources", "file") // a warning: not acted on
	out := buf.String()
	for _, want := range []string{
		`level=DEBUG msg="nats-server: Starting nats-server 2.15.2" component=nats-server`,
		`level=WARN msg="nats-server: Filestore [SITBOARD] slow fsync"`,
		`level=ERROR msg="nats-server: JetStream failed to store a msg: write x.blk: no space left on device"`,
		`level=ERROR msg="nats-server: Error routing"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if len(full) != 1 || !strings.Contains(full[0], "no space left") {
		t.Errorf("disk-full signals %q, want the one no-space error", full)
	}
}

func TestSizeStoreNeverDropsStoredEvents(t *testing.T) {
	dir := t.TempDir()
	defer func(old func(string) (int64, bool)) { diskSpace = old }(diskSpace)
	diskSpace = func(string) (int64, bool) { return 0, true }
	// 2 MiB already stored, nothing free: the limit is what is stored.
	if err := writeFile(dir+"/blk", 2<<20); err != nil {
		t.Fatal(err)
	}
	limit, note, err := sizeStore(dir, DefaultMaxBytesFile, false)
	if err != nil || limit != 2<<20 {
		t.Fatalf("limit %d (%s) err %v, want the 2 MiB stored", limit, note, err)
	}
}

func writeFile(path string, n int) error {
	return os.WriteFile(path, make([]byte, n), 0o600)
}
