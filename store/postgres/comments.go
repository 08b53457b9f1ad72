package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// duplicateIndex is the unique index that enforces the duplicate rule;
// a unique_violation (23505) on it is a duplicate.
const duplicateIndex = "comments_duplicate"

// The statements that read or write every comment column, derived from
// the one declaration of the table.
var (
	insertCommentSQL = comments.Insert
	commentByIDSQL   = `SELECT ` + storesql.CommentColumns + ` FROM comments WHERE id = $1`
	// request_id <> '' lets the planner use the partial unique index.
	commentByRequestIDSQL = `SELECT ` + storesql.CommentColumns + ` FROM comments
WHERE site = $1 AND request_id = $2 AND request_id <> ''`
	duplicateSQL = `SELECT ` + storesql.CommentColumns + ` FROM comments
WHERE site = $1 AND article_id = $2 AND author_key = $3 AND body_fingerprint = $4 AND ` + storesql.DuplicatePredicate
	lockCommentSQL = commentByIDSQL + ` FOR UPDATE`
)

const (
	countPublishedSQL = `SELECT article_id, count(*) FROM comments
WHERE site = $1 AND status = $2 AND article_id = ANY($3)
GROUP BY article_id`

	// Served by the index on (author_email_key, status, …) alone.
	authorHistorySQL = `SELECT status, count(*) FROM comments WHERE author_email_key = $1 GROUP BY status`

	updateStatusSQL = `UPDATE comments SET status = $2, update_time = $3, moderated_by = $4, moderation_note = $5
WHERE id = $1`
	// A decision that left the status as it was: who confirmed it, and no
	// new update_time, which says when the status last changed.
	confirmSQL = `UPDATE comments SET moderated_by = $2, moderation_note = $3 WHERE id = $1`
)

// CreateComment implements moderation.Store. The insert is one statement,
// so one transaction. When two submissions with the same request id or
// two duplicates race, PostgreSQL makes the second insert wait for the
// first to commit; the second then does nothing (the same request id) or
// fails on the unique index of duplicates, and reads the first's row.
func (s *Store) CreateComment(ctx context.Context, c moderation.Comment, out ...moderation.OutboxMessage) (moderation.Comment, moderation.Conflict, error) {
	args, err := comments.Args(&c)
	if err != nil {
		return moderation.Comment{}, 0, fmt.Errorf("postgres: create comment %s: %w", c.ID, err)
	}
	var tag pgconn.CommandTag
	held := entering(moderation.StatusUnspecified, c, c.CreateTime)
	switch {
	case len(out) == 0 && held == nil:
		tag, err = s.pool.Exec(ctx, insertCommentSQL, args...)
	case len(out) == 0:
		tag, err = s.insertHeld(ctx, args, c)
	default:
		tag, err = s.insertWithOutbox(ctx, args, out, held)
	}
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == duplicateIndex:
	case err != nil:
		return moderation.Comment{}, 0, wrap("create comment "+c.ID, err)
	case tag.RowsAffected() == 1:
		return storesql.Stored(c), moderation.NoConflict, nil
	}
	// The same request id first: a retry that is also a duplicate (of
	// itself) is a retry.
	if c.RequestID != "" {
		existing, err := comments.ScanComment(s.pool.QueryRow(ctx, commentByRequestIDSQL, c.Site, c.RequestID))
		if err == nil {
			return existing, moderation.ConflictRequestID, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return moderation.Comment{}, 0, wrap("create comment: read comment with the same request id", err)
		}
	}
	existing, err := comments.ScanComment(s.pool.QueryRow(ctx, duplicateSQL, c.Site, c.ArticleID, c.AuthorKey, c.BodyFingerprint))
	if errors.Is(err, pgx.ErrNoRows) {
		// The comment it conflicted with was deleted since; a retry
		// stores it.
		return moderation.Comment{}, 0, fmt.Errorf("postgres: create comment %s: the conflicting comment is gone: %w", c.ID, moderation.ErrUnavailable)
	}
	if err != nil {
		return moderation.Comment{}, 0, wrap("create comment: read the duplicate", err)
	}
	return existing, moderation.ConflictDuplicate, nil
}

// insertHeld inserts a held comment and its queue event in one round
// trip: a batch sent outside a transaction runs as one implicit
// transaction, so both or neither are stored. When the insert stores
// nothing (a retry) the event's insert finds no row to log.
func (s *Store) insertHeld(ctx context.Context, args []any, c moderation.Comment) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(insertCommentSQL, args...)
	b.Queue(insertHeldEventSQL, c.ID, c.CreateTime)
	br := s.pool.SendBatch(ctx, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// insertWithOutbox inserts a comment and, when it was stored, its outbox
// messages and its queue events, in one transaction. A conflict rolls
// back and is answered as without messages.
func (s *Store) insertWithOutbox(ctx context.Context, args []any, out []moderation.OutboxMessage, events []moderation.QueueEvent) (pgconn.CommandTag, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, insertCommentSQL, args...)
	if err != nil || tag.RowsAffected() != 1 {
		return tag, err
	}
	if err := insertOutbox(ctx, tx, out); err != nil {
		return pgconn.CommandTag{}, err
	}
	if err := enqueue(ctx, tx, events...); err != nil {
		return pgconn.CommandTag{}, err
	}
	return tag, tx.Commit(ctx)
}

