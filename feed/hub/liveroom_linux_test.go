package hub_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
)

// liveRoomEnv makes the test binary run BenchmarkReconnectStorm's live
// room instead of the tests: the boards already connected to the hub and
// the upstream system posting events to it, in a process of their own.
// In a real room they are other machines; in the benchmark's process they
// would wait their turn behind its thousands of storm boards, and their
// latency would be the benchmark's rather than the hub's.
const liveRoomEnv = "SITBOARD_HUBTEST_LIVE_ROOM"

func init() { childModes[liveRoomEnv] = runLiveRoom }

// liveRoomPlan is what the live room is told, as JSON in liveRoomEnv.
type liveRoomPlan struct {
	Addr     string        // the hub, host:port
	Boards   int           // boards already connected
	Interval time.Duration // between posts
	Posts    int           // posts of one event each
}

// liveRoomResult is what the live room prints when every board has every
// event (or it gave up).
type liveRoomResult struct {
	LatencyUS []int32 // one per board and event: from just before the POST to the read
	Err       string
}

// liveRoom is the parent's handle on a running live room.
type liveRoom struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startLiveRoom starts the live room and returns once every board has its
// snapshot.
func startLiveRoom(b *testing.B, plan liveRoomPlan) *liveRoom {
	b.Helper()
	js, _ := json.Marshal(plan)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), liveRoomEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := &liveRoom{cmd: cmd, in: in, out: bufio.NewReader(out)}
	line, err := r.out.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		b.Fatalf("live room: %q %v", line, err)
	}
	return r
}

// begin starts the posts, the first at `start`.
func (r *liveRoom) begin(start time.Time) error {
	_, err := fmt.Fprintf(r.in, "%d\n", start.UnixNano())
	return err
}

// result waits for the room's latencies.
func (r *liveRoom) result() (liveRoomResult, error) {
	var res liveRoomResult
	if err := json.NewDecoder(r.out).Decode(&res); err != nil {
		return res, fmt.Errorf("live room: %w", err)
	}
	if res.Err != "" {
		return res, fmt.Errorf("live room: %s", res.Err)
	}
	return res, nil
}

// runLiveRoom is the live room's process: it connects the boards (read on
// epoll, fanout_linux_test.go), says "ready" once they have their
// snapshots, waits for the start time on stdin, posts on schedule, and
// prints the latencies as JSON.
func runLiveRoom(spec string) {
	res := liveRoom1(spec)
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func liveRoom1(spec string) liveRoomResult {
	fail := func(err error) liveRoomResult { return liveRoomResult{Err: err.Error()} }
	var plan liveRoomPlan
	if err := json.Unmarshal([]byte(spec), &plan); err != nil {
		return fail(err)
	}
	url := "http://" + plan.Addr
	ws := make([]*websocket.Conn, plan.Boards)
	for i := range ws {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+plan.Addr+"/v1/stream?token="+hubtest.ReadToken, nil)
		if err != nil {
			return fail(fmt.Errorf("live board %d: %w", i, err))
		}
		if err := c.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
			return fail(err)
		}
		ws[i] = c
	}
	clients, err := newFanoutClients(ws, plan.Posts)
	if err != nil {
		return fail(err)
	}
	defer clients.close()
	ready, err := clients.start(1)
	if err != nil {
		return fail(err)
	}
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		return fail(fmt.Errorf("live boards did not get their snapshots: %v", clients.err))
	}
	fmt.Println("ready")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		return fail(fmt.Errorf("no start time: %w", err))
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		return fail(err)
	}
	start := time.Unix(0, ns)
	cfg := hubtest.Campaign(nil)
	for i := range plan.Posts {
		if d := time.Until(start.Add(time.Duration(i) * plan.Interval)); d > 0 {
			time.Sleep(d)
		}
		evs := hubtest.Events(cfg, "live", i, 1)
		evs[0].ID = "f-" + strconv.FormatInt(time.Now().UnixNano(), 10) + "-" + strconv.Itoa(i)
		if _, err := hubtest.TryPost(url, evs); err != nil {
			return fail(err)
		}
	}
	done := make(chan struct{})
	go func() { clients.done.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		return fail(fmt.Errorf("live boards did not receive all %d events within 30s of the last POST", plan.Posts))
	}
	if clients.err != nil {
		return fail(clients.err)
	}
	var res liveRoomResult
	for _, c := range clients.conns {
		res.LatencyUS = append(res.LatencyUS, c.lat...)
	}
	return res
}
