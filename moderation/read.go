package moderation

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// PublishedComment returns a published comment of one site. Any other
// status or site answers NOT_FOUND, exactly like a missing id, so public
// reads cannot probe the queue or other sites.
func (s *Service) PublishedComment(ctx context.Context, site, id string) (Comment, error) {
	if p := ValidateID(id); p != "" {
		return Comment{}, Invalid(FieldViolation{Field: "id", Description: p})
	}
	c, err := s.store.Comment(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && (c.Status != StatusPublished || c.Site != site)) {
		return Comment{}, NotFound("comment", id)
	}
	if err != nil {
		return Comment{}, fmt.Errorf("get comment: %w", err)
	}
	return c, nil
}

// Viewer is the moderator a read is for. A moderator must judge held
// comments and sees their reader data (email, IP, user agent, referrer);
// the reader data of every other comment is an admin's alone.
type Viewer struct {
	Name  string // for the audit trail
	Admin bool
}

// held reports whether comments of status st wait for a moderator.
func held(st Status) bool { return st == StatusPending || st == StatusSpam }

// show returns c as v may see it.
func (v Viewer) show(c Comment) Comment {
	if v.Admin || held(c.Status) {
		return c
	}
	c.Author.Email = ""
	c.Client = Client{}
	return c
}

// CommentDetail returns any comment, whatever its status, with its
// author's history (by email), for moderators; see Viewer.
func (s *Service) CommentDetail(ctx context.Context, v Viewer, id string) (Comment, AuthorHistory, error) {
	if p := ValidateID(id); p != "" {
		return Comment{}, nil, Invalid(FieldViolation{Field: "id", Description: p})
	}
	c, err := s.store.Comment(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Comment{}, nil, NotFound("comment", id)
	}
	if err != nil {
		return Comment{}, nil, fmt.Errorf("get comment: %w", err)
	}
	h, err := s.store.AuthorHistory(ctx, EmailKey(c.Author.Email))
	if err != nil {
		return Comment{}, nil, fmt.Errorf("get author history: %w", err)
	}
	cs := []Comment{v.show(c)}
	if err := s.withReports(ctx, cs); err != nil {
		return Comment{}, nil, err
	}
	return cs[0], h, nil
}

// Page asks for one page of a listing.
type Page struct {
	// Size is the page size as requested: 0 means DefaultPageSize, larger
	// than MaxPageSize means MaxPageSize, negative is invalid.
	Size int
	// After is the position the previous page ended at, if any.
	After *Cursor
}

// limit returns the effective page size, or a problem with page_size.
func (p Page) limit() (int, string) {
	switch {
	case p.Size < 0:
		return 0, "must not be negative"
	case p.Size == 0:
		return DefaultPageSize, ""
	case p.Size > MaxPageSize:
		return MaxPageSize, ""
	}
	return p.Size, ""
}

// ListPublished lists the published comments of one article of one site,
// oldest first. next is nil on the last page.
func (s *Service) ListPublished(ctx context.Context, site, articleID string, page Page) ([]Comment, *Cursor, error) {
	var v violations
	v.check("article_id", ValidateArticleID(articleID))
	limit, problem := page.limit()
	v.check("page_size", problem)
	if len(v) > 0 {
		return nil, nil, Invalid(v...)
	}
	return s.list(ctx, Filter{Statuses: []Status{StatusPublished}, Site: site, ArticleID: articleID, After: page.After, Public: true}, limit)
}

// QueueQuery selects comments for moderators.
type QueueQuery struct {
	Status      Status // StatusUnspecified means pending
	ArticleID   string
	AuthorEmail string
	Since       time.Time
	Until       time.Time
	OldestFirst bool
	// Reported lists the comments with open reader reports instead, in
	// any status, most reported first, in one page; only ArticleID
	// applies with it.
	Reported bool
}

