package tui

import (
	"time"

	"sitboard/campaign"
	"sitboard/feed"
	"sitboard/layouts"
)

// StateMsg carries the feed client's freshly folded state, once per
// websocket frame (never per event). State is read-only from here on: the
// SSH server hands the same pointer to every session's board, so neither
// the sender nor any board may change it.
type StateMsg struct {
	State  *campaign.State
	Events []feed.Event // the events folded into State by this batch
}

// Connection states for ConnMsg.Status.
const (
	ConnConnecting   = "connecting"
	ConnLive         = "live"
	ConnReconnecting = "reconnecting"
	ConnFailed       = "failed"
)

// ConnMsg reports the feed client's connection state. LastData is when the
// newest data or heartbeat arrived; the board shows STALE when it is older
// than Options.StaleAfter, whatever the status says.
type ConnMsg struct {
	Status    string
	NextRetry time.Time // when reconnecting: the next attempt
	LastData  time.Time
	Err       string // the client's own words (English), shown as detail
	// Reason classifies Err (ReasonBadToken, ReasonUnreachable, ...) so the
	// board says what to do in its own language; see ConnMsgFrom.
	Reason string
	// Epoch is the hub log's identity, once the board has had a snapshot
	// or resume: a change means the hub's log was replaced (a hub
	// restarted empty), and the board says so across its width.
	Epoch string
}

// DemoMsg reports replay progress in demo mode, and at the end the result
// of checking the folded figures against the published facts.
type DemoMsg struct {
	Speed        float64
	CampaignTime time.Time
	Sent, Total  int
	Done         bool
	CheckOK      bool
	Mismatches   []string
	// Note replaces the check when there is nothing to check against, such
	// as a partial replay (--from): shown plainly, not as a failure.
	Note string
	// Facts, with Done, asks the board to check the figures of the state it
	// has drawn once that state reaches CheckSeq, the last sequence the hub
	// acknowledged: the check is of what is on screen, not of a state the
	// board has not drawn yet. CheckedSeq is the seq the check ran on.
	Facts      *campaign.Facts
	CheckSeq   uint64
	CheckedSeq uint64
}

// tickMsg drives the clock, the rotation and the alert flash. It fires
// once and is re-armed in Update, so exactly one is ever in flight.
type tickMsg struct{}

// layoutCheckMsg asks for a look at the user's layout file.
type layoutCheckMsg struct{}

// layoutFileMsg is the result of looking at the layout file (done in a
// command, never in Update).
type layoutFileMsg struct {
	Path    string
	ModTime time.Time
	Size    int64
	Changed bool
	Layout  *layouts.Layout // set when Changed and valid
	Err     error
}
