package postgres

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// TestQueueEventsCommitOrder: a watcher polls QueueEvents with the last
// seq it saw while held comments are submitted and moved at once, on
// connections of their own. It must see every event: a seq allocated
// early and committed late would be passed over. A trigger in this test's
// database sleeps a little after each event's insert, between the seq's
// allocation and the commit, so that writers not serialised would commit
// out of seq order.
func TestQueueEventsCommitOrder(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	_, err := s.pool.Exec(ctx, `CREATE FUNCTION queue_events_slow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(random() * 0.01); RETURN NEW; END $$;
CREATE TRIGGER queue_events_slow AFTER INSERT ON queue_events FOR EACH ROW EXECUTE FUNCTION queue_events_slow();`)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 20
	t0 := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	comment := func(id string, st moderation.Status) moderation.Comment {
		return moderation.Comment{ID: id, Site: "s", ArticleID: "a", Status: st, InitialStatus: st, CreateTime: t0, UpdateTime: t0}
	}
	for i := range writers * each {
		if _, _, err := s.CreateComment(ctx, comment(fmt.Sprintf("pub-%02d", i), moderation.StatusPublished)); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg   sync.WaitGroup
		done atomic.Bool
	)
	for w := range writers {
		wg.Go(func() {
			for i := w * each; i < (w+1)*each; i++ {
				if w%2 == 0 { // a held submission: the one-round-trip batch
					if _, _, err := s.CreateComment(ctx, comment(fmt.Sprintf("held-%02d", i), moderation.StatusPending)); err != nil {
						t.Errorf("CreateComment: %v", err)
					}
					continue
				}
				id := fmt.Sprintf("pub-%02d", i) // a decision: a transaction
				u := moderation.StatusUpdate{
					ID:    id,
					Next:  func(moderation.Status) (moderation.Status, error) { return moderation.StatusSpam, nil },
					Time:  t0,
					Audit: moderation.AuditEvent{ID: "audit-" + id, Time: t0, Actor: "mod", Action: "comment.spam", Target: id},
				}
				if _, _, err := s.UpdateStatus(ctx, u); err != nil {
					t.Errorf("UpdateStatus(%s): %v", id, err)
				}
			}
		})
	}
	go func() { wg.Wait(); done.Store(true) }()

	var seen []int64
	var after int64
	for {
		// Read done before polling: a poll after the writers finished
		// finds everything they committed.
		finished := done.Load()
		evs, _, err := s.QueueEvents(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seen = append(seen, e.Seq)
			after = e.Seq
		}
		if finished && len(evs) == 0 {
			break
		}
	}
	all, _, err := s.QueueEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, e := range all {
		want = append(want, e.Seq)
	}
	if len(want) != writers*each {
		t.Fatalf("%d events stored, want %d", len(want), writers*each)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("the poller saw %d events %v\nstored are %d: %v", len(seen), seen, len(want), want)
	}
}
