package hub_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub/hubtest"
	"sitboard/feed/replay"
)

// rawStreamConn is a board reduced to its bytes: the websocket handshake
// written by hand, a masked hello, then frame headers read to find frame
// ends without decoding anything. Thousands of them cost the benchmark
// process little, so on the 2-core machine the hub gets the CPU.
type rawStreamConn struct {
	c  net.Conn
	br *bufio.Reader
}

// dialRawStream opens a stream and sends hello (JSON). It returns once the
// hub has accepted the upgrade.
func dialRawStream(addr string, hello []byte) (*rawStreamConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET /v1/stream?token=" + hubtest.ReadToken + " HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := rawReaders.Get().(*bufio.Reader)
	br.Reset(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		c.Close()
		return nil, fmt.Errorf("upgrade: %q %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, err
		}
		if line == "\r\n" {
			break
		}
	}
	// The hub sends nothing before the hello, so the handshake is all
	// that was read.
	if _, err := c.Write(maskedText(hello)); err != nil {
		c.Close()
		return nil, err
	}
	return &rawStreamConn{c: c, br: br}, nil
}

// rawReaders are the raw boards' read buffers: a storm's boards read only
// their snapshot, and 10,000 buffers of their own (655 MB) would have the
// benchmark's process collecting garbage, on the hub's cores, during the
// storm it measures.
var rawReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// release gives the read buffer back: the board reads nothing more.
func (r *rawStreamConn) release() {
	r.br.Reset(nil)
	rawReaders.Put(r.br)
	r.br = nil
}

// maskedText is a client text frame (clients mask).
func maskedText(data []byte) []byte {
	f := []byte{0x80 | websocket.TextMessage}
	switch n := len(data); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, key[:]...)
	for i, b := range data {
		f = append(f, b^key[i%4])
	}
	return f
}

// frame reads one whole frame and returns its opcode and, when keep says
// so, its payload (else only its length).
func (r *rawStreamConn) frame(keep func(op int) bool) (op int, payload []byte, n int, err error) {
	var hdr [10]byte
	if _, err = io.ReadFull(r.br, hdr[:2]); err != nil {
		return 0, nil, 0, err
	}
	op = int(hdr[0] & 0x0f)
	l := uint64(hdr[1] & 0x7f)
	switch l {
	case 126:
		if _, err = io.ReadFull(r.br, hdr[:2]); err != nil {
			return 0, nil, 0, err
		}
		l = uint64(binary.BigEndian.Uint16(hdr[:2]))
	case 127:
		if _, err = io.ReadFull(r.br, hdr[:8]); err != nil {
			return 0, nil, 0, err
		}
		l = binary.BigEndian.Uint64(hdr[:8])
	}
	if keep(op) {
		payload = make([]byte, l)
		_, err = io.ReadFull(r.br, payload)
		return op, payload, int(l), err
	}
	_, err = r.br.Discard(int(l))
	return op, nil, int(l), err
}

