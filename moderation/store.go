package moderation

import (
	"context"
	"fmt"
	"time"

	"github.com/commentd/commentd/moderation/learn"
)

// Store persists comments and the audit trail. store/sqlite and
// store/postgres implement it; storetest holds the conformance suite both
// must pass.
//
// Errors: a missing record wraps ErrNotFound; a backend that cannot be
// reached or timed out wraps ErrUnavailable.
type Store interface {
	// CreateComment stores c, which has its ID and times set, in one
	// transaction, and returns it with NoConflict. It stores nothing and
	// returns the comment already stored, with the reason, when that
	// comment has the same Site and non-empty RequestID
	// (ConflictRequestID), or else is its duplicate (ConflictDuplicate):
	// the same Site, ArticleID, non-empty AuthorKey and non-empty
	// BodyFingerprint, in any status but deleted. The store enforces both
	// rules, so they hold however many submissions race, on any replica.
	// When it stores c it also stores out, pending, in the same
	// transaction.
	CreateComment(ctx context.Context, c Comment, out ...OutboxMessage) (stored Comment, conflict Conflict, err error)
	// Prior answers, in one read, what the pipeline must know of the
	// comments already stored before it decides a submission.
	Prior(ctx context.Context, q PriorQuery) (Prior, error)
	// Comment returns one comment by id, whatever its status.
	Comment(ctx context.Context, id string) (Comment, error)
	// ListComments returns the comments matching f, in f's order.
	ListComments(ctx context.Context, f Filter) ([]Comment, error)
	// CountByStatus counts the comments of every site in each of the
	// given statuses. Statuses without comments may be missing.
	CountByStatus(ctx context.Context, statuses []Status) (map[Status]int64, error)
	// CountPublished counts one site's published comments per article.
	// Articles with none may be missing from the map.
	CountPublished(ctx context.Context, site string, articleIDs []string) (map[string]int64, error)
	// UpdateStatus changes one comment's status in one transaction: it reads
	// the current status, asks u.Next for the new one, and when it differs
	// writes it with u.Actor, u.Note and u.Time and appends u.Audit with
	// Detail set to "OLD -> NEW". When it is the same, changed is false and
	// nothing is written, except that a decision records its moderator (see
	// StatusUpdate.Confirms). It returns the comment as it now is. When
	// Next fails it changes nothing and returns the unchanged comment with
	// Next's error.
	UpdateStatus(ctx context.Context, u StatusUpdate) (c Comment, changed bool, err error)
	// ListAuditEvents returns audit events, newest first.
	ListAuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, error)

	// AuthorHistory counts the comments of one author email (EmailKey) by
	// status, over every site.
	AuthorHistory(ctx context.Context, emailKey string) (AuthorHistory, error)

	// RulesVersion is a number that changes whenever a word list, a ban or
	// an article's settings change, so that replicas can poll it cheaply and reload.
	RulesVersion(ctx context.Context) (int64, error)
	// ListArticleSettings returns every article's stored settings, sorted
	// by site and article.
	ListArticleSettings(ctx context.Context) ([]ArticleSettings, error)
	// ArticleSettings returns one article's stored settings, or open ones
	// (Mode ArticleOpen, no times) when none are stored.
	ArticleSettings(ctx context.Context, site, articleID string) (ArticleSettings, error)
	// SetArticleSettings stores a (keyed by Site and ArticleID; default
	// settings, IsDefault, are stored as no row) in one transaction and, when its Mode or CloseAfter differ from the stored
	// ones (open when none), bumps RulesVersion and appends audit with
	// Detail set to "OLD -> NEW" (ArticleSettings.String). It returns the
	// settings stored before.
	SetArticleSettings(ctx context.Context, a ArticleSettings, audit AuditEvent) (old ArticleSettings, err error)
	// WordTerms returns every term of every list of every site, sorted by
	// site (global first), list and term.
	WordTerms(ctx context.Context) ([]WordTerm, error)
	// UpdateWordList applies u to the list of u.Site ("" the global one;
	// a term is keyed by site, list and term) in one transaction (adding
	// a present term or removing a missing one is no change), bumps
	// RulesVersion and appends u.Audit, with Detail set to the result's
	// Detail, when anything changed. It returns that site's list's terms
	// after and what changed (NewWordListResult).
	UpdateWordList(ctx context.Context, u WordListUpdate) (WordListResult, error)
	// CreateBan stores b (ID and times set) and appends audit, in one
	// transaction that bumps RulesVersion, and returns b. When b.RequestID
	// is that of a stored ban, it stores nothing and returns that ban:
	// one ban per request id, whatever the replicas racing.
	CreateBan(ctx context.Context, b Ban, audit AuditEvent) (Ban, error)
	// DeleteBan removes a ban and appends audit, in one transaction that
	// bumps RulesVersion; ErrNotFound when there is no such ban.
	DeleteBan(ctx context.Context, id string, audit AuditEvent) (Ban, error)
	// CreateBanSweep stores b like CreateBan and, in the same transaction,
	// moves each comment of sw.IDs that is still PUBLISHED to sw.To (see
	// BanSweep), and records, per comment it moved, the ban, the status
	// it had and the move's time, so that DeleteBanSweep can put it back.
	// It appends sw.Audit(moved, 0) for the ban, and returns b and the
	// comments it moved, as they now are. sw.Time is b.CreateTime. When
	// b.RequestID is that of a stored ban, it stores nothing and returns
	// that ban and the comments it hid, as they now are.
	CreateBanSweep(ctx context.Context, b Ban, sw BanSweep) (Ban, []Comment, error)
	// DeleteBanSweep removes a ban like DeleteBan and, in the same
	// transaction, moves back to the status it had each comment the ban
	// moved that is as the ban left it: in the status it moved it to,
	// with the update time of that move (the ban's create time), moderated
	// by the ban's creator with note sw.Note. A comment anyone has moved or
	// confirmed since is kept as it is. sw.IDs and sw.To are ignored. It forgets what the ban moved
	// and appends sw.Audit(restored, kept); it returns the ban and the
	// comments it moved back, as they now are. ErrNotFound when there is
	// no such ban.
	DeleteBanSweep(ctx context.Context, id string, sw BanSweep) (Ban, []Comment, error)
	// EraseAuthor turns every comment whose author email key is emailKey
	// (and forgets their learned-rule labels and tokens, leaving the
	// counts as they are) into a DELETED tombstone — text, name, email, URL, user id, client
	// data, and everything derived from them (keys, request hash, reasons,
	// score, initial status, now DELETED too) blanked, update time at,
	// moderated by the audit's actor — and appends audit, in one
	// transaction. It keeps the ids, site, article, parent, request id and
	// times. In the same transaction it scrubs the stored webhook bodies of
	// those comments and adds the messages of out (see ErasureOutbox). It
	// returns how many comments it changed.
	EraseAuthor(ctx context.Context, emailKey string, at time.Time, audit AuditEvent, out ErasureOutbox) (int64, error)
	// AppendAudit appends one audit event.
	AppendAudit(ctx context.Context, e AuditEvent) error
	// Secret returns the secret stored under name, storing fresh under it
	// first when there is none, so that every replica gets the same one.
	Secret(ctx context.Context, name string, fresh []byte) ([]byte, error)

	// EraseClientData blanks the client IP and user agent of up to limit
	// comments created before before, and returns how many it changed.
	EraseClientData(ctx context.Context, before time.Time, limit int) (int64, error)

	// ListBans returns bans in force at now, newest first by (create_time,
	// id), after the cursor if one is given: every site's, or with site
	// those in force on it (the global ones, Site "", and its own).
	ListBans(ctx context.Context, now time.Time, after *Cursor, limit int, site string) ([]Ban, error)

	// LearnedModel reads, in one snapshot, every site's label totals
	// (totals) and token counts (tokens), and returns the Seq of the last
	// LearnEvent they include (0 when none).
	LearnedModel(ctx context.Context, totals func(site string, spam, ham int), tokens func(site string, t learn.Token, c learn.Counts)) (int64, error)
	// LearnEvents returns up to limit events with Seq above after, in Seq
	// order. Seq follows commit order: a reader that has seen event n has
	// seen every event before it.
	LearnEvents(ctx context.Context, after int64, limit int) ([]LearnEvent, error)
	// PruneLearnEvents deletes the events recorded before before; the
	// counts they changed stay. It returns how many it deleted.
	PruneLearnEvents(ctx context.Context, before time.Time) (int64, error)
	// TrainExamples counts labelled examples that are not comments (a
	// site's history from elsewhere) into b.Site's learned statistics, in
	// one transaction: it adds each example's distinct tokens to its
	// label's counts, appends one LearnEvent per example (From None, at
	// b.Time) and appends b.Audit. No comment label is stored, so nothing
	// can take an example back. A label other than Spam or Ham is refused
	// and nothing is written.
	TrainExamples(ctx context.Context, b TrainingBatch) error
	// ImportComments stores b's comments, in order, in one transaction,
	// and returns what it did with each. A comment whose ImportKey the
	// site already holds, or that an earlier comment of the batch had, is
	// left out (ImportExisting), as is one the duplicate rule refuses
	// (ImportDuplicate). A stored comment's ParentID is the id of the
	// site's comment under its ParentKey when that is on the same article
	// (stored before or earlier in the batch), else it is stored without
	// one (ImportOrphan). Each stored comment with a Label of Spam or Ham
	// gets that label with its distinct Tokens, counted, with one
	// LearnEvent (From None, at b.Time), as UpdateStatus's Train would. When
	// anything was stored it appends b.Audit's event. No webhook message
	// is stored.
	ImportComments(ctx context.Context, b ImportBatch) ([]ImportResult, error)

	// DueDeliveries returns up to limit pending deliveries due at now,
	// oldest first (in the order they were stored), leaving out the
	// endpoints named in except and every delivery that has a pending
	// delivery stored before it for the same comment and endpoint: one
	// comment's events reach an endpoint in order.
	DueDeliveries(ctx context.Context, now time.Time, except []string, limit int) ([]Delivery, error)
	// RecordAttempts records the outcomes of attempts, in one transaction.
	// An attempt at a delivery that is no longer pending (another replica
	// got there first) changes nothing.
	RecordAttempts(ctx context.Context, as []DeliveryAttempt) error
	// ListDeliveries returns the deliveries f selects, newest first.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// Redeliver makes the deliveries r names pending again — due at
	// r.Time, with no attempts and a retry window from r.Time — appends
	// r.Audit when there were any, and returns how many, in one
	// transaction. A delivery named by id that is pending counts 0; one
	// that does not exist wraps ErrNotFound.
	Redeliver(ctx context.Context, r Redelivery) (int64, error)
	// WebhookBacklog returns, per endpoint with any, the pending and dead
	// deliveries.
	WebhookBacklog(ctx context.Context) ([]EndpointBacklog, error)
	// PruneDeliveries deletes delivered deliveries stored before
	// delivered, and dead ones stored before dead; it returns how many.
	PruneDeliveries(ctx context.Context, delivered, dead time.Time) (int64, error)
	// Lease gives holder the lease name until until, when it is free,
	// expired at now or already holder's, and reports whether holder has
	// it. until at or before now releases a lease holder has.
	Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)

	// FileReport stores f.Report in one transaction, unless its reader
	// (ReporterKey) already reported the comment: then it changes nothing
	// and returns that report with Duplicate. A reader seen for the first
	// time on the site gets the weight InitialReporterWeight. When the
	// comment is published and the weights of the readers with open
	// reports on it sum to f.Threshold (above 0) or more, it moves the
	// comment to PENDING in the same transaction: f.Hold's reason replaces
	// any earlier reason of its rule, moderated_by and moderation_note are
	// cleared, update_time is the report's time, f.Audit is appended with
	// Detail "PUBLISHED -> PENDING" and f.Outbox's messages are stored.
	// ErrNotFound when there is no such comment.
	FileReport(ctx context.Context, f ReportFiling) (FiledReport, error)
	// OpenReports returns the open reports of the comments, each with its
	// reader's current weight, by comment and then oldest first.
	OpenReports(ctx context.Context, commentIDs []string) ([]Report, error)
	// ReportedComments returns up to limit comments with open reports (on
	// the article, when articleID is set), not deleted, by the sum of
	// their readers' weights, then the number of reports, both
	// descending, then by id.
	ReportedComments(ctx context.Context, articleID string, limit int) ([]ReportedComment, error)
	// EraseReports deletes every report by the reader reporterKey, and
	// their weights, in one transaction; it returns how many reports.
	EraseReports(ctx context.Context, reporterKey string) (int64, error)

	// CountComments counts the comments f selects (f.After, f.NewestFirst
	// and f.Public are ignored), up to f.Limit: it answers f.Limit when
	// there are that many or more, reading no more index entries than that.
	CountComments(ctx context.Context, f Filter) (int64, error)
	// CountReported counts, like CountComments, the comments
	// ReportedComments would list (on the article, when articleID is set),
	// up to limit.
	CountReported(ctx context.Context, articleID string, limit int) (int64, error)

	// Every write that moves a comment into the queue (EntersQueue: a
	// submission held or filed as spam, a decision, a reader-report hold,
	// a ban's sweep) appends a QueueEvent in its own transaction.

	// QueueEvents returns up to limit queue events with Seq above after,
	// in Seq order, and the log's horizon: the highest Seq pruned so far
	// (0 when none was), read after the events. Seq follows commit order:
	// a reader that has seen event n has seen every event before it, so
	// one that resumes after n misses none unless horizon > n.
	QueueEvents(ctx context.Context, after int64, limit int) (events []QueueEvent, horizon int64, err error)
	// QueueHead returns the Seq of the last queue event committed, or the
	// horizon when the log is empty: where a new watcher starts.
	QueueHead(ctx context.Context) (int64, error)
	// PruneQueueEvents deletes the queue events recorded before before,
	// raises the horizon to the highest Seq it deleted, and returns how
	// many it deleted.
	PruneQueueEvents(ctx context.Context, before time.Time) (int64, error)
}

