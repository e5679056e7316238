package hub_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestIngestRefusesImpossibleTimes: an event dated more than the allowed
// skew past the hub's clock, or after the campaign's end, is refused with
// a 400 on its "at" that says why and what to do, and never moves the
// state's clock; what a replay sends (2023 events into a hub whose clock
// says 2026), an event a few minutes fast, one before the campaign, and an
// acknowledgement dated after the campaign are taken.
func TestIngestRefusesImpossibleTimes(t *testing.T) {
	cfg := hubtest.Campaign(t)
	inCampaign := cfg.Start().Add(40*24*time.Hour + 10*time.Hour)
	end := cfg.Start().AddDate(0, 0, cfg.Days())
	replayHub := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ev := func(at time.Time) feed.Event {
		e := hubtest.Events(cfg, "t-"+at.Format("20060102T150405"), 0, 1)[0]
		e.At = at
		return e
	}
	ack := func(at time.Time) feed.Event {
		data, _ := json.Marshal(feed.AlertAcknowledged{AlertID: "some-alert", By: "调度台"})
		return feed.Event{ID: "dispatch-ack-" + at.Format("20060102"), Type: feed.TypeAlertAcknowledged, At: at, District: "chuanhui", Data: data}
	}
	for _, c := range []struct {
		name string
		now  time.Time
		skew time.Duration
		ev   feed.Event
		want string // "" is a 202
	}{
		{"a 2023 event into a 2026 hub (replay)", replayHub, 0, ev(inCampaign), ""},
		{"five minutes fast", inCampaign, 0, ev(inCampaign.Add(5 * time.Minute)), ""},
		{"an hour fast", inCampaign, 0, ev(inCampaign.Add(time.Hour)), "1h0m0s past the hub's clock"},
		{"an hour fast, with --max-clock-skew 2h", inCampaign, 2 * time.Hour, ev(inCampaign.Add(time.Hour)), ""},
		{"dated 2099", replayHub, 0, ev(time.Date(2099, 1, 1, 0, 0, 0, 0, cfg.Location())), "--max-clock-skew"},
		{"dated 2099, no skew limit", replayHub, -1, ev(time.Date(2099, 1, 1, 0, 0, 0, 0, cfg.Location())), "after the campaign's end"},
		{"at the campaign's end", replayHub, 0, ev(end), "after the campaign's end"},
		{"the campaign's last second", replayHub, 0, ev(end.Add(-time.Second)), ""},
		{"before the campaign", replayHub, 0, ev(cfg.Start().Add(-24 * time.Hour)), ""},
		{"an acknowledgement after the campaign", replayHub, 0, ack(end.AddDate(1, 0, 0)), ""},
		{"an acknowledgement from the future", replayHub, 0, ack(replayHub.AddDate(0, 1, 0)), "past the hub's clock"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := hubtest.Start(t, func(o *hub.Options) { o.Now, o.MaxClockSkew = func() time.Time { return c.now }, c.skew })
			first := hubtest.Post(t, s.URL, []feed.Event{ev(inCampaign.Add(-time.Hour))})
			s.WaitSeq(t, first.LastSeq)
			body, _ := json.Marshal([]feed.Event{c.ev})
			code, b, err := hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if code != http.StatusAccepted {
					t.Fatalf("%d %s, want 202", code, b)
				}
				return
			}
			var eb hub.ErrorBody
			_ = json.Unmarshal(b, &eb)
			if code != http.StatusBadRequest || len(eb.Errors) != 1 || eb.Errors[0].Field != "at" || !strings.Contains(eb.Errors[0].Reason, c.want) || !strings.Contains(eb.Errors[0].Reason, "check the") {
				t.Fatalf("%d %s, want a 400 on \"at\" saying %q and what to check", code, b, c.want)
			}
			// Nothing stored, so the clock is the first event's: the next
			// event takes the next seq.
			next := hubtest.Post(t, s.URL, []feed.Event{ev(inCampaign.Add(-30 * time.Minute))})
			s.WaitSeq(t, next.LastSeq)
			if _, seq, st := s.Hub.Snapshot(); seq != 2 || !st.LastAt.Equal(inCampaign.Add(-30*time.Minute)) {
				t.Fatalf("after the refusal: seq %d, clock %v; want seq 2 and the clock of the events taken", seq, st.LastAt)
			}
		})
	}
}
