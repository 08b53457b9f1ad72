package moderation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Page sizes of every listing.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
	// MaxCountArticles bounds one CountComments call.
	MaxCountArticles = 100
	// MaxModerateIDs bounds one ModerateComments call.
	MaxModerateIDs = 500
	// MaxNoteRunes bounds a moderator's note.
	MaxNoteRunes = 1000
)

// Policy is the part of the configuration the pipeline reads.
type Policy struct {
	// DefaultStatus decides comments that no rule holds or files as spam:
	// StatusPublished or StatusPending.
	DefaultStatus Status
	Limits        Limits
	RateLimits    RateLimits
	Rules         RuleConfig
	// ClientDataRetention is how long comments keep the reader's IP and
	// user agent; 0 keeps them.
	ClientDataRetention time.Duration
}

// DefaultPolicy is DESIGN.md §6's: the built-in limits and rules.
func DefaultPolicy() Policy {
	return Policy{DefaultStatus: StatusPublished, Limits: DefaultLimits(), RateLimits: DefaultRateLimits(),
		Rules: DefaultRuleConfig(), ClientDataRetention: DefaultClientDataRetention}
}

// Service is the submission pipeline and the moderators' actions.
type Service struct {
	store   Store
	limiter Limiter
	bus     Bus
	observe Observer
	now     func() time.Time
	newID   func() string
	log     *slog.Logger

	policy        Policy // as given to NewService; current() has the one in force
	state         atomic.Pointer[state]
	reload        sync.Mutex // serialises rule reloads
	limitFailures failureLog
	recent        *recentRequests
	auditKey      atomic.Pointer[[]byte] // see authorTarget
	publicTTL     time.Duration
	public        *publicCache // nil: every public read goes to the store
	announcer     sync.Once
	announced     chan string // ids of held comments for the bus
	// unannounced counts ids dropped because the queue was full;
	// unannouncedLog is when that was last logged (Unix ns).
	unannounced, unannouncedLog atomic.Int64
}

// Option configures a Service.
type Option func(*Service)

// WithPolicy sets the policy; the default is DefaultPolicy().
func WithPolicy(p Policy) Option { return func(s *Service) { s.policy = p } }

// WithLimiter sets the rate limiter; without one nothing is rate limited.
func WithLimiter(l Limiter) Option { return func(s *Service) { s.limiter = l } }

// WithPublicCache keeps public listings and counts for up to ttl. Changes
// made through this Service show at once; changes made through another
// replica show within ttl. Off (0) by default.
func WithPublicCache(ttl time.Duration) Option { return func(s *Service) { s.publicTTL = ttl } }

