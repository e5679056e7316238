package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitboard/campaign"
	"sitboard/feed/client"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// startNatsCluster runs an n-node JetStream cluster in this process, from
// the nats-server module the hub embeds: no external binary.
func startNatsCluster(t *testing.T, n int) (nodes []*server.Server, urls []string) {
	t.Helper()
	routePorts := freePorts(t, n)
	for i := range n {
		var routes []string
		for j, p := range routePorts {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
			}
		}
		ns, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			Cluster:    server.ClusterOpts{Name: "sitboard-test", Host: "127.0.0.1", Port: routePorts[i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
			NoLog:      true,
			NoSigs:     true,
		})
		if err != nil {
			t.Fatal(err)
		}
		ns.Start()
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		if !ns.ReadyForConnections(10 * time.Second) {
			t.Fatalf("node %d did not start", i)
		}
		nodes = append(nodes, ns)
		urls = append(urls, ns.ClientURL())
	}
	// Wait for the JetStream meta group: a leader, and every node current.
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader, current := false, 0
		for _, ns := range nodes {
			if ns.JetStreamIsLeader() {
				leader = true
			}
			if ns.JetStreamIsCurrent() {
				current++
			}
		}
		if leader && current == n {
			return nodes, urls
		}
		if time.Now().After(deadline) {
			t.Fatalf("JetStream cluster not ready: leader %v, %d of %d nodes current", leader, current, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// board is a real board client (feed/client) on one hub.
type board struct {
	mu    sync.Mutex
	state *campaign.State
	err   error
}

func startBoard(t *testing.T, ctx context.Context, url string, cfg *campaign.Config) *board {
	b := &board{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := client.Run(ctx, client.Options{URL: url, Token: hubtest.ReadToken, Campaign: cfg}, func(batch client.Batch) {
			if batch.State != nil {
				b.mu.Lock()
				b.state = batch.State
				b.mu.Unlock()
			}
		})
		b.mu.Lock()
		b.err = err
		b.mu.Unlock()
	}()
	t.Cleanup(func() { <-done })
	return b
}

func (b *board) seq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil {
		return 0
	}
	return b.state.Seq
}

func (b *board) json(t *testing.T) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out, err := json.Marshal(b.state)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func healthOf(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestFailoverOnNatsCluster: three hubs on a 3-node JetStream cluster; the
// node one hub is attached to is killed during ingest. That hub reconnects
// to another node and its reader resumes after its last folded seq: every
// board on every hub reaches the same state within 10s, and every event
// answered 202 is in it.
func TestFailoverOnNatsCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-node cluster: not in -short")
	}
	nodes, urls := startNatsCluster(t, 3)
	cfg := hubtest.Campaign(t)
	logs := make([]*syncBuffer, 3)
	hubs := make([]*hub.Hub, 3)
	srvs := make([]*httptest.Server, 3)
	for i := range 3 {
		// Hub i is attached to node i first: the list starts there and
		// is not shuffled.
		list := append(append([]string{}, urls[i:]...), urls[:i]...)
		logs[i] = &syncBuffer{}
		h, err := hub.New(hub.Options{
			Campaign: cfg, NatsURL: strings.Join(list, ","), Replicas: 3,
			NatsOptions: []nats.Option{nats.DontRandomize()},
			IngestToken: hubtest.IngestToken, ReadToken: hubtest.ReadToken,
			Logger: slog.New(slog.NewTextHandler(logs[i], &slog.HandlerOptions{Level: slog.LevelInfo})),
		})
		if err != nil {
			t.Fatalf("hub %d: %v", i, err)
		}
		hubs[i] = h
		srvs[i] = httptest.NewServer(h.Handler())
		t.Cleanup(func() { h.Close(); srvs[i].Close() })
	}
	_, hz := healthOf(t, srvs[0].URL)
	if hz["nats_server"] != "n0" {
		t.Fatalf("hub 0 is attached to %v, want n0 (healthz %v)", hz["nats_server"], hz)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	boards := make([]*board, 3)
	for i := range 3 {
		boards[i] = startBoard(t, ctx, srvs[i].URL, cfg)
	}

	// Ingest in batches of 10, round robin over the hubs. A batch that is
	// not answered 202 (the hub's node is gone, a leader election) is sent
	// again to the next hub: ingest is idempotent by id.
	const batch, before, after = 10, 300, 300
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		lastSeq uint64
	)
	post := func(n int) {
		evs := hubtest.Events(cfg, "fo", n, batch)
		deadline := time.Now().Add(30 * time.Second)
		for try := 0; ; try++ {
			res, err := hubtest.TryPost(srvs[(n/batch+try)%3].URL, evs)
			if err == nil {
				mu.Lock()
				for _, ev := range evs {
					acked[ev.ID] = true
				}
				lastSeq = max(lastSeq, res.LastSeq)
				mu.Unlock()
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("batch %d never answered 202: %v", n, err)
				return
			}
		}
	}
	for n := 0; n < before; n += batch {
		post(n)
	}
	// Which node leads the stream: when it is the one killed, NATS must
	// elect another (seconds) before anything is stored.
	leader := "?"
	if nc, err := nats.Connect(urls[1]); err == nil {
		if js, err := jetstream.New(nc); err == nil {
			if st, err := js.Stream(context.Background(), hub.DefaultStream); err == nil && st.CachedInfo().Cluster != nil {
				leader = st.CachedInfo().Cluster.Leader
			}
		}
		nc.Close()
	}
	// Kill hub 0's node while ingest goes on.
	kill := make(chan time.Time, 1)
	var ingest sync.WaitGroup
	ingest.Add(1)
	go func() {
		defer ingest.Done()
		for n := before; n < before+after; n += batch {
			if n == before+batch*3 {
				nodes[0].Shutdown()
				kill <- time.Now()
			}
			post(n)
		}
	}()
	killedAt := <-kill
	killSeq := hubs[0].Seq()
	// Failover time: from the kill until hub 0 folds an event stored
	// after it.
	var failover time.Duration
	for deadline := killedAt.Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		target := lastSeq
		mu.Unlock()
		if target > killSeq+batch && hubs[0].Seq() > killSeq+batch {
			failover = time.Since(killedAt)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub 0 stuck at seq %d for 30s after its node died (log head %d)\nhub 0 log:\n%s", hubs[0].Seq(), target, logs[0])
		}
	}
	ingest.Wait()
	ingestDone := time.Now()
	mu.Lock()
	head, n := lastSeq, len(acked)
	mu.Unlock()
	if head != uint64(n) {
		t.Errorf("log head %d after %d distinct events answered 202: an event was stored twice or lost", head, n)
	}
	// Every board on every hub reaches the same state within 10s.
	var converged time.Duration
	for deadline := ingestDone.Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		all := true
		for i := range 3 {
			all = all && hubs[i].Seq() == head && boards[i].seq() == head
		}
		if all {
			converged = time.Since(killedAt)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10s after ingest ended: hubs at %d/%d/%d, boards at %d/%d/%d, want %d\nhub 0 log:\n%s",
				hubs[0].Seq(), hubs[1].Seq(), hubs[2].Seq(), boards[0].seq(), boards[1].seq(), boards[2].seq(), head, logs[0])
		}
	}
	want := hubtest.Snapshot(t, srvs[1].URL)
	var st campaign.State
	if err := json.Unmarshal(want.State, &st); err != nil {
		t.Fatal(err)
	}
	if st.Events != int64(n) {
		t.Errorf("the state holds %d events, %d were answered 202", st.Events, n)
	}
	for i := range 3 {
		got := hubtest.Snapshot(t, srvs[i].URL)
		if got.Epoch != want.Epoch || got.Seq != want.Seq || string(got.State) != string(want.State) {
			t.Errorf("hub %d's snapshot differs from hub 1's (seq %d vs %d)", i, got.Seq, want.Seq)
		}
		var gotState, boardState any
		_ = json.Unmarshal(got.State, &gotState)
		_ = json.Unmarshal([]byte(boards[i].json(t)), &boardState)
		a, _ := json.Marshal(gotState)
		b, _ := json.Marshal(boardState)
		if string(a) != string(b) {
			t.Errorf("board on hub %d differs from its hub's snapshot", i)
		}
	}
	for _, want := range []string{"NATS connection lost", "NATS reconnected", "log reader restarted"} {
		if !strings.Contains(logs[0].String(), want) {
			t.Errorf("hub 0 did not log %q:\n%s", want, logs[0])
		}
	}
	for i := range 3 {
		if strings.Contains(logs[i].String(), "log reader restarted") {
			t.Logf("hub %d log:\n%s", i, logs[i])
		}
	}
	// /healthz follows the watchdog's checks, a moment behind.
	body := waitHealth(t, srvs[0].URL, "ok after the failover", func(code int, body map[string]any) bool {
		return code == http.StatusOK && body["status"] == "ok"
	})
	if body["nats_server"] == "n0" {
		t.Errorf("hub 0 still says it is attached to the dead node: %v", body)
	}
	t.Logf("failover (stream leader %s, killed n0): hub 0 folded new events %s after its node died; all %d boards equal at seq %d %s after the kill (%s after ingest ended)",
		leader, failover.Round(time.Millisecond), len(boards), head, converged.Round(time.Millisecond), time.Since(ingestDone).Round(time.Millisecond))
}
