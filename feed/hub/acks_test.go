package hub_test

import (
	"bytes"
	"context"
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
	"sitboard/feed/replay"
)

// ackHub runs a hub whose clock says hubNow, with homicide alerts raised
// by the given ids (2023 campaign times, 10 minutes apart from 08:00 on
// day 3), and returns it with the alerts' times.
func ackHub(t *testing.T, hubNow time.Time, ids ...string) (*hubtest.Server, map[string]time.Time) {
	t.Helper()
	return ackHubIn(t, "", hubNow, ids...)
}

// ackHubIn is ackHub with its log in dataDir (a file store), or in memory.
func ackHubIn(t *testing.T, dataDir string, hubNow time.Time, ids ...string) (*hubtest.Server, map[string]time.Time) {
	t.Helper()
	s := hubtest.Start(t, func(o *hub.Options) { o.Now, o.DataDir = func() time.Time { return hubNow }, dataDir })
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
	var winner, loser feed.AckOutcome
	for _, a := range answers {
		if len(a.Alerts) != 1 {
			t.Fatalf("answer %+v", a)
		}
		switch a.Alerts[0].Status {
		case feed.AckStored:
			stored++
			winner = a.Alerts[0]
		case feed.AckAlready:
			loser = a.Alerts[0]
		default:
			t.Errorf("status %q", a.Alerts[0].Status)
		}
	}
	if stored != 1 {
		t.Errorf("%d answers say stored, want exactly 1: %+v", stored, answers)
	}
	// The other board is told whose acknowledgement stands, and when.
	if loser.By != winner.By || !loser.At.Equal(winner.At) {
		t.Errorf("the second board was told %+v, want the first's by and at: %+v", loser, winner)
	}
	s.WaitSeq(t, 2)
	acks := ackEvents(t, s)
	if len(acks) != 1 {
		t.Fatalf("the log holds %d acks, want 1: %+v", len(acks), acks)
	}
	if ev := acks[0]; ev.ID != "hub:ack:1:hom-1" || ev.District != "chuanhui" || !ev.At.Equal(boardAt) {
		t.Errorf("stored %+v, want id hub:ack:1:hom-1 (the alert's seq and id), district chuanhui, at the board's %v", ev, boardAt)
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

// TestAckFindsItsIDTaken: an acknowledgement whose id the log already
// holds still ends with the board knowing where the alert stands: when a
// board's ack of the alert holds it (not yet folded here), the answer is
// already_acknowledged with that board's name and time; when an event that
// is no acknowledgement holds it (written behind the hub's back), the ack
// is stored under another id and the alert ends acknowledged.
func TestAckFindsItsIDTaken(t *testing.T) {
	hubNow := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	t.Run("by another board's ack", func(t *testing.T) {
		s, at := ackHub(t, hubNow, "hom-1")
		hub.BlockReader(s.Hub, true) // the first ack is stored, not folded
		first := postAcks(t, s, ackBody(t, "川汇值班台", at["hom-1"].Add(4*time.Minute), "hom-1")).Alerts[0]
		second := postAcks(t, s, ackBody(t, "市局指挥中心", at["hom-1"].Add(9*time.Minute), "hom-1")).Alerts[0]
		hub.BlockReader(s.Hub, false)
		if first.Status != feed.AckStored {
			t.Fatalf("the first ack: %+v", first)
		}
		if second.Status != feed.AckAlready || second.By != "川汇值班台" || !second.At.Equal(first.At) || second.Seq != first.Seq {
			t.Fatalf("the second board was told %+v, want already acknowledged by 川汇值班台 at %v (seq %d)", second, first.At, first.Seq)
		}
	})
	for _, store := range []string{"memory", "file"} {
		t.Run("by an event that is no acknowledgement/"+store, func(t *testing.T) {
			takenByOther(t, store, hubNow)
		})
	}
}

// takenByOther: an event that is no acknowledgement holds the id of the
// ack of hom-1 (written behind the hub's back); the board's ack is stored
// under the fallback id and stands. With a file store the hub's id set
// knows the holder, not its seq (it may be gone from the log).
func takenByOther(t *testing.T, store string, hubNow time.Time) {
	dir := ""
	if store == "file" {
		dir = t.TempDir()
	}
	s, at := ackHubIn(t, dir, hubNow, "hom-1")
	squatter := hubtest.Events(s.Cfg, "squat", 0, 1)[0]
	squatter.ID = feed.AckEventID("hom-1", 1)
	seq, err := hub.PublishBehindHub(s.Hub, squatter)
	if err != nil {
		t.Fatal(err)
	}
	s.WaitSeq(t, seq)
	o := postAcks(t, s, ackBody(t, "川汇值班台", at["hom-1"].Add(4*time.Minute), "hom-1")).Alerts[0]
	if o.Status != feed.AckStored || o.Seq <= seq {
		t.Fatalf("the ack: %+v, want it stored after seq %d", o, seq)
	}
	s.WaitSeq(t, o.Seq)
	_, _, st := s.Hub.Snapshot()
	if a := st.Alerts[0]; a.AckedBy != "川汇值班台" {
		t.Fatalf("the alert %+v is not acknowledged by the board", a)
	}
	acks := ackEvents(t, s)
	want := map[string]string{"memory": feed.AckFallbackID(squatter.ID, seq), "file": feed.AckFallbackID(squatter.ID, 0)}[store]
	if len(acks) != 1 || acks[0].ID != want {
		t.Fatalf("acks in the log %+v, want one under %s", acks, want)
	}
}

// TestIngestRefusesTheHubsIDs: an event id in the hub's own namespace is
// refused at ingest with a 400 that names the prefix and what to do, so
// no publisher can take the id of an acknowledgement; an id like the ones
// older hubs wrote (ack-<alert id>) is an ordinary id.
func TestIngestRefusesTheHubsIDs(t *testing.T) {
	s, at := ackHub(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "hom-1", "hom-2")
	data, _ := json.Marshal(feed.AlertAcknowledged{AlertID: "hom-1", By: "调度台"})
	ack := feed.Event{ID: feed.AckEventID("hom-1", 1), Type: feed.TypeAlertAcknowledged, At: at["hom-1"].Add(time.Minute), District: "chuanhui", Data: data}
	body, _ := json.Marshal([]feed.Event{ack})
	code, b, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
	var eb hub.ErrorBody
	_ = json.Unmarshal(b, &eb)
	if err != nil || code != http.StatusBadRequest || len(eb.Errors) != 1 || eb.Errors[0].Field != "id" ||
		!strings.Contains(eb.Errors[0].Reason, `prefix "hub:" is reserved`) || !strings.Contains(eb.Errors[0].Reason, "dispatch-ack-") {
		t.Fatalf("an id in the hub's namespace: %d %s %v, want a 400 naming the reserved prefix and what to do", code, b, err)
	}
	ack.ID = "ack-hom-1"
	res := hubtest.Post(t, s.URL, []feed.Event{ack})
	s.WaitSeq(t, res.LastSeq)
	// A board's ack is answered with the integrator's, which stands.
	if o := postAcks(t, s, ackBody(t, "川汇值班台", time.Time{}, "hom-1")).Alerts[0]; o.Status != feed.AckAlready || o.By != "调度台" {
		t.Fatalf("after an integrator's ack-hom-1: %+v, want already acknowledged by 调度台", o)
	}
	// protocol.md's example copied with the wrong district: the fold
	// ignores it, and it takes no id the hub needs, so a board's ack of
	// the alert is stored and stands (it was once answered
	// already_acknowledged, and the alert stayed unacknowledged).
	data, _ = json.Marshal(feed.AlertAcknowledged{AlertID: "hom-2", By: "调度台"})
	wrong := feed.Event{ID: "ack-hom-2", Type: feed.TypeAlertAcknowledged, At: at["hom-2"].Add(time.Minute), District: "xihua", Data: data}
	res = hubtest.Post(t, s.URL, []feed.Event{wrong})
	s.WaitSeq(t, res.LastSeq)
	o := postAcks(t, s, ackBody(t, "川汇值班台", time.Time{}, "hom-2")).Alerts[0]
	if o.Status != feed.AckStored {
		t.Fatalf("after a wrong-district ack-hom-2: %+v, want the board's ack stored", o)
	}
	s.WaitSeq(t, o.Seq)
	_, _, st := s.Hub.Snapshot()
	for _, a := range st.Alerts {
		if a.ID == "hom-2" && a.AckedBy != "川汇值班台" {
			t.Fatalf("hom-2 in the state: %+v, want acknowledged by the board", a)
		}
	}
}

// TestRecordedAcksReplayIntoAnotherHub: a log with a board's
// acknowledgement (under the hub's own id), recorded and replayed into
// another hub, is taken whole: replay sends the hub's ids under rec:, and
// the alert is acknowledged there by the same board at the same time.
func TestRecordedAcksReplayIntoAnotherHub(t *testing.T) {
	a, at := ackHub(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "hom-1")
	o := postAcks(t, a, ackBody(t, "川汇值班台", at["hom-1"].Add(6*time.Minute), "hom-1")).Alerts[0]
	a.WaitSeq(t, o.Seq)
	var recording bytes.Buffer
	for _, ev := range readLog(t, a) {
		b, _ := json.Marshal(ev)
		recording.Write(append(b, '\n'))
	}
	b := hubtest.Start(t, nil)
	if err := replay.Run(context.Background(), replay.Options{URL: b.URL, Token: hubtest.IngestToken, MaxAttempts: 1}, &recording); err != nil {
		t.Fatalf("replaying a recording with the hub's own acknowledgement: %v", err)
	}
	b.WaitSeq(t, o.Seq)
	_, _, st := b.Hub.Snapshot()
	if al := st.Alerts[0]; al.AckedBy != "川汇值班台" || !al.AckedAt.Equal(o.At) {
		t.Fatalf("the replayed alert: %+v, want acknowledged by 川汇值班台 at %v", al, o.At)
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

// TestAckOfASolvedAlert: a homicide solved before anyone acknowledged it
// stands on every board until someone does; its acknowledgement is stored
// like any other, and finishes the alert in the hub's state.
func TestAckOfASolvedAlert(t *testing.T) {
	s, at := ackHub(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "hom-1")
	solved := feed.Event{ID: "solve-1", Type: feed.TypeCaseSolved, At: at["hom-1"].Add(3 * time.Minute), District: "chuanhui",
		Data: json.RawMessage(`{"case_id":"case-hom-1","category":"homicide","kind":"criminal"}`)}
	s.WaitSeq(t, hubtest.Post(t, s.URL, []feed.Event{solved}).LastSeq)
	res := postAcks(t, s, ackBody(t, "川汇值班台", at["hom-1"].Add(5*time.Minute), "hom-1"))
	if o := res.Alerts[0]; o.Status != feed.AckStored {
		t.Fatalf("the ack of a solved alert: %+v, want %s", o, feed.AckStored)
	}
	s.WaitSeq(t, res.Alerts[0].Seq)
	_, _, st := s.Hub.Snapshot()
	a, standing, ok := st.AlertByID("hom-1")
	if !ok || standing || !a.Finished() || a.AckedBy != "川汇值班台" || !a.ClearedAt.Equal(solved.At) {
		t.Errorf("the alert after its ack: %+v (standing %v): want finished, acknowledged by 川汇值班台, solved at %v", a, standing, solved.At)
	}
	if again := postAcks(t, s, ackBody(t, "市局", time.Time{}, "hom-1")); again.Alerts[0].Status != feed.AckAlready || again.Alerts[0].By != "川汇值班台" {
		t.Errorf("a second ack of the finished alert: %+v, want already acknowledged by 川汇值班台", again.Alerts[0])
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

// TestAckNeverBeforeTheAlertWasFolded: an alert whose event arrived late
// (dated three hours before the newest event folded) reached the boards
// only when it was folded, so an acknowledgement from a board whose clock
// says earlier is stored at the fold's time, not the alert's own.
func TestAckNeverBeforeTheAlertWasFolded(t *testing.T) {
	hubNow := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s := hubtest.Start(t, func(o *hub.Options) { o.Now = func() time.Time { return hubNow } })
	alertAt := s.Cfg.Start().Add(2*24*time.Hour + 8*time.Hour)
	newest := hubtest.Events(s.Cfg, "clock", 0, 1)[0]
	newest.At = alertAt.Add(3 * time.Hour)
	hubtest.Post(t, s.URL, []feed.Event{newest})
	seq := hubtest.Post(t, s.URL, []feed.Event{hubtest.Homicide("late-hom", "chuanhui", alertAt)}).LastSeq
	s.WaitSeq(t, seq)
	o := postAcks(t, s, ackBody(t, "川汇值班台", alertAt.Add(10*time.Minute), "late-hom")).Alerts[0]
	if o.Status != feed.AckStored || !o.At.Equal(newest.At) {
		t.Fatalf("the ack of a late alert, sent at %v: %+v, want stored at %v, when the hub folded the alert", alertAt.Add(10*time.Minute), o, newest.At)
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
// off the clock, MaxAlerts at a time (the standing alerts the state holds).
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
