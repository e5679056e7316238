package hub_test

import (
	"encoding/json"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestResumeFromTrimmedLogSaysResync: a resume point older than what
// retention kept gets 4002 (drop the resume point, take a snapshot), not a
// stream that silently skips the dropped events.
func TestResumeFromTrimmedLogSaysResync(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) {
		o.RingSize = 16
		o.MaxBytes = 64 << 10 // the memory log keeps only the last few hundred events
	})
	const total = 3000
	for i := 0; i < total; i += 500 {
		hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "trim", i, 500))
	}
	s.WaitSeq(t, total)
	c := dial(t, s.WS, hubtest.ReadToken)
	c.hello(s.Hub.Epoch(), 1)
	for {
		m, err := c.next()
		if err != nil {
			code, _ := closeCodeOf(err)
			if code != feed.CloseResync {
				t.Fatalf("resume from a trimmed log ended with %v, want close %d", err, feed.CloseResync)
			}
			return
		}
		if m.Type == feed.MsgEvents && len(m.Events) > 0 && m.Events[0].Seq != 2 {
			t.Fatalf("resume after seq 1 started at seq %d: events were skipped", m.Events[0].Seq)
		}
	}
}

func closeCodeOf(err error) (int, string) {
	if ce, ok := err.(*websocket.CloseError); ok {
		return ce.Code, ce.Text
	}
	return 0, err.Error()
}

// BenchmarkLogResume200k: a board resumes 200,000 events behind, all older
// than the ring, so every one is read from the log. Target: <= 2s per
// resume (issue 10). Reports events/s.
func BenchmarkLogResume200k(b *testing.B) {
	const total = 200_000
	s := hubtest.Start(b, func(o *hub.Options) { o.RingSize = 1024; o.MaxHistory = total })
	for i := 0; i < total; i += 5000 {
		hubtest.Post(b, s.URL, hubtest.Events(s.Cfg, "bench", i, 5000))
	}
	s.WaitSeq(b, total)
	hdr := http.Header{"Authorization": {"Bearer " + hubtest.ReadToken}}
	b.ResetTimer()
	start := time.Now()
	cpuStart := processCPU(b)
	for i := range b.N {
		iterStart, iterCPU := time.Now(), processCPU(b)
		conn, _, err := websocket.DefaultDialer.Dial(s.WS, hdr)
		if err != nil {
			b.Fatal(err)
		}
		if err := conn.WriteJSON(feed.Hello{Type: feed.MsgHello, Epoch: s.Hub.Epoch(), LastSeq: 0}); err != nil {
			b.Fatal(err)
		}
		var last uint64
		for last < total {
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, data, err := conn.ReadMessage()
			if err != nil {
				b.Fatalf("after seq %d: %v", last, err)
			}
			var m feed.Message
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
			if m.Type == feed.MsgSnapshot {
				b.Fatal("got a snapshot, want the events from the log")
			}
			for _, ev := range m.Events {
				if ev.Seq != last+1 {
					b.Fatalf("seq %d after %d", ev.Seq, last)
				}
				last = ev.Seq
			}
		}
		conn.Close()
		b.Logf("resume %d: %v, %v CPU", i+1, time.Since(iterStart).Round(time.Millisecond), (processCPU(b) - iterCPU).Round(time.Millisecond))
	}
	b.ReportMetric(float64(total*b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/resume")
	// CPU seconds of hub and board together: on a shared, loaded machine
	// the wall time above mostly measures the wait for a core.
	b.ReportMetric((processCPU(b)-cpuStart).Seconds()/float64(b.N), "cpu-s/resume")
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
