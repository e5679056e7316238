package sshd

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
)

// stationSession wraps one SSH session. The board program reads and
// writes through it, so it can count the bytes a station costs and notice
// when the station last typed.
type stationSession struct {
	ssh.Session
	ctx     context.Context
	conn    *stationConn
	station Station
	started time.Time

	// The terminal as the board sees it: the client's size clamped to the
	// server's cap, at the request and on every resize (see clampPty).
	pty     ssh.Pty
	winch   chan ssh.Window
	winMu   sync.Mutex
	clamped atomic.Int64 // window sizes that were over the cap

	program   atomic.Pointer[tea.Program]
	sent      atomic.Int64
	lastInput atomic.Int64 // unix nanoseconds

	mu     sync.Mutex
	reason string // why the session ended, when the server ended it
}

func (s *stationSession) Write(p []byte) (int, error) {
	n, err := s.Session.Write(p)
	s.sent.Add(int64(n))
	return n, err
}

func (s *stationSession) Read(p []byte) (int, error) {
	n, err := s.Session.Read(p)
	if n > 0 {
		s.lastInput.Store(time.Now().UnixNano())
	}
	return n, err
}

// Pty is the client's terminal with its size clamped to the cap. The board
// program and the wish middleware read the size only through here, so a
// client asking for 65535x65535 gets a board of the cap's size instead of
// a cell buffer of four billion cells.
func (s *stationSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	s.winMu.Lock()
	defer s.winMu.Unlock()
	return s.pty, s.winch, s.winch != nil
}

// clampPty takes over the session's window changes, clamping each to
// maxW x maxH, until the session ends.
func (s *stationSession) clampPty(maxW, maxH int) (requested ssh.Window) {
	pty, changes, ok := s.Session.Pty()
	if !ok {
		return ssh.Window{}
	}
	clamp := func(w ssh.Window) ssh.Window {
		if w.Width > maxW || w.Height > maxH {
			s.clamped.Add(1)
			// The pixel sizes would no longer match the cells.
			w.Width, w.Height, w.WidthPixels, w.HeightPixels = min(w.Width, maxW), min(w.Height, maxH), 0, 0
		}
		return w
	}
	requested = pty.Window
	pty.Window = clamp(pty.Window)
	s.pty, s.winch = pty, make(chan ssh.Window, 1)
	go func() {
		for {
			var w ssh.Window
			select {
			case <-s.ctx.Done():
				return
			case w, ok = <-changes:
				if !ok {
					return
				}
			}
			w = clamp(w)
			s.winMu.Lock()
			s.pty.Window = w
			s.winMu.Unlock()
			// Only the newest size matters: replace one nobody has read
			// yet, so a client sending resizes in a loop never queues.
			select {
			case <-s.winch:
			default:
			}
			s.winch <- w
		}
	}()
	return requested
}

func (s *stationSession) setReason(r string) {
	s.mu.Lock()
	if s.reason == "" {
		s.reason = r
	}
	s.mu.Unlock()
}

func (s *stationSession) endReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// idleFor is how long the station has not typed.
func (s *stationSession) idleFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, s.lastInput.Load()))
}

// env looks a variable up in the session's environment, which is the
// client's, never this process's.
func env(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if len(kv) > len(key) && kv[len(key)] == '=' && kv[:len(key)] == key {
			v = kv[len(key)+1:]
		}
	}
	return v
}
