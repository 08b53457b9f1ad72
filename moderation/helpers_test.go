package moderation_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/memory"
)

// newStore returns an empty store of the test's own.
func newStore(t testing.TB) interface {
	moderation.Store
	Close() error
} {
	t.Helper()
	st := memory.New().Open()
	t.Cleanup(func() { st.Close() })
	return st
}

// newService returns a Service over a fresh store with its rules loaded.
func newService(t testing.TB, opts ...moderation.Option) *moderation.Service {
	t.Helper()
	return newServiceOn(t, newStore(t), opts...)
}

// newServiceOn returns a Service over st with its rules loaded.
func newServiceOn(t testing.TB, st moderation.Store, opts ...moderation.Option) *moderation.Service {
	t.Helper()
	// Quiet by default: tests that read the log pass their own logger.
	opts = append([]moderation.Option{moderation.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	svc, err := moderation.NewService(st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LoadRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

var readers atomic.Int64

// submission returns a valid submission by a reader of its own.
func submission(body string) moderation.Submission {
	n := readers.Add(1)
	return moderation.Submission{
		Site:      "news",
		ArticleID: "2026/12/budget",
		Author:    moderation.Author{Name: fmt.Sprintf("Reader %d", n), Email: fmt.Sprintf("reader%d@example.in", n)},
		Body:      body,
		Client:    moderation.Client{IP: fmt.Sprintf("203.0.113.%d", n%250+1), UserAgent: "Mozilla/5.0"},
	}
}

// policy returns the default policy changed by edit.
func policy(edit func(p *moderation.Policy)) moderation.Policy {
	p := moderation.DefaultPolicy()
	if edit != nil {
		edit(&p)
	}
	return p
}

// returning publishes every comment no rule holds: first-time authors are
// not held, so that each case shows its own rule alone.
func returning(p *moderation.Policy) { p.Rules.FirstTimeHold = false }

// clock is a settable clock for WithClock.
type clock struct{ now atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time            { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration)   { c.now.Add(int64(d)) }
func (c *clock) Option() moderation.Option { return moderation.WithClock(c.Now) }

// ruleNames lists the reasons' rules, in order.
func ruleNames(rs []moderation.Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Rule)
	}
	return out
}

// wantError fails t unless err is a *moderation.Error of code carrying
// exactly the violations given.
func wantError(t testing.TB, err error, code moderation.Code, violations ...moderation.FieldViolation) *moderation.Error {
	t.Helper()
	var e *moderation.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a *moderation.Error with code %d", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("code %d (%v), want %d", e.Code, e, code)
	}
	if !slices.Equal(e.Violations, violations) {
		t.Fatalf("violations:\n got %q\nwant %q", e.Violations, violations)
	}
	return e
}

func violation(field, description string) moderation.FieldViolation {
	return moderation.FieldViolation{Field: field, Description: description}
}

// everyComment lists every stored comment of every status, oldest first.
func everyComment(t testing.TB, st moderation.Store) []moderation.Comment {
	t.Helper()
	cs, err := st.ListComments(context.Background(), moderation.Filter{
		Statuses: []moderation.Status{moderation.StatusPublished, moderation.StatusPending, moderation.StatusSpam,
			moderation.StatusRejected, moderation.StatusDeleted},
		Limit: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// countingStore counts every call to the store it wraps.
type countingStore struct {
	moderation.Store
	calls atomic.Int64
}

func (s *countingStore) n() int64 { return s.calls.Load() }

func (s *countingStore) CreateComment(ctx context.Context, c moderation.Comment, out ...moderation.OutboxMessage) (moderation.Comment, moderation.Conflict, error) {
	s.calls.Add(1)
	return s.Store.CreateComment(ctx, c, out...)
}

func (s *countingStore) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	s.calls.Add(1)
	return s.Store.Prior(ctx, q)
}

func (s *countingStore) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	s.calls.Add(1)
	return s.Store.Comment(ctx, id)
}

func (s *countingStore) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	s.calls.Add(1)
	return s.Store.ListComments(ctx, f)
}

func (s *countingStore) CountByStatus(ctx context.Context, st []moderation.Status) (map[moderation.Status]int64, error) {
	s.calls.Add(1)
	return s.Store.CountByStatus(ctx, st)
}

func (s *countingStore) CountPublished(ctx context.Context, site string, ids []string) (map[string]int64, error) {
	s.calls.Add(1)
	return s.Store.CountPublished(ctx, site, ids)
}

func (s *countingStore) UpdateStatus(ctx context.Context, u moderation.StatusUpdate) (moderation.Comment, bool, error) {
	s.calls.Add(1)
	return s.Store.UpdateStatus(ctx, u)
}

func (s *countingStore) ListAuditEvents(ctx context.Context, f moderation.AuditFilter) ([]moderation.AuditEvent, error) {
	s.calls.Add(1)
	return s.Store.ListAuditEvents(ctx, f)
}

func (s *countingStore) AuthorHistory(ctx context.Context, emailKey string) (moderation.AuthorHistory, error) {
	s.calls.Add(1)
	return s.Store.AuthorHistory(ctx, emailKey)
}

func (s *countingStore) RulesVersion(ctx context.Context) (int64, error) {
	s.calls.Add(1)
	return s.Store.RulesVersion(ctx)
}

func (s *countingStore) WordTerms(ctx context.Context) ([]moderation.WordTerm, error) {
	s.calls.Add(1)
	return s.Store.WordTerms(ctx)
}

func (s *countingStore) UpdateWordList(ctx context.Context, u moderation.WordListUpdate) (moderation.WordListResult, error) {
	s.calls.Add(1)
	return s.Store.UpdateWordList(ctx, u)
}

func (s *countingStore) CreateBan(ctx context.Context, b moderation.Ban, a moderation.AuditEvent) (moderation.Ban, error) {
	s.calls.Add(1)
	return s.Store.CreateBan(ctx, b, a)
}

func (s *countingStore) DeleteBan(ctx context.Context, id string, a moderation.AuditEvent) (moderation.Ban, error) {
	s.calls.Add(1)
	return s.Store.DeleteBan(ctx, id, a)
}

func (s *countingStore) EraseAuthor(ctx context.Context, emailKey string, at time.Time, a moderation.AuditEvent, out moderation.ErasureOutbox) (int64, error) {
	s.calls.Add(1)
	return s.Store.EraseAuthor(ctx, emailKey, at, a, out)
}

func (s *countingStore) AppendAudit(ctx context.Context, e moderation.AuditEvent) error {
	s.calls.Add(1)
	return s.Store.AppendAudit(ctx, e)
}

func (s *countingStore) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	s.calls.Add(1)
	return s.Store.Secret(ctx, name, fresh)
}

func (s *countingStore) EraseClientData(ctx context.Context, before time.Time, limit int) (int64, error) {
	s.calls.Add(1)
	return s.Store.EraseClientData(ctx, before, limit)
}

func (s *countingStore) ListBans(ctx context.Context, now time.Time, after *moderation.Cursor, limit int, site string) ([]moderation.Ban, error) {
	s.calls.Add(1)
	return s.Store.ListBans(ctx, now, after, limit, site)
}

// stubLimiter answers every Take with err, or allows everything when err
// is nil, and counts its calls.
type stubLimiter struct {
	err   error
	calls atomic.Int64
}

func (l *stubLimiter) Take(_ context.Context, _ string, subjects []moderation.Subject) ([]moderation.Verdict, error) {
	l.calls.Add(1)
	if l.err != nil {
		return nil, l.err
	}
	out := make([]moderation.Verdict, len(subjects))
	for i := range out {
		out[i].Allowed = true
	}
	return out, nil
}

// refusingLimiter is a RefusalCache that knows every client IP in
// refusedIPs to be over its limit for retry.
type refusingLimiter struct {
	stubLimiter
	refusedIPs map[string]bool
	retry      time.Duration
}

func (l *refusingLimiter) Refused(_ string, subjects []moderation.Subject) ([]moderation.Verdict, bool) {
	out := make([]moderation.Verdict, len(subjects))
	known := false
	for i, s := range subjects {
		out[i].Allowed = true
		if s.Kind == "ip" && l.refusedIPs[s.Key] {
			out[i] = moderation.Verdict{RetryAfter: l.retry}
			known = true
		}
	}
	return out, known
}

// byList groups terms by list.
func byList(ts []moderation.WordTerm, err error) (map[moderation.WordList][]moderation.WordTerm, error) {
	out := map[moderation.WordList][]moderation.WordTerm{}
	for _, t := range ts {
		out[t.List] = append(out[t.List], t)
	}
	return out, err
}
