package hub_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// wsClient is a raw protocol client, so the tests see exactly what the hub sends.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, url, token string) *wsClient {
	t.Helper()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, hdr)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t, conn}
}

func (c *wsClient) hello(epoch string, last uint64) {
	c.t.Helper()
	if err := c.conn.WriteJSON(feed.Hello{Type: feed.MsgHello, Epoch: epoch, LastSeq: last}); err != nil {
		c.t.Fatal(err)
	}
}

// next reads the next message, skipping heartbeats.
func (c *wsClient) next() (feed.Message, error) {
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m feed.Message
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return m, err
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return m, err
		}
		if m.Type != feed.MsgHeartbeat {
			return m, nil
		}
	}
}

func (c *wsClient) mustNext() feed.Message {
	c.t.Helper()
	m, err := c.next()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// collect reads event batches until it has seq `to`, checking order: every
// event is last+1, with no duplicate and no gap.
func (c *wsClient) collect(after, to uint64) []feed.Event {
	c.t.Helper()
	var out []feed.Event
	last := after
	for last < to {
		m := c.mustNext()
		if m.Type != feed.MsgEvents {
			c.t.Fatalf("got %s while collecting events", m.Type)
		}
		for _, ev := range m.Events {
			if ev.Seq != last+1 {
				c.t.Fatalf("event seq %d after %d: gap or duplicate", ev.Seq, last)
			}
			last = ev.Seq
			out = append(out, ev)
		}
	}
	return out
}

// closeCode reads until the connection ends and returns its close code.
func (c *wsClient) closeCode() (int, string) {
	c.t.Helper()
	for {
		_, err := c.next()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Text
			}
			return 0, err.Error()
		}
	}
}

func TestIngestThenStreamInOrder(t *testing.T) {
	s := hubtest.Start(t, nil)
	early := dial(t, s.WS, hubtest.ReadToken)
	early.hello("", 0)
	snap := early.mustNext()
	if snap.Type != feed.MsgSnapshot || snap.Seq != 0 || snap.Epoch != s.Hub.Epoch() {
		t.Fatalf("first message: %+v, want an empty snapshot at epoch %s", snap, s.Hub.Epoch())
	}
	const n, per = 1000, 100
	for i := 0; i < n; i += per {
		res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "ev", i, per))
		if res.Accepted != per || res.Duplicates != 0 || res.LastSeq-res.FirstSeq != per-1 || res.FirstSeq != uint64(i+1) {
			t.Fatalf("POST %d: %+v", i, res)
		}
	}
	got := early.collect(0, n)
	for i, ev := range got {
		if want := fmt.Sprintf("ev-%d", i); ev.ID != want {
			t.Fatalf("event %d is %s, want %s", i, ev.ID, want)
		}
	}

	// A late subscriber gets a snapshot at S, then everything after it.
	late := dial(t, s.WS, hubtest.ReadToken)
	late.hello("", 0)
	m := late.mustNext()
	if m.Type != feed.MsgSnapshot || m.Seq != n {
		t.Fatalf("late subscriber: %s at %d, want a snapshot at %d", m.Type, m.Seq, n)
	}
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "ev", n, 10))
	late.collect(n, n+10)
	early.collect(n, n+10)

	// The same ids again add nothing.
	res := hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "ev", 0, per))
	if res.Accepted != 0 || res.Duplicates != per || res.FirstSeq != 0 {
		t.Fatalf("re-POST: %+v, want 0 accepted, %d duplicates", res, per)
	}
	// A fresh id proves the log's head did not move.
	res = hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "fresh", 0, 1))
	if res.FirstSeq != n+11 {
		t.Fatalf("after duplicates the next seq is %d, want %d", res.FirstSeq, n+11)
	}
	snapBody := hubtest.Snapshot(t, s.URL)
	s.WaitSeq(t, n+11)
	if snapBody.Epoch != s.Hub.Epoch() {
		t.Fatalf("snapshot epoch %s, hub %s", snapBody.Epoch, s.Hub.Epoch())
	}
}

