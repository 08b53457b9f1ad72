package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
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

// WithBus sets the bus that WatchQueue listens on.
func WithBus(b Bus) Option { return func(s *Service) { s.bus = b } }

// announce tells watchers about a comment that needs a moderator's eye.
// It only queues the id: one goroutine publishes everything queued in one
// bus message, so a submission waits for no Redis or PostgreSQL round trip
// of its own and a burst of held comments costs a few. A failure to
// announce loses nothing: the comment is stored and listed in the queue,
// and watchers catch up from it.
func (s *Service) announce(c Comment) {
	if s.bus == nil || (c.Status != StatusPending && c.Status != StatusSpam) {
		return
	}
	s.announcer.Do(func() {
		s.announced = make(chan string, announceQueue)
		go s.publish()
	})
	select {
	case s.announced <- c.ID:
	default:
		// The bus is down or slow. Say so once every 10 s, not per comment.
		n := s.unannounced.Add(1)
		now := s.now().UnixNano()
		if last := s.unannouncedLog.Load(); now-last >= int64(10*time.Second) && s.unannouncedLog.CompareAndSwap(last, now) {
			s.log.Warn("announce queue full: held comments are not announced to watchers, who will find them in the queue",
				"unannounced_so_far", n)
		}
	}
}

const (
	announceQueue = 4096 // ids waiting to be published
	announceBatch = 512  // ids in one bus message at most
)

// publish sends the queued ids, everything queued in one message.
func (s *Service) publish() {
	batch := make([]string, 0, announceBatch)
	for id := range s.announced {
		batch = append(batch[:0], id)
	drain:
		for len(batch) < announceBatch {
			select {
			case id := <-s.announced:
				batch = append(batch, id)
			default:
				break drain
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.bus.Publish(ctx, batch); err != nil {
			s.log.Warn("announcing held comments to watchers failed", "comments", len(batch), "err", err)
		}
		cancel()
	}
}

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
