package hub_test

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// movableClock is a hub clock a test moves by hand.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movableClock) set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *movableClock) add(d time.Duration) { c.set(c.now().Add(d)) }

// undispatchedCampaign is the Zhoukou campaign with one rule: a P1 alarm
// not dispatched ten minutes after it was received.
func undispatchedCampaign(t *testing.T) *campaign.Config {
	t.Helper()
	src, err := os.ReadFile("../../demo/zhoukou-2023.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := campaign.ParseConfig("zhoukou+rule.toml", []byte(string(src)+`
[[alerts]]
when = "undispatched"
id = "test-p1"
priority = 1
minutes = 10
level = "red"
zh = "一级警情超时未派"
`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestClockTicksRaiseTheOverdueAlert: on a quiet night nothing but the
// hub's clock.tick moves the state's clock, so it is the tick that raises
// a P1 alarm's undispatched alert at its deadline, in the hub's state and
// in every fold of its log; ticks are the hub's (hub:tick:<time>), one per
// minute however often the hub looks, and none when its clock is outside
// the campaign.
func TestClockTicksRaiseTheOverdueAlert(t *testing.T) {
	cfg := undispatchedCampaign(t)
	clock := &movableClock{t: time.Date(2023, 7, 2, 23, 55, 0, 0, cfg.Location())}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.Campaign, o.Now, o.ClockTick = cfg, clock.now, time.Millisecond
	})
	received := clock.now().Add(-2 * time.Minute)
	alarm := feed.Event{ID: "p1", Type: feed.TypeAlarmReceived, At: received, District: "chuanhui",
		Data: []byte(`{"alarm_id":"A-P1","category":"criminal","priority":1,"summary":"持刀伤人"}`)}
	s.WaitSeq(t, hubtest.Post(t, s.URL, []feed.Event{alarm}).LastSeq)
	waitTickAt(t, s, clock.now())

	// Minute by minute to 8 minutes after the alarm: ticks, no alert.
	for range 6 {
		clock.add(time.Minute)
		waitTickAt(t, s, clock.now())
	}
	if _, _, st := s.Hub.Snapshot(); slices.ContainsFunc(st.Alerts, func(a campaign.Alert) bool { return a.Subject == "A-P1" }) {
		t.Fatalf("the alarm's alert before the deadline: %+v", st.Alerts)
	}
	clock.add(2 * time.Minute) // 00:03, ten minutes after 23:53
	waitTickAt(t, s, clock.now())
	_, seq, st := s.Hub.Snapshot()
	a, standing, ok := st.AlertByID("test-p1:A-P1")
	if !ok || !standing || a.Seq != seq || !a.At.Equal(received.Add(10*time.Minute)) {
		t.Fatalf("after the tick at the deadline (seq %d): alert %+v, standing %v; want raised at that tick, dated %v", seq, a, standing, received.Add(10*time.Minute))
	}
	log := readLog(t, s)
	ticks := 0
	for _, ev := range log {
		if ev.Type != feed.TypeClockTick {
			continue
		}
		ticks++
		if !strings.HasPrefix(ev.ID, "hub:tick:") || ev.District != "" {
			t.Errorf("tick %+v: want the hub's id and no district", ev)
		}
	}
	if ticks != 8 {
		t.Errorf("%d ticks in the log, want 8: one for each minute the clock moved to, however often the hub looked", ticks)
	}
	// Another fold of the same log raises it at the same event.
	again := campaign.NewState(cfg)
	for _, ev := range log {
		campaign.Apply(cfg, again, ev)
	}
	if b, _, _ := again.AlertByID("test-p1:A-P1"); b.Seq != a.Seq || !b.At.Equal(a.At) {
		t.Errorf("a second fold raised %+v, the hub %+v", b, a)
	}
	// After the campaign (a 2023 replay into a 2026 hub): no tick.
	clock.set(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	if ev, ok := hub.DueTick(s.Hub); ok {
		t.Errorf("a tick after the campaign: %+v", ev)
	}
}

// waitTickAt waits for the hub to fold a clock.tick dated at.
func waitTickAt(t *testing.T, s *hubtest.Server, at time.Time) {
	t.Helper()
	want := at.Truncate(time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, _, st := s.Hub.Snapshot(); !st.LastAt.Before(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no clock.tick at %v folded", want)
		}
		time.Sleep(time.Millisecond)
	}
}
