package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/commentd/commentd/moderation"
)

// create calls s.CreateComment and fails the test on an error.
func create(t *testing.T, s Store, c moderation.Comment) (moderation.Comment, moderation.Conflict) {
	t.Helper()
	got, conflict, err := s.CreateComment(t.Context(), c)
	if err != nil {
		t.Fatalf("CreateComment(%s): %v", c.ID, err)
	}
	return got, conflict
}

// testDuplicateRule: CreateComment itself refuses a duplicate, returning
// the comment it repeats; a deleted comment, another article, author or
// text, or a missing key is no duplicate; a retry is told from a
// duplicate.
func testDuplicateRule(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	first := fullComment("c-first")
	first.RequestID = ""
	mustCreate(t, s, first)

	again := fullComment("c-again")
	again.RequestID = ""
	again.AuthorKey, again.BodyFingerprint = first.AuthorKey, first.BodyFingerprint
	got, conflict := create(t, s, again)
	if conflict != moderation.ConflictDuplicate {
		t.Fatalf("duplicate: conflict %v, want ConflictDuplicate", conflict)
	}
	checkComment(t, got, stored(first))
	if _, err := s.Comment(ctx, again.ID); err == nil {
		t.Errorf("the duplicate %s was stored", again.ID)
	}

	// With a request id of its own it is still a duplicate; with the
	// first's request id it is a retry.
	first2 := byAuthor("c-req-1", "b", "key-r", "fp-r", moderation.StatusPending, 0)
	first2.RequestID = "req-1"
	mustCreate(t, s, first2)
	other := byAuthor("c-req-2", "b", "key-r", "fp-r", moderation.StatusPending, 1)
	other.RequestID = "req-2"
	if got, conflict := create(t, s, other); conflict != moderation.ConflictDuplicate || got.ID != first2.ID {
		t.Errorf("duplicate with another request id: %v with %s, want ConflictDuplicate with %s", conflict, got.ID, first2.ID)
	}
	retry := other
	retry.RequestID = first2.RequestID
	if got, conflict := create(t, s, retry); conflict != moderation.ConflictRequestID || got.ID != first2.ID {
		t.Errorf("retry that is also a duplicate: %v with %s, want ConflictRequestID with %s", conflict, got.ID, first2.ID)
	}

	// None of these is a duplicate of c-base.
	mustCreate(t, s, byAuthor("c-base", "a", "key-1", "fp-1", moderation.StatusPublished, 0))
	for _, c := range []moderation.Comment{
		byAuthor("c-article", "a2", "key-1", "fp-1", moderation.StatusPublished, 1),
		byAuthor("c-author", "a", "key-2", "fp-1", moderation.StatusPublished, 1),
		byAuthor("c-text", "a", "key-1", "fp-2", moderation.StatusPublished, 1),
		byAuthor("c-nokey-1", "a", "", "fp-1", moderation.StatusPublished, 1),
		byAuthor("c-nokey-2", "a", "", "fp-1", moderation.StatusPublished, 1),
		byAuthor("c-nofp-1", "a", "key-1", "", moderation.StatusPublished, 1),
		byAuthor("c-nofp-2", "a", "key-1", "", moderation.StatusPublished, 1),
	} {
		mustCreate(t, s, c)
	}
	onOtherSite := byAuthor("c-site", "a", "key-1", "fp-1", moderation.StatusPublished, 1)
	onOtherSite.Site = "other.example"
	mustCreate(t, s, onOtherSite)

	// Once deleted, the text may be posted again.
	if _, _, err := s.UpdateStatus(ctx, moveTo("c-base", "audit-del", moderation.StatusDeleted, "comment.delete", at(2))); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, byAuthor("c-base-again", "a", "key-1", "fp-1", moderation.StatusPending, 3))
	if got, conflict := create(t, s, byAuthor("c-base-3", "a", "key-1", "fp-1", moderation.StatusPending, 4)); conflict != moderation.ConflictDuplicate || got.ID != "c-base-again" {
		t.Errorf("after the deletion: %v with %s, want ConflictDuplicate with c-base-again", conflict, got.ID)
	}
}

