package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/commentd/commentd/moderation"
)

// eraseAuthorSQL turns every comment of one author into a tombstone. It
// blanks every column derived from what the reader sent, not only the
// reader's own fields: the request hash (over email, IP and body), the
// keys, the reasons, the score and the first decision; a tombstone keeps
// only its place (ids, site, article, parent, request id, times).
const eraseAuthorSQL = `UPDATE comments SET status = ?1, initial_status = ?1, score = 0, request_hash = NULL,
body = '', author_name = '', author_email = '', author_email_key = '', author_url = '', author_user_id = '',
ip = '', user_agent = '', referrer = '', author_key = '', body_fingerprint = '', reasons = '[]',
moderation_note = '', moderated_by = ?2, update_time = ?3
WHERE author_email_key = ?4
RETURNING id`

// EraseAuthor implements moderation.Store.
func (s *Store) EraseAuthor(ctx context.Context, emailKey string, at time.Time, audit moderation.AuditEvent, out moderation.ErasureOutbox) (int64, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("erase author", err)
	}
	defer tx.Rollback()
	// The labels' tokens were taken from the reader's text; the counts
	// they went into stay.
	if _, err := tx.ExecContext(ctx, eraseLabelsSQL, emailKey); err != nil {
		return 0, wrap("erase author: labels", err)
	}
	ids, err := erase(ctx, tx, int64(moderation.StatusDeleted), audit.Actor, micros(at), emailKey)
	if err != nil {
		return 0, wrap("erase author", err)
	}
	// What the webhooks stored of these comments loses the author's
	// data; then each erased comment tells of its erasure.
	if err := scrubOutbox(ctx, tx, ids, out.Scrub); err != nil {
		return 0, wrap("erase author: outbox", err)
	}
	if out.Events != nil {
		byID := tx.StmtContext(ctx, s.w.commentByID)
		for _, id := range ids {
			tombstone, err := comments.ScanComment(byID.QueryRowContext(ctx, id))
			if err != nil {
				return 0, wrap("erase author: read tombstone", err)
			}
			if err := s.insertOutbox(ctx, tx, out.Events(tombstone)); err != nil {
				return 0, wrap("erase author", err)
			}
		}
	}
	if err := insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), audit); err != nil {
		return 0, wrap("erase author", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, wrap("erase author", err)
	}
	return int64(len(ids)), nil
}

// erase runs eraseAuthorSQL and returns the ids it erased.
func erase(ctx context.Context, tx *sql.Tx, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, eraseAuthorSQL, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Secret implements moderation.Store.
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if _, err := s.write.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, wrap("store secret", err)
	}
	var v []byte
	if err := s.write.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, wrap("read secret", err)
	}
	return v, nil
}

// AppendAudit implements moderation.Store.
func (s *Store) AppendAudit(ctx context.Context, a moderation.AuditEvent) error {
	if err := insertAudit(ctx, s.w.insertAudit, a); err != nil {
		return wrap("append audit event", err)
	}
	return nil
}
