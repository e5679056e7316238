package hub

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed"
)

// Deduplication over the whole campaign (docs/protocol.md, "Idempotency").
//
// JetStream drops a repeated Nats-Msg-Id only within the stream's
// duplicate window (24 h), and forgets an id whose event retention
// removed or whose store restarted after a full disk. So the hub keeps
// its own set of every id its log holds or has held, and a request's
// events whose id is in it are answered as duplicates without being
// published. The set is built by the fold, which reads every event of the
// log at start-up and after; the ids of events that retention may remove
// are kept in a second stream, <Stream>_IDS, written by the fold in
// chunks of idChunk seqs, so that they outlive the log. Both live in
// NATS, so they survive a restart, a full-disk recovery, retention and an
// external cluster's failover, and every hub on that cluster shares them.
//
// The Nats-Msg-Id window still covers the moment between a publish's
// acknowledgement and the fold reading it back (and two hubs taking the
// same event at once).

const (
	// idChunk is how many seqs one record of the id stream covers. At the
	// longest ids (128 bytes) a record stays under NATS's default 1 MiB
	// message size even uncompressed.
	idChunk = 4096
	// idPartialAfter: ids not yet in a record for this long are written
	// in a partial record, so that a quiet feed's newest ids are kept too
	// should --max-age remove their events.
	idPartialAfter = 5 * time.Minute
	// idsSuffix names the id stream (<Stream>_IDS); its subjects are
	// <Subject>.ids.<epoch>.<chunk>.
	idsSuffix = "_IDS"
	// Record headers: the seq range a record covers and its id count.
	hdrIDsFrom  = "Sitboard-Ids-From"
	hdrIDsTo    = "Sitboard-Ids-To"
	hdrIDsCount = "Sitboard-Ids-Count"
)

// idKey is an id's 128-bit hash under two per-process seeds: 16 bytes
// per id in the set, whatever the id's length, and a false "duplicate"
// as likely as guessing a random 128-bit key. The seeds are random per
// process, so no sender can make two ids collide on purpose; the id
// stream holds the ids themselves.
type idKey [2]uint64

// idSet is every event id the log holds or has held.
type idSet struct {
	s1, s2 maphash.Seed
	mu     sync.RWMutex
	m      map[idKey]struct{}
}

func newIDSet() *idSet {
	return &idSet{s1: maphash.MakeSeed(), s2: maphash.MakeSeed(), m: map[idKey]struct{}{}}
}

func (s *idSet) key(id string) idKey {
	return idKey{maphash.String(s.s1, id), maphash.String(s.s2, id)}
}

func (s *idSet) add(ids ...string) {
	s.mu.Lock()
	for _, id := range ids {
		s.m[s.key(id)] = struct{}{}
	}
	s.mu.Unlock()
}

