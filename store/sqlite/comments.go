package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// CreateComment implements moderation.Store. Concurrent calls share one
// transaction (see batch.go).
func (s *Store) CreateComment(ctx context.Context, c moderation.Comment, out ...moderation.OutboxMessage) (moderation.Comment, moderation.Conflict, error) {
	r := s.batch.create(ctx, c, out)
	return r.c, r.conflict, r.err
}

// Comment implements moderation.Store.
func (s *Store) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	row, err := s.reads.queryRow(ctx, commentByIDSQL, id)
	if err != nil {
		return moderation.Comment{}, wrap("get comment", err)
	}
	c, err := comments.ScanComment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.Comment{}, fmt.Errorf("sqlite: comment %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Comment{}, wrap("get comment", err)
	}
	return c, nil
}

// Prior implements moderation.Store in one statement.
func (s *Store) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	query, args := dialect.PriorQuery(q)
	if query == "" {
		return moderation.Prior{}, nil
	}
	rows, err := s.reads.query(ctx, query, args...)
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

// ListComments implements moderation.Store with keyset pagination. The
// statement cache prepares each of the query's shapes once.
func (s *Store) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	query, args, err := dialect.CommentsQuery(f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list comments: %w", err)
	}
	rows, err := s.reads.query(ctx, query, args...)
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
	ids, err := json.Marshal(articleIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count comments: %w", err)
	}
	rows, err := s.reads.query(ctx, countPublishedSQL, site, int64(moderation.StatusPublished), string(ids))
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

// UpdateStatus implements moderation.Store. BEGIN IMMEDIATE holds the
// write lock from the read to the commit, so the read-modify-write is
// serialised with every other writer.
func (s *Store) UpdateStatus(ctx context.Context, u moderation.StatusUpdate) (moderation.Comment, bool, error) {
	if u.Next == nil {
		return moderation.Comment{}, false, errors.New("sqlite: update status: no Next function")
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.Comment{}, false, wrap("update status", err)
	}
	defer tx.Rollback()

	c, err := comments.ScanComment(tx.StmtContext(ctx, s.w.commentByID).QueryRowContext(ctx, u.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.Comment{}, false, fmt.Errorf("sqlite: comment %q: %w", u.ID, moderation.ErrNotFound)
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
		_, err = tx.StmtContext(ctx, s.w.updateStatus).ExecContext(ctx,
			int64(next), micros(u.Time), u.Actor, u.Note, u.ID)
		if err != nil {
			return c, false, wrap("update status", err)
		}
		a := u.Audit
		a.Detail = c.Status.String() + " -> " + next.String()
		if err := insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), a); err != nil {
			return c, false, wrap("update status", err)
		}
	} else if u.Confirms(c) {
		updated.ModeratedBy, updated.ModerationNote = u.Actor, u.Note
		_, err = tx.StmtContext(ctx, s.w.confirm).ExecContext(ctx, u.Actor, u.Note, u.ID)
		if err != nil {
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
		if err := s.train(ctx, tx, updated, u); err != nil {
			return c, false, wrap("update status", err)
		}
	}
	if changed && u.Outbox != nil {
		if err := s.insertOutbox(ctx, tx, u.Outbox(updated)); err != nil {
			return c, false, wrap("update status", err)
		}
	}
	if changed {
		if err := s.enqueue(ctx, tx, c.Status, updated, u.Time); err != nil {
			return c, false, wrap("update status", err)
		}
	}
	if err := tx.Commit(); err != nil {
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
	rows, err := s.reads.query(ctx, query, args...)
	if err != nil {
		return nil, wrap("count by status", err)
	}
	defer rows.Close()
	counts, err := storesql.StatusCounts[int64](rows)
	if err != nil {
		return nil, wrap("count by status", err)
	}
	return counts, nil
}

// AuthorHistory implements moderation.Store in one query.
func (s *Store) AuthorHistory(ctx context.Context, emailKey string) (moderation.AuthorHistory, error) {
	rows, err := s.reads.query(ctx, authorHistorySQL, emailKey)
	if err != nil {
		return nil, wrap("author history", err)
	}
	defer rows.Close()
	h, err := storesql.StatusCounts[int64](rows)
	if err != nil {
		return nil, wrap("author history", err)
	}
	return h, nil
}
