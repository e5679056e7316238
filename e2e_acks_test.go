package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAckTravelsToEveryBoardAndTheReport: a duty officer presses a on one
// board; the acknowledgement reaches the hub's log, a second board shows
// the alert acknowledged with who, and the day's bulletin from that hub
// gives the time to acknowledge.
func TestAckTravelsToEveryBoardAndTheReport(t *testing.T) {
	needTmux(t)
	hub, _ := startHubProc(t, "--read-token", "rtok")
	// A homicide at 08:00 on day 5, then the feed moves on to 08:25: the
	// board's clock (a replayed campaign's follows its newest event) says
	// 08:25 when the officer acknowledges.
	body := `{"id":"hom-e2e","type":"case.filed","at":"2023-06-29T08:00:00+08:00","district":"chuanhui","data":{"case_id":"CH-E2E","category":"homicide","kind":"criminal","summary":"某村发生命案"}}
{"id":"insp-e2e","type":"inspection.done","at":"2023-06-29T08:25:00+08:00","district":"xihua","data":{"unit_type":"school","found":1,"rectified":1}}
`
	req, _ := http.NewRequest("POST", hub+"/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer itok")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("posting the events: %v %v", resp, err)
	}
	resp.Body.Close()

	ws := strings.Replace(hub, "http", "ws", 1)
	env := []string{"LANG=en_US.UTF-8", "SITBOARD_READ_TOKEN=rtok"}
	desk := startTmuxAs(t, "desk", 120, 40, env, "watch", "--hub", ws, "--layout", "standard", "--lang", "en", "--name", "川汇值班台")
	wall := startTmuxAs(t, "wall", 120, 40, env, "watch", "--hub", ws, "--layout", "standard", "--lang", "en", "--name", "wall-2")
	for _, b := range []*tmuxSession{desk, wall} {
		b.waitFor("the homicide alert, unacknowledged", 20*time.Second, func(sc string) bool {
			return strings.Contains(sc, "New homicide") && strings.Contains(sc, "press a to acknowledge") && strings.Contains(sc, "seq 2 ")
		})
	}
	desk.keys("a")
	desk.waitFor("the desk's own ack", 20*time.Second, contains("acknowledged by 川汇值班台"))
	screen := wall.waitFor("the ack on the other board", 20*time.Second, contains("acknowledged by 川汇值班台"))
	if strings.Contains(screen, "press a to acknowledge") {
		t.Errorf("the wall still asks for an acknowledgement:\n%s", screen)
	}
	if strings.Contains(desk.capture(), "ack not sent") {
		t.Errorf("the desk says its ack was not sent:\n%s", desk.capture())
	}

	var out bytes.Buffer
	cmd := exec.Command(sitboardBin, "report", "--period", "day", "--date", "2023-06-29", "--hub", hub, "--token", "rtok", "--lang", "en")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"1 priority alerts raised in the period, 1 acknowledged and 0 not acknowledged, on average in 25 min, the longest 25 min",
		"25 min  川汇值班台",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the bulletin does not say %q:\n%s", want, out.String())
		}
	}
}
