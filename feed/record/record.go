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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
)

// Options configure Run.
type Options struct {
	URL   string // hub: ws://HOST:PORT (http:// works too)
	Token string // read token
	Out   string // file to write; .gz means gzipped

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

	// clientOpts adjusts the subscriber in tests.
	clientOpts func(*client.Options)
}

// Stats is the recorder's state for a status line.
type Stats struct {
	File    string
	Epoch   string
	Seq     uint64 // last seq written
	Written int64  // events written by this run
	Resumed uint64 // the file's last seq when this run started (0: new file)
	Gaps    int    // times the hub could not send what was missed (see Gap)
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
	s, err := openSink(opts.Out)
	if err != nil {
		return err
	}
	r := &recorder{opts: opts, sink: s, log: opts.Logger}
	r.stats = Stats{File: opts.Out, Seq: tail.seq, Resumed: tail.seq}
	r.lastID = tail.id
	err = r.run(ctx, tail)
	if cerr := s.close(); cerr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", opts.Out, cerr)
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
	copts := client.Options{URL: r.opts.URL, Token: r.opts.Token, NoState: true, Epoch: epoch, Logger: r.log}
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
		copts.LastSeq = 0 // the whole log the hub still holds
	}
	if r.opts.clientOpts != nil {
		r.opts.clientOpts(&copts)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
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

// discover learns the hub's epoch and head from a first snapshot.
func (r *recorder) discover(ctx context.Context) (string, uint64, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var epoch string
	var head uint64
	copts := client.Options{URL: r.opts.URL, Token: r.opts.Token, NoState: true, Logger: r.log}
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
			return fmt.Errorf("write %s: %w", r.opts.Out, err)
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
// line; a gzip file whose end is torn is rewritten from what is readable.
func readTail(path string, log *slog.Logger) (fileTail, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileTail{}, nil
	}
	if err != nil {
		return fileTail{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	var tail fileTail
	var good int64 // bytes of whole, valid lines (plain files)
	var keep [][]byte
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
	br := bufio.NewReaderSize(src, 256<<10)
	line := 0
	var readErr error
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 && err == nil {
			line++
			t := bytes.TrimSpace(b)
			if len(t) > 0 {
				var ev feed.Event
				if jerr := json.Unmarshal(t, &ev); jerr != nil || ev.ID == "" {
					return fileTail{}, fmt.Errorf("%s line %d is not an event: is it a recording? record to a new file", path, line)
				}
				if ev.Seq == 0 {
					return fileTail{}, fmt.Errorf("%s line %d has no seq: it is not a recording of a hub's feed (a generated file?); record to a new file", path, line)
				}
				tail.seq, tail.id = ev.Seq, ev.ID
				tail.events++
				if isGz {
					keep = append(keep, append([]byte(nil), t...))
				}
			}
			good += int64(len(b))
			continue
		}
		if err == io.EOF && len(b) == 0 {
			break
		}
		if err == nil || err == io.EOF {
			readErr = errors.New("torn last line")
		} else {
			readErr = err
		}
		break
	}
	if readErr == nil {
		return tail, nil
	}
	log.Warn("record: the recording's end is torn (an earlier crash?); keeping its whole events", "file", path, "events", tail.events, "err", readErr)
	if !isGz {
		if err := os.Truncate(path, good); err != nil {
			return fileTail{}, fmt.Errorf("repair %s: %w", path, err)
		}
		return tail, nil
	}
	tmp := path + ".repair"
	out, err := os.Create(tmp)
	if err != nil {
		return fileTail{}, fmt.Errorf("repair %s: %w", path, err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.DefaultCompression)
	for _, l := range keep {
		zw.Write(l)
		zw.Write([]byte{'\n'})
	}
	if err := errors.Join(zw.Close(), out.Sync(), out.Close()); err != nil {
		return fileTail{}, fmt.Errorf("repair %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fileTail{}, fmt.Errorf("repair %s: %w", path, err)
	}
	return tail, nil
}

// sink is the output file. It only ever appends whole lines, and in a
// gzip file whole gzip members (readers read all members as one stream),
// so a reader such as 'summary --recording' can read the file while it is
// being recorded: lines are gathered in memory and written out at each
// flush, or sooner when they pass maxPending.
type sink struct {
	mu      sync.Mutex
	f       *os.File
	gz      bool
	pending bytes.Buffer // whole lines not yet in the file
	member  bytes.Buffer // one gzip member being built
	zw      *gzip.Writer
	err     error // a failed background flush, reported by the next write
}

const maxPending = 1 << 20

func openSink(path string) (*sink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s for writing: %w (pick an --out path in a writable directory)", path, err)
	}
	s := &sink{f: f, gz: strings.HasSuffix(path, ".gz")}
	if s.gz {
		s.zw, _ = gzip.NewWriterLevel(&s.member, gzip.DefaultCompression)
	}
	return s, nil
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
	if s.pending.Len() == 0 {
		return nil
	}
	defer s.pending.Reset()
	if !s.gz {
		_, err := s.f.Write(s.pending.Bytes())
		return err
	}
	s.member.Reset()
	s.zw.Reset(&s.member)
	if _, err := s.zw.Write(s.pending.Bytes()); err != nil {
		return err
	}
	if err := s.zw.Close(); err != nil {
		return err
	}
	_, err := s.f.Write(s.member.Bytes())
	return err
}

func (s *sink) flushLoop(every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := s.flush(); err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			}
		}
	}
}

func (s *sink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.flushLocked(), s.f.Sync(), s.f.Close())
}
