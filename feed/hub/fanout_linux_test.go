package hub_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
)

// fanoutClients are the fan-out benchmark's subscribers, read the way a
// load generator reads: a few goroutines on epoll, each reading whatever
// its ready sockets hold and parsing websocket frames in place, instead of
// a goroutine and a buffered reader per connection. On a 2-core machine
// the subscribers' CPU is taken from the hub, so it must be small.
type fanoutClients struct {
	conns []*fanoutConn
	want  int // events each subscriber must get
	done  sync.WaitGroup
	errMu sync.Mutex
	err   error
}

// fanoutConn is one subscriber: its socket, the bytes of an unfinished
// frame, and one latency per event received.
type fanoutConn struct {
	fd       int
	buf      []byte
	snapshot bool // the first frame (the snapshot) has been read
	got      int
	lat      []int32 // microseconds from the POST to the read
}

// newFanoutClients takes over dialled connections whose hello has been
// sent and which have received nothing yet (so gorilla has buffered
// nothing of theirs).
func newFanoutClients(ws []*websocket.Conn, want int) (*fanoutClients, error) {
	fc := &fanoutClients{want: want}
	for _, c := range ws {
		rc, err := c.NetConn().(*net.TCPConn).SyscallConn()
		if err != nil {
			return nil, err
		}
		// A copy of the socket, then the Go connection closed: the runtime's
		// poller no longer wakes for this socket, only our epoll does.
		fd, derr := -1, error(nil)
		if err := rc.Control(func(f uintptr) { fd, derr = syscall.Dup(int(f)) }); err != nil || derr != nil {
			return nil, fmt.Errorf("dup: %v %v", err, derr)
		}
		_ = c.NetConn().Close()
		fc.conns = append(fc.conns, &fanoutConn{fd: fd, buf: make([]byte, 0, 64<<10), lat: make([]int32, 0, want)})
	}
	return fc, nil
}

// start runs `workers` epoll loops over the connections; ready is closed
// once every subscriber has its snapshot.
func (fc *fanoutClients) start(workers int) (ready chan struct{}, err error) {
	var snapshots sync.WaitGroup
	snapshots.Add(len(fc.conns))
	ready = make(chan struct{})
	go func() { snapshots.Wait(); close(ready) }()
	for w := range workers {
		var mine []*fanoutConn
		for i := w; i < len(fc.conns); i += workers {
			mine = append(mine, fc.conns[i])
		}
		ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return nil, err
		}
		for i, c := range mine {
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(i)}
			if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
				return nil, err
			}
		}
		fc.done.Add(1)
		go fc.loop(ep, mine, &snapshots)
	}
	return ready, nil
}

// close ends every connection.
func (fc *fanoutClients) close() {
	for _, c := range fc.conns {
		_ = syscall.Close(c.fd)
	}
}

func (fc *fanoutClients) fail(err error) {
	fc.errMu.Lock()
	if fc.err == nil {
		fc.err = err
	}
	fc.errMu.Unlock()
}

func (fc *fanoutClients) loop(ep int, conns []*fanoutConn, snapshots *sync.WaitGroup) {
	defer fc.done.Done()
	defer syscall.Close(ep)
	events := make([]syscall.EpollEvent, 256)
	left := len(conns)
	for left > 0 {
		n, err := syscall.EpollWait(ep, events, 1000)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			fc.fail(err)
			return
		}
		for _, ev := range events[:n] {
			c := conns[ev.Fd]
			if len(c.buf) == cap(c.buf) {
				c.buf = append(c.buf, make([]byte, cap(c.buf))...)[:len(c.buf)]
			}
			m, err := syscall.Read(c.fd, c.buf[len(c.buf):cap(c.buf)])
			if err == syscall.EAGAIN {
				continue
			}
			if err != nil || m == 0 {
				fc.fail(fmt.Errorf("subscriber read: %v (%d bytes)", err, m))
				return
			}
			now := time.Now().UnixNano()
			c.buf = c.buf[:len(c.buf)+m]
			wasDone := c.got >= fc.want
			hadSnapshot := c.snapshot
			if err := c.frames(now); err != nil {
				fc.fail(err)
				return
			}
			if !hadSnapshot && c.snapshot {
				snapshots.Done()
			}
			if !wasDone && c.got >= fc.want {
				left--
				_ = syscall.EpollCtl(ep, syscall.EPOLL_CTL_DEL, c.fd, nil)
			}
		}
	}
}