func TestIngestRefusals(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) {
		o.MaxBodyBytes = 64 << 10
		o.MaxEventsPerRequest = 50
	})
	good := hubtest.Events(s.Cfg, "ok", 0, 3)
	goodJSON, _ := json.Marshal(good)
	one := func(mod func(m map[string]any)) []byte {
		var m map[string]any
		b, _ := json.Marshal(good[0])
		_ = json.Unmarshal(b, &m)
		mod(m)
		out, _ := json.Marshal([]any{m})
		return out
	}
	data := func(kv ...any) func(m map[string]any) {
		return func(m map[string]any) {
			d := m["data"].(map[string]any)
			for i := 0; i < len(kv); i += 2 {
				d[kv[i].(string)] = kv[i+1]
			}
		}
	}
	set := func(k string, v any) func(m map[string]any) { return func(m map[string]any) { m[k] = v } }
	del := func(k string) func(m map[string]any) { return func(m map[string]any) { delete(m, k) } }
	shift := hubtest.Events(s.Cfg, "shift", 6, 1)[0] // a patrol.shift_report
	negative, _ := json.Marshal([]any{map[string]any{"id": "neg", "type": shift.Type, "at": shift.At, "district": shift.District, "data": map[string]any{"duty": "area", "officers": -4}}})
	mixed, _ := json.Marshal([]any{good[0], map[string]any{"id": "x"}, good[1]})
	// Shift reports naming night markets: nm-001 is Chuanhui's, nm-021
	// Huaiyang's, nm-999 is not in the campaign file.
	sites := func(district string, ids ...string) []byte {
		b, _ := json.Marshal([]any{map[string]any{"id": "sites", "type": shift.Type, "at": shift.At, "district": district, "grid": district + "-01",
			"data": map[string]any{"duty": "area", "officers": 6, "sites": ids}}})
		return b
	}
	big := make([]byte, 70<<10)
	for i := range big {
		big[i] = ' '
	}
	big[0] = '['
	big[len(big)-1] = ']'

	cases := []struct {
		name   string
		token  string
		ctype  string
		body   []byte
		code   int
		field  string // expected in the errors list, if any
		reason string // substring of the answer
	}{
		{"malformed JSON", hubtest.IngestToken, "application/json", []byte(`[{"id":"a",`), 400, "body", "malformed"},
		{"malformed NDJSON line", hubtest.IngestToken, "application/x-ndjson", []byte("{\"id\":\"a\"}\n{nope\n"), 400, "body", "line 2"},
		{"wrong content type", hubtest.IngestToken, "text/plain", goodJSON, 415, "", "Content-Type"},
		{"no content type", hubtest.IngestToken, "", goodJSON, 415, "", "Content-Type"},
		{"field of the wrong JSON type", hubtest.IngestToken, "application/json", one(data("priority", "high")), 400, "data.priority", "wrong type"},
		{"envelope field of the wrong JSON type", hubtest.IngestToken, "application/json", one(set("district", 7)), 400, "district", "wrong type"},
		{"missing id", hubtest.IngestToken, "application/json", one(del("id")), 400, "id", "missing"},
		{"missing type", hubtest.IngestToken, "application/json", one(del("type")), 400, "type", "missing"},
		{"missing at", hubtest.IngestToken, "application/json", one(del("at")), 400, "at", "missing"},
		{"bad timestamp", hubtest.IngestToken, "application/json", one(set("at", "2023-06-25 08:00")), 400, "at", "RFC 3339"},
		{"timestamp without zone", hubtest.IngestToken, "application/json", one(set("at", "2023-06-25T08:00:00")), 400, "at", "RFC 3339"},
		{"negative count", hubtest.IngestToken, "application/json", negative, 400, "data.officers", "negative"},
		{"unknown district", hubtest.IngestToken, "application/json", one(set("district", "atlantis")), 400, "district", "unknown district"},
		{"unknown site", hubtest.IngestToken, "application/json", sites("chuanhui", "nm-001", "nm-999"), 400, "data.sites[1]", "send only ids of the campaign config"},
		{"site of another district", hubtest.IngestToken, "application/json", sites("chuanhui", "nm-021"), 400, "data.sites[0]", `belongs to district \"huaiyang\"`},
		{"site listed twice", hubtest.IngestToken, "application/json", sites("chuanhui", "nm-001", "nm-001"), 400, "data.sites[1]", "list each site once"},
		{"unknown category", hubtest.IngestToken, "application/json", one(data("category", "ufo")), 400, "data.category", "unknown value"},
		{"missing data", hubtest.IngestToken, "application/json", one(del("data")), 400, "data", "missing"},
		{"one bad event refuses the batch", hubtest.IngestToken, "application/json", mixed, 400, "type", "nothing was stored"},
		{"non-UTF-8 body", hubtest.IngestToken, "application/json", []byte("[{\"id\":\"\xff\xfe\"}]"), 400, "body", "UTF-8"},
		{"empty body", hubtest.IngestToken, "application/json", nil, 400, "body", "empty"},
		{"not an array of objects", hubtest.IngestToken, "application/json", []byte(`[1,2]`), 400, "", "JSON object"},
		{"body over the limit", hubtest.IngestToken, "application/json", big, 413, "", "split the batch"},
		{"too many events", hubtest.IngestToken, "application/json", mustJSON(hubtest.Events(s.Cfg, "many", 0, 51)), 400, "body", "the limit is 50"},
		{"missing token", "", "application/json", goodJSON, 401, "", "ingest token"},
		{"wrong token", "nope", "application/json", goodJSON, 401, "", "ingest token"},
		{"read token cannot write", hubtest.ReadToken, "application/json", goodJSON, 401, "", "ingest token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body, err := hubtest.PostRaw(s.URL, tc.token, tc.ctype, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, body)
			}
			var eb hub.ErrorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("answer is not JSON: %s", body)
			}
			if !strings.Contains(string(body), tc.reason) {
				t.Errorf("answer %s does not mention %q", body, tc.reason)
			}
			if tc.field != "" {
				found := false
				for _, fe := range eb.Errors {
					found = found || fe.Field == tc.field
				}
				if !found {
					t.Errorf("errors %+v do not name field %q", eb.Errors, tc.field)
				}
			}
		})
	}
	// Nothing was stored: the first valid event gets seq 1.
	res := hubtest.Post(t, s.URL, good)
	if res.FirstSeq != 1 || res.Accepted != 3 {
		t.Fatalf("after refusals: %+v, want seqs from 1", res)
	}
	t.Run("sites of the district are accepted", func(t *testing.T) {
		code, body, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", sites("chuanhui", "nm-001", "nm-002"))
		if err != nil || code != http.StatusAccepted {
			t.Fatalf("status %d %s %v", code, body, err)
		}
	})

	t.Run("GET is refused", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("NDJSON and unknown types are accepted", func(t *testing.T) {
		evs := hubtest.Events(s.Cfg, "nd", 0, 2)
		evs[1].Type, evs[1].Data = "weather.report", json.RawMessage(`{"rain_mm":12}`)
		var b strings.Builder
		for _, ev := range evs {
			line, _ := json.Marshal(ev)
			b.Write(line)
			b.WriteByte('\n')
		}
		code, body, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/x-ndjson", []byte(b.String()))
		if err != nil || code != http.StatusAccepted {
			t.Fatalf("status %d %s %v", code, body, err)
		}
	})
	t.Run("snapshot needs the read token", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/v1/snapshot")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestSilentBoardMeetsTheHelloDeadline: a websocket that sends no hello is
// closed with 4502 once Options.HelloTimeout passes (docs/operations.md,
// "HTTP limits"), so a silent client cannot hold a connection.
func TestSilentBoardMeetsTheHelloDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	s := hubtest.Start(t, func(o *hub.Options) { o.HelloTimeout = deadline })
	start := time.Now()
	c := dial(t, s.WS, hubtest.ReadToken)
	code, reason := c.closeCode()
	if code != feed.CloseBadRequest || !strings.Contains(reason, "hello") {
		t.Fatalf("close %d %q, want %d saying a hello is due", code, reason, feed.CloseBadRequest)
	}
	if waited := time.Since(start); waited < deadline {
		t.Fatalf("closed after %v, before the %v hello deadline", waited, deadline)
	}
}

func TestStreamRefusals(t *testing.T) {
	s := hubtest.Start(t, nil)
	cases := []struct {
		name  string
		token string
		send  func(c *websocket.Conn) error
		code  int
	}{
		{"no token", "", func(c *websocket.Conn) error { return nil }, feed.CloseBadToken},
		{"wrong token", "nope", func(c *websocket.Conn) error { return nil }, feed.CloseBadToken},
		{"garbage frame", hubtest.ReadToken, func(c *websocket.Conn) error { return c.WriteMessage(websocket.TextMessage, []byte("\x00garbage")) }, feed.CloseBadRequest},
		{"binary frame", hubtest.ReadToken, func(c *websocket.Conn) error {
			return c.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"hello"}`))
		}, feed.CloseBadRequest},
		{"not a hello", hubtest.ReadToken, func(c *websocket.Conn) error { return c.WriteJSON(map[string]any{"type": "subscribe"}) }, feed.CloseBadRequest},
		{"malformed epoch", hubtest.ReadToken, func(c *websocket.Conn) error {
			return c.WriteJSON(feed.Hello{Type: feed.MsgHello, Epoch: "a b\n", LastSeq: 3})
		}, feed.CloseBadRequest},
		{"last_seq of the wrong type", hubtest.ReadToken, func(c *websocket.Conn) error {
			return c.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","last_seq":"ten"}`))
		}, feed.CloseBadRequest},
		{"garbage after the hello", hubtest.ReadToken, func(c *websocket.Conn) error {
			if err := c.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
				return err
			}
			return c.WriteMessage(websocket.TextMessage, []byte("nonsense"))
		}, feed.CloseBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s.WS, tc.token)
			if err := tc.send(c.conn); err != nil {
				t.Fatal(err)
			}
			code, reason := c.closeCode()
			if code != tc.code {
				t.Fatalf("close %d %q, want %d", code, reason, tc.code)
			}
			if reason == "" {
				t.Fatal("close without a reason")
			}
		})
	}
	t.Run("token in the query", func(t *testing.T) {
		c := dial(t, s.WS+"?token="+hubtest.ReadToken, "")
		c.hello("", 0)
		if m := c.mustNext(); m.Type != feed.MsgSnapshot {
			t.Fatalf("got %s", m.Type)
		}
	})
	t.Run("foreign origin", func(t *testing.T) {
		hdr := http.Header{"Origin": {"https://evil.example"}, "Authorization": {"Bearer " + hubtest.ReadToken}}
		_, resp, err := websocket.DefaultDialer.Dial(s.WS, hdr)
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("foreign origin allowed: %v", err)
		}
	})
}

