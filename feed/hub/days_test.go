package hub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// daySnapshot fetches GET /v1/snapshot?day=…, returning the status and body.
func daySnapshot(t *testing.T, url, day, token string) (int, hub.SnapshotBody, string) {
	t.Helper()
	code, _, body := getWithToken(t, url+"/v1/snapshot?day="+day, token)
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("day=%s: %v", day, err)
	}
	var sb hub.SnapshotBody
	if code == http.StatusOK {
		if err := json.Unmarshal(raw, &sb); err != nil {
			t.Fatal(err)
		}
	}
	return code, sb, string(raw)
}

// TestSnapshotOfADay: the state at the end of day N is the fold of the
// log's events up to the first one dated after day N, for every day,
// including a day without events and with an event that arrives late.
func TestSnapshotOfADay(t *testing.T) {
	s := hubtest.Start(t, nil)
	cfg := s.Cfg
	// Six events a day on days 1-3 and 5-6 (day 4 has none), then a late
	// event dated day 2 that arrives on day 6.
	evs := hubtest.Events(cfg, "day", 0, 31)
	i := 0
	for _, day := range []int{1, 2, 3, 5, 6} {
		for k := 0; k < 6; k++ {
			evs[i].At = cfg.Start().Add(time.Duration(day-1)*24*time.Hour + time.Duration(8+2*k)*time.Hour)
			i++
		}
	}
	evs[30].Type, evs[30].Data = feed.TypeAlarmReceived, json.RawMessage(`{"alarm_id":"late-1","category":"criminal","priority":1}`)
	evs[30].At = cfg.Start().Add(24*time.Hour + 23*time.Hour)
	// Post day by day, so the hub folds in several batches.
	for from := 0; from < len(evs); from += 6 {
		hubtest.Post(t, s.URL, evs[from:min(from+6, len(evs))])
	}
	s.WaitSeq(t, uint64(len(evs)))

	foldUntilAfter := func(day int) []byte {
		st := campaign.NewState(cfg)
		for i, ev := range evs {
			if cfg.Day(ev.At) > day {
				break
			}
			ev.Seq = uint64(i + 1)
			campaign.Apply(cfg, st, ev)
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for day := 1; day <= 6; day++ {
		t.Run(fmt.Sprintf("day %d", day), func(t *testing.T) {
			code, sb, raw := daySnapshot(t, s.URL, fmt.Sprint(day), hubtest.ReadToken)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, raw)
			}
			if sb.Day != day || sb.Today != (day == 6) {
				t.Errorf("day %d today %v, want %d %v", sb.Day, sb.Today, day, day == 6)
			}
			want := foldUntilAfter(day)
			if string(sb.State) != string(want) {
				t.Errorf("state differs from folding the events up to the end of day %d:\n got %.300s\nwant %.300s", day, sb.State, want)
			}
			var st campaign.State
			if err := json.Unmarshal(sb.State, &st); err != nil {
				t.Fatal(err)
			}
			if sb.Seq != st.Seq {
				t.Errorf("body seq %d, state seq %d", sb.Seq, st.Seq)
			}
		})
	}
	t.Run("the late event is in the live state, not in its day's end", func(t *testing.T) {
		_, d2, _ := daySnapshot(t, s.URL, "2", hubtest.ReadToken)
		live := hubtest.Snapshot(t, s.URL)
		var st2, stLive campaign.State
		_ = json.Unmarshal(d2.State, &st2)
		_ = json.Unmarshal(live.State, &stLive)
		if st2.Seq != 12 || stLive.Seq != 31 {
			t.Errorf("day 2 seq %d (want 12), live seq %d (want 31)", st2.Seq, stLive.Seq)
		}
		if stLive.Days[1] == st2.Days[1] {
			t.Errorf("the late day-2 event changed nothing in the live day-2 counts: %+v", stLive.Days[1])
		}
	})
	refusals := []struct {
		day, token string
		code       int
	}{
		{"7", hubtest.ReadToken, http.StatusNotFound},
		{"0", hubtest.ReadToken, http.StatusBadRequest},
		{fmt.Sprint(cfg.Days() + 1), hubtest.ReadToken, http.StatusBadRequest},
		{"last", hubtest.ReadToken, http.StatusBadRequest},
		{"3", "", http.StatusUnauthorized},
		{"3", "wrong", http.StatusUnauthorized},
	}
	for _, r := range refusals {
		t.Run("refused day="+r.day+" token="+r.token, func(t *testing.T) {
			code, _, raw := daySnapshot(t, s.URL, r.day, r.token)
			if code != r.code {
				t.Fatalf("status %d, want %d: %s", code, r.code, raw)
			}
			var eb hub.ErrorBody
			if err := json.Unmarshal([]byte(raw), &eb); err != nil || eb.Error == "" {
				t.Fatalf("no error message: %s", raw)
			}
		})
	}
}

// TestSnapshotOfADayNewRun: a campaign.started starts the days afresh.
func TestSnapshotOfADayNewRun(t *testing.T) {
	s := hubtest.Start(t, nil)
	cfg := s.Cfg
	evs := hubtest.Events(cfg, "run1", 0, 4)
	for i := range evs {
		evs[i].At = cfg.Start().Add(time.Duration(i) * 24 * time.Hour).Add(9 * time.Hour)
	}
	restart := feed.Event{ID: "run2-start", Type: feed.TypeCampaignStarted, At: cfg.Start().Add(4*24*time.Hour + time.Hour), District: cfg.Districts[0].ID, Data: json.RawMessage(`{}`)}
	hubtest.Post(t, s.URL, append(evs, restart))
	s.WaitSeq(t, 5)
	if code, _, raw := daySnapshot(t, s.URL, "2", hubtest.ReadToken); code != http.StatusNotFound {
		t.Fatalf("day 2 of a run that began on day 5: status %d (%s), want 404", code, raw)
	}
	if code, sb, raw := daySnapshot(t, s.URL, "5", hubtest.ReadToken); code != http.StatusOK || !sb.Today {
		t.Fatalf("day 5: status %d today %v: %s", code, sb.Today, raw)
	}
}
