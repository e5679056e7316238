package hub_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"

	"sitboard/feed"
)

// runBareBroadcast is BenchmarkFanout's yardstick (SITBOARD_BENCH_BARE=1):
// the plainest gorilla broadcast server, with no log, no fold, no batching
// and no bounds. Each POST /v1/events is decoded, encoded once as a
// prepared message and handed to every board's own writer goroutine, which
// writes it with WritePreparedMessage: what a first gorilla hub would do.
// It answers the hello with an empty snapshot and serves the two counters
// the benchmark reads, so the harness and the boards are the same as the
// hub's; the ratio of deliveries per core between the two is the hub's
// figure of merit (docs/operations.md, "Fan-out").
func runBareBroadcast(dir string) {
	b := &bareBroadcast{boards: map[*bareBoard]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare broadcast:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/events", b.ingest)
	mux.HandleFunc("/v1/stream", b.stream)
	mux.HandleFunc("/metrics", b.metrics)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	serveChild(dir, ln, mux)
}

type bareBroadcast struct {
	mu         sync.Mutex
	boards     map[*bareBoard]struct{}
	seq        uint64
	deliveries atomic.Uint64
	frames     atomic.Uint64
}

type bareBoard struct {
	conn *websocket.Conn
	out  chan bareFrame
	gone chan struct{}
}

type bareFrame struct {
	pm     *websocket.PreparedMessage
	events int
}

func (b *bareBroadcast) ingest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var evs []feed.Event
	if err := json.Unmarshal(body, &evs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	for i := range evs {
		b.seq++
		evs[i].Seq = b.seq
	}
	first, last := b.seq-uint64(len(evs))+1, b.seq
	data, err := json.Marshal(feed.Message{Type: feed.MsgEvents, Events: evs})
	if err == nil {
		pm, perr := websocket.NewPreparedMessage(websocket.TextMessage, data)
		if perr == nil {
			for bb := range b.boards {
				select {
				case bb.out <- bareFrame{pm: pm, events: len(evs)}:
				default: // a board this far behind misses frames: bare indeed
				}
			}
		}
	}
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{"accepted": len(evs), "first_seq": first, "last_seq": last})
}

func (b *bareBroadcast) stream(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 32 << 10}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	if _, _, err := conn.ReadMessage(); err != nil { // the hello
		_ = conn.Close()
		return
	}
	bb := &bareBoard{conn: conn, out: make(chan bareFrame, 1024), gone: make(chan struct{})}
	if err := conn.WriteJSON(feed.Message{Type: feed.MsgSnapshot, State: json.RawMessage(`{}`)}); err != nil {
		_ = conn.Close()
		return
	}
	b.mu.Lock()
	b.boards[bb] = struct{}{}
	b.mu.Unlock()
	go func() { // gorilla's reader answers pings and notices a close
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				close(bb.gone)
				return
			}
		}
	}()
write:
	for {
		select {
		case f := <-bb.out:
			if err := conn.WritePreparedMessage(f.pm); err != nil {
				break write
			}
			b.frames.Add(1)
			b.deliveries.Add(uint64(f.events))
		case <-bb.gone:
			break write
		}
	}
	b.mu.Lock()
	delete(b.boards, bb)
	b.mu.Unlock()
	_ = conn.Close()
}

func (b *bareBroadcast) metrics(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintf(w, "sitboard_deliveries_total %d\nsitboard_frames_total %d\n", b.deliveries.Load(), b.frames.Load())
}