// size is how many ids the set holds.
func (s *idSet) size() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// unknown returns the events whose id the set does not hold (events
// itself when that is all of them) and how many it held.
func (s *idSet) unknown(events []feed.Event) ([]feed.Event, int) {
	if s == nil {
		return events, 0
	}
	keys := make([]idKey, len(events))
	for i, ev := range events {
		keys[i] = s.key(ev.ID)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var fresh []feed.Event
	for i, k := range keys {
		if _, ok := s.m[k]; !ok {
			if fresh != nil {
				fresh = append(fresh, events[i])
			}
			continue
		}
		if fresh == nil {
			fresh = append(make([]feed.Event, 0, len(events)), events[:i]...)
		}
	}
	if fresh == nil {
		return events, 0
	}
	return fresh, len(events) - len(fresh)
}

// idRecord is one message of the id stream: the ids of the events with
// seqs in [from, to] of chunk k, all of them once to is the chunk's end.
type idRecord struct {
	chunk    uint64
	from, to uint64
	ids      []string
}

func (r idRecord) full() bool { return r.to == (r.chunk+1)*idChunk }

func chunkOf(seq uint64) uint64 { return (seq - 1) / idChunk }

// idLog persists the set: it loads the id stream at start-up and writes
// the fold's ids to it, off the fold's goroutine.
type idLog struct {
	h       *Hub
	stream  jetstream.Stream
	subject string // <Subject>.ids.<epoch>.

	mu sync.Mutex
	// The chunk being gathered: every id the fold read after the last seq
	// a record covers (and, when that record was partial, its ids).
	chunk   uint64
	pending []string
	to      uint64    // last seq of pending
	written uint64    // last seq of the chunk already in a queued record
	since   time.Time // when the first id not yet in a record came
	queue   []idRecord
	wake    chan struct{}
	// partials are the stream seqs of the partial records of each chunk
	// (written by this hub, or read at start-up), removed once its full
	// record is written.
	partials map[uint64][]uint64
	// loaded: records and bytes read at start-up, for the log line.
	loadedRecords, loadedIDs int
	loadedBytes              uint64
}

// idStreamName is the id stream of the log stream name.
func idStreamName(stream string) string { return stream + idsSuffix }

// openIDs makes the set and, for a log in NATS that outlives the process
// (a file store or an external server), the id stream, and loads what it
// holds. A memory log (the demo) keeps only JetStream's window: it ends
// with the process, and a looping demo would grow a set without end.
func (h *Hub) openIDs() error {
	// /metrics serves during the start-up: the collector reads h.ids and
	// h.idLog, so it is registered once they are set.
	defer h.m.registry.MustRegister(roomCollector{h})
	if h.opts.DataDir == "" && h.opts.NatsURL == "" {
		return nil
	}
	h.ids = newIDSet()
	// Retention's drops are logged from here on (noteLogFirst).
	h.room.first = max(h.stream.CachedInfo().State.FirstSeq, 1)
	l := &idLog{h: h, subject: h.opts.Subject + ".ids." + h.epoch + ".", wake: make(chan struct{}, 1), partials: map[uint64][]uint64{}}
	cfg := jetstream.StreamConfig{
		Name:        idStreamName(h.opts.Stream),
		Description: "sitboard: the id of every event the log " + h.opts.Stream + " holds or has held, so that a resent event is never stored twice (docs/protocol.md, Idempotency)",
		Subjects:    []string{h.opts.Subject + ".ids.>"},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Storage:     jetstream.FileStorage,
		Replicas:    h.opts.Replicas,
		// Hubs on one cluster write the same full records: a repeat is
		// dropped.
		Duplicates: time.Hour,
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := h.js.CreateOrUpdateStream(ctx, cfg)
		cancel()
		if err == nil {
			l.stream = st
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hub: cannot find or create the id stream %s (deduplication by id over the whole campaign): %w", cfg.Name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := l.forgetOtherEpochs(); err != nil {
		return err
	}
	if err := l.load(); err != nil {
		return err
	}
	h.idLog = l
	return nil
}

// forgetOtherEpochs removes the ids of an earlier log of the same name:
// a recreated log is a new history, in which those ids were never stored.
func (l *idLog) forgetOtherEpochs() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	prefix := l.h.opts.Subject + ".ids."
	info, err := l.stream.Info(ctx, jetstream.WithSubjectFilter(prefix+">"))
	if err != nil {
		return fmt.Errorf("hub: cannot read the id stream: %w", err)
	}
	epochs := map[string]bool{}
	for subj := range info.State.Subjects {
		if e, _, ok := strings.Cut(strings.TrimPrefix(subj, prefix), "."); ok && e != l.h.epoch {
			epochs[e] = true
		}
	}
	for e := range epochs {
		if err := l.stream.Purge(ctx, jetstream.WithPurgeSubject(prefix+e+".>")); err != nil {
			return fmt.Errorf("hub: cannot remove the ids of an earlier log (epoch %s) from the id stream: %w", e, err)
		}
		l.h.log.Info("removed the ids of an earlier log from the id stream: this log is a new history", "epoch", e)
	}
	return nil
}

// load reads every record of this log into the set. The last chunk a
// record covers is gathered on from there, so that its next record
// holds all of its ids.
func (l *idLog) load() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := l.stream.Info(ctx, jetstream.WithSubjectFilter(l.subject+">"))
	if err != nil {
		return fmt.Errorf("hub: cannot read the id stream: %w", err)
	}
	var want uint64
	for _, n := range info.State.Subjects {
		want += n
	}
	if want == 0 {
		return nil
	}
	cons, err := l.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{l.subject + ">"}})
	if err != nil {
		return fmt.Errorf("hub: cannot read the id stream: %w", err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("hub: cannot read the id stream: %w", err)
	}
	defer msgs.Stop()
	// The highest chunk any record covers, how far, and its ids.
	var lastChunk, lastTo uint64
	last := map[string]bool{}
	for got := uint64(0); got < want; got++ {
		msg, err := msgs.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("hub: reading the id stream (%d of %d records): %w", got, want, err)
		}
		rec, err := decodeIDRecord(msg.Subject(), msg.Headers(), msg.Data())
		if err != nil {
			// Written by something else: its ids cannot be trusted, but
			// the log still holds whatever it is.
			l.h.log.Warn("skipping an unreadable record of the id stream", "subject", msg.Subject(), "err", err)
			continue
		}
		l.h.ids.add(rec.ids...)
		if md, err := msg.Metadata(); err == nil && !rec.full() {
			l.partials[rec.chunk] = append(l.partials[rec.chunk], md.Sequence.Stream)
		}
		l.loadedRecords++
		l.loadedIDs += len(rec.ids)
		l.loadedBytes += uint64(len(msg.Data()))
		if lastTo == 0 || rec.chunk > lastChunk {
			lastChunk, lastTo = rec.chunk, rec.to
			clear(last)
		}
		if rec.chunk == lastChunk {
			lastTo = max(lastTo, rec.to)
			for _, id := range rec.ids {
				last[id] = true
			}
		}
	}
	if lastTo == 0 {
		return nil
	}
	l.to, l.written, l.chunk = lastTo, lastTo, lastChunk
	if lastTo == (lastChunk+1)*idChunk {
		l.chunk++ // the last record was full: the next chunk starts empty
		return nil
	}
	for id := range last {
		l.pending = append(l.pending, id)
	}
	return nil
}

