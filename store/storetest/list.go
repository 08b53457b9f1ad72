package storetest

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

var allStatuses = []moderation.Status{
	moderation.StatusPublished, moderation.StatusPending, moderation.StatusSpam,
	moderation.StatusRejected, moderation.StatusDeleted,
}

// want lists what ListComments must return for f, computed the slow way.
func want(all []moderation.Comment, f moderation.Filter) []string {
	var out []moderation.Comment
	for _, c := range all {
		switch {
		case !slices.Contains(f.Statuses, c.Status),
			f.Site != "" && c.Site != f.Site,
			f.ArticleID != "" && c.ArticleID != f.ArticleID,
			f.AuthorEmailKey != "" && moderation.EmailKey(c.Author.Email) != f.AuthorEmailKey,
			!f.Since.IsZero() && c.CreateTime.Before(f.Since),
			!f.Until.IsZero() && !c.CreateTime.Before(f.Until),
			f.After != nil && !isAfter(c, *f.After, f.NewestFirst):
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b moderation.Comment) int {
		d := cmp.Or(a.CreateTime.Compare(b.CreateTime), strings.Compare(a.ID, b.ID))
		if f.NewestFirst {
			return -d
		}
		return d
	})
	return ids(out[:min(len(out), f.Limit)])
}

// isAfter reports whether c comes strictly after cur in the listing order.
func isAfter(c moderation.Comment, cur moderation.Cursor, newestFirst bool) bool {
	d := cmp.Or(c.CreateTime.Compare(cur.Time), strings.Compare(c.ID, cur.ID))
	if newestFirst {
		return d < 0
	}
	return d > 0
}

func seed(t *testing.T, s Store, cs []moderation.Comment) {
	t.Helper()
	for _, c := range cs {
		mustCreate(t, s, c)
	}
}

