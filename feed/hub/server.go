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
// limit) with 503, except the health and metrics endpoints; and it does
// not let a refused request's body hold the connection.
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
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status >= 400 && r.ContentLength != 0 {
			// net/http would read up to 256 KiB of the unread body to
			// keep the connection, at whatever pace the client sends it
			// (a body trickled at 1 byte/s without a token): end the
			// connection after the answer instead.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		}
	})
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
