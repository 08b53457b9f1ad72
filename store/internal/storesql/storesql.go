// Package storesql holds what store/sqlite and store/postgres share: the
// comments table, declared once, with the statements, row scans and
// arguments derived from it; the listing queries built from a filter, the
// row loop that reads them, and the encodings both use for comment
// columns. A Dialect carries the few
// things the two databases spell differently; the rest of the SQL and its
// Go types stay in each store.
package storesql

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation"
)

// DuplicatePredicate is the predicate of the unique index on (site,
// article_id, author_key, body_fingerprint) that enforces the duplicate
// rule (migration 00004 of either store): not deleted (5 is
// moderation.StatusDeleted) and with both keys. A query repeats it word
// for word, so that the planner knows the index serves it.
const DuplicatePredicate = `status <> 5 AND author_key <> '' AND body_fingerprint <> ''`

// AuditColumns is the column list of audit event queries, in the order of
// moderation.AuditEvent's fields.
const AuditColumns = `id, create_time, actor, action, target, note, detail`

// WordTermColumns is the column list of word term queries, in the order
// of moderation.WordTerm's fields.
const WordTermColumns = `list, term, create_time, created_by, site`

// BanColumns is the column list of ban queries, in the order of
// moderation.Ban's fields.
const BanColumns = `id, kind, value, display, expire_time, reason, create_time, created_by, site, request_id, request_hash`

// HiddenCommentsQuery is the text of the query of the comments a ban hid
// (its rows in ban_hidden), as they now are, by creation; ban names the
// placeholder of the ban's id.
func HiddenCommentsQuery(ban string) string {
	return `SELECT ` + CommentColumns + ` FROM comments WHERE id IN (SELECT comment_id FROM ban_hidden WHERE ban_id = ` + ban + `) ORDER BY create_time, id`
}

// Dialect is how one database spells the parts of a query that differ.
type Dialect struct {
	// Placeholder returns the marker of the nth argument, counting from 1.
	Placeholder func(n int) string
	// Time returns the value to bind for a time column.
	Time func(time.Time) any
	// StatusIn returns the condition that status is one of statuses,
	// which are sorted, distinct and at least one. bind adds a value to
	// the arguments and returns its placeholder.
	StatusIn func(statuses []moderation.Status, bind func(v any) string) string
}

// query gathers one statement's text and arguments.
type query struct {
	d    Dialect
	b    strings.Builder
	args []any
}

// bind adds v to the arguments and returns its placeholder.
func (q *query) bind(v any) string {
	q.args = append(q.args, v)
	return q.d.Placeholder(len(q.args))
}

// page ends a keyset-paginated query ordered by (create_time, id): rows
// after the cursor, if any, in that order, at most limit of them.
func (q *query) page(after *moderation.Cursor, newestFirst bool, limit int) {
	cmp, dir := ">", "ASC"
	if newestFirst {
		cmp, dir = "<", "DESC"
	}
	if after != nil {
		q.b.WriteString(" AND (create_time, id) " + cmp + " (" + q.bind(q.d.Time(after.Time)) + ", " + q.bind(after.ID) + ")")
	}
	q.b.WriteString(" ORDER BY create_time " + dir + ", id " + dir + " LIMIT " + q.bind(limit))
}

// CommentsQuery returns the statement and arguments that list the
// comments f selects. Only the placeholders vary with the filter, never
// data, so there are few statement texts and each is prepared once.
func (d Dialect) CommentsQuery(f moderation.Filter) (string, []any, error) {
	if len(f.Statuses) == 0 {
		return "", nil, errors.New("filter has no statuses")
	}
	if f.Limit < 1 {
		return "", nil, fmt.Errorf("filter limit %d, want at least 1", f.Limit)
	}
	q := &query{d: d}
	cols := CommentColumns
	if f.Public {
		cols = PublicCommentColumns
	}
	q.b.WriteString("SELECT " + cols + " FROM comments WHERE ")
	q.where(f)
	q.page(f.After, f.NewestFirst, f.Limit)
	return q.b.String(), q.args, nil
}