func testListFilters(t *testing.T, o Opener) {
	s := open(t, o)
	const priya = "priya.sharma@example.in"
	var all []moderation.Comment
	add := func(id, article string, st moderation.Status, tm time.Time, email string) {
		c := newComment(id, article, st, tm)
		if email != "" {
			c.Author.Email = email
		}
		all = append(all, c)
	}
	add("a1", "a", moderation.StatusPublished, at(0), "")
	add("a2", "a", moderation.StatusPending, at(1), "Priya.Sharma@Example.IN")
	add("a3", "a", moderation.StatusSpam, at(2), "")
	add("a4", "a", moderation.StatusPublished, at(3), "priya.sharma@example.in")
	add("a5", "a", moderation.StatusPending, at(3), "PRIYA.SHARMA@EXAMPLE.IN")
	add("a6", "a", moderation.StatusDeleted, at(4), "")
	add("b1", "b", moderation.StatusPublished, at(0), "")
	add("b2", "b", moderation.StatusPending, at(2), "priya.sharma@example.in")
	add("b3", "b", moderation.StatusPublished, at(5), "")
	add("ab", "a/b", moderation.StatusPublished, at(1), "") // no prefix matching
	add("A", "A", moderation.StatusPublished, at(1), "")    // nor case folding of article ids
	add("x1", "a", moderation.StatusPublished, at(2), "")
	all[len(all)-1].Site = "other.example" // the same article id on another site
	// Times within one second of each other, for the range bounds.
	add("t1", "t", moderation.StatusPending, at(10), "")
	add("t2", "t", moderation.StatusPending, at(10).Add(time.Microsecond), "")
	add("t3", "t", moderation.StatusPending, at(11).Add(-time.Microsecond), "")
	add("t4", "t", moderation.StatusPending, at(11), "")
	seed(t, s, all)

	published := []moderation.Status{moderation.StatusPublished}
	pending := []moderation.Status{moderation.StatusPending}
	for _, tc := range []struct {
		name  string
		f     moderation.Filter
		exact []string // when set, also checked literally
	}{
		{"published of a", moderation.Filter{Statuses: published, Site: site, ArticleID: "a"}, []string{"a1", "a4"}},
		{"published of a on every site", moderation.Filter{Statuses: published, ArticleID: "a"}, []string{"a1", "x1", "a4"}},
		{"published of a on the other site", moderation.Filter{Statuses: published, Site: "other.example", ArticleID: "a"}, []string{"x1"}},
		{"published of b", moderation.Filter{Statuses: published, ArticleID: "b"}, []string{"b1", "b3"}},
		{"published of a/b", moderation.Filter{Statuses: published, ArticleID: "a/b"}, []string{"ab"}},
		{"published of A", moderation.Filter{Statuses: published, ArticleID: "A"}, []string{"A"}},
		{"no such article", moderation.Filter{Statuses: published, ArticleID: "zzz"}, []string{}},
		{"published newest first", moderation.Filter{Statuses: published, NewestFirst: true}, nil},
		{"pending queue", moderation.Filter{Statuses: pending, NewestFirst: true}, nil},
		{"pending oldest first", moderation.Filter{Statuses: pending}, nil},
		{"several statuses", moderation.Filter{Statuses: []moderation.Status{moderation.StatusSpam, moderation.StatusDeleted}}, []string{"a3", "a6"}},
		{"every status", moderation.Filter{Statuses: allStatuses}, nil},
		{"email key", moderation.Filter{Statuses: allStatuses, AuthorEmailKey: priya}, []string{"a2", "b2", "a4", "a5"}},
		{"email key pending", moderation.Filter{Statuses: pending, AuthorEmailKey: priya, NewestFirst: true}, []string{"a5", "b2", "a2"}},
		{"email key and article", moderation.Filter{Statuses: allStatuses, AuthorEmailKey: priya, ArticleID: "b"}, []string{"b2"}},
		{"since inclusive", moderation.Filter{Statuses: pending, ArticleID: "t", Since: at(10).Add(time.Microsecond)}, []string{"t2", "t3", "t4"}},
		{"until exclusive", moderation.Filter{Statuses: pending, ArticleID: "t", Until: at(11)}, []string{"t1", "t2", "t3"}},
		{"since and until", moderation.Filter{Statuses: pending, ArticleID: "t", Since: at(10).Add(time.Microsecond), Until: at(11).Add(-time.Microsecond)}, []string{"t2"}},
		{"range in another zone", moderation.Filter{Statuses: pending, ArticleID: "t", Since: at(10).In(ist), Until: at(11).In(ist), NewestFirst: true}, []string{"t3", "t2", "t1"}},
		{"range over everything", moderation.Filter{Statuses: allStatuses, Since: at(1), Until: at(4)}, nil},
		{"limit", moderation.Filter{Statuses: allStatuses, Limit: 3}, nil},
		{"limit newest first", moderation.Filter{Statuses: allStatuses, Limit: 3, NewestFirst: true}, nil},
		{"after cursor", moderation.Filter{Statuses: allStatuses, After: &moderation.Cursor{Time: at(1), ID: "a2"}}, nil},
		{"after cursor newest first", moderation.Filter{Statuses: allStatuses, After: &moderation.Cursor{Time: at(3), ID: "a5"}, NewestFirst: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			if f.Limit == 0 {
				f.Limit = 100
			}
			got, err := s.ListComments(t.Context(), f)
			if err != nil {
				t.Fatalf("ListComments: %v", err)
			}
			w := want(all, f)
			if !slices.Equal(ids(got), w) {
				t.Errorf("got %v, want %v", ids(got), w)
			}
			if tc.exact != nil && !slices.Equal(w, tc.exact) {
				t.Fatalf("suite bug: reference gives %v, case says %v", w, tc.exact)
			}
			for _, c := range got {
				if f.ArticleID != "" && c.ArticleID != f.ArticleID {
					t.Errorf("comment %s of article %q in the listing of %q", c.ID, c.ArticleID, f.ArticleID)
				}
				if !slices.Contains(f.Statuses, c.Status) {
					t.Errorf("comment %s with status %v listed for %v", c.ID, c.Status, f.Statuses)
				}
			}
		})
	}
}

