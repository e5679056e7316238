package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// dialSmall dials the stream with a tiny receive buffer, so a board that
// does not read stops taking bytes almost at once.
func dialSmall(t *testing.T, url string) *wsClient {
	t.Helper()
	d := &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			if err != nil {
				return err
			}
			return serr
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	conn, _, err := d.Dial(url, http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t, conn}
}

// metricInt reads an integer metric.
func metricInt(t *testing.T, url, name string) int {
	t.Helper()
	v, err := strconv.ParseFloat(metric(t, url, name), 64)
	if err != nil {
		t.Fatalf("metric %s: %v", name, err)
	}
	return int(v)
}

// TestResumeStreamsThroughTheBoardsQueue: a resume far back goes through
// the board's own bounded queue, a frame or two at a time as the board
// reads, counted in sitboard_subscriber_queued_bytes. A board that reads
// nothing holds no more than that, however far back it resumed; once it
// reads, it gets every event in order. Before, the hub copied every missed
// event for it at once, outside every limit and every metric.
func TestResumeStreamsThroughTheBoardsQueue(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.SocketSendBuffer = 4096 })
	const total = 30_000
	for i := 0; i < total; i += 5000 {
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "far", i, 5000))
	}
	s.WaitSeq(t, total)

	c := dialSmall(t, s.WS)
	c.hello(s.Hub.Epoch(), 0) // every event missed; the ring holds them all
	// The catch-up fills the board's queue to its window and stops there.
	const window = 64 << 10
	queued := 0
	for deadline := time.Now().Add(10 * time.Second); queued < window; queued = metricInt(t, s.URL, "sitboard_subscriber_queued_bytes") {
		if time.Now().After(deadline) {
			t.Fatalf("a board resuming %d events back and reading nothing has %d bytes in its queue after 10s: the resume does not go through the board's queue", total, queued)
		}
	}
	// The window and one frame (32 KiB and an event) at most, against
	// some 6 MB for the whole resume.
	const bound = window + 64<<10
	for range 20 {
		if queued = metricInt(t, s.URL, "sitboard_subscriber_queued_bytes"); queued > bound {
			t.Fatalf("a board reading nothing has %d bytes queued for its resume, over %d", queued, bound)
		}
	}
	if m := metricInt(t, s.URL, "sitboard_resumes_ring_total"); m != 1 {
		t.Fatalf("sitboard_resumes_ring_total = %d, want 1", m)
	}
	// Now it reads: every event, in order, then live ones.
	m := c.mustNext()
	if m.Type != feed.MsgEvents || !m.Recovered || len(m.Events) == 0 || m.Events[0].Seq != 1 {
		t.Fatalf("first frame of the resume: %s recovered=%v with %d events", m.Type, m.Recovered, len(m.Events))
	}
	last := m.Events[len(m.Events)-1].Seq
	c.collect(last, total)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "live", 0, 3))
	c.collect(total, total+3)
}

// stuckResume is a log whose consumers for resumes (the hub's reader
// filters by subject, a resume on a one-subject stream does not) hang
// until their context ends, as on a NATS node that takes the request and
// never answers.
type stuckResume struct {
	jetstream.Stream
	waiting atomic.Int32
}

func (s *stuckResume) OrderedConsumer(ctx context.Context, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	if cfg.FilterSubjects != nil {
		return s.Stream.OrderedConsumer(ctx, cfg)
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestResumeInProgressHoldsTheStreamPlace: a client that hangs up while
// its resume waits on the log gets its stream place back only once the
// resume has stopped, so it cannot pile up more resumes in progress than
// its per-address cap by dialling again and again. Before, the place came
// back as soon as the connection ended, while the resume went on waiting
// for the log.
func TestResumeInProgressHoldsTheStreamPlace(t *testing.T) {
	log := &stuckResume{}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.RingSize = 16 // older events come from the log
		o.MaxStreamsPerIP = 1
		hub.CapLoopback(o)
		hub.WrapStream(o, func(st jetstream.Stream) jetstream.Stream { log.Stream = st; return log })
	})
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "held", 0, 200))
	s.WaitSeq(t, 200)

	// dialFree dials until the address's one place is free (429 until
	// then) and reports how many resumes still waited on the log when it
	// was let in.
	dialFree := func(round int) (*wsClient, int32) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			conn, resp, err := websocket.DefaultDialer.Dial(s.WS, http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}})
			if err == nil {
				waiting := log.waiting.Load()
				t.Cleanup(func() { conn.Close() })
				return &wsClient{t, conn}, waiting
			}
			if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("round %d: dial: %v", round, err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the stream place never came back (%d resumes waiting on the log)", round, log.waiting.Load())
			}
		}
	}
	for round := range 3 {
		c, _ := dialFree(round)
		c.hello(s.Hub.Epoch(), 1)
		for deadline := time.Now().Add(10 * time.Second); log.waiting.Load() == 0; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the resume never asked the log", round)
			}
		}
		c.conn.Close() // hangs up in the middle of the resume
		// The place must not come back while the resume still waits on
		// the log.
		probe, waiting := dialFree(round)
		if waiting != 0 {
			t.Fatalf("round %d: a new stream was let in while %d resumes from this address still waited on the log", round, waiting)
		}
		probe.conn.Close()
	}
}

