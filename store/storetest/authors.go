package storetest

import (
	"errors"
	"maps"
	"testing"

	"github.com/commentd/commentd/moderation"
)

// byAuthor returns a comment by author key with body fingerprint fp.
func byAuthor(id, article, key, fp string, status moderation.Status, i int) moderation.Comment {
	c := newComment(id, article, status, at(i))
	c.AuthorKey, c.BodyFingerprint = key, fp
	return c
}

func checkNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, moderation.ErrNotFound) {
		t.Errorf("%s: err = %v, want one wrapping ErrNotFound", what, err)
	}
	if code := moderation.ErrorCode(err); code != moderation.CodeNotFound {
		t.Errorf("%s: ErrorCode = %v, want CodeNotFound", what, code)
	}
}

func testFindDuplicate(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	full := fullComment("c-full") // every field, to check what comes back
	seed(t, s, []moderation.Comment{
		full,
		// A match, beside a deleted one that would match too.
		byAuthor("c-deleted-1", "a", "key-1", "fp-1", moderation.StatusDeleted, 1),
		byAuthor("c-b-new", "a", "key-1", "fp-1", moderation.StatusSpam, 5),
		// A match only when deleted ones counted.
		byAuthor("c-deleted", "a", "key-1", "fp-deleted", moderation.StatusDeleted, 0),
		// Each differs from (a, key-1, fp-2) in one part.
		byAuthor("c-other-article", "b", "key-1", "fp-2", moderation.StatusPending, 0),
		byAuthor("c-other-key", "a", "key-2", "fp-2", moderation.StatusPending, 0),
		byAuthor("c-other-fp", "a", "key-1", "fp-3", moderation.StatusRejected, 0),
		// Comments from before author keys existed match nothing.
		byAuthor("c-legacy", "a", "", "", moderation.StatusPublished, 0),
	})
	other := byAuthor("c-other-site", "a", "key-1", "fp-2", moderation.StatusPending, 0)
	other.Site = "other.example"
	mustCreate(t, s, other)

	got := prior(t, s, moderation.PriorQuery{Site: full.Site, ArticleID: full.ArticleID, AuthorKey: full.AuthorKey, Fingerprint: full.BodyFingerprint})
	if got.Duplicate == nil {
		t.Fatalf("no duplicate of the full comment")
	}
	checkComment(t, *got.Duplicate, stored(full))

	for _, tc := range []struct {
		name               string
		site, article, key string
		fp                 string
		want               string // "" for none
	}{
		{"the live one", site, "a", "key-1", "fp-1", "c-b-new"},
		{"deleted is no duplicate", site, "a", "key-1", "fp-deleted", ""},
		{"on another article", site, "b", "key-1", "fp-2", "c-other-article"},
		{"by another author", site, "a", "key-2", "fp-2", "c-other-key"},
		{"another text", site, "a", "key-1", "fp-3", "c-other-fp"},
		{"on another site", "other.example", "a", "key-1", "fp-2", "c-other-site"},
		{"none", site, "a", "key-1", "fp-2", ""},
		{"no such article", site, "zzz", "key-1", "fp-1", ""},
		{"author key case", site, "a", "KEY-1", "fp-1", ""},
		{"empty author key", site, "a", "", "", ""},
		{"empty fingerprint", site, "a", "key-1", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := duplicateID(t, s, tc.site, tc.article, tc.key, tc.fp); got != tc.want {
				t.Errorf("duplicate = %q, want %q", got, tc.want)
			}
		})
	}

	// Deleting the only match leaves none.
	if _, _, err := s.UpdateStatus(ctx, moveTo("c-other-fp", "audit-del", moderation.StatusDeleted, "comment.delete", at(50))); err != nil {
		t.Fatal(err)
	}
	if got := duplicateID(t, s, site, "a", "key-1", "fp-3"); got != "" {
		t.Errorf("duplicate after deletion = %q, want none", got)
	}
}

// prior calls s.Prior and fails the test on an error.
func prior(t *testing.T, s Store, q moderation.PriorQuery) moderation.Prior {
	t.Helper()
	p, err := s.Prior(t.Context(), q)
	if err != nil {
		t.Fatalf("Prior(%+v): %v", q, err)
	}
	return p
}

// duplicateID is the id of Prior's duplicate, "" for none.
func duplicateID(t *testing.T, s Store, site, article, key, fp string) string {
	t.Helper()
	p := prior(t, s, moderation.PriorQuery{Site: site, ArticleID: article, AuthorKey: key, Fingerprint: fp})
	if p.Duplicate == nil {
		return ""
	}
	return p.Duplicate.ID
}

