package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// comments reads and writes the comments table, times as unix
// microseconds.
var comments = storesql.NewComments(dialect, storesql.Times[int64]{Encode: micros, Decode: fromMicros})

// Times are stored as unix microseconds, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores the zero time, which means "never", as NULL.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

func scanWordTerm(row storesql.Scanner) (moderation.WordTerm, error) {
	var (
		w       moderation.WordTerm
		list    int64
		created int64
	)
	if err := row.Scan(&list, &w.Term, &created, &w.CreatedBy, &w.Site); err != nil {
		return moderation.WordTerm{}, err
	}
	w.List, w.CreateTime = moderation.WordList(list), fromMicros(created)
	return w, nil
}

func scanBan(row storesql.Scanner) (moderation.Ban, error) {
	var (
		b       moderation.Ban
		kind    int64
		expire  sql.NullInt64
		created int64
	)
	if err := row.Scan(&b.ID, &kind, &b.Value, &b.Display, &expire, &b.Reason, &created, &b.CreatedBy, &b.Site, &b.RequestID, &b.RequestHash); err != nil {
		return moderation.Ban{}, err
	}
	b.Kind, b.CreateTime = moderation.BanKind(kind), fromMicros(created)
	if expire.Valid {
		b.ExpireTime = fromMicros(expire.Int64)
	}
	return b, nil
}

// dialect is how SQLite spells the shared listing queries.
var dialect = storesql.Dialect{
	Placeholder: func(int) string { return "?" },
	Time:        func(t time.Time) any { return micros(t) },
	// No array parameters: one placeholder per status. SQLite plans a
	// one-element "status IN (?)" as "status = ?", walking the index in
	// order.
	StatusIn: func(statuses []moderation.Status, bind func(any) string) string {
		ps := make([]string, len(statuses))
		for i, st := range statuses {
			ps[i] = bind(int64(st))
		}
		return "status IN (" + strings.Join(ps, ", ") + ")"
	},
}

// stmtCache keeps one prepared statement per query text. Queries built
// from a filter have a bounded number of shapes, so it stays small.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache against shapes nobody expected.
const maxCachedStmts = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

func (c *stmtCache) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.db.QueryRowContext(ctx, query, args...), nil
	}
	return st.QueryRowContext(ctx, args...), nil
}

// stmt returns the prepared statement for query, or nil when the cache is
// full.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	if len(c.m) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}