// testListPagination walks listings page by page with cursors, through
// runs of comments that share a creation time.
func testListPagination(t *testing.T, o Opener) {
	s := open(t, o)
	rng := rand.New(rand.NewPCG(1, 2))
	var all []moderation.Comment
	for _, i := range rng.Perm(40) {
		st := moderation.StatusPublished
		if i%5 == 0 {
			st = moderation.StatusPending
		}
		article := "p"
		if i%7 == 0 {
			article = "q"
		}
		// Four comments per second: ties broken by id.
		c := newComment(fmt.Sprintf("p-%02d-%c", i, 'a'+rng.IntN(26)), article, st, at(i/4))
		if i%3 == 0 {
			c.Author.Email = "Ravi@Example.com"
		}
		all = append(all, c)
	}
	seed(t, s, all)

	filters := map[string]moderation.Filter{
		"article oldest first": {Statuses: []moderation.Status{moderation.StatusPublished}, ArticleID: "p"},
		"article newest first": {Statuses: []moderation.Status{moderation.StatusPublished}, ArticleID: "p", NewestFirst: true},
		"queue newest first":   {Statuses: []moderation.Status{moderation.StatusPending}, NewestFirst: true},
		"all statuses":         {Statuses: allStatuses},
		"email newest first":   {Statuses: allStatuses, AuthorEmailKey: "ravi@example.com", NewestFirst: true},
		"time range":           {Statuses: allStatuses, Since: at(2), Until: at(8), NewestFirst: true},
	}
	for name, f := range filters {
		for _, size := range []int{1, 3, 4, 7, 100} {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				f := f
				f.Limit = 1000
				w := want(all, f)
				var got []string
				f.After, f.Limit = nil, size
				for page := 0; ; page++ {
					if page > len(all) {
						t.Fatalf("no end after %d pages: %v", page, got)
					}
					cs, err := s.ListComments(t.Context(), f)
					if err != nil {
						t.Fatalf("page %d: %v", page, err)
					}
					if len(cs) > size {
						t.Fatalf("page %d has %d comments, limit %d", page, len(cs), size)
					}
					got = append(got, ids(cs)...)
					if len(cs) < size {
						break
					}
					last := cs[len(cs)-1]
					f.After = &moderation.Cursor{Time: last.CreateTime, ID: last.ID}
				}
				if !slices.Equal(got, w) {
					t.Errorf("pages gave\n %v\nwant\n %v", got, w)
				}
			})
		}
	}
}

func testCountPublished(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	n := 0
	add := func(article string, st moderation.Status) {
		n++
		mustCreate(t, s, newComment(fmt.Sprintf("c-%d", n), article, st, at(n)))
	}
	for range 3 {
		add("a", moderation.StatusPublished)
	}
	add("a", moderation.StatusPending)
	add("a", moderation.StatusSpam)
	add("b", moderation.StatusPending)
	add("b", moderation.StatusRejected)
	add("d", moderation.StatusPublished)
	add("d", moderation.StatusDeleted)
	add("e", moderation.StatusPublished) // not asked for
	other := newComment("other-site", "a", moderation.StatusPublished, at(20))
	other.Site = "other.example" // same article id, another site
	mustCreate(t, s, other)

	counts, err := s.CountPublished(ctx, site, []string{"a", "b", "c", "d", "प्रिया"})
	if err != nil {
		t.Fatalf("CountPublished: %v", err)
	}
	for article, w := range map[string]int64{"a": 3, "b": 0, "c": 0, "d": 1, "प्रिया": 0} {
		if counts[article] != w {
			t.Errorf("count of %q = %d, want %d", article, counts[article], w)
		}
	}
	for article := range counts {
		if !slices.Contains([]string{"a", "b", "c", "d", "प्रिया"}, article) {
			t.Errorf("count for %q, which was not asked for", article)
		}
	}

	counts, err = s.CountPublished(ctx, "other.example", []string{"a", "b"})
	if err != nil || counts["a"] != 1 || counts["b"] != 0 {
		t.Errorf("other site's counts = %v, %v; want a: 1", counts, err)
	}

	counts, err = s.CountPublished(ctx, site, nil)
	if err != nil || len(counts) != 0 {
		t.Errorf("CountPublished(nil) = %v, %v; want no counts", counts, err)
	}
}

func testCountByStatus(t *testing.T, o Opener) {
	s := open(t, o)
	seed(t, s, []moderation.Comment{
		newComment("c-1", "a", moderation.StatusPending, at(0)),
		newComment("c-2", "b", moderation.StatusPending, at(1)),
		newComment("c-3", "a", moderation.StatusSpam, at(2)),
		newComment("c-4", "a", moderation.StatusPublished, at(3)),
	})
	other := newComment("c-5", "a", moderation.StatusPending, at(4))
	other.Site = "other.example"
	mustCreate(t, s, other)
	got, err := s.CountByStatus(t.Context(), []moderation.Status{moderation.StatusPending, moderation.StatusSpam, moderation.StatusRejected})
	if err != nil {
		t.Fatal(err)
	}
	want := map[moderation.Status]int64{moderation.StatusPending: 3, moderation.StatusSpam: 1}
	if !maps.Equal(got, want) {
		t.Errorf("CountByStatus = %v, want %v (every site; none for a status without comments)", got, want)
	}
}
