package server_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// readCounter counts the store's public reads.
type readCounter struct {
	moderation.Store
	lists, counts atomic.Int64
}

func (r *readCounter) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	r.lists.Add(1)
	return r.Store.ListComments(ctx, f)
}

func (r *readCounter) CountPublished(ctx context.Context, site string, ids []string) (map[string]int64, error) {
	r.counts.Add(1)
	return r.Store.CountPublished(ctx, site, ids)
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func TestPublicCache(t *testing.T) {
	st := sqliteStore(t)
	reads := &readCounter{Store: st}
	clk := &clock{t: time.Now()}
	a := start(t, reads, moderation.WithPublicCache(time.Minute), moderation.WithClock(clk.now))
	b := start(t, st) // another replica on the same store

	count := func(c *client) int64 {
		t.Helper()
		r, err := c.CountComments(ctxT(t), &pb.CountCommentsRequest{ArticleIds: []string{"hot"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetCounts()["hot"]
	}
	if n := len(listAll(t, a, "hot", 0)); n != 0 || count(a) != 0 {
		t.Fatalf("empty article lists %d comments", n)
	}

	// A comment published through this replica shows at once.
	submit(t, a, submission("hot", "first!"))
	if n := len(listAll(t, a, "hot", 0)); n != 1 || count(a) != 1 {
		t.Fatalf("after a comment published here: %d listed, %d counted; want 1, 1", n, count(a))
	}

	// Repeated reads are served from memory.
	lists, counts := reads.lists.Load(), reads.counts.Load()
	for range 50 {
		listAll(t, a, "hot", 0)
		count(a)
	}
	if l, c := reads.lists.Load()-lists, reads.counts.Load()-counts; l != 0 || c != 0 {
		t.Errorf("50 repeated reads: %d listings and %d counts from the store, want 0 and 0", l, c)
	}

	// One published through another replica shows once the time to live
	// has passed, not before.
	submit(t, b, submission("hot", "second"))
	if n := len(listAll(t, a, "hot", 0)); n != 1 {
		t.Errorf("within the time to live: %d listed, want the cached 1", n)
	}
	clk.add(time.Minute)
	if n := len(listAll(t, a, "hot", 0)); n != 2 || count(a) != 2 {
		t.Errorf("after the time to live: %d listed, %d counted; want 2, 2", n, count(a))
	}
}