// loadRecording posts the shipped recording (the whole 2023 campaign) to
// the hub at full speed.
func loadRecording(b *testing.B, url string) int {
	b.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "demo", "recordings", "summer-action-2023.jsonl.gz")
	f, err := feed.OpenRecording(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rec, err := replay.Load(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := replay.RunRecording(context.Background(), replay.Options{URL: url, Token: hubtest.IngestToken, BatchSize: 5000, Logger: slog.New(slog.DiscardHandler)}, rec); err != nil {
		b.Fatal(err)
	}
	return rec.Len()
}

// BenchmarkReconnectStorm: a hub holding the whole campaign (the shipped
// recording, a 155 KB state) and SITBOARD_BENCH_LIVE boards (default 100)
// already connected; then N boards connect at once, as after a hub restart
// or a network blip, while SITBOARD_BENCH_LIVE_RATE events/s (default 10)
// keep arriving. It reports the hub's CPU per joining board (its
// utime+stime from the storm's start until every board has its state),
// the time to state of the storm's boards (from the storm's start to the
// last byte of the snapshot, p50, p99, max), the snapshot encodings the
// hub made, the latency of the live events at the boards already
// connected (p50, p99, max, from just before the POST to the read), and
// the share of the hub's goroutine runs that waited over 10 ms for a core
// (sched-over-10ms-%, from go_sched_latencies_seconds): how saturated the
// hub was, which the live latency follows.
//
// The boards already connected and the source of the live events run in
// a process of their own (the live room, liveroom_linux_test.go), as they
// would on machines of their own: in the benchmark's process they read
// only when its scheduler reaches them behind thousands of storm boards,
// and the latency measured would include the benchmark's own scheduling.
// client-cores is the storm boards' CPU (this process), room-cpu-s the
// live room's.
//
// The hub keeps its log in a file store with the default --sync always,
// as a hub serving that many boards does (--data; the memory store is the
// demo's). SITBOARD_BENCH_STORE=memory measures the memory store.
//
// The storm's boards dial with at most 1,024 handshakes in flight, so the
// kernel's accept queue (somaxconn 4,096, SYN backlog 2,048 here) never
// drops a SYN and adds a second's retry to a board's time. Run it with
// -benchtime=1x. SITBOARD_BENCH_TRACE writes an execution trace of the
// hub over the storm's first 3 s, SITBOARD_BENCH_CPUPROFILE a CPU profile.
// SITBOARD_BENCH_TIMER_SLACK gives the hub a timer slack, as in
// BenchmarkFanout; SITBOARD_BENCH_JOIN_SLOTS its joins in flight
// (Options.JoinsInFlight; -1: no cap).
func BenchmarkReconnectStorm(b *testing.B) {
	for _, boards := range []int{4000, 10000} {
		b.Run("boards="+strconv.Itoa(boards), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				reconnectStorm(b, boards)
				b.StartTimer()
			}
		})
	}
}

