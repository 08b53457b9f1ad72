package moderation_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

func setArticle(t *testing.T, svc *moderation.Service, article string, mode moderation.ArticleMode, closeAfter time.Duration) moderation.ArticleState {
	t.Helper()
	st, err := svc.SetArticleSettings(context.Background(), moderation.ArticleSettingsRequest{
		Site: "news", ArticleID: article, Mode: mode, CloseAfter: closeAfter, Actor: "asha", Note: "reader complaints",
	})
	if err != nil {
		t.Fatalf("SetArticleSettings(%s, %v): %v", article, mode, err)
	}
	return st
}

// wantClosed fails t unless err refuses a comment on a closed article.
func wantClosed(t *testing.T, err error, article, says string) {
	t.Helper()
	e := wantError(t, err, moderation.CodeFailedPrecondition)
	if len(e.Precondition) != 1 || e.Precondition[0].Type != "ARTICLE_CLOSED" || e.Precondition[0].Subject != article ||
		!strings.Contains(e.ClientMessage(), says) {
		t.Fatalf("refusal %q %+v, want ARTICLE_CLOSED on %s saying %q", e.ClientMessage(), e.Precondition, article, says)
	}
}

// A premoderated article holds every comment the rules would publish, for
// validate-only calls too, and files spam as spam.
func TestPremoderatedArticleHoldsEveryComment(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(returning)))
	ctx := context.Background()
	setArticle(t, svc, "2026/12/budget", moderation.ArticlePremoderated, 0)

	c := mustSubmit(t, svc, submission("A fair and careful report."), moderation.StatusPending)
	if !slices.Equal(ruleNames(c.Reasons), []string{"article_premoderated"}) {
		t.Errorf("reasons %q, want article_premoderated alone", ruleNames(c.Reasons))
	}
	check := submission("Another fair point.")
	check.ValidateOnly = true
	if res, err := svc.Submit(ctx, check); err != nil || res.Comment.Status != moderation.StatusPending {
		t.Errorf("validate-only on a premoderated article: %+v, %v; want pending", res.Comment, err)
	}
	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, []string{"lucky draw"}, nil); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, svc, submission("Enter the lucky draw"), moderation.StatusSpam)

	// Another article of the site, and the same article id on another
	// site, are open.
	other := submission("A fair point elsewhere.")
	other.ArticleID = "2026/12/other"
	mustSubmit(t, svc, other, moderation.StatusPublished)
	otherSite := submission("A fair point on another site.")
	otherSite.Site = "sport"
	mustSubmit(t, svc, otherSite, moderation.StatusPublished)

	// Open again: published again.
	setArticle(t, svc, "2026/12/budget", moderation.ArticleOpen, 0)
	mustSubmit(t, svc, submission("Open again, a fair point."), moderation.StatusPublished)
}

// The learned rule vouching for a comment lifts hints, never a
// moderator's premoderation.
func TestLearnedVouchingNeverLiftsPremoderation(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(learning)))
	decideAll(t, svc, rand.New(rand.NewPCG(7, 8)), 20)
	setArticle(t, svc, "2026/12/budget", moderation.ArticlePremoderated, 0)
	c := mustSubmit(t, svc, submission("बहुत अच्छी रिपोर्ट, sahi baat hai kisan ke liye budget"), moderation.StatusPending)
	if lr, ok := learnedReason(c.Reasons); !ok || lr.Action != moderation.RuleAllow {
		t.Fatalf("reasons %+v, want the learned rule vouching", c.Reasons)
	}
	if !slices.Contains(ruleNames(c.Reasons), "article_premoderated") {
		t.Errorf("reasons %q, want article_premoderated", ruleNames(c.Reasons))
	}
}

// A closed article refuses new comments, validate-only ones too, storing
// nothing; a retry of a comment stored before it closed gets its answer.
func TestClosedArticleRefusesNewComments(t *testing.T) {
	st := newStore(t)
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	ctx := context.Background()
	before := submission("Posted before it closed.")
	before.RequestID = "req-before"
	first := mustSubmit(t, svc, before, moderation.StatusPublished)

	setArticle(t, svc, "2026/12/budget", moderation.ArticleClosed, 0)
	_, err := svc.Submit(ctx, submission("Too late?"))
	wantClosed(t, err, "2026/12/budget", "the article is closed to new comments")
	check := submission("Too late?")
	check.ValidateOnly = true
	_, err = svc.Submit(ctx, check)
	wantClosed(t, err, "2026/12/budget", "closed")
	if n := len(everyComment(t, st)); n != 1 {
		t.Errorf("%d comments stored, want only the one from before", n)
	}
	if res, err := svc.Submit(ctx, before); err != nil || res.Comment.ID != first.ID {
		t.Errorf("retry of a comment stored before closing: %+v, %v; want its first answer", res.Comment, err)
	}
	other := submission("Open here.")
	other.ArticleID = "2026/12/other"
	mustSubmit(t, svc, other, moderation.StatusPublished)
}

