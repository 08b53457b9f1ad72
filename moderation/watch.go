package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Bus carries the ids of newly held comments between replicas, so that a
// moderator watching one replica sees comments submitted to any. The
// notify package holds in-process and Redis buses; store/postgres is one
// too (LISTEN/NOTIFY).
type Bus interface {
	// Publish announces comment ids to every subscriber of every replica,
	// in one message where the bus allows.
	Publish(ctx context.Context, ids []string) error
	// Subscribe delivers every id published from now on, until ctx ends;
	// then the channel is closed. A slow subscriber may miss ids rather
	// than slow the publishers.
	Subscribe(ctx context.Context) (<-chan string, error)
}

// WithBus sets the bus that held comments are announced on and WatchQueue
// listens on.
func WithBus(b Bus) Option { return func(s *Service) { s.bus = b } }

// WatchQuery selects the comments a moderator watches.
type WatchQuery struct {
	Statuses  []Status // empty: pending and spam
	ArticleID string
}

// Watch streams comments as they are held or filed as spam on any
// replica, until ctx ends, as viewer may see them (see Viewer).
func (s *Service) Watch(ctx context.Context, viewer Viewer, q WatchQuery) (<-chan Comment, error) {
	if len(q.Statuses) == 0 {
		q.Statuses = []Status{StatusPending, StatusSpam}
	}
	var v violations
	for i, st := range q.Statuses {
		if !held(st) {
			v.check(fmt.Sprintf("statuses[%d]", i), "only PENDING and SPAM comments are announced")
		}
	}
	if q.ArticleID != "" {
		v.check("article_id", ValidateArticleID(q.ArticleID))
	}
	if len(v) > 0 {
		return nil, Invalid(v...)
	}
	if s.bus == nil {
		return nil, Errorf(CodeFailedPrecondition, "this server has no queue bus configured")
	}
	ids, err := s.bus.Subscribe(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe to the queue: %w", err)
	}
	out := make(chan Comment, 16)
	go func() {
		defer close(out)
		for id := range ids {
			c, err := s.store.Comment(ctx, id)
			switch {
			case errors.Is(err, ErrNotFound):
				continue // deleted meanwhile, or another store's
			case err != nil:
				if ctx.Err() == nil {
					s.log.Warn("watch: reading an announced comment failed", "comment", id, "err", err)
				}
				continue
			case !slices.Contains(q.Statuses, c.Status) || (q.ArticleID != "" && c.ArticleID != q.ArticleID):
				continue
			}
			select {
			case out <- viewer.show(c):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
