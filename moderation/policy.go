package moderation

import "time"

// Page sizes of every listing, and bounds of moderators' requests.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
	// MaxCountArticles bounds one CountComments call.
	MaxCountArticles = 100
	// MaxModerateIDs bounds one ModerateComments call.
	MaxModerateIDs = 500
	// MaxNoteRunes bounds a moderator's note.
	MaxNoteRunes = 1000
)

// Policy is the part of the configuration the pipeline reads.
type Policy struct {
	// DefaultStatus decides comments that no rule holds or files as spam:
	// StatusPublished or StatusPending.
	DefaultStatus Status
	Limits        Limits
	RateLimits    RateLimits
	Rules         RuleConfig
	// ClientDataRetention is how long comments keep the reader's IP and
	// user agent; 0 keeps them.
	ClientDataRetention time.Duration
	// Webhooks are the endpoints told of comments' changes; a reload
	// applies to the events after it.
	Webhooks []Webhook
	// Reports is when reader reports send a comment back to the queue.
	Reports ReportPolicy
}

// DefaultPolicy is the built-in policy: DefaultLimits, DefaultRateLimits
// and DefaultRuleConfig, each configurable in the policy file.
func DefaultPolicy() Policy {
	return Policy{DefaultStatus: StatusPublished, Limits: DefaultLimits(), RateLimits: DefaultRateLimits(),
		Rules: DefaultRuleConfig(), ClientDataRetention: DefaultClientDataRetention,
		Reports: DefaultReportPolicy()}
}