// foldIDs takes the ids of a batch the fold read from the log (in seq
// order). It never blocks: full records go to the writer's queue.
func (h *Hub) foldIDs(batch []feed.Event) {
	if h.ids == nil {
		return
	}
	ids := make([]string, 0, len(batch))
	for _, ev := range batch {
		if ev.Type != TypeUnreadable {
			ids = append(ids, ev.ID)
		}
	}
	h.ids.add(ids...)
	l := h.idLog
	if l == nil {
		return
	}
	now := time.Now()
	l.mu.Lock()
	queued := false
	for _, ev := range batch {
		if ev.Seq <= l.to {
			continue // in a record already (loaded at start-up)
		}
		if c := chunkOf(ev.Seq); c != l.chunk {
			if len(l.pending) > 0 {
				l.queueLocked(true)
				queued = true
			}
			l.chunk, l.pending = c, nil
		}
		if ev.Type != TypeUnreadable {
			if l.since.IsZero() {
				l.since = now
			}
			l.pending = append(l.pending, ev.ID)
		}
		l.to = ev.Seq
		if ev.Seq == (l.chunk+1)*idChunk {
			l.queueLocked(true)
			queued = true
			l.chunk, l.pending = l.chunk+1, nil
		}
	}
	l.mu.Unlock()
	if queued {
		l.signal()
	}
}

// queueLocked queues a record of the chunk gathered so far: the whole
// chunk (full), or what it holds up to l.to.
func (l *idLog) queueLocked(full bool) {
	rec := idRecord{chunk: l.chunk, from: l.chunk*idChunk + 1, to: l.to, ids: l.pending}
	if full {
		rec.to = (l.chunk + 1) * idChunk
		l.pending = nil
	} else {
		rec.ids = append([]string(nil), l.pending...)
	}
	l.queue = append(l.queue, rec)
	l.written, l.since = rec.to, time.Time{}
}

func (l *idLog) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// partial queues a record of the chunk's ids not yet written, once the
// first of them has waited idPartialAfter (or at once, when final).
func (l *idLog) partial(now time.Time, final bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 || l.to <= l.written || l.since.IsZero() {
		return
	}
	if final || now.Sub(l.since) >= idPartialAfter {
		l.queueLocked(false)
	}
}

// writeLoop writes queued records in order, retrying one that fails (a
// full disk, a log out of reach) until it is written: a record is only
// needed once retention removes its events, so it may wait.
func (l *idLog) writeLoop() {
	defer l.h.loops.Done()
	tick := time.NewTicker(min(idPartialAfter/5, time.Minute))
	defer tick.Stop()
	backoff := time.Duration(0)
	for {
		var retry <-chan time.Time
		if backoff > 0 {
			retry = time.After(backoff)
		}
		select {
		case <-l.wake:
		case <-tick.C:
		case <-retry:
		case <-l.h.closing:
			return
		}
		l.partial(time.Now(), false)
		if err := l.flush(10 * time.Second); err != nil {
			if backoff == 0 {
				l.h.log.Warn("cannot write event ids to the id stream yet; retrying (the log still holds their events)", "err", err)
			}
			backoff = min(max(2*backoff, time.Second), time.Minute)
			continue
		}
		backoff = 0
	}
}

