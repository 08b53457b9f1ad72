package moderation_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/sqlite"
)

// newStore returns an empty store of the test's own.
func newStore(t testing.TB) interface {
	moderation.Store
	Close() error
} {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "commentd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newService returns a Service over a fresh store with its rules loaded.
func newService(t testing.TB, opts ...moderation.Option) *moderation.Service {
	t.Helper()
	svc, err := moderation.NewService(newStore(t), opts...)
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
