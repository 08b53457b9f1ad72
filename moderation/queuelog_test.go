package moderation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// TestQueueLogRetention: the retention prunes the queue's events older
// than a week, and a watcher resuming from before them is told
// OUT_OF_RANGE on resume_token, while one resuming after them goes on.
func TestQueueLogRetention(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := newClock()
	holdAll := policy(func(p *moderation.Policy) { p.DefaultStatus = moderation.StatusPending })
	svc := newService(t, clk.Option(), moderation.WithPolicy(holdAll))
	held, start, err := svc.Watch(ctx, moderator, moderation.WatchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	old := mustSubmit(t, svc, submission("Held a while ago."), moderation.StatusPending)
	first := <-held
	if first.Comment.ID != old.ID || first.Seq <= start {
		t.Fatalf("watched %s at %d (start %d), want %s after the start", first.Comment.ID, first.Seq, start, old.ID)
	}
	clk.Advance(moderation.QueueLogRetention - time.Minute)
	young := mustSubmit(t, svc, submission("Held a week later."), moderation.StatusPending)
	second := <-held
	if n, err := svc.PruneQueueLog(ctx); err != nil || n != 0 {
		t.Fatalf("PruneQueueLog within the week: %d, %v; want 0", n, err)
	}
	clk.Advance(2 * time.Minute)
	if n, err := svc.PruneQueueLog(ctx); err != nil || n != 1 {
		t.Fatalf("PruneQueueLog after the week: %d, %v; want 1", n, err)
	}
	_, _, err = svc.Watch(ctx, moderator, moderation.WatchQuery{Resume: true, After: start})
	wantError(t, err, moderation.CodeOutOfRange,
		violation("resume_token", "is older than the queue's log, which keeps 7 days: list the queue and watch anew without it"))
	// After the pruned event nothing is lost: the watch resumes.
	again, _, err := svc.Watch(ctx, moderator, moderation.WatchQuery{Resume: true, After: first.Seq})
	if err != nil {
		t.Fatal(err)
	}
	if h := <-again; h.Comment.ID != young.ID || h.Seq != second.Seq {
		t.Errorf("resumed after the pruned event: %s at %d, want %s at %d", h.Comment.ID, h.Seq, young.ID, second.Seq)
	}
	_, _, err = svc.Watch(ctx, moderator, moderation.WatchQuery{Resume: true, After: second.Seq + 1})
	wantError(t, err, moderation.CodeOutOfRange,
		violation("resume_token", "is ahead of the queue's log: it comes from another commentd database"))
}

// TestCountQueue: the total is exact up to MaxQueueCount and an estimate
// beyond, and follows the listing's filters.
func TestCountQueue(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	svc := newServiceOn(t, st)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range moderation.MaxQueueCount + 1 {
		c := moderation.Comment{ID: fmt.Sprintf("c-%05d", i), Site: "news", ArticleID: "big", Status: moderation.StatusPending,
			InitialStatus: moderation.StatusPending, Author: moderation.Author{Name: "N", Email: "n@example.in"}, Body: "x",
			CreateTime: t0, UpdateTime: t0}
		if i%1000 == 0 {
			c.ArticleID = "small"
		}
		if _, _, err := st.CreateComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    moderation.QueueQuery
		want moderation.QueueTotal
	}{
		{moderation.QueueQuery{}, moderation.QueueTotal{Size: moderation.MaxQueueCount, Estimate: true}},
		{moderation.QueueQuery{ArticleID: "big"}, moderation.QueueTotal{Size: moderation.MaxQueueCount - 10}},
		{moderation.QueueQuery{ArticleID: "small"}, moderation.QueueTotal{Size: 11}},
		{moderation.QueueQuery{Status: moderation.StatusSpam}, moderation.QueueTotal{}},
		{moderation.QueueQuery{Reported: true}, moderation.QueueTotal{}},
	} {
		if got, err := svc.CountQueue(ctx, moderator, tc.q); err != nil || got != tc.want {
			t.Errorf("CountQueue(%+v) = %+v, %v; want %+v", tc.q, got, err, tc.want)
		}
	}
	_, err := svc.CountQueue(ctx, moderator, moderation.QueueQuery{Status: moderation.StatusPublished, AuthorEmail: "n@example.in"})
	wantError(t, err, moderation.CodePermissionDenied)
	_, err = svc.CountQueue(ctx, moderator, moderation.QueueQuery{Reported: true, Status: moderation.StatusSpam})
	wantError(t, err, moderation.CodeInvalid, violation("status", "must be unset when listing reported comments"))
}
