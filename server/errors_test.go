package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/sqlite"
)

// TestStatusTextsNeverCarryTheCause: each backend failure has its own
// client-visible text, which never holds the cause's; the log keeps it.
func TestStatusTextsNeverCarryTheCause(t *testing.T) {
	const cause = "dial tcp 127.0.0.1:6379: connect: connection refused"
	svc, err := moderation.NewService(openSQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := moderation.DefaultPolicy()
	bad.Rules.Patterns = []moderation.PatternRule{{ID: "broken", Pattern: "(", Action: "hold"}}
	rulesErr := svc.SetPolicy(bad)
	if rulesErr == nil || !strings.Contains(rulesErr.Error(), "error parsing regexp") {
		t.Fatalf("SetPolicy with a broken pattern: %v, want an error naming the cause for the operator's log", rulesErr)
	}
	for _, tc := range []struct {
		name     string
		err      error
		code     codes.Code
		text     string
		logCause string // what the log must keep, if anything
	}{
		{"limiter down, deny", moderation.Wrap(moderation.CodeUnavailable, "the rate limiter is unavailable; retry with the same request_id later", errors.New(cause)),
			codes.Unavailable, "the rate limiter is unavailable; retry with the same request_id later", cause},
		{"store down", fmt.Errorf("sqlite: create comment: %w: %w", moderation.ErrUnavailable, errors.New("database is locked")),
			codes.Unavailable, "the comment store is unavailable; retry with the same request_id", "database is locked"},
		{"rules error", rulesErr, codes.InvalidArgument, "the policy's rules do not compile", ""},
		{"a store's bare not found", fmt.Errorf("sqlite: comment 0192 in table comments: %w", moderation.ErrNotFound),
			codes.NotFound, "not found", ""},
		{"formatted, no cause", moderation.Errorf(moderation.CodeFailedPrecondition, "comment is deleted; it cannot be moved to %s", "PUBLISHED"),
			codes.FailedPrecondition, "comment is deleted; it cannot be moved to PUBLISHED", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			err := toStatus(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), tc.err)
			st, _ := status.FromError(err)
			if st.Code() != tc.code || st.Message() != tc.text {
				t.Errorf("status %v %q, want %v %q", st.Code(), st.Message(), tc.code, tc.text)
			}
			if tc.logCause != "" && !strings.Contains(logs.String(), tc.logCause) {
				t.Errorf("log %q lost the cause %q", logs.String(), tc.logCause)
			}
		})
	}
}

func TestErrorfWrapsNothingAndWrapKeepsTheCause(t *testing.T) {
	if e := moderation.Errorf(moderation.CodeInvalid, "unknown action %d", 9); e.Err != nil || e.Message != "unknown action 9" {
		t.Errorf("Errorf = %+v", e)
	}
	cause := errors.New("redis: connection pool timeout")
	e := moderation.Wrap(moderation.CodeUnavailable, "the rate limiter is unavailable", cause)
	if !errors.Is(e, cause) || e.ClientMessage() != "the rate limiter is unavailable" ||
		e.Error() != "the rate limiter is unavailable: redis: connection pool timeout" {
		t.Errorf("Wrap = %+v: Error %q, ClientMessage %q", e, e.Error(), e.ClientMessage())
	}
}

func openSQLite(t *testing.T) moderation.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "commentd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
