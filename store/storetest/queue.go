package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/commentd/commentd/moderation"
)

// queueEvents reads the whole queue log after after, a few at a time.
func queueEvents(t *testing.T, s Store, after int64) ([]moderation.QueueEvent, int64) {
	t.Helper()
	var (
		all     []moderation.QueueEvent
		horizon int64
	)
	for {
		evs, h, err := s.QueueEvents(t.Context(), after, 2)
		if err != nil {
			t.Fatalf("QueueEvents(%d): %v", after, err)
		}
		horizon = h
		all = append(all, evs...)
		if len(evs) < 2 {
			return all, horizon
		}
		after = evs[len(evs)-1].Seq
	}
}

func describeEvents(evs []moderation.QueueEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%s %s %s/%s", e.CommentID, e.Status, e.Site, e.ArticleID)
	}
	return out
}

// testQueueLog: every write that moves a comment into PENDING or SPAM —
// a held submission, a decision, a reader-report hold, a ban's sweep —
// appends one event, in increasing Seq order; nothing else does (a
// publication, a retry, a duplicate, an approval, a move between the same
// statuses).
func testQueueLog(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	head, err := s.QueueHead(ctx)
	if err != nil || head != 0 {
		t.Fatalf("QueueHead of an empty log: %d, %v; want 0", head, err)
	}
	mustCreate(t, s, newComment("q-pub", "a", moderation.StatusPublished, at(1)))
	held := newComment("q-held", "a", moderation.StatusPending, at(2))
	held.RequestID = "req-held"
	mustCreate(t, s, held)
	retry := held
	retry.ID = "q-held-retry"
	if _, conflict, err := s.CreateComment(ctx, retry); err != nil || conflict != moderation.ConflictRequestID {
		t.Fatalf("retry: %v %v, want ConflictRequestID", conflict, err)
	}
	spam := newComment("q-spam", "b", moderation.StatusSpam, at(3))
	spam.Site = "other.example"
	if _, conflict, err := s.CreateComment(ctx, spam, message("q-spam-msg", "hook", "q-spam", at(3))); err != nil || conflict != moderation.NoConflict {
		t.Fatalf("CreateComment with outbox messages: %v %v", conflict, err)
	}
	mustCreate(t, s, newComment("q-later", "a", moderation.StatusPublished, at(4)))

	// A decision: approving leaves the queue (no event), marking as spam
	// enters it, marking again changes nothing.
	for _, u := range []moderation.StatusUpdate{
		approve("q-held", "audit-q1", at(5)),
		moveTo("q-pub", "audit-q2", moderation.StatusSpam, "comment.spam", at(6)),
		moveTo("q-pub", "audit-q3", moderation.StatusSpam, "comment.spam", at(7)),
	} {
		if _, _, err := s.UpdateStatus(ctx, u); err != nil {
			t.Fatalf("UpdateStatus(%s): %v", u.ID, err)
		}
	}
	// A reader-report hold.
	mustCreate(t, s, newComment("q-rep", "a", moderation.StatusPublished, at(8)))
	for i, reader := range []string{"k1", "k2", "k3"} {
		file(t, s, filing(fmt.Sprintf("q-r%d", i), "q-rep", reader, 9+i))
	}
	// A ban's sweep.
	ban := newBan("q-ban", moderation.BanEmail, "q-later@example.com", at(20), at(5000))
	if _, _, err := s.CreateBanSweep(ctx, ban, sweep("q", []string{"q-later"}, moderation.StatusPending, at(20), "ban")); err != nil {
		t.Fatalf("CreateBanSweep: %v", err)
	}

	evs, horizon := queueEvents(t, s, 0)
	want := []string{
		"q-held PENDING news.example/a",
		"q-spam SPAM other.example/b",
		"q-pub SPAM news.example/a",
		"q-rep PENDING news.example/a",
		"q-later PENDING news.example/a",
	}
	if got := describeEvents(evs); !slices.Equal(got, want) || horizon != 0 {
		t.Fatalf("queue log (horizon %d):\n%q\nwant\n%q", horizon, got, want)
	}
	for i, e := range evs {
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("event %d has seq %d after %d", i, e.Seq, evs[i-1].Seq)
		}
	}
	if !evs[0].Time.Equal(at(2)) || !evs[2].Time.Equal(at(6)) || !evs[3].Time.Equal(at(11)) || !evs[4].Time.Equal(at(20)) {
		t.Errorf("event times %v, %v, %v, %v; want the times of the moves", evs[0].Time, evs[2].Time, evs[3].Time, evs[4].Time)
	}
	if head, err := s.QueueHead(ctx); err != nil || head != evs[len(evs)-1].Seq {
		t.Errorf("QueueHead = %d, %v; want the last seq %d", head, err, evs[len(evs)-1].Seq)
	}
	// After a position: exactly the rest.
	rest, _ := queueEvents(t, s, evs[1].Seq)
	if got := describeEvents(rest); !slices.Equal(got, want[2:]) {
		t.Errorf("after the second event: %q, want %q", got, want[2:])
	}
}

