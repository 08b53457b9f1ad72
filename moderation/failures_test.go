package moderation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// downStore fails the methods named in down as a store that cannot be
// reached does, and passes every other call on.
type downStore struct {
	moderation.Store
	mu   sync.Mutex
	down map[string]bool
}

func (s *downStore) fail(method string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down[method] {
		return fmt.Errorf("%s: dial tcp 127.0.0.1:5432: connection refused: %w", method, moderation.ErrUnavailable)
	}
	return nil
}

func (s *downStore) set(methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = map[string]bool{}
	for _, m := range methods {
		s.down[m] = true
	}
}

func (s *downStore) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	if err := s.fail("Prior"); err != nil {
		return moderation.Prior{}, err
	}
	return s.Store.Prior(ctx, q)
}

func (s *downStore) CreateComment(ctx context.Context, c moderation.Comment, out ...moderation.OutboxMessage) (moderation.Comment, moderation.Conflict, error) {
	if err := s.fail("CreateComment"); err != nil {
		return moderation.Comment{}, 0, err
	}
	return s.Store.CreateComment(ctx, c, out...)
}

func (s *downStore) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	if err := s.fail("Comment"); err != nil {
		return moderation.Comment{}, err
	}
	return s.Store.Comment(ctx, id)
}

func (s *downStore) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	if err := s.fail("ListComments"); err != nil {
		return nil, err
	}
	return s.Store.ListComments(ctx, f)
}

func (s *downStore) CountPublished(ctx context.Context, site string, ids []string) (map[string]int64, error) {
	if err := s.fail("CountPublished"); err != nil {
		return nil, err
	}
	return s.Store.CountPublished(ctx, site, ids)
}

func (s *downStore) CountByStatus(ctx context.Context, st []moderation.Status) (map[moderation.Status]int64, error) {
	if err := s.fail("CountByStatus"); err != nil {
		return nil, err
	}
	return s.Store.CountByStatus(ctx, st)
}

func (s *downStore) UpdateStatus(ctx context.Context, u moderation.StatusUpdate) (moderation.Comment, bool, error) {
	if err := s.fail("UpdateStatus"); err != nil {
		return moderation.Comment{}, false, err
	}
	return s.Store.UpdateStatus(ctx, u)
}

func (s *downStore) ListAuditEvents(ctx context.Context, f moderation.AuditFilter) ([]moderation.AuditEvent, error) {
	if err := s.fail("ListAuditEvents"); err != nil {
		return nil, err
	}
	return s.Store.ListAuditEvents(ctx, f)
}

func (s *downStore) AuthorHistory(ctx context.Context, emailKey string) (moderation.AuthorHistory, error) {
	if err := s.fail("AuthorHistory"); err != nil {
		return nil, err
	}
	return s.Store.AuthorHistory(ctx, emailKey)
}

func (s *downStore) RulesVersion(ctx context.Context) (int64, error) {
	if err := s.fail("RulesVersion"); err != nil {
		return 0, err
	}
	return s.Store.RulesVersion(ctx)
}

func (s *downStore) WordTerms(ctx context.Context) ([]moderation.WordTerm, error) {
	if err := s.fail("WordTerms"); err != nil {
		return nil, err
	}
	return s.Store.WordTerms(ctx)
}

func (s *downStore) UpdateWordList(ctx context.Context, u moderation.WordListUpdate) (moderation.WordListResult, error) {
	if err := s.fail("UpdateWordList"); err != nil {
		return moderation.WordListResult{}, err
	}
	return s.Store.UpdateWordList(ctx, u)
}

func (s *downStore) CreateBan(ctx context.Context, b moderation.Ban, a moderation.AuditEvent) (moderation.Ban, error) {
	if err := s.fail("CreateBan"); err != nil {
		return moderation.Ban{}, err
	}
	return s.Store.CreateBan(ctx, b, a)
}

func (s *downStore) DeleteBan(ctx context.Context, id string, a moderation.AuditEvent) (moderation.Ban, error) {
	if err := s.fail("DeleteBan"); err != nil {
		return moderation.Ban{}, err
	}
	return s.Store.DeleteBan(ctx, id, a)
}

func (s *downStore) EraseAuthor(ctx context.Context, emailKey string, at time.Time, a moderation.AuditEvent, out moderation.ErasureOutbox) (int64, error) {
	if err := s.fail("EraseAuthor"); err != nil {
		return 0, err
	}
	return s.Store.EraseAuthor(ctx, emailKey, at, a, out)
}

func (s *downStore) AppendAudit(ctx context.Context, e moderation.AuditEvent) error {
	if err := s.fail("AppendAudit"); err != nil {
		return err
	}
	return s.Store.AppendAudit(ctx, e)
}

func (s *downStore) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if err := s.fail("Secret"); err != nil {
		return nil, err
	}
	return s.Store.Secret(ctx, name, fresh)
}

func (s *downStore) EraseClientData(ctx context.Context, before time.Time, limit int) (int64, error) {
	if err := s.fail("EraseClientData"); err != nil {
		return 0, err
	}
	return s.Store.EraseClientData(ctx, before, limit)
}

func (s *downStore) ListBans(ctx context.Context, now time.Time, after *moderation.Cursor, limit int, site string) ([]moderation.Ban, error) {
	if err := s.fail("ListBans"); err != nil {
		return nil, err
	}
	return s.Store.ListBans(ctx, now, after, limit, site)
}

