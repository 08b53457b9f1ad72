package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/commentd/commentd/moderation"
)

func testRoundTrip(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := fullComment("c-full")
	want := stored(c)

	got := mustCreate(t, s, c)
	checkComment(t, got, want)

	got, err := s.Comment(ctx, c.ID)
	if err != nil {
		t.Fatalf("Comment: %v", err)
	}
	checkComment(t, got, want)
	// Byte for byte, not merely equal after some normalisation.
	if got.Author.Name != hindiName || got.Body != hindiBody {
		t.Errorf("text changed:\n name %+q\n want %+q\n body %+q\n want %+q", got.Author.Name, hindiName, got.Body, hindiBody)
	}
	if got.CreateTime.Nanosecond() != 654321000 {
		t.Errorf("CreateTime = %v, lost microseconds", got.CreateTime)
	}

	p := prior(t, s, moderation.PriorQuery{Site: site, RequestID: c.RequestID})
	if p.Request == nil {
		t.Fatalf("Prior found no comment with request id %q", c.RequestID)
	}
	checkComment(t, *p.Request, want)

	list, err := s.ListComments(ctx, moderation.Filter{Statuses: []moderation.Status{c.Status}, Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListComments: %d comments, %v; want 1", len(list), err)
	}
	checkComment(t, list[0], want)

	// A public listing reads the public fields and nothing else.
	list, err = s.ListComments(ctx, moderation.Filter{Statuses: []moderation.Status{c.Status}, Limit: 10, Public: true})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListComments(Public): %d comments, %v; want 1", len(list), err)
	}
	public := want
	public.Author.Email, public.Author.UserID, public.Client = "", "", moderation.Client{}
	public.Reasons, public.RequestID, public.AuthorKey, public.BodyFingerprint, public.ImportKey = nil, "", "", "", ""
	public.ModeratedBy, public.ModerationNote = "", ""
	public.InitialStatus, public.Score, public.RequestHash = moderation.StatusUnspecified, 0, nil
	checkComment(t, list[0], public)
}

// testEmptyOptionalFields: absent optional values come back in one
// consistent form (empty strings, nil reasons, nil hash), whether they
// went in as nil or as empty.
func testEmptyOptionalFields(t *testing.T, o Opener) {
	s := open(t, o)
	a := newComment("c-nil", "a", moderation.StatusPublished, at(0))
	b := newComment("c-empty", "a", moderation.StatusPublished, at(0))
	b.Reasons = []moderation.Reason{}
	b.RequestHash = []byte{}
	for _, c := range []moderation.Comment{a, b} {
		created := mustCreate(t, s, c)
		got, err := s.Comment(t.Context(), c.ID)
		if err != nil {
			t.Fatalf("Comment: %v", err)
		}
		for _, g := range []moderation.Comment{created, got} {
			if g.Reasons != nil || g.RequestHash != nil {
				t.Errorf("%s: Reasons %#v, RequestHash %#v; want nil, nil", c.ID, g.Reasons, g.RequestHash)
			}
			checkComment(t, g, stored(c))
		}
	}
}

func testNotFound(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustCreate(t, s, newComment("c-1", "a", moderation.StatusPublished, at(0))) // request id ""

	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, moderation.ErrNotFound) {
			t.Errorf("%s: err = %v, want one wrapping ErrNotFound", what, err)
		}
		if code := moderation.ErrorCode(err); code != moderation.CodeNotFound {
			t.Errorf("%s: ErrorCode = %v, want CodeNotFound", what, code)
		}
	}
	_, err := s.Comment(ctx, "missing")
	check("Comment", err)
	if p := prior(t, s, moderation.PriorQuery{Site: site, RequestID: "missing"}); p.Request != nil {
		t.Errorf("Prior found %s under a missing request id", p.Request.ID)
	}
	called := false
	_, _, err = s.UpdateStatus(ctx, moderation.StatusUpdate{
		ID:   "missing",
		Next: func(st moderation.Status) (moderation.Status, error) { called = true; return st, nil },
	})
	check("UpdateStatus", err)
	if called {
		t.Error("UpdateStatus called Next for a missing comment")
	}
}

func testDuplicateID(t *testing.T, o Opener) {
	s := open(t, o)
	first := newComment("c-dup", "a", moderation.StatusPublished, at(0))
	mustCreate(t, s, first)
	second := newComment("c-dup", "b", moderation.StatusPending, at(1))
	second.Body = "another body"
	_, conflict, err := s.CreateComment(t.Context(), second)
	if err == nil {
		t.Fatalf("CreateComment with a taken id: conflict %v, err %v; want an error", conflict, err)
	}
	if errors.Is(err, moderation.ErrNotFound) || errors.Is(err, moderation.ErrUnavailable) {
		t.Errorf("duplicate id error %v wraps a sentinel it should not", err)
	}
	got, err := s.Comment(t.Context(), "c-dup")
	if err != nil {
		t.Fatal(err)
	}
	checkComment(t, got, stored(first))
}

