package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// The embedded NATS server and its disk.
//
// An event answered 202 is never dropped without the operator's explicit
// --max-bytes or --max-age. So without them the log has no size limit:
// the hub does not cut it to the disk (a log capped below the campaign
// drops the campaign's start, silently, with DiscardOld), it keeps a
// reserve free on the disk instead and answers 507 with the space it
// needs before a request would eat into it (roomFor), and takes events
// again by itself once the disk has room, grown or freed.
//
// JetStream, left to itself, allows 75% of the free disk and refuses a
// stream whose --max-bytes is larger, with a message about "insufficient
// storage resources" that says nothing of the disk. On a full disk (filled
// by something else between two requests) it stops writing to the stream
// for good and, in standalone mode, never answers the publish. The hub
// therefore watches the server's own log lines (through slog) for a full
// disk, answers 507 while it lasts, and restarts the embedded server once
// there is space again.

const (
	// minReserve and maxReserve bound the free space the hub keeps on the
	// log's disk, for the store's index files, an atomic batch's staging
	// copy and the rest of the system: 5% of the disk, within these.
	minReserve = 4 << 20
	maxReserve = 256 << 20
	// minRequestRoom is the least room beyond the reserve the hub needs to
	// start: about one request of the live feed's size.
	minRequestRoom = 1 << 20
	// recoverFreeBytes is the free space beyond the reserve the disk needs
	// before the hub takes events again, or restarts a store that ran out
	// of it: a few requests' worth, so it does not flap.
	recoverFreeBytes = 4 << 20
	// serverMaxStore is the embedded server's own reservation limit. The
	// stream's MaxBytes is the real limit; the server's must stay above
	// any MaxBytes the stream ever had, or it refuses to shrink a stream
	// created with a larger one ("insufficient storage resources") and the
	// hub could not start again on a fuller disk.
	serverMaxStore = 1 << 60
)

// diskSpace reports the bytes free to this process on the file system
// holding dir, and diskSize its size; ok is false where that cannot be
// known.
var (
	diskSpace = freeBytes
	diskSize  = totalBytes
)

// storeUsage is the bytes the store under dir holds on disk.
func storeUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// diskReserve is the free space the hub keeps on the disk holding dir:
// Options.DiskReserve, or 5% of the disk within minReserve..maxReserve.
func diskReserve(dir string, opt int64) int64 {
	switch {
	case opt < 0:
		return 0
	case opt > 0:
		return opt
	}
	total, ok := diskSize(dir)
	if !ok {
		return minReserve
	}
	return min(max(total/20, minReserve), maxReserve)
}

// storeSizing is the log's byte limit on a file store and what to log.
type storeSizing struct {
	limit int64 // -1: none
	note  string
	level slog.Level
}

