package client_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sitboard/feed"
	"sitboard/feed/client"
	"sitboard/feed/hub/hubtest"
)

// TestPrivateCA: a hub whose certificate comes from a private CA is reached
// with that CA (--ca) and refused without it, with an error that names --ca.
func TestPrivateCA(t *testing.T) {
	s := hubtest.Start(t, nil)
	files := hubtest.PrivateCA(t, t.TempDir())
	cert, err := tls.LoadX509KeyPair(files.ServerCert, files.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Hub.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	wss := "wss" + strings.TrimPrefix(srv.URL, "https") + "/v1/stream"
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "tls", 0, 10))
	s.WaitSeq(t, 10)

	t.Run("with the CA", func(t *testing.T) {
		cfg, err := feed.ClientTLS(files.CA)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := watch(t, ctx, client.Options{URL: wss, Token: hubtest.ReadToken, Campaign: s.Cfg, TLS: cfg})
		w.waitFor(10, 10*time.Second)
	})
	t.Run("without the CA", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errs := make(chan error, 1)
		go client.Run(ctx, client.Options{URL: wss, Token: hubtest.ReadToken, Campaign: s.Cfg}, func(b client.Batch) {
			if b.Conn.Err != nil {
				select {
				case errs <- b.Conn.Err:
				default:
				}
				cancel()
			}
		})
		select {
		case err := <-errs:
			if !strings.Contains(err.Error(), "pass --ca FILE") {
				t.Fatalf("error does not say to pass --ca: %v", err)
			}
		case <-ctx.Done():
			t.Fatal("no connection error reported")
		}
	})
}

// TestHTTPLeavesTheSharedTLSAlone: the hub's HTTP endpoints are asked with
// the same --ca config the board's websocket dials with. net/http adds "h2"
// to the ALPN list of the config it is given; on the shared config the
// websocket was then offered HTTP/2 by an h2-capable hub or proxy and got
// nothing. After a request, the shared config is unchanged and the stream
// still works.
func TestHTTPLeavesTheSharedTLSAlone(t *testing.T) {
	s := hubtest.Start(t, nil)
	files := hubtest.PrivateCA(t, t.TempDir())
	cert, err := tls.LoadX509KeyPair(files.ServerCert, files.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Hub.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	hubtest.Post(t, s.URL, hubtest.Events(s.Cfg, "alpn", 0, 5))
	s.WaitSeq(t, 5)
	cfg, err := feed.ClientTLS(files.CA)
	if err != nil {
		t.Fatal(err)
	}
	wss := "wss" + strings.TrimPrefix(srv.URL, "https") + "/v1/stream"
	opts := client.Options{URL: wss, Token: hubtest.ReadToken, Campaign: s.Cfg, TLS: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.FetchSnapshot(ctx, opts); err != nil {
		t.Fatalf("snapshot over https: %v", err)
	}
	if len(cfg.NextProtos) != 0 {
		t.Fatalf("the shared TLS config now offers %v: a websocket dialled with it may be answered in HTTP/2", cfg.NextProtos)
	}
	w := watch(t, ctx, opts)
	w.waitFor(5, 20*time.Second)
}
