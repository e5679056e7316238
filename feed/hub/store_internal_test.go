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

// TestSizeStore: without --max-bytes the log has no size limit, however
// small the disk (a limit cut to the disk dropped the campaign's start,
// issue 18), and a disk without room for a request beyond the reserve is
// refused at start; an explicit --max-bytes is kept, refused when it does
// not fit, and logged as a WARN when it drops events the log holds.
func TestSizeStore(t *testing.T) {
	defer func(old func(string) (int64, bool)) { diskSpace = old }(diskSpace)
	defer func(old func(string) (int64, bool)) { diskSize = old }(diskSize)
	const reserve = 4 << 20
	for _, tc := range []struct {
		name     string
		stored   int   // bytes the log holds
		free     int64 // on the disk
		maxBytes int64
		explicit bool
		limit    int64
		level    slog.Level
		wantErr  string // or the note holds
	}{
		{name: "default on a small disk: no limit", stored: 2 << 20, free: 30 << 20, maxBytes: -1, limit: -1, wantErr: "no size limit"},
		{name: "default on a full disk: refused", stored: 2 << 20, free: 3 << 20, maxBytes: -1, wantErr: "needs at least 5.0 MiB free"},
		{name: "explicit that fits", stored: 1 << 20, free: 30 << 20, maxBytes: 10 << 20, explicit: true, limit: 10 << 20, wantErr: "past it the oldest events are dropped"},
		{name: "explicit too large", stored: 1 << 20, free: 30 << 20, maxBytes: 64 << 20, explicit: true, wantErr: "does not fit on the disk"},
		{name: "explicit below what is stored", stored: 3 << 20, free: 30 << 20, maxBytes: 2 << 20, explicit: true, limit: 2 << 20, level: slog.LevelWarn, wantErr: "dropped now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := writeFile(dir+"/blk", tc.stored); err != nil {
				t.Fatal(err)
			}
			diskSpace = func(string) (int64, bool) { return tc.free, true }
			diskSize = func(string) (int64, bool) { return 40 << 20, true }
			sz, err := sizeStore(dir, tc.maxBytes, tc.explicit, reserve)
			if tc.limit == 0 {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %+v, %v; want an error saying %q", sz, err, tc.wantErr)
				}
				return
			}
			if err != nil || sz.limit != tc.limit || sz.level != tc.level || !strings.Contains(sz.note, tc.wantErr) {
				t.Fatalf("got %+v, %v; want limit %d at %s saying %q", sz, err, tc.limit, tc.level, tc.wantErr)
			}
		})
	}
}

// TestDiskReserve: 5% of the disk, within 4 MiB and 256 MiB, unless set.
func TestDiskReserve(t *testing.T) {
	defer func(old func(string) (int64, bool)) { diskSize = old }(diskSize)
	for _, tc := range []struct {
		total, opt, want int64
	}{
		{40 << 20, 0, 4 << 20},
		{1 << 30, 0, (1 << 30) / 20},
		{100 << 30, 0, 256 << 20},
		{40 << 20, 1 << 20, 1 << 20},
		{40 << 20, -1, 0},
	} {
		diskSize = func(string) (int64, bool) { return tc.total, true }
		if got := diskReserve("x", tc.opt); got != tc.want {
			t.Errorf("disk %s, option %d: reserve %s, want %s", human(tc.total), tc.opt, human(got), human(tc.want))
		}
	}
}

func writeFile(path string, n int) error {
	return os.WriteFile(path, make([]byte, n), 0o600)
}
