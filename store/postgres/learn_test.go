package postgres

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

// TestLearnEventsCommitOrder: a replica polls LearnEvents with the last
// seq it saw while two moderators label comments at once. It must see
// every event: a seq allocated early and committed late would be passed
// over. A trigger in this test's database sleeps a little after each
// event's insert, between the seq's allocation and the commit, so that
// writers not serialised would commit out of seq order. The moderators
// work on different sites, so no count row they share orders them.
func TestLearnEventsCommitOrder(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	_, err := s.pool.Exec(ctx, `CREATE FUNCTION learn_events_slow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(random() * 0.01); RETURN NEW; END $$;
CREATE TRIGGER learn_events_slow AFTER INSERT ON learn_events FOR EACH ROW EXECUTE FUNCTION learn_events_slow();`)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 2, 25
	t0 := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	for i := range writers * each {
		c := moderation.Comment{ID: fmt.Sprintf("c-%02d", i), Site: fmt.Sprintf("site-%d", i/each), ArticleID: "a", Status: moderation.StatusPending,
			InitialStatus: moderation.StatusPending, CreateTime: t0, UpdateTime: t0}
		if _, _, err := s.CreateComment(ctx, c); err != nil {
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
				id := fmt.Sprintf("c-%02d", i)
				u := moderation.StatusUpdate{
					ID:    id,
					Next:  func(moderation.Status) (moderation.Status, error) { return moderation.StatusSpam, nil },
					Time:  t0,
					Audit: moderation.AuditEvent{ID: "audit-" + id, Time: t0, Actor: "mod", Action: "comment.spam", Target: id},
					Train: func(moderation.Comment) (learn.Label, []learn.Token) {
						return learn.Spam, []learn.Token{1, learn.Token(i)}
					},
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
		evs, err := s.LearnEvents(ctx, after, 7)
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
	all, err := s.LearnEvents(ctx, 0, 1000)
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

// TestLearnCountsNeverNegative: counts that lost rows (an old backup
// restored under newer labels, an operator's cleanup) are taken down to
// zero, never below, and the decision still goes through.
func TestLearnCountsNeverNegative(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	t0 := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	c := moderation.Comment{ID: "c1", Site: "s", ArticleID: "a", Status: moderation.StatusPending,
		InitialStatus: moderation.StatusPending, CreateTime: t0, UpdateTime: t0}
	if _, _, err := s.CreateComment(ctx, c); err != nil {
		t.Fatal(err)
	}
	label := func(to moderation.Status, l learn.Label, ts ...learn.Token) {
		t.Helper()
		u := moderation.StatusUpdate{
			ID:    c.ID,
			Next:  func(moderation.Status) (moderation.Status, error) { return to, nil },
			Time:  t0,
			Audit: moderation.AuditEvent{ID: "audit-" + to.String(), Time: t0, Actor: "mod", Action: "comment.move", Target: c.ID},
			Train: func(moderation.Comment) (learn.Label, []learn.Token) { return l, ts },
		}
		if _, _, err := s.UpdateStatus(ctx, u); err != nil {
			t.Fatalf("UpdateStatus to %v: %v", to, err)
		}
	}
	label(moderation.StatusSpam, learn.Spam, 1, 2)
	// The counts of token 1 and the totals are lost.
	if _, err := s.pool.Exec(ctx, `DELETE FROM learned_tokens WHERE token = 1; DELETE FROM learned_totals`); err != nil {
		t.Fatal(err)
	}
	label(moderation.StatusPublished, learn.Ham, 2)

	tokens := map[learn.Token]learn.Counts{}
	var totals []int
	if _, err := s.LearnedModel(ctx, func(_ string, spam, ham int) { totals = append(totals, spam, ham) },
		func(_ string, tok learn.Token, c learn.Counts) { tokens[tok] = c }); err != nil {
		t.Fatal(err)
	}
	if want := map[learn.Token]learn.Counts{2: {Ham: 1}}; !maps.Equal(tokens, want) {
		t.Errorf("tokens %v, want %v", tokens, want)
	}
	if !slices.Equal(totals, []int{0, 1}) {
		t.Errorf("totals (spam, ham) %v, want [0 1]", totals)
	}
}
