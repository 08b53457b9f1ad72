package moderation

import (
	"context"
	"fmt"
	"time"
)

// DefaultClientDataRetention is how long a comment keeps its reader's IP
// and user agent: long enough for moderators to act on a flood, no longer.
const DefaultClientDataRetention = 30 * 24 * time.Hour

// eraseBatch bounds one store write of the retention job.
const eraseBatch = 1000

// EraseExpiredClientData blanks the IP and user agent of every comment
// older than the retention, in batches, and returns how many it changed.
// Bans and rate limits keep working: bans live apart from comments and
// limits key on hashes in the limiter.
func (s *Service) EraseExpiredClientData(ctx context.Context) (int64, error) {
	retention := s.rules.snapshot().policy.ClientDataRetention
	if retention <= 0 {
		return 0, nil
	}
	before := s.clock().Add(-retention)
	var total int64
	for {
		n, err := s.store.EraseClientData(ctx, before, eraseBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("erase client data: %w", err)
		}
		if n < eraseBatch {
			return total, nil
		}
	}
}

// runRetention erases expired client data and prunes the queue's log
// now and then every interval, until ctx ends.
func (s *Service) runRetention(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.EraseExpiredClientData(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("erasing expired client IPs and user agents failed; retrying later", "err", err, "erased", n)
		} else if n > 0 {
			s.log.Info("erased expired client IPs and user agents", "comments", n)
		}
		if _, err := s.PruneQueueLog(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("pruning the queue's log failed; retrying later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
