package hub_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestTailBoardsGetEveryEventInOrder: boards written by the tail writer
// (here every board: the front is cut to none) get every event once and
// in order, heartbeats between them, a compressed board included, and a
// board that goes live in the middle of the flow continues exactly after
// its snapshot.
func TestTailBoardsGetEveryEventInOrder(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.EnableCompression = true; o.HeartbeatInterval = 20 * time.Millisecond })
	hub.SetFrontBoards(s.Hub, 0, -1)
	hdr := http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}}
	zconn, _, err := (&websocket.Dialer{EnableCompression: true}).Dial(s.WS, hdr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zconn.Close() })
	boards := []*wsClient{{t, zconn}}
	for range 4 {
		boards = append(boards, dial(t, s.WS, hubtest.ReadToken))
	}
	from := make([]uint64, 0, 6)
	for _, c := range boards {
		from = append(from, c.join())
	}
	if n := hub.TailBoards(s.Hub); n != len(boards) {
		t.Fatalf("sitboard_stream_tail_boards says %d as the boards join, want %d", n, len(boards))
	}
	const batches, per = 30, 40
	for i := range batches {
		if i == batches/2 {
			late := dial(t, s.WS, hubtest.ReadToken)
			boards, from = append(boards, late), append(from, late.join())
		}
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "tail", i*per, per))
		if i%10 == 0 {
			time.Sleep(25 * time.Millisecond) // a heartbeat between batches
		}
	}
	for i, c := range boards {
		got := c.collect(from[i], batches*per)
		if last := got[len(got)-1]; last.ID != "tail-1199" {
			t.Fatalf("board %d's last event is %s", i, last.ID)
		}
	}
}

// TestTailWriterUnderConcurrentPosts: the tail writer's rounds while
// frames keep coming from four posters at once and heartbeats every few
// milliseconds: wakes that find the frames already taken, rounds that
// coalesce, hands during a round. Every board still gets every event once,
// in order. (A round once wrote from the list new frames were being added
// to, and crashed the hub.)
func TestTailWriterUnderConcurrentPosts(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.HeartbeatInterval = 3 * time.Millisecond })
	hub.SetFrontBoards(s.Hub, 0, -1)
	boards := make([]*wsClient, 3)
	from := make([]uint64, len(boards))
	for i := range boards {
		boards[i] = dial(t, s.WS, hubtest.ReadToken)
		from[i] = boards[i].join()
	}
	const posters, posts, per = 4, 50, 5
	errs := make(chan error, posters)
	for p := range posters {
		go func() {
			for i := range posts {
				if _, err := hubtest.TryPost(s.URL, hubtest.Events(s.Cfg, "conc"+string(rune('a'+p)), i*per, per)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range posters {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range boards {
		if got := c.collect(from[i], posters*posts*per); len(got) != posters*posts*per {
			t.Fatalf("board %d got %d events", i, len(got))
		}
	}
}

// TestTailBoardsMoveToTheFrontInOrder: boards that join while the front
// is full go to the tail writer, and move to the front whenever the tail
// writer has written all it was handed (here at once: no quiet spell is
// asked for), over and over while events and heartbeats keep coming and
// more boards join. Each board gets every event once and in order across
// the moves, and once the flow stops every board is the front's again.
func TestTailBoardsMoveToTheFrontInOrder(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.HeartbeatInterval = 5 * time.Millisecond })
	hub.SetFrontBoards(s.Hub, 1, 0)
	var boards []*wsClient
	var from []uint64
	join := func() {
		c := dial(t, s.WS, hubtest.ReadToken)
		boards, from = append(boards, c), append(from, c.join())
	}
	for range 3 {
		join()
	}
	const posts, per = 60, 10
	for i := range posts {
		if i%15 == 7 {
			join() // into the tail: the front is full
		}
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "move", i*per, per))
	}
	for i, c := range boards {
		got := c.collect(from[i], posts*per)
		if last := got[len(got)-1]; last.ID != "move-599" {
			t.Fatalf("board %d's last event is %s", i, last.ID)
		}
	}
	// The heartbeats go on: the next one after the tail's last round moves
	// its boards to the front.
	for deadline := time.Now().Add(10 * time.Second); hub.TailBoards(s.Hub) != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d boards still in the tail 10s after the last event", hub.TailBoards(s.Hub))
		}
	}
}

// join sends a fresh hello and returns the seq of the snapshot that must
// come first: the board is live from there.
func (c *wsClient) join() uint64 {
	c.t.Helper()
	c.hello("", 0)
	m := c.mustNext()
	if m.Type != feed.MsgSnapshot {
		c.t.Fatalf("first message %s, want a snapshot", m.Type)
	}
	return m.Seq
}
