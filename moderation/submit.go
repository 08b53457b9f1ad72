package moderation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Result is the answer to a submission.
type Result struct {
	// Comment as stored (without an ID for validate_only). Its Status is
	// the decision.
	Comment Comment
	// Policy says whose policy decided, for a validate_only check.
	Policy AppliedPolicy
}

// AppliedPolicy names the policy a decision used: a site's, with the
// settings it overrides, or the global one (Site "").
type AppliedPolicy struct {
	Site      string
	Overrides []string
}

// Submit runs one submission through the pipeline and, unless it is
// validate-only, stores it durably before returning. The steps, in order:
// validate, replay, the article's settings, bans, one limiter call, rules,
// decide, store, answer.
// Nothing is written before the last; a refusal at any step stores nothing.
func (s *Service) Submit(ctx context.Context, sub Submission) (Result, error) {
	// The site's own policy and lists, compiled at load: a map lookup.
	rules := s.rules.snapshot().forSite(sub.Site)

	// Validate: every field at once, before anything is read.
	sub = sub.normalized() // what is validated is what is stored
	if v := rules.policy.Limits.Validate(sub); len(v) > 0 {
		return Result{}, Invalid(v...)
	}
	// A reader the limiter already refused is refused again from memory,
	// before any store read or limiter trip: a flood costs a map lookup.
	if err := s.refusedFromMemory(rules, sub); err != nil {
		return Result{}, err
	}

	// Normalise every field once; every step below reuses the keys.
	keys := rules.rules.keys(sub)
	nameKey := keys[fieldIndex("name")].String()
	c := Comment{
		Site: sub.Site, ArticleID: sub.ArticleID, ParentID: sub.ParentID,
		Author: sub.Author, Body: sub.Body, Client: sub.Client,
		RequestID:       sub.RequestID,
		RequestHash:     requestHash(sub),
		AuthorKey:       authorKey(EmailKey(sub.Author.Email), nameKey, sub.Author.UserID),
		BodyFingerprint: fingerprint(keys[fieldIndex("body")].String()),
	}

	// Replay: one store read says whether this is a retry, a duplicate,
	// or an author with an approved comment, and when the article's first
	// comment was, for an article that closes some time after it.
	article := rules.articles.of(sub.Site, sub.ArticleID)
	q := priorQuery(sub, c)
	q.FirstComment = article.CloseAfter > 0 && article.Mode != ArticleClosed
	prior, err := s.store.Prior(ctx, q)
	switch {
	case err != nil:
		return Result{}, fmt.Errorf("look up earlier comments: %w", err)
	case prior.Request != nil:
		return replay(*prior.Request, c.RequestHash)
	case prior.Duplicate != nil:
		return Result{}, duplicate(*prior.Duplicate)
	}
	// The article's settings: closed refuses, premoderated holds.
	now := s.clock()
	reasons, err := articleGate(article, prior.FirstCommentTime, now)
	if err != nil {
		return Result{}, err
	}
	if err := s.checkParent(ctx, sub); err != nil {
		return Result{}, err
	}

	// Bans, limits and rules: every reason for the decision.
	reasons = append(reasons, rules.rules.bans.match(sub, nameKey, now)...)
	limited, err := s.limit(ctx, rules, sub, s.campaignSubjects(rules, sub, c))
	if err != nil {
		return Result{}, err
	}
	reasons = append(reasons, limited...)
	ruled := rules.rules.assess(sub, &keys)
	reasons = append(reasons, ruled.reasons...)
	reasons = append(reasons, s.learned(rules, sub, &keys, ruled)...)
	if prior.Approved {
		holdGuesses(reasons)
	}

	// Decide.
	c.Status, c.Reasons, c.Score = decide(rules.policy, reasons, prior.Approved)
	c.InitialStatus = c.Status
	c.CreateTime, c.UpdateTime = now, now
	s.observe.Decided(c.Status, c.Reasons)
	if sub.ValidateOnly {
		return Result{Comment: c, Policy: AppliedPolicy{Site: rules.site, Overrides: rules.overrides}}, nil
	}

	// Store, with what it tells the webhooks, then answer.
	c.ID = s.newID()
	out := s.outboxFor(rules.policy.Webhooks, submittedEvent[c.Status], c, "", now)
	stored, conflict, err := s.store.CreateComment(ctx, c, out...)
	switch {
	case err != nil:
		return Result{}, fmt.Errorf("store comment: %w", err)
	// A concurrent submission won the race since Prior: the same answers.
	case conflict == ConflictRequestID:
		return replay(stored, c.RequestHash)
	case conflict == ConflictDuplicate:
		return Result{}, duplicate(stored)
	}
	if sub.RequestID != "" {
		s.recent.add(sub.Site, sub.RequestID)
	}
	if len(out) > 0 {
		s.webhooks.wake()
	}
	if s.announcer != nil {
		s.announcer.announce(stored)
	}
	return Result{Comment: stored}, nil
}

