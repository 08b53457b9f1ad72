package moderation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation/learn"
)

// MaxImportRecords is the most records one ImportComments call takes: one
// store transaction. SQLite has one writer, so a transaction much longer
// would keep submissions waiting.
const MaxImportRecords = 500

// maxImportKeyBytes bounds an import key: a history's own comment id with
// a prefix, such as "wxr:4211:98765".
const maxImportKeyBytes = 128

// importFuture is how far past now an imported create time may be: a
// clock a little ahead, not a date a history cannot have.
const importFuture = 24 * time.Hour

// Import is a batch of a site's comment history from elsewhere (a
// WordPress export, say), stored as it was decided there.
type Import struct {
	Actor   string
	Site    string
	Records []ImportRecord
}

// ImportRecord is one comment of a site's history.
type ImportRecord struct {
	// Key is the comment's id in the history, unique in the site's
	// imports: the same key is never stored twice.
	Key string
	// ParentKey is the Key of the comment it replies to, if any.
	ParentKey  string
	ArticleID  string
	Author     Author
	Client     Client // IP and UserAgent; the referrer is not history
	Body       string
	CreateTime time.Time
	// Status is how the history decided it: PUBLISHED, PENDING, SPAM or
	// REJECTED.
	Status Status
}

// Imported counts what one import did with its records.
type Imported struct {
	Stored int
	// Orphans are stored comments whose parent the site does not hold
	// (under ParentKey, on the same article): stored as top-level.
	Orphans int
	// Existing is how many keys the site already held: imported before.
	Existing int
	// Skipped lists the records not stored, in order.
	Skipped []ImportSkip
}

// ImportSkip is one record an import did not store, and why.
type ImportSkip struct {
	Key string
	// Reason is short and the same for every record skipped alike:
	// "duplicate", or "invalid FIELD".
	Reason string
	Detail string
}

// ImportComments stores a batch of a site's history as comments, each with
// the status the history gave it, in one transaction. Nothing of the
// pipeline runs: the status comes from the history, not from the rules;
// no webhook is told and no held comment is announced, since none of it
// is news. Yet it counts as the site's own: a published comment makes its
// author known (the first-time hold), and published and spam comments are
// labels for the learned rule, counted as a moderator's decision on them
// would be, so a moderator who changes one later moves its label. A record
// whose key the site already holds is left as it is, which makes an import
// idempotent and an interrupted one resumable; an invalid record, or the
// author's same text already on the article, is skipped with its reason.
// The batch is one audit event (comments.import) when it stored anything.
func (s *Service) ImportComments(ctx context.Context, im Import) (Imported, error) {
	snap := s.rules.snapshot().forSite(im.Site)
	var v violations
	switch {
	case im.Site == "":
		v.check("site", "is required")
	default:
		v.check("site", checkLine(im.Site, maxSiteBytes))
	}
	switch {
	case len(im.Records) == 0:
		v.check("comments", "is required: give at least one comment")
	case len(im.Records) > MaxImportRecords:
		v.check("comments", fmt.Sprintf("must hold at most %d comments, got %d", MaxImportRecords, len(im.Records)))
	}
	if len(v) > 0 {
		return Imported{}, Invalid(v...)
	}

	now := s.clock()
	var out Imported
	b := ImportBatch{Site: im.Site, Time: now, Comments: make([]ImportComment, 0, len(im.Records))}
	for _, r := range im.Records {
		if field, problem := snap.checkImport(r, now); problem != "" {
			out.Skipped = append(out.Skipped, ImportSkip{Key: r.Key, Reason: "invalid " + field, Detail: problem})
			continue
		}
		b.Comments = append(b.Comments, snap.importComment(im.Site, r, s.newID()))
	}
	if len(b.Comments) == 0 {
		return out, nil
	}
	b.Audit = func(stored, existing, duplicates int) AuditEvent {
		return s.audit(im.Actor, "comments.import", im.Site, "",
			fmt.Sprintf("stored %d of %d (already imported %d, duplicates %d, invalid %d)",
				stored, len(im.Records), existing, duplicates, len(out.Skipped)), now)
	}
	results, err := s.store.ImportComments(ctx, b)
	if err != nil {
		return Imported{}, fmt.Errorf("import comments: %w", err)
	}
	labelled := false
	for i, r := range results {
		switch r {
		case ImportStored, ImportOrphan:
			out.Stored++
			if r == ImportOrphan {
				out.Orphans++
			}
			labelled = labelled || b.Comments[i].Label != learn.None
		case ImportExisting:
			out.Existing++
		case ImportDuplicate:
			out.Skipped = append(out.Skipped, ImportSkip{Key: b.Comments[i].Comment.ImportKey, Reason: "duplicate",
				Detail: "the author's same text is already stored on the article"})
		}
	}
	if labelled {
		// This replica's next decision already knows; others within a poll.
		if err := s.learner.catchUp(ctx); err != nil {
			s.log.Warn("reading the learned rule's training after an import failed; the watcher will retry", "err", err)
		}
	}
	return out, nil
}

