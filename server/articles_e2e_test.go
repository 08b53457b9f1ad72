package server_test

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func setArticle(t *testing.T, c *client, article string, mode pb.ArticleMode, closeAfter time.Duration) *pb.ArticleSettings {
	t.Helper()
	req := &pb.SetArticleSettingsRequest{Site: "default", ArticleId: article, Mode: mode, Note: "comment section policy"}
	if closeAfter > 0 {
		req.CloseAfter = durationpb.New(closeAfter)
	}
	resp, err := c.mod.SetArticleSettings(ctxT(t), req)
	if err != nil {
		t.Fatalf("SetArticleSettings(%s, %v): %v", article, mode, err)
	}
	return resp.GetSettings()
}

// wantArticleClosed fails t unless err is FAILED_PRECONDITION with one
// ARTICLE_CLOSED violation on article.
func wantArticleClosed(t *testing.T, err error, article string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.FailedPrecondition {
		t.Fatalf("error %v, want FAILED_PRECONDITION", err)
	}
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok && len(pf.GetViolations()) == 1 &&
			pf.GetViolations()[0].GetType() == "ARTICLE_CLOSED" && pf.GetViolations()[0].GetSubject() == article {
			return
		}
	}
	t.Fatalf("details %v, want a PreconditionFailure ARTICLE_CLOSED on %s", st.Details(), article)
}

// A premoderated article holds what the rules would publish; a closed one
// refuses new comments, validate-only ones too, and GetArticleSettings
// says so; the changes are audited.
func TestArticleModes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		ctx := ctxT(t)
		if r := submit(t, c, submission("budget", "A fair report.")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("before: %v", r.GetStatus())
		}

		s := setArticle(t, c, "budget", pb.ArticleMode_ARTICLE_MODE_PREMODERATED, 0)
		if s.GetMode() != pb.ArticleMode_ARTICLE_MODE_PREMODERATED || s.GetUpdatedBy() == "" || s.GetClosed() {
			t.Errorf("settings %v, want premoderated, open", s)
		}
		r := submit(t, c, submission("budget", "A fair point, held now."))
		if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || len(r.GetReasons()) != 1 || r.GetReasons()[0].GetRule() != "article_premoderated" {
			t.Errorf("premoderated: %v %v, want pending by article_premoderated", r.GetStatus(), r.GetReasons())
		}
		if r := submit(t, c, submission("other", "Elsewhere, published.")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("another article: %v, want published", r.GetStatus())
		}

		s = setArticle(t, c, "budget", pb.ArticleMode_ARTICLE_MODE_CLOSED, 0)
		if !s.GetClosed() {
			t.Errorf("settings %v, want closed", s)
		}
		_, err := c.SubmitComment(ctx, submission("budget", "Too late?"))
		wantArticleClosed(t, err, "budget")
		check := submission("budget", "Too late?")
		check.ValidateOnly = true
		_, err = c.SubmitComment(ctx, check)
		wantArticleClosed(t, err, "budget")

		got, err := c.mod.GetArticleSettings(ctx, &pb.GetArticleSettingsRequest{Site: "default", ArticleId: "budget"})
		if err != nil || got.GetSettings().GetMode() != pb.ArticleMode_ARTICLE_MODE_CLOSED || !got.GetSettings().GetClosed() ||
			got.GetSettings().GetUpdateTime() == nil {
			t.Errorf("GetArticleSettings = %v, %v; want closed with its update time", got, err)
		}
		events, err := c.mod.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{Target: "default/budget"})
		if err != nil || len(events.GetEvents()) != 2 || events.GetEvents()[0].GetDetail() != "premoderated -> closed" ||
			events.GetEvents()[1].GetDetail() != "open -> premoderated" || events.GetEvents()[0].GetAction() != "article.settings" {
			t.Errorf("audit = %v, %v; want open -> premoderated -> closed", events.GetEvents(), err)
		}

		// close-after: a day after the first comment made above.
		s = setArticle(t, c, "budget", pb.ArticleMode_ARTICLE_MODE_OPEN, 24*time.Hour)
		if s.GetClosed() || s.GetFirstCommentTime() == nil || s.GetCloseTime() == nil ||
			!s.GetCloseTime().AsTime().Equal(s.GetFirstCommentTime().AsTime().Add(24*time.Hour)) {
			t.Errorf("settings %v, want open, closing a day after the first comment", s)
		}
		if r := submit(t, c, submission("budget", "Open again.")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("reopened: %v, want published", r.GetStatus())
		}

		_, err = c.mod.SetArticleSettings(ctx, &pb.SetArticleSettingsRequest{Site: "default", ArticleId: "budget", CloseAfter: durationpb.New(-time.Second)})
		if got := violations(t, err); len(got) != 2 {
			t.Errorf("violations %v, want mode and close_after", got)
		}
	})
}

// A change of an article's settings made through one replica reaches
// another on the same database at its next rules poll (every 2 seconds by
// default).
func TestArticleSettingsReachAnotherReplica(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := start(t, b.open(t))
		other := start(t, b.open(t))
		ctx := ctxT(t)
		if r := submit(t, other, submission("replicas", "Before.")); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("before: %v", r.GetStatus())
		}
		setArticle(t, a, "replicas", pb.ArticleMode_ARTICLE_MODE_CLOSED, 0)
		changed := time.Now()
		check := submission("replicas", "After?")
		check.ValidateOnly = true
		for {
			_, err := other.SubmitComment(ctx, check)
			if err != nil {
				wantArticleClosed(t, err, "replicas")
				break
			}
			time.Sleep(50 * time.Millisecond) // until ctx's deadline fails the call
		}
		t.Logf("the other replica refused %v after the change", time.Since(changed).Round(10*time.Millisecond))
	})
}
