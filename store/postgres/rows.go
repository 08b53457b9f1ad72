package postgres

import (
	"fmt"
	"strconv"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

func scanComment(row storesql.Scanner) (moderation.Comment, error) {
	var (
		c               moderation.Comment
		status, initial int16
		reasons         string
	)
	err := row.Scan(&c.ID, &c.Site, &c.ArticleID, &c.ParentID, &c.Author.Name, &c.Author.Email, &c.Author.URL,
		&c.Body, &c.Client.IP, &c.Client.UserAgent, &c.Client.Referrer, &status, &initial, &reasons, &c.Score,
		&c.RequestID, &c.RequestHash, &c.CreateTime, &c.UpdateTime, &c.ModeratedBy, &c.ModerationNote,
		&c.Author.UserID, &c.AuthorKey, &c.BodyFingerprint)
	if err != nil {
		return moderation.Comment{}, err
	}
	c.Status, c.InitialStatus = moderation.Status(status), moderation.Status(initial)
	c.CreateTime, c.UpdateTime = c.CreateTime.UTC(), c.UpdateTime.UTC()
	if len(c.RequestHash) == 0 {
		c.RequestHash = nil
	}
	if c.Reasons, err = storesql.DecodeReasons(reasons); err != nil {
		return moderation.Comment{}, fmt.Errorf("comment %s: %w", c.ID, err)
	}
	return c, nil
}

func scanPublicComment(row storesql.Scanner) (moderation.Comment, error) {
	var (
		c      moderation.Comment
		status int16
	)
	err := row.Scan(&c.ID, &c.Site, &c.ArticleID, &c.ParentID, &c.Author.Name, &c.Author.URL, &c.Body,
		&status, &c.CreateTime, &c.UpdateTime)
	if err != nil {
		return moderation.Comment{}, err
	}
	c.Status = moderation.Status(status)
	c.CreateTime, c.UpdateTime = c.CreateTime.UTC(), c.UpdateTime.UTC()
	return c, nil
}

// commentArgs returns the values of insertComment's placeholders.
func commentArgs(c moderation.Comment) ([]any, error) {
	// A text column, not jsonb, which would rewrite the JSON.
	reasons, err := storesql.EncodeReasons(c.Reasons)
	if err != nil {
		return nil, err
	}
	return []any{
		c.ID, c.Site, c.ArticleID, c.ParentID, c.Author.Name, c.Author.Email, moderation.EmailKey(c.Author.Email),
		c.Author.URL, c.Body, c.Client.IP, c.Client.UserAgent, c.Client.Referrer, int16(c.Status),
		int16(c.InitialStatus), reasons, c.Score, c.RequestID, nullBytes(c.RequestHash),
		c.CreateTime, c.UpdateTime, c.ModeratedBy, c.ModerationNote,
		c.Author.UserID, c.AuthorKey, c.BodyFingerprint,
	}, nil
}

// dialect is how PostgreSQL spells the shared listing queries. Times are
// bound as they are: pgx truncates them to the microseconds timestamptz
// keeps, as storesql.StoredTime expects.
var dialect = storesql.Dialect{
	Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	Time:        func(t time.Time) any { return t },
	StatusIn: func(statuses []moderation.Status, bind func(any) string) string {
		if len(statuses) == 1 {
			// "=" rather than "= ANY" lets the planner walk an index in order.
			return "status = " + bind(int16(statuses[0]))
		}
		// One array, so the statement is the same whatever the number of
		// statuses.
		vs := make([]int16, len(statuses))
		for i, st := range statuses {
			vs[i] = int16(st)
		}
		return "status = ANY(" + bind(vs) + ")"
	},
}

func nullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullTime stores the zero time, which means "never", as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func scanWordTerm(row storesql.Scanner) (moderation.WordTerm, error) {
	var w moderation.WordTerm
	var list int16
	if err := row.Scan(&list, &w.Term, &w.CreateTime, &w.CreatedBy); err != nil {
		return moderation.WordTerm{}, err
	}
	w.List, w.CreateTime = moderation.WordList(list), w.CreateTime.UTC()
	return w, nil
}

func scanBan(row storesql.Scanner) (moderation.Ban, error) {
	var (
		b      moderation.Ban
		kind   int16
		expire *time.Time
	)
	if err := row.Scan(&b.ID, &kind, &b.Value, &b.Display, &expire, &b.Reason, &b.CreateTime, &b.CreatedBy); err != nil {
		return moderation.Ban{}, err
	}
	b.Kind, b.CreateTime = moderation.BanKind(kind), b.CreateTime.UTC()
	if expire != nil {
		b.ExpireTime = expire.UTC()
	}
	return b, nil
}
