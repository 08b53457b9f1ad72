package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/ratelimit"
)

func report(id string, r *pb.Reporter, reason pb.ReportReason) *pb.ReportCommentRequest {
	return &pb.ReportCommentRequest{CommentId: id, Reporter: r, Reason: reason, Note: "पढ़िए: this is a personal attack"}
}

func reportedQueue(t *testing.T, mod pb.ModerationServiceClient, token string) []*pb.CommentDetail {
	t.Helper()
	q, err := mod.ListQueue(as(t, token), &pb.ListQueueRequest{Reported: true})
	if err != nil {
		t.Fatalf("ListQueue reported: %v", err)
	}
	return q.GetComments()
}

// Reader reports over gRPC on both stores: one report per reader, three
// readers send a published comment back to the queue with its reports and
// a comment.held webhook, an approval dismisses them and halves the
// readers' weights, and erasing a reader's data removes their reports.
func TestReaderReportsSendACommentBackToTheQueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		r := newHookReceiver(t)
		p := testPolicy()
		p.Webhooks = []moderation.Webhook{{Name: "wp", URL: r.URL, Secret: []byte("a-secret-of-16-bytes-or-more"), Site: "news",
			Events: []string{moderation.EventHeld}, Retry: moderation.DefaultWebhookRetry(), Timeout: 5 * time.Second}}
		conn := startWithCredentialsOn(t, b.open(t), "news:site-key-1,other:site-key-2", "asha:tok-asha:admin,ravi:tok-ravi", moderation.WithPolicy(p))
		comments := pb.NewCommentServiceClient(conn)
		mod := pb.NewModerationServiceClient(conn)
		site := func() context.Context { return as(t, "site-key-1") }

		posted := func(body string) string {
			resp, err := comments.SubmitComment(site(), submission("2026/12/budget", body))
			if err != nil || resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
				t.Fatalf("submit: %v, %v", resp, err)
			}
			return resp.GetComment().GetId()
		}
		id := posted("You are an idiot and so is everyone who reads this paper")

		// Bad requests name every bad field; unknown and other sites' ids are NOT_FOUND.
		_, err := comments.ReportComment(site(), &pb.ReportCommentRequest{CommentId: id, Reporter: &pb.Reporter{Ip: "nope"}})
		if got := violations(t, err); !slices.Equal(got, []string{"reason", "reporter", "reporter.ip"}) {
			t.Errorf("violations %v", got)
		}
		one := &pb.Reporter{Email: "Meera.Iyer@example.in", Ip: "198.51.100.7"}
		if _, err := comments.ReportComment(as(t, "site-key-2"), report(id, one, pb.ReportReason_REPORT_REASON_ABUSE)); status.Code(err) != codes.NotFound {
			t.Errorf("another site's report: %v, want NOT_FOUND", err)
		}

		first, err := comments.ReportComment(site(), report(id, one, pb.ReportReason_REPORT_REASON_ABUSE))
		if err != nil || first.GetDuplicate() || first.GetCommentStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("first report: %v, %v", first, err)
		}
		// The same inbox under a +tag is the same reader: the first report.
		again, err := comments.ReportComment(site(), report(id, &pb.Reporter{Email: "meera.iyer+x@Example.IN"}, pb.ReportReason_REPORT_REASON_SPAM))
		if err != nil || !again.GetDuplicate() || again.GetReportId() != first.GetReportId() {
			t.Fatalf("repeated report: %v, %v; want duplicate of %s", again, err, first.GetReportId())
		}
		two := &pb.Reporter{UserId: "wp-user-42", Ip: "198.51.100.8"}
		if resp, err := comments.ReportComment(site(), report(id, two, pb.ReportReason_REPORT_REASON_ABUSE)); err != nil ||
			resp.GetCommentStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("second report: %v, %v", resp, err)
		}
		q := reportedQueue(t, mod, "tok-ravi")
		if len(q) != 1 || len(q[0].GetReports()) != 2 || q[0].GetReportWeight() != 2 {
			t.Fatalf("reported queue after 2 reports: %v", q)
		}
		if rep := q[0].GetReports()[0]; rep.GetNote() != "पढ़िए: this is a personal attack" || !strings.HasPrefix(rep.GetReporter(), "reader:") ||
			strings.Contains(rep.GetReporter(), "meera") || rep.GetReason() != pb.ReportReason_REPORT_REASON_ABUSE || rep.GetReporterWeight() != 1 {
			t.Errorf("report as moderators see it: %v", rep)
		}

		three := &pb.Reporter{Email: "arjun@example.com", Ip: "198.51.100.9"}
		third, err := comments.ReportComment(site(), report(id, three, pb.ReportReason_REPORT_REASON_OFF_TOPIC))
		if err != nil || third.GetCommentStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
			t.Fatalf("third report: %v, %v; want the comment PENDING", third, err)
		}
		if _, err := comments.GetComment(site(), &pb.GetCommentRequest{Id: id}); status.Code(err) != codes.NotFound {
			t.Errorf("GetComment of the reported comment: %v, want NOT_FOUND", err)
		}
		held, err := mod.ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{})
		if err != nil || len(held.GetComments()) != 1 {
			t.Fatalf("pending queue: %v, %v", held, err)
		}
		d := held.GetComments()[0]
		if rules := ruleNames(d.GetReasons()); !slices.Contains(rules, "reader_reports") || len(d.GetReports()) != 3 || d.GetReportWeight() != 3 {
			t.Errorf("held comment: reasons %v, %d reports, weight %v", rules, len(d.GetReports()), d.GetReportWeight())
		}
		bodies, _ := r.wait(t, 1)
		var hook struct {
			Type    string `json:"type"`
			Reasons []struct {
				Rule string `json:"rule"`
			} `json:"reasons"`
		}
		if err := json.Unmarshal(bodies[0], &hook); err != nil || hook.Type != moderation.EventHeld ||
			len(hook.Reasons) == 0 || hook.Reasons[len(hook.Reasons)-1].Rule != "reader_reports" {
			t.Errorf("webhook body %s", bodies[0])
		}
		audit, err := mod.ListAuditEvents(as(t, "tok-asha"), &pb.ListAuditEventsRequest{Target: id})
		if err != nil || len(audit.GetEvents()) != 1 || audit.GetEvents()[0].GetAction() != "comment.reported" ||
			audit.GetEvents()[0].GetDetail() != "PUBLISHED -> PENDING" {
			t.Errorf("audit %v, %v", audit, err)
		}

		// The moderator approves: the reports are dismissed, and the three
		// readers now weigh 0.5 each, below the threshold together.
		if _, err := mod.ModerateComments(as(t, "tok-ravi"), &pb.ModerateCommentsRequest{Ids: []string{id}, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE}); err != nil {
			t.Fatal(err)
		}
		if q := reportedQueue(t, mod, "tok-ravi"); len(q) != 0 {
			t.Errorf("reported queue after approval: %v", q)
		}
		id2 := posted("Another strongly worded but fair opinion about the budget")
		for _, who := range []*pb.Reporter{one, two, three} {
			resp, err := comments.ReportComment(site(), report(id2, who, pb.ReportReason_REPORT_REASON_ABUSE))
			if err != nil || resp.GetCommentStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
				t.Fatalf("report after dismissal: %v, %v; want the comment still PUBLISHED", resp, err)
			}
		}
		q = reportedQueue(t, mod, "tok-ravi")
		if len(q) != 1 || q[0].GetComment().GetId() != id2 || q[0].GetReportWeight() != 1.5 {
			t.Fatalf("reported queue: %v; want %s at weight 1.5", q, id2)
		}
		// Erasing the first reader's data takes their reports with it.
		if _, err := mod.EraseAuthorData(as(t, "tok-asha"), &pb.EraseAuthorDataRequest{AuthorEmail: "meera.iyer@example.in"}); err != nil {
			t.Fatal(err)
		}
		if q := reportedQueue(t, mod, "tok-ravi"); len(q) != 1 || len(q[0].GetReports()) != 2 {
			t.Errorf("after erasing a reader: %v; want 2 reports left", q)
		}
		// The reported listing takes no other filter.
		_, err = mod.ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{Reported: true, Status: pb.CommentStatus_COMMENT_STATUS_SPAM})
		if got := violations(t, err); !slices.Equal(got, []string{"status"}) {
			t.Errorf("reported with a status: %v", got)
		}
	})
}

