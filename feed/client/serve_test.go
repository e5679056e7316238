package client_test

import (
	"net"
	"net/http"

	"sitboard/feed/hub"
)

type httpServer struct{ srv *http.Server }

func listen(addr string, h *hub.Hub) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h.Handler()}
	go srv.Serve(ln)
	return &httpServer{srv}, nil
}

func (s *httpServer) close() { s.srv.Close() }
