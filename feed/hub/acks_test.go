package hub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// ackHub runs a hub whose clock says hubNow, with homicide alerts raised
// by the given ids (2023 campaign times, 10 minutes apart from 08:00 on
// day 3), and returns it with the alerts' times.
func ackHub(t *testing.T, hubNow time.Time, ids ...string) (*hubtest.Server, map[string]time.Time) {
	t.Helper()
	s := hubtest.Start(t, func(o *hub.Options) { o.Now = func() time.Time { return hubNow } })
	at := map[string]time.Time{}
	var evs []feed.Event
	for i, id := range ids {
		when := s.Cfg.Start().Add(2*24*time.Hour + 8*time.Hour + time.Duration(i)*10*time.Minute)
		at[id] = when
		evs = append(evs, hubtest.Homicide(id, "chuanhui", when))
	}
	res := hubtest.Post(t, s.URL, evs)
	s.WaitSeq(t, res.LastSeq)
	return s, at
}

func ackBody(t *testing.T, by string, at time.Time, ids ...string) []byte {
	t.Helper()
	b, err := json.Marshal(feed.AckRequest{Alerts: ids, By: by, At: at})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func postAcks(t *testing.T, s *hubtest.Server, body []byte) feed.AckResponse {
	t.Helper()
	code, b, err := hubtest.PostAcks(s.URL, hubtest.ReadToken, body)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusOK {
		t.Fatalf("POST /v1/acks: %d %s", code, b)
	}
	var res feed.AckResponse
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// ackEvents are the alert.acknowledged events the hub's log holds.
func ackEvents(t *testing.T, s *hubtest.Server) []feed.Event {
	t.Helper()
	var out []feed.Event
	for _, ev := range readLog(t, s) {
		if ev.Type == feed.TypeAlertAcknowledged {
			out = append(out, ev)
		}
	}
	return out
}

// TestAckStoresOneEventForConcurrentAcks: two boards acknowledging the
// same alert at once store one alert.acknowledged; the hub's state then
// shows the alert acknowledged by one of them, and both answers agree.
func TestAckStoresOneEventForConcurrentAcks(t *testing.T) {
	hubNow := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s, at := ackHub(t, hubNow, "hom-1")
	boardAt := at["hom-1"].Add(7 * time.Minute)
	var wg sync.WaitGroup
	answers := make([]feed.AckResponse, 2)
	for i, by := range []string{"川汇值班台", "市局指挥中心"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, b, err := hubtest.PostAcks(s.URL, hubtest.ReadToken, ackBody(t, by, boardAt, "hom-1"))
			if err != nil || code != http.StatusOK {
				t.Errorf("board %d: %d %s %v", i, code, b, err)
				return
			}
			_ = json.Unmarshal(b, &answers[i])
		}()
	}
	wg.Wait()
	stored := 0
	for _, a := range answers {
		if len(a.Alerts) != 1 {
			t.Fatalf("answer %+v", a)
		}
		switch a.Alerts[0].Status {
		case feed.AckStored:
			stored++
		case feed.AckAlready:
		default:
			t.Errorf("status %q", a.Alerts[0].Status)
		}
	}
	if stored != 1 {
		t.Errorf("%d answers say stored, want exactly 1: %+v", stored, answers)
	}
	s.WaitSeq(t, 2)
	acks := ackEvents(t, s)
	if len(acks) != 1 {
		t.Fatalf("the log holds %d acks, want 1: %+v", len(acks), acks)
	}
	if ev := acks[0]; ev.ID != "ack-hom-1" || ev.District != "chuanhui" || !ev.At.Equal(boardAt) {
		t.Errorf("stored %+v, want id ack-hom-1, district chuanhui, at the board's %v", ev, boardAt)
	}
	_, _, st := s.Hub.Snapshot()
	if a := st.Alerts[0]; !a.Acked() || a.AckedAt.Sub(a.At) != 7*time.Minute {
		t.Errorf("hub state: %+v, want acked 7 minutes after", a)
	}
	// Once folded, another ack is answered with who acknowledged, and not stored.
	res := postAcks(t, s, ackBody(t, "late", boardAt.Add(time.Hour), "hom-1"))
	if o := res.Alerts[0]; o.Status != feed.AckAlready || o.By == "" || o.By == "late" || !o.At.Equal(boardAt) {
		t.Errorf("a second ack: %+v, want already acknowledged by the first board at %v", o, boardAt)
	}
	if n := len(ackEvents(t, s)); n != 1 {
		t.Errorf("after a repeated ack the log holds %d acks", n)
	}
}

// TestAckUnknownAndMixed: an id the hub has no active alert for is
// answered unknown, and does not stop the others.
func TestAckUnknownAndMixed(t *testing.T) {
	s, at := ackHub(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "hom-1", "hom-2")
	res := postAcks(t, s, ackBody(t, "川汇值班台", at["hom-2"], "nope", "hom-1", "hom-2", "hom-1"))
	got := []string{}
	for _, o := range res.Alerts {
		got = append(got, o.AlertID+"="+o.Status)
	}
	if want := "nope=unknown hom-1=acknowledged hom-2=acknowledged"; strings.Join(got, " ") != want {
		t.Errorf("outcomes %q, want %q", strings.Join(got, " "), want)
	}
	if res.Alerts[1].Seq == 0 {
		t.Errorf("a stored ack without its seq: %+v", res.Alerts[1])
	}
	s.WaitSeq(t, 4)
	if n := len(ackEvents(t, s)); n != 2 {
		t.Errorf("the log holds %d acks, want 2", n)
	}
}

// TestAckTimeIsClamped: the board's time is kept within the alert's time
// and the later of the hub's clock and the newest event.
func TestAckTimeIsClamped(t *testing.T) {
	hubNow := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s, at := ackHub(t, hubNow, "hom-1", "hom-2", "hom-3", "hom-4")
	cases := []struct {
		id    string
		board time.Time
		want  time.Time
	}{
		{"hom-1", at["hom-1"].Add(5 * time.Minute), at["hom-1"].Add(5 * time.Minute)}, // a replay's clock: kept
		{"hom-2", at["hom-2"].Add(-time.Hour), at["hom-2"]},                           // before the alert
		{"hom-3", hubNow.Add(24 * time.Hour), hubNow},                                 // in the future
		{"hom-4", time.Time{}, hubNow},                                                // no time sent
	}
	for _, c := range cases {
		res := postAcks(t, s, ackBody(t, "x", c.board, c.id))
		if o := res.Alerts[0]; o.Status != feed.AckStored || !o.At.Equal(c.want) {
			t.Errorf("%s sent at %v: %+v, want stored at %v", c.id, c.board, o, c.want)
		}
	}
	s.WaitSeq(t, 8)
	for _, ev := range ackEvents(t, s) {
		p, _ := feed.Decode[feed.AlertAcknowledged](ev)
		for _, c := range cases {
			if c.id == p.AlertID && !ev.At.Equal(c.want) {
				t.Errorf("%s stored at %v, want %v", c.id, ev.At, c.want)
			}
		}
	}
	// An ack in hub time does not move the state's day (the demo replays 2023).
	if _, _, st := s.Hub.Snapshot(); !st.LastAt.Equal(at["hom-4"]) {
		t.Errorf("the state's clock moved to %v", st.LastAt)
	}
}

// TestAckRefusals: a wrong token, a bad body and an oversize body are
// refused with what to send, and store nothing.
func TestAckRefusals(t *testing.T) {
	s, _ := ackHub(t, time.Now(), "hom-1")
	ids := make([]string, feed.MaxAcksPerRequest+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("a%d", i)
	}
	good := ackBody(t, "x", time.Time{}, "hom-1")
	cases := []struct {
		name  string
		token string
		body  []byte
		code  int
		words string
	}{
		{"no token", "", good, http.StatusUnauthorized, "read token"},
		{"wrong token", "nope", good, http.StatusUnauthorized, "read token"},
		{"ingest token", hubtest.IngestToken, good, http.StatusUnauthorized, "read token"},
		{"not JSON", hubtest.ReadToken, []byte("hom-1"), http.StatusBadRequest, `send {"alerts"`},
		{"no ids", hubtest.ReadToken, []byte(`{"alerts":[],"by":"x"}`), http.StatusBadRequest, "no alert ids"},
		{"no by", hubtest.ReadToken, []byte(`{"alerts":["hom-1"]}`), http.StatusBadRequest, `"by" is missing`},
		{"by too long", hubtest.ReadToken, ackBody(t, strings.Repeat("值", 65), time.Time{}, "hom-1"), http.StatusBadRequest, "longer than 64"},
		{"by with an escape", hubtest.ReadToken, []byte(`{"alerts":["hom-1"],"by":"x\u001b[2J"}`), http.StatusBadRequest, "U+001B"},
		{"id with a space", hubtest.ReadToken, []byte(`{"alerts":["hom 1"],"by":"x"}`), http.StatusBadRequest, "alerts[0]"},
		{"too many ids", hubtest.ReadToken, ackBody(t, "x", time.Time{}, ids...), http.StatusBadRequest, "more than 64"},
		{"oversize", hubtest.ReadToken, []byte(`{"alerts":["hom-1"],"by":"` + strings.Repeat("x", feed.MaxAckBodyBytes) + `"}`), http.StatusRequestEntityTooLarge, "larger than"},
	}
	for _, c := range cases {
		code, b, err := hubtest.PostAcks(s.URL, c.token, c.body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var eb hub.ErrorBody
		_ = json.Unmarshal(b, &eb)
		if code != c.code || !strings.Contains(eb.Error, c.words) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, code, b, c.code, c.words)
		}
	}
	if n := len(ackEvents(t, s)); n != 0 {
		t.Errorf("refused requests stored %d acks", n)
	}
}

