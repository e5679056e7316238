package client_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

func TestSnapshotURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://h:1":                "http://h:1/v1/snapshot",
		"wss://h:1/v1/stream":     "https://h:1/v1/snapshot",
		"http://h:1/":             "http://h:1/v1/snapshot",
		"h:1":                     "http://h:1/v1/snapshot",
		"https://h/hub/v1/stream": "https://h/hub/v1/snapshot",
	} {
		got, err := client.SnapshotURL(in)
		if err != nil || got != want {
			t.Errorf("SnapshotURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := client.SnapshotURL("ftp://h"); err == nil {
		t.Error("ftp:// accepted")
	}
}

// TestDays: past days come from the hub once and are shared by every
// caller (one state per day, whoever asks, at once or later); a new
// campaign run or the day still running is asked again; refusals say why.
func TestDays(t *testing.T) {
	s := hubtest.Start(t, nil)
	evs := hubtest.Events(s.Cfg, "days", 0, 40)
	for i := range evs {
		evs[i].At = s.Cfg.Start().Add(time.Duration(i/10)*24*time.Hour + time.Duration(8+i%10)*time.Hour)
	}
	hubtest.Post(t, s.URL, evs) // days 1-4; day 4 is today
	s.WaitSeq(t, 40)
	days, err := client.NewDays(client.Options{URL: strings.Replace(s.URL, "http", "ws", 1), Token: hubtest.ReadToken}, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	var wg sync.WaitGroup
	got := make([]*campaign.State, 20)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := days.Fetch(ctx, 2, 0)
			if err != nil {
				t.Error(err)
			}
			got[i] = st
		}()
	}
	wg.Wait()
	for i, st := range got {
		if st == nil || st != got[0] {
			t.Fatalf("caller %d got another copy of day 2", i)
		}
	}
	if got[0].Seq != 20 {
		t.Fatalf("day 2 ends at seq %d, want 20", got[0].Seq)
	}
	if again, _ := days.Fetch(ctx, 2, 0); again != got[0] {
		t.Error("day 2 was fetched again")
	}
	if other, _ := days.Fetch(ctx, 2, 1); other == got[0] {
		t.Error("another campaign run got the last run's day")
	}
	t1, _ := days.Fetch(ctx, 4, 0)
	t2, _ := days.Fetch(ctx, 4, 0)
	if t1 == nil || t1 == t2 {
		t.Error("today was kept: it is still changing")
	}
	// Only the last two days asked are kept.
	d1, _ := days.Fetch(ctx, 1, 0)
	d3, _ := days.Fetch(ctx, 3, 0)
	if d3b, _ := days.Fetch(ctx, 3, 0); d3b != d3 {
		t.Error("day 3 not kept")
	}
	_, _ = days.Fetch(ctx, 2, 0)
	if d1b, _ := days.Fetch(ctx, 1, 0); d1b == d1 {
		t.Error("day 1 kept past the limit of 2")
	}

	for _, tc := range []struct {
		day   int
		token string
		want  string
	}{
		{9, hubtest.ReadToken, "has not begun"},
		{0, hubtest.ReadToken, "outside the campaign"},
		{2, "wrong", "refused the read token"},
	} {
		d, err := client.NewDays(client.Options{URL: s.URL, Token: tc.token}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Fetch(ctx, tc.day, 0); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("day %d token %q: %v, want %q", tc.day, tc.token, err, tc.want)
		}
	}
}

// TestDaysTokenInAddress: a hub address may carry the read token as
// ?token= (the form a browser needs); the day is asked for beside it, not
// glued onto the token's value.
func TestDaysTokenInAddress(t *testing.T) {
	s := hubtest.Start(t, nil)
	evs := hubtest.Events(s.Cfg, "daystok", 0, 20)
	for i := range evs {
		evs[i].At = s.Cfg.Start().Add(time.Duration(i/10)*24*time.Hour + time.Duration(8+i%10)*time.Hour)
	}
	hubtest.Post(t, s.URL, evs) // days 1-2; day 2 is today
	s.WaitSeq(t, 20)
	days, err := client.NewDays(client.Options{URL: s.URL + "/v1/stream?token=" + hubtest.ReadToken}, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := days.Fetch(context.Background(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seq != 10 {
		t.Fatalf("day 1 ends at seq %d, want 10", st.Seq)
	}
}
