package hub

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sitboard/internal/peer"
)

// HTTP limits. An idle or trickling client must not hold a connection (and
// its memory and descriptor) for long, and at the connection limit the hub
// says so instead of going silent; see docs/operations.md "HTTP limits".
const (
	headerTimeout = 10 * time.Second
	// requestTimeout bounds reading a whole request, body included: an
	// 8 MiB batch needs at least 280 KB/s. A websocket is not bound by it
	// (the upgrade clears the deadlines; the hello has Options.HelloTimeout).
	requestTimeout  = 30 * time.Second
	responseTimeout = 60 * time.Second
	idleTimeout     = 30 * time.Second
	maxHeaderBytes  = 64 << 10
	// DefaultMaxConnections bounds open HTTP and websocket connections. A
	// connection costs the hub about 10-40 KiB; see MaxConnections.
	DefaultMaxConnections = 4096
	// healthReserve connections past the limit are still accepted, for
	// GET /healthz and /metrics only, so a load balancer and Prometheus
	// can see a full hub.
	healthReserve = 32
	// fdHeadroom descriptors are left to the log, files and the reserve
	// when MaxConnections is derived from the process's descriptor limit.
	fdHeadroom = 256
)

// Server is the hub's HTTP server: http.Server with the limits above and a
// bounded number of connections. Serve and ServeTLS take the listener as
// is and wrap it; Shutdown is http.Server's.
type Server struct {
	*http.Server
	hub      *Hub
	maxConns int
	active   atomic.Int64
	// perIP counts each client address's open connections.
	perIP *peer.Limiter
}

// NewServer serves h.Handler() with limits. cmd_hub and the demo use it.
func NewServer(h *Hub) *Server {
	s := &Server{hub: h, maxConns: h.opts.MaxConnections, perIP: newPeerLimiter(h.opts.MaxConnectionsPerIP, h.opts.capLoopback)}
	_ = h.m.registry.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sitboard_http_connections", Help: "Open HTTP and websocket connections.",
	}, func() float64 { return float64(s.active.Load()) }))
	s.Server = &http.Server{
		Handler:           s.limits(h.Handler()),
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       requestTimeout,
		WriteTimeout:      responseTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if lc, ok := unwrapLimited(c); ok && lc.reserve {
				return context.WithValue(ctx, reserveKey{}, true)
			}
			return ctx
		},
	}
	return s
}

// MaxConnections is the limit in force.
func (s *Server) MaxConnections() int { return s.maxConns }

// Serve accepts connections on ln up to the limit.
func (s *Server) Serve(ln net.Listener) error {
	return s.Server.Serve(s.limit(ln))
}

// ServeTLS is Serve with TLS.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	return s.Server.ServeTLS(s.limit(ln), certFile, keyFile)
}

type reserveKey struct{}

// limits answers requests on reserve connections (accepted past the
// limit) with 503, except the health and metrics endpoints; and it settles
// a refused request's body (settlingWriter), so that a refusal neither
// spoils the keep-alive connection nor lets a trickled body hold it.
func (s *Server) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(reserveKey{}) != nil {
			w.Header().Set("Connection", "close")
			if r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
				s.hub.m.connLimited.Inc()
				w.Header().Set("Retry-After", "5")
				http.Error(w, s.fullMessage(), http.StatusServiceUnavailable)
				return
			}
		}
		body := &bodyTracker{ReadCloser: r.Body, none: r.Body == nil || r.Body == http.NoBody}
		r.Body = body
		next.ServeHTTP(&settlingWriter{ResponseWriter: w, r: r, body: body}, r)
	})
}

// A refused request's body that the handler left unread (a wrong token is
// refused before the body is read) is read to its end before the answer
// when it is small and arrives at once, so that the client's keep-alive
// connection goes on; otherwise the answer says Connection: close and the
// connection ends after it. net/http would instead read up to 256 KiB of
// it after the answer, at whatever pace the client sends it (a body
// trickled at 1 byte/s without a token).
const (
	refusedBodyDrain = 64 << 10
	// The wait is generous: a body sent with its request is in the socket
	// already, but on a loaded machine the read may start late; a valid
	// request may take requestTimeout (30 s) for its body anyway.
	refusedBodyWait = 5 * time.Second
)

