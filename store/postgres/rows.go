package postgres

import (
	"encoding/json"
	"fmt"
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
		status, initial int16
		reasons         string
	)
	err := row.Scan(&c.ID, &c.Site, &c.ArticleID, &c.ParentID, &c.Author.Name, &c.Author.Email, &c.Author.URL,
		&c.Body, &c.Client.IP, &c.Client.UserAgent, &c.Client.Referrer, &status, &initial, &reasons, &c.Score,
		&c.RequestID, &c.RequestHash, &c.CreateTime, &c.UpdateTime, &c.ModeratedBy, &c.ModerationNote)
	if err != nil {
		return moderation.Comment{}, err
	}
	c.Status, c.InitialStatus = moderation.Status(status), moderation.Status(initial)
	c.CreateTime, c.UpdateTime = c.CreateTime.UTC(), c.UpdateTime.UTC()
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
		c.Author.URL, c.Body, c.Client.IP, c.Client.UserAgent, c.Client.Referrer, int16(c.Status),
		int16(c.InitialStatus), reasons, c.Score, c.RequestID, nullBytes(c.RequestHash),
		c.CreateTime, c.UpdateTime, c.ModeratedBy, c.ModerationNote,
	}, nil
}

// stored returns c as reading it back from the database would.
func stored(c moderation.Comment) moderation.Comment {
	c.CreateTime = storedTime(c.CreateTime)
	c.UpdateTime = storedTime(c.UpdateTime)
	if len(c.Reasons) == 0 {
		c.Reasons = nil
	}
	if len(c.RequestHash) == 0 {
		c.RequestHash = nil
	}
	return c
}

// storedTime is t as timestamptz keeps it: microseconds (pgx truncates),
// read back in UTC.
func storedTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ceilMicro rounds up to a microsecond, so that a bound with nanoseconds
// keeps its meaning against stored times: t >= since and t < until.
func ceilMicro(t time.Time) time.Time {
	if t.Nanosecond()%1000 == 0 {
		return t
	}
	return t.Truncate(time.Microsecond).Add(time.Microsecond)
}

// Reasons are stored as a JSON array in a text column (not jsonb, which
// would rewrite it); no reasons is "[]" and reads back as nil.
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

func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
