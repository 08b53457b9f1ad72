package moderation

import (
	"context"
	"time"
)

// DeliverWebhooksOnce runs one round of the webhook dispatcher, as Run
// does every poll, and waits for the passes it started.
func (s *Service) DeliverWebhooksOnce(ctx context.Context) {
	s.webhooks.round(ctx)
	s.webhooks.passes.Wait()
}

// ReleaseWebhookLease gives the dispatcher's lease up, as Run does when
// it stops.
func (s *Service) ReleaseWebhookLease() { s.webhooks.release() }

// Backoff is the wait after the nth failed attempt in a row.
func Backoff(r WebhookRetry, n int) time.Duration { return backoff(r, n) }