func ruleNames(rs []*pb.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.GetRule())
	}
	return out
}

// Reports take the limiter's budget per reader and per IP, in the
// limiter's one call, and a refusal says it is about reports.
func TestReportsAreRateLimited(t *testing.T) {
	p := testPolicy()
	p.RateLimits.Reporter = moderation.Rate{Burst: 2, Every: time.Hour}
	conn := startWithCredentialsOn(t, sqliteStore(t), "news:site-key-1", "ravi:tok-ravi", moderation.WithPolicy(p),
		moderation.WithLimiter(ratelimit.NewMemory()))
	comments := pb.NewCommentServiceClient(conn)
	reader := &pb.Reporter{UserId: "u-1", Ip: "198.51.100.7"}
	for i := range 3 {
		resp, err := comments.SubmitComment(as(t, "site-key-1"), submission("limits", "comment number "+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		_, err = comments.ReportComment(as(t, "site-key-1"), report(resp.GetComment().GetId(), reader, pb.ReportReason_REPORT_REASON_SPAM))
		if i < 2 {
			if err != nil {
				t.Fatalf("report %d: %v", i, err)
			}
			continue
		}
		_, subjects := exhausted(t, err)
		if len(subjects) != 1 || !strings.HasPrefix(subjects[0], "reporter:") || !strings.Contains(status.Convert(err).Message(), "too many reports from this reader") {
			t.Errorf("refusal %v, subjects %v", err, subjects)
		}
	}
}
