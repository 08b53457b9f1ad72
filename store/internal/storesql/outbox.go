package storesql

import "fmt"

// OutboxColumns is the column list of outbox queries, in the order of
// moderation.Delivery's fields (the message's first).
const OutboxColumns = `id, event_id, event_type, endpoint, site, comment_id, payload, create_time,
state, attempts, next_attempt, retry_since, last_attempt, last_error, done_time`

// BehindDeadError is the last error of a pending delivery given up with
// the earlier delivery of its comment to its endpoint, id.
func BehindDeadError(id string) string {
	return fmt.Sprintf("given up with the earlier delivery %s of this comment to this endpoint, which it must not overtake", id)
}

// RedeliveryDetail is the audit detail of a redelivery of n deliveries.
func RedeliveryDetail(n int64) string {
	if n == 1 {
		return "1 delivery pending again"
	}
	return fmt.Sprintf("%d deliveries pending again", n)
}