// QueueEvent is one comment entering the queue: held (PENDING) or filed
// as SPAM, by whatever wrote it.
type QueueEvent struct {
	Seq       int64 // increasing in commit order
	CommentID string
	Site      string
	ArticleID string
	Status    Status // the status it entered
	Time      time.Time
}

// EntersQueue reports whether a comment moving from status from (Unspecified
// for a new comment) to status to enters the queue: the stores append a
// QueueEvent exactly then.
func EntersQueue(from, to Status) bool { return from != to && held(to) }

// NewQueueEvent is the event of c entering the queue (Seq unset).
func NewQueueEvent(c Comment, at time.Time) QueueEvent {
	return QueueEvent{CommentID: c.ID, Site: c.Site, ArticleID: c.ArticleID, Status: c.Status, Time: at}
}

// BanSweep is what a ban moves of the comments it matches, in the ban's
// transaction. Each moved comment gets update time Time, moderated by
// Actor with Note, an audit event CommentAudit(c) whose Detail the store
// sets to "OLD -> NEW", and the webhook messages Outbox(c) when set, c
// being the comment as it now is. Nothing is trained: see CreateBan.
type BanSweep struct {
	IDs          []string
	To           Status
	Time         time.Time
	Actor        string
	Note         string
	CommentAudit func(c Comment) AuditEvent
	Outbox       func(c Comment) []OutboxMessage
	// Audit returns the ban's own event, given how many comments moved
	// and, when a ban is lifted, how many were kept as decided since.
	Audit func(moved, kept int) AuditEvent
}

