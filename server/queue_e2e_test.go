package server_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestListQueueRefusesBadFilters: every filter is checked before it
// reaches the store, with the field named; none answers INTERNAL.
func TestListQueueRefusesBadFilters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		resp := submit(t, c, submission("filters", "hello"))
		published := pb.CommentStatus_COMMENT_STATUS_PUBLISHED

		for _, tc := range []struct {
			name string
			req  *pb.ListQueueRequest
			want []string
			msg  string
		}{
			{"start_time far before year 1", &pb.ListQueueRequest{StartTime: &timestamppb.Timestamp{Seconds: -1 << 40}},
				[]string{"start_time"}, "invalid request: start_time must be a time between the years 1 and 9999"},
			{"end_time far after year 9999", &pb.ListQueueRequest{EndTime: &timestamppb.Timestamp{Seconds: 1 << 40}},
				[]string{"end_time"}, "invalid request: end_time must be a time between the years 1 and 9999"},
			{"negative nanos", &pb.ListQueueRequest{StartTime: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}},
				[]string{"start_time"}, ""},
			{"NUL in author_email", &pb.ListQueueRequest{AuthorEmail: "a\x00b@example.com"}, []string{"author_email"}, ""},
			{"not an email", &pb.ListQueueRequest{AuthorEmail: "not-an-email"},
				[]string{"author_email"}, "invalid request: author_email must be one email address such as name@example.com"},
			{"unknown order", &pb.ListQueueRequest{Order: 99},
				[]string{"order"}, "invalid request: order is not a known sort order"},
			{"every transport field at once", &pb.ListQueueRequest{Order: 99, StartTime: &timestamppb.Timestamp{Seconds: math.MinInt64},
				EndTime: &timestamppb.Timestamp{Nanos: 1e9}}, []string{"end_time", "order", "start_time"}, ""},
		} {
			_, err := c.mod.ListQueue(ctxT(t), tc.req)
			if got := violations(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("%s: violations %v, want %v", tc.name, got, tc.want)
			}
			if msg := status.Convert(err).Message(); tc.msg != "" && msg != tc.msg {
				t.Errorf("%s: message %q, want %q", tc.name, msg, tc.msg)
			}
		}

		// The widest valid range, years 1 to 9999, works on both stores.
		q, err := c.mod.ListQueue(ctxT(t), &pb.ListQueueRequest{
			Status:    published,
			StartTime: &timestamppb.Timestamp{Seconds: -62135596800},
			EndTime:   &timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999999},
			Order:     pb.SortOrder_SORT_ORDER_OLDEST_FIRST,
		})
		if err != nil || len(q.GetComments()) != 1 || q.GetComments()[0].GetComment().GetId() != resp.GetComment().GetId() {
			t.Errorf("ListQueue over years 1 to 9999 = %v, %v; want the one comment", q, err)
		}
	})
}

// readerData is what a moderator view shows of the reader behind a comment.
func readerData(d *pb.CommentDetail) [4]string {
	return [4]string{d.GetAuthorEmail(), d.GetClient().GetIp(), d.GetClient().GetUserAgent(), d.GetClient().GetReferrer()}
}

