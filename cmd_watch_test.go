package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// startHub runs `sitboard hub` on a free loopback port and returns its URL.
func startHub(t *testing.T) string {
	url, _ := startHubProc(t)
	return url
}

func startHubProc(t *testing.T, extra ...string) (string, *exec.Cmd) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args := append([]string{"hub", "--listen", addr, "--ingest-token", "itok"}, extra...)
	if !slices.Contains(extra, "--read-token") {
		args = append(args, "--public-read")
	}
	cmd := exec.Command(sitboardBin, args...)
	cmd.Env = append(os.Environ(), "SITBOARD_READ_TOKEN=")
	cmd.Stderr, cmd.Stdout = os.Stderr, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr
	// A starting hub answers 503 "starting"; it serves once it says ok.
	for i := 0; i < 100; i++ {
		if r, err := http.Get(url + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return url, cmd
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("hub did not come up")
	return "", nil
}

// postRecording sends the first n events of the shipped recording.
func postRecording(t *testing.T, hub string, n int) {
	t.Helper()
	f, err := os.Open("demo/recordings/summer-action-2023.jsonl.gz")
	if err != nil {
		t.Skip("no shipped recording:", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var batch bytes.Buffer
	flush := func() {
		if batch.Len() == 0 {
			return
		}
		req, _ := http.NewRequest("POST", hub+"/v1/events", bytes.NewReader(batch.Bytes()))
		req.Header.Set("Authorization", "Bearer itok")
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("ingest: %s", resp.Status)
		}
		batch.Reset()
	}
	for i := 0; i < n && sc.Scan(); i++ {
		batch.Write(sc.Bytes())
		batch.WriteByte('\n')
		if (i+1)%4000 == 0 {
			flush()
		}
	}
	flush()
}

// TestWatchInTmux runs `sitboard watch` against a real hub in a real
// terminal and checks what a person would see: the board at both sizes,
// panels taking turns, a pause that holds, ticker rows, and a lost hub
// shown as RECONNECTING.
func TestWatchInTmux(t *testing.T) {
	needTmux(t)
	hub := startHub(t)
	postRecording(t, hub, 20000)
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := startTmux(t, sz[0], sz[1], []string{"LANG=en_US.UTF-8"}, "watch", "--hub", strings.Replace(hub, "http", "ws", 1), "--layout", map[int]string{80: "compact", 200: "wall"}[sz[0]])
			// The whole board, not a frame caught half drawn.
			s.waitFor("the live board", 10*time.Second, func(sc string) bool {
				for _, want := range []string{"LIVE", "seq 20,000", "Zhoukou", "Day ", "open ", "? help"} {
					if !strings.Contains(sc, want) {
						return false
					}
				}
				return true
			})
			// Pages by key, then a pause that holds.
			// (Deadlines are generous: they only matter when a key is lost.)
			s.keys("Right")
			s.waitFor("page 2", 20*time.Second, contains("[2 "))
			s.keys("1") // the digits jump; every layout has a first page
			s.waitFor("page 1", 20*time.Second, contains("[1 "))
			s.keys("Space")
			s.waitFor("paused", 20*time.Second, contains("PAUSED"))
			// The pause holds through the next key: the board redrawn in
			// Chinese is still paused on page 1. (That it holds past the
			// rotation interval is TestDemoInTerminal's, on a 2s layout.)
			s.keys("l")
			if sc := s.waitFor("Chinese labels", 20*time.Second, contains("已暂停")); !strings.Contains(sc, "[1 ") {
				t.Fatalf("pause did not hold on page 1:\n%s", sc)
			}
			s.keys("q")
		})
	}
}

// TestWatchShowsLostHub: when the hub goes away the board says so within
// seconds, then says how old its data is, and keeps the last picture.
func TestWatchShowsLostHub(t *testing.T) {
	needTmux(t)
	hub, proc := startHubProc(t)
	postRecording(t, hub, 3000)
	s := startTmux(t, 120, 40, []string{"LANG=en_US.UTF-8"}, "watch", "--hub", strings.Replace(hub, "http", "ws", 1), "--stale-after", "3s")
	s.waitFor("the live board", 10*time.Second, contains("LIVE"))
	proc.Process.Kill()
	proc.Wait()
	s.waitFor("RECONNECTING", 20*time.Second, contains("RECONNECTING"))
	screen := s.waitFor("STALE with the age", 10*time.Second, contains("STALE "))
	if !strings.Contains(screen, "seq 3,000") {
		t.Errorf("the last picture is gone:\n%s", screen)
	}
	s.keys("q")
}

