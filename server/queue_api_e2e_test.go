package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// holding is testPolicy holding every comment.
func holding() moderation.Policy {
	p := testPolicy()
	p.DefaultStatus = moderation.StatusPending
	return p
}

// TestListQueueSaysItsTotal: every page of the queue says how many
// comments its filters select over all pages, on both stores.
func TestListQueueSaysItsTotal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t), moderation.WithPolicy(holding()))
		for i := range 7 {
			submit(t, c, submission("total-a", fmt.Sprintf("held on a %d", i)))
		}
		for i := range 3 {
			submit(t, c, submission("total-b", fmt.Sprintf("held on b %d", i)))
		}
		req := &pb.ListQueueRequest{PageSize: 4}
		var pages, listed int
		for {
			resp, err := c.mod.ListQueue(ctxT(t), req)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			listed += len(resp.GetComments())
			if resp.GetTotalSize() != 10 || resp.GetTotalIsEstimate() {
				t.Errorf("page %d: total %d (estimate %v), want 10 exactly", pages, resp.GetTotalSize(), resp.GetTotalIsEstimate())
			}
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
		if pages != 3 || listed != 10 {
			t.Errorf("%d pages, %d comments; want 3 and 10", pages, listed)
		}
		for _, tc := range []struct {
			req  *pb.ListQueueRequest
			want int64
		}{
			{&pb.ListQueueRequest{ArticleId: "total-b", PageSize: 1}, 3},
			{&pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_SPAM}, 0},
			{&pb.ListQueueRequest{Reported: true}, 0},
		} {
			resp, err := c.mod.ListQueue(ctxT(t), tc.req)
			if err != nil || resp.GetTotalSize() != tc.want {
				t.Errorf("%v: total %d, %v; want %d", tc.req, resp.GetTotalSize(), err, tc.want)
			}
		}
	})
}

// TestModerateCommentsReportsAMalformedIDAsItsOutcome: a malformed id is
// INVALID_ARGUMENT in its own result and the others are acted on, on both
// stores.
func TestModerateCommentsReportsAMalformedIDAsItsOutcome(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t), moderation.WithPolicy(holding()))
		id := submit(t, c, submission("malformed", "held")).GetComment().GetId()
		resp, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{
			Ids:    []string{"not an id!", id, "0198f1a2-0000-7000-8000-000000000000"},
			Action: pb.ModerationAction_MODERATION_ACTION_APPROVE,
		})
		if err != nil {
			t.Fatalf("ModerateComments: %v", err)
		}
		got := resp.GetResults()
		if len(got) != 3 {
			t.Fatalf("%d results, want 3", len(got))
		}
		if got[0].GetId() != "not an id!" || codes.Code(got[0].GetCode()) != codes.InvalidArgument || got[0].GetMessage() == "" || got[0].GetChanged() {
			t.Errorf("the malformed id: %v", got[0])
		}
		if got[1].GetId() != id || got[1].GetCode() != 0 || got[1].GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || !got[1].GetChanged() {
			t.Errorf("the held comment: %v", got[1])
		}
		if codes.Code(got[2].GetCode()) != codes.NotFound {
			t.Errorf("the unknown id: %v", got[2])
		}
		if r, err := c.GetComment(ctxT(t), &pb.GetCommentRequest{Id: id}); err != nil || r.GetComment().GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("the approved comment reads %v, %v", r, err)
		}
	})
}

// TestModeratorChecksAgainstASite: a moderator's token checks a comment
// against a named site's rules through CommentService, without the
// site's key, on both stores; it stores nothing, and it cannot submit.
func TestModeratorChecksAgainstASite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		st := b.open(t)
		conn := startWithCredentialsOn(t, st, "news:key-news,blog:key-blog", "ravi:tok-ravi",
			moderation.WithPolicy(sitePolicy(t, "sites:\n  news:\n    default_status: pending\n")))
		comments := pb.NewCommentServiceClient(conn)
		check := func(site string) (*pb.SubmitCommentResponse, error) {
			req := submission("checked", "A plain comment")
			req.ValidateOnly, req.Site = true, site
			return comments.SubmitComment(as(t, "tok-ravi"), req)
		}
		for site, want := range map[string]pb.CommentStatus{
			"news": pb.CommentStatus_COMMENT_STATUS_PENDING,
			"blog": pb.CommentStatus_COMMENT_STATUS_PUBLISHED,
		} {
			r, err := check(site)
			if err != nil || r.GetStatus() != want {
				t.Errorf("checked against %s: %v, %v; want %v", site, r.GetStatus(), err, want)
			}
		}
		if _, err := check(""); status.Code(err) != codes.InvalidArgument {
			t.Errorf("a moderator's check naming no site: %v, want INVALID_ARGUMENT", err)
		}
		req := submission("checked", "stored by a moderator?")
		req.Site = "news"
		if _, err := comments.SubmitComment(as(t, "tok-ravi"), req); status.Code(err) != codes.PermissionDenied {
			t.Errorf("a moderator's submission: %v, want PERMISSION_DENIED", err)
		}
		if _, err := comments.ListComments(as(t, "tok-ravi"), &pb.ListCommentsRequest{ArticleId: "checked"}); status.Code(err) != codes.PermissionDenied {
			t.Errorf("a moderator reading CommentService: %v, want PERMISSION_DENIED", err)
		}
		n, err := st.CountComments(ctxT(t), moderation.Filter{Statuses: []moderation.Status{moderation.StatusPublished, moderation.StatusPending}, Limit: 10})
		if err != nil || n != 0 {
			t.Errorf("%d comments stored, %v; want none", n, err)
		}
	})
}