// testDuplicateRace: identical submissions without a request id, racing
// each other beside unrelated ones, store one comment; every other caller
// learns its id, and the unrelated ones are stored.
func testDuplicateRace(t *testing.T, o Opener) {
	s := open(t, o)
	const n, others = 30, 10
	type result struct {
		c        moderation.Comment
		conflict moderation.Conflict
		err      error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			c := byAuthor(fmt.Sprintf("c-dup-%02d", i), "a", "key-1", "fp-1", moderation.StatusPublished, i)
			<-start
			got, conflict, err := s.CreateComment(t.Context(), c)
			results[i] = result{got, conflict, err}
		})
	}
	for i := range others {
		wg.Go(func() {
			<-start
			mustCreateNoFatal(t, s, byAuthor(fmt.Sprintf("c-other-%02d", i), "a", fmt.Sprintf("key-o%d", i), "fp-1", moderation.StatusPublished, i))
		})
	}
	close(start)
	wg.Wait()

	var winner string
	for _, r := range results {
		if r.err == nil && r.conflict == moderation.NoConflict {
			if winner != "" {
				t.Errorf("callers stored both %s and %s", winner, r.c.ID)
			}
			winner = r.c.ID
		}
	}
	if winner == "" {
		t.Fatal("no caller stored the comment")
	}
	for i, r := range results {
		if r.c.ID != winner && (r.err != nil || r.conflict != moderation.ConflictDuplicate) {
			t.Errorf("caller %d: conflict %v with %q, err %v; want ConflictDuplicate with %s", i, r.conflict, r.c.ID, r.err, winner)
		}
		if r.c.ID != winner {
			t.Errorf("caller %d got %q, want %s", i, r.c.ID, winner)
		}
	}
	all, err := s.ListComments(t.Context(), moderation.Filter{Statuses: allStatuses, Limit: 100})
	if err != nil || len(all) != 1+others {
		t.Errorf("stored %v (err %v), want the one comment and the %d others", ids(all), err, others)
	}
}

// LegacyDuplicates lists the comments a store's migration test writes
// before the duplicate rule existed (migration 4), as (id, status,
// create time in seconds): on site "s", article "a", all with author key
// "k" and body fingerprint "f".
var LegacyDuplicates = []struct {
	ID      string
	Status  moderation.Status
	Seconds int64
}{
	{"dup-deleted", moderation.StatusDeleted, 1},
	{"dup-b", moderation.StatusPublished, 2},
	{"dup-a", moderation.StatusPending, 2}, // the oldest: same time, smaller id
	{"dup-c", moderation.StatusSpam, 3},
}

// CheckLegacyDuplicates checks s, migrated over LegacyDuplicates: the
// oldest live one stays the duplicate, the later ones keep everything but
// their fingerprint, and a new copy is refused.
func CheckLegacyDuplicates(t *testing.T, s moderation.Store) {
	t.Helper()
	ctx := t.Context()
	want := map[string]string{"dup-deleted": "f", "dup-a": "f", "dup-b": "", "dup-c": ""}
	for id, fp := range want {
		c, err := s.Comment(ctx, id)
		if err != nil {
			t.Fatalf("Comment(%s): %v", id, err)
		}
		if c.BodyFingerprint != fp || c.AuthorKey != "k" {
			t.Errorf("%s: author key %q, fingerprint %q; want \"k\", %q", id, c.AuthorKey, c.BodyFingerprint, fp)
		}
	}
	p, err := s.Prior(ctx, moderation.PriorQuery{Site: "s", ArticleID: "a", AuthorKey: "k", Fingerprint: "f"})
	if err != nil || p.Duplicate == nil || p.Duplicate.ID != "dup-a" || !p.Approved {
		t.Errorf("Prior = %+v, %v; want duplicate dup-a and approved (dup-b)", p, err)
	}
	c := newComment("dup-new", "a", moderation.StatusPublished, at(0))
	c.Site, c.AuthorKey, c.BodyFingerprint = "s", "k", "f"
	got, conflict, err := s.CreateComment(ctx, c)
	if err != nil || conflict != moderation.ConflictDuplicate || got.ID != "dup-a" {
		t.Errorf("a new copy: %v with %q, err %v; want ConflictDuplicate with dup-a", conflict, got.ID, err)
	}
}
