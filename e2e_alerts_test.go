package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// postNDJSON sends events to the hub's ingest and wants a 202.
func postNDJSON(t *testing.T, hub, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", hub+"/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer itok")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("posting the events: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("posting the events: %s", resp.Status)
	}
}

// TestAlertRaisedAndClearedInOnePost: two boards watch one hub; a mass
// incident received and closed in one request (one frame) shows on both,
// marked closed and waiting for acknowledgement, because the alert is a
// fact of the log, not something a board happened to see between frames.
// a on one board acknowledges it on the other: there it leaves the
// standing alerts, and its H says who acknowledged it.
func TestAlertRaisedAndClearedInOnePost(t *testing.T) {
	needTmux(t)
	hub, _ := startHubProc(t, "--read-token", "rtok")
	ws := strings.Replace(hub, "http", "ws", 1)
	env := []string{"LANG=en_US.UTF-8", "SITBOARD_READ_TOKEN=rtok"}
	desk := startTmuxAs(t, "desk", 120, 40, env, "watch", "--hub", ws, "--layout", "standard", "--lang", "en", "--name", "desk")
	wall := startTmuxAs(t, "wall", 120, 40, env, "watch", "--hub", ws, "--layout", "standard", "--lang", "en", "--name", "wall")
	for _, b := range []*tmuxSession{desk, wall} {
		b.waitFor("the board live", 20*time.Second, contains("LIVE"))
	}
	postNDJSON(t, hub, `{"id":"mass-in","type":"alarm.received","at":"2023-07-01T23:52:00+08:00","district":"shangshui","data":{"alarm_id":"110-MASS-1","category":"mass_incident","priority":1,"summary":"工地工人聚集讨薪"}}
{"id":"mass-out","type":"alarm.closed","at":"2023-07-01T23:55:00+08:00","district":"shangshui","data":{"alarm_id":"110-MASS-1","category":"mass_incident"}}
`)
	for _, b := range []*tmuxSession{desk, wall} {
		b.waitFor("the closed incident waiting for acknowledgement", 20*time.Second, func(sc string) bool {
			return strings.Contains(sc, "RED Mass incident  Shangshui  07-01 23:52  [closed, not acknowledged]") && strings.Contains(sc, "seq 2 ")
		})
	}
	desk.keys("a")
	wall.waitFor("the incident acknowledged on the desk leaving the wall's alerts", 20*time.Second, func(sc string) bool {
		return !strings.Contains(sc, "Mass incident  Shangshui") && strings.Contains(sc, "seq 3 ")
	})
	wall.keys("H")
	screen := wall.waitFor("the wall's history", 20*time.Second, contains("Alert history"))
	for _, want := range []string{"07-01 23:52:00  raised", "07-01 23:55:00  closed", "acked       desk"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the wall's history lacks %q:\n%s", want, screen)
		}
	}
}

// TestUndispatchedP1TurnsRedOnEveryBoard: a P1 alarm nobody dispatches,
// on a quiet feed, raises the red undispatched alert on two boards at its
// [[response]] threshold: the hub's clock.tick moves the fold's clock past
// it, the hub and every board fold the same tick, and the rotation goes to
// the alerts.
func TestUndispatchedP1TurnsRedOnEveryBoard(t *testing.T) {
	needTmux(t)
	// A campaign running today (the hub writes ticks only within its
	// days), small enough not to follow every change to Zhoukou's file.
	loc := time.FixedZone("+08:00", 8*3600)
	now := time.Now().In(loc)
	text := `[campaign]
id = "live-test"
name_zh = "测试行动"
name_en = "Test Action"
short_en = "Test"
city_en = "Zhoukou"
start = "` + now.AddDate(0, 0, -10).Format(time.DateOnly) + `"
end = "` + now.AddDate(0, 0, 10).Format(time.DateOnly) + `"
utc_offset = "+08:00"

[[districts]]
id = "chuanhui"
zh = "川汇区"
en = "Chuanhui"

[[districts]]
id = "huaiyang"
zh = "淮阳区"
en = "Huaiyang"

[[response]]
priority = 1
dispatch = "5m"
close = "3h"

[[alerts]]
when = "undispatched"
id = "p1-late"
priority = 1                 # minutes left out: the [[response]] dispatch threshold, 5m
level = "red"
zh = "一级警情超时未派"
en = "P1 alarm not dispatched"
`
	cfgPath := filepath.Join(t.TempDir(), "live.toml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	hub, _ := startHubProc(t, "--campaign", cfgPath, "--clock-tick", "1s")
	ws := strings.Replace(hub, "http", "ws", 1)
	env := []string{"LANG=en_US.UTF-8"}
	boards := []*tmuxSession{
		startTmuxAs(t, "a", 120, 40, env, "watch", "--hub", ws, "--campaign", cfgPath, "--layout", "standard", "--lang", "en"),
		startTmuxAs(t, "b", 120, 40, env, "watch", "--hub", ws, "--campaign", cfgPath, "--layout", "standard", "--lang", "en"),
	}
	for _, b := range boards {
		b.waitFor("the board live", 20*time.Second, contains("LIVE"))
	}
	// Received 4 m 55 s ago: due 5 s from now.
	received := time.Now().In(loc).Add(-5*time.Minute + 5*time.Second).Truncate(time.Second)
	postNDJSON(t, hub, fmt.Sprintf(`{"id":"p1-quiet","type":"alarm.received","at":%q,"district":"chuanhui","data":{"alarm_id":"110-P1-QUIET","category":"criminal","priority":1,"summary":"持刀伤人"}}`+"\n", received.Format(time.RFC3339)))
	due := received.Add(5 * time.Minute)
	for _, b := range boards {
		screen := b.waitFor("the red undispatched alert", 30*time.Second, contains("RED P1 alarm not dispatched  Chuanhui  "+due.Format("01-02 15:04")))
		for _, want := range []string{"received " + received.Format("15:04") + ", not dispatched in 5 min", "red alert waiting: press a to acknowledge"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the board lacks %q:\n%s", want, screen)
			}
		}
	}
}