// where writes the conditions of f, every filter but the cursor.
func (q *query) where(f moderation.Filter) {
	// The same set of statuses, however given, makes the same statement.
	statuses := slices.Clone(f.Statuses)
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)
	q.b.WriteString(q.d.StatusIn(statuses, q.bind))
	if f.Site != "" {
		q.b.WriteString(" AND site = " + q.bind(f.Site))
	}
	if f.ArticleID != "" {
		q.b.WriteString(" AND article_id = " + q.bind(f.ArticleID))
	}
	if f.AuthorEmailKey != "" {
		q.b.WriteString(" AND author_email_key = " + q.bind(f.AuthorEmailKey))
	}
	if !f.Since.IsZero() {
		q.b.WriteString(" AND create_time >= " + q.bind(q.d.Time(CeilMicro(f.Since))))
	}
	if !f.Until.IsZero() {
		q.b.WriteString(" AND create_time < " + q.bind(q.d.Time(CeilMicro(f.Until))))
	}
}

// CountQuery returns the statement and arguments that count the comments
// f selects, up to f.Limit (f.After and the order are ignored): the inner
// LIMIT stops the scan of the index that serves the listing there, so a
// count costs at most f.Limit index entries and reads no row.
func (d Dialect) CountQuery(f moderation.Filter) (string, []any, error) {
	if len(f.Statuses) == 0 {
		return "", nil, errors.New("filter has no statuses")
	}
	if f.Limit < 1 {
		return "", nil, fmt.Errorf("filter limit %d, want at least 1", f.Limit)
	}
	q := &query{d: d}
	q.b.WriteString("SELECT count(*) FROM (SELECT 1 FROM comments WHERE ")
	q.where(f)
	q.b.WriteString(" LIMIT " + q.bind(f.Limit) + ") AS selected")
	return q.b.String(), q.args, nil
}

// CountByStatusQuery returns the statement that counts comments per
// status, over the index on (status, …).
func (d Dialect) CountByStatusQuery(statuses []moderation.Status) (string, []any) {
	statuses = slices.Clone(statuses)
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)
	q := &query{d: d}
	q.b.WriteString("SELECT status, count(*) FROM comments WHERE " + d.StatusIn(statuses, q.bind) + " GROUP BY status")
	return q.b.String(), q.args
}

// AuditQuery returns the statement and arguments that list the audit
// events f selects, newest first.
func (d Dialect) AuditQuery(f moderation.AuditFilter) (string, []any, error) {
	if f.Limit < 1 {
		return "", nil, fmt.Errorf("limit %d, want at least 1", f.Limit)
	}
	q := &query{d: d}
	q.b.WriteString("SELECT " + AuditColumns + " FROM audit_events WHERE true")
	if f.Actor != "" {
		q.b.WriteString(" AND actor = " + q.bind(f.Actor))
	}
	if f.Target != "" {
		q.b.WriteString(" AND target = " + q.bind(f.Target))
	}
	q.page(f.After, true, f.Limit)
	return q.b.String(), q.args, nil
}

// BansQuery returns the statement and arguments that list the bans in
// force at now, newest first: every site's, or with site those in force
// on that site (the global ones and its own). A ban expiring exactly at now is no longer
// in force, as moderation.Ban.Active says. Binding now truncated to the
// microsecond, as both stores do, keeps that meaning: for a stored expiry
// e in whole microseconds, e > now exactly when e > now truncated.
func (d Dialect) BansQuery(now time.Time, after *moderation.Cursor, limit int, site string) (string, []any, error) {
	if limit < 1 {
		return "", nil, fmt.Errorf("limit %d, want at least 1", limit)
	}
	q := &query{d: d}
	q.b.WriteString("SELECT " + BanColumns + " FROM bans WHERE (expire_time IS NULL OR expire_time > " + q.bind(d.Time(now)) + ")")
	if site != "" {
		q.b.WriteString(" AND site IN ('', " + q.bind(site) + ")")
	}
	q.page(after, true, limit)
	return q.b.String(), q.args, nil
}

// InGivenOrder returns the distinct members of changed in the order they
// first appear in given, for an audit detail that follows the request
// when the database returns changed rows in no particular order.
func InGivenOrder(given, changed []string) []string {
	if len(changed) == 0 {
		return nil
	}
	set := make(map[string]bool, len(changed))
	for _, s := range changed {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for _, s := range given {
		if set[s] {
			out = append(out, s)
			delete(set, s)
		}
	}
	return out
}

// CeilMicro rounds t up to a microsecond, the precision both stores keep,
// so that a bound with nanoseconds keeps its meaning against stored times:
// t >= since and t < until.
func CeilMicro(t time.Time) time.Time {
	if t.Nanosecond()%1000 == 0 {
		return t
	}
	return t.Truncate(time.Microsecond).Add(time.Microsecond)
}