// WithLogger sets the logger for events worth an operator's attention;
// the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock sets the clock, for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service storing into store, with the built-in and
// configured rules compiled. Call LoadRules to add the store's word lists
// and bans, and WatchRules to follow other replicas' changes.
func NewService(store Store, opts ...Option) (*Service, error) {
	s := &Service{
		store:   store,
		policy:  DefaultPolicy(),
		now:     time.Now,
		newID:   func() string { return uuid.Must(uuid.NewV7()).String() },
		log:     slog.Default(),
		observe: noObserver{},
		recent:  newRecentRequests(recentRequestIDs),
	}
	for _, o := range opts {
		o(s)
	}
	s.limitFailures.log = s.log
	if s.publicTTL > 0 {
		s.public = newPublicCache(s.publicTTL, s.now)
	}
	rules, err := compileRules(s.policy.Rules, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	s.state.Store(&state{policy: s.policy, rules: rules})
	return s, nil
}

// clock returns the current time as stored: UTC, microsecond precision
// (what PostgreSQL keeps).
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Result is the answer to a submission.
type Result struct {
	// Comment as stored (without an ID for validate_only). Its Status is
	// the decision.
	Comment Comment
}

// Submit runs one submission through the pipeline and, unless it is
// validate-only, stores it durably before returning.
func (s *Service) Submit(ctx context.Context, sub Submission) (Result, error) {
	st := s.current()
	sub = sub.normalized() // what is validated is what is stored
	if v := st.policy.Limits.Validate(sub); len(v) > 0 {
		return Result{}, Invalid(v...)
	}
	if err := s.refusedFromMemory(st, sub); err != nil {
		return Result{}, err
	}
	hash := requestHash(sub)

	// Normalise every field once; every rule below reuses the keys.
	keys := st.rules.keys(sub)
	nameKey := keys[fieldIndex("name")].String()
	c := Comment{
		Site:            sub.Site,
		ArticleID:       sub.ArticleID,
		ParentID:        sub.ParentID,
		Author:          sub.Author,
		Body:            sub.Body,
		Client:          sub.Client,
		RequestID:       sub.RequestID,
		RequestHash:     hash,
		AuthorKey:       authorKey(EmailKey(sub.Author.Email), nameKey, sub.Author.UserID),
		BodyFingerprint: fingerprint(keys[fieldIndex("body")].String()),
	}
	q := PriorQuery{Site: sub.Site, ArticleID: sub.ArticleID, AuthorKey: c.AuthorKey, Fingerprint: c.BodyFingerprint}
	if !sub.ValidateOnly {
		q.RequestID = sub.RequestID
	}
	prior, err := s.store.Prior(ctx, q)
	if err != nil {
		return Result{}, fmt.Errorf("look up earlier comments: %w", err)
	}
	if prior.Request != nil {
		return replay(*prior.Request, hash)
	}
	if dup := prior.Duplicate; dup != nil {
		return Result{}, duplicate(*dup)
	}
	if sub.ParentID != "" {
		if err := s.checkParent(ctx, sub); err != nil {
			return Result{}, err
		}
	}

	now := s.clock()
	reasons := st.rules.bans.match(sub, nameKey, now)
	limited, err := s.limit(ctx, st, sub, s.campaignSubjects(st, sub, c))
	if err != nil {
		return Result{}, err
	}
	reasons = append(reasons, limited...)
	reasons = append(reasons, st.rules.evaluate(sub, &keys)...)
	c.Status, c.Reasons, c.Score = decide(st.policy, reasons)
	if c.Status == StatusPublished && st.policy.Rules.FirstTimeHold {
		if !prior.Approved {
			c.Status = StatusPending
			c.Reasons = append(c.Reasons, Reason{Rule: "first_time_commenter", Action: RuleHold,
				Detail: "the author has no approved comment yet (by this email and name) on this site"})
		}
	}
	c.InitialStatus = c.Status
	c.CreateTime, c.UpdateTime = now, now
	s.observe.Decided(c.Status, c.Reasons)
	if sub.ValidateOnly {
		return Result{Comment: c}, nil
	}

	c.ID = s.newID()
	stored, conflict, err := s.store.CreateComment(ctx, c)
	if err != nil {
		return Result{}, fmt.Errorf("store comment: %w", err)
	}
	// A concurrent submission won the race since Prior: the same answers.
	switch conflict {
	case ConflictRequestID:
		return replay(stored, hash)
	case ConflictDuplicate:
		return Result{}, duplicate(stored)
	}
	if sub.RequestID != "" {
		s.recent.add(sub.Site, sub.RequestID)
	}
	if stored.Status == StatusPublished && s.public != nil {
		s.public.changed(stored.Site, stored.ArticleID)
	}
	s.announce(stored)
	return Result{Comment: stored}, nil
}

// decide turns the reasons into a status: any SPAM reason files the
// comment as spam, any HOLD reason holds it, scores add up toward the two
// thresholds, and otherwise the policy's default applies.
func decide(p Policy, reasons []Reason) (Status, []Reason, float64) {
	st := StatusPublished
	score := 0.0
	for _, r := range reasons {
		switch r.Action {
		case RuleSpam:
			st = StatusSpam
		case RuleHold:
			if st != StatusSpam {
				st = StatusPending
			}
		case RuleScore:
			score += r.Score
		}
	}
	switch t := p.Rules; {
	case score >= t.SpamScore && st != StatusSpam:
		st = StatusSpam
		reasons = append(reasons, Reason{Rule: "score", Action: RuleSpam,
			Detail: fmt.Sprintf("total score %.1f reaches the spam threshold %.1f", score, t.SpamScore)})
	case score >= t.HoldScore && st == StatusPublished:
		st = StatusPending
		reasons = append(reasons, Reason{Rule: "score", Action: RuleHold,
			Detail: fmt.Sprintf("total score %.1f reaches the hold threshold %.1f", score, t.HoldScore)})
	}
	if st == StatusPublished && p.DefaultStatus == StatusPending {
		st = StatusPending
		reasons = append(reasons, Reason{
			Rule:   "default_status",
			Action: RuleHold,
			Detail: "every comment is held for a moderator (default_status: pending)",
		})
	}
	return st, reasons, score
}

func (s *Service) checkParent(ctx context.Context, sub Submission) error {
	p, err := s.store.Comment(ctx, sub.ParentID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return fmt.Errorf("look up parent comment: %w", err)
	case p.Site != sub.Site || p.ArticleID != sub.ArticleID:
		// Same answer as a missing parent: do not reveal other articles.
	case p.Status != StatusPublished:
		return Invalid(FieldViolation{Field: "parent_id", Description: "is not a published comment, so it cannot be replied to"})
	default:
		return nil
	}
	return Invalid(FieldViolation{Field: "parent_id", Description: "is not a comment on this article"})
}

// duplicate answers a submission that repeats comment dup.
func duplicate(dup Comment) error {
	return &Error{Code: CodeAlreadyExists, Resource: Resource{Type: "comment", Name: dup.ID},
		Message: fmt.Sprintf("the same author already posted this text on this article as comment %s", dup.ID)}
}

// replay answers a retry with the first answer, after checking that the
// retry is the same request. An erased comment has no hash left: every
// retry of its request id gets the answer to a reused request id, whatever
// it carries, so that retries cannot test guesses of what was erased.
func replay(prev Comment, hash []byte) (Result, error) {
	if len(prev.RequestHash) == 0 || subtle.ConstantTimeCompare(prev.RequestHash, hash) != 1 {
		return Result{}, Invalid(FieldViolation{
			Field:       "request_id",
			Description: "was already used for a different comment; use a new request_id for each submission",
		})
	}
	prev.Status = prev.InitialStatus
	return Result{Comment: prev}, nil
}

// requestHash fingerprints everything a submission asks for, so that a
// reused request id with a different body can be told from a retry.
func requestHash(s Submission) []byte {
	h := sha256.New()
	for _, f := range [...]string{
		s.Site, s.ArticleID, s.ParentID, s.Author.Name, s.Author.Email, s.Author.URL,
		s.Body, s.Client.IP, s.Client.UserAgent, s.Client.Referrer, s.Author.UserID, s.Honeypot,
		s.FormDuration.String(),
	} {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}