// sizeStore decides the log's byte limit on the file store in dir. An
// explicit --max-bytes is the operator's retention: it must fit on the
// disk, and the log line says when it drops stored events. Without one
// the log has no limit, and the disk must have room for at least a
// request beyond the reserve, or the hub does not start.
func sizeStore(dir string, maxBytes int64, explicit bool, reserve int64) (storeSizing, error) {
	free, ok := diskSpace(dir)
	if !ok {
		if !explicit {
			maxBytes = -1
		}
		return storeSizing{limit: maxBytes, note: "free space unknown on this platform: the disk is not watched", level: slog.LevelWarn}, nil
	}
	used := storeUsage(dir)
	total, _ := diskSize(dir)
	if !explicit {
		if free < reserve+minRequestRoom {
			return storeSizing{}, fmt.Errorf("hub: the disk holding %s has %s free; the hub needs at least %s free to store events (it keeps %s free for the log's index and the system, plus room for a request): free space there, grow the disk, or give --data on a larger disk", dir, human(free), human(reserve+minRequestRoom), human(reserve))
		}
		return storeSizing{limit: -1, level: slog.LevelInfo, note: fmt.Sprintf("no size limit (--max-bytes sets one): the log keeps every event; it holds %s, the disk has %s free of %s; ingest is refused with 507 while less than %s (the reserve) would be left free", human(used), human(free), human(total), human(reserve))}, nil
	}
	capacity := used + max(0, free-reserve)
	switch {
	case maxBytes > capacity:
		return storeSizing{}, fmt.Errorf("hub: --max-bytes %s does not fit on the disk holding %s: it has room for %s (%s stored + %s free, less a reserve of %s): lower --max-bytes to at most %d, leave it out to keep every event, or free space", human(maxBytes), dir, human(capacity), human(used), human(free), human(reserve), capacity)
	case maxBytes < used:
		return storeSizing{limit: maxBytes, level: slog.LevelWarn, note: fmt.Sprintf("--max-bytes %s is below what the log holds (%s): its oldest events are dropped now, and the figures of a hub started later are partial; leave --max-bytes out to keep every event", human(maxBytes), human(used))}, nil
	default:
		return storeSizing{limit: maxBytes, level: slog.LevelInfo, note: fmt.Sprintf("%s (--max-bytes): past it the oldest events are dropped; the log holds %s, the disk has %s free", human(maxBytes), human(used), human(free))}, nil
	}
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// natsLogger hands the embedded server's warnings and errors to the hub's
// slog, and tells the hub when a line says the disk is full. Notices (the
// start-up banner, "Starting JetStream") go to debug.
type natsLogger struct {
	log        *slog.Logger
	onDiskFull func(line string)
}

func (l natsLogger) line(level slog.Level, format string, v []any) {
	text := fmt.Sprintf(format, v...)
	if level >= slog.LevelError && isDiskFull(text) && l.onDiskFull != nil {
		l.onDiskFull(text)
	}
	l.log.Log(context.Background(), level, "nats-server: "+text, "component", "nats-server")
}

func (l natsLogger) Noticef(format string, v ...any) { l.line(slog.LevelDebug, format, v) }
func (l natsLogger) Warnf(format string, v ...any)   { l.line(slog.LevelWarn, format, v) }
func (l natsLogger) Fatalf(format string, v ...any)  { l.line(slog.LevelError, format, v) }
func (l natsLogger) Errorf(format string, v ...any)  { l.line(slog.LevelError, format, v) }
func (l natsLogger) Debugf(format string, v ...any)  { l.line(slog.LevelDebug, format, v) }
func (l natsLogger) Tracef(format string, v ...any)  { l.line(slog.LevelDebug-4, format, v) }

// isDiskFull recognises the store's out-of-space errors (ENOSPC is "no
// space left on device"; the server's own lines say "out of space" or
// "out of ... resources").
func isDiskFull(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "no space left") || strings.Contains(t, "out of space") ||
		(strings.Contains(t, "out of") && strings.Contains(t, "resources"))
}

// embeddedConn lets the hub's one NATS connection follow the embedded
// server across an internal restart: the client asks it for a connection
// on every (re)connect.
type embeddedConn struct {
	mu sync.Mutex
	ns *server.Server
}

func (e *embeddedConn) InProcessConn() (net.Conn, error) {
	e.mu.Lock()
	ns := e.ns
	e.mu.Unlock()
	if ns == nil {
		return nil, errors.New("embedded NATS server is restarting")
	}
	return ns.InProcessConn()
}

func (e *embeddedConn) server() *server.Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ns
}

func (e *embeddedConn) set(ns *server.Server) {
	e.mu.Lock()
	e.ns = ns
	e.mu.Unlock()
}

// startEmbedded starts an embedded server with the hub's options.
func (h *Hub) startEmbedded() (*server.Server, error) {
	opts := *h.nsOpts
	ns, err := server.NewServer(&opts)
	if err != nil {
		return nil, fmt.Errorf("hub: cannot start embedded NATS: %w", err)
	}
	logger := natsLogger{log: h.log}
	if h.opts.DataDir != "" {
		// Only a file store has a disk to free; a memory stream at its
		// limit drops its oldest events instead.
		logger.onDiskFull = h.setDiskFull
	}
	ns.SetLoggerV2(logger, false, false, false)
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("hub: embedded NATS did not start within 10s: check the data dir is writable and not used by another hub")
	}
	return ns, nil
}

