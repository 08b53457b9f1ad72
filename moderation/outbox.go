package moderation

import (
	"fmt"
	"time"
)

// The webhooks' outbox, as the store keeps it. The domain decides which
// endpoints hear of a change and renders each body; the store writes the
// messages in the transaction of the change and keeps their delivery
// state, knowing nothing of policy or HTTP.

// OutboxMessage is one event for one endpoint, stored in the transaction
// of the change it tells of.
type OutboxMessage struct {
	ID        string // the delivery's id
	EventID   string // the event's id, the same for every endpoint it goes to
	EventType string // such as "comment.approved"
	Endpoint  string // the endpoint's name in the policy file
	Site      string
	CommentID string // one comment's deliveries to one endpoint go in order
	Payload   []byte // the JSON body, sent as is
	// CreateTime is when the change happened; its first attempt is due
	// then.
	CreateTime time.Time
}

// DeliveryState is where a delivery stands. The values are stored; never
// renumber them.
type DeliveryState int8

// The delivery states.
const (
	DeliveryUnspecified DeliveryState = 0
	DeliveryPending     DeliveryState = 1 // to be attempted, perhaps again
	DeliveryDelivered   DeliveryState = 2 // the endpoint answered 2xx
	DeliveryDead        DeliveryState = 3 // given up on, until redelivered
)

var deliveryStateNames = [...]string{"UNSPECIFIED", "PENDING", "DELIVERED", "DEAD"}

func (s DeliveryState) String() string {
	if s >= 0 && int(s) < len(deliveryStateNames) {
		return deliveryStateNames[s]
	}
	return fmt.Sprintf("DeliveryState(%d)", int8(s))
}

// Delivery is an outbox message with its delivery state.
type Delivery struct {
	OutboxMessage
	State    DeliveryState
	Attempts int // since it was stored or last redelivered
	// NextAttempt is when a pending delivery is due.
	NextAttempt time.Time
	// RetrySince starts the window after which a failing delivery is
	// given up: its CreateTime, or when it was last redelivered.
	RetrySince  time.Time
	LastAttempt time.Time // zero before the first attempt
	LastError   string    // why the last failed attempt failed
	// DoneTime is when it was delivered or given up; zero while pending.
	DoneTime time.Time
}

// DeliveryFilter selects deliveries for Store.ListDeliveries, newest
// first by (CreateTime, ID).
type DeliveryFilter struct {
	State DeliveryState // DeliveryUnspecified: any
	// Retrying keeps only pending deliveries that failed at least once.
	Retrying  bool
	Endpoint  string // optional exact match
	CommentID string // optional exact match
	After     *Cursor
	Limit     int
}

// DeliveryAttempt is the outcome of one attempt at a pending delivery.
type DeliveryAttempt struct {
	ID   string
	Time time.Time
	// Error is why the attempt failed; empty when it was delivered.
	Error string
	// Next is when a failed delivery is due again, unless Dead.
	Next time.Time
	// Dead gives a failed delivery up, and with it the later pending
	// deliveries of its comment to its endpoint, which must not overtake
	// it.
	Dead bool
}

// Redelivery puts given-up deliveries back in line.
type Redelivery struct {
	// ID names one delivery, dead or delivered; the later dead deliveries
	// of its comment to its endpoint come back with it, in order.
	ID string
	// AllDead, without ID, takes every dead delivery, of Endpoint only
	// when that is set.
	AllDead  bool
	Endpoint string
	// Time is when they are due again, and starts their retry window.
	Time time.Time
	// Audit is appended, with Detail set by the store, when anything came
	// back.
	Audit AuditEvent
}

// EndpointBacklog is what waits for one endpoint.
type EndpointBacklog struct {
	Endpoint string
	Pending  int64
	// OldestPending is the CreateTime of the oldest pending delivery;
	// zero when none is pending.
	OldestPending time.Time
	Dead          int64
}

// ErasureOutbox is what an erasure tells the webhooks. Either function
// may be nil. Both run inside the erasure's transaction and must not
// call the store.
type ErasureOutbox struct {
	// Events returns the messages that tell of one erased comment, called
	// with its tombstone.
	Events func(tombstone Comment) []OutboxMessage
	// Scrub returns a stored body about an erased comment without the
	// author's personal data. Every stored body of the erased comments
	// goes through it, whatever its state, before Events' are added.
	Scrub func(payload []byte) []byte
}