// testQueuePrune: pruning deletes the events recorded before the cut —
// and every earlier one, so the log stays a suffix — and raises the
// horizon to the last seq it deleted; the head stays where it was even
// when the log is empty.
func testQueuePrune(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for i, tm := range []int{10, 5, 30, 40} { // the second recorded earlier than the first
		mustCreate(t, s, newComment(fmt.Sprintf("p-%d", i), "a", moderation.StatusPending, at(tm)))
	}
	evs, _ := queueEvents(t, s, 0)
	if len(evs) != 4 {
		t.Fatalf("%d events, want 4", len(evs))
	}
	n, err := s.PruneQueueEvents(ctx, at(20))
	if err != nil || n != 2 {
		t.Fatalf("PruneQueueEvents(at 20) = %d, %v; want 2", n, err)
	}
	left, horizon := queueEvents(t, s, 0)
	if got := describeEvents(left); len(got) != 2 || left[0].CommentID != "p-2" || horizon != evs[1].Seq {
		t.Fatalf("after pruning: %q, horizon %d; want p-2 and p-3, horizon %d", got, horizon, evs[1].Seq)
	}
	if _, h, err := s.QueueEvents(ctx, evs[3].Seq, 10); err != nil || h != evs[1].Seq {
		t.Errorf("the horizon read at the head: %d, %v", h, err)
	}
	if n, err := s.PruneQueueEvents(ctx, at(20)); err != nil || n != 0 {
		t.Errorf("pruning again: %d, %v; want 0", n, err)
	}
	if n, err := s.PruneQueueEvents(ctx, at(100)); err != nil || n != 2 {
		t.Fatalf("pruning everything: %d, %v; want 2", n, err)
	}
	left, horizon = queueEvents(t, s, 0)
	head, err := s.QueueHead(ctx)
	if len(left) != 0 || horizon != evs[3].Seq || err != nil || head != evs[3].Seq {
		t.Fatalf("an empty log: %d events, horizon %d, head %d (%v); want none, both at %d", len(left), horizon, head, err, evs[3].Seq)
	}
	// New events come after the pruned ones.
	mustCreate(t, s, newComment("p-new", "a", moderation.StatusSpam, at(200)))
	if evs, _ := queueEvents(t, s, head); len(evs) != 1 || evs[0].Seq <= head || evs[0].CommentID != "p-new" {
		t.Fatalf("after the prune: %+v; want p-new above %d", evs, head)
	}
	// An event nobody has read yet is pruned as well.
	mustCreate(t, s, newComment("p-unread", "a", moderation.StatusSpam, at(210)))
	if n, err := s.PruneQueueEvents(ctx, at(300)); err != nil || n != 2 {
		t.Fatalf("pruning an event nobody read: %d, %v; want 2", n, err)
	}
	left, horizon = queueEvents(t, s, 0)
	if head2, err := s.QueueHead(ctx); len(left) != 0 || err != nil || horizon <= head || head2 != horizon {
		t.Fatalf("after pruning an unread event: %d events, horizon %d, head %d (%v); want none, both above %d", len(left), horizon, head2, err, head)
	}
}

