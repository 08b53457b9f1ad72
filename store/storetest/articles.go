package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

func articleAudit(id string, tm time.Time) moderation.AuditEvent {
	return moderation.AuditEvent{ID: id, Time: tm, Actor: "mod-asha", Action: "article.settings",
		Target: site + "/a", Note: "नोट " + id}
}

func articleSettings(t *testing.T, s Store, site, article string) moderation.ArticleSettings {
	t.Helper()
	a, err := s.ArticleSettings(t.Context(), site, article)
	if err != nil {
		t.Fatalf("ArticleSettings(%s, %s): %v", site, article, err)
	}
	return a
}

// testArticleSettings: settings are stored per site and article, read
// back as written (a missing article is open), audited as "OLD -> NEW"
// with a bump of the rules version when they change, and neither when
// they do not; open settings leave no row.
func testArticleSettings(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	if a := articleSettings(t, s, site, "a"); a != moderation.DefaultArticleSettings(site, "a") {
		t.Errorf("settings of an article never set = %+v, want open", a)
	}
	v0 := rulesVersion(t, s)
	premod := moderation.ArticleSettings{Site: site, ArticleID: "a", Mode: moderation.ArticlePremoderated,
		CloseAfter: 720 * time.Hour, UpdateTime: at(1).In(ist), UpdatedBy: "mod-asha"}
	old, err := s.SetArticleSettings(ctx, premod, articleAudit("audit-a1", at(1)))
	if err != nil {
		t.Fatalf("SetArticleSettings: %v", err)
	}
	if old != moderation.DefaultArticleSettings(site, "a") {
		t.Errorf("old settings = %+v, want open", old)
	}
	want := premod
	want.UpdateTime = at(1)
	if a := articleSettings(t, s, site, "a"); a != want {
		t.Errorf("settings = %+v, want %+v", a, want)
	}
	// Another site's article of the same id is its own.
	if a := articleSettings(t, s, "other.example", "a"); a.Mode != moderation.ArticleOpen {
		t.Errorf("another site's article = %+v, want open", a)
	}
	v1 := rulesVersion(t, s)
	if v1 == v0 {
		t.Errorf("rules version %d unchanged by a change of settings", v1)
	}
	if e := auditEvents(t, s)["audit-a1"]; e.Detail != "open -> premoderated, close after 720h0m0s" || e.Action != "article.settings" {
		t.Errorf("audit = %+v, want the change from open", e)
	}

	// The same settings again: nothing changes, nothing is audited.
	same := premod
	same.UpdatedBy = "mod-ravi"
	same.UpdateTime = at(2)
	if old, err := s.SetArticleSettings(ctx, same, articleAudit("audit-a2", at(2))); err != nil || old != want {
		t.Errorf("SetArticleSettings(same) = %+v, %v; want %+v", old, err, want)
	}
	if _, ok := auditEvents(t, s)["audit-a2"]; ok || rulesVersion(t, s) != v1 {
		t.Errorf("settings unchanged, yet audited (%v) or the version moved", ok)
	}

	closed := moderation.ArticleSettings{Site: site, ArticleID: "b", Mode: moderation.ArticleClosed,
		UpdateTime: at(3), UpdatedBy: "mod-ravi"}
	if _, err := s.SetArticleSettings(ctx, closed, articleAudit("audit-b1", at(3))); err != nil {
		t.Fatalf("SetArticleSettings(b): %v", err)
	}
	other := moderation.ArticleSettings{Site: "other.example", ArticleID: "a", Mode: moderation.ArticleClosed,
		UpdateTime: at(4)}
	if _, err := s.SetArticleSettings(ctx, other, articleAudit("audit-o1", at(4))); err != nil {
		t.Fatalf("SetArticleSettings(other site): %v", err)
	}
	all, err := s.ListArticleSettings(ctx)
	if err != nil {
		t.Fatalf("ListArticleSettings: %v", err)
	}
	if len(all) != 3 || all[0] != want || all[1] != closed || all[2] != other {
		t.Errorf("ListArticleSettings = %+v, want a, b of %s then a of other.example", all, site)
	}

	// Back to open: no row, audited.
	open := moderation.DefaultArticleSettings(site, "a")
	open.UpdateTime = at(5)
	if old, err := s.SetArticleSettings(ctx, open, articleAudit("audit-a3", at(5))); err != nil || old != want {
		t.Fatalf("SetArticleSettings(open) = %+v, %v; want old %+v", old, err, want)
	}
	if a := articleSettings(t, s, site, "a"); a != moderation.DefaultArticleSettings(site, "a") {
		t.Errorf("settings after reopening = %+v, want open with no times", a)
	}
	if all, _ := s.ListArticleSettings(ctx); len(all) != 2 {
		t.Errorf("ListArticleSettings after reopening = %+v, want b and other.example's a", all)
	}
	if e := auditEvents(t, s)["audit-a3"]; e.Detail != "premoderated, close after 720h0m0s -> open" {
		t.Errorf("audit of reopening = %+v", e)
	}
	if _, err := s.SetArticleSettings(ctx, moderation.ArticleSettings{Site: site, ArticleID: "c", UpdateTime: at(6)},
		articleAudit("audit-c1", at(6))); err == nil {
		t.Error("SetArticleSettings with no mode succeeded")
	}
}

