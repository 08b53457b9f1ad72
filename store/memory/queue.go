package memory

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// queueLog is the queue's event log: events in Seq order, the last Seq
// handed out and the highest Seq pruned.
type queueLog struct {
	events        []moderation.QueueEvent
	last, horizon int64
}

// enqueue appends the event of c, moved from status from, when that
// enters the queue. The caller holds db.mu, as a transaction would.
func (db *DB) enqueue(from moderation.Status, c moderation.Comment, at time.Time) {
	if !moderation.EntersQueue(from, c.Status) {
		return
	}
	db.queue.last++
	e := moderation.NewQueueEvent(c, storesql.StoredTime(at))
	e.Seq = db.queue.last
	db.queue.events = append(db.queue.events, e)
}

// QueueEvents implements moderation.Store.
func (s *Store) QueueEvents(ctx context.Context, after int64, limit int) ([]moderation.QueueEvent, int64, error) {
	if err := s.lock(ctx, "queue events"); err != nil {
		return nil, 0, err
	}
	defer s.unlock()
	q := &s.db.queue
	i, _ := slices.BinarySearchFunc(q.events, after+1, func(e moderation.QueueEvent, seq int64) int { return int(e.Seq - seq) })
	out := slices.Clone(q.events[i:min(len(q.events), i+max(limit, 0))])
	return out, q.horizon, nil
}

// QueueHead implements moderation.Store.
func (s *Store) QueueHead(ctx context.Context) (int64, error) {
	if err := s.lock(ctx, "queue head"); err != nil {
		return 0, err
	}
	defer s.unlock()
	q := &s.db.queue
	if len(q.events) == 0 {
		return q.horizon, nil
	}
	return q.events[len(q.events)-1].Seq, nil
}

// PruneQueueEvents implements moderation.Store.
func (s *Store) PruneQueueEvents(ctx context.Context, before time.Time) (int64, error) {
	if err := s.lock(ctx, "prune queue events"); err != nil {
		return 0, err
	}
	defer s.unlock()
	q := &s.db.queue
	var n int64
	q.events = slices.DeleteFunc(q.events, func(e moderation.QueueEvent) bool {
		if !e.Time.Before(before) {
			return false
		}
		n++
		q.horizon = max(q.horizon, e.Seq)
		return true
	})
	return n, nil
}

// CountComments implements moderation.Store.
func (s *Store) CountComments(ctx context.Context, f moderation.Filter) (int64, error) {
	if f.Limit < 1 {
		return 0, fmt.Errorf("memory: count comments: limit %d, want at least 1", f.Limit)
	}
	limit := f.Limit
	f.After, f.NewestFirst, f.Public, f.Limit = nil, false, true, math.MaxInt
	cs, err := s.ListComments(ctx, f)
	if err != nil {
		return 0, err
	}
	return int64(min(len(cs), limit)), nil
}

// CountReported implements moderation.Store.
func (s *Store) CountReported(ctx context.Context, articleID string, limit int) (int64, error) {
	rs, err := s.ReportedComments(ctx, articleID, limit)
	if err != nil {
		return 0, err
	}
	return int64(len(rs)), nil
}
