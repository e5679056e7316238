package hub_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestExternalLogOutOfStorage: without --max-bytes a hub on an external
// NATS server has no size limit of its own (the servers' storage is the
// operator's setting), so when that storage is used up ingest answers 507
// naming it and what to do, not a 503 "log unavailable", logs an ERROR,
// and says what of the request was stored.
func TestExternalLogOutOfStorage(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		JetStreamMaxStore: 1 << 20, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	logs := &syncBuffer{}
	s := hubtest.Start(t, func(o *hub.Options) {
		o.NatsURL = ns.ClientURL()
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	var code int
	var answer []byte
	for i := 0; i < 100; i++ { // 500 events are about 200 KiB: 1 MiB is used up within a few
		body, _ := json.Marshal(hubtest.Events(s.Cfg, "full", i*500, 500))
		code, answer, err = hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		if code != http.StatusAccepted {
			break
		}
	}
	if code != http.StatusInsufficientStorage {
		t.Fatalf("ingest on a server out of storage: %d %s, want 507", code, answer)
	}
	for _, want := range []string{"no storage left", "max_file_store", "retry the same batch later"} {
		if !strings.Contains(string(answer), want) {
			t.Errorf("the 507 does not say %q: %s", want, answer)
		}
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="the log's storage is used up`) {
		t.Errorf("no ERROR logged:\n%s", tail(logs.String(), 10))
	}
	// Meanwhile a request is refused before it is sent to the servers.
	code, answer, _ = hubtest.PostRaw(s.URL, hubtest.IngestToken, "application/json", mustJSON(hubtest.Events(s.Cfg, "more", 0, 3)))
	if code != http.StatusInsufficientStorage || !strings.Contains(string(answer), "nothing of the request was stored") {
		t.Errorf("the next request: %d %s, want a 507 that stored nothing", code, answer)
	}
}
