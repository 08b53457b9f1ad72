package client_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// countCalls counts unary calls by method name.
func countCalls(methods ...string) (grpc.UnaryClientInterceptor, map[string]*atomic.Int64) {
	counts := map[string]*atomic.Int64{}
	for _, m := range methods {
		counts[m] = new(atomic.Int64)
	}
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		name := method[strings.LastIndexByte(method, '/')+1:]
		if c, ok := counts[name]; ok {
			c.Add(1)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}, counts
}

// TestIteratorsFollowPages runs every iterator across several pages of a
// real commentd.
func TestIteratorsFollowPages(t *testing.T) {
	srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, Policy: "default_status: pending\n"})
	counter, calls := countCalls("ListQueue", "ListComments", "ListBans", "ListAuditEvents")
	c, err := client.Dial(ctxT(t), srv.Addr, client.WithDialOptions(grpc.WithChainUnaryInterceptor(counter)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)

	const article, n = "2026/11/paging", 5
	var ids []string
	for i := range n {
		resp, err := c.Comments.SubmitComment(ctx, &pb.SubmitCommentRequest{
			ArticleId: article,
			Author:    &pb.Author{Name: fmt.Sprintf("पाठक %d", i), Email: fmt.Sprintf("reader%d@example.in", i)},
			Body:      fmt.Sprintf("टिप्पणी number %d on paging", i),
			RequestId: fmt.Sprintf("paging-%d", i),
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, resp.GetComment().GetId())
	}

	req := &pb.ListQueueRequest{ArticleId: article, PageSize: 2, Order: pb.SortOrder_SORT_ORDER_OLDEST_FIRST}
	var got []string
	for d, err := range c.Queue(ctx, req) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.GetComment().GetId())
	}
	if !slices.Equal(got, ids) {
		t.Errorf("Queue = %v, want %v (oldest first)", got, ids)
	}
	if n := calls["ListQueue"].Load(); n != 3 {
		t.Errorf("Queue made %d ListQueue calls for 5 comments in pages of 2, want 3", n)
	}
	if req.GetPageToken() != "" {
		t.Errorf("Queue changed the caller's request: page_token %q", req.GetPageToken())
	}

	// Breaking out early makes no further calls.
	calls["ListQueue"].Store(0)
	for _, err := range c.Queue(ctx, req) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if n := calls["ListQueue"].Load(); n != 1 {
		t.Errorf("breaking after the first item made %d calls, want 1", n)
	}

	if _, err := c.Moderation.ModerateComments(ctx, &pb.ModerateCommentsRequest{Ids: ids, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE, Note: "paging"}); err != nil {
		t.Fatal(err)
	}
	got = nil
	for cm, err := range c.PublishedComments(ctx, &pb.ListCommentsRequest{ArticleId: article, PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cm.GetId())
	}
	if !slices.Equal(got, ids) {
		t.Errorf("PublishedComments = %v, want %v", got, ids)
	}
	if n := calls["ListComments"].Load(); n != 3 {
		t.Errorf("PublishedComments made %d calls, want 3", n)
	}

	got = nil
	for e, err := range c.AuditEvents(ctx, &pb.ListAuditEventsRequest{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.GetAction() == "comment.approve" {
			got = append(got, e.GetTarget())
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(got, want) {
		t.Errorf("AuditEvents approvals = %v, want %v", got, want)
	}
	if n := calls["ListAuditEvents"].Load(); n < 3 {
		t.Errorf("AuditEvents made %d calls for 5 or more events in pages of 2, want at least 3", n)
	}

	var banIDs []string
	for i := range 3 {
		b, err := c.Moderation.CreateBan(ctx, &pb.CreateBanRequest{Ban: &pb.Ban{
			Target:     &pb.Ban_Email{Email: fmt.Sprintf("spammer%d@example.com", i)},
			ExpireTime: timestamppb.New(time.Now().Add(time.Hour)),
		}})
		if err != nil {
			t.Fatal(err)
		}
		banIDs = append(banIDs, b.GetBan().GetId())
	}
	got = nil
	for b, err := range c.Bans(ctx, &pb.ListBansRequest{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.GetId())
	}
	slices.Sort(got)
	slices.Sort(banIDs)
	if !slices.Equal(got, banIDs) {
		t.Errorf("Bans = %v, want %v", got, banIDs)
	}
	if n := calls["ListBans"].Load(); n != 2 {
		t.Errorf("Bans made %d calls for 3 bans in pages of 2, want 2", n)
	}
}

// TestIteratorStopsOnError yields the error once and ends.
func TestIteratorStopsOnError(t *testing.T) {
	c, err := client.Dial(ctxT(t), commentdAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := 0
	for d, err := range c.Queue(ctxT(t), &pb.ListQueueRequest{PageSize: -1}) {
		n++
		if err == nil || d != nil {
			t.Fatalf("got (%v, %v), want an INVALID_ARGUMENT error", d, err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times, want once", n)
	}
	// A nil request lists with the defaults.
	for _, err := range c.Bans(ctxT(t), nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
}
