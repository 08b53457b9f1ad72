package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// publishAll publishes every comment: reports are about published ones.
const publishAll = `rules:
  first_time_hold: false
rate_limits:
  client_ip: {burst: 0, every: 1s}
  author_email: {burst: 0, every: 1s}
  network: {burst: 0, every: 1s}
`

// TestReportedComments: queue --reported lists the comments readers
// reported, most reported first, in any status; the third reader's report
// sends a comment back to the queue, where show lists its reports; an
// approval dismisses them.
func TestReportedComments(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: st.db(t), Policy: publishAll, Env: []string{moderators, sites}})
			c := dialT(t, srv.Addr)
			const article = "2026/12/budget"
			rude := submit(t, c, article, "Troll", "troll@example.net", "Everyone who reads this paper is an idiot")
			mild := submit(t, c, article, "Kavya", "kavya@example.in", "I think the second table is wrong")
			reportBy := func(id, email string, reason pb.ReportReason) *pb.ReportCommentResponse {
				t.Helper()
				resp, err := c.Comments.ReportComment(ctxT(t), &pb.ReportCommentRequest{CommentId: id,
					Reporter: &pb.Reporter{Email: email, Ip: "198.51.100.7"}, Reason: reason, Note: "not OK"})
				if err != nil {
					t.Fatalf("report: %v", err)
				}
				return resp
			}
			reportBy(rude, "a@example.com", pb.ReportReason_REPORT_REASON_ABUSE)
			reportBy(rude, "b@example.com", pb.ReportReason_REPORT_REASON_ABUSE)
			reportBy(mild, "a@example.com", pb.ReportReason_REPORT_REASON_OFF_TOPIC)

			r := ctl(t, srv.Addr, "", "queue", "--reported")
			r.wantCode(t, 0, "queue --reported")
			out := lines(r.stdout)
			if len(out) != 3 || !strings.Contains(out[0], "REPORTS") || !strings.HasPrefix(out[1], rude+" ") || !strings.HasPrefix(out[2], mild+" ") ||
				!strings.Contains(out[1], "2 (2.0): abuse×2") || !strings.Contains(out[1], "published") {
				t.Fatalf("queue --reported printed:\n%s", r.stdout)
			}
			if resp := reportBy(rude, "c@example.com", pb.ReportReason_REPORT_REASON_SPAM); resp.GetCommentStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
				t.Fatalf("third report: %v, want the comment PENDING", resp)
			}
			r = ctl(t, srv.Addr, "", "queue", "-o", "ids")
			r.wantCode(t, 0, "queue")
			if got := lines(r.stdout); !slices.Equal(got, []string{rude}) {
				t.Errorf("pending queue %q, want the reported comment", got)
			}
			r = ctl(t, srv.Addr, "", "show", rude)
			r.wantCode(t, 0, "show")
			if !strings.Contains(r.stdout, "reader_reports") || strings.Count(r.stdout, "reader:") != 3 || !strings.Contains(r.stdout, "“not OK”") {
				t.Errorf("show printed:\n%s", r.stdout)
			}
			ctl(t, srv.Addr, "", "approve", rude).wantCode(t, 0, "approve")
			r = ctl(t, srv.Addr, "", "queue", "--reported", "-o", "ids")
			r.wantCode(t, 0, "queue --reported -o ids")
			if got := lines(r.stdout); !slices.Equal(got, []string{mild}) {
				t.Errorf("reported after approval %q, want only %s", got, mild)
			}
			ctl(t, srv.Addr, "", "queue", "--reported", "--status", "spam").wantCode(t, 2, "queue --reported --status")
		})
	}
}
