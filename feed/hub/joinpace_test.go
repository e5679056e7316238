package hub_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestJoinsWaitTheirTurn: in a reconnect storm new streams are let in at a
// steady rate, and one waiting at the door holds up nothing else: the
// boards already live still get every event, ingest still answers, and a
// board that hangs up while waiting leaves the queue. The pace is
// stretched to a join an hour, so the second board waits for as long as
// the test needs, whatever the machine's load.
func TestJoinsWaitTheirTurn(t *testing.T) {
	s := hubtest.Start(t, nil)
	hub.PaceJoins(s.Hub, time.Hour, 1)

	live := dial(t, s.WS, hubtest.ReadToken)
	live.hello("", 0)
	if m := live.mustNext(); m.Type != feed.MsgSnapshot {
		t.Fatalf("the first board (the burst) got %s, want its snapshot at once", m.Type)
	}

	// The second board's handshake waits for its turn: no 101 yet.
	addr := strings.TrimPrefix(s.URL, "http://")
	waiting, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	if _, err := waiting.Write(upgradeRequest(addr)); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, s.URL, "sitboard_stream_joins_waiting", func(v string) bool { return v == "1" })

	// Meanwhile ingest answers and the live board gets the events.
	res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "storm", 0, 5))
	live.collect(res.FirstSeq-1, res.LastSeq)
	if got := metric(t, s.URL, "sitboard_stream_joins_waiting"); got != "1" {
		t.Fatalf("sitboard_stream_joins_waiting = %s while the second board waits, want 1", got)
	}
	if got := metric(t, s.URL, "sitboard_stream_joins_paced_total"); got != "1" {
		t.Errorf("sitboard_stream_joins_paced_total = %s, want 1", got)
	}

	// Hanging up frees its place in the queue without an answer.
	waiting.Close()
	waitMetric(t, s.URL, "sitboard_stream_joins_waiting", func(v string) bool { return v == "0" })
	if subs := metric(t, s.URL, "sitboard_subscribers"); subs != "1" {
		t.Errorf("sitboard_subscribers = %s after the waiting board hung up, want 1", subs)
	}
}

// TestJoinTurnComes: a board that had to wait is upgraded once its turn
// comes, and gets its snapshot like any other.
func TestJoinTurnComes(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.JoinsPerSecond = 20 })
	hub.CapJoins(s.Hub, -1, 0) // the pacer alone: its burst never waits
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "turn", 0, 3))
	s.WaitSeq(t, 3)
	// A second's burst (20) at once, then 5 that wait 50ms each in turn.
	// Each board is upgraded (the dial returns on the 101), sends its
	// hello and reads its snapshot.
	const boards = 25
	errs := make(chan error, boards)
	hdr := http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}}
	for range boards {
		go func() {
			c, _, err := websocket.DefaultDialer.Dial(s.WS, hdr)
			if err != nil {
				errs <- fmt.Errorf("upgrade: %w", err)
				return
			}
			defer c.Close()
			if err := c.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
				errs <- err
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			var m feed.Message
			if err := c.ReadJSON(&m); err != nil || m.Type != feed.MsgSnapshot || m.Seq != 3 {
				errs <- fmt.Errorf("first message %s at seq %d (%v), want the snapshot at 3", m.Type, m.Seq, err)
				return
			}
			errs <- nil
		}()
	}
	for range boards {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// How many waited depends on how fast they came; the burst never does.
	if n := metricInt(t, s.URL, "sitboard_stream_joins_paced_total"); n > boards-20 {
		t.Errorf("%d of %d boards waited for their turn, want at most %d: a second's burst of 20 joins at once", n, boards, boards-20)
	}
}

// upgradeRequest is a board's websocket handshake, written by hand so a
// test can send it and see whether, and when, the hub answers.
func upgradeRequest(addr string) []byte {
	return []byte("GET /v1/stream HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + hubtest.ReadToken +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
}

// TestJoinPlaceFreedWhenLive: a board gives its place among the joins in
// flight back once it is live, or once its join has failed, long before
// the hold (an hour here), so the next board joins at once.
func TestJoinPlaceFreedWhenLive(t *testing.T) {
	s := hubtest.Start(t, nil)
	hub.CapJoins(s.Hub, 1, time.Hour)

	first := dial(t, s.WS, hubtest.ReadToken)
	first.hello("", 0)
	if m := first.mustNext(); m.Type != feed.MsgSnapshot {
		t.Fatalf("the first board got %s, want its snapshot", m.Type)
	}
	// A board whose hello is refused gives its place back too.
	bad := dial(t, s.WS, hubtest.ReadToken)
	if err := bad.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"nonsense"}`)); err != nil {
		t.Fatal(err)
	}
	_ = bad.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := bad.conn.ReadMessage()
		if err == nil {
			continue // what the hub says before it closes
		}
		if !websocket.IsCloseError(err, feed.CloseBadRequest) {
			t.Fatalf("a hello of the wrong type: %v, want close %d", err, feed.CloseBadRequest)
		}
		break
	}
	// Each dial waits for the place: with it still held, for an hour.
	for i := range 3 {
		b := dial(t, s.WS, hubtest.ReadToken)
		b.hello("", 0)
		if m := b.mustNext(); m.Type != feed.MsgSnapshot {
			t.Fatalf("board %d got %s, want its snapshot", i+2, m.Type)
		}
	}
}

// TestSlowHelloHoldsNoOneUp: a board that takes its time over its hello
// (a slow link, or a stuck client) holds its place among the joins in
// flight for the hold at most, then the next board joins; it is not kept
// waiting until the first one's hello times out.
func TestSlowHelloHoldsNoOneUp(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.HelloTimeout = 10 * time.Minute })
	hub.CapJoins(s.Hub, 1, 20*time.Millisecond)

	silent := dial(t, s.WS, hubtest.ReadToken) // upgraded, never says hello
	defer silent.conn.Close()
	next := dial(t, s.WS, hubtest.ReadToken)
	next.hello("", 0)
	if m := next.mustNext(); m.Type != feed.MsgSnapshot {
		t.Fatalf("the board after the silent one got %s, want its snapshot", m.Type)
	}
}