// testQueueConcurrent: held comments created and moved at once, from many
// goroutines, each get one event, and readers following the log at once
// as it grows each see every one exactly once, in Seq order.
func testQueueConcurrent(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	const writers, each = 8, 15
	for i := range writers * each {
		mustCreate(t, s, newComment(fmt.Sprintf("move-%03d", i), "a", moderation.StatusPublished, at(i)))
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for j := range each {
				i := w*each + j
				if j%2 == 0 {
					if _, _, err := s.CreateComment(ctx, newComment(fmt.Sprintf("new-%03d", i), "a", moderation.StatusPending, at(i))); err != nil {
						t.Errorf("CreateComment: %v", err)
					}
				}
				u := moveTo(fmt.Sprintf("move-%03d", i), fmt.Sprintf("audit-%03d", i), moderation.StatusSpam, "comment.spam", at(i))
				if _, _, err := s.UpdateStatus(ctx, u); err != nil {
					t.Errorf("UpdateStatus: %v", err)
				}
			}
		})
	}
	// Readers follow the log at once, as watchers on several replicas do.
	const readers = 3
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := make([][]moderation.QueueEvent, readers)
	var rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			var pos int64
			for finished := false; ; {
				select {
				case <-done:
					finished = true
				default:
				}
				evs, _, err := s.QueueEvents(ctx, pos, 7)
				if err != nil {
					t.Errorf("reader %d: QueueEvents(%d): %v", r, pos, err)
					return
				}
				for _, e := range evs {
					if e.Seq <= pos {
						t.Errorf("reader %d: seq %d after %d", r, e.Seq, pos)
						return
					}
					pos = e.Seq
					seen[r] = append(seen[r], e)
				}
				if finished && len(evs) == 0 {
					return
				}
			}
		})
	}
	rg.Wait()
	want := writers*each + (writers * ((each + 1) / 2))
	for r, evs := range seen {
		ids := map[string]int{}
		for _, e := range evs {
			ids[e.CommentID]++
		}
		if len(evs) != want || len(ids) != want {
			t.Errorf("reader %d saw %d events of %d comments enter the queue, want %d", r, len(evs), len(ids), want)
		}
		if r > 0 && !slices.EqualFunc(evs, seen[0], func(a, b moderation.QueueEvent) bool { return a.Seq == b.Seq && a.CommentID == b.CommentID }) {
			t.Errorf("readers 0 and %d saw the log differently:\n%q\n%q", r, describeEvents(seen[0]), describeEvents(evs))
		}
	}
}

// testCountComments: the count honours every filter of a listing and
// stops at the limit.
func testCountComments(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for i := range 12 {
		c := newComment(fmt.Sprintf("n-%02d", i), []string{"a", "b"}[i%2], moderation.StatusPending, at(i))
		if i >= 9 {
			c.Status = moderation.StatusSpam
		}
		if i == 0 {
			c.Site = "other.example"
		}
		mustCreate(t, s, c)
	}
	pending := []moderation.Status{moderation.StatusPending}
	for _, tc := range []struct {
		name string
		f    moderation.Filter
		want int64
	}{
		{"all pending", moderation.Filter{Statuses: pending, Limit: 100}, 9},
		{"bounded", moderation.Filter{Statuses: pending, Limit: 4}, 4},
		{"at the bound", moderation.Filter{Statuses: pending, Limit: 9}, 9},
		{"spam", moderation.Filter{Statuses: []moderation.Status{moderation.StatusSpam}, Limit: 100}, 3},
		{"both", moderation.Filter{Statuses: []moderation.Status{moderation.StatusSpam, moderation.StatusPending}, Limit: 100}, 12},
		{"site", moderation.Filter{Statuses: pending, Site: site, Limit: 100}, 8},
		{"article", moderation.Filter{Statuses: pending, ArticleID: "b", Limit: 100}, 4},
		{"author", moderation.Filter{Statuses: pending, AuthorEmailKey: moderation.EmailKey("n-03@example.com"), Limit: 100}, 1},
		{"since and until", moderation.Filter{Statuses: pending, Since: at(2), Until: at(5), Limit: 100}, 3},
		{"cursor and order ignored", moderation.Filter{Statuses: pending, After: &moderation.Cursor{Time: at(5), ID: "n-05"}, NewestFirst: true, Limit: 100}, 9},
	} {
		if n, err := s.CountComments(ctx, tc.f); err != nil || n != tc.want {
			t.Errorf("%s: CountComments = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
	if _, err := s.CountComments(ctx, moderation.Filter{Statuses: pending}); err == nil {
		t.Error("CountComments without a limit: no error")
	}

	// Reported comments: open reports, not deleted, by article.
	for i, id := range []string{"n-01", "n-02", "n-03", "n-04"} {
		mustCreate(t, s, newComment("rep-"+id, []string{"a", "b"}[i%2], moderation.StatusPublished, at(50+i)))
		file(t, s, filing("cr-"+id, "rep-"+id, "k1", 60+i))
		file(t, s, filing("cr2-"+id, "rep-"+id, "k2", 70+i))
	}
	if _, _, err := s.UpdateStatus(ctx, moveTo("rep-n-04", "audit-del", moderation.StatusDeleted, "comment.delete", at(80))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		article string
		limit   int
		want    int64
	}{{"", 100, 3}, {"", 2, 2}, {"a", 100, 2}, {"b", 100, 1}, {"c", 100, 0}} {
		if n, err := s.CountReported(ctx, tc.article, tc.limit); err != nil || n != tc.want {
			t.Errorf("CountReported(%q, %d) = %d, %v; want %d", tc.article, tc.limit, n, err, tc.want)
		}
	}
}
