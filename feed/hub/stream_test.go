package hub_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestCompressedAndPlainBoards: with compression offered, a board that
// negotiates permessage-deflate gets gorilla's compressed frames and one
// that does not gets the shared raw frames; both see every event in order,
// heartbeats included.
func TestCompressedAndPlainBoards(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.EnableCompression = true; o.HeartbeatInterval = 50 * time.Millisecond })
	hdr := http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}}
	zconn, resp, err := (&websocket.Dialer{EnableCompression: true}).Dial(s.WS, hdr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zconn.Close() })
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("compression not negotiated: %q", ext)
	}
	zipped := &wsClient{t, zconn}
	plain := dial(t, s.WS, hubtest.ReadToken)
	for _, c := range []*wsClient{zipped, plain} {
		c.hello("", 0)
		if m := c.mustNext(); m.Type != feed.MsgSnapshot {
			t.Fatalf("first message %s, want a snapshot", m.Type)
		}
	}
	for i := 0; i < 600; i += 100 {
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "z", i, 100))
		time.Sleep(20 * time.Millisecond) // let heartbeats fall between batches
	}
	for _, c := range []*wsClient{zipped, plain} {
		if got := c.collect(0, 600); got[599].ID != "z-599" {
			t.Fatalf("last event %s", got[599].ID)
		}
	}
}

// TestBoardPingIsAnswered: the writer goroutine, not the reader, answers a
// board's ping, with its payload.
func TestBoardPingIsAnswered(t *testing.T) {
	s := hubtest.Start(t, nil)
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello("", 0)
	c.mustNext() // snapshot
	pong := make(chan string, 1)
	c.conn.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := c.conn.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = c.next() }() // reading runs the pong handler
	select {
	case got := <-pong:
		if got != "are you there" {
			t.Fatalf("pong %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
}

// TestBoardCloseIsEchoed: a board that closes gets the close frame back,
// and the hub forgets it.
func TestBoardCloseIsEchoed(t *testing.T) {
	s := hubtest.Start(t, nil)
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello("", 0)
	c.mustNext()
	if err := c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if code, _ := c.closeCode(); code != websocket.CloseNormalClosure {
		t.Fatalf("close echoed with %d, want %d", code, websocket.CloseNormalClosure)
	}
	deadline := time.Now().Add(5 * time.Second)
	for metric(t, s.URL, "sitboard_subscribers") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("the hub still counts the closed board")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJoinWhileEventsFlow: boards that connect while batches are being
// fanned out get their snapshot (or missed events) first and then every
// later event, with no gap and no duplicate; a live frame never overtakes
// the preamble.
func TestJoinWhileEventsFlow(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.BatchLinger = time.Microsecond })
	stop := make(chan struct{})
	posted := make(chan int, 1)
	go func() {
		n := 0
		defer func() { posted <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := hubtest.TryPost(s.URL, hubtest.Events(s.Cfg, "join", n, 5)); err != nil {
				return
			}
			n += 5
		}
	}()
	// Some boards watch throughout, so every batch is fanned out.
	for range 20 {
		c := dial(t, s.WS, hubtest.ReadToken)
		c.hello("", 0)
		c.mustNext()
	}
	var boards []*wsClient
	var from []uint64
	for i := range 200 {
		c := dial(t, s.WS, hubtest.ReadToken)
		if i%2 == 0 {
			c.hello("", 0)
			m := c.mustNext()
			if m.Type != feed.MsgSnapshot {
				t.Fatalf("board %d: first message %s, want the snapshot", i, m.Type)
			}
			from = append(from, m.Seq)
		} else {
			// Resume from a little behind the head: the ring serves it.
			seq := s.Hub.Seq()
			c.hello(s.Hub.Epoch(), seq-min(seq, 3))
			from = append(from, seq-min(seq, 3))
		}
		boards = append(boards, c)
	}
	close(stop)
	n := <-posted
	s.WaitSeq(t, uint64(n))
	for i, c := range boards {
		if from[i] < uint64(n) {
			c.collect(from[i], uint64(n)) // checks order, gaps and duplicates
		}
	}
}
