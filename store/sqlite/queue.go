package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// The queue's event log (migration 00014). SQLite has one writer at a
// time, across processes too, so the seq a transaction takes is in
// commit order with no lock of ours.
const (
	insertQueueEventSQL = `INSERT INTO queue_events (comment_id, site, article_id, status, create_time) VALUES (?, ?, ?, ?, ?)`
	queueEventsSQL      = `SELECT seq, comment_id, site, article_id, status, create_time FROM queue_events WHERE seq > ? ORDER BY seq LIMIT ?`
	queueHorizonSQL     = `SELECT horizon FROM queue_log WHERE id = 1`
	queueHeadSQL        = `SELECT max(coalesce((SELECT max(seq) FROM queue_events), 0), horizon) FROM queue_log WHERE id = 1`
	// The log stays a suffix: everything up to the newest event recorded
	// before the cut goes, whatever its own time (replicas' clocks differ).
	pruneHorizonSQL = `UPDATE queue_log SET horizon = max(horizon, coalesce((SELECT max(seq) FROM queue_events WHERE create_time < ?), 0))
WHERE id = 1 RETURNING horizon`
	pruneQueueSQL = `DELETE FROM queue_events WHERE seq <= ?`

	countReportedSQL = `SELECT count(*) FROM (SELECT DISTINCT r.comment_id FROM comment_reports r
JOIN comments c ON c.id = r.comment_id
WHERE r.state = 1 AND c.status <> 5 AND (? = '' OR c.article_id = ?) LIMIT ?)`
)

// enqueue appends the event of c, moved from status from, inside tx when
// that enters the queue.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, from moderation.Status, c moderation.Comment, at time.Time) error {
	if !moderation.EntersQueue(from, c.Status) {
		return nil
	}
	_, err := tx.StmtContext(ctx, s.w.insertQueueEvent).ExecContext(ctx, c.ID, c.Site, c.ArticleID, int64(c.Status), micros(at))
	if err != nil {
		return fmt.Errorf("queue event of %s: %w", c.ID, err)
	}
	return nil
}

// QueueEvents implements moderation.Store. The horizon is read after the
// events: a prune that deleted any of them committed before it is read.
func (s *Store) QueueEvents(ctx context.Context, after int64, limit int) ([]moderation.QueueEvent, int64, error) {
	if limit < 1 {
		return nil, 0, fmt.Errorf("sqlite: queue events: limit %d, want at least 1", limit)
	}
	rows, err := s.reads.query(ctx, queueEventsSQL, after, limit)
	if err != nil {
		return nil, 0, wrap("queue events", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, limit, func(row storesql.Scanner) (moderation.QueueEvent, error) {
		var (
			e      moderation.QueueEvent
			st, us int64
		)
		if err := row.Scan(&e.Seq, &e.CommentID, &e.Site, &e.ArticleID, &st, &us); err != nil {
			return e, err
		}
		e.Status, e.Time = moderation.Status(st), fromMicros(us)
		return e, nil
	})
	if err != nil {
		return nil, 0, wrap("queue events", err)
	}
	row, err := s.reads.queryRow(ctx, queueHorizonSQL)
	if err != nil {
		return nil, 0, wrap("queue events: horizon", err)
	}
	var horizon int64
	if err := row.Scan(&horizon); err != nil {
		return nil, 0, wrap("queue events: horizon", err)
	}
	return out, horizon, nil
}

// QueueHead implements moderation.Store.
func (s *Store) QueueHead(ctx context.Context) (int64, error) {
	row, err := s.reads.queryRow(ctx, queueHeadSQL)
	if err != nil {
		return 0, wrap("queue head", err)
	}
	var head int64
	if err := row.Scan(&head); err != nil {
		return 0, wrap("queue head", err)
	}
	return head, nil
}

// PruneQueueEvents implements moderation.Store in one transaction.
func (s *Store) PruneQueueEvents(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("prune queue events", err)
	}
	defer tx.Rollback()
	var horizon int64
	if err := tx.QueryRowContext(ctx, pruneHorizonSQL, micros(before)).Scan(&horizon); err != nil {
		return 0, wrap("prune queue events", err)
	}
	res, err := tx.ExecContext(ctx, pruneQueueSQL, horizon)
	if err != nil {
		return 0, wrap("prune queue events", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("prune queue events", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, wrap("prune queue events", err)
	}
	return n, nil
}

// CountComments implements moderation.Store in one statement over the
// index that serves the listing.
func (s *Store) CountComments(ctx context.Context, f moderation.Filter) (int64, error) {
	query, args, err := dialect.CountQuery(f)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count comments: %w", err)
	}
	row, err := s.reads.queryRow(ctx, query, args...)
	if err != nil {
		return 0, wrap("count comments", err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, wrap("count comments", err)
	}
	return n, nil
}

// CountReported implements moderation.Store.
func (s *Store) CountReported(ctx context.Context, articleID string, limit int) (int64, error) {
	row, err := s.reads.queryRow(ctx, countReportedSQL, articleID, articleID, limit)
	if err != nil {
		return 0, wrap("count reported comments", err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, wrap("count reported comments", err)
	}
	return n, nil
}