// TestStoreDown: every call whose store read or write fails answers
// UNAVAILABLE, keeps the cause for the log, and changes nothing.
func TestStoreDown(t *testing.T) {
	ctx := context.Background()
	st := &downStore{Store: newStore(t)}
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	published := mustSubmit(t, svc, submission("A published comment."), moderation.StatusPublished)
	res, err := svc.CreateBan(ctx, moderation.BanRequest{Actor: "asha", Kind: moderation.BanIP, Target: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	ban := res.Ban
	reply := submission("A reply.")
	reply.ParentID = published.ID
	page := moderation.Page{}

	for _, tc := range []struct {
		down []string
		call func() error
	}{
		{[]string{"Prior"}, func() error { _, err := svc.Submit(ctx, submission("Lost?")); return err }},
		{[]string{"CreateComment"}, func() error { _, err := svc.Submit(ctx, submission("Lost?")); return err }},
		{[]string{"Comment"}, func() error { _, err := svc.Submit(ctx, reply); return err }},
		{[]string{"Comment"}, func() error { _, err := svc.PublishedComment(ctx, "news", published.ID); return err }},
		{[]string{"Comment"}, func() error { _, _, err := svc.CommentDetail(ctx, admin, published.ID); return err }},
		{[]string{"AuthorHistory"}, func() error { _, _, err := svc.CommentDetail(ctx, admin, published.ID); return err }},
		{[]string{"ListComments"}, func() error { _, _, err := svc.ListPublished(ctx, "news", "a", page); return err }},
		{[]string{"ListComments"}, func() error { _, _, err := svc.ListQueue(ctx, admin, moderation.QueueQuery{}, page); return err }},
		{[]string{"AppendAudit"}, func() error {
			_, _, err := svc.ListQueue(ctx, admin, moderation.QueueQuery{Status: moderation.StatusPublished, AuthorEmail: "a@example.com"}, page)
			return err
		}},
		{[]string{"CountPublished"}, func() error { _, err := svc.CountPublished(ctx, "news", []string{"a"}); return err }},
		{[]string{"CountByStatus"}, func() error { _, err := svc.QueueDepth(ctx); return err }},
		{[]string{"ListAuditEvents"}, func() error { _, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{}, page); return err }},
		{[]string{"UpdateStatus"}, func() error {
			_, err := svc.Moderate(ctx, moderation.Moderation{IDs: []string{published.ID}, Action: moderation.ActionReject})
			return err
		}},
		{[]string{"WordTerms"}, func() error { _, err := svc.WordLists(ctx, ""); return err }},
		{[]string{"UpdateWordList"}, func() error {
			_, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, []string{"x"}, nil)
			return err
		}},
		{[]string{"CreateBan"}, func() error {
			_, err := svc.CreateBan(ctx, moderation.BanRequest{Kind: moderation.BanIP, Target: "192.0.2.2"})
			return err
		}},
		{[]string{"DeleteBan"}, func() error { _, err := svc.DeleteBan(ctx, "asha", ban.ID, false); return err }},
		{[]string{"ListBans"}, func() error { _, _, err := svc.ListBans(ctx, page, ""); return err }},
		{[]string{"AppendAudit"}, func() error { _, _, err := svc.ExportAuthor(ctx, "asha", "a@example.com", page); return err }},
		{[]string{"EraseAuthor"}, func() error { _, err := svc.EraseAuthor(ctx, "asha", published.Author.Email, ""); return err }},
		{[]string{"EraseClientData"}, func() error { _, err := svc.EraseExpiredClientData(ctx); return err }},
		{[]string{"RulesVersion"}, func() error { return svc.LoadRules(ctx) }},
		{[]string{"WordTerms"}, func() error { return svc.LoadRules(ctx) }},
		{[]string{"ListBans"}, func() error { return svc.LoadRules(ctx) }},
	} {
		t.Run(strings.Join(tc.down, ","), func(t *testing.T) {
			before := everyComment(t, st.Store)
			st.set(tc.down...)
			err := tc.call()
			st.set()
			if moderation.ErrorCode(err) != moderation.CodeUnavailable || !errors.Is(err, moderation.ErrUnavailable) {
				t.Fatalf("err %v (code %d), want one that wraps ErrUnavailable", err, moderation.ErrorCode(err))
			}
			after := everyComment(t, st.Store)
			if len(after) != len(before) {
				t.Errorf("%d comments before, %d after", len(before), len(after))
			}
			for i := range after {
				if after[i].Status != before[i].Status {
					t.Errorf("comment %s moved from %s to %s", after[i].ID, before[i].Status, after[i].Status)
				}
			}
		})
	}

	// The audit key is read once, so a store that fails afterwards still
	// lets ExportAuthor name the author; a fresh Service must read it.
	fresh := newServiceOn(t, st)
	st.set("Secret")
	_, _, err = fresh.ExportAuthor(ctx, "asha", "a@example.com", page)
	st.set()
	if moderation.ErrorCode(err) != moderation.CodeUnavailable {
		t.Errorf("export without the audit key: %v", err)
	}
}

// The client is never told a backend's own error, only what to do.
func TestErrorTexts(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.5:6379: i/o timeout")
	e := moderation.Wrap(moderation.CodeUnavailable, "the rate limiter is unavailable", cause)
	if e.ClientMessage() != "the rate limiter is unavailable" || e.Error() != "the rate limiter is unavailable: "+cause.Error() || !errors.Is(e, cause) {
		t.Errorf("client %q, log %q", e.ClientMessage(), e.Error())
	}
	for _, tc := range []struct {
		err  error
		want moderation.Code
	}{
		{fmt.Errorf("get: %w", moderation.ErrNotFound), moderation.CodeNotFound},
		{fmt.Errorf("get: %w", moderation.ErrUnavailable), moderation.CodeUnavailable},
		{errors.New("boom"), moderation.CodeInternal},
		{fmt.Errorf("wrapped: %w", moderation.Errorf(moderation.CodePermissionDenied, "no")), moderation.CodePermissionDenied},
	} {
		if got := moderation.ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
