package postgres

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/internal/testpg"
	"github.com/commentd/commentd/moderation"
)

// TestQueueEventsCommitOrder: a watcher polls QueueEvents with the last
// seq it saw while held comments are submitted and moved at once, on
// connections of their own. It must see every event: a position given
// early to an event committed late would be passed over. A trigger in
// this test's database sleeps a little after each event's insert, before
// the commit, so that writers commit out of the order of their inserts.
// (One reader's assign steps never overlap; the next test's do.)
func TestQueueEventsCommitOrder(t *testing.T) {
	s := openTemp(t)
	followWhileWriting(t, []*Store{s}, 1)
}

// TestQueueEventsConcurrentReaders: as TestQueueEventsCommitOrder, with
// two replicas' stores on one database, writers on both and four watchers
// polling at once, two on each, so that assign steps run side by side:
// each watcher sees every event exactly once, in increasing seq order.
func TestQueueEventsConcurrentReaders(t *testing.T) {
	dsn := testpg.NewDatabase(t)
	stores := make([]*Store, 2)
	for i := range stores {
		s, err := Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	followWhileWriting(t, stores, 4)
}

// followWhileWriting writes held comments and spam decisions from four
// goroutines, spread over stores, while as many readers as asked follow the log,
// and checks that every reader saw the whole log, in order, once.
func followWhileWriting(t *testing.T, stores []*Store, readers int) {
	t.Helper()
	s := stores[0]
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
		s := stores[w%len(stores)]
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

	seen := make([][]moderation.QueueEvent, readers)
	var rg sync.WaitGroup
	for r := range readers {
		s := stores[r%len(stores)]
		rg.Go(func() {
			var after int64
			for {
				// Read done before polling: a poll after the writers
				// finished finds everything they committed.
				finished := done.Load()
				evs, _, err := s.QueueEvents(ctx, after, 7)
				if err != nil {
					t.Errorf("reader %d: QueueEvents(%d): %v", r, after, err)
					return
				}
				for _, e := range evs {
					seen[r] = append(seen[r], e)
					after = e.Seq
				}
				if finished && len(evs) == 0 {
					return
				}
			}
		})
	}
	rg.Wait()
	all, _, err := s.QueueEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, e := range all {
		if i > 0 && e.Seq <= all[i-1].Seq {
			t.Errorf("stored event %d has seq %d after %d", i, e.Seq, all[i-1].Seq)
		}
		ids[e.CommentID] = true
	}
	if len(all) != writers*each || len(ids) != writers*each {
		t.Fatalf("%d events stored for %d comments, want %d", len(all), len(ids), writers*each)
	}
	for r, got := range seen {
		if !slices.Equal(seqs(got), seqs(all)) || !slices.EqualFunc(got, all, func(a, b moderation.QueueEvent) bool { return a.CommentID == b.CommentID }) {
			t.Errorf("reader %d saw %d events %v\nstored are %d: %v", r, len(got), seqs(got), len(all), seqs(all))
		}
	}
}

func seqs(evs []moderation.QueueEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}
