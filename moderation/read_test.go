package moderation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

var (
	moderator = moderation.Viewer{Name: "ravi"}
	admin     = moderation.Viewer{Name: "asha", Admin: true}
)

// queueFixture is a store holding comments in every status, one second
// apart, newest last.
type queueFixture struct {
	st    moderation.Store
	svc   *moderation.Service
	clock *clock
	// ids by name: pending1, pending2 (another article), pending3, spam,
	// published, rejected.
	ids map[string]string
	// priya wrote pending1 and published.
	priya moderation.Author
}

func newQueueFixture(t *testing.T) *queueFixture {
	t.Helper()
	ctx := context.Background()
	f := &queueFixture{st: newStore(t), clock: newClock(), ids: map[string]string{},
		priya: moderation.Author{Name: "प्रिया शर्मा", Email: "Priya@example.in"}}
	f.svc = newServiceOn(t, f.st, f.clock.Option())
	add := func(name string, sub moderation.Submission) {
		f.clock.Advance(time.Second)
		res, err := f.svc.Submit(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		f.ids[name] = res.Comment.ID
	}
	p1 := submission("बहुत अच्छा विश्लेषण।")
	p1.Author = f.priya
	add("pending1", p1)
	p2 := submission("On another article.")
	p2.ArticleID = "2026/12/other"
	add("pending2", p2)
	add("pending3", submission("A third held one."))
	add("spam", submission("Play satta king tonight"))
	pub := submission("Priya again, approved.")
	pub.Author = f.priya
	add("published", pub)
	add("rejected", submission("Rejected later."))
	for name, a := range map[string]moderation.Action{"published": moderation.ActionApprove, "rejected": moderation.ActionReject} {
		if _, err := f.svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{f.ids[name]}, Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *queueFixture) names(cs []moderation.Comment) []string {
	byID := map[string]string{}
	for n, id := range f.ids {
		byID[id] = n
	}
	out := []string{}
	for _, c := range cs {
		out = append(out, byID[c.ID])
	}
	return out
}

func TestListQueue(t *testing.T) {
	ctx := context.Background()
	f := newQueueFixture(t)
	start := newClock().Now()
	for _, tc := range []struct {
		name   string
		viewer moderation.Viewer
		q      moderation.QueueQuery
		want   []string
	}{
		{"pending, newest first", moderator, moderation.QueueQuery{}, []string{"pending3", "pending2", "pending1"}},
		{"oldest first", moderator, moderation.QueueQuery{OldestFirst: true}, []string{"pending1", "pending2", "pending3"}},
		{"one article", moderator, moderation.QueueQuery{ArticleID: "2026/12/other"}, []string{"pending2"}},
		{"time range", moderator, moderation.QueueQuery{Since: start.Add(2 * time.Second), Until: start.Add(3 * time.Second)}, []string{"pending2"}},
		{"spam", moderator, moderation.QueueQuery{Status: moderation.StatusSpam}, []string{"spam"}},
		{"published", moderator, moderation.QueueQuery{Status: moderation.StatusPublished}, []string{"published"}},
		{"rejected", moderator, moderation.QueueQuery{Status: moderation.StatusRejected}, []string{"rejected"}},
		{"held by email, any case", moderator, moderation.QueueQuery{AuthorEmail: "priya@EXAMPLE.in"}, []string{"pending1"}},
		{"published by email, admin", admin, moderation.QueueQuery{Status: moderation.StatusPublished, AuthorEmail: "priya@example.in"}, []string{"published"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, next, err := f.svc.ListQueue(ctx, tc.viewer, tc.q, moderation.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.names(cs); !slices.Equal(got, tc.want) || next != nil {
				t.Errorf("listed %q (next %v), want %q", got, next, tc.want)
			}
			for _, c := range cs {
				redacted := c.Author.Email == "" && c.Client == (moderation.Client{})
				if wantRedacted := !tc.viewer.Admin && (c.Status == moderation.StatusPublished || c.Status == moderation.StatusRejected); redacted != wantRedacted {
					t.Errorf("%s comment shown to %+v with email %q and client %+v", c.Status, tc.viewer, c.Author.Email, c.Client)
				}
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var got []string
		page := moderation.Page{Size: 1}
		for range 5 {
			cs, next, err := f.svc.ListQueue(ctx, moderator, moderation.QueueQuery{}, page)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, f.names(cs)...)
			if next == nil {
				break
			}
			page.After = next
		}
		if want := []string{"pending3", "pending2", "pending1"}; !slices.Equal(got, want) {
			t.Errorf("paged through %q, want %q", got, want)
		}
	})

	t.Run("author_email on comments not held", func(t *testing.T) {
		_, _, err := f.svc.ListQueue(ctx, moderator, moderation.QueueQuery{Status: moderation.StatusPublished, AuthorEmail: "priya@example.in"}, moderation.Page{})
		e := wantError(t, err, moderation.CodePermissionDenied)
		if want := "author_email on PUBLISHED comments needs the admin role: an admin exports a reader's data with ExportAuthorData"; e.ClientMessage() != want {
			t.Errorf("client told %q, want %q", e.ClientMessage(), want)
		}
		// The admin's search above was audited, naming the author by a
		// keyed hash, never the email; the moderators' searches were not.
		evs, _, err := f.svc.AuditEvents(ctx, moderation.AuditQuery{}, moderation.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var searches []moderation.AuditEvent
		for _, e := range evs {
			if e.Action == "author.search" {
				searches = append(searches, e)
			}
		}
		if len(searches) != 1 || searches[0].Actor != "asha" || searches[0].Detail != "PUBLISHED" ||
			!strings.HasPrefix(searches[0].Target, "author:") || strings.Contains(strings.ToLower(searches[0].Target), "priya") {
			t.Errorf("author searches audited: %+v", searches)
		}
	})

	t.Run("invalid, every field at once", func(t *testing.T) {
		_, _, err := f.svc.ListQueue(ctx, admin, moderation.QueueQuery{
			Status: 9, ArticleID: "bad\x00id", AuthorEmail: "not-an-email",
			Since: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		}, moderation.Page{Size: -1})
		wantError(t, err, moderation.CodeInvalid,
			violation("status", "is not a known status"),
			violation("article_id", "must be printable text without control characters"),
			violation("author_email", "must be one email address such as name@example.com"),
			violation("start_time", "must be a time between the years 1 and 9999"),
			violation("page_size", "must not be negative"),
		)
		_, _, err = f.svc.ListQueue(ctx, admin, moderation.QueueQuery{Since: start, Until: start}, moderation.Page{})
		wantError(t, err, moderation.CodeInvalid, violation("end_time", "must be after start_time"))
	})
}

func TestCommentDetail(t *testing.T) {
	ctx := context.Background()
	f := newQueueFixture(t)
	for _, tc := range []struct {
		name, id string
		viewer   moderation.Viewer
		email    string
	}{
		{"held, moderator", f.ids["pending1"], moderator, "Priya@example.in"},
		{"published, moderator", f.ids["published"], moderator, ""},
		{"published, admin", f.ids["published"], admin, "Priya@example.in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, h, err := f.svc.CommentDetail(ctx, tc.viewer, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != tc.id || c.Author.Email != tc.email || (tc.email == "") != (c.Client.IP == "") {
				t.Errorf("shown %s with email %q, IP %q; want email %q", c.ID, c.Author.Email, c.Client.IP, tc.email)
			}
			if c.Author.Name != f.priya.Name || len(c.Reasons) == 0 {
				t.Errorf("shown name %q, reasons %q", c.Author.Name, ruleNames(c.Reasons))
			}
			want := moderation.AuthorHistory{moderation.StatusPending: 1, moderation.StatusPublished: 1}
			if len(h) != 2 || h[moderation.StatusPending] != 1 || h[moderation.StatusPublished] != 1 {
				t.Errorf("history %v, want %v", h, want)
			}
		})
	}
	_, _, err := f.svc.CommentDetail(ctx, admin, "01a21a73-7807-7785-ab1d-5024ed3eeb71")
	wantError(t, err, moderation.CodeNotFound)
	_, _, err = f.svc.CommentDetail(ctx, admin, "")
	wantError(t, err, moderation.CodeInvalid, violation("id", "is required"))
}

func TestPublishedComment(t *testing.T) {
	ctx := context.Background()
	f := newQueueFixture(t)
	c, err := f.svc.PublishedComment(ctx, "news", f.ids["published"])
	if err != nil || c.ID != f.ids["published"] || c.Body != "Priya again, approved." {
		t.Fatalf("published comment: %+v, %v", c, err)
	}
	for name, tc := range map[string]struct{ site, id string }{
		"other site": {"sports", f.ids["published"]},
		"held":       {"news", f.ids["pending1"]},
		"rejected":   {"news", f.ids["rejected"]},
		"missing":    {"news", "01a21a73-7807-7785-ab1d-5024ed3eeb71"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.PublishedComment(ctx, tc.site, tc.id)
			e := wantError(t, err, moderation.CodeNotFound)
			if want := `comment "` + tc.id + `" not found`; e.ClientMessage() != want || e.Resource.Name != tc.id {
				t.Errorf("client told %q about %q, want %q", e.ClientMessage(), e.Resource.Name, want)
			}
		})
	}
	_, err = f.svc.PublishedComment(ctx, "news", "x y")
	wantError(t, err, moderation.CodeInvalid, violation("id", "is not a comment id"))
}

// TestPublicReads lists and counts an article's comments with and without
// the public cache: a change made through the Service shows at once either
// way; with the cache, one made elsewhere (straight into the store, as
// another replica would) shows when the entry expires.
func TestPublicReads(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Minute} {
		t.Run("cache "+ttl.String(), func(t *testing.T) {
			ctx := context.Background()
			clk := newClock()
			st := newStore(t)
			svc := newServiceOn(t, st, clk.Option(), moderation.WithPublicCache(ttl), moderation.WithPolicy(policy(returning)))
			const article = "2026/12/budget"
			want := func(wantN int64, what string) []moderation.Comment {
				t.Helper()
				cs, next, err := svc.ListPublished(ctx, "news", article, moderation.Page{})
				if err != nil {
					t.Fatal(err)
				}
				counts, err := svc.CountPublished(ctx, "news", []string{article, "2026/12/none", article})
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(cs)) != wantN || next != nil || len(counts) != 2 || counts[article] != wantN || counts["2026/12/none"] != 0 {
					t.Fatalf("%s: listed %d, counted %v; want %d", what, len(cs), counts, wantN)
				}
				for _, c := range cs {
					if c.Author.Email != "" || c.Client != (moderation.Client{}) || c.Reasons != nil || c.RequestHash != nil {
						t.Fatalf("%s: public listing carries private data: %+v", what, c)
					}
				}
				return cs
			}
			want(0, "empty")
			clk.Advance(time.Second)
			a := mustSubmit(t, svc, submission("First published."), moderation.StatusPublished)
			want(1, "after a submission")
			clk.Advance(time.Second)
			sub := submission("Second published.")
			b := mustSubmit(t, svc, sub, moderation.StatusPublished)
			if cs := want(2, "after another"); cs[0].ID != a.ID || cs[1].ID != b.ID || cs[1].Author.Name != sub.Author.Name || cs[1].Body != sub.Body {
				t.Errorf("listed %+v, want %s then %s, oldest first", cs, a.ID, b.ID)
			}
			if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{a.ID}, Action: moderation.ActionReject}); err != nil {
				t.Fatal(err)
			}
			want(1, "after a rejection")
			if _, err := svc.EraseAuthor(ctx, "asha", sub.Author.Email, ""); err != nil {
				t.Fatal(err)
			}
			want(0, "after an erasure")

			// Another replica publishes.
			clk.Advance(time.Second)
			other := moderation.Comment{ID: "01a21a73-7807-7785-ab1d-5024ed3eeb71", Site: "news", ArticleID: article,
				Author: moderation.Author{Name: "Elsewhere", Email: "e@example.com"}, Body: "From another replica.",
				Status: moderation.StatusPublished, InitialStatus: moderation.StatusPublished, CreateTime: clk.Now(), UpdateTime: clk.Now()}
			if _, _, err := st.CreateComment(ctx, other); err != nil {
				t.Fatal(err)
			}
			if ttl > 0 {
				want(0, "within the cache's time to live")
				clk.Advance(ttl)
			}
			want(1, "after the cache's time to live")
		})
	}
}

