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
	// Sites are the policies of the sites that override part of this
	// one, each already merged over it and checked, keyed by site id. A
	// site's ClientDataRetention, Webhooks and rate-limit failure mode are
	// this policy's.
	Sites map[string]SitePolicy
	// Reports is when reader reports send a comment back to the queue.
	Reports ReportPolicy
}

// SitePolicy is one site's policy: the global one with the site's
// overrides merged in.
type SitePolicy struct {
	Policy Policy
	// Overrides names the settings the site changes, such as
	// "default_status" or "rules.links", sorted.
	Overrides []string
}

// ValidateSite returns the problem with a site id that scopes a policy,
// a word-list term or a ban, or "".
func ValidateSite(site string) string {
	if site == "" {
		return "is empty"
	}
	return checkLine(site, maxSiteBytes)
}

// DefaultPolicy is the built-in policy: DefaultLimits, DefaultRateLimits
// and DefaultRuleConfig, each configurable in the policy file.
func DefaultPolicy() Policy {
	return Policy{DefaultStatus: StatusPublished, Limits: DefaultLimits(), RateLimits: DefaultRateLimits(),
		Rules: DefaultRuleConfig(), ClientDataRetention: DefaultClientDataRetention,
		Reports: DefaultReportPolicy()}
}