// Comment implements moderation.Store.
func (s *Store) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	c, err := comments.ScanComment(s.pool.QueryRow(ctx, commentByIDSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.Comment{}, fmt.Errorf("postgres: comment %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Comment{}, wrap("get comment", err)
	}
	return c, nil
}

// Prior implements moderation.Store in one statement, so one round trip.
func (s *Store) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	query, args := dialect.PriorQuery(q)
	if query == "" {
		return moderation.Prior{}, nil
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return moderation.Prior{}, wrap("look up earlier comments", err)
	}
	defer rows.Close()
	p, err := comments.ReadPrior(rows)
	if err != nil {
		return moderation.Prior{}, wrap("look up earlier comments", err)
	}
	return p, nil
}

// ListComments implements moderation.Store with keyset pagination. pgx
// prepares each of the query's shapes once per connection.
func (s *Store) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	query, args, err := dialect.CommentsQuery(f)
	if err != nil {
		return nil, fmt.Errorf("postgres: list comments: %w", err)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list comments", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, f.Limit, comments.Scanner(f.Public).Scan)
	if err != nil {
		return nil, wrap("list comments", err)
	}
	return out, nil
}

// CountPublished implements moderation.Store in one query.
func (s *Store) CountPublished(ctx context.Context, site string, articleIDs []string) (map[string]int64, error) {
	counts := make(map[string]int64, len(articleIDs))
	if len(articleIDs) == 0 {
		return counts, nil
	}
	rows, err := s.pool.Query(ctx, countPublishedSQL, site, int16(moderation.StatusPublished), articleIDs)
	if err != nil {
		return nil, wrap("count comments", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, wrap("count comments", err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("count comments", err)
	}
	return counts, nil
}

// UpdateStatus implements moderation.Store. SELECT … FOR UPDATE holds the
// row from the read to the commit, so concurrent moderators of one
// comment are serialised.
func (s *Store) UpdateStatus(ctx context.Context, u moderation.StatusUpdate) (moderation.Comment, bool, error) {
	if u.Next == nil {
		return moderation.Comment{}, false, errors.New("postgres: update status: no Next function")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.Comment{}, false, wrap("update status", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	c, err := comments.ScanComment(tx.QueryRow(ctx, lockCommentSQL, u.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.Comment{}, false, fmt.Errorf("postgres: comment %q: %w", u.ID, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Comment{}, false, wrap("update status", err)
	}
	next, err := u.Next(c.Status)
	if err != nil {
		return c, false, err // as is, so that callers find their *moderation.Error
	}
	changed := next != c.Status
	updated := c
	if changed {
		updated.Status = next
		updated.UpdateTime = storesql.StoredTime(u.Time)
		updated.ModeratedBy = u.Actor
		updated.ModerationNote = u.Note
		if _, err := tx.Exec(ctx, updateStatusSQL, u.ID, int16(next), u.Time, u.Actor, u.Note); err != nil {
			return c, false, wrap("update status", err)
		}
		a := u.Audit
		a.Detail = c.Status.String() + " -> " + next.String()
		if _, err := tx.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail); err != nil {
			return c, false, wrap("update status: append audit event", err)
		}
	} else if u.Confirms(c) {
		updated.ModeratedBy, updated.ModerationNote = u.Actor, u.Note
		if _, err := tx.Exec(ctx, confirmSQL, u.ID, u.Actor, u.Note); err != nil {
			return c, false, wrap("update status: record the confirmation", err)
		}
	}
	if u.Reports != nil {
		if err := settleReports(ctx, tx, u.ID, u.Reports); err != nil {
			return c, false, wrap("update status: settle reports", err)
		}
	}
	// Training happens whether or not the status moved: approving a
	// published comment confirms it as ham.
	if u.Train != nil {
		if err := train(ctx, tx, updated, u); err != nil {
			return c, false, wrap("update status", err)
		}
	}
	if changed && u.Outbox != nil {
		if err := insertOutbox(ctx, tx, u.Outbox(updated)); err != nil {
			return c, false, wrap("update status", err)
		}
	}
	if changed {
		if err := enqueue(ctx, tx, entering(c.Status, updated, u.Time)...); err != nil {
			return c, false, wrap("update status", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return c, false, wrap("update status", err)
	}
	return updated, changed, nil
}

// CountByStatus implements moderation.Store.
func (s *Store) CountByStatus(ctx context.Context, statuses []moderation.Status) (map[moderation.Status]int64, error) {
	if len(statuses) == 0 {
		return map[moderation.Status]int64{}, nil
	}
	query, args := dialect.CountByStatusQuery(statuses)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("count by status", err)
	}
	defer rows.Close()
	counts, err := storesql.StatusCounts[int16](rows)
	if err != nil {
		return nil, wrap("count by status", err)
	}
	return counts, nil
}

// AuthorHistory implements moderation.Store in one query.
func (s *Store) AuthorHistory(ctx context.Context, emailKey string) (moderation.AuthorHistory, error) {
	rows, err := s.pool.Query(ctx, authorHistorySQL, emailKey)
	if err != nil {
		return nil, wrap("author history", err)
	}
	defer rows.Close()
	h, err := storesql.StatusCounts[int16](rows)
	if err != nil {
		return nil, wrap("author history", err)
	}
	return h, nil
}
