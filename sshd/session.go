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
	station Station
	started time.Time

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
