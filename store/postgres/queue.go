package postgres

import (
	"context"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// queueLockID orders the assigners of the queue's positions. An identity
// column hands out numbers in the order transactions ask, not the order
// they commit: two writers may take 10 and 11 and commit 11 first, and a
// watcher that read 11 and resumes after it would miss 10. So a writer
// only inserts its event, with no position (seq NULL) and no lock, and
// positions go to committed events in a short transaction of their own,
// the assign step, which readers run before they read (assign):
//
//  1. SELECT pg_advisory_xact_lock: one assigner at a time.
//  2. UPDATE, a statement of its own, numbers the events without a
//     position, in id order, after the highest position given.
//
// In READ COMMITTED each statement takes its snapshot as it starts, so
// the UPDATE's snapshot is taken after the lock was granted, and the lock
// is released only after the previous holder's commit is visible: the
// UPDATE sees every position given before and numbers only committed
// events. (In one statement, the lock taken in its WHERE, the snapshot
// would predate the lock and the previous assigner's commit.) So every
// event numbered was committed before its position was visible, and
// positions become visible in increasing order, batch after batch: a
// watcher reading seq > token in seq order may lag, never skip, and never
// sees an event twice. A writer pays nothing for it; readers wait at most
// for one assign step. The reader waits for the lock rather than skipping
// the step when another holds it: the holder's snapshot may predate the
// commit that woke the reader, which would then read nothing new and
// sleep until its next poll. The alternative of handing out only
// positions below the oldest running transaction's xid (pg_snapshot_xmin)
// lets any long transaction on the server stall every watcher.
var queueLockID = int64(crc32.ChecksumIEEE([]byte("commentd queue events")))

// assignBatch is how many events an assign step numbers at most.
const assignBatch = 5000

const (
	lockQueueSQL        = `SELECT pg_advisory_xact_lock($1)`
	insertQueueEventSQL = `INSERT INTO queue_events (comment_id, site, article_id, status, create_time) VALUES ($1, $2, $3, $4, $5)`
	// insertHeldEventSQL appends the event of a comment inserted earlier
	// in the same implicit transaction, when the insert stored it (a
	// retry's ON CONFLICT DO NOTHING stores nothing).
	insertHeldEventSQL = `INSERT INTO queue_events (comment_id, site, article_id, status, create_time)
SELECT id, site, article_id, status, $2 FROM comments WHERE id = $1`
	// queueHeadExpr is the last position given, or the horizon when the
	// log is empty (pruned to nothing).
	queueHeadExpr = `greatest(coalesce((SELECT max(seq) FROM queue_events), 0), horizon)`
	// assignQueueSQL numbers up to $1 events, in id order, after the last
	// position given; run it only under lockQueueSQL, in a later
	// statement of the same transaction.
	assignQueueSQL = `UPDATE queue_events e SET seq = head.seq + next.n
FROM (SELECT ` + queueHeadExpr + ` AS seq FROM queue_log WHERE id = 1) AS head,
(SELECT id, row_number() OVER (ORDER BY id) AS n FROM (SELECT id FROM queue_events WHERE seq IS NULL ORDER BY id LIMIT $1) AS u) AS next
WHERE e.id = next.id`
	queueEventsSQL  = `SELECT seq, comment_id, site, article_id, status, create_time FROM queue_events WHERE seq > $1 ORDER BY seq LIMIT $2`
	queueHorizonSQL = `SELECT horizon FROM queue_log WHERE id = 1`
	queueHeadSQL    = `SELECT ` + queueHeadExpr + ` FROM queue_log WHERE id = 1`
	// The log stays a suffix: everything up to the newest event recorded
	// before the cut goes, whatever its own time (replicas' clocks differ).
	// Events without a position stay: they will be numbered above it.
	pruneHorizonSQL = `UPDATE queue_log SET horizon = greatest(horizon, coalesce((SELECT max(seq) FROM queue_events WHERE create_time < $1), 0))
WHERE id = 1 RETURNING horizon`
	pruneQueueSQL = `DELETE FROM queue_events WHERE seq <= $1`

	countReportedSQL = `SELECT count(*) FROM (SELECT DISTINCT r.comment_id FROM comment_reports r
JOIN comments c ON c.id = r.comment_id
WHERE r.state = 1 AND c.status <> 5 AND ($1 = '' OR c.article_id = $1) LIMIT $2) AS reported`
)

// enqueue appends events inside tx, without positions: no lock, no round
// trip of its own.
func enqueue(ctx context.Context, tx pgx.Tx, events ...moderation.QueueEvent) error {
	if len(events) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, e := range events {
		b.Queue(insertQueueEventSQL, e.CommentID, e.Site, e.ArticleID, int16(e.Status), e.Time)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("queue events: %w", err)
	}
	return nil
}

// assign queues the assign step at the head of b, which must be sent
// outside a transaction: the batch is then one implicit transaction, the
// lock held until its end, and the statements queued after it read the
// positions it gives, committed when the batch's Close succeeds.
func assign(b *pgx.Batch) {
	b.Queue(lockQueueSQL, queueLockID)
	b.Queue(assignQueueSQL, assignBatch)
}

// assignAll numbers every event committed before it is called, a batch
// at a time, and returns the last position given.
func (s *Store) assignAll(ctx context.Context) (int64, error) {
	for {
		b := &pgx.Batch{}
		assign(b)
		b.Queue(queueHeadSQL)
		br := s.pool.SendBatch(ctx, b)
		var head int64
		_, err := br.Exec()
		var tag pgconn.CommandTag
		if err == nil {
			tag, err = br.Exec()
		}
		if err == nil {
			err = br.QueryRow().Scan(&head)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() < assignBatch {
			return head, nil
		}
	}
}

// entering returns the event of c, moved from status from at at, when
// that enters the queue.
func entering(from moderation.Status, c moderation.Comment, at time.Time) []moderation.QueueEvent {
	if !moderation.EntersQueue(from, c.Status) {
		return nil
	}
	return []moderation.QueueEvent{moderation.NewQueueEvent(c, at)}
}

// QueueEvents implements moderation.Store in one round trip: the assign
// step, then the events, then the horizon, read after the events: a
// prune that deleted any of them committed before it is read.
func (s *Store) QueueEvents(ctx context.Context, after int64, limit int) ([]moderation.QueueEvent, int64, error) {
	if limit < 1 {
		return nil, 0, fmt.Errorf("postgres: queue events: limit %d, want at least 1", limit)
	}
	b := &pgx.Batch{}
	assign(b)
	b.Queue(queueEventsSQL, after, limit)
	b.Queue(queueHorizonSQL)
	br := s.pool.SendBatch(ctx, b)
	out, horizon, err := readQueueEvents(br, limit)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, wrap("queue events", err)
	}
	return out, horizon, nil
}

// readQueueEvents reads the results of QueueEvents' batch.
func readQueueEvents(br pgx.BatchResults, limit int) ([]moderation.QueueEvent, int64, error) {
	for range 2 { // the lock, the assign step
		if _, err := br.Exec(); err != nil {
			return nil, 0, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, 0, err
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
		return nil, 0, err
	}
	var horizon int64
	if err := br.QueryRow().Scan(&horizon); err != nil {
		return nil, 0, fmt.Errorf("horizon: %w", err)
	}
	return out, horizon, nil
}

// QueueHead implements moderation.Store: it numbers every event committed
// before it first, so that a watcher starting there is not sent them.
func (s *Store) QueueHead(ctx context.Context) (int64, error) {
	head, err := s.assignAll(ctx)
	if err != nil {
		return 0, wrap("queue head", err)
	}
	return head, nil
}

// PruneQueueEvents implements moderation.Store. It numbers the events
// first, so that a log nobody reads is pruned too, then prunes in one
// transaction without the lock: it deletes only numbered events, and any
// position given later is above every one it deletes.
func (s *Store) PruneQueueEvents(ctx context.Context, before time.Time) (int64, error) {
	if _, err := s.assignAll(ctx); err != nil {
		return 0, wrap("prune queue events: number the events", err)
	}
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
