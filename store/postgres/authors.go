package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
)

// eraseAuthorSQL turns every comment of one author into a tombstone. It
// blanks every column derived from what the reader sent, not only the
// reader's own fields: the request hash (over email, IP and body), the
// keys, the reasons, the score and the first decision; a tombstone keeps
// only its place (ids, site, article, parent, request id, times).
const eraseAuthorSQL = `UPDATE comments SET status = $1, initial_status = $1, score = 0, request_hash = NULL,
body = '', author_name = '', author_email = '', author_email_key = '', author_url = '', author_user_id = '',
ip = '', user_agent = '', referrer = '', author_key = '', body_fingerprint = '', reasons = '[]',
moderation_note = '', moderated_by = $2, update_time = $3
WHERE author_email_key = $4
RETURNING id`

// EraseAuthor implements moderation.Store.
func (s *Store) EraseAuthor(ctx context.Context, emailKey string, at time.Time, audit moderation.AuditEvent, out moderation.ErasureOutbox) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrap("erase author", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rows, _ := tx.Query(ctx, eraseAuthorSQL, int16(moderation.StatusDeleted), audit.Actor, at, emailKey)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, wrap("erase author", err)
	}
	// The labels' tokens were taken from the reader's text; the counts
	// they went into stay. After the update, which holds the comments'
	// row locks: a label a moderator wrote meanwhile is committed and
	// seen by this statement.
	if _, err := tx.Exec(ctx, eraseLabelsSQL, ids); err != nil {
		return 0, wrap("erase author: labels", err)
	}
	// What the webhooks stored of these comments loses the author's
	// data; then each erased comment tells of its erasure.
	if err := scrubOutbox(ctx, tx, ids, out.Scrub); err != nil {
		return 0, wrap("erase author: outbox", err)
	}
	if out.Events != nil {
		for _, id := range ids {
			tombstone, err := comments.ScanComment(tx.QueryRow(ctx, commentByIDSQL, id))
			if err != nil {
				return 0, wrap("erase author: read tombstone", err)
			}
			if err := insertOutbox(ctx, tx, out.Events(tombstone)); err != nil {
				return 0, wrap("erase author", err)
			}
		}
	}
	if _, err := tx.Exec(ctx, insertAuditSQL, audit.ID, audit.Time, audit.Actor, audit.Action, audit.Target, audit.Note, audit.Detail); err != nil {
		return 0, wrap("erase author", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrap("erase author", err)
	}
	return int64(len(ids)), nil
}

// Secret implements moderation.Store.
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	var v []byte
	// The no-op update makes RETURNING give the row that won a race too.
	err := s.pool.QueryRow(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING value`, name, fresh).Scan(&v)
	if err != nil {
		return nil, wrap("secret", err)
	}
	return v, nil
}

// AppendAudit implements moderation.Store.
func (s *Store) AppendAudit(ctx context.Context, a moderation.AuditEvent) error {
	if _, err := s.pool.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail); err != nil {
		return wrap("append audit event", err)
	}
	return nil
}
