package memory

import (
	"context"
	"errors"
	"testing"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		db := New()
		return func(context.Context) (storetest.Store, error) { return db.Open(), nil }
	})
}

// TestClosed: a closed store refuses calls, and the database stays for
// the next store opened on it.
func TestClosed(t *testing.T) {
	db := New()
	s := db.Open()
	c := moderation.Comment{ID: "c1", Site: "s", ArticleID: "a", Status: moderation.StatusPending}
	if _, _, err := s.CreateComment(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Comment(t.Context(), "c1"); !errors.Is(err, errClosed) {
		t.Errorf("Comment after Close: %v, want %v", err, errClosed)
	}
	if _, err := db.Open().Comment(t.Context(), "c1"); err != nil {
		t.Errorf("Comment on a store opened again: %v", err)
	}
}

// TestCopies: what the store returns is the caller's to change.
func TestCopies(t *testing.T) {
	s := New().Open()
	ctx := t.Context()
	c := moderation.Comment{
		ID: "c1", Site: "s", ArticleID: "a", Status: moderation.StatusPending, RequestHash: []byte{1, 2},
		Reasons: []moderation.Reason{{Rule: "r", Span: &moderation.Span{Field: "body", Text: "x"}}},
	}
	got, _, err := s.CreateComment(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	c.RequestHash[0], c.Reasons[0].Span.Text = 9, "changed"
	got.RequestHash[1], got.Reasons[0].Rule = 9, "changed"
	again, err := s.Comment(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if again.RequestHash[0] != 1 || again.RequestHash[1] != 2 || again.Reasons[0].Rule != "r" || again.Reasons[0].Span.Text != "x" {
		t.Errorf("the stored comment changed with what was given or returned: %+v", again)
	}
	again.Reasons[0].Span.Text = "changed"
	if p, err := s.Prior(ctx, moderation.PriorQuery{Site: "s", RequestID: ""}); err != nil || p.Request != nil {
		t.Errorf("Prior = %+v, %v", p, err)
	}
	list, err := s.ListComments(ctx, moderation.Filter{Statuses: []moderation.Status{moderation.StatusPending}, Limit: 1})
	if err != nil || len(list) != 1 || list[0].Reasons[0].Span.Text != "x" {
		t.Errorf("ListComments = %+v, %v", list, err)
	}

	v, err := s.Secret(ctx, "k", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if v, err := s.Secret(ctx, "k", nil); err != nil || string(v) != "secret" {
		t.Errorf("Secret after changing a returned copy = %q, %v", v, err)
	}
}
