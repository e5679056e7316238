package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"sitboard/feed"
)

// The log's disk, watched so that a request is refused with 507 before it
// would fill it, never stored in part and then dropped (see store.go).

// diskRoom is the hub's watch on the free space of the log's disk.
type diskRoom struct {
	reserve int64        // kept free on the disk
	storing atomic.Int64 // bytes of the requests being stored now

	mu sync.Mutex
	// low is why ingest is refused for want of room ("" while there is
	// room); resume is the free space at which it is taken again.
	low    string
	resume int64
	// lowUntil: the servers of an external log said they have no room;
	// ingest is refused until then, then tried again (zero for the
	// embedded store's disk, which the watchdog measures).
	lowUntil time.Time
	lowLog   time.Time // the last ERROR about it
	// filling: the WARN that the disk is filling was logged.
	filling bool
	// The log's first seq as last seen, and retention's drops not yet
	// logged (at most one line a minute).
	first      uint64
	dropped    uint64
	droppedLog time.Time
}

// eventLogOverhead is what an event costs the log beyond its fields'
// bytes: the JSON's keys and time, the Nats-Msg-Id and batch headers, the
// store's record framing.
const eventLogOverhead = 224

// logBytes estimates the disk a request's events take while being
// stored: twice their size in an atomic batch, which the server stages
// before it writes it.
func logBytes(events []feed.Event, staged bool) int64 {
	var n int64
	for _, ev := range events {
		n += int64(len(ev.Data) + 2*len(ev.ID) + len(ev.Type) + len(ev.District) + len(ev.Grid) + eventLogOverhead)
	}
	if staged {
		n *= 2
	}
	return n
}

// watchesDisk: the log is the embedded server's file store, on a disk
// the hub can measure.
func (h *Hub) watchesDisk() bool { return h.conn != nil && h.opts.DataDir != "" }

// store writes a request's events to the log: those whose id the log
// holds or has held are counted as duplicates and not sent (idset.go),
// and the rest only if the disk has room for them (roomFor).
func (h *Hub) store(ctx context.Context, events []feed.Event) (IngestResult, error) {
	events, known := h.ids.unknown(events)
	if len(events) == 0 {
		return IngestResult{Duplicates: known}, nil
	}
	release, err := h.roomFor(events)
	if err == nil {
		defer release()
		var res IngestResult
		if res, err = h.storeLog(ctx, events); err == nil {
			res.Duplicates += known
			return res, nil
		}
		if outOfStorage(err) {
			h.setOutOfStorage(err)
		}
	}
	if known > 0 {
		// Those are in the log: the refusal says so.
		err = partial(err, IngestResult{Duplicates: known}, 0)
	}
	return IngestResult{}, err
}

// roomFor holds room on the disk for events until release is called, or
// refuses them (errDiskFull, and ingest answers 507) when storing them
// would leave less than the reserve free.
func (h *Hub) roomFor(events []feed.Event) (release func(), err error) {
	if !h.watchesDisk() || h.opts.DiskReserve < 0 {
		return func() {}, nil
	}
	free, ok := diskSpace(h.opts.DataDir)
	if !ok {
		return func() {}, nil
	}
	need := logBytes(events, h.atomicBatches && len(events) >= minAtomicBatch)
	storing := h.room.storing.Add(need)
	if free-storing < h.room.reserve {
		h.room.storing.Add(-need)
		h.setDiskLow(free, storing)
		return nil, errDiskFull
	}
	return func() { h.room.storing.Add(-need) }, nil
}

// setDiskLow refuses ingest until the disk has room: free is what it has,
// need what the requests being stored would take of it.
func (h *Hub) setDiskLow(free, need int64) {
	r := &h.room
	r.mu.Lock()
	already := r.low != ""
	r.mu.Unlock()
	if already {
		return
	}
	dir := h.opts.DataDir
	resume := r.reserve + max(need, minRequestRoom)
	outlook := h.needNote()
	if outlook != "" {
		outlook = " (" + outlook + ")"
	}
	reason := fmt.Sprintf("disk nearly full: the disk holding the event log (%s) has %s free; the hub keeps %s of it free and needs %s more to store events%s: free or add at least %s there (df -h %s); ingest resumes by itself within a second of there being room",
		dir, human(free), human(r.reserve), human(resume-free), outlook, human(resume-free), dir)
	r.mu.Lock()
	if r.low != "" {
		r.mu.Unlock()
		return
	}
	r.low, r.resume = reason, resume
	r.mu.Unlock()
	h.log.Error("disk nearly full: refusing events with 507 until the disk has room; grow it or free space, and ingest resumes by itself",
		"data", dir, "free", human(free), "reserve", human(r.reserve), "need", human(resume-free), "campaign", outlook)
}

