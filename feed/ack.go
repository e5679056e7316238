package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// POST /v1/acks: a board acknowledges priority alerts (docs/protocol.md,
// "Acknowledgements"). The hub turns each into an alert.acknowledged event.

// Limits on one acknowledgement request.
const (
	// MaxAcksPerRequest bounds the alert ids of one request. A state holds
	// at most 32 standing alerts (campaign.MaxAlerts), so a board never
	// needs more; the rest of the room is for boards of another version.
	MaxAcksPerRequest = 64
	// MaxAckBodyBytes bounds the request body: 64 ids of 128 bytes, a name
	// and a time fit many times over.
	MaxAckBodyBytes = 32 << 10
)

// AckRequest is the body of POST /v1/acks. At is the board's clock when the
// duty officer pressed the key; the hub clamps it (see AckEventAt).
type AckRequest struct {
	Alerts []string  `json:"alerts"`
	By     string    `json:"by"`
	At     time.Time `json:"at,omitzero"`
	// District, when set, is the district the board acts for: the hub
	// takes acknowledgements of its alerts only. An SSH server names each
	// station's; a district's own token needs none (docs/protocol.md).
	District string `json:"district,omitempty"`
}

// Outcomes of one acknowledged id.
const (
	AckStored  = "acknowledged"         // an alert.acknowledged was stored now
	AckAlready = "already_acknowledged" // an earlier ack stands (By and At say whose, when known)
	AckUnknown = "unknown"              // no such active alert in the hub's state
)

// AckOutcome is what became of one id of an AckRequest.
type AckOutcome struct {
	AlertID string    `json:"alert_id"`
	Status  string    `json:"status"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at,omitzero"`
	Seq     uint64    `json:"seq,omitempty"` // the stored event's, for AckStored
}

// AckResponse is the 200 answer to POST /v1/acks, one outcome per distinct
// id, in the request's order.
type AckResponse struct {
	Alerts []AckOutcome `json:"alerts"`
}

// HubIDPrefix begins the id of every event the hub writes itself (the
// acknowledgements boards send through POST /v1/acks). Ingest refuses it,
// so no publisher can take an id the hub needs; docs/protocol.md,
// "Acknowledgements".
const HubIDPrefix = "hub:"

// ReplayedHubIDPrefix stands for HubIDPrefix in a replayed recording: an
// event the recorded hub wrote is published again by replay, a publisher
// like any other, so it cannot keep the hub's prefix. The prefixes have
// the same length, so the id stays within MaxIDLen.
const ReplayedHubIDPrefix = "rec:"

// AckEventID is the id of the alert.acknowledged event the hub writes for
// the alert raised by event alertID at alertSeq: one per raise, so two
// boards acknowledging at once store it once (the log drops the second as
// a duplicate), and an alert raised again under the same id (a new run)
// has an id of its own. An id too long is hashed.
func AckEventID(alertID string, alertSeq uint64) string {
	key := strconv.FormatUint(alertSeq, 10) + ":" + alertID
	if id := HubIDPrefix + "ack:" + key; len(id) <= MaxIDLen {
		return id
	}
	return hashedAckID(key)
}

// AckFallbackID is the id an acknowledgement takes when its own is held
// at seq held by an event that is not its alert's acknowledgement
// (written to the log behind the hubs' back): still one per alert and
// holder, so concurrent boards agree on it.
func AckFallbackID(id string, held uint64) string {
	if f := id + "~" + strconv.FormatUint(held, 10); len(f) <= MaxIDLen {
		return f
	}
	return hashedAckID(id + "~" + strconv.FormatUint(held, 10))
}

func hashedAckID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return HubIDPrefix + "ack:sha256:" + hex.EncodeToString(sum[:])
}

// ReplayID is the id replay publishes a recorded event under: a hub's own
// (HubIDPrefix) takes ReplayedHubIDPrefix, any other is as recorded.
func ReplayID(id string) string {
	if rest, ok := strings.CutPrefix(id, HubIDPrefix); ok {
		return ReplayedHubIDPrefix + rest
	}
	return id
}

// AckEventAt is the time an acknowledgement is stored under: the board's
// clock, held between alertAt, when the alert reached the boards (its own
// time, or the state's clock when its event was folded late:
// campaign.Alert.FoldedAt), and the later of the hub's clock and the
// newest event folded. A replay (demo) runs 2023 times on a
// hub whose clock says 2026, so the board's replay clock is the honest
// time, and the hub's clock alone would make every ack take years; the
// bounds keep a wrong or hostile clock from dating an ack before its alert
// or into the future. A zero board time takes the upper bound.
func AckEventAt(board, alertAt, hubNow, newest time.Time) time.Time {
	hi := hubNow
	if newest.After(hi) {
		hi = newest
	}
	switch {
	case board.IsZero() || board.After(hi):
		return hi
	case board.Before(alertAt):
		return alertAt
	}
	return board
}
