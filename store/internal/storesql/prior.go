package storesql

import (
	"fmt"
	"sync"

	"github.com/commentd/commentd/moderation"
)

// What each row of PriorQuery's statement is: its first column.
const (
	priorRequest   = 1
	priorDuplicate = 2
	priorApproved  = 3
	priorFirst     = 4
)

// PriorQuery returns the one statement that answers moderation.Store.Prior:
// a UNION of up to four single-row lookups, each on an index of its own,
// whose rows are a kind and a comment. It returns "" when q asks nothing.
// The text depends only on which lookups q asks for, so each of the few
// texts is built once.
func (d Dialect) PriorQuery(q moderation.PriorQuery) (string, []any) {
	var shape int
	args := make([]any, 0, 10)
	if q.RequestID != "" {
		shape |= 1 << priorRequest
		args = append(args, q.Site, q.RequestID)
	}
	if q.AuthorKey != "" && q.Fingerprint != "" {
		shape |= 1 << priorDuplicate
		args = append(args, q.Site, q.ArticleID, q.AuthorKey, q.Fingerprint)
	}
	if q.AuthorKey != "" {
		shape |= 1 << priorApproved
		args = append(args, q.Site, q.AuthorKey, int(moderation.StatusPublished))
	}
	if q.FirstComment {
		shape |= 1 << priorFirst
		args = append(args, q.Site, q.ArticleID, int(moderation.StatusPublished))
	}
	k := priorKey{d.Placeholder(1), shape}
	if text, ok := priorTexts.Load(k); ok {
		return text.(string), args
	}
	text := d.priorText(shape)
	priorTexts.Store(k, text)
	return text, args
}

// priorTexts caches PriorQuery's texts by dialect (told apart by how it
// writes the first placeholder) and shape.
var priorTexts sync.Map

type priorKey struct {
	placeholder string
	shape       int
}

func (d Dialect) priorText(shape int) string {
	b := &query{d: d}
	union := func(kind int, where string, n int, order string) {
		if b.b.Len() > 0 {
			b.b.WriteString("\nUNION ALL\n")
		}
		ph := make([]any, n)
		for i := range ph {
			ph[i] = b.bind(nil)
		}
		fmt.Fprintf(&b.b, "SELECT * FROM (SELECT %d AS kind, %s FROM comments WHERE %s%s LIMIT 1) AS k%d",
			kind, CommentColumns, fmt.Sprintf(where, ph...), order, kind)
	}
	if shape&(1<<priorRequest) != 0 {
		union(priorRequest, "site = %s AND request_id = %s AND request_id <> ''", 2, "")
	}
	if shape&(1<<priorDuplicate) != 0 {
		// At most one row: the unique index on this predicate.
		union(priorDuplicate, "site = %s AND article_id = %s AND author_key = %s AND body_fingerprint = %s AND "+DuplicatePredicate, 4, "")
	}
	if shape&(1<<priorApproved) != 0 {
		union(priorApproved, "site = %s AND author_key = %s AND status = %s", 3, "")
	}
	if shape&(1<<priorFirst) != 0 {
		// The index on (site, article_id, status, create_time, id) gives
		// the first at once.
		union(priorFirst, "site = %s AND article_id = %s AND status = %s", 3, " ORDER BY create_time, id")
	}
	return b.b.String()
}

// ReadPrior reads the rows of PriorQuery's statement. The caller still
// closes rows.
func (t *Comments[T]) ReadPrior(rows Rows) (moderation.Prior, error) {
	var p moderation.Prior
	var kind int64
	sc := t.scanner(false, &kind)
	for rows.Next() {
		c, err := sc.Scan(rows)
		if err != nil {
			return moderation.Prior{}, err
		}
		switch kind {
		case priorRequest:
			p.Request = &c
		case priorDuplicate:
			p.Duplicate = &c
		case priorApproved:
			p.Approved = true
		case priorFirst:
			p.FirstCommentTime = c.CreateTime
		default:
			return moderation.Prior{}, fmt.Errorf("prior: unknown row kind %d", kind)
		}
	}
	if err := rows.Err(); err != nil {
		return moderation.Prior{}, err
	}
	return p, nil
}