// resumeToken is the token a stream's headers say it starts after.
func resumeToken(t *testing.T, w pb.ModerationService_WatchQueueClient) string {
	t.Helper()
	md, err := w.Header()
	if err != nil {
		t.Fatal(err)
	}
	v := md.Get("commentd-resume-token")
	if len(v) != 1 || v[0] == "" {
		t.Fatalf("headers %v carry no resume token", md)
	}
	return v[0]
}

// TestWatchQueueResumesFromItsToken: a watcher that resumes with the
// token of its last message gets exactly what was held after it, even
// held while it was away; one that resumes with a token older than the
// pruned log gets OUT_OF_RANGE naming resume_token. Both stores.
func TestWatchQueueResumesFromItsToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		st := b.open(t)
		c := start(t, st, moderation.WithPolicy(holding()))
		ctx, cancel := context.WithCancel(ctxT(t))
		w, err := c.mod.WatchQueue(ctx, &pb.WatchQueueRequest{})
		if err != nil {
			t.Fatal(err)
		}
		first := resumeToken(t, w)
		a := submit(t, c, submission("resume", "first")).GetComment().GetId()
		m, err := w.Recv()
		if err != nil || m.GetComment().GetComment().GetId() != a || m.GetResumeToken() == "" ||
			m.GetHeldStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
			t.Fatalf("first message: %v, %v", m, err)
		}
		cancel() // the watcher goes away
		var away []string
		for i := range 3 {
			away = append(away, submit(t, c, submission("resume", fmt.Sprintf("away %d", i))).GetComment().GetId())
		}
		got, marker := recvN(t, c, &pb.WatchQueueRequest{ResumeToken: m.GetResumeToken()}, 3)
		if fmt.Sprint(got) != fmt.Sprint(away) {
			t.Errorf("resumed after the first: %v, want %v", got, away)
		}
		// The headers' token of a stream that sent nothing resumes too.
		want := append(append([]string{a}, away...), marker)
		if got, _ := recvN(t, c, &pb.WatchQueueRequest{ResumeToken: first}, 5); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("resumed from the start: %v, want %v", got, want)
		}
		head, err := c.mod.WatchQueue(ctxT(t), &pb.WatchQueueRequest{})
		if err != nil {
			t.Fatal(err)
		}
		headToken := resumeToken(t, head)

		for _, tc := range []struct{ name, token string }{{"garbage", "not a token"}} {
			s, err := c.mod.WatchQueue(ctxT(t), &pb.WatchQueueRequest{ResumeToken: tc.token})
			if err == nil {
				_, err = s.Recv()
			}
			if status.Code(err) != codes.InvalidArgument {
				t.Errorf("%s: %v, want INVALID_ARGUMENT", tc.name, err)
			}
		}
		// Retention: a week later the log is pruned past the first token.
		if _, err := st.PruneQueueEvents(ctxT(t), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		s, err := c.mod.WatchQueue(ctxT(t), &pb.WatchQueueRequest{ResumeToken: first})
		if err == nil {
			_, err = s.Recv()
		}
		if status.Code(err) != codes.OutOfRange || !namesField(err, "resume_token") {
			t.Errorf("resuming past the pruned log: %v, want OUT_OF_RANGE on resume_token", err)
		}
		// A token at the head is still good: nothing was lost after it.
		recvN(t, c, &pb.WatchQueueRequest{ResumeToken: headToken}, 0)
	})
}

// namesField reports whether err carries a BadRequest naming field.
func namesField(err error, field string) bool {
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}

// recvN watches with req until it has n comments, then submits one more
// held comment as a marker and checks that it comes next: nothing beyond
// the n arrived in between. It returns the n ids and the marker's.
func recvN(t *testing.T, c *client, req *pb.WatchQueueRequest, n int) ([]string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	w, err := c.mod.WatchQueue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for len(ids) < n {
		m, err := w.Recv()
		if err != nil {
			t.Fatalf("after %d of %d: %v", len(ids), n, err)
		}
		ids = append(ids, m.GetComment().GetComment().GetId())
	}
	marker := submit(t, c, submission("resume-marker", fmt.Sprintf("marker %d", time.Now().UnixNano()))).GetComment().GetId()
	m, err := w.Recv()
	if err != nil || m.GetComment().GetComment().GetId() != marker {
		t.Fatalf("after the %d expected (%v): %v, %v; want the marker %s", n, ids, m.GetComment().GetComment().GetId(), err, marker)
	}
	return ids, marker
}
