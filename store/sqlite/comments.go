package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/commentd/commentd/moderation"
)

// CreateComment implements moderation.Store. Concurrent calls share one
// transaction (see batch.go).
func (s *Store) CreateComment(ctx context.Context, c moderation.Comment) (moderation.Comment, bool, error) {
	r := s.batch.create(ctx, c)
	return r.c, r.created, r.err
}

// Comment implements moderation.Store.
func (s *Store) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	row, err := s.reads.queryRow(ctx, commentByIDSQL, id)
	if err != nil {
		return moderation.Comment{}, wrap("get comment", err)
	}
	c, err := scanComment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.Comment{}, fmt.Errorf("sqlite: comment %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Comment{}, wrap("get comment", err)
	}
	return c, nil
}

// CommentByRequestID implements moderation.Store.
func (s *Store) CommentByRequestID(ctx context.Context, site, requestID string) (moderation.Comment, error) {
	row, err := s.reads.queryRow(ctx, commentByRequestIDSQL, site, requestID)
	if err != nil {
		return moderation.Comment{}, wrap("get comment by request id", err)
	}
	c, err := scanComment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.Comment{}, fmt.Errorf("sqlite: comment with request id %q: %w", requestID, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Comment{}, wrap("get comment by request id", err)
	}
	return c, nil
}

// ListComments implements moderation.Store with keyset pagination.
func (s *Store) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	query, args, err := listCommentsQuery(f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list comments: %w", err)
	}
	rows, err := s.reads.query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list comments", err)
	}
	defer rows.Close()
	out := make([]moderation.Comment, 0, min(f.Limit, 128))
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, wrap("list comments", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list comments", err)
	}
	return out, nil
}

// listCommentsQuery builds the query for f. Only placeholders vary with
// the filter, never data, so each shape is prepared once.
func listCommentsQuery(f moderation.Filter) (string, []any, error) {
	if len(f.Statuses) == 0 {
		return "", nil, errors.New("filter has no statuses")
	}
	if f.Limit < 1 {
		return "", nil, fmt.Errorf("filter limit %d, want at least 1", f.Limit)
	}
	statuses := slices.Clone(f.Statuses)
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)

	var b strings.Builder
	args := make([]any, 0, len(statuses)+7)
	b.WriteString("SELECT " + commentColumns + " FROM comments WHERE status IN (")
	for i, st := range statuses {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, int64(st))
	}
	b.WriteString(")")
	if f.Site != "" {
		b.WriteString(" AND site = ?")
		args = append(args, f.Site)
	}
	if f.ArticleID != "" {
		b.WriteString(" AND article_id = ?")
		args = append(args, f.ArticleID)
	}
	if f.AuthorEmail != "" {
		b.WriteString(" AND author_email_key = ?")
		args = append(args, f.AuthorEmail)
	}
	if !f.Since.IsZero() {
		b.WriteString(" AND create_time >= ?")
		args = append(args, ceilMicros(f.Since))
	}
	if !f.Until.IsZero() {
		b.WriteString(" AND create_time < ?")
		args = append(args, ceilMicros(f.Until))
	}
	cmp, dir := ">", "ASC"
	if f.NewestFirst {
		cmp, dir = "<", "DESC"
	}
	if f.After != nil {
		b.WriteString(" AND (create_time, id) " + cmp + " (?, ?)")
		args = append(args, micros(f.After.Time), f.After.ID)
	}
	b.WriteString(" ORDER BY create_time " + dir + ", id " + dir + " LIMIT ?")
	args = append(args, f.Limit)
	return b.String(), args, nil
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

	c, err := scanComment(tx.StmtContext(ctx, s.w.commentByID).QueryRowContext(ctx, u.ID))
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
	if next == c.Status {
		return c, false, nil
	}

	updated := c
	updated.Status = next
	updated.UpdateTime = fromMicros(micros(u.Time))
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
	if err := tx.Commit(); err != nil {
		return c, false, wrap("update status", err)
	}
	return updated, true, nil
}
