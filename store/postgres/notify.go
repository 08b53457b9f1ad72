package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/notify"
)

// queueChannel is the LISTEN/NOTIFY channel of held comments.
const queueChannel = "commentd_queue"

// Publish implements moderation.Bus with NOTIFY, so replicas that share
// the database and no Redis still see each other's held comments.
func (s *Store) Publish(ctx context.Context, ids []string) error {
	// A NOTIFY payload holds under 8000 bytes: about 200 ids.
	for len(ids) > 0 {
		n := min(len(ids), 200)
		if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", queueChannel, notify.JoinIDs(ids[:n])); err != nil {
			return wrap("notify", err)
		}
		ids = ids[n:]
	}
	return nil
}

// Subscribe implements moderation.Bus with LISTEN on a connection of its
// own (outside the pool, which it would otherwise hold), reconnecting
// with backoff when the connection is lost.
func (s *Store) Subscribe(ctx context.Context) (<-chan string, error) {
	conn, err := s.listen(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan string, 256)
	go func() {
		defer close(out)
		backoff := 100 * time.Millisecond
		for {
			for conn != nil {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					conn.Close(context.Background())
					conn = nil
					break
				}
				backoff = 100 * time.Millisecond
				for _, id := range notify.SplitIDs(n.Payload) {
					select {
					case out <- id:
					default: // a slow watcher misses ids rather than slowing Postgres
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			conn, _ = s.listen(ctx)
		}
	}()
	return out, nil
}

func (s *Store) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, wrap("listen: connect", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+queueChannel); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	return conn, nil
}