// flush writes every queued record.
func (l *idLog) flush(timeout time.Duration) error {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.mu.Unlock()
			return nil
		}
		rec := l.queue[0]
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := l.write(ctx, rec)
		cancel()
		if err != nil {
			return err
		}
		l.mu.Lock()
		l.queue = l.queue[1:]
		l.mu.Unlock()
	}
}

// close writes what is gathered, as the hub stops.
func (l *idLog) close() {
	l.partial(time.Now(), true)
	if err := l.flush(3 * time.Second); err != nil {
		l.h.log.Warn("stopping with event ids not yet in the id stream; the log holds their events and the next start writes them", "err", err)
	}
}

// write publishes one record. A full record replaces the chunk's partial
// ones this hub wrote or read.
func (l *idLog) write(ctx context.Context, rec idRecord) error {
	data, err := encodeIDs(rec.ids)
	if err != nil {
		return err
	}
	subj := l.subject + strconv.FormatUint(rec.chunk, 10)
	msg := &nats.Msg{Subject: subj, Data: data, Header: nats.Header{}}
	msg.Header.Set(hdrIDsFrom, strconv.FormatUint(rec.from, 10))
	msg.Header.Set(hdrIDsTo, strconv.FormatUint(rec.to, 10))
	msg.Header.Set(hdrIDsCount, strconv.Itoa(len(rec.ids)))
	// The same record from two hubs is stored once.
	msgID := fmt.Sprintf("%s-%d-%d-%08x", l.h.epoch, rec.chunk, rec.to, crc32.ChecksumIEEE(data))
	ack, err := l.h.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID), jetstream.WithExpectStream(idStreamName(l.h.opts.Stream)))
	if err != nil {
		return fmt.Errorf("chunk %d (seqs %d-%d): %w", rec.chunk, rec.from, rec.to, err)
	}
	l.mu.Lock()
	var replaced []uint64
	if rec.full() {
		replaced = l.partials[rec.chunk]
		delete(l.partials, rec.chunk)
	} else if !ack.Duplicate {
		l.partials[rec.chunk] = append(l.partials[rec.chunk], ack.Sequence)
	}
	l.mu.Unlock()
	for _, seq := range replaced {
		// By seq, not by a purge of the subject up to the full record:
		// nats-server 2.9 purges that record too.
		if err := l.stream.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			l.h.log.Debug("cannot remove a partial record a full one replaces", "subject", subj, "seq", seq, "err", err)
		}
	}
	return nil
}

// encodeIDs is a record's payload: the ids, one a line, deflated at the
// fastest level (on the campaign's ids 9% larger than the best, at less
// than half the CPU).
func encodeIDs(ids []string) ([]byte, error) {
	n := len(ids)
	for _, id := range ids {
		n += len(id)
	}
	raw := make([]byte, 0, n)
	for _, id := range ids {
		raw = append(append(raw, id...), '\n')
	}
	var b bytes.Buffer
	zw, err := flate.NewWriter(&b, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeIDRecord(subject string, hdr nats.Header, data []byte) (idRecord, error) {
	var rec idRecord
	var err error
	i := strings.LastIndexByte(subject, '.')
	if rec.chunk, err = strconv.ParseUint(subject[i+1:], 10, 64); err != nil {
		return rec, errors.New("no chunk number in the subject")
	}
	if rec.from, err = strconv.ParseUint(hdr.Get(hdrIDsFrom), 10, 64); err != nil {
		return rec, errors.New("no " + hdrIDsFrom + " header")
	}
	if rec.to, err = strconv.ParseUint(hdr.Get(hdrIDsTo), 10, 64); err != nil || rec.to < rec.from || chunkOf(rec.to) != rec.chunk {
		return rec, errors.New("no valid " + hdrIDsTo + " header")
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), 64<<20))
	if err != nil {
		return rec, fmt.Errorf("payload: %w", err)
	}
	rec.ids = strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(raw) == 0 {
		rec.ids = nil
	}
	if n, err := strconv.Atoi(hdr.Get(hdrIDsCount)); err != nil || n != len(rec.ids) {
		return rec, fmt.Errorf("%d ids, the header says %q", len(rec.ids), hdr.Get(hdrIDsCount))
	}
	return rec, nil
}