func TestPublicReadsPaged(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	svc := newService(t, clk.Option(), moderation.WithPolicy(policy(returning)), moderation.WithPublicCache(time.Minute))
	var ids []string
	for range 5 {
		clk.Advance(time.Second)
		ids = append(ids, mustSubmit(t, svc, submission("A fair point."), moderation.StatusPublished).ID)
	}
	var got []string
	page := moderation.Page{Size: 2}
	for range 5 {
		cs, next, err := svc.ListPublished(ctx, "news", "2026/12/budget", page)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			got = append(got, c.ID)
		}
		if next == nil {
			break
		}
		page.After = next
	}
	if !slices.Equal(got, ids) {
		t.Errorf("paged through %q, want %q", got, ids)
	}
	if cs, _, _ := svc.ListPublished(ctx, "sports", "2026/12/budget", moderation.Page{}); len(cs) != 0 {
		t.Errorf("another site's listing shows %d comments", len(cs))
	}
}

func TestPublicReadsInvalid(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	_, _, err := svc.ListPublished(ctx, "news", "", moderation.Page{Size: -5})
	wantError(t, err, moderation.CodeInvalid, violation("article_id", "is required"), violation("page_size", "must not be negative"))

	_, err = svc.CountPublished(ctx, "news", nil)
	wantError(t, err, moderation.CodeInvalid, violation("article_ids", "is required: give 1 to 100 article ids"))
	many := make([]string, moderation.MaxCountArticles+1)
	for i := range many {
		many[i] = "a"
	}
	_, err = svc.CountPublished(ctx, "news", many)
	wantError(t, err, moderation.CodeInvalid, violation("article_ids", "must hold at most 100 ids, got 101"))
	_, err = svc.CountPublished(ctx, "news", []string{"a", "", strings.Repeat("x", 257)})
	wantError(t, err, moderation.CodeInvalid, violation("article_ids[1]", "is required"), violation("article_ids[2]", "must be at most 256 bytes, got 257"))
}

