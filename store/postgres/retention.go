package postgres

import (
	"context"
	"time"
)

// eraseClientDataSQL erases one batch, so no lock is held long; SKIP
// LOCKED leaves rows a moderator is changing for the next batch.
const eraseClientDataSQL = `UPDATE comments SET ip = '', user_agent = ''
WHERE id IN (SELECT id FROM comments WHERE create_time < $1 AND (ip <> '' OR user_agent <> '') LIMIT $2 FOR UPDATE SKIP LOCKED)`

// EraseClientData implements moderation.Store.
func (s *Store) EraseClientData(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := s.pool.Exec(ctx, eraseClientDataSQL, before, limit)
	if err != nil {
		return 0, wrap("erase client data", err)
	}
	return tag.RowsAffected(), nil
}
