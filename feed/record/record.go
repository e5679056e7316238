// Package record writes a hub's live feed to a file: JSON Lines of events
// with their seq, gzipped when the name ends in .gz. A recording is what
// `sitboard replay` and `sitboard summary --recording` read.
//
// An existing file is continued: the recorder reads its last event and asks
// the hub to resume right after it, checking that the hub's event at that
// seq is the same one, so a file is never continued from another log.
package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
)

// Options configure Run.
type Options struct {
	URL   string // hub: ws://HOST:PORT (http:// works too)
	Token string // read token
	Out   string // file to write; .gz means gzipped
	// TLS verifies a wss:// hub (feed.ClientTLS(--ca)); nil: system roots.
	TLS *tls.Config

	// FlushEvery bounds how long a received event stays in memory before it
	// reaches the file (default 1s).
	FlushEvery time.Duration
	// LiveOnly starts a new file at the hub's head instead of at the start
	// of its log.
	LiveOnly bool

	// Progress, if set, is called after each batch written and on every
	// connection change, on the recorder's goroutine.
	Progress func(Stats)
	Logger   *slog.Logger

	// clientOpts adjusts the subscriber in tests; openOut opens the output
	// file (default: append to it), replaced by a failing file in tests.
	clientOpts func(*client.Options)
	openOut    func(path string) (outFile, int64, error)
}

// Stats is the recorder's state for a status line.
type Stats struct {
	File    string
	Epoch   string
	Seq     uint64 // last seq written
	Written int64  // events written by this run
	Resumed uint64 // the file's last seq when this run started (0: new file)
	// Missing is, for a new file on a log whose start retention dropped,
	// the events before the log's first seq (1 to Missing) that the file
	// cannot hold: it starts at the log's first event.
	Missing uint64
	Gaps    int // times the hub could not send what was missed (see Gap)
	Conn    client.Conn
}

