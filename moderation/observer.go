package moderation

// Observer hears what the pipeline decides, for metrics. The metrics
// package implements it; the default hears nothing.
type Observer interface {
	// Decided is called once per decided submission, just before it is
	// stored (or returned, for validate_only).
	Decided(status Status, reasons []Reason)
	// Limited is called when the limiter refuses a submission, once per
	// refusing subject kind ("ip", "email", …).
	Limited(kind string)
	// LimiterFailed is called when the limiter fails or misses its
	// deadline.
	LimiterFailed()
	// Learned is called once per decided submission with what the learned
	// rule did: "abstained" (it knows too little of the site yet), "spam",
	// "ham" (it vouched), "scored", or "off".
	Learned(verdict string)
	// WebhookAttempt is called once per attempt at a webhook delivery
	// with the endpoint's name and what came of it: "delivered",
	// "failed" (to be retried) or "dead" (given up).
	WebhookAttempt(endpoint, result string)
}

type noObserver struct{}

func (noObserver) Decided(Status, []Reason) {}
func (noObserver) Limited(string)           {}
func (noObserver) LimiterFailed()           {}
func (noObserver) Learned(string)           {}

func (noObserver) WebhookAttempt(_, _ string) {}

// WithObserver sets the observer of decisions and limits.
func WithObserver(o Observer) Option { return func(s *Service) { s.observe = o } }