// close-after closes an article that long after its first published
// comment; an article without one stays open.
func TestCloseAfterFirstComment(t *testing.T) {
	clk := newClock()
	svc := newService(t, moderation.WithPolicy(policy(returning)), clk.Option())
	ctx := context.Background()
	st := setArticle(t, svc, "2026/12/budget", moderation.ArticlePremoderated, 720*time.Hour)
	if st.Closed || !st.CloseTime.IsZero() {
		t.Fatalf("state without comments %+v, want open, no close time", st)
	}
	// Held comments do not start the clock; the first published one does.
	held := mustSubmit(t, svc, submission("First, held."), moderation.StatusPending)
	clk.Advance(time.Hour)
	setArticle(t, svc, "2026/12/budget", moderation.ArticleOpen, 720*time.Hour)
	if st, _ := svc.GetArticleSettings(ctx, "news", "2026/12/budget"); !st.FirstCommentTime.IsZero() {
		t.Fatalf("first comment %v while the only one is held, want none", st.FirstCommentTime)
	}
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{held.ID}, Action: moderation.ActionApprove}); err != nil {
		t.Fatal(err)
	}
	st, err := svc.GetArticleSettings(ctx, "news", "2026/12/budget")
	if err != nil || !st.FirstCommentTime.Equal(held.CreateTime) || !st.CloseTime.Equal(held.CreateTime.Add(720*time.Hour)) || st.Closed {
		t.Fatalf("GetArticleSettings = %+v, %v; want closing 720h after %v", st, err, held.CreateTime)
	}
	clk.Advance(718 * time.Hour) // 719h after the first comment: open still
	mustSubmit(t, svc, submission("Just in time."), moderation.StatusPublished)
	clk.Advance(time.Hour) // 720h: closed
	_, err = svc.Submit(ctx, submission("Too late."))
	wantClosed(t, err, "2026/12/budget", "720h0m0s after its first comment")
	if st, _ := svc.GetArticleSettings(ctx, "news", "2026/12/budget"); !st.Closed {
		t.Errorf("GetArticleSettings after the close time = %+v, want closed", st)
	}
	// Lifting close-after opens it again.
	setArticle(t, svc, "2026/12/budget", moderation.ArticleOpen, 0)
	mustSubmit(t, svc, submission("Reopened."), moderation.StatusPublished)
}

// Changes are audited as "OLD -> NEW" with the moderator's note; setting
// what is already set audits nothing.
func TestArticleSettingsAudited(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	setArticle(t, svc, "a1", moderation.ArticlePremoderated, 0)
	setArticle(t, svc, "a1", moderation.ArticlePremoderated, 0)
	setArticle(t, svc, "a1", moderation.ArticleClosed, 48*time.Hour)
	es, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{Target: "news/a1"}, moderation.Page{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if e.Action != "article.settings" || e.Actor != "asha" || e.Note != "reader complaints" {
			t.Errorf("audit event %+v", e)
		}
		got = append(got, e.Detail)
	}
	want := []string{"premoderated -> closed, close after 48h0m0s", "open -> premoderated"}
	if !slices.Equal(got, want) {
		t.Errorf("audit details %q, want %q", got, want)
	}
}

func TestArticleSettingsValidated(t *testing.T) {
	svc := newService(t)
	_, err := svc.SetArticleSettings(context.Background(), moderation.ArticleSettingsRequest{
		ArticleID: "", Mode: moderation.ArticleModeUnspecified, CloseAfter: -time.Second,
	})
	wantError(t, err, moderation.CodeInvalid,
		violation("site", "is required"), violation("article_id", "is required"),
		violation("mode", "must be OPEN, PREMODERATED or CLOSED"), violation("close_after", "must not be negative"))
	_, err = svc.SetArticleSettings(context.Background(), moderation.ArticleSettingsRequest{
		Site: "news", ArticleID: "a", Mode: moderation.ArticleOpen, CloseAfter: 1500 * time.Millisecond,
	})
	wantError(t, err, moderation.CodeInvalid, violation("close_after", "must be whole seconds"))
	_, err = svc.GetArticleSettings(context.Background(), "news", "")
	wantError(t, err, moderation.CodeInvalid, violation("article_id", "is required"))
}

func (s *countingStore) ArticleSettings(ctx context.Context, site, articleID string) (moderation.ArticleSettings, error) {
	s.calls.Add(1)
	return s.Store.ArticleSettings(ctx, site, articleID)
}

func (s *countingStore) ListArticleSettings(ctx context.Context) ([]moderation.ArticleSettings, error) {
	s.calls.Add(1)
	return s.Store.ListArticleSettings(ctx)
}

// A submission reads nothing more of the store for an article's settings,
// close-after included: the one Prior read answers it.
func TestArticleSettingsCostNoStoreRead(t *testing.T) {
	st := &countingStore{Store: newStore(t)}
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	calls := func(sub moderation.Submission, want moderation.Status) int64 {
		before := st.n()
		mustSubmit(t, svc, sub, want)
		return st.n() - before
	}
	plain := calls(submission("A plain comment."), moderation.StatusPublished)
	setArticle(t, svc, "2026/12/budget", moderation.ArticlePremoderated, 24*time.Hour)
	if got := calls(submission("A premoderated comment."), moderation.StatusPending); got != plain {
		t.Errorf("%d store calls on a premoderated, closing article, want %d as on any", got, plain)
	}
}

// A replica that runs follows another replica's change of an article's
// settings.
func TestArticleSettingsFollowOtherReplicas(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := newStore(t)
	here := newServiceOn(t, st, moderation.WithPolicy(policy(returning)))
	there := newServiceOn(t, st, moderation.WithPolicy(policy(returning)), moderation.WithRulesPoll(time.Millisecond))
	ran := make(chan struct{})
	go func() { defer close(ran); there.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	mustSubmit(t, there, submission("Before."), moderation.StatusPublished)
	setArticle(t, here, "2026/12/budget", moderation.ArticleClosed, 0)
	check := submission("After?")
	check.ValidateOnly = true
	// Wait for the poll, however long the machine takes; the test's own
	// deadline bounds it.
	for {
		_, err := there.Submit(ctx, check)
		if err != nil {
			wantClosed(t, err, "2026/12/budget", "closed")
			break
		}
		time.Sleep(time.Millisecond)
	}
}
