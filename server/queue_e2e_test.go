package server_test

import (
	"math"
	"slices"
	"testing"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

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