// TrainingBatch is a batch of examples for Store.TrainExamples.
type TrainingBatch struct {
	Site     string
	Examples []TrainingExample
	Time     time.Time
	Audit    AuditEvent
}

// TrainingExample is one labelled example and its tokens, computed as for
// a moderated comment.
type TrainingExample struct {
	Label  learn.Label
	Tokens []learn.Token
}

// Check reports an example whose label is neither Spam nor Ham.
func (b TrainingBatch) Check() error {
	for i, e := range b.Examples {
		if e.Label != learn.Spam && e.Label != learn.Ham {
			return fmt.Errorf("training example %d: label %v, want spam or ham", i, e.Label)
		}
	}
	return nil
}

// Conflict is why CreateComment stored nothing.
type Conflict int

const (
	// NoConflict: the comment was stored.
	NoConflict Conflict = iota
	// ConflictRequestID: the site already stored a comment under the
	// same request id.
	ConflictRequestID
	// ConflictDuplicate: the author already posted the same text on the
	// same article.
	ConflictDuplicate
)

// Filter selects comments for ListComments.
type Filter struct {
	// Statuses to include; at least one.
	Statuses []Status
	// Optional exact matches. Article ids are the sites' own, so a public
	// listing always gives Site too.
	Site           string
	ArticleID      string
	AuthorEmailKey string // an EmailKey, matched exactly
	// Optional creation time range: Since <= create_time < Until.
	Since, Until time.Time
	// Order by (create_time, id), ascending unless NewestFirst.
	NewestFirst bool
	// Start after this position in that order, when set.
	After *Cursor
	// The most to return; at least 1.
	Limit int
	// Public reads only what a public listing shows: the ids, the author's
	// name and URL, the body, the status and the times; the rest comes
	// back empty.
	Public bool
}