// TestReconnectStormSharesOneSnapshot: boards joining at once all get the
// same snapshot, encoded once, not once per board.
func TestReconnectStormSharesOneSnapshot(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "storm", 0, 500))
	s.WaitSeq(t, 500)
	before := metricInt(t, s.URL, "sitboard_snapshot_encodings_total")

	const boards = 100
	snaps := make([][]byte, boards)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range boards {
		c := dial(t, s.WS, hubtest.ReadToken)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := c.conn.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
				t.Error(err)
				return
			}
			_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, data, err := c.conn.ReadMessage()
			if err != nil {
				t.Error(err)
				return
			}
			snaps[i] = data
		}()
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i, b := range snaps {
		if !bytes.Equal(b, snaps[0]) {
			t.Fatalf("board %d got another snapshot than board 0 (%d and %d bytes)", i, len(b), len(snaps[0]))
		}
	}
	var m feed.Message
	if err := json.Unmarshal(snaps[0], &m); err != nil || m.Type != feed.MsgSnapshot || m.Seq != 500 || len(m.State) == 0 {
		t.Fatalf("the boards got %s at seq %d (%v), want the snapshot at 500", m.Type, m.Seq, err)
	}
	if n := metricInt(t, s.URL, "sitboard_snapshot_encodings_total") - before; n != 1 {
		t.Fatalf("%d boards joining at seq 500 cost %d encodings of the state, want 1", boards, n)
	}
	if n := metricInt(t, s.URL, "sitboard_snapshots_sent_total"); n < boards {
		t.Fatalf("sitboard_snapshots_sent_total = %d, want at least %d", n, boards)
	}
}

// TestSnapshotRequestsShareTheBoardsEncoding: GET /v1/snapshot (and
// ?day= for the day still running) is answered from the encoding the
// joining boards share, made once per seq by the fold loop outside the
// hub's lock, not marshalled under the lock per request: clients polling
// the state during a storm would hold up the fold and each other.
func TestSnapshotRequestsShareTheBoardsEncoding(t *testing.T) {
	s := hubtest.Start(t, nil)
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "poll", 0, 300))
	s.WaitSeq(t, 300)
	before := metricInt(t, s.URL, "sitboard_snapshot_encodings_total")
	today := hubtest.Snapshot(t, s.URL)
	var day struct {
		Day int `json:"day"`
	}
	if err := json.Unmarshal(today.State, &day); err != nil || day.Day < 1 {
		t.Fatalf("the state says day %d (%v)", day.Day, err)
	}

	const clients = 40
	bodies := make([]hub.SnapshotBody, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := s.URL + "/v1/snapshot"
			if i%2 == 1 {
				url += "?day=" + strconv.Itoa(day.Day)
			}
			code, body, err := hubtest.Get(url, hubtest.ReadToken)
			if err != nil || code != http.StatusOK {
				t.Errorf("GET %s: %d %s %v", url, code, body, err)
				return
			}
			if err := json.Unmarshal(body, &bodies[i]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i, b := range bodies {
		if b.Seq != 300 || !bytes.Equal(b.State, today.State) {
			t.Fatalf("request %d got the state at seq %d (%d bytes), want the one at 300 (%d bytes)", i, b.Seq, len(b.State), len(today.State))
		}
	}
	if n := metricInt(t, s.URL, "sitboard_snapshot_encodings_total") - before; n != 1 {
		t.Fatalf("%d requests for the state at one seq cost %d encodings, want 1", clients+1, n)
	}

	// A board joining at the same seq gets the same bytes, at no new cost.
	c := dial(t, s.WS, hubtest.ReadToken)
	if err := c.conn.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
		t.Fatal(err)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m feed.Message
	if err := c.conn.ReadJSON(&m); err != nil || m.Type != feed.MsgSnapshot || m.Seq != 300 {
		t.Fatalf("the board got %s at seq %d (%v), want the snapshot at 300", m.Type, m.Seq, err)
	}
	var got, want any
	_ = json.Unmarshal(m.State, &got)
	_ = json.Unmarshal(today.State, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the board's snapshot differs from GET /v1/snapshot's state at the same seq")
	}
	if n := metricInt(t, s.URL, "sitboard_snapshot_encodings_total") - before; n != 1 {
		t.Fatalf("the board joining at the seq already encoded cost another encoding (%d in all, want 1)", n)
	}
}