// checkRoom is the watchdog's look at the disk: it takes ingest back once
// the disk has room again, and warns while it is filling.
func (h *Hub) checkRoom(free int64) {
	r := &h.room
	r.mu.Lock()
	resumed := r.low != "" && free >= r.resume
	if resumed {
		r.low = ""
	}
	warn := !r.filling && free < 3*r.reserve+recoverFreeBytes
	r.filling = (r.filling || warn) && free < 4*r.reserve+2*recoverFreeBytes
	r.mu.Unlock()
	if resumed {
		h.log.Info("disk has room again: ingest accepted again", "data", h.opts.DataDir, "free", human(free), "reserve", human(r.reserve))
	}
	if warn {
		outlook := h.needNote()
		h.log.Warn("the disk holding the event log is filling: ingest will be refused (507) before less than the reserve is left free; grow the disk or free space",
			"data", h.opts.DataDir, "free", human(free), "reserve", human(r.reserve), "campaign", outlook)
	}
}

// lowReason is why ingest is refused for want of room, or "".
func (h *Hub) lowReason() string {
	r := &h.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.lowUntil.IsZero() && time.Now().After(r.lowUntil) {
		r.low, r.lowUntil = "", time.Time{} // try the servers again
	}
	return r.low
}

// outOfStorage tells a log whose servers have no room left (JetStream's
// "insufficient resources", or a stream past the storage they allow).
func outOfStorage(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jsErrInsufficientResources || apiErr.ErrorCode == jsErrInsufficientStorage)
}

// jsErrInsufficientResources is JetStream's "insufficient resources"
// (JSInsufficientResourcesErr): the server's or account's storage is used up.
const jsErrInsufficientResources jetstream.ErrorCode = 10023

// outOfStorageRetry is how long ingest is refused after the log's servers
// said they had no room, before it tries them again.
const outOfStorageRetry = 5 * time.Second

// setOutOfStorage refuses ingest (507) for outOfStorageRetry: the NATS
// servers holding the log have no room for it. Their storage is theirs to
// size, so the hub cannot watch it; it tries again after the pause.
func (h *Hub) setOutOfStorage(err error) {
	r := &h.room
	where := "the NATS servers holding the event log have"
	todo := "raise their jetstream max_file_store (or the account's storage limit), or free their disks"
	if h.opts.NatsURL == "" {
		where = "the embedded NATS server has"
		todo = "free space on the disk of --data"
	}
	reason := fmt.Sprintf("no room for the event log: %s no storage left (%v): %s; ingest is tried again every %s", where, err, todo, outOfStorageRetry)
	r.mu.Lock()
	r.low, r.lowUntil = reason, time.Now().Add(outOfStorageRetry)
	logIt := time.Since(r.lowLog) >= time.Minute
	if logIt {
		r.lowLog = time.Now()
	}
	r.mu.Unlock()
	if logIt {
		h.log.Error("the log's storage is used up: refusing events with 507 until it has room", "err", err, "todo", todo)
	}
}

// campaignNeed estimates the bytes the whole campaign's log takes on the
// disk, at the rate so far: the store's bytes per campaign day (by the
// fold's clock) times the campaign's days.
func (h *Hub) campaignNeed() (need int64, day, days int, ok bool) {
	if h.opts.DataDir == "" {
		return 0, 0, 0, false
	}
	h.mu.Lock()
	last := h.state.LastAt
	h.mu.Unlock()
	days = h.cfg.Days()
	if last.IsZero() || days < 1 {
		return 0, 0, 0, false
	}
	day = h.cfg.Day(last)
	if day < 1 {
		return 0, 0, 0, false
	}
	used := storeUsage(h.opts.DataDir)
	if day >= days {
		return used, days, days, true
	}
	return used * int64(days) / int64(day), day, days, true
}