// readLog reads the whole log through the stream: a resume from seq 0 of
// the hub's epoch replays every event.
func readLog(t *testing.T, s *hubtest.Server) []feed.Event {
	t.Helper()
	head := s.Hub.Seq()
	if head == 0 {
		return nil
	}
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello(s.Hub.Epoch(), 0)
	evs := c.collect(0, head)
	c.conn.Close()
	return evs
}

// BenchmarkAck is one board's POST /v1/acks of one alert, stored with the
// file store and --sync always (the default): from the request to the
// answer, the alert looked up, its event fsynced. Fresh alerts are raised
// off the clock, 16 at a time (the state holds MaxAlerts).
func BenchmarkAck(b *testing.B) {
	s := hubtest.Start(b, func(o *hub.Options) { o.DataDir = b.TempDir() })
	at := s.Cfg.Start().Add(30 * time.Hour)
	var pending []string
	n := 0
	for b.Loop() {
		if len(pending) == 0 {
			b.StopTimer()
			var evs []feed.Event
			for range campaign.MaxAlerts {
				n++
				id := fmt.Sprintf("hom-%d", n)
				evs = append(evs, hubtest.Homicide(id, "chuanhui", at.Add(time.Duration(n)*time.Second)))
				pending = append(pending, id)
			}
			res := hubtest.Post(b, s.URL, evs)
			s.WaitSeq(b, res.LastSeq)
			b.StartTimer()
		}
		body, _ := json.Marshal(feed.AckRequest{Alerts: pending[:1], By: "bench", At: at})
		pending = pending[1:]
		code, out, err := hubtest.PostAcks(s.URL, hubtest.ReadToken, body)
		if err != nil || code != http.StatusOK || !strings.Contains(string(out), `"acknowledged"`) {
			b.Fatalf("%d %s %v", code, out, err)
		}
	}
}