func TestResume(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.RingSize = 64 })
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "r", 0, 100))
	s.WaitSeq(t, 100)
	epoch := s.Hub.Epoch()

	cases := []struct {
		name     string
		epoch    string
		last     uint64
		snapshot bool
	}{
		{"from the ring", epoch, 90, false},
		{"nothing missed", epoch, 100, false},
		{"older than the ring, from the log", epoch, 5, false},
		{"from the start of the log", epoch, 0, false},
		{"wrong epoch gets a snapshot", "0123456789abcdef", 50, true},
		{"no epoch gets a snapshot", "", 50, true},
		{"ahead of the hub gets a snapshot", epoch, 500, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s.WS, hubtest.ReadToken)
			c.hello(tc.epoch, tc.last)
			m := c.mustNext()
			if tc.snapshot {
				if m.Type != feed.MsgSnapshot || m.Seq != 100 || m.Epoch != epoch {
					t.Fatalf("got %s at %d, want a snapshot at 100", m.Type, m.Seq)
				}
				return
			}
			if m.Type != feed.MsgEvents || !m.Recovered {
				t.Fatalf("got %s recovered=%v, want recovered events", m.Type, m.Recovered)
			}
			evs := m.Events
			last := tc.last
			for _, ev := range evs {
				if ev.Seq != last+1 {
					t.Fatalf("seq %d after %d", ev.Seq, last)
				}
				last = ev.Seq
			}
			if last < 100 {
				evs = append(evs, c.collect(last, 100)...)
			}
			if len(evs) != int(100-tc.last) {
				t.Fatalf("got %d missed events, want %d", len(evs), 100-tc.last)
			}
		})
	}
	t.Run("live events follow a resume", func(t *testing.T) {
		c := dial(t, s.WS, hubtest.ReadToken)
		c.hello(epoch, 95)
		c.collect(95, 100)
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "live", 0, 3))
		c.collect(100, 103)
	})
}
