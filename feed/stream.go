package feed

import (
	"encoding/json"
	"time"
)

// Stream message types on GET /v1/stream (see docs/protocol.md).
const (
	MsgHello     = "hello"     // client -> hub, first frame: resume point
	MsgSnapshot  = "snapshot"  // hub -> client: folded state at Seq
	MsgEvents    = "events"    // hub -> client: a batch of events in seq order
	MsgHeartbeat = "heartbeat" // hub -> client: liveness and the log head
	MsgError     = "error"     // hub -> client: sent just before a close
)

// Hello is the client's first frame. Epoch and LastSeq are empty for a new
// client; a resuming client sends the last ones it folded.
type Hello struct {
	Type    string `json:"type"`
	Epoch   string `json:"epoch,omitempty"`
	LastSeq uint64 `json:"last_seq,omitempty"`
}

// Message is every frame the hub sends. Which fields are set depends on Type.
type Message struct {
	Type string `json:"type"`
	// Epoch identifies the log; it changes when the log is lost or recreated,
	// and then a client's sequence numbers mean nothing any more.
	Epoch string `json:"epoch,omitempty"`
	// Seq is the snapshot's sequence, or the log head on a heartbeat.
	Seq   uint64          `json:"seq,omitempty"`
	State json.RawMessage `json:"state,omitempty"`
	// Events are in ascending seq order without gaps inside a batch.
	Events []Event `json:"events,omitempty"`
	// Recovered is set on the first events batch after a resume that needed
	// no snapshot.
	Recovered bool      `json:"recovered,omitempty"`
	At        time.Time `json:"at,omitzero"`
	Code      int       `json:"code,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Temporary bool      `json:"temporary,omitempty"`
}

// Close codes. 4000-4499: reconnect and resume; 4500 and above: terminal,
// fix the request before trying again.
const (
	CloseShutdown     = 4000 // hub is stopping; reconnect to it or a peer
	CloseSlowConsumer = 4001 // client fell too far behind; resume
	CloseResync       = 4002 // hub cannot continue this stream; resume
	CloseBadToken     = 4501 // missing or wrong read token
	CloseBadRequest   = 4502 // garbage frame, wrong epoch format, bad hello
)

// Reconnectable reports whether a close code asks the client to come back.
func Reconnectable(code int) bool { return code >= 4000 && code < 4500 }