// TestAckTimeIsStoredInTheCampaignZone: Go reads an RFC 3339 offset of
// 24 hours or more, which no event may carry (the hub's ingest refuses it,
// and time.Time cannot even write it back). A board's time so written is
// stored in the campaign's zone, as an event the hub itself would take,
// instead of failing to store with a 503 that blames the log.
func TestAckTimeIsStoredInTheCampaignZone(t *testing.T) {
	s, at := ackHub(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "hom-1")
	want := at["hom-1"].Add(5 * time.Minute)
	odd := want.In(time.FixedZone("", 24*3600+30*60)).Format(time.RFC3339)
	if !strings.Contains(odd, "+24:30") {
		t.Fatalf("test set-up: %s has no +24:30 offset", odd)
	}
	res := postAcks(t, s, []byte(`{"alerts":["hom-1"],"by":"x","at":"`+odd+`"}`))
	if o := res.Alerts[0]; o.Status != feed.AckStored || !o.At.Equal(want) {
		t.Fatalf("sent at %s: %+v, want stored at %v", odd, o, want)
	}
	s.WaitSeq(t, 2)
	evs := ackEvents(t, s)
	if len(evs) != 1 {
		t.Fatalf("%d acks in the log, want 1", len(evs))
	}
	line, err := json.Marshal(evs[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, errs, err := feed.DecodeBatch(line, 1); err != nil || len(errs) > 0 {
		t.Errorf("the stored ack %s is one the hub's ingest refuses: %v %v", line, err, errs)
	}
	_, off := evs[0].At.Zone()
	if _, wantOff := want.In(s.Cfg.Location()).Zone(); !evs[0].At.Equal(want) || off != wantOff {
		t.Errorf("stored at %v, want %v in the campaign's zone", evs[0].At, want)
	}
}

// TestPublicReadTakesNoAcks: --public-read promises a feed anyone may
// read, not one anyone may write to. An acknowledgement steadies an alert
// on every wall, so a hub without a read token refuses them, with what to
// do, and stores nothing.
func TestPublicReadTakesNoAcks(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.ReadToken, o.PublicRead = "", true })
	at := s.Cfg.Start().Add(2*24*time.Hour + 8*time.Hour)
	res := hubtest.Post(t, s.URL, []feed.Event{hubtest.Homicide("hom-1", "chuanhui", at)})
	s.WaitSeq(t, res.LastSeq)
	code, body, err := hubtest.PostAcks(s.URL, "", ackBody(t, "anyone", at, "hom-1"))
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusForbidden || !strings.Contains(string(body), "--read-token") {
		t.Errorf("an ack without a token on a public hub: %d %s, want 403 naming --read-token", code, body)
	}
	if _, _, st := s.Hub.Snapshot(); st.Seq != res.LastSeq || st.Alerts[0].Acked() {
		t.Errorf("the refused ack changed the state: seq %d, alert %+v", st.Seq, st.Alerts[0])
	}
}
