package storesql

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/commentd/commentd/moderation"
)

// Scanner is one row: a *sql.Row or *sql.Rows, a pgx.Row or pgx.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Rows is what Collect needs of *sql.Rows and pgx.Rows.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect reads every row with scan. limit is the most rows the query can
// return; Collect preallocates room for no more than 128 of them, so that
// a generous limit does not allocate a large slice up front. The caller
// still closes rows.
func Collect[T any](rows Rows, limit int, scan func(Scanner) (T, error)) ([]T, error) {
	out := make([]T, 0, min(limit, 128))
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Stored returns c as reading it back from either store would.
func Stored(c moderation.Comment) moderation.Comment {
	c.CreateTime = StoredTime(c.CreateTime)
	c.UpdateTime = StoredTime(c.UpdateTime)
	if len(c.Reasons) == 0 {
		c.Reasons = nil
	}
	if len(c.RequestHash) == 0 {
		c.RequestHash = nil
	}
	return c
}

// StoredTime returns t as both stores keep it: truncated to the
// microsecond, read back in UTC.
func StoredTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// EncodeReasons returns reasons as they are stored: a JSON array in a text
// column. No reasons is "[]", and DecodeReasons reads it back as nil.
func EncodeReasons(rs []moderation.Reason) (string, error) {
	if len(rs) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return "", fmt.Errorf("encode reasons: %w", err)
	}
	return string(b), nil
}

// DecodeReasons reads what EncodeReasons stored.
func DecodeReasons(s string) ([]moderation.Reason, error) {
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

// StatusCounts reads rows of (status, count), the status stored as an S,
// into counts by status. The caller still closes rows.
func StatusCounts[S int16 | int64](rows Rows) (map[moderation.Status]int64, error) {
	out := make(map[moderation.Status]int64)
	for rows.Next() {
		var st S
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[moderation.Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
