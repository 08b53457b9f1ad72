package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/commentd/commentd/moderation"
)

// commentColumns is the column list every comment query selects, in
// scanComment's order.
const commentColumns = `id, site, article_id, parent_id, author_name, author_email, author_url,
	body, ip, user_agent, referrer, status, initial_status, reasons, score,
	request_id, request_hash, create_time, update_time, moderated_by, moderation_note`

type scanner interface{ Scan(dest ...any) error }

func scanComment(row scanner) (moderation.Comment, error) {
	var (
		c               moderation.Comment
		status, initial int64
		reasons         string
		created, update int64
	)
	err := row.Scan(&c.ID, &c.Site, &c.ArticleID, &c.ParentID, &c.Author.Name, &c.Author.Email, &c.Author.URL,
		&c.Body, &c.Client.IP, &c.Client.UserAgent, &c.Client.Referrer, &status, &initial, &reasons, &c.Score,
		&c.RequestID, &c.RequestHash, &created, &update, &c.ModeratedBy, &c.ModerationNote)
	if err != nil {
		return moderation.Comment{}, err
	}
	c.Status, c.InitialStatus = moderation.Status(status), moderation.Status(initial)
	c.CreateTime, c.UpdateTime = fromMicros(created), fromMicros(update)
	if len(c.RequestHash) == 0 {
		c.RequestHash = nil
	}
	if c.Reasons, err = decodeReasons(reasons); err != nil {
		return moderation.Comment{}, fmt.Errorf("comment %s: %w", c.ID, err)
	}
	return c, nil
}

// commentArgs returns the values of insertComment's placeholders.
func commentArgs(c moderation.Comment) ([]any, error) {
	reasons, err := encodeReasons(c.Reasons)
	if err != nil {
		return nil, err
	}
	return []any{
		c.ID, c.Site, c.ArticleID, c.ParentID, c.Author.Name, c.Author.Email, moderation.EmailKey(c.Author.Email),
		c.Author.URL, c.Body, c.Client.IP, c.Client.UserAgent, c.Client.Referrer, int64(c.Status),
		int64(c.InitialStatus), reasons, c.Score, c.RequestID, nullBytes(c.RequestHash),
		micros(c.CreateTime), micros(c.UpdateTime), c.ModeratedBy, c.ModerationNote,
	}, nil
}

// stored returns c as reading it back from the database would.
func stored(c moderation.Comment) moderation.Comment {
	c.CreateTime = fromMicros(micros(c.CreateTime))
	c.UpdateTime = fromMicros(micros(c.UpdateTime))
	if len(c.Reasons) == 0 {
		c.Reasons = nil
	}
	if len(c.RequestHash) == 0 {
		c.RequestHash = nil
	}
	return c
}

// Reasons are stored as a JSON array; no reasons is "[]" and reads back
// as nil.
func encodeReasons(rs []moderation.Reason) (string, error) {
	if len(rs) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return "", fmt.Errorf("encode reasons: %w", err)
	}
	return string(b), nil
}

func decodeReasons(s string) ([]moderation.Reason, error) {
	if s == "" || s == "[]" || s == "null" {
		return nil, nil
	}
	var rs []moderation.Reason
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("decode reasons: %w", err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return rs, nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Times are stored as unix microseconds, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

// ceilMicros rounds up, so that a bound with nanoseconds keeps its meaning
// against microsecond times: t >= since and t < until.
func ceilMicros(t time.Time) int64 {
	us := t.UnixMicro()
	if t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

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