// learned is the learned rule's reason, if it speaks, and tells the
// observer what it did.
func (s *Service) learned(rules *snapshot, sub Submission, k *keys, ruled assessment) []Reason {
	cfg := rules.policy.Rules.Learned
	if !cfg.Enabled {
		s.observe.Learned("off")
		return nil
	}
	r, ok := s.learnedReason(cfg, sub, k, ruled)
	switch {
	case !ok:
		s.observe.Learned("abstained")
		return nil
	case r.Action == RuleSpam || r.Action == RuleHold: // held: spam but for an ALLOW term
		s.observe.Learned("spam")
	case r.Action == RuleAllow:
		s.observe.Learned("ham")
	default:
		s.observe.Learned("scored")
	}
	return []Reason{r}
}

// learnedReason is the learned rule's reason, if it speaks.
func (s *Service) learnedReason(cfg LearnedRule, sub Submission, k *keys, ruled assessment) (Reason, bool) {
	r, ok := s.learner.judge(cfg, sub.Site, sub, k, ruled.links)
	if ok && r.Action == RuleSpam && ruled.allowed {
		// A moderator's ALLOW term wins: held for them, not filed as spam.
		r.Action = RuleHold
		r.Detail += "; held rather than spam: an ALLOW term matched"
	}
	return r, ok
}

// priorQuery asks the store about a submission. A validate_only call is
// never a retry: it stored nothing to replay.
func priorQuery(sub Submission, c Comment) PriorQuery {
	q := PriorQuery{Site: sub.Site, ArticleID: sub.ArticleID, AuthorKey: c.AuthorKey, Fingerprint: c.BodyFingerprint}
	if !sub.ValidateOnly {
		q.RequestID = sub.RequestID
	}
	return q
}

// guesses are the rules whose SPAM verdict is a guess from the text or
// the traffic alone — the learned rule, a campaign — rather than a
// moderator's explicit wish (a ban, a BLOCK term, a blocked domain, a
// pattern) or a site's signal (the honeypot).
var guesses = map[string]bool{"learned": true, "campaign": true}

func isSpamGuess(r Reason) bool { return guesses[r.Rule] && r.Action == RuleSpam }

// holdGuesses turns the guesses' SPAM verdicts into holds, for an author
// with a published comment on this site: a known reader's comment goes
// to a moderator, never unseen into the spam folder, on a guess.
func holdGuesses(reasons []Reason) {
	for i, r := range reasons {
		if isSpamGuess(r) {
			reasons[i].Action = RuleHold
			reasons[i].Detail += "; held rather than spam: the author has a published comment on this site"
		}
	}
}

// decide turns the reasons into a status: any SPAM reason files the
// comment as spam, any HOLD reason holds it, scores add up toward the two
// thresholds, a first-time author is held when the policy says so, and
// otherwise the policy's default applies.
func decide(p Policy, reasons []Reason, approvedBefore bool) (Status, []Reason, float64) {
	// The learned rule vouching for a comment lifts the holds that are only
	// hints.
	vouched := slices.ContainsFunc(reasons, func(r Reason) bool { return r.Rule == "learned" && r.Action == RuleAllow })
	st := StatusPublished
	score := 0.0
	for _, r := range reasons {
		switch r.Action {
		case RuleSpam:
			st = StatusSpam
		case RuleHold:
			if st != StatusSpam && !(vouched && softHolds[r.Rule]) {
				st = StatusPending
			}
		case RuleScore:
			score += r.Score
		case RuleShadow:
			// A rule on trial: recorded, never acted on.
		}
	}
	switch t := p.Rules; {
	case score >= t.SpamScore && st != StatusSpam:
		st = StatusSpam
		reasons = append(reasons, Reason{Rule: "score", Action: RuleSpam,
			Detail: fmt.Sprintf("total score %.1f reaches the spam threshold %.1f", score, t.SpamScore)})
	case score >= t.HoldScore && st == StatusPublished && !vouched:
		st = StatusPending
		reasons = append(reasons, Reason{Rule: "score", Action: RuleHold,
			Detail: fmt.Sprintf("total score %.1f reaches the hold threshold %.1f", score, t.HoldScore)})
	}
	if st == StatusPublished && p.DefaultStatus == StatusPending {
		st = StatusPending
		reasons = append(reasons, Reason{Rule: "default_status", Action: RuleHold,
			Detail: "every comment is held for a moderator (default_status: pending)"})
	}
	if st == StatusPublished && p.Rules.FirstTimeHold && !approvedBefore {
		st = StatusPending
		reasons = append(reasons, Reason{Rule: "first_time_commenter", Action: RuleHold,
			Detail: "the author has no approved comment yet (by this email and name) on this site"})
	}
	return st, reasons, score
}

// checkParent checks that a reply answers a published comment of the same
// article.
func (s *Service) checkParent(ctx context.Context, sub Submission) error {
	if sub.ParentID == "" {
		return nil
	}
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

// authorKey identifies an author for the first-time-commenter rule and for
// duplicates. An email alone is unverified, so the key also takes the
// name's match key and, when the site vouches for one, its user id.
func authorKey(emailKey, nameKey, userID string) string {
	h := sha256.New()
	for _, p := range []string{emailKey, nameKey, userID} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// fingerprint identifies a text by its letters and digits only, so
// spacing, punctuation, case and look-alike characters do not tell two
// copies apart.
func fingerprint(key string) string {
	h := sha256.New()
	var buf [4]byte
	for _, r := range key {
		if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) {
			n := utf8.EncodeRune(buf[:], r)
			h.Write(buf[:n])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