// bodyTracker tells whether a request's body was read to its end.
type bodyTracker struct {
	io.ReadCloser
	none   bool // the request has no body
	eof    bool
	failed bool // a read failed (a timeout, a bad chunk): the rest is unknown
}

func (b *bodyTracker) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil:
		b.failed = true
	}
	return n, err
}

// unread says the body has bytes the handler did not read.
func (b *bodyTracker) unread() bool { return !b.none && !b.eof }

// settlingWriter settles the body before a refusal's header goes out.
// Setting a read deadline after the body's end instead (as the hub once
// did) fails net/http's background read of the idle connection, which
// cancels the context of every later request on it: each then failed
// with a 503 although its events were stored.
type settlingWriter struct {
	http.ResponseWriter
	r      *http.Request
	body   *bodyTracker
	status int
}

func (w *settlingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if code >= 400 && w.body.unread() && !w.drainBody() {
			w.Header().Set("Connection", "close")
			// net/http reads the rest when it closes the body, at the
			// client's pace: it is not wanted.
			_ = http.NewResponseController(w.ResponseWriter).SetReadDeadline(time.Now())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *settlingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *settlingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// drainBody reads the rest of a small body within refusedBodyWait and
// says whether it reached the end. A client waiting for 100 Continue has
// not sent its body, and one that declared a large body is not waited for.
func (w *settlingWriter) drainBody() bool {
	b := w.body
	if b.failed || w.r.ContentLength > refusedBodyDrain || w.r.Header.Get("Expect") != "" {
		return false
	}
	// At the body's end net/http clears the deadline itself (its
	// background read of the idle connection starts then).
	if http.NewResponseController(w.ResponseWriter).SetReadDeadline(time.Now().Add(refusedBodyWait)) != nil {
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(b, refusedBodyDrain+1))
	return err == nil && b.eof && n <= refusedBodyDrain
}

func (s *Server) fullMessage() string {
	return fmt.Sprintf("hub at its connection limit (%d): retry in a few seconds, or raise --max-connections", s.maxConns)
}

// limit wraps ln so that at most maxConns connections are open, plus
// healthReserve for health checks; past both, a connection gets a plain
// 503 and is closed at once.
func (s *Server) limit(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, srv: s}
}

type limitedListener struct {
	net.Listener
	srv *Server
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		// Per address first: one host's flood is told it is the one over
		// its cap, and takes none of the others' places meanwhile.
		remote := c.RemoteAddr().String()
		releaseIP, ok := l.srv.perIP.Take(remote)
		if !ok {
			l.srv.hub.refusePerIP(perIPConnections, remote, l.srv.perIP.Max())
			go refuse(c, "429 Too Many Requests", connectionsPerIPMessage(l.srv.perIP.Max()))
			continue
		}
		n := l.srv.active.Add(1)
		lc := &limitedConn{Conn: c, srv: l.srv, releaseIP: releaseIP}
		switch {
		case n <= int64(l.srv.maxConns):
			return lc, nil
		case n <= int64(l.srv.maxConns+healthReserve):
			lc.reserve = true
			return lc, nil
		}
		// A refused connection holds no slot while it is answered.
		l.srv.active.Add(-1)
		releaseIP()
		l.srv.hub.m.connLimited.Inc()
		go refuse(c, "503 Service Unavailable", l.srv.fullMessage())
	}
}

// limitedConn gives its slot back when closed (once, however often it is
// closed: the HTTP server and a websocket may both close it).
type limitedConn struct {
	net.Conn
	srv       *Server
	reserve   bool
	releaseIP func() // gives back the client address's place
	once      sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() {
		c.srv.active.Add(-1)
		c.releaseIP()
	})
	return c.Conn.Close()
}

// refuse answers a connection past a limit without reading its request:
// a plain status ("503 Service Unavailable") with msg, then close.
func refuse(c net.Conn, status, msg string) {
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s\n", status, len(msg)+1, msg)
	// Closing with the request unread would reset the connection, and the
	// client might never read the answer: end our side, then let the
	// client's request arrive (briefly, and bounded).
	if cw, ok := c.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}
	_ = c.Close()
}

// unwrapLimited finds the limitedConn under c (TLS wraps it).
func unwrapLimited(c net.Conn) (*limitedConn, bool) {
	for {
		switch v := c.(type) {
		case *limitedConn:
			return v, true
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil, false
		}
	}
}