// frames consumes every complete frame in c.buf.
func (c *fanoutConn) frames(now int64) error {
	p := c.buf
	for len(p) >= 2 {
		if p[1]&0x80 != 0 {
			return fmt.Errorf("masked frame from the hub")
		}
		n, h := uint64(p[1]&0x7f), 2
		if n == 126 {
			if len(p) < 4 {
				break
			}
			n, h = uint64(binary.BigEndian.Uint16(p[2:])), 4
		} else if n == 127 {
			if len(p) < 10 {
				break
			}
			n, h = binary.BigEndian.Uint64(p[2:]), 10
		}
		if uint64(len(p)-h) < n {
			break // the rest of this frame is still on its way
		}
		payload := p[h : h+int(n)]
		switch op := int(p[0] & 0x0f); {
		case op == websocket.PingMessage:
			c.pong(payload)
		case op == websocket.CloseMessage:
			return fmt.Errorf("hub closed a subscriber: %q", payload)
		case !c.snapshot:
			c.snapshot = true
		default:
			if err := c.events(payload, now); err != nil {
				return err
			}
		}
		p = p[h+int(n):]
	}
	c.buf = c.buf[:copy(c.buf, p)]
	return nil
}

// pong answers a ping: a client frame, so masked.
func (c *fanoutConn) pong(data []byte) {
	key := [4]byte{0x5a, 0xa5, 0x3c, 0xc3}
	f := append([]byte{0x80 | websocket.PongMessage, 0x80 | byte(len(data))}, key[:]...)
	for i, b := range data {
		f = append(f, b^key[i%4])
	}
	_, _ = syscall.Write(c.fd, f)
}

// events records one latency per event id ("f-<unix ns>-<n>") in a frame.
func (c *fanoutConn) events(frame []byte, now int64) error {
	for rest := frame; ; {
		i := bytes.Index(rest, idMark)
		if i < 0 {
			return nil
		}
		rest = rest[i+len(idMark):]
		j := bytes.IndexByte(rest, '-')
		if j < 0 {
			return fmt.Errorf("bad id in %q", rest)
		}
		var ns int64
		for _, d := range rest[:j] {
			if d < '0' || d > '9' {
				return fmt.Errorf("bad id in %q", rest)
			}
			ns = ns*10 + int64(d-'0')
		}
		c.lat = append(c.lat, int32((now-ns)/1000))
		c.got++
		// An event is longer than this, so skip it unsearched.
		rest = rest[min(j+minEventJSON, len(rest)):]
	}
}

var idMark = []byte(`"id":"f-`)

// minEventJSON is less than any benchmark event's encoding from its id on.
const minEventJSON = 120