// ListQueue lists comments of one status for moderators, newest first
// unless asked otherwise; see Viewer. Searching comments that are not held
// by author email looks up a reader's data: only an admin may, audited
// like an export.
func (s *Service) ListQueue(ctx context.Context, viewer Viewer, q QueueQuery, page Page) ([]Comment, *Cursor, error) {
	if q.Reported {
		return s.listReportedQueue(ctx, viewer, q, page)
	}
	f, limit, err := checkQueue(viewer, &q, page)
	if err != nil {
		return nil, nil, err
	}
	if q.AuthorEmail != "" && !held(q.Status) {
		target, err := s.authorTarget(ctx, f.AuthorEmailKey)
		if err != nil {
			return nil, nil, err
		}
		if err := s.store.AppendAudit(ctx, s.audit(viewer.Name, "author.search", target, "", q.Status.String(), s.clock())); err != nil {
			return nil, nil, fmt.Errorf("audit author search: %w", err)
		}
	}
	f.After = page.After
	cs, next, err := s.list(ctx, f, limit)
	if err != nil {
		return nil, nil, err
	}
	for i := range cs {
		cs[i] = viewer.show(cs[i])
	}
	if err := s.withReports(ctx, cs); err != nil {
		return nil, nil, err
	}
	return cs, next, nil
}

// checkQueue validates q (setting its default status) and page, and
// returns the filter of q's listing and the page's size. Searching
// comments that are not held by author email needs the admin role.
func checkQueue(viewer Viewer, q *QueueQuery, page Page) (Filter, int, error) {
	var v violations
	if q.Status == StatusUnspecified {
		q.Status = StatusPending
	} else if !q.Status.Valid() {
		v.check("status", "is not a known status")
	}
	if q.ArticleID != "" {
		v.check("article_id", ValidateArticleID(q.ArticleID))
	}
	if q.AuthorEmail != "" {
		v.check("author_email", checkEmail(q.AuthorEmail, DefaultLimits().EmailMaxBytes))
	}
	since, until := checkTime(q.Since), checkTime(q.Until)
	v.check("start_time", since)
	v.check("end_time", until)
	if since == "" && until == "" && !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		v.check("end_time", "must be after start_time")
	}
	limit, problem := page.limit()
	v.check("page_size", problem)
	if len(v) > 0 {
		return Filter{}, 0, Invalid(v...)
	}
	if q.AuthorEmail != "" && !held(q.Status) && !viewer.Admin {
		return Filter{}, 0, Errorf(CodePermissionDenied,
			"author_email on %s comments needs the admin role: an admin exports a reader's data with ExportAuthorData", q.Status)
	}
	return Filter{
		Statuses:       []Status{q.Status},
		ArticleID:      q.ArticleID,
		AuthorEmailKey: EmailKey(q.AuthorEmail),
		Since:          q.Since,
		Until:          q.Until,
		NewestFirst:    !q.OldestFirst,
	}, limit, nil
}

// listReportedQueue is ListQueue for q.Reported.
func (s *Service) listReportedQueue(ctx context.Context, viewer Viewer, q QueueQuery, page Page) ([]Comment, *Cursor, error) {
	limit, err := checkReported(q, page)
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.listReported(ctx, viewer, q.ArticleID, limit)
	return cs, nil, err
}

// checkReported validates q and page for the reported comments, and
// returns the page's size.
func checkReported(q QueueQuery, page Page) (int, error) {
	var v violations
	if q.ArticleID != "" {
		v.check("article_id", ValidateArticleID(q.ArticleID))
	}
	const alone = "must be unset when listing reported comments"
	if q.Status != StatusUnspecified {
		v.check("status", alone)
	}
	if q.AuthorEmail != "" {
		v.check("author_email", alone)
	}
	if !q.Since.IsZero() {
		v.check("start_time", alone)
	}
	if !q.Until.IsZero() {
		v.check("end_time", alone)
	}
	if q.OldestFirst {
		v.check("order", alone)
	}
	if page.After != nil {
		v.check("page_token", alone+": they come in one page")
	}
	limit, problem := page.limit()
	v.check("page_size", problem)
	if len(v) > 0 {
		return 0, Invalid(v...)
	}
	return limit, nil
}

// MaxQueueCount is how far CountQueue counts exactly.
const MaxQueueCount = 10000

// QueueTotal is how many comments a queue listing selects over all its
// pages.
type QueueTotal struct {
	Size int64
	// Estimate is true when the count stopped at MaxQueueCount: there are
	// at least Size, which is then MaxQueueCount.
	Estimate bool
}

