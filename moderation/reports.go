package moderation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// ReportReason is why a reader reports a comment.
type ReportReason int8

// The report reasons.
const (
	ReportReasonUnspecified ReportReason = 0
	ReportSpam              ReportReason = 1
	ReportAbuse             ReportReason = 2
	ReportOffTopic          ReportReason = 3
	ReportOther             ReportReason = 4
)

var reportReasonNames = [...]string{"unspecified", "spam", "abuse", "off_topic", "other"}

func (r ReportReason) String() string {
	if r >= 0 && int(r) < len(reportReasonNames) {
		return reportReasonNames[r]
	}
	return fmt.Sprintf("ReportReason(%d)", int8(r))
}

// Valid reports whether r is a reason a reader may give.
func (r ReportReason) Valid() bool { return r >= ReportSpam && r <= ReportOther }

// ReportState is where a report stands.
type ReportState int8

// The report states. Only open reports count toward the threshold.
const (
	ReportOpen      ReportState = 1
	ReportUpheld    ReportState = 2 // the moderator rejected, spammed or deleted the comment
	ReportDismissed ReportState = 3 // the moderator approved it
)

// Report is one reader's report of one comment.
type Report struct {
	ID        string
	Site      string
	CommentID string
	// ReporterKey names the reader by a keyed hash (reporterKey), never by
	// their email or user id.
	ReporterKey string
	Reason      ReportReason
	Note        string
	State       ReportState
	CreateTime  time.Time
	// Weight is the reporter's weight now, on reads; not stored with the
	// report.
	Weight float64
}

// Pseudonym names the reporter to moderators: the same on every report
// the reader makes on one site, and not the reader's identity.
func (r Report) Pseudonym() string {
	k := r.ReporterKey
	if len(k) > 10 {
		k = k[:10]
	}
	return "reader:" + k
}

// ReportPolicy is when reader reports send a comment back to the queue,
// and how a reader's weight follows moderators' verdicts on their reports.
type ReportPolicy struct {
	// Threshold is the sum of the reporters' weights that sends a
	// published comment back to PENDING; 0 never does.
	Threshold float64 `yaml:"threshold"`
	// A reader's weight starts at 1; each upheld report multiplies it by
	// 1.5 up to MaxWeight, each dismissed one halves it down to MinWeight.
	MinWeight float64 `yaml:"min_weight"`
	MaxWeight float64 `yaml:"max_weight"`
}

// The weights' movements: upheld reports earn slowly, dismissed ones cost
// fast, so that a group reporting everything it dislikes soon weighs
// little.
const (
	InitialReporterWeight = 1.0
	upheldFactor          = 1.5
	dismissedFactor       = 0.5
	// weightSlack absorbs the rounding of summed weights.
	weightSlack = 1e-9
)

// DefaultReportPolicy: three readers of weight 1 send a comment back.
func DefaultReportPolicy() ReportPolicy {
	return ReportPolicy{Threshold: 3, MinWeight: 0.2, MaxWeight: 3}
}

// CheckReportPolicy reports the first problem with p.
func CheckReportPolicy(p ReportPolicy) error {
	switch {
	case p.Threshold < 0:
		return fmt.Errorf("threshold must not be negative (0 turns the hold off), got %g", p.Threshold)
	case p.MinWeight <= 0 || p.MinWeight > InitialReporterWeight:
		return fmt.Errorf("min_weight must be more than 0 and at most %g, got %g", InitialReporterWeight, p.MinWeight)
	case p.MaxWeight < InitialReporterWeight:
		return fmt.Errorf("max_weight must be at least %g, got %g", InitialReporterWeight, p.MaxWeight)
	}
	return nil
}

// resolution is what a moderator's action does to a comment's open
// reports: approving dismisses them, every other action upholds them.
func (p ReportPolicy) resolution(a Action) *ReportResolution {
	if a == ActionApprove {
		return &ReportResolution{State: ReportDismissed, Reweigh: func(w float64) float64 { return max(w*dismissedFactor, p.MinWeight) }}
	}
	return &ReportResolution{State: ReportUpheld, Reweigh: func(w float64) float64 { return min(w*upheldFactor, p.MaxWeight) }}
}

// ReportResolution settles a comment's open reports, in the transaction
// of a moderator's action on it (StatusUpdate.Reports).
type ReportResolution struct {
	State ReportState
	// Reweigh returns a reporter's new weight from their current one.
	Reweigh func(weight float64) float64
}

// ReportFiling is one report for Store.FileReport.
type ReportFiling struct {
	Report Report // ID, times and ReporterKey set; State open
	// Threshold, when above 0, is the sum of the open reports' reporters'
	// weights at which a published comment moves to PENDING.
	Threshold float64
	// Hold returns the reason the comment is held for, from the weights'
	// sum and the number of readers. It runs inside the transaction.
	Hold func(weight float64, readers int) Reason
	// Audit is appended, with Detail "PUBLISHED -> PENDING", when the
	// comment moves.
	Audit AuditEvent
	// Outbox, when set and the comment moves, returns the messages to
	// store with the move. It runs inside the transaction.
	Outbox func(c Comment) []OutboxMessage
}