// Run records until ctx ends (returning nil after closing the file cleanly)
// or the hub refuses for good.
func Run(ctx context.Context, opts Options) error {
	if opts.Out == "" {
		return errors.New("no output file: pass --out FILE (.jsonl, or .jsonl.gz to compress)")
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	tail, err := readTail(opts.Out, opts.Logger)
	if err != nil {
		return err
	}
	s, err := openSink(opts.Out, opts.openOut, tail.seq)
	if err != nil {
		return err
	}
	r := &recorder{opts: opts, sink: s, log: opts.Logger}
	r.stats = Stats{File: opts.Out, Seq: tail.seq, Resumed: tail.seq}
	r.lastID = tail.id
	err = r.run(ctx, tail)
	cerr := s.close()
	var we *WriteError
	switch {
	case errors.As(cerr, &we):
		// The file lost lines: that is the error to report, whatever
		// stopped the recorder.
		return we
	case cerr != nil && err == nil:
		return fmt.Errorf("close %s: %w", opts.Out, cerr)
	}
	return err
}

type recorder struct {
	opts   Options
	sink   *sink
	log    *slog.Logger
	stats  Stats
	lastID string
	// verify is the id the hub's first event must have when continuing a
	// file: the file's last event, asked for again.
	verify string
}

// errStop ends a client run from inside its callback.
type errStop struct{ err error }

func (r *recorder) run(ctx context.Context, tail fileTail) error {
	flushDone := make(chan struct{})
	defer close(flushDone)
	go r.sink.flushLoop(r.opts.FlushEvery, flushDone)

	epoch, head, err := r.discover(ctx)
	if err != nil || ctx.Err() != nil {
		return err
	}
	r.stats.Epoch = epoch
	copts := client.Options{URL: r.opts.URL, Token: r.opts.Token, TLS: r.opts.TLS, NoState: true, Epoch: epoch, Logger: r.log}
	switch {
	case tail.seq > 0:
		// Ask again for the file's last event, to check the file and the
		// hub's log are the same history.
		copts.LastSeq = tail.seq - 1
		r.verify = tail.id
		if tail.seq > head {
			return fmt.Errorf("%s ends at seq %d but the hub's log ends at %d: the file is from another hub or an older log; record to a new file", r.opts.Out, tail.seq, head)
		}
	case r.opts.LiveOnly:
		copts.LastSeq = head
		r.stats.Seq = head
	default:
		// The whole log the hub still holds, from its first event: asking
		// from seq 1 on a log whose start retention dropped gets a snapshot
		// instead, and the file would start empty at the head.
		if first := r.logFirst(ctx); first > 1 {
			copts.LastSeq = first - 1
			r.stats.Seq, r.stats.Missing = first-1, first-1
			r.log.Warn("record: the hub's log no longer starts at seq 1 (its retention, --max-bytes or --max-age, dropped the rest): the file starts at its first event", "first_seq", first, "missing", fmt.Sprintf("seqs 1 to %d", first-1))
			r.progress()
		}
	}
	if r.opts.clientOpts != nil {
		r.opts.clientOpts(&copts)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// A failed background flush stops the recorder now, not at the
		// next event, which may be hours away on a quiet feed.
		select {
		case <-r.sink.failed:
			cancel()
		case <-cctx.Done():
		}
	}()
	var stop error
	err = client.Run(cctx, copts, func(b client.Batch) {
		if stop != nil {
			return
		}
		if err := r.handle(b); err != nil {
			stop = err
			cancel()
		}
	})
	if stop != nil {
		return stop
	}
	return err
}

// logFirst is the first seq the hub's log holds (GET /healthz,
// log_first_seq), or 0 when that cannot be known: then the recorder asks
// from seq 1 as before.
func (r *recorder) logFirst(ctx context.Context) uint64 {
	snap, err := client.SnapshotURL(r.opts.URL)
	if err != nil {
		return 0
	}
	u, err := url.Parse(snap)
	if err != nil {
		return 0
	}
	u.Path, u.RawQuery = strings.TrimSuffix(u.Path, "/v1/snapshot")+"/healthz", ""
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// A copy: the transport adds "h2" to the config's ALPN protocols, and
	// the websocket dialled with the same config would then be offered
	// HTTP/2, which has no upgrade.
	tr.TLSClientConfig = r.opts.TLS.Clone()
	hc := &http.Client{Transport: tr}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		r.log.Debug("record: cannot ask the hub where its log starts", "err", err)
		return 0
	}
	defer resp.Body.Close()
	// A degraded hub answers 503 with the same body.
	var health struct {
		LogFirstSeq uint64 `json:"log_first_seq"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&health); err != nil {
		return 0
	}
	return health.LogFirstSeq
}

// discover learns the hub's epoch and head from a first snapshot.
func (r *recorder) discover(ctx context.Context) (string, uint64, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var epoch string
	var head uint64
	copts := client.Options{URL: r.opts.URL, Token: r.opts.Token, TLS: r.opts.TLS, NoState: true, Logger: r.log}
	if r.opts.clientOpts != nil {
		r.opts.clientOpts(&copts)
	}
	err := client.Run(cctx, copts, func(b client.Batch) {
		r.stats.Conn = b.Conn
		if b.Conn.Status == client.Reconnecting || b.Conn.Status == client.Failed {
			r.progress() // show why the hub cannot be reached
		}
		if b.Snapshot {
			epoch, head = b.Conn.Epoch, b.Conn.Seq
			cancel()
		}
	})
	if err != nil {
		return "", 0, err
	}
	return epoch, head, nil
}

func (r *recorder) handle(b client.Batch) error {
	r.stats.Conn = b.Conn
	if b.Snapshot {
		switch {
		case b.Conn.Epoch != r.stats.Epoch:
			return fmt.Errorf("the hub's log was recreated (epoch %s, was %s): its sequence numbers restart, so %s cannot continue; record to a new file",
				b.Conn.Epoch, r.stats.Epoch, r.opts.Out)
		case r.verify != "":
			return fmt.Errorf("the hub no longer holds the events after seq %d of %s (its log was trimmed): record to a new file", r.stats.Seq, r.opts.Out)
		}
		// The hub could not send what was missed: the file has a gap.
		if b.Conn.Seq > r.stats.Seq {
			r.stats.Gaps++
			r.log.Warn("record: gap; the hub could not resend missed events", "from", r.stats.Seq+1, "to", b.Conn.Seq)
			r.stats.Seq = b.Conn.Seq
		}
	}
	for _, ev := range b.Events {
		if r.verify != "" {
			if ev.ID != r.verify {
				return fmt.Errorf("%s does not continue on this hub: its last event (seq %d) is %s, the hub's is %s; record to a new file",
					r.opts.Out, ev.Seq, r.verify, ev.ID)
			}
			r.verify = ""
			continue
		}
		if ev.Seq <= r.stats.Seq {
			continue
		}
		if err := r.sink.write(ev); err != nil {
			return err
		}
		r.stats.Seq = ev.Seq
		r.stats.Written++
	}
	r.progress()
	return nil
}

func (r *recorder) progress() {
	if r.opts.Progress != nil {
		r.opts.Progress(r.stats)
	}
}

// fileTail is where an existing recording ends.
type fileTail struct {
	seq    uint64
	id     string
	events int64
}

// readTail finds the last event of an existing recording. A plain file
// with a torn last line (a crash mid-write) is cut back to its last whole
// line; a gzip file whose end is torn is rewritten with its whole lines.
// Both read the file as a stream: memory stays bounded whatever its size.
func readTail(path string, log *slog.Logger) (fileTail, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileTail{}, nil
	}
	if err != nil {
		return fileTail{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	isGz := strings.HasSuffix(path, ".gz")
	var src io.Reader = f
	if isGz {
		zr, err := gzip.NewReader(f)
		if err == io.EOF {
			return fileTail{}, nil // empty file
		}
		if err != nil {
			return fileTail{}, fmt.Errorf("%s is not gzip (%v): name it without .gz, or record to a new file", path, err)
		}
		src = zr
	}
	tail, good, readErr := scanTail(path, src)
	if readErr == nil {
		return tail, nil
	}
	var notRecording *notRecordingError
	if errors.As(readErr, &notRecording) {
		return fileTail{}, readErr
	}
	log.Warn("record: the recording's end is torn (an earlier crash?); keeping its whole events", "file", path, "events", tail.events, "err", readErr)
	if !isGz {
		if err := os.Truncate(path, good); err != nil {
			return fileTail{}, fmt.Errorf("repair %s: %w", path, err)
		}
		return tail, nil
	}
	if err := rewriteGzipPrefix(path, good); err != nil {
		return fileTail{}, fmt.Errorf("repair the torn end of %s: %w (free space, or record to a new file)", path, err)
	}
	return tail, nil
}

type notRecordingError struct{ msg string }

func (e *notRecordingError) Error() string { return e.msg }

// scanTail reads a recording's lines: the last event, and good, the bytes
// of whole lines before a torn end (readErr not nil) or the end.
func scanTail(path string, src io.Reader) (tail fileTail, good int64, readErr error) {
	br := bufio.NewReaderSize(src, 256<<10)
	var long []byte // a line longer than the reader's buffer
	line := 0
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if len(b) > 0 && err == nil {
			line++
			if t := bytes.TrimSpace(b); len(t) > 0 {
				// Only the envelope: the payload need not be decoded.
				var ev struct {
					ID  string `json:"id"`
					Seq uint64 `json:"seq"`
				}
				if jerr := json.Unmarshal(t, &ev); jerr != nil || ev.ID == "" {
					return fileTail{}, 0, &notRecordingError{fmt.Sprintf("%s line %d is not an event: is it a recording? record to a new file", path, line)}
				}
				if ev.Seq == 0 {
					return fileTail{}, 0, &notRecordingError{fmt.Sprintf("%s line %d has no seq: it is not a recording of a hub's feed (a generated file?); record to a new file", path, line)}
				}
				tail.seq, tail.id = ev.Seq, ev.ID
				tail.events++
			}
			good += int64(len(b))
			continue
		}
		if err == io.EOF && len(b) == 0 {
			return tail, good, nil
		}
		if err == nil || err == io.EOF {
			return tail, good, errors.New("torn last line")
		}
		return tail, good, err
	}
}

// rewriteGzipPrefix replaces a gzip file by one holding the first n bytes
// of its content, streamed through a temporary file that is renamed over
// it once complete and synced: a crash during the repair leaves the
// original.
func rewriteGzipPrefix(path string, n int64) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return err
	}
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	tmp := path + ".repair"
	// The repaired file keeps the recording's mode: it holds the same feed.
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	zw, _ := gzip.NewWriterLevel(out, gzip.DefaultCompression)
	if _, err := io.CopyN(zw, zr, n); err != nil {
		out.Close()
		return err
	}
	if err := errors.Join(zw.Close(), out.Sync(), out.Close()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// outFile is what the sink writes to: an *os.File, or a failing one in tests.
type outFile interface {
	io.Writer
	Sync() error
	Close() error
	Truncate(size int64) error
}

// sink is the output file. It only ever appends whole lines, and in a
// gzip file whole gzip members (readers read all members as one stream),
// so a reader such as 'summary --recording' can read the file while it is
// being recorded: lines are gathered in memory and written out at each
// flush, or sooner when they pass maxPending.
//
// A failed write (a full disk, an I/O error) is never retried: part of the
// lines may have reached the file, and writing them again would put a torn
// line in its middle. The file is cut back to its last whole flush, the
// sink fails for good, and failed is closed so the recorder stops at once.
// Run the recorder again to continue after the file's last event.
type sink struct {
	mu      sync.Mutex
	path    string
	f       outFile
	size    int64 // bytes of the file that hold whole flushes
	gz      bool
	pending bytes.Buffer // whole lines not yet in the file
	member  bytes.Buffer // one gzip member being built
	zw      *gzip.Writer
	// flushedSeq is the last seq in the file; pendingSeq the last in pending.
	flushedSeq, pendingSeq uint64
	err                    error // the first failure; every later call returns it
	failed                 chan struct{}
}

const maxPending = 1 << 20

func openSink(path string, open func(string) (outFile, int64, error), flushedSeq uint64) (*sink, error) {
	if open == nil {
		open = openFile
	}
	f, size, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s for writing: %w (pick an --out path in a writable directory)", path, err)
	}
	s := &sink{path: path, f: f, size: size, gz: strings.HasSuffix(path, ".gz"), flushedSeq: flushedSeq, pendingSeq: flushedSeq, failed: make(chan struct{})}
	if s.gz {
		s.zw, _ = gzip.NewWriterLevel(&s.member, gzip.DefaultCompression)
	}
	return s, nil
}

// recordingMode is a new recording's mode: the feed is the command
// room's operational data, for its owner and group (such as the sitboard
// group), not for every user of the host. An existing file keeps its own.
const recordingMode = 0o640

func openFile(path string) (outFile, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, recordingMode)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func (s *sink) write(ev feed.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.pending.Write(b)
	s.pending.WriteByte('\n')
	s.pendingSeq = ev.Seq
	if s.pending.Len() >= maxPending {
		return s.flushLocked()
	}
	return nil
}

func (s *sink) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *sink) flushLocked() error {
	if s.err != nil {
		return s.err
	}
	if s.pending.Len() == 0 {
		return nil
	}
	data := s.pending.Bytes()
	if s.gz {
		s.member.Reset()
		s.zw.Reset(&s.member)
		if _, err := s.zw.Write(data); err != nil {
			return s.fail(err)
		}
		if err := s.zw.Close(); err != nil {
			return s.fail(err)
		}
		data = s.member.Bytes()
	}
	n, err := s.f.Write(data)
	if err != nil {
		if n > 0 {
			// Take back the partial flush, so the file ends on a whole line
			// (or gzip member) and the next run continues from it cleanly.
			if terr := s.f.Truncate(s.size); terr != nil {
				err = fmt.Errorf("%w (and cutting back the partly written end failed: %v; the next run repairs it)", err, terr)
			}
		}
		return s.fail(err)
	}
	s.size += int64(n)
	s.flushedSeq = s.pendingSeq
	s.pending.Reset()
	return nil
}

// fail records the sink's first failure and tells the recorder to stop.
func (s *sink) fail(err error) error {
	if s.err != nil {
		return s.err
	}
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err // the message names the file already
	}
	lost := ""
	if s.pendingSeq > s.flushedSeq {
		lost = fmt.Sprintf("; the events after seq %d (up to %d) did not reach it", s.flushedSeq, s.pendingSeq)
	}
	s.err = &WriteError{Path: s.path, Seq: s.flushedSeq, msg: fmt.Sprintf("write %s: %v%s", s.path, cause, lost), err: err}
	close(s.failed)
	return s.err
}

// WriteError is a recording the recorder could not write (a full disk, an
// I/O error). The file holds every event up to Seq, whole; running the
// recorder again continues after it.
type WriteError struct {
	Path string
	Seq  uint64 // the last event in the file
	msg  string
	err  error
}

func (e *WriteError) Error() string {
	what := "free space there"
	if errors.Is(e.err, syscall.EROFS) || errors.Is(e.err, os.ErrPermission) {
		what = "make it writable"
	}
	return fmt.Sprintf("%s.\nThe file holds the feed up to seq %d, whole. %s (or move the file), then run the same command again: it continues after seq %d, and the hub resends the rest",
		e.msg, e.Seq, strings.ToUpper(what[:1])+what[1:], e.Seq)
}

func (e *WriteError) Unwrap() error { return e.err }

func (s *sink) flushLoop(every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if s.flush() != nil {
				return // failed is closed: the recorder stops
			}
		}
	}
}

// close writes what is pending and closes the file. It reports the sink's
// failure, if it had one: a recording that lost lines must not end as if
// it were whole.
func (s *sink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.flushLocked()
	if err == nil {
		err = s.f.Sync()
		if err != nil {
			err = s.fail(err)
		}
	}
	return errors.Join(err, s.f.Close())
}