// setDiskFull marks the store as unable to write: ingest answers 507 and
// publishes waiting for an acknowledgement give up at once.
func (h *Hub) setDiskFull(line string) {
	dir := h.opts.DataDir
	if dir == "" {
		dir = "the store"
	}
	reason := "disk full: the event log cannot store events in " + dir + "; free space on that disk (df -h " + dir + "); ingest resumes by itself within seconds of space coming back"
	h.lw.mu.Lock()
	first := h.lw.diskFull == ""
	h.lw.diskFull = reason
	if h.lw.faultCancel != nil {
		h.lw.faultCancel()
		h.lw.faultCtx, h.lw.faultCancel = nil, nil
	}
	h.lw.mu.Unlock()
	if first {
		h.log.Error("disk full: the event log stopped storing events; ingest answers 507 until space is freed", "data", dir, "nats", line)
	}
}

// diskFullReason is why the store cannot write, or cannot take events
// for want of room on its disk, or "".
func (h *Hub) diskFullReason() string {
	h.lw.mu.Lock()
	full := h.lw.diskFull
	h.lw.mu.Unlock()
	if full != "" {
		return full
	}
	return h.lowReason()
}

// checkDisk is the watchdog's look at the log's disk (checkRoom), and
// recovers a store that ran out of space once the disk has room again:
// the stream's write error is sticky in the server, so the embedded
// server is restarted on the same store, the connection follows it, and
// the reader resumes after its last seq.
func (h *Hub) checkDisk() {
	if !h.watchesDisk() {
		return
	}
	free, ok := diskSpace(h.opts.DataDir)
	if !ok {
		return
	}
	h.lw.mu.Lock()
	full := h.lw.diskFull != ""
	h.lw.mu.Unlock()
	if !full {
		h.checkRoom(free)
		return
	}
	if free < h.room.reserve+recoverFreeBytes {
		return
	}
	h.log.Info("disk has space again; restarting the embedded event log", "free", human(free))
	if err := h.restartEmbedded(); err != nil {
		h.log.Error("cannot restart the embedded event log; retrying", "err", err)
		return
	}
	h.lw.mu.Lock()
	h.lw.diskFull = ""
	h.lw.mu.Unlock()
	h.log.Info("event log recovered: ingest accepted again", "seq", h.Seq())
	h.checkRoom(free)
}

// restartEmbedded replaces the embedded server by a new one on the same
// store and waits until the stream answers through the hub's connection.
func (h *Hub) restartEmbedded() error {
	if old := h.conn.server(); old != nil {
		h.conn.set(nil)
		old.Shutdown()
		old.WaitForShutdown()
	}
	ns, err := h.startEmbedded()
	if err != nil {
		return err
	}
	h.conn.set(ns)
	_ = h.nc.ForceReconnect()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := h.stream.Info(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the stream does not answer after the restart: %w", err)
		}
		select {
		case <-h.closing:
			return errors.New("hub closing")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return h.restartReader("embedded event log restarted")
}

// warnServerDurability warns when an external server cannot fsync before
// each acknowledgement: sync_interval (and "always") came with 2.10.
func (h *Hub) warnServerDurability(nc *nats.Conn) {
	v := nc.ConnectedServerVersion()
	major, minor, ok := parseVersion(v)
	if !ok {
		return
	}
	if major < 2 || (major == 2 && minor < 10) {
		h.log.Warn("the NATS server cannot fsync before each acknowledgement: an acknowledged event may be lost on power loss; upgrade to nats-server 2.10 or later and set jetstream { sync_interval: always }", "server_version", v)
		return
	}
	h.log.Info("durability is the NATS servers' setting: set jetstream { sync_interval: always } on every node so that an acknowledged event survives a power loss", "server_version", v)
}

func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	var err1, err2 error
	major, err1 = strconv.Atoi(parts[0])
	minor, err2 = strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

// checkDataDir makes the data dir and proves it writable, before the
// embedded server starts and says something vaguer.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("hub: cannot create data dir %s: %w (check the path and permissions, or give another --data)", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("hub: data dir %s is not writable: %w (make it writable by the hub's user, or give another --data)", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
