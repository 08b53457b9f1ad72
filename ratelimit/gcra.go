// Package ratelimit holds commentd's rate limiters: one on Redis, shared by
// every replica, and one in process for a single replica. Both implement
// moderation.Limiter with the same algorithm and the same semantics.
//
// The algorithm is GCRA, the generic cell rate algorithm: each subject
// keeps one number, its theoretical arrival time (TAT). A request at time
// now is allowed when max(TAT, now) + every - now <= every * burst, and then
// moves the TAT forward by every. A burst of requests passes at once; after
// it, one request every `every`. A refused request changes nothing.
package ratelimit

import (
	"time"

	"github.com/commentd/commentd/moderation"
)

// gcra applies one request at now (microseconds) to a subject whose TAT is
// tat (0 when unknown). It returns the TAT to store when the request is
// allowed. script.lua does the same arithmetic inside Redis.
func gcra(tat, now int64, r moderation.Rate) (int64, moderation.Verdict) {
	every := r.Every.Microseconds()
	limit := every * int64(r.Burst)
	tat = max(tat, now)
	next := tat + every
	if over := next - now - limit; over > 0 {
		return tat, moderation.Verdict{RetryAfter: time.Duration(over) * time.Microsecond}
	}
	return next, moderation.Verdict{Allowed: true, Remaining: int((limit - (next - now)) / every)}
}
