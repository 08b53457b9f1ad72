package moderation

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// allStatuses lists every status, for exports.
var allStatuses = []Status{StatusPublished, StatusPending, StatusSpam, StatusRejected, StatusDeleted}

// auditKeyName names the store's secret that keys authors' names in the
// audit trail.
const auditKeyName = "audit_author"

// authorTarget names an author in the audit trail without their email: a
// hash keyed with the deployment's secret, the same for every event about
// the author, that a moderator reading the trail cannot recompute from a
// guessed address to learn whether it was exported or erased.
func (s *Service) authorTarget(ctx context.Context, emailKey string) (string, error) {
	key, err := s.auditSecret(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(emailKey))
	return "author:" + hex.EncodeToString(m.Sum(nil)[:8]), nil
}

// auditSecret is the deployment's secret that keys the hashes naming
// people: authors in the audit trail, readers who report.
func (s *Service) auditSecret(ctx context.Context) ([]byte, error) {
	key := s.auditKey.Load()
	if key == nil {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		k, err := s.store.Secret(ctx, auditKeyName, fresh)
		if err != nil {
			return nil, fmt.Errorf("read the audit key: %w", err)
		}
		key = &k
		s.auditKey.Store(key)
	}
	return *key, nil
}

func checkAuthorEmail(email string) error {
	if p := authorEmailProblem(email); p != "" {
		return Invalid(FieldViolation{Field: "author_email", Description: p})
	}
	return nil
}

func authorEmailProblem(email string) string {
	if email == "" {
		return "is required"
	}
	return checkEmail(email, DefaultLimits().EmailMaxBytes)
}

// ExportAuthor lists everything stored about one author, by email, in
// every status, oldest first, for a data subject's access request. Each
// call is audited.
func (s *Service) ExportAuthor(ctx context.Context, actor, email string, page Page) ([]Comment, *Cursor, error) {
	if err := checkAuthorEmail(email); err != nil {
		return nil, nil, err
	}
	limit, problem := page.limit()
	if problem != "" {
		return nil, nil, Invalid(FieldViolation{Field: "page_size", Description: problem})
	}
	key := EmailKey(email)
	now := s.clock()
	target, err := s.authorTarget(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.AppendAudit(ctx, s.audit(actor, "author.export", target, "", "", now)); err != nil {
		return nil, nil, fmt.Errorf("audit export: %w", err)
	}
	return s.list(ctx, Filter{Statuses: allStatuses, AuthorEmailKey: key, After: page.After}, limit)
}

// EraseAuthor erases one author's data, by email, for a data subject's
// erasure request, and returns how many comments it erased. The audit
// event names the author by a hash, not the email.
func (s *Service) EraseAuthor(ctx context.Context, actor, email, note string) (int64, error) {
	var v []FieldViolation
	if p := authorEmailProblem(email); p != "" {
		v = append(v, FieldViolation{Field: "author_email", Description: p})
	}
	if p := checkText(note, MaxNoteRunes); p != "" {
		v = append(v, FieldViolation{Field: "note", Description: p})
	}
	if len(v) > 0 {
		return 0, Invalid(v...)
	}
	key := EmailKey(email)
	now := s.clock()
	target, err := s.authorTarget(ctx, key)
	if err != nil {
		return 0, err
	}
	// What the webhooks hold of the author's comments is scrubbed, and
	// each erased comment tells of its erasure.
	hooks := s.rules.snapshot().policy.Webhooks
	out := ErasureOutbox{Scrub: scrubEvent, Events: func(c Comment) []OutboxMessage {
		return s.outboxFor(hooks, EventErased, c, actor, now)
	}}
	// The reader's reports go first, with their notes: a failure leaves
	// the request to be repeated, and erasing twice is harmless.
	rkey, err := s.reporterKeyOfEmail(ctx, email)
	if err != nil {
		return 0, err
	}
	if _, err := s.store.EraseReports(ctx, rkey); err != nil {
		return 0, fmt.Errorf("erase the author's reports: %w", err)
	}
	n, err := s.store.EraseAuthor(ctx, key, now, s.audit(actor, "author.erase", target, note, "erased the author's comments", now), out)
	if err != nil {
		return 0, fmt.Errorf("erase author: %w", err)
	}
	if n > 0 && len(hooks) > 0 {
		s.webhooks.wake()
	}
	return n, nil
}
