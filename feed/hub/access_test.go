package hub_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"sitboard/feed"
	"sitboard/feed/hub"
	"sitboard/feed/hub/hubtest"
)

// TestNewRefusesRiskyAccess: settings that would open the hub by accident
// stop it before the log starts, with an error that names the fix.
func TestNewRefusesRiskyAccess(t *testing.T) {
	cfg := hubtest.Campaign(t)
	for _, tc := range []struct {
		name string
		opts hub.Options
		want string
	}{
		{"no ingest token", hub.Options{ReadToken: "r-token"}, "--ingest-token"},
		{"no read token", hub.Options{IngestToken: "i-token"}, "pass --public-read"},
		{"equal tokens", hub.Options{IngestToken: "same-token", ReadToken: "same-token"}, "give them different values"},
		{"read token is the ingest token and a space", hub.Options{IngestToken: "same-token", ReadToken: "same-token "}, "differ only in spaces"},
		{"tokens differ in spaces around them", hub.Options{IngestToken: "\tsame-token", ReadToken: " same-token\n"}, "differ only in spaces"},
		{"tokens differ in a space inside", hub.Options{IngestToken: "same-token", ReadToken: "same- token"}, "differ only in spaces"},
		{"ingest token of spaces", hub.Options{IngestToken: "   ", ReadToken: "r-token"}, "no ingest token"},
		{"read token of spaces", hub.Options{IngestToken: "i-token", ReadToken: " \t"}, "no read token"},
		{"read token and public read", hub.Options{IngestToken: "i-token", ReadToken: "r-token", PublicRead: true}, "drop one"},
		{"origin without scheme", hub.Options{IngestToken: "i-token", ReadToken: "r-token", AllowedOrigins: []string{"board.example"}}, "want a browser origin"},
		{"origin with a path", hub.Options{IngestToken: "i-token", ReadToken: "r-token", AllowedOrigins: []string{"https://board.example/wall"}}, "no path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Campaign = cfg
			h, err := hub.New(tc.opts)
			if err == nil {
				h.Close()
				t.Fatal("hub started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestTokensTrimmedAlike: a token configured with spaces around it is the
// token without them, as a request's token is: the hub takes the trimmed
// token, and a read token that is the ingest token plus a space, refused
// at start, can never authorise ingest.
func TestTokensTrimmedAlike(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.IngestToken, o.ReadToken = " ingest-secret\n", "read-secret\t" })
	body := []byte(`[]`)
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/v1/events", "ingest-secret", http.StatusBadRequest}, // authorised: the empty batch is what is refused
		{"/v1/events", "read-secret", http.StatusUnauthorized},
		{"/v1/snapshot", "read-secret", http.StatusOK},
		{"/v1/snapshot", "ingest-secret", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+c.path, bytes.NewReader(body))
		if c.path == "/v1/snapshot" {
			req, _ = http.NewRequest(http.MethodGet, s.URL+c.path+"?token=%20"+c.token+"%20", nil)
		} else {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s with %q: %d, want %d", c.path, c.token, resp.StatusCode, c.want)
		}
	}
}

// TestPublicReadServesWithoutToken: --public-read is the explicit way to an
// open feed, and it works.
func TestPublicReadServesWithoutToken(t *testing.T) {
	s := hubtest.Start(t, func(o *hub.Options) { o.ReadToken, o.PublicRead = "", true })
	resp, err := http.Get(s.URL + "/v1/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("snapshot without a token on a public hub: %s", resp.Status)
	}
	c := dial(t, s.WS, "")
	c.hello("", 0)
	if m := c.mustNext(); m.Type != feed.MsgSnapshot {
		t.Fatalf("got %s, want a snapshot", m.Type)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOriginAllowlist: browsers get in only from a listed origin. A page
// reached through DNS rebinding sends an Origin equal to its Host, which
// the old same-host rule let through; the allowlist refuses it.
func TestOriginAllowlist(t *testing.T) {
	var logs syncBuffer
	s := hubtest.Start(t, func(o *hub.Options) {
		o.AllowedOrigins = []string{"https://Board.Example:8443/", " "}
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	host := strings.TrimPrefix(s.URL, "http://")
	for _, tc := range []struct {
		name    string
		header  http.Header
		allowed bool
	}{
		{"no origin: a board or tool", http.Header{}, true},
		{"listed origin, other case", http.Header{"Origin": {"https://board.example:8443"}}, true},
		{"listed host, other port", http.Header{"Origin": {"https://board.example:9000"}}, false},
		{"listed host, other scheme", http.Header{"Origin": {"http://board.example:8443"}}, false},
		{"foreign origin", http.Header{"Origin": {"https://evil.example"}}, false},
		{"same host as the hub", http.Header{"Origin": {"http://" + host}}, false},
		{"dns rebinding", http.Header{"Origin": {"http://rebind.attacker.example:80"}, "Host": {"rebind.attacker.example:80"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.header.Set("Authorization", "Bearer "+hubtest.ReadToken)
			conn, resp, err := websocket.DefaultDialer.Dial(s.WS, tc.header)
			if tc.allowed {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatal("allowed")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("want 403, got %v (%v)", resp, err)
			}
			if !strings.Contains(logs.String(), "--allow-origin") {
				t.Errorf("refusal not logged with the fix:\n%s", logs.String())
			}
		})
	}
}

// TestRefusedOriginsDoNotFloodTheLog: a page retrying in a loop is counted
// in the metrics every time but logged once per interval.
func TestRefusedOriginsDoNotFloodTheLog(t *testing.T) {
	var logs syncBuffer
	s := hubtest.Start(t, func(o *hub.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	const tries = 30
	for range tries {
		hdr := http.Header{"Origin": {"https://evil.example"}, "Authorization": {"Bearer " + hubtest.ReadToken}}
		if conn, _, err := websocket.DefaultDialer.Dial(s.WS, hdr); err == nil {
			conn.Close()
			t.Fatal("foreign origin allowed")
		}
	}
	if n := strings.Count(logs.String(), "stream refused a browser origin"); n != 1 {
		t.Errorf("%d log lines for %d refusals in a burst, want 1:\n%s", n, tries, logs.String())
	}
	if got := metric(t, s.URL, "sitboard_stream_rejected_total"); got != "30" {
		t.Errorf("sitboard_stream_rejected_total = %s, want %d", got, tries)
	}
}