func reconnectStorm(b *testing.B, boards int) {
	liveBoards := envInt("SITBOARD_BENCH_LIVE", 100)
	liveRate := envInt("SITBOARD_BENCH_LIVE_RATE", 10)
	dir := b.TempDir()
	// A hub that serves ten thousand boards keeps its log on disk (--data).
	store := cmp.Or(os.Getenv("SITBOARD_BENCH_STORE"), "file")
	cmd, url := startProcess(b, dir, benchHubEnv, "SITBOARD_BENCH_STORE="+store)
	pid := cmd.Process.Pid
	addr := strings.TrimPrefix(url, "http://")
	events := loadRecording(b, url)
	cfg := hubtest.Campaign(b)

	// The boards already connected and the events' source, in a process
	// of their own (liveroom_linux_test.go).
	posts := max(liveRate*3, 1)
	room := startLiveRoom(b, liveRoomPlan{Addr: addr, Boards: liveBoards, Interval: time.Second / time.Duration(liveRate), Posts: posts})
	// A hub that has been running: the last snapshot it encoded (for the
	// boards above) is further behind than a joining board may take.
	if _, err := hubtest.TryPost(url, hubtest.Events(cfg, "before-storm", 0, 1000)); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); hubtest.Snapshot(b, url).Seq < uint64(events+1000); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the hub did not fold the events before the storm")
		}
	}
	encodings0 := metricOr(b, url, "sitboard_snapshot_encodings_total", -1)
	runs0, slow0 := slowRuns(b, url)
	hello, _ := json.Marshal(feed.Hello{Type: feed.MsgHello})

	// Saved before the hub is killed at the end: a 4,000-board storm ends
	// before their 3 s, and a hub killed meanwhile cuts them short.
	saveTrace := recordDebug(b, "SITBOARD_BENCH_TRACE", url+"/debug/pprof/trace?seconds=3")
	saveProfile := recordDebug(b, "SITBOARD_BENCH_CPUPROFILE", url+"/debug/pprof/profile?seconds=3")
	cpu0 := procCPU(b, pid)
	self0 := procCPU(b, os.Getpid())
	all0 := machineCPU(b)
	roomCPU0 := procCPU(b, room.cmd.Process.Pid)
	start := time.Now()
	if err := room.begin(start); err != nil {
		b.Fatal(err)
	}
	// The storm.
	toState := make([]time.Duration, boards)
	conns := make([]*rawStreamConn, boards)
	sem := make(chan struct{}, 1024)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	for i := range boards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			c, err := dialRawStream(addr, hello)
			<-sem
			if err == nil {
				conns[i] = c
				op := websocket.PingMessage
				for err == nil && op == websocket.PingMessage {
					// A hub slow to send the snapshot pings meanwhile.
					op, _, _, err = c.frame(func(int) bool { return false })
				}
				if err == nil && op != websocket.TextMessage {
					err = fmt.Errorf("first frame has opcode %d", op)
				}
				c.release()
			}
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("storm board %d: %w", i, err)
				}
				errMu.Unlock()
				return
			}
			toState[i] = time.Since(start)
		}()
	}
	wg.Wait()
	stormTime := time.Since(start)
	cpu := procCPU(b, pid) - cpu0
	self := procCPU(b, os.Getpid()) - self0
	others := machineCPU(b) - all0 - cpu - self - (procCPU(b, room.cmd.Process.Pid) - roomCPU0)
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	encodings := metricOr(b, url, "sitboard_snapshot_encodings_total", -1) - encodings0
	runs1, slow1 := slowRuns(b, url)
	slack := metricOr(b, url, "sitboard_timer_slack_seconds", 0)
	rss, hwm := procMem(b, pid)
	res, err := room.result()
	if err != nil {
		b.Fatal(err)
	}
	roomCPU := procCPU(b, room.cmd.Process.Pid) - roomCPU0
	lat := res.LatencyUS
	for _, c := range conns {
		if c != nil {
			c.c.Close()
		}
	}
	slices.Sort(lat)
	slices.Sort(toState)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	usMs := func(us int32) float64 { return float64(us) / 1000 }
	b.ReportMetric(cpu.Seconds()*1000/float64(boards), "hub-cpu-ms/board")
	b.ReportMetric(cpu.Seconds(), "hub-cpu-s")
	b.ReportMetric(stormTime.Seconds(), "storm-s")
	b.ReportMetric(ms(toState[len(toState)/2]), "state-p50-ms")
	b.ReportMetric(ms(toState[len(toState)*99/100]), "state-p99-ms")
	b.ReportMetric(ms(toState[len(toState)-1]), "state-max-ms")
	b.ReportMetric(usMs(lat[len(lat)/2]), "live-p50-ms")
	b.ReportMetric(usMs(lat[len(lat)*99/100]), "live-p99-ms")
	b.ReportMetric(usMs(lat[len(lat)-1]), "live-max-ms")
	b.ReportMetric(encodings, "encodings")
	if runs1 > runs0 {
		b.ReportMetric(100*(slow1-slow0)/(runs1-runs0), "sched-over-10ms-%")
	}
	b.ReportMetric(self.Seconds()/stormTime.Seconds(), "client-cores")
	b.ReportMetric(roomCPU.Seconds(), "room-cpu-s")
	b.ReportMetric(max(others, 0).Seconds()/stormTime.Seconds(), "other-cores")
	b.ReportMetric(float64(rss)/1024, "hub-rss-MB")
	b.ReportMetric(float64(hwm)/1024, "hub-hwm-MB")
	b.ReportMetric(float64(events), "log-events")
	b.ReportMetric(slack*1e6, "hub-timer-slack-us")
	saveTrace()
	saveProfile()
	_ = cmd.Process.Kill()
}

