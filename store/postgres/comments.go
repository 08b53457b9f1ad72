package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
)

const (
	insertCommentSQL = `INSERT INTO comments (id, site, article_id, parent_id, author_name, author_email,
	author_email_key, author_url, body, ip, user_agent, referrer, status, initial_status, reasons, score,
	request_id, request_hash, create_time, update_time, moderated_by, moderation_note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
ON CONFLICT (site, request_id) WHERE request_id <> '' DO NOTHING`

	commentByIDSQL = `SELECT ` + commentColumns + ` FROM comments WHERE id = $1`
	// request_id <> '' lets the planner use the partial unique index.
	commentByRequestIDSQL = `SELECT ` + commentColumns + ` FROM comments
WHERE site = $1 AND request_id = $2 AND request_id <> ''`

	countPublishedSQL = `SELECT article_id, count(*) FROM comments
WHERE site = $1 AND status = $2 AND article_id = ANY($3)
GROUP BY article_id`

	lockCommentSQL  = commentByIDSQL + ` FOR UPDATE`
	updateStatusSQL = `UPDATE comments SET status = $2, update_time = $3, moderated_by = $4, moderation_note = $5
WHERE id = $1`
)

// CreateComment implements moderation.Store. The insert is one statement,
// so one transaction. When two submissions with the same request id race,
// PostgreSQL makes the second insert wait for the first and then do
// nothing; the second then reads the first's row, which has committed.
func (s *Store) CreateComment(ctx context.Context, c moderation.Comment) (moderation.Comment, bool, error) {
	args, err := commentArgs(c)
	if err != nil {
		return moderation.Comment{}, false, fmt.Errorf("postgres: create comment %s: %w", c.ID, err)
	}
	tag, err := s.pool.Exec(ctx, insertCommentSQL, args...)
	if err != nil {
		return moderation.Comment{}, false, wrap("create comment "+c.ID, err)
	}
	if tag.RowsAffected() == 1 {
		return stored(c), true, nil
	}
	existing, err := scanComment(s.pool.QueryRow(ctx, commentByRequestIDSQL, c.Site, c.RequestID))
	if err != nil {
		// Not even ErrNoRows can be right here: the conflicting row has
		// committed, and comments are never deleted.
		return moderation.Comment{}, false, wrap("create comment: read comment with the same request id", err)
	}
	return existing, false, nil
}

// Comment implements moderation.Store.
func (s *Store) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	c, err := scanComment(s.pool.QueryRow(ctx, commentByIDSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.Comment{}, fmt.Errorf("postgres: comment %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Comment{}, wrap("get comment", err)
	}
	return c, nil
}

// CommentByRequestID implements moderation.Store.
func (s *Store) CommentByRequestID(ctx context.Context, site, requestID string) (moderation.Comment, error) {
	c, err := scanComment(s.pool.QueryRow(ctx, commentByRequestIDSQL, site, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.Comment{}, fmt.Errorf("postgres: comment with request id %q: %w", requestID, moderation.ErrNotFound)
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
		return nil, fmt.Errorf("postgres: list comments: %w", err)
	}
	rows, err := s.pool.Query(ctx, query, args...)
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

// listCommentsQuery builds the query for f. Only the placeholders vary
// with the filter, never data; pgx prepares each shape once per
// connection.
func listCommentsQuery(f moderation.Filter) (string, []any, error) {
	if len(f.Statuses) == 0 {
		return "", nil, errors.New("filter has no statuses")
	}
	if f.Limit < 1 {
		return "", nil, fmt.Errorf("filter limit %d, want at least 1", f.Limit)
	}
	statuses := make([]int16, 0, len(f.Statuses))
	for _, st := range f.Statuses {
		statuses = append(statuses, int16(st))
	}
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)

	var b strings.Builder
	args := make([]any, 0, 8)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	b.WriteString("SELECT " + commentColumns + " FROM comments WHERE ")
	if len(statuses) == 1 {
		// "=" rather than "= ANY" lets the planner walk an index in order.
		b.WriteString("status = " + arg(statuses[0]))
	} else {
		b.WriteString("status = ANY(" + arg(statuses) + ")")
	}
	if f.Site != "" {
		b.WriteString(" AND site = " + arg(f.Site))
	}
	if f.ArticleID != "" {
		b.WriteString(" AND article_id = " + arg(f.ArticleID))
	}
	if f.AuthorEmail != "" {
		b.WriteString(" AND author_email_key = " + arg(f.AuthorEmail))
	}
	if !f.Since.IsZero() {
		b.WriteString(" AND create_time >= " + arg(ceilMicro(f.Since)))
	}
	if !f.Until.IsZero() {
		b.WriteString(" AND create_time < " + arg(ceilMicro(f.Until)))
	}
	cmp, dir := ">", "ASC"
	if f.NewestFirst {
		cmp, dir = "<", "DESC"
	}
	if f.After != nil {
		b.WriteString(" AND (create_time, id) " + cmp + " (" + arg(f.After.Time) + ", " + arg(f.After.ID) + ")")
	}
	b.WriteString(" ORDER BY create_time " + dir + ", id " + dir + " LIMIT " + arg(f.Limit))
	return b.String(), args, nil
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

	c, err := scanComment(tx.QueryRow(ctx, lockCommentSQL, u.ID))
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
	if next == c.Status {
		return c, false, nil
	}

	updated := c
	updated.Status = next
	updated.UpdateTime = storedTime(u.Time)
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
	if err := tx.Commit(ctx); err != nil {
		return c, false, wrap("update status", err)
	}
	return updated, true, nil
}