// TestReaderDataReachesModeratorsOnlyForHeldComments: a moderator sees the
// email, IP, user agent and referrer of the comments they must judge
// (PENDING and SPAM) and of no other, in ListQueue, GetCommentDetail and
// WatchQueue; searching other comments by email is an admin's, audited
// like an export.
func TestReaderDataReachesModeratorsOnlyForHeldComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		pending := testPolicy()
		pending.DefaultStatus = moderation.StatusPending
		conn := startWithCredentialsOn(t, b.open(t), "news:site-key", "asha:tok-asha:admin,ravi:tok-ravi",
			moderation.WithPolicy(pending), moderation.WithBus(notify.NewLocal()))
		comments := pb.NewCommentServiceClient(conn)
		mod := pb.NewModerationServiceClient(conn)

		// One comment in each status, each by its own reader.
		actions := map[pb.CommentStatus]pb.ModerationAction{
			pb.CommentStatus_COMMENT_STATUS_PENDING:   pb.ModerationAction_MODERATION_ACTION_UNSPECIFIED,
			pb.CommentStatus_COMMENT_STATUS_SPAM:      pb.ModerationAction_MODERATION_ACTION_MARK_SPAM,
			pb.CommentStatus_COMMENT_STATUS_PUBLISHED: pb.ModerationAction_MODERATION_ACTION_APPROVE,
			pb.CommentStatus_COMMENT_STATUS_REJECTED:  pb.ModerationAction_MODERATION_ACTION_REJECT,
			pb.CommentStatus_COMMENT_STATUS_DELETED:   pb.ModerationAction_MODERATION_ACTION_DELETE,
		}
		ids, full := map[pb.CommentStatus]string{}, map[pb.CommentStatus][4]string{}
		for st, action := range actions {
			req := submission("reader-data", "a comment that will be "+st.String())
			resp, err := comments.SubmitComment(as(t, "site-key"), req)
			if err != nil {
				t.Fatal(err)
			}
			id := resp.GetComment().GetId()
			ids[st] = id
			full[st] = [4]string{req.GetAuthor().GetEmail(), req.GetClient().GetIp(), req.GetClient().GetUserAgent(), req.GetClient().GetReferrer()}
			if action != pb.ModerationAction_MODERATION_ACTION_UNSPECIFIED {
				if _, err := mod.ModerateComments(as(t, "tok-asha"), &pb.ModerateCommentsRequest{Ids: []string{id}, Action: action}); err != nil {
					t.Fatal(err)
				}
			}
		}

		for st := range actions {
			heldByRule := st == pb.CommentStatus_COMMENT_STATUS_PENDING || st == pb.CommentStatus_COMMENT_STATUS_SPAM
			for _, who := range []string{"tok-ravi", "tok-asha"} {
				want := full[st]
				if who == "tok-ravi" && !heldByRule {
					want = [4]string{}
				}
				q, err := mod.ListQueue(as(t, who), &pb.ListQueueRequest{Status: st})
				if err != nil || len(q.GetComments()) != 1 || q.GetComments()[0].GetComment().GetId() != ids[st] {
					t.Fatalf("%s: ListQueue(%v) = %v, %v; want the one comment", who, st, q, err)
				}
				if got := readerData(q.GetComments()[0]); got != want {
					t.Errorf("%s: ListQueue(%v) shows reader data %q, want %q", who, st, got, want)
				}
				d, err := mod.GetCommentDetail(as(t, who), &pb.GetCommentDetailRequest{Id: ids[st]})
				if err != nil {
					t.Fatal(err)
				}
				if got := readerData(d.GetComment()); got != want {
					t.Errorf("%s: GetCommentDetail of a %v comment shows reader data %q, want %q", who, st, got, want)
				}
			}
		}

		// Held comments may be searched by email; any other status needs an admin.
		pendingEmail := full[pb.CommentStatus_COMMENT_STATUS_PENDING][0]
		if q, err := mod.ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{AuthorEmail: pendingEmail}); err != nil || len(q.GetComments()) != 1 {
			t.Errorf("a moderator searching PENDING by email: %v, %v; want the one comment", q, err)
		}
		publishedEmail := full[pb.CommentStatus_COMMENT_STATUS_PUBLISHED][0]
		for _, st := range []pb.CommentStatus{pb.CommentStatus_COMMENT_STATUS_PUBLISHED, pb.CommentStatus_COMMENT_STATUS_REJECTED, pb.CommentStatus_COMMENT_STATUS_DELETED} {
			_, err := mod.ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{Status: st, AuthorEmail: publishedEmail})
			want := "author_email on " + strings.TrimPrefix(st.String(), "COMMENT_STATUS_") +
				" comments needs the admin role: an admin exports a reader's data with ExportAuthorData"
			if s := status.Convert(err); s.Code() != codes.PermissionDenied || s.Message() != want {
				t.Errorf("a moderator searching %v by email: %v %q, want PERMISSION_DENIED %q", st, s.Code(), s.Message(), want)
			}
		}
		q, err := mod.ListQueue(as(t, "tok-asha"), &pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED, AuthorEmail: publishedEmail})
		if err != nil || len(q.GetComments()) != 1 || q.GetComments()[0].GetAuthorEmail() != publishedEmail {
			t.Fatalf("an admin searching PUBLISHED by email: %v, %v; want the one comment with its email", q, err)
		}
		// The search is audited like an export: same actor, same target.
		if _, err := mod.ExportAuthorData(as(t, "tok-asha"), &pb.ExportAuthorDataRequest{AuthorEmail: publishedEmail}); err != nil {
			t.Fatal(err)
		}
		ev, err := mod.ListAuditEvents(as(t, "tok-asha"), &pb.ListAuditEventsRequest{Actor: "asha"})
		if err != nil || len(ev.GetEvents()) < 2 {
			t.Fatalf("audit = %v, %v", ev, err)
		}
		export, search := ev.GetEvents()[0], ev.GetEvents()[1]
		if export.GetAction() != "author.export" || search.GetAction() != "author.search" ||
			search.GetTarget() != export.GetTarget() || search.GetDetail() != "PUBLISHED" ||
			strings.Contains(search.String(), publishedEmail) {
			t.Errorf("audit = %v then %v; want author.search of PUBLISHED on the export's target, without the email", export, search)
		}
		// Searching the held queue by email, or failing to search, leaves no trace.
		if ev, err := mod.ListAuditEvents(as(t, "tok-asha"), &pb.ListAuditEventsRequest{Actor: "ravi"}); err != nil || len(ev.GetEvents()) != 0 {
			t.Errorf("ravi's audit = %v, %v; want none", ev, err)
		}

		// WatchQueue streams held comments with their reader data to a moderator.
		w, err := mod.WatchQueue(as(t, "tok-ravi"), &pb.WatchQueueRequest{ArticleId: "watched"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Header(); err != nil {
			t.Fatal(err)
		}
		req := submission("watched", "held while watched")
		if _, err := comments.SubmitComment(as(t, "site-key"), req); err != nil {
			t.Fatal(err)
		}
		m, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := readerData(m.GetComment()), [4]string{req.GetAuthor().GetEmail(), req.GetClient().GetIp(), req.GetClient().GetUserAgent(), req.GetClient().GetReferrer()}; got != want {
			t.Errorf("WatchQueue shows a moderator %q of a held comment, want %q", got, want)
		}
	})
}