// Cursor is a position in a time-ordered listing.
type Cursor struct {
	Time time.Time
	ID   string
}

// StatusUpdate is one moderator action on one comment.
type StatusUpdate struct {
	ID string
	// Next returns the status the comment moves to from current, or an
	// error when the move is not allowed. It is called inside the
	// transaction.
	Next  func(current Status) (Status, error)
	Actor string
	Note  string
	Time  time.Time
	Audit AuditEvent
	// Train, when set, is called inside the transaction with the comment
	// as it now is (moved, or unchanged) and returns the comment's label
	// for the learned rule and its distinct tokens. It is called whether
	// or not the status changed: approving a published comment confirms
	// it as ham. The store keeps one label per comment, with the tokens
	// it was counted with: when the label differs from the stored one, it
	// takes those tokens off the old label's counts and adds the new
	// tokens to the new label's (None: counted nowhere), and appends a
	// LearnEvent, all in the same transaction. When Next fails, Train is
	// not called. Train must not call the store: it runs inside its
	// transaction (on SQLite's one writer connection).
	Train func(c Comment) (learn.Label, []learn.Token)
	// Decision marks a moderator's verdict on the comment (approve, reject,
	// mark as spam; a deletion is none). When it leaves the status as it
	// is, the store still records the verdict's moderator: see Confirms.
	Decision bool
	// Outbox, when set and the status changed, is called inside the
	// transaction with the comment as it now is, and the messages it
	// returns are stored, pending, in the same transaction. It must not
	// call the store.
	Outbox func(c Comment) []OutboxMessage
	// Reports, when set, settles the comment's open reports in the same
	// transaction, whether or not the status changed: each takes
	// Reports.State, and each of their readers' weights becomes
	// Reports.Reweigh of it. When Next fails nothing is settled.
	Reports *ReportResolution
}

