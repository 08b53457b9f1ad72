package postgres

import (
	"context"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// queueLockID serialises the writers of the queue's event log. An
// identity column hands out seqs in the order transactions ask, not the
// order they commit: two transactions may take 10 and 11 and commit 11
// first, and a watcher that read 11 and resumes after it would miss 10.
// So a writer takes this transaction-scoped advisory lock just before
// its insert and keeps it until it commits: the next writer takes its
// seq only once the previous one is visible, and seq order is commit
// order (a watcher may lag, never skip). The lock is the last thing a
// transaction takes, so its holder waits for nothing but its commit and
// no deadlock can form around it; only writes that hold a comment (rare
// beside publications) queue on it. The alternative, handing out only
// positions below the oldest running transaction's xid
// (pg_snapshot_xmin), costs the writers nothing but lets any long
// transaction on the server stall every watcher.
var queueLockID = int64(crc32.ChecksumIEEE([]byte("commentd queue events")))

const (
	lockQueueSQL        = `SELECT pg_advisory_xact_lock($1)`
	insertQueueEventSQL = `INSERT INTO queue_events (comment_id, site, article_id, status, create_time) VALUES ($1, $2, $3, $4, $5)`
	// insertHeldEventSQL appends the event of a comment inserted earlier
	// in the same implicit transaction, when the insert stored it (a
	// retry's ON CONFLICT DO NOTHING stores nothing).
	insertHeldEventSQL = `INSERT INTO queue_events (comment_id, site, article_id, status, create_time)
SELECT id, site, article_id, status, $2 FROM comments WHERE id = $1`
	queueEventsSQL  = `SELECT seq, comment_id, site, article_id, status, create_time FROM queue_events WHERE seq > $1 ORDER BY seq LIMIT $2`
	queueHorizonSQL = `SELECT horizon FROM queue_log WHERE id = 1`
	queueHeadSQL    = `SELECT greatest(coalesce((SELECT max(seq) FROM queue_events), 0), horizon) FROM queue_log WHERE id = 1`
	// The log stays a suffix: everything up to the newest event recorded
	// before the cut goes, whatever its own time (replicas' clocks differ).
	pruneHorizonSQL = `UPDATE queue_log SET horizon = greatest(horizon, coalesce((SELECT max(seq) FROM queue_events WHERE create_time < $1), 0))
WHERE id = 1 RETURNING horizon`
	pruneQueueSQL = `DELETE FROM queue_events WHERE seq <= $1`

	countReportedSQL = `SELECT count(*) FROM (SELECT DISTINCT r.comment_id FROM comment_reports r
JOIN comments c ON c.id = r.comment_id
WHERE r.state = 1 AND c.status <> 5 AND ($1 = '' OR c.article_id = $1) LIMIT $2) AS reported`
)

// enqueue appends events inside tx, under the queue's lock; call it last
// before the commit. No events, no lock.
func enqueue(ctx context.Context, tx pgx.Tx, events ...moderation.QueueEvent) error {
	if len(events) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(lockQueueSQL, queueLockID)
	for _, e := range events {
		b.Queue(insertQueueEventSQL, e.CommentID, e.Site, e.ArticleID, int16(e.Status), e.Time)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("queue events: %w", err)
	}
	return nil
}

// entering returns the event of c, moved from status from at at, when
// that enters the queue.
func entering(from moderation.Status, c moderation.Comment, at time.Time) []moderation.QueueEvent {
	if !moderation.EntersQueue(from, c.Status) {
		return nil
	}
	return []moderation.QueueEvent{moderation.NewQueueEvent(c, at)}
}

// QueueEvents implements moderation.Store. The horizon is read after the
// events: a prune that deleted any of them committed before it is read.
func (s *Store) QueueEvents(ctx context.Context, after int64, limit int) ([]moderation.QueueEvent, int64, error) {
	if limit < 1 {
		return nil, 0, fmt.Errorf("postgres: queue events: limit %d, want at least 1", limit)
	}
	rows, err := s.pool.Query(ctx, queueEventsSQL, after, limit)
	if err != nil {
		return nil, 0, wrap("queue events", err)
	}
	out, err := storesql.Collect(rows, limit, func(row storesql.Scanner) (moderation.QueueEvent, error) {
		var (
			e  moderation.QueueEvent
			st int16
		)
		if err := row.Scan(&e.Seq, &e.CommentID, &e.Site, &e.ArticleID, &st, &e.Time); err != nil {
			return e, err
		}
		e.Status, e.Time = moderation.Status(st), e.Time.UTC()
		return e, nil
	})
	rows.Close()
	if err != nil {
		return nil, 0, wrap("queue events", err)
	}
	var horizon int64
	if err := s.pool.QueryRow(ctx, queueHorizonSQL).Scan(&horizon); err != nil {
		return nil, 0, wrap("queue events: horizon", err)
	}
	return out, horizon, nil
}

// QueueHead implements moderation.Store.
func (s *Store) QueueHead(ctx context.Context) (int64, error) {
	var head int64
	if err := s.pool.QueryRow(ctx, queueHeadSQL).Scan(&head); err != nil {
		return 0, wrap("queue head", err)
	}
	return head, nil
}

// PruneQueueEvents implements moderation.Store in one transaction. It
// needs no queue lock: an event not yet committed has a seq above every
// committed one, so above the horizon.
func (s *Store) PruneQueueEvents(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrap("prune queue events", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var horizon int64
	if err := tx.QueryRow(ctx, pruneHorizonSQL, before).Scan(&horizon); err != nil {
		return 0, wrap("prune queue events", err)
	}
	tag, err := tx.Exec(ctx, pruneQueueSQL, horizon)
	if err != nil {
		return 0, wrap("prune queue events", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrap("prune queue events", err)
	}
	return tag.RowsAffected(), nil
}

// CountComments implements moderation.Store in one statement over the
// index that serves the listing.
func (s *Store) CountComments(ctx context.Context, f moderation.Filter) (int64, error) {
	query, args, err := dialect.CountQuery(f)
	if err != nil {
		return 0, fmt.Errorf("postgres: count comments: %w", err)
	}
	var n int64
	if err := s.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, wrap("count comments", err)
	}
	return n, nil
}

// CountReported implements moderation.Store.
func (s *Store) CountReported(ctx context.Context, articleID string, limit int) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, countReportedSQL, articleID, limit).Scan(&n); err != nil {
		return 0, wrap("count reported comments", err)
	}
	return n, nil
}
