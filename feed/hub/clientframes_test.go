package hub_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestClientFrameFloodIsClosed: a client that sends frames in a loop after
// its hello, 4 KiB messages the hub would ignore or pings, is closed with
// 4502 saying why, and counted.
func TestClientFrameFloodIsClosed(t *testing.T) {
	pad := `{"type":"x-unknown","pad":"` + strings.Repeat("a", 4096-len(`{"type":"x-unknown","pad":""}`)) + `"}`
	if len(pad) != 4096 {
		t.Fatalf("the padded message is %d bytes, want 4096", len(pad))
	}
	for _, tc := range []struct {
		name string
		send func(c *websocket.Conn) error
	}{
		{"4 KiB messages", func(c *websocket.Conn) error { return c.WriteMessage(websocket.TextMessage, []byte(pad)) }},
		{"pings", func(c *websocket.Conn) error {
			return c.WriteControl(websocket.PingMessage, []byte(strings.Repeat("p", 125)), time.Now().Add(time.Second))
		}},
		{"unasked pongs", func(c *websocket.Conn) error {
			return c.WriteControl(websocket.PongMessage, []byte(strings.Repeat("p", 125)), time.Now().Add(time.Second))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := hubtest.Start(t, nil)
			c := dial(t, s.WS, hubtest.ReadToken)
			c.hello("", 0)
			if m := c.mustNext(); m.Type != feed.MsgSnapshot {
				t.Fatalf("got %s, want the snapshot", m.Type)
			}
			// The client floods until it is closed, or until it has sent
			// 1,000 frames, far past any budget; then pings of its own,
			// which the hub answers only once it has read the flood to
			// its end (it may drop a few pongs while pongs are queued).
			var sent atomic.Int64
			go func() {
				for sent.Load() < 1000 && tc.send(c.conn) == nil {
					sent.Add(1)
				}
				for c.conn.WriteControl(websocket.PingMessage, []byte("sentinel"), time.Now().Add(time.Second)) == nil {
					time.Sleep(10 * time.Millisecond) // until a pong or the close
				}
			}()
			c.conn.SetPongHandler(func(data string) error {
				if data == "sentinel" {
					return errors.New("the hub read all 1,000 frames and answered the ping after them")
				}
				return nil
			})
			var err error
			for err == nil {
				_, err = c.next()
			}
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != feed.CloseBadRequest || !strings.Contains(ce.Text, "too many frames") {
				t.Fatalf("the flooding client ended with %v after %d frames, want a 4502 close saying too many frames", err, sent.Load())
			}
			waitMetric(t, s.URL, `sitboard_boards_dropped_total{reason="client_flood"}`, func(v string) bool { return v == "1" })
		})
	}
}

// TestNormalBoardIsNeverClosedForItsFrames: a board that answers the
// hub's pings, hundreds of them (pings every 2 ms here), and pings the hub
// now and then, is never closed: pongs to the hub's pings cost nothing.
func TestNormalBoardIsNeverClosedForItsFrames(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.PingInterval, o.PongWait = 2*time.Millisecond, time.Minute })
	c := dial(t, s.WS, hubtest.ReadToken)
	var pings atomic.Int64
	c.conn.SetPingHandler(func(data string) error {
		pings.Add(1)
		return c.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	c.hello("", 0)
	closed := make(chan error, 1)
	go func() {
		for {
			if _, err := c.next(); err != nil {
				closed <- err
				return
			}
		}
	}()
	for n := int64(0); pings.Load() < 500; n++ {
		select {
		case err := <-closed:
			t.Fatalf("a normal board was closed after %d pings: %v", pings.Load(), err)
		case <-time.After(time.Millisecond): // polling the ping count
		}
		if n%100 == 0 {
			// Its own ping now and then, as a browser might send.
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if v := metric(t, s.URL, `sitboard_boards_dropped_total{reason="client_flood"}`); v != "0" {
		t.Fatalf("client_flood drops: %s", v)
	}
}