// Confirms reports whether u, leaving comment c in its status, is still
// to be recorded on it: u is a decision by a named moderator who is not
// the one recorded, or who adds a note. The store then sets moderated_by
// to u.Actor and moderation_note to u.Note (a note is its moderator's:
// another's confirmation without one clears it), in the same transaction,
// and nothing else: the status, update_time (when the status last changed)
// and the audit log stay as they are, and changed stays false. So the
// precision of the rules (RuleStats) and backtests count a moderator's
// confirmation of what the rules did, as the learned rule does.
func (u StatusUpdate) Confirms(c Comment) bool {
	return u.Decision && u.Actor != "" &&
		(u.Actor != c.ModeratedBy || u.Note != "" && u.Note != c.ModerationNote)
}

// LearnEvent is one change of one comment's label, as replicas replay it:
// Tokens leave From's counts and To's counts gain NewTokens.
type LearnEvent struct {
	Seq       int64 // increasing in commit order
	Site      string
	From, To  learn.Label
	Tokens    []learn.Token // counted under From until now
	NewTokens []learn.Token // counted under To from now
	Time      time.Time
}

// AuditEvent records one moderator action or rule change.
type AuditEvent struct {
	ID     string
	Time   time.Time
	Actor  string
	Action string
	Target string
	Note   string
	Detail string
}