// checkImport returns the first field of r that a stored comment may not
// have, and why. A history is checked as a submission is, whatever its
// site allowed: every stored comment keeps the promises the API makes of
// one (names, email forms, lengths), and an author's comments are found
// by their email for the first-time hold, export and erasure, so a
// comment without one could never be handed over or erased.
func (snap *snapshot) checkImport(r ImportRecord, now time.Time) (field, problem string) {
	switch {
	case r.Key == "":
		return "id", "is required"
	case checkRequestID(r.Key) != "":
		return "id", checkRequestID(r.Key)
	case len(r.Key) > maxImportKeyBytes:
		return "id", fmt.Sprintf("must be at most %d bytes", maxImportKeyBytes)
	case checkRequestID(r.ParentKey) != "":
		return "parent_id", checkRequestID(r.ParentKey)
	case r.ParentKey == r.Key:
		return "parent_id", "must not be the comment's own id"
	}
	switch r.Status {
	case StatusPublished, StatusPending, StatusSpam, StatusRejected:
	default:
		return "status", "must be PUBLISHED, PENDING, SPAM or REJECTED"
	}
	switch {
	case r.CreateTime.IsZero():
		return "create_time", "is required"
	case r.CreateTime.Year() < 1970:
		return "create_time", "must be in 1970 or later"
	case r.CreateTime.After(now.Add(importFuture)):
		return "create_time", "must not be in the future"
	}
	sub := Submission{Site: "-", ArticleID: r.ArticleID, Author: r.Author, Body: r.Body,
		Client: Client{IP: r.Client.IP, UserAgent: r.Client.UserAgent}}
	if vs := snap.policy.Limits.Validate(sub); len(vs) > 0 {
		return vs[0].Field, vs[0].Description
	}
	return "", ""
}

// importComment is the comment r becomes: keyed as a submission by the
// same author would be (so the first-time hold and the duplicate rule see
// it), with its label for the learned rule when the history decided it.
func (snap *snapshot) importComment(site string, r ImportRecord, id string) ImportComment {
	sub := Submission{Site: site, ArticleID: r.ArticleID,
		Author: Author{Name: strings.TrimSpace(r.Author.Name), Email: r.Author.Email, URL: r.Author.URL, UserID: r.Author.UserID},
		Body:   r.Body, Client: Client{IP: r.Client.IP, UserAgent: r.Client.UserAgent}}
	k := snap.rules.keys(sub)
	t := r.CreateTime.UTC().Truncate(time.Microsecond)
	c := Comment{
		ID: id, Site: site, ArticleID: sub.ArticleID, Author: sub.Author, Body: sub.Body, Client: sub.Client,
		Status: r.Status, InitialStatus: r.Status,
		AuthorKey:       authorKey(EmailKey(sub.Author.Email), k[fieldIndex("name")].String(), sub.Author.UserID),
		BodyFingerprint: fingerprint(k[fieldIndex("body")].String()),
		CreateTime:      t, UpdateTime: t,
		ImportKey: r.Key,
	}
	ic := ImportComment{Comment: c, ParentKey: r.ParentKey, Label: importLabel(r.Status)}
	if ic.Label != learn.None {
		// The tokens a moderator's decision on the stored comment would
		// count.
		ic.Tokens = snap.rules.tokensOf(c)
	}
	return ic
}

// importLabel is what a history's decision teaches the learned rule: as
// a moderator's approval or spam mark would. Pending says nothing, and a
// rejection is not spam.
func importLabel(st Status) learn.Label {
	switch st {
	case StatusPublished:
		return learn.Ham
	case StatusSpam:
		return learn.Spam
	}
	return learn.None
}
