// Package lograte keeps lines that a client can make the process repeat
// (a failed TLS handshake, a refused token, a board reconnecting in a
// loop) from flooding the log: each kind of line gets a burst, then one
// line per interval that says how many were held back.
package lograte

import (
	"sync"
	"time"
)

// Limiter passes up to Burst lines of one key at once and refills at Burst
// per Every. It is safe for concurrent use; its zero value passes one line
// per 10 s per key.
type Limiter struct {
	Burst int
	Every time.Duration
	// MaxKeys bounds the keys remembered (default 256); past it the
	// oldest state is forgotten, so hostile text in keys cannot grow it.
	MaxKeys int

	mu   sync.Mutex
	keys map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
	held   int
}

// Allow says whether a line of key may be logged at now, and how many
// lines of that key were held back since the last one that was.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, held int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	burst, every, maxKeys := l.Burst, l.Every, l.MaxKeys
	if burst <= 0 {
		burst = 1
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	if maxKeys <= 0 {
		maxKeys = 256
	}
	if l.keys == nil {
		l.keys = map[string]*bucket{}
	}
	b := l.keys[key]
	if b == nil {
		if len(l.keys) >= maxKeys {
			l.forgetOldest()
		}
		b = &bucket{tokens: float64(burst), last: now}
		l.keys[key] = b
	}
	b.tokens = min(float64(burst), b.tokens+now.Sub(b.last).Seconds()/every.Seconds()*float64(burst))
	b.last = now
	if b.tokens < 1 {
		b.held++
		return false, 0
	}
	b.tokens--
	held, b.held = b.held, 0
	return true, held
}

func (l *Limiter) forgetOldest() {
	var oldest string
	var at time.Time
	for k, b := range l.keys {
		if oldest == "" || b.last.Before(at) {
			oldest, at = k, b.last
		}
	}
	delete(l.keys, oldest)
}