// testArticleSettingsConcurrent: moderators changing one article at once
// each audit the change they made, from the settings before it.
func testArticleSettingsConcurrent(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	modes := []moderation.ArticleMode{moderation.ArticlePremoderated, moderation.ArticleClosed,
		moderation.ArticlePremoderated, moderation.ArticleClosed, moderation.ArticleOpen, moderation.ArticleClosed}
	var wg sync.WaitGroup
	for i, m := range modes {
		wg.Go(func() {
			a := moderation.ArticleSettings{Site: site, ArticleID: "a", Mode: m, UpdateTime: at(i)}
			if _, err := s.SetArticleSettings(ctx, a, articleAudit("audit-"+string(rune('a'+i)), at(i))); err != nil {
				t.Errorf("SetArticleSettings(%v): %v", m, err)
			}
		})
	}
	wg.Wait()
	// The audited changes must chain, from open to where the store ended,
	// each starting where another ended: none was computed from settings
	// another change had already replaced. (Commit order is not audit
	// time order, so the chain is searched for.)
	es, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Target: site + "/a", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var edges [][2]string
	for _, e := range es {
		from, to, ok := cutArrow(e.Detail)
		if !ok || from == to {
			t.Fatalf("audit detail %q is not a change", e.Detail)
		}
		edges = append(edges, [2]string{from, to})
	}
	end := articleSettings(t, s, site, "a").Mode.String()
	used := make([]bool, len(edges))
	var chain func(cur string, n int) bool
	chain = func(cur string, n int) bool {
		if n == len(edges) {
			return cur == end
		}
		for i, e := range edges {
			if !used[i] && e[0] == cur {
				used[i] = true
				if chain(e[1], n+1) {
					return true
				}
				used[i] = false
			}
		}
		return false
	}
	if len(edges) == 0 || !chain("open", 0) {
		t.Errorf("audited changes %v do not chain from open to %s", edges, end)
	}
}

func cutArrow(d string) (string, string, bool) {
	for i := 0; i+4 <= len(d); i++ {
		if d[i:i+4] == " -> " {
			return d[:i], d[i+4:], true
		}
	}
	return "", "", false
}

// testPriorFirstComment: Prior gives the time of the article's earliest
// published comment when asked, and only then; other statuses, articles
// and sites do not count.
func testPriorFirstComment(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	q := moderation.PriorQuery{Site: site, ArticleID: "a", FirstComment: true}
	if p := prior(t, s, q); !p.FirstCommentTime.IsZero() {
		t.Errorf("first comment of an empty article = %v, want none", p.FirstCommentTime)
	}
	elsewhere := newComment("c-0", "a", moderation.StatusPublished, at(0))
	elsewhere.Site = "other.example"
	seed(t, s, []moderation.Comment{
		elsewhere,
		newComment("c-1", "a", moderation.StatusSpam, at(1)),
		newComment("c-2", "a", moderation.StatusPending, at(2)),
		newComment("c-3", "b", moderation.StatusPublished, at(3)),
		newComment("c-5", "a", moderation.StatusPublished, at(5)),
		newComment("c-4", "a", moderation.StatusPublished, at(4).In(ist)),
	})
	if p := prior(t, s, q); !p.FirstCommentTime.Equal(at(4)) || p.FirstCommentTime.Location() != time.UTC {
		t.Errorf("first comment = %v, want %v in UTC", p.FirstCommentTime, at(4))
	}
	q.FirstComment = false
	if p := prior(t, s, q); !p.FirstCommentTime.IsZero() {
		t.Errorf("first comment not asked for = %v, want none", p.FirstCommentTime)
	}
	// With the other lookups, in the same read.
	p := prior(t, s, moderation.PriorQuery{Site: site, RequestID: "none", ArticleID: "a", AuthorKey: "k", Fingerprint: "f", FirstComment: true})
	if !p.FirstCommentTime.Equal(at(4)) || p.Request != nil || p.Duplicate != nil || p.Approved {
		t.Errorf("Prior with every lookup = %+v, want only the first comment at %v", p, at(4))
	}
	if _, _, err := s.UpdateStatus(ctx, approve("c-2", "audit-1", at(6))); err != nil {
		t.Fatal(err)
	}
	if p := prior(t, s, moderation.PriorQuery{Site: site, ArticleID: "a", FirstComment: true}); !p.FirstCommentTime.Equal(at(2)) {
		t.Errorf("first comment after approving an earlier one = %v, want %v", p.FirstCommentTime, at(2))
	}
}