// AuditFilter selects audit events.
type AuditFilter struct {
	Actor  string
	Target string
	// Start after this position (newest first), when set.
	After *Cursor
	Limit int
}

// PriorQuery describes a submission to Store.Prior.
type PriorQuery struct {
	Site        string
	RequestID   string // "" looks up no earlier request
	ArticleID   string
	AuthorKey   string // "" matches no comment: comments stored before author keys existed carry none
	Fingerprint string // "" matches no comment, likewise
	// FirstComment asks for the time of the article's first published
	// comment (an article that closes some time after it).
	FirstComment bool
}

// Prior is what the store holds about a submission. One read answers all
// four, so a submission costs one store round trip before its write.
type Prior struct {
	// Request is the comment the site stored under the same request id,
	// or nil.
	Request *Comment
	// Duplicate is the comment of the site on the same article by the
	// same author (AuthorKey) with the same BodyFingerprint, in any status
	// but deleted, or nil. There is at most one: CreateComment refuses a
	// second.
	Duplicate *Comment
	// Approved reports whether the site holds a published comment by the
	// author.
	Approved bool
	// FirstCommentTime, when asked for, is the create time of the earliest
	// published comment on the site's article (by create time, then id);
	// zero when there is none.
	FirstCommentTime time.Time
}

// ImportBatch is a batch of imported comments for Store.ImportComments.
type ImportBatch struct {
	Site     string
	Comments []ImportComment
	// Time is the time of the learned rule's events.
	Time time.Time
	// Audit returns the batch's audit event, given how many comments it
	// stored, found imported before, and skipped as duplicates.
	Audit func(stored, existing, duplicates int) AuditEvent
}

// ImportComment is one imported comment: Comment has its ID, ImportKey,
// times, statuses and keys set, and no ParentID, which the store finds by
// ParentKey. Label, when Spam or Ham, is stored as the comment's label
// for the learned rule, counted with Tokens.
type ImportComment struct {
	Comment   Comment
	ParentKey string
	Label     learn.Label
	Tokens    []learn.Token
}

// ImportResult is what Store.ImportComments did with one comment.
type ImportResult int8

const (
	// ImportStored: stored, with its parent when it has one.
	ImportStored ImportResult = iota
	// ImportOrphan: stored as a top-level comment, since the site holds no
	// comment under its ParentKey on the same article.
	ImportOrphan
	// ImportExisting: the site already holds a comment under its
	// ImportKey (or an earlier comment of the batch has it); nothing was
	// written.
	ImportExisting
	// ImportDuplicate: refused by the duplicate rule (see CreateComment);
	// nothing was written.
	ImportDuplicate
)