// BenchmarkFanout runs a hub in its own process (the test binary
// re-executed) and SITBOARD_BENCH_SUBS websocket subscribers (default 100;
// 1000 for the figure) in this one, while events are posted at
// SITBOARD_BENCH_RATE events/s (default 1000, in one POST every 10ms, the
// way a dispatch system flushes) for SITBOARD_BENCH_SECONDS (default 5).
// Run it with -benchtime=1x.
//
// It reports deliveries/s; p50, p99 and max latency from just before the
// POST (the time is in each event's id) to the moment a subscriber has read
// the frame, over every event at every subscriber; and the hub process's
// CPU (utime+stime from /proc/PID/stat over the run, in cores) and memory
// (VmRSS at the end, VmHWM the peak since start). The subscribers scan
// frames for ids without decoding them, on epoll rather than a goroutine
// each (fanout_linux_test.go), to leave the machine to the hub;
// their process's CPU is reported as client-cores, and the CPU everything
// else on the machine used meanwhile as other-cores: on a shared machine,
// latency is only meaningful when that is small.
// SITBOARD_BENCH_HUB_PROCS sets the hub's GOMAXPROCS, SITBOARD_BENCH_HUB_CPUS
// pins it (taskset -c); SITBOARD_BENCH_CPUPROFILE writes a pprof CPU profile
// of the hub over the run, SITBOARD_BENCH_TRACE an execution trace of 2s.
// SITBOARD_BENCH_TIMER_SLACK gives the hub a timer slack (1ms, say; it
// reports the one it had as hub-timer-slack-us).
func BenchmarkFanout(b *testing.B) {
	subs := envInt("SITBOARD_BENCH_SUBS", 100)
	rate := envInt("SITBOARD_BENCH_RATE", 1000)
	secs := envInt("SITBOARD_BENCH_SECONDS", 5)
	var env []string
	if p := os.Getenv("SITBOARD_BENCH_HUB_PROCS"); p != "" {
		env = append(env, "GOMAXPROCS="+p)
	}
	pin := os.Getenv("SITBOARD_BENCH_HUB_CPUS")
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		cmd, url := startProcess(b, dir, benchHubEnv, env...)
		pid := cmd.Process.Pid
		if pin != "" {
			// Give the hub its own CPUs: its latency is then its own, not
			// the subscribers' on the same cores.
			if out, err := exec.Command("taskset", "-a", "-p", "-c", pin, strconv.Itoa(pid)).CombinedOutput(); err != nil {
				b.Fatalf("taskset: %v %s", err, out)
			}
		}
		wsURL := "ws" + strings.TrimPrefix(url, "http") + "/v1/stream"
		cfg := hubtest.Campaign(b)

		per := max(rate/100, 1)
		interval := time.Second * time.Duration(per) / time.Duration(rate)
		posts := rate * secs / per
		total := posts * per
		ws := make([]*websocket.Conn, subs)
		for i := range ws {
			c, _, err := websocket.DefaultDialer.Dial(wsURL+"?token="+hubtest.ReadToken, nil)
			if err != nil {
				b.Fatalf("subscriber %d: %v", i, err)
			}
			if err := c.WriteJSON(feed.Hello{Type: feed.MsgHello}); err != nil {
				b.Fatal(err)
			}
			ws[i] = c
		}
		clients, err := newFanoutClients(ws, total)
		if err != nil {
			b.Fatal(err)
		}
		ready, err := clients.start(runtime.GOMAXPROCS(0))
		if err != nil {
			b.Fatal(err)
		}
		select { // every subscriber has its snapshot before the clock starts
		case <-ready:
		case <-time.After(60 * time.Second):
			b.Fatalf("subscribers did not get their snapshots: %v", clients.err)
		}
		// The subscribers came as a crowd: the hub writes those past its
		// first 256 from its tail writer until a second after the last
		// (tail.go). The benchmark measures a hub whose boards are
		// settled, so it waits for that (the next heartbeat, 2 s at most).
		for deadline := time.Now().Add(30 * time.Second); metricOr(b, url, "sitboard_stream_tail_boards", 0) != 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatal("the subscribers are still the tail writer's 30s after they joined")
			}
		}
		saveProfile := recordDebug(b, "SITBOARD_BENCH_CPUPROFILE", url+"/debug/pprof/profile?seconds="+strconv.Itoa(secs))
		saveTrace := recordDebug(b, "SITBOARD_BENCH_TRACE", url+"/debug/pprof/trace?seconds=2")
		bodies := make([][]feed.Event, posts)
		for i := range bodies {
			bodies[i] = hubtest.Events(cfg, "x", i*per, per)
		}
		startDeliveries := deliveries(b, url)
		startFrames := metricF(b, url, "sitboard_frames_total")
		cpu0 := procCPU(b, pid)
		self0 := procCPU(b, os.Getpid())
		all0 := machineCPU(b)
		b.StartTimer()
		start := time.Now()
		// POSTs go out on schedule even while earlier ones are in flight,
		// as from several upstream systems, so the offered rate holds.
		var posting sync.WaitGroup
		postLat := make([]int32, len(bodies))
		inflight := make(chan struct{}, 64)
		for i, evs := range bodies {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			inflight <- struct{}{}
			posting.Add(1)
			go func() {
				defer func() { <-inflight; posting.Done() }()
				stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
				for j := range evs {
					evs[j].ID = "f-" + stamp + "-" + strconv.Itoa(i*per+j)
				}
				t0 := time.Now()
				if _, err := hubtest.TryPost(url, evs); err != nil {
					b.Error(err)
				}
				postLat[i] = int32(time.Since(t0).Microseconds())
			}()
		}
		posting.Wait()
		posted := time.Since(start)
		done := make(chan struct{})
		go func() { clients.done.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.Fatalf("subscribers did not receive all %d events within 30s of the last POST", total)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cpu := procCPU(b, pid) - cpu0
		self := procCPU(b, os.Getpid()) - self0
		others := machineCPU(b) - all0 - cpu - self
		delivered := deliveries(b, url) - startDeliveries
		frames := metricF(b, url, "sitboard_frames_total") - startFrames
		rss, hwm := procMem(b, pid)
		slack := metricOr(b, url, "sitboard_timer_slack_seconds", 0)
		if clients.err != nil {
			b.Fatal(clients.err)
		}
		var lat []int32
		for _, c := range clients.conns {
			lat = append(lat, c.lat...)
		}
		clients.close()
		saveProfile()
		saveTrace()
		slices.Sort(lat)
		slices.Sort(postLat)
		ms := func(us int32) float64 { return float64(us) / 1000 }
		b.ReportMetric(float64(total)/posted.Seconds(), "events/s")
		b.ReportMetric(delivered/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(frames/elapsed.Seconds(), "frames/s")
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		b.ReportMetric(ms(postLat[len(postLat)*99/100]), "post-p99-ms")
		b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "hub-cores")
		b.ReportMetric(self.Seconds()/elapsed.Seconds(), "client-cores")
		b.ReportMetric(max(others, 0).Seconds()/elapsed.Seconds(), "other-cores")
		b.ReportMetric(float64(rss)/1024, "hub-rss-MB")
		b.ReportMetric(float64(hwm)/1024, "hub-hwm-MB")
		b.ReportMetric(float64(subs), "subscribers")
		b.ReportMetric(slack*1e6, "hub-timer-slack-us")
		_ = cmd.Process.Kill()
		b.StartTimer() // b.Loop wants it running
	}
}
