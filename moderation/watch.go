package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Bus carries the ids of newly held comments between replicas, so that a
// moderator watching one replica hears at once of comments submitted to
// any. The notify package holds in-process and Redis buses; store/postgres
// is one too (LISTEN/NOTIFY). What watchers get comes from the store's
// queue log (Store.QueueEvents); the bus only wakes them sooner than
// their poll.
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

// How a watcher follows the queue's log: it reads it when the bus says
// something was held and at least every watchPoll (for what the bus does
// not announce: a ban's sweep, another store's replicas, a lost message),
// watchBatch events a read.
const (
	watchPoll  = time.Second
	watchBatch = 256
)

// WatchQuery selects the comments a moderator watches.
type WatchQuery struct {
	Statuses  []Status // empty: pending and spam
	ArticleID string
	// Resume, when set, starts after position After of the queue's log
	// (a Held.Seq, or where an earlier watch started); otherwise the watch
	// starts now.
	Resume bool
	After  int64
}

// Held is one comment entering the queue, as a watcher gets it.
type Held struct {
	// Comment is the comment as it is when sent, as the viewer may see
	// it: a moderator may have decided it since.
	Comment Comment
	Status  Status // the status it entered
	Seq     int64  // its position in the queue's log
	// Err, on the last value sent, says why the watch ended early: the
	// log was pruned past its position (CodeOutOfRange).
	Err error
}

// Watch streams the comments that enter the queue on any replica, in the
// order of the queue's log, until ctx ends, as viewer may see them (see
// Viewer). It returns the position it starts after: resuming there, or
// after any Seq sent, misses nothing and repeats nothing.
func (s *Service) Watch(ctx context.Context, viewer Viewer, q WatchQuery) (<-chan Held, int64, error) {
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
	if q.Resume && q.After < 0 {
		v.check("resume_token", "is not a resume token")
	}
	if len(v) > 0 {
		return nil, 0, Invalid(v...)
	}
	// Subscribe first: anything held after the head is read wakes us.
	var wake <-chan string
	if s.bus != nil {
		ids, err := s.bus.Subscribe(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("subscribe to the queue: %w", err)
		}
		wake = ids
	}
	head, err := s.store.QueueHead(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("read the queue's log: %w", err)
	}
	start := head
	if q.Resume {
		if q.After > head {
			return nil, 0, logOutOfRange("is ahead of the queue's log: it comes from another commentd database")
		}
		// The first read below checks the horizon; check it here too, so
		// that the call itself fails rather than the stream.
		if _, horizon, err := s.store.QueueEvents(ctx, q.After, 1); err != nil {
			return nil, 0, fmt.Errorf("read the queue's log: %w", err)
		} else if horizon > q.After {
			return nil, 0, logGone()
		}
		start = q.After
	}
	out := make(chan Held, 16)
	go s.follow(ctx, viewer, q, start, wake, out)
	return out, start, nil
}

// follow sends what enters the queue after pos until ctx ends.
func (s *Service) follow(ctx context.Context, viewer Viewer, q WatchQuery, pos int64, wake <-chan string, out chan<- Held) {
	defer close(out)
	tick := time.NewTicker(watchPoll)
	defer tick.Stop()
	for {
		var err error
		if pos, err = s.sendAfter(ctx, viewer, q, pos, out); err != nil {
			var de *Error
			if errors.As(err, &de) && de.Code == CodeOutOfRange {
				select {
				case out <- Held{Err: err}:
				case <-ctx.Done():
				}
				return
			}
			if ctx.Err() == nil {
				s.log.Warn("watch: reading the queue's log failed; retrying", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-wake:
			if !ok {
				wake = nil // the bus is gone: the poll goes on
			}
		drain:
			for {
				select {
				case <-wake:
				default:
					break drain
				}
			}
		case <-tick.C:
		}
	}
}

// sendAfter sends every event after pos that q selects and returns the
// position it reached; a failed read leaves it at the last event sent.
func (s *Service) sendAfter(ctx context.Context, viewer Viewer, q WatchQuery, pos int64, out chan<- Held) (int64, error) {
	for {
		evs, horizon, err := s.store.QueueEvents(ctx, pos, watchBatch)
		if err != nil {
			return pos, err
		}
		if horizon > pos {
			return pos, logGone()
		}
		for _, e := range evs {
			if slices.Contains(q.Statuses, e.Status) && (q.ArticleID == "" || e.ArticleID == q.ArticleID) {
				c, err := s.store.Comment(ctx, e.CommentID)
				if err != nil && !errors.Is(err, ErrNotFound) {
					return pos, fmt.Errorf("read held comment %s: %w", e.CommentID, err)
				}
				if err == nil { // else another store's comment: nothing to show
					select {
					case out <- Held{Comment: viewer.show(c), Status: e.Status, Seq: e.Seq}:
					case <-ctx.Done():
						return pos, ctx.Err()
					}
				}
			}
			pos = e.Seq
		}
		if len(evs) < watchBatch {
			return pos, nil
		}
	}
}

// QueueLogRetention is how long the queue's log keeps an event: how long
// a watcher may be away and still resume.
const QueueLogRetention = 7 * 24 * time.Hour

func logGone() *Error {
	return logOutOfRange("is older than the queue's log, which keeps 7 days: list the queue and watch anew without it")
}

func logOutOfRange(why string) *Error {
	return &Error{Code: CodeOutOfRange, Message: "cannot resume the watch",
		Violations: []FieldViolation{{Field: "resume_token", Description: why}}}
}

// PruneQueueLog deletes the queue's events older than QueueLogRetention
// and returns how many.
func (s *Service) PruneQueueLog(ctx context.Context) (int64, error) {
	n, err := s.store.PruneQueueEvents(ctx, s.clock().Add(-QueueLogRetention))
	if err != nil {
		return n, fmt.Errorf("prune the queue's log: %w", err)
	}
	return n, nil
}