// Held returns c as the open reports' weight (of readers readers) leaves
// it at at: back in PENDING, with the hold's reason in place of any earlier
// one of its rule, once the weight reaches the threshold on a published
// comment; and whether it moved. Every store decides by this, inside the
// transaction that weighed the reports.
func (f ReportFiling) Held(c Comment, weight float64, readers int, at time.Time) (Comment, bool) {
	if c.Status != StatusPublished || f.Threshold <= 0 || f.Hold == nil || weight < f.Threshold-1e-9 {
		return c, false
	}
	r := f.Hold(weight, readers)
	u := c
	u.Status, u.UpdateTime = StatusPending, at
	u.ModeratedBy, u.ModerationNote = "", ""
	u.Reasons = make([]Reason, 0, len(c.Reasons)+1)
	for _, x := range c.Reasons {
		if x.Rule != r.Rule {
			u.Reasons = append(u.Reasons, x)
		}
	}
	u.Reasons = append(u.Reasons, r)
	return u, true
}

// FiledReport is what Store.FileReport did.
type FiledReport struct {
	// Report as stored; the reader's earlier report when Duplicate.
	Report    Report
	Duplicate bool
	// Comment as it now is; Held when this report moved it to PENDING.
	Comment Comment
	Held    bool
}

// ReportedComment is one comment with open reports, for the queue.
type ReportedComment struct {
	CommentID string
	Reports   int
	Weight    float64
}

// Reporter is the reader who reports a comment, as the site knows them.
type Reporter struct {
	UserID string
	Email  string
	IP     string
}

// ReportRequest is a site's report of a comment for one of its readers.
type ReportRequest struct {
	Site      string
	CommentID string
	Reporter  Reporter
	Reason    ReportReason
	Note      string
}

// ReportResult answers a report.
type ReportResult struct {
	Report    Report
	Duplicate bool
	// Status is the comment's after the report.
	Status Status
}

// readerReportsRule is the reason of a comment held on reader reports.
const readerReportsRule = "reader_reports"

// ReportComment files a reader's report of a published comment of the
// site. A reader reports a comment once: a repeat answers with the first
// report and changes nothing. The reporter and their IP are rate-limited
// in one limiter call; when the weights of the open reports reach the
// policy's threshold, the comment goes back to PENDING in the report's
// transaction, audited and told to the webhooks (comment.held).
func (s *Service) ReportComment(ctx context.Context, r ReportRequest) (ReportResult, error) {
	rules := s.rules.snapshot()
	var v violations
	v.check("comment_id", ValidateID(r.CommentID))
	switch {
	case r.Reporter.UserID == "" && r.Reporter.Email == "":
		v.check("reporter", "needs a user_id or an email")
	case r.Reporter.UserID != "":
		v.check("reporter.user_id", checkText(r.Reporter.UserID, 128))
	default:
		v.check("reporter.email", checkEmail(r.Reporter.Email, rules.policy.Limits.EmailMaxBytes))
	}
	if r.Reporter.IP != "" {
		if _, err := netip.ParseAddr(r.Reporter.IP); err != nil {
			v.check("reporter.ip", "is not an IP address")
		}
	}
	if !r.Reason.Valid() {
		v.check("reason", "is required: SPAM, ABUSE, OFF_TOPIC or OTHER")
	}
	v.check("note", checkText(r.Note, MaxNoteRunes))
	if len(v) > 0 {
		return ReportResult{}, Invalid(v...)
	}
	// Only what the site's readers can see may be reported; anything else
	// answers as a missing id does.
	c, err := s.store.Comment(ctx, r.CommentID)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && (c.Site != r.Site || c.Status != StatusPublished):
		return ReportResult{}, NotFound("comment", r.CommentID)
	case err != nil:
		return ReportResult{}, fmt.Errorf("get comment: %w", err)
	}
	key, err := s.reporterKey(ctx, r.Site, r.Reporter)
	if err != nil {
		return ReportResult{}, err
	}
	if err := s.limitReport(ctx, rules, r, key); err != nil {
		return ReportResult{}, err
	}

	now := s.clock()
	p := rules.policy.Reports
	f := ReportFiling{
		Report: Report{ID: s.newID(), Site: r.Site, CommentID: r.CommentID, ReporterKey: key,
			Reason: r.Reason, Note: r.Note, State: ReportOpen, CreateTime: now},
		Threshold: p.Threshold,
		Hold: func(weight float64, readers int) Reason {
			return Reason{Rule: readerReportsRule, Action: RuleHold, Detail: fmt.Sprintf(
				"%d readers reported it (weight %.1f reaches the threshold %.1f); see its reports", readers, weight, p.Threshold)}
		},
		Audit: s.audit(readerReportsRule, "comment.reported", r.CommentID, "", "", now),
	}
	hooks := rules.policy.Webhooks
	if len(hooks) > 0 {
		f.Outbox = func(c Comment) []OutboxMessage { return s.outboxFor(hooks, EventHeld, c, "", now) }
	}
	filed, err := s.store.FileReport(ctx, f)
	if errors.Is(err, ErrNotFound) {
		return ReportResult{}, NotFound("comment", r.CommentID)
	}
	if err != nil {
		return ReportResult{}, fmt.Errorf("file report: %w", err)
	}
	if filed.Held {
		if len(hooks) > 0 {
			s.webhooks.wake()
		}
		if s.announcer != nil {
			s.announcer.announce(filed.Comment)
		}
	}
	return ReportResult{Report: filed.Report, Duplicate: filed.Duplicate, Status: filed.Comment.Status}, nil
}