func TestAuditEvents(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	svc := newService(t, clk.Option())
	var ids []string
	for _, actor := range []string{"asha", "ravi", "asha"} {
		clk.Advance(time.Second)
		c := mustSubmit(t, svc, submission("A fair point."), moderation.StatusPending)
		if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: actor, IDs: []string{c.ID}, Action: moderation.ActionApprove}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	targets := func(evs []moderation.AuditEvent) []string {
		out := []string{}
		for _, e := range evs {
			out = append(out, e.Target)
		}
		return out
	}
	evs, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{Actor: "asha"}, moderation.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := targets(evs), []string{ids[2], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("asha's events %q, want %q, newest first", got, want)
	}
	var got []string
	page := moderation.Page{Size: 2}
	for range 3 {
		evs, next, err := svc.AuditEvents(ctx, moderation.AuditQuery{}, page)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, targets(evs)...)
		if next == nil {
			break
		}
		page.After = next
	}
	if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("paged through %q, want %q", got, want)
	}
	_, _, err = svc.AuditEvents(ctx, moderation.AuditQuery{Actor: "a\x00", Target: strings.Repeat("t", 257)}, moderation.Page{Size: -1})
	wantError(t, err, moderation.CodeInvalid,
		violation("actor", "must not contain control characters"),
		violation("target", "must be at most 256 characters, got 257"),
		violation("page_size", "must not be negative"))
}

func TestQueueDepth(t *testing.T) {
	ctx := context.Background()
	f := newQueueFixture(t)
	n, err := f.svc.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n[moderation.StatusPending] != 3 || n[moderation.StatusSpam] != 1 || n[moderation.StatusPublished] != 0 {
		t.Errorf("queue depth %v, want 3 pending and 1 spam", n)
	}
}