func testHasApproved(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	seed(t, s, []moderation.Comment{
		byAuthor("c-1", "a", "key-pending", "fp", moderation.StatusPending, 0),
		byAuthor("c-2", "a", "key-held", "fp", moderation.StatusSpam, 0),
		byAuthor("c-3", "b", "key-held", "fp", moderation.StatusRejected, 1),
		byAuthor("c-4", "b", "key-held", "fp", moderation.StatusDeleted, 2),
		byAuthor("c-5", "a", "key-ok", "fp", moderation.StatusPending, 0),
		byAuthor("c-6", "b", "key-ok", "fp", moderation.StatusPublished, 1),
		byAuthor("c-7", "a", "", "fp", moderation.StatusPublished, 0),
	})
	elsewhere := byAuthor("c-8", "a", "key-elsewhere", "fp", moderation.StatusPublished, 0)
	elsewhere.Site = "other.example"
	mustCreate(t, s, elsewhere)

	check := func(site, key string, want bool) {
		t.Helper()
		if got := prior(t, s, moderation.PriorQuery{Site: site, ArticleID: "a", AuthorKey: key, Fingerprint: "none"}).Approved; got != want {
			t.Errorf("Approved(%s, %q) = %v, want %v", site, key, got, want)
		}
	}
	check(site, "key-pending", false)
	check(site, "key-held", false) // spam, rejected and deleted do not count
	check(site, "key-ok", true)    // on any article of the site
	check(site, "KEY-OK", false)
	check(site, "key-elsewhere", false) // per site
	check("other.example", "key-elsewhere", true)
	check("other.example", "key-ok", false)
	check(site, "key-missing", false)
	check(site, "", false) // comments from before author keys existed vouch for no one

	if _, _, err := s.UpdateStatus(ctx, approve("c-1", "audit-1", at(10))); err != nil {
		t.Fatal(err)
	}
	check(site, "key-pending", true)
	if _, _, err := s.UpdateStatus(ctx, moveTo("c-6", "audit-2", moderation.StatusDeleted, "comment.delete", at(11))); err != nil {
		t.Fatal(err)
	}
	check(site, "key-ok", false)
}

func testAuthorHistory(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	priya := moderation.EmailKey("Priya.Sharma@Example.IN")
	var cs []moderation.Comment
	add := func(id, site, email string, st moderation.Status) {
		c := newComment(id, "a", st, at(len(cs)))
		c.Site, c.Author.Email = site, email
		cs = append(cs, c)
	}
	add("p1", site, "Priya.Sharma@Example.IN", moderation.StatusPublished)
	add("p2", site, "priya.sharma@example.in", moderation.StatusPending)
	add("p3", "other.example", "PRIYA.SHARMA@EXAMPLE.IN", moderation.StatusPending) // any site
	add("p4", "other.example", " priya.sharma@example.in ", moderation.StatusSpam)
	add("p5", site, "priya.sharma@example.in", moderation.StatusDeleted)
	add("r1", site, "ravi@example.in", moderation.StatusPublished)
	add("r2", site, "priya.sharma@example.in.evil", moderation.StatusRejected)
	seed(t, s, cs)

	check := func(emailKey string, want moderation.AuthorHistory) {
		t.Helper()
		got, err := s.AuthorHistory(ctx, emailKey)
		if err != nil {
			t.Fatalf("AuthorHistory(%q): %v", emailKey, err)
		}
		// Statuses with no comments may be absent or zero.
		maps.DeleteFunc(got, func(_ moderation.Status, n int64) bool { return n == 0 })
		if !maps.Equal(got, want) {
			t.Errorf("AuthorHistory(%q) = %v, want %v", emailKey, got, want)
		}
	}
	check(priya, moderation.AuthorHistory{
		moderation.StatusPublished: 1,
		moderation.StatusPending:   2,
		moderation.StatusSpam:      1,
		moderation.StatusDeleted:   1,
	})
	check("ravi@example.in", moderation.AuthorHistory{moderation.StatusPublished: 1})
	check("nobody@example.in", moderation.AuthorHistory{})

	if _, _, err := s.UpdateStatus(ctx, moveTo("p2", "audit-1", moderation.StatusRejected, "comment.reject", at(10))); err != nil {
		t.Fatal(err)
	}
	check(priya, moderation.AuthorHistory{
		moderation.StatusPublished: 1,
		moderation.StatusPending:   1,
		moderation.StatusSpam:      1,
		moderation.StatusRejected:  1,
		moderation.StatusDeleted:   1,
	})
}

// testPriorAllThree checks that one Prior answers the request id, the
// duplicate and the approval together, and that comments without a
// request id do not answer for the empty one.
func testPriorAllThree(t *testing.T, o Opener) {
	s := open(t, o)
	retried := byAuthor("c-retried", "a", "key-1", "fp-1", moderation.StatusPending, 0)
	retried.RequestID = "req-1"
	seed(t, s, []moderation.Comment{
		retried,
		byAuthor("c-approved", "b", "key-1", "fp-2", moderation.StatusPublished, 1),
		byAuthor("c-no-request", "c", "key-2", "fp-3", moderation.StatusPublished, 2),
	})
	p := prior(t, s, moderation.PriorQuery{Site: site, RequestID: "req-1", ArticleID: "a", AuthorKey: "key-1", Fingerprint: "fp-1"})
	if p.Request == nil || p.Request.ID != "c-retried" || p.Duplicate == nil || p.Duplicate.ID != "c-retried" || !p.Approved {
		t.Errorf("Prior = request %+v, duplicate %+v, approved %v; want c-retried, c-retried, true", p.Request, p.Duplicate, p.Approved)
	}
	p = prior(t, s, moderation.PriorQuery{Site: site, ArticleID: "c", AuthorKey: "key-3", Fingerprint: "fp-3"})
	if p.Request != nil || p.Duplicate != nil || p.Approved {
		t.Errorf("Prior without a request id, of another author = %+v, want nothing", p)
	}
	if p := prior(t, s, moderation.PriorQuery{Site: site}); p.Request != nil || p.Duplicate != nil || p.Approved {
		t.Errorf("Prior of an empty query = %+v, want nothing", p)
	}
}