// TestWatchWrongTokenSaysWhy: a refused read token is the whole screen,
// in the board's language, saying what to do, never a board of zeros; and
// quitting exits non-zero with the reason. The exit status comes from a
// shell wrapper, not from tmux (see startTmuxExit).
func TestWatchWrongTokenSaysWhy(t *testing.T) {
	needTmux(t)
	hub, _ := startHubProc(t, "--read-token", "rtok")
	tests := []struct {
		name, lang string
		token      []string
		want, not  []string
	}{
		{"wrong token en", "en_US.UTF-8", []string{"--token", "wrong"},
			[]string{"No data: the hub refused this board", "check --token-file (or --token,", "press q to quit"}, []string{"Criminal alarms", "seq 0"}},
		{"missing token zh", "zh_CN.UTF-8", nil,
			[]string{"数据源拒绝了本看板", "请检查 --token", "按 q 退出"}, []string{"刑事警情", "序号 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"watch", "--hub", strings.Replace(hub, "http", "ws", 1)}, tc.token...)
			s, exit := startTmuxExit(t, 120, 40, []string{"LANG=" + tc.lang, "SITBOARD_READ_TOKEN="}, args...)
			screen := s.waitFor("the full-screen refusal", 20*time.Second, func(sc string) bool {
				flat := strings.Join(strings.Fields(sc), " ")
				for _, w := range tc.want {
					if !strings.Contains(flat, w) {
						return false
					}
				}
				return true
			})
			for _, n := range tc.not {
				if strings.Contains(screen, n) {
					t.Errorf("the refusal draws the board (%q):\n%s", n, screen)
				}
			}
			s.keys("q")
			deadline := time.Now().Add(20 * time.Second)
			for exit() == "" {
				if time.Now().After(deadline) {
					t.Fatalf("watch did not exit after q:\n%s", s.capture())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got := exit(); got != "1" {
				t.Errorf("exit status %s after a refused token, want 1", got)
			}
			// Joined lines and the history: the message is wider than the pane.
			out, err := tmux("capture-pane", "-p", "-J", "-S", "-", "-t", s.name).CombinedOutput()
			if err != nil {
				t.Fatalf("capture-pane: %v: %s", err, out)
			}
			if !strings.Contains(string(out), "sitboard watch: hub refused the read token: check --token") {
				t.Fatalf("want the reason after quitting:\n%s", out)
			}
		})
	}
}

// TestWatchReviewInTmux: `watch --at` starts in review (复盘) on a past
// day and shows that day's end (its seq, from GET /v1/snapshot?day=N),
// while a live event posted meanwhile still raises its alert on screen;
// 0 returns to live and [ steps back again.
func TestWatchReviewInTmux(t *testing.T) {
	needTmux(t)
	hub := startHub(t)
	postRecording(t, hub, 8000) // the campaign's first five days or so
	const day = 3
	resp, err := http.Get(hub + fmt.Sprintf("/v1/snapshot?day=%d", day))
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Seq   uint64 `json:"seq"`
		Today bool   `json:"today"`
	}
	err = json.NewDecoder(resp.Body).Decode(&snap)
	resp.Body.Close()
	if err != nil || snap.Seq == 0 || snap.Today {
		t.Fatalf("day %d from the hub: %+v %v", day, snap, err)
	}
	s := startTmux(t, 120, 40, []string{"LANG=en_US.UTF-8"}, "watch", "--hub", strings.Replace(hub, "http", "ws", 1), "--layout", "standard", "--at", "2023-06-27")
	screen := s.waitFor("the board in review on day 3", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, "REVIEW") && strings.Contains(sc, "2023-06-27") && strings.Contains(sc, "Day 3/98") &&
			strings.Contains(sc, "seq "+commas(snap.Seq))
	})
	if strings.Contains(screen, "LIVE") {
		t.Fatalf("review shows LIVE:\n%s", screen)
	}

	// A live event underneath: its alert shows, the review stays.
	live := `{"id":"review-live-1","type":"alarm.received","at":"2023-06-29T21:00:00+08:00","district":"xihua","data":{"alarm_id":"review-live-1","category":"mass_incident","priority":1,"summary":"广场聚集"}}`
	req, _ := http.NewRequest("POST", hub+"/v1/events", strings.NewReader(live))
	req.Header.Set("Authorization", "Bearer itok")
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusAccepted {
		t.Fatalf("posting the live event: %s", r.Status)
	}
	s.waitFor("the live alert under the review", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, "Mass incident") && strings.Contains(sc, "REVIEW") && strings.Contains(sc, "seq "+commas(snap.Seq))
	})

	s.keys("0")
	s.waitFor("live again", 10*time.Second, func(sc string) bool {
		return !strings.Contains(sc, "REVIEW") && (strings.Contains(sc, "LIVE") || strings.Contains(sc, "STALE"))
	})
	s.keys("[")
	s.waitFor("review of the day before the live one", 10*time.Second, contains("REVIEW"))
	s.keys("q")
}

// commas writes n as the board does: 12,345.
func commas(n uint64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestReviewDayOfAt: --at takes a date or a date-time, in the campaign's
// zone unless it names its own, and refuses what is not a campaign day.
func TestReviewDayOfAt(t *testing.T) {
	cfg, err := loadCampaign("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   string
		day  int
		fail string
	}{
		{"2023-08-12", 49, ""},
		{"2023-06-25", 1, ""},
		{"2023-08-12T18:30", 49, ""},
		{"2023-08-12 23:59:59", 49, ""},
		{"2023-08-12T23:30:00Z", 50, ""}, // 07:30 on the 13th in Zhoukou
		{"12 August", 0, "not a date"},
		{"2024-01-01", 0, "outside the campaign"},
		{"2023-06-24", 0, "outside the campaign"},
	} {
		day, err := reviewDay(cfg, tc.at)
		switch {
		case tc.fail != "" && (err == nil || !strings.Contains(err.Error(), tc.fail)):
			t.Errorf("--at %q: %v, want an error saying %q", tc.at, err, tc.fail)
		case tc.fail == "" && (err != nil || day != tc.day):
			t.Errorf("--at %q: day %d %v, want %d", tc.at, day, err, tc.day)
		}
	}
}

// TestBoardName: who a watch's acks are recorded as: --name, else the
// host's name; a name the hub would refuse is refused at start, saying
// what to pass.
func TestBoardName(t *testing.T) {
	host, _ := os.Hostname()
	for _, tc := range []struct {
		name, want, problem string
	}{
		{"川汇值班台", "川汇值班台", ""},
		{"", host, ""},
		{strings.Repeat("值", 65), "", "at most 64; pass a shorter --name"},
		{"desk\x1b[2J", "", "pass another --name"},
	} {
		got, err := boardName(tc.name)
		switch {
		case tc.problem == "" && (err != nil || got != tc.want):
			t.Errorf("boardName(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
			t.Errorf("boardName(%q): %v, want an error saying %q", tc.name, err, tc.problem)
		}
	}
}
