package postgres

import (
	"strconv"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// comments reads and writes the comments table, times as timestamptz.
// pgx writes a time truncated to the microseconds timestamptz keeps, as
// storesql.StoredTime expects.
var comments = storesql.NewComments(dialect, storesql.Times[time.Time]{
	Encode: func(t time.Time) time.Time { return t },
	Decode: time.Time.UTC,
})

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
	if err := row.Scan(&list, &w.Term, &w.CreateTime, &w.CreatedBy, &w.Site); err != nil {
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
	if err := row.Scan(&b.ID, &kind, &b.Value, &b.Display, &expire, &b.Reason, &b.CreateTime, &b.CreatedBy, &b.Site, &b.RequestID, &b.RequestHash); err != nil {
		return moderation.Ban{}, err
	}
	b.Kind, b.CreateTime = moderation.BanKind(kind), b.CreateTime.UTC()
	if expire != nil {
		b.ExpireTime = expire.UTC()
	}
	return b, nil
}