// BenchmarkResumeMemory: SITBOARD_BENCH_RESUMERS boards (default 200)
// resume SITBOARD_BENCH_BACK events back (default 60,000) at once from a
// hub holding SITBOARD_BENCH_LOG events (default 70,000, so the ring holds
// them), each reading as fast as it can and checking that it gets every
// event after its resume point once, in order. Reports the hub's peak RSS
// (VmHWM; the target is under 400 MB for 200 boards 60,000 back),
// its RSS before the resumes, the wall time until every board has caught
// up, and the hub's CPU.
func BenchmarkResumeMemory(b *testing.B) {
	resumers := envInt("SITBOARD_BENCH_RESUMERS", 200)
	back := envInt("SITBOARD_BENCH_BACK", 60_000)
	total := envInt("SITBOARD_BENCH_LOG", 70_000)
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		cmd, url := startProcess(b, dir, benchHubEnv)
		pid := cmd.Process.Pid
		addr := strings.TrimPrefix(url, "http://")
		cfg := hubtest.Campaign(b)
		for i := 0; i < total; i += 5000 {
			if _, err := hubtest.TryPost(url, hubtest.Events(cfg, "mem", i, min(5000, total-i))); err != nil {
				b.Fatal(err)
			}
		}
		snap := hubtest.Snapshot(b, url)
		for deadline := time.Now().Add(60 * time.Second); snap.Seq < uint64(total); snap = hubtest.Snapshot(b, url) {
			if time.Now().After(deadline) {
				b.Fatalf("hub folded %d of %d events", snap.Seq, total)
			}
			time.Sleep(10 * time.Millisecond)
		}
		runtime.GC()
		rss0, _ := procMem(b, pid)
		from := uint64(total - back)
		hello, _ := json.Marshal(feed.Hello{Type: feed.MsgHello, Epoch: snap.Epoch, LastSeq: from})
		cpu0 := procCPU(b, pid)
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, resumers)
		for range resumers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- resumeAll(addr, hello, from, uint64(total))
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		cpu := procCPU(b, pid) - cpu0
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		rss, hwm := procMem(b, pid)
		b.ReportMetric(float64(hwm)/1024, "hub-hwm-MB")
		b.ReportMetric(float64(rss0)/1024, "hub-rss-before-MB")
		b.ReportMetric(float64(rss)/1024, "hub-rss-after-MB")
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(cpu.Seconds(), "hub-cpu-s")
		b.ReportMetric(float64(resumers), "boards")
		b.ReportMetric(float64(back), "events-back")
		_ = cmd.Process.Kill()
		b.StartTimer()
	}
}

var (
	eventsKey = []byte(`"events":[`)
	seqKey    = []byte(`{"seq":`)
)

// resumeAll resumes with hello and reads until seq `to`, checking that the
// events' seqs run from `from`+1 without a gap or a duplicate. It reads
// only the seqs: each event's encoding starts with it.
func resumeAll(addr string, hello []byte, from, to uint64) error {
	c, err := dialRawStream(addr, hello)
	if err != nil {
		return err
	}
	defer c.c.Close()
	last := from
	for last < to {
		op, payload, _, err := c.frame(func(op int) bool { return op == websocket.TextMessage })
		if err != nil {
			return fmt.Errorf("after seq %d: %w", last, err)
		}
		switch op {
		case websocket.TextMessage:
		case websocket.PingMessage:
			if _, err := c.c.Write(append([]byte{0x80 | websocket.PongMessage, 0x80}, 0, 0, 0, 0)); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("after seq %d: frame opcode %d", last, op)
		}
		i := bytes.Index(payload, eventsKey)
		if i < 0 {
			continue // a heartbeat, or the empty recovered batch
		}
		for rest := payload[i+len(eventsKey):]; ; {
			if !bytes.HasPrefix(rest, seqKey) {
				break
			}
			rest = rest[len(seqKey):]
			j := bytes.IndexByte(rest, ',')
			seq, err := strconv.ParseUint(string(rest[:j]), 10, 64)
			if err != nil || seq != last+1 {
				return fmt.Errorf("event seq %q after %d: gap or duplicate", rest[:j], last)
			}
			last = seq
			// The next event starts after this one's closing brace; events
			// hold nested objects, so find the next `},{"seq":`.
			k := bytes.Index(rest, []byte(`},{"seq":`))
			if k < 0 {
				break
			}
			rest = rest[k+2:]
		}
	}
	return nil
}
