package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sitboard/feed/client"
)

// TestGetWaitsOutAStartingHub: a 503 with Retry-After (a hub starting, or
// folding its log for bulletins) is asked again after it, while the
// caller's deadline leaves time; without that time, the hub's answer is
// returned at once. Any other refusal is final.
func TestGetWaitsOutAStartingHub(t *testing.T) {
	const folding = `{"error":"the hub is still folding the event log for bulletins (seq 1000 of 3000): retry in 1 s","fold":"reports","seq":1000,"of":3000}`
	var asked atomic.Int32
	busyFor := int32(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := asked.Add(1)
		switch {
		case r.URL.Query().Get("period") == "gone":
			http.Error(w, "no such period", http.StatusServiceUnavailable) // no Retry-After: final
		case n <= busyFor:
			w.Header().Set("Retry-After", "1")
			http.Error(w, folding, http.StatusServiceUnavailable)
		default:
			w.Write([]byte(`{"kind":"campaign"}`))
		}
	}))
	defer srv.Close()
	opts := client.Options{URL: srv.URL, Token: "tok"}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := client.Get(ctx, opts, "/v1/reports", nil)
	if err != nil || string(body) != `{"kind":"campaign"}` || asked.Load() != 3 {
		t.Fatalf("after two 503s with Retry-After: %q, %v, %d requests; want the bulletin on the third", body, err, asked.Load())
	}

	asked.Store(0)
	short, cancelShort := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancelShort()
	if _, err := client.Get(short, opts, "/v1/reports", nil); err == nil || !strings.Contains(err.Error(), "seq 1000 of 3000") || asked.Load() != 1 {
		t.Errorf("with no time left to wait: %v after %d requests; want the hub's progress after one", err, asked.Load())
	}
	asked.Store(0)
	if _, err := client.Get(ctx, opts, "/v1/reports", url.Values{"period": {"gone"}}); err == nil || asked.Load() != 1 {
		t.Errorf("a 503 without Retry-After: %v after %d requests; want it returned after one", err, asked.Load())
	}
}
