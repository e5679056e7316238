package client_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestErrorsHideToken: a hub address with ?token= (the form a browser
// needs, and what operators paste) never shows the token in the error a
// board puts on screen, in the client's log, or in Run's result.
func TestErrorsHideToken(t *testing.T) {
	const secret = "secret-read-token-123"
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downAddr := down.Addr().String()
	down.Close() // nothing listens there any more
	notHub := httptest.NewServer(http.NotFoundHandler())
	defer notHub.Close()
	refusing := hubtest.Start(t, nil)

	for _, tc := range []struct {
		name, url string
		terminal  bool // Run returns the error instead of retrying
		want      string
	}{
		{"hub down", "ws://" + downAddr + "/v1/stream?token=" + secret, false, "cannot reach the hub"},
		{"not a hub", strings.Replace(notHub.URL, "http", "ws", 1) + "/v1/stream?token=" + secret, true, "is this a sitboard hub"},
		{"wrong token", refusing.WS + "?token=" + secret, true, "hub refused the read token"},
		{"bad scheme", "ftp://hub/?token=" + secret, true, "bad hub URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs lockedBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var mu sync.Mutex
			var shown []string
			errc := make(chan error, 1)
			go func() {
				errc <- client.Run(ctx, client.Options{
					URL: tc.url, Token: secret, Campaign: hubtest.Campaign(t),
					MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
					Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				}, func(b client.Batch) {
					if b.Conn.Err != nil {
						mu.Lock()
						shown = append(shown, b.Conn.Err.Error())
						mu.Unlock()
						if b.Conn.Attempt >= 2 {
							cancel() // two reconnect warnings logged: enough
						}
					}
				})
			}()
			runErr := <-errc
			if tc.terminal {
				if runErr == nil {
					t.Fatal("Run retried a terminal refusal")
				}
				shown = append(shown, runErr.Error())
			}
			mu.Lock()
			all := strings.Join(shown, "\n")
			mu.Unlock()
			if !strings.Contains(all, tc.want) {
				t.Fatalf("errors do not say %q:\n%s", tc.want, all)
			}
			for what, text := range map[string]string{"on-screen error": all, "log": logs.String()} {
				if strings.Contains(text, secret) {
					t.Errorf("token in the %s:\n%s", what, text)
				}
			}
			if runErr != nil {
				var ce *client.CloseError
				if tc.name != "bad scheme" && !errors.As(runErr, &ce) {
					t.Errorf("redaction lost the *CloseError: %T %v", runErr, runErr)
				}
			}
			if tc.name == "hub down" && !strings.Contains(all, "token="+feed.Redacted) {
				t.Errorf("the address is not shown redacted:\n%s", all)
			}
		})
	}
}