// CountQueue counts the comments ListQueue lists for q over all its
// pages, exactly up to MaxQueueCount, on the store's index without
// reading them. It checks q as ListQueue does but audits nothing: call it
// beside ListQueue, which does.
func (s *Service) CountQueue(ctx context.Context, viewer Viewer, q QueueQuery) (QueueTotal, error) {
	var n int64
	if q.Reported {
		if _, err := checkReported(q, Page{}); err != nil {
			return QueueTotal{}, err
		}
		var err error
		if n, err = s.store.CountReported(ctx, q.ArticleID, MaxQueueCount+1); err != nil {
			return QueueTotal{}, fmt.Errorf("count reported comments: %w", err)
		}
	} else {
		f, _, err := checkQueue(viewer, &q, Page{})
		if err != nil {
			return QueueTotal{}, err
		}
		f.Limit = MaxQueueCount + 1
		if n, err = s.store.CountComments(ctx, f); err != nil {
			return QueueTotal{}, fmt.Errorf("count the queue: %w", err)
		}
	}
	if n > MaxQueueCount {
		return QueueTotal{Size: MaxQueueCount, Estimate: true}, nil
	}
	return QueueTotal{Size: n}, nil
}

// list fetches one row more than asked to learn whether a next page exists.
func (s *Service) list(ctx context.Context, f Filter, limit int) ([]Comment, *Cursor, error) {
	f.Limit = limit + 1
	cs, err := s.store.ListComments(ctx, f)
	if err != nil {
		return nil, nil, fmt.Errorf("list comments: %w", err)
	}
	cs, next := paginate(cs, limit, func(c Comment) Cursor { return Cursor{Time: c.CreateTime, ID: c.ID} })
	return cs, next, nil
}

// paginate trims a listing fetched with one row more than limit and
// returns the cursor of the next page, or nil on the last page.
func paginate[T any](items []T, limit int, at func(T) Cursor) ([]T, *Cursor) {
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	next := at(items[limit-1])
	return items, &next
}

// CountPublished counts the published comments of each article of one
// site; every requested article is in the result.
func (s *Service) CountPublished(ctx context.Context, site string, articleIDs []string) (map[string]int64, error) {
	var v violations
	switch {
	case len(articleIDs) == 0:
		v.check("article_ids", "is required: give 1 to 100 article ids")
	case len(articleIDs) > MaxCountArticles:
		v.check("article_ids", fmt.Sprintf("must hold at most %d ids, got %d", MaxCountArticles, len(articleIDs)))
	}
	uniq := make([]string, 0, len(articleIDs))
	seen := make(map[string]bool, len(articleIDs))
	for i, id := range articleIDs {
		if p := ValidateArticleID(id); p != "" {
			v.check(fmt.Sprintf("article_ids[%d]", i), p)
			continue
		}
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	if len(v) > 0 {
		return nil, Invalid(v...)
	}
	counts, err := s.store.CountPublished(ctx, site, uniq)
	if err != nil {
		return nil, fmt.Errorf("count comments: %w", err)
	}
	// Every requested article is in the answer, 0 when it has none.
	out := make(map[string]int64, len(uniq))
	for _, id := range uniq {
		out[id] = counts[id]
	}
	return out, nil
}

// AuditQuery selects audit events.
type AuditQuery struct {
	Actor  string
	Target string
}

// maxFilterRunes bounds a free-text filter such as an actor's name.
const maxFilterRunes = 256

// AuditEvents lists the audit trail, newest first.
func (s *Service) AuditEvents(ctx context.Context, q AuditQuery, page Page) ([]AuditEvent, *Cursor, error) {
	var v violations
	v.check("actor", checkText(q.Actor, maxFilterRunes))
	v.check("target", checkText(q.Target, maxFilterRunes))
	limit, problem := page.limit()
	v.check("page_size", problem)
	if len(v) > 0 {
		return nil, nil, Invalid(v...)
	}
	evs, err := s.store.ListAuditEvents(ctx, AuditFilter{Actor: q.Actor, Target: q.Target, After: page.After, Limit: limit + 1})
	if err != nil {
		return nil, nil, fmt.Errorf("list audit events: %w", err)
	}
	evs, next := paginate(evs, limit, func(e AuditEvent) Cursor { return Cursor{Time: e.Time, ID: e.ID} })
	return evs, next, nil
}

// QueueDepth counts the comments waiting for a moderator (pending) and
// filed as spam, over every site.
func (s *Service) QueueDepth(ctx context.Context) (map[Status]int64, error) {
	n, err := s.store.CountByStatus(ctx, []Status{StatusPending, StatusSpam})
	if err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	return n, nil
}