// needNote says what campaignNeed found, for a log line or a 507.
func (h *Hub) needNote() string {
	need, day, days, ok := h.campaignNeed()
	if !ok {
		return ""
	}
	note := "the whole campaign's log takes " + human(need)
	if day < days {
		note = fmt.Sprintf("at the rate so far, campaign day %d of %d, the whole campaign's log takes about %s", day, days, human(need))
	}
	if total, ok := diskSize(h.opts.DataDir); ok && need+h.room.reserve > total {
		// Round up to the next 64 MiB: what an operator would ask for.
		want := (need + h.room.reserve + 64<<20 - 1) / (64 << 20) * (64 << 20)
		note += fmt.Sprintf(", more than this %s disk holds: grow it to at least %s", human(total), human(want))
	}
	return note
}

// logDiskOutlook says at start-up whether the disk holds the campaign.
func (h *Hub) logDiskOutlook() {
	if !h.watchesDisk() {
		return
	}
	need, _, _, ok := h.campaignNeed()
	free, okFree := diskSpace(h.opts.DataDir)
	if !ok || !okFree {
		return
	}
	room := storeUsage(h.opts.DataDir) + free - h.room.reserve
	if need > room {
		h.log.Warn("the disk is too small for the campaign: ingest will be refused (507) before it ends; grow the disk", "data", h.opts.DataDir, "campaign", h.needNote(), "room", human(room))
		return
	}
	h.log.Info("the disk holds the campaign", "data", h.opts.DataDir, "campaign", h.needNote(), "room", human(room))
}

// noteLogFirst logs retention's drops from the log's start, which only an
// explicit --max-bytes or --max-age makes: at most a line a minute.
func (h *Hub) noteLogFirst(first uint64) {
	r := &h.room
	r.mu.Lock()
	if r.first != 0 && first > r.first {
		r.dropped += first - r.first
	}
	r.first = max(r.first, first)
	var dropped uint64
	if r.dropped > 0 && time.Since(r.droppedLog) >= time.Minute {
		dropped, r.dropped, r.droppedLog = r.dropped, 0, time.Now()
	}
	r.mu.Unlock()
	if dropped > 0 {
		h.log.Warn("retention dropped events from the log's start (--max-bytes/--max-age): a hub started later folds partial figures; the ids stay known, so a resend is not stored again",
			"dropped", dropped, "log_first_seq", first, "max_bytes", h.opts.MaxBytes, "max_age", h.opts.MaxAge)
	}
}

// noteRetention logs a change of the log's limits from what an earlier
// hub set, such as the lifting of a size limit cut to a small disk.
func (h *Hub) noteRetention(was, now jetstream.StreamConfig) {
	limit := func(n int64) string {
		if n <= 0 {
			return "none"
		}
		return human(n)
	}
	age := func(d time.Duration) string {
		if d <= 0 {
			return "none"
		}
		return d.String()
	}
	if was.MaxBytes != now.MaxBytes || was.MaxAge != now.MaxAge {
		h.log.Info("the log's retention changed", "max_bytes_was", limit(was.MaxBytes), "max_bytes", limit(now.MaxBytes), "max_age_was", age(was.MaxAge), "max_age", age(now.MaxAge))
	}
}

var (
	descKnownIDs    = prometheus.NewDesc("sitboard_ingest_known_ids", "Event ids the hub knows the log holds or has held: a resent event with one is answered as a duplicate (0 on a memory log, which keeps only JetStream's window).", nil, nil)
	descDiskFree    = prometheus.NewDesc("sitboard_log_disk_free_bytes", "Free bytes on the disk of the embedded file store.", nil, nil)
	descDiskReserve = prometheus.NewDesc("sitboard_log_disk_reserve_bytes", "Free bytes the hub keeps on that disk: ingest answers 507 rather than eat into them.", nil, nil)
)

// roomCollector reports the id set and the log's disk at scrape time.
type roomCollector struct{ h *Hub }

func (c roomCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descKnownIDs
	ch <- descDiskFree
	ch <- descDiskReserve
}

func (c roomCollector) Collect(ch chan<- prometheus.Metric) {
	h := c.h
	ch <- prometheus.MustNewConstMetric(descKnownIDs, prometheus.GaugeValue, float64(h.ids.size()))
	if !h.watchesDisk() {
		return
	}
	if free, ok := diskSpace(h.opts.DataDir); ok {
		ch <- prometheus.MustNewConstMetric(descDiskFree, prometheus.GaugeValue, float64(free))
	}
	ch <- prometheus.MustNewConstMetric(descDiskReserve, prometheus.GaugeValue, float64(h.room.reserve))
}
