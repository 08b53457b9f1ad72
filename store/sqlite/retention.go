package sqlite

import (
	"context"
	"time"
)

// eraseClientDataSQL erases one batch, so the writer is never held long.
const eraseClientDataSQL = `UPDATE comments SET ip = '', user_agent = ''
WHERE id IN (SELECT id FROM comments WHERE create_time < ? AND (ip <> '' OR user_agent <> '') LIMIT ?)`

// EraseClientData implements moderation.Store.
func (s *Store) EraseClientData(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := s.write.ExecContext(ctx, eraseClientDataSQL, micros(before), limit)
	if err != nil {
		return 0, wrap("erase client data", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("erase client data", err)
	}
	return n, nil
}