// reporterKey names a reader without their identity: a hash keyed with the
// deployment's audit secret of the site's user id (on that site), or else
// of the inbox their email reaches (on every site, so that erasing an
// author's data finds their reports).
func (s *Service) reporterKey(ctx context.Context, site string, r Reporter) (string, error) {
	key, err := s.auditSecret(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	prefix := "e"
	if r.UserID != "" {
		prefix = "u"
		m.Write([]byte("reporter-user\x00" + site + "\x00" + r.UserID))
	} else {
		m.Write([]byte("reporter-email\x00" + mailboxKey(r.Email)))
	}
	return prefix + hex.EncodeToString(m.Sum(nil)[:16]), nil
}

// limitReport runs the limiter once for a report: the reporter and their
// IP. When the limiter fails, only the deny failure mode refuses: a report
// cannot publish anything, at worst it holds a comment for a moderator.
func (s *Service) limitReport(ctx context.Context, st *snapshot, r ReportRequest, key string) error {
	if s.limiter == nil {
		return nil
	}
	l := st.policy.RateLimits
	var subjects []Subject
	if ip, err := netip.ParseAddr(r.Reporter.IP); err == nil && l.ReportIP.Enabled() {
		subjects = append(subjects, Subject{Kind: "report_ip", Key: ip.Unmap().String(), Rate: l.ReportIP})
	}
	if l.Reporter.Enabled() {
		subjects = append(subjects, Subject{Kind: "reporter", Key: key, Rate: l.Reporter})
	}
	if len(subjects) == 0 {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, l.Timeout)
	verdicts, err := s.limiter.Take(lctx, r.Site, subjects)
	cancel()
	if err == nil && len(verdicts) != len(subjects) {
		err = fmt.Errorf("limiter returned %d verdicts for %d subjects", len(verdicts), len(subjects))
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.limitFailures.failed(err)
		s.observe.LimiterFailed()
		if l.Failure == FailDeny {
			return Wrap(CodeUnavailable, "the rate limiter is unavailable; retry later", err)
		}
		return nil
	}
	s.limitFailures.succeeded()
	if _, refused := s.judge(subjects, verdicts); refused != nil {
		return refused
	}
	return nil
}

// withReports fills the open reports of cs, for moderators.
func (s *Service) withReports(ctx context.Context, cs []Comment) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	rs, err := s.store.OpenReports(ctx, ids)
	if err != nil {
		return fmt.Errorf("read reports: %w", err)
	}
	at := make(map[string]int, len(cs))
	for i, c := range cs {
		at[c.ID] = i
	}
	for _, r := range rs {
		if i, ok := at[r.CommentID]; ok {
			cs[i].Reports = append(cs[i].Reports, r)
			cs[i].ReportWeight += r.Weight
		}
	}
	return nil
}

// listReported lists the comments with open reports, most reported first.
func (s *Service) listReported(ctx context.Context, viewer Viewer, articleID string, limit int) ([]Comment, error) {
	rcs, err := s.store.ReportedComments(ctx, articleID, limit)
	if err != nil {
		return nil, fmt.Errorf("list reported comments: %w", err)
	}
	cs := make([]Comment, 0, len(rcs))
	for _, rc := range rcs {
		c, err := s.store.Comment(ctx, rc.CommentID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get comment: %w", err)
		}
		cs = append(cs, viewer.show(c))
	}
	if err := s.withReports(ctx, cs); err != nil {
		return nil, err
	}
	return cs, nil
}

// reporterKeyOfEmail is the key of the reports an email's reader made,
// for erasure.
func (s *Service) reporterKeyOfEmail(ctx context.Context, email string) (string, error) {
	return s.reporterKey(ctx, "", Reporter{Email: email})
}