func testRequestIDIdempotent(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	first := fullComment("c-first")
	first.RequestID = "req-same"
	mustCreate(t, s, first)

	retry := fullComment("c-retry")
	retry.RequestID = "req-same"
	retry.Body = "a different body"
	retry.Status, retry.InitialStatus = moderation.StatusPublished, moderation.StatusPublished
	got, conflict, err := s.CreateComment(ctx, retry)
	if err != nil {
		t.Fatalf("CreateComment retry: %v", err)
	}
	if conflict != moderation.ConflictRequestID {
		t.Errorf("CreateComment retry: conflict = %v, want ConflictRequestID", conflict)
	}
	checkComment(t, got, stored(first))

	if _, err := s.Comment(ctx, "c-retry"); !errors.Is(err, moderation.ErrNotFound) {
		t.Errorf("the retry's comment was stored: Comment(c-retry) err = %v", err)
	}
	all, err := s.ListComments(ctx, moderation.Filter{Statuses: allStatuses, Limit: 100})
	if err != nil || len(all) != 1 {
		t.Errorf("ListComments: %v, %v; want only c-first", ids(all), err)
	}

	// Without a request id, every submission is new.
	for i := range 3 {
		mustCreate(t, s, newComment(fmt.Sprintf("c-noreq-%d", i), "a", moderation.StatusPublished, at(i)))
	}
}

func testRequestIDPerSite(t *testing.T, o Opener) {
	s := open(t, o)
	a := newComment("c-site-a", "a", moderation.StatusPublished, at(0))
	a.RequestID = "req-1"
	b := a
	b.ID, b.Site = "c-site-b", "other.example"
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	for _, c := range []moderation.Comment{a, b} {
		p := prior(t, s, moderation.PriorQuery{Site: c.Site, RequestID: "req-1"})
		if p.Request == nil || p.Request.ID != c.ID {
			t.Errorf("Prior(%s, req-1).Request = %+v, want %s", c.Site, p.Request, c.ID)
		}
	}
}

// testRequestIDRace: retries racing each other store one comment, and
// every caller learns its id, with no error.
func testRequestIDRace(t *testing.T, o Opener) {
	s := open(t, o)
	const n = 20
	type result struct {
		id      string
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			c := newComment(fmt.Sprintf("c-race-%02d", i), "a", moderation.StatusPublished, at(i))
			c.RequestID = "req-race"
			<-start
			got, conflict, err := s.CreateComment(t.Context(), c)
			results[i] = result{got.ID, conflict == moderation.NoConflict, err}
			if conflict != moderation.NoConflict && conflict != moderation.ConflictRequestID {
				t.Errorf("caller %d: conflict %v, want ConflictRequestID", i, conflict)
			}
		})
	}
	close(start)
	wg.Wait()

	created := 0
	for i, r := range results {
		if r.err != nil {
			t.Errorf("caller %d: %v", i, r.err)
			continue
		}
		if r.created {
			created++
		}
		if r.id != results[0].id {
			t.Errorf("caller %d got id %q, caller 0 got %q", i, r.id, results[0].id)
		}
	}
	if created != 1 {
		t.Errorf("%d callers created the comment, want exactly 1", created)
	}
	all, err := s.ListComments(t.Context(), moderation.Filter{Statuses: allStatuses, Limit: 100})
	if err != nil || len(all) != 1 {
		t.Errorf("stored %v (err %v), want exactly one comment", ids(all), err)
	}
}

// testConcurrentCreates: many concurrent submissions, some of them
// retries of each other, each get the right answer.
func testConcurrentCreates(t *testing.T, o Opener) {
	s := open(t, o)
	const groups, perGroup = 8, 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	got := make([][]string, groups)
	var created [groups]int
	var mu sync.Mutex
	for g := range groups {
		got[g] = make([]string, perGroup)
		for i := range perGroup {
			wg.Go(func() {
				c := newComment(fmt.Sprintf("c-%d-%d", g, i), fmt.Sprintf("article-%d", g%3), moderation.StatusPublished, at(g))
				c.RequestID = fmt.Sprintf("req-%d", g)
				<-start
				stored, conflict, err := s.CreateComment(t.Context(), c)
				ok := conflict == moderation.NoConflict
				if err != nil {
					t.Errorf("CreateComment(%s): %v", c.ID, err)
					return
				}
				got[g][i] = stored.ID
				if ok {
					mu.Lock()
					created[g]++
					mu.Unlock()
				}
			})
		}
	}
	// And comments without request ids, all new.
	for i := range 10 {
		wg.Go(func() {
			<-start
			mustCreateNoFatal(t, s, newComment(fmt.Sprintf("c-free-%d", i), "article-free", moderation.StatusPublished, at(i)))
		})
	}
	close(start)
	wg.Wait()

	for g := range groups {
		if created[g] != 1 {
			t.Errorf("request id req-%d: created %d times, want 1", g, created[g])
		}
		for i, id := range got[g] {
			if id != got[g][0] {
				t.Errorf("request id req-%d: caller %d got %q, caller 0 got %q", g, i, id, got[g][0])
			}
		}
	}
	all, err := s.ListComments(t.Context(), moderation.Filter{Statuses: allStatuses, Limit: 100})
	if err != nil || len(all) != groups+10 {
		t.Errorf("stored %d comments (err %v), want %d", len(all), err, groups+10)
	}
}

// mustCreateNoFatal is mustCreate for goroutines other than the test's.
func mustCreateNoFatal(t *testing.T, s Store, c moderation.Comment) {
	_, conflict, err := s.CreateComment(t.Context(), c)
	if err != nil || conflict != moderation.NoConflict {
		t.Errorf("CreateComment(%s): conflict %v, err %v", c.ID, conflict, err)
	}
}
