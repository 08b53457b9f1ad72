package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/internal/testpg"
	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
	"github.com/commentd/commentd/store/postgres"
	"github.com/commentd/commentd/store/sqlite"
)

// backend opens (and reopens) one fresh database of one kind.
type backend struct {
	name string
	open func(t *testing.T) moderation.Store
}

// backends returns a fresh SQLite file and a fresh PostgreSQL database,
// each reopenable to prove durability across restarts.
func backends(t *testing.T) []backend {
	t.Helper()
	return []backend{
		{"sqlite", func() func(t *testing.T) moderation.Store {
			path := filepath.Join(t.TempDir(), "commentd.db")
			return func(t *testing.T) moderation.Store {
				st, err := sqlite.Open(context.Background(), path)
				if err != nil {
					t.Fatalf("open sqlite: %v", err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		}()},
		{"postgres", func() func(t *testing.T) moderation.Store {
			var dsn string
			return func(t *testing.T) moderation.Store {
				if dsn == "" {
					dsn = testpg.NewDatabase(t)
				}
				st, err := postgres.Open(context.Background(), dsn)
				if err != nil {
					t.Fatalf("open postgres: %v", err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		}()},
	}
}

// forEachBackend runs fn as a subtest against each real store.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// client is a running server and a connection to it.
type client struct {
	pb.CommentServiceClient
	mod    pb.ModerationServiceClient
	health healthpb.HealthClient
	conn   *grpc.ClientConn
	srv    *server.Server
	svc    *moderation.Service
}

// start serves a Service over st on a loopback port and dials it.
func start(t testing.TB, st moderation.Store, opts ...moderation.Option) *client {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The public cache is on with a long time to live, so that every test
	// that changes what is published and lists it after checks that this
	// replica's changes show at once.
	opts = append([]moderation.Option{moderation.WithPolicy(testPolicy()), moderation.WithPublicCache(time.Hour)}, opts...)
	svc, err := moderation.NewService(st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LoadRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	srv := server.New(svc, server.WithLogger(log))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	return &client{
		CommentServiceClient: pb.NewCommentServiceClient(conn),
		mod:                  pb.NewModerationServiceClient(conn),
		health:               healthpb.NewHealthClient(conn),
		conn:                 conn,
		srv:                  srv,
		svc:                  svc,
	}
}

// run does svc's background work until t ends, and waits for it to stop.
func run(t testing.TB, svc *moderation.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var seq struct {
	sync.Mutex
	n int
}

// submission returns a valid request with a distinct author.
func submission(article, body string) *pb.SubmitCommentRequest {
	seq.Lock()
	seq.n++
	n := seq.n
	seq.Unlock()
	return &pb.SubmitCommentRequest{
		ArticleId: article,
		Author:    &pb.Author{Name: fmt.Sprintf("Reader %d", n), Email: fmt.Sprintf("reader%d@example.com", n)},
		Body:      body,
		Client:    &pb.ClientInfo{Ip: fmt.Sprintf("203.0.113.%d", n%250+1), UserAgent: "Mozilla/5.0 test", Referrer: "https://news.example/"},
	}
}

func submit(t *testing.T, c *client, req *pb.SubmitCommentRequest) *pb.SubmitCommentResponse {
	t.Helper()
	resp, err := c.SubmitComment(ctxT(t), req)
	if err != nil {
		t.Fatalf("SubmitComment: %v", err)
	}
	return resp
}

func listAll(t *testing.T, c *client, article string, pageSize int32) []*pb.Comment {
	t.Helper()
	var out []*pb.Comment
	token := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		resp, err := c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: article, PageSize: pageSize, PageToken: token})
		if err != nil {
			t.Fatalf("ListComments: %v", err)
		}
		out = append(out, resp.GetComments()...)
		if token = resp.GetNextPageToken(); token == "" {
			return out
		}
	}
}

// violations returns the BadRequest field names of an INVALID_ARGUMENT.
func violations(t *testing.T, err error) []string {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("got %v, want INVALID_ARGUMENT", err)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetDescription() == "" {
					t.Errorf("violation of %s has no description", v.GetField())
				}
				fields = append(fields, v.GetField())
			}
		}
	}
	slices.Sort(fields)
	return fields
}

func TestSubmitStoresAndLists(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("article-1", "Great reporting, thank you.")
		req.Author.Url = "https://reader.example/"
		resp := submit(t, c, req)
		got := resp.GetComment()
		if got.GetId() == "" || resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || got.GetStatus() != resp.GetStatus() {
			t.Fatalf("response = %v, want a published comment with an id", resp)
		}
		if len(resp.GetReasons()) != 0 {
			t.Errorf("reasons = %v, want none for a published comment", resp.GetReasons())
		}
		if ct := got.GetCreateTime().AsTime(); time.Since(ct) > time.Minute || time.Since(ct) < 0 {
			t.Errorf("create_time = %v, want about now", ct)
		}
		list := listAll(t, c, "article-1", 0)
		if len(list) != 1 || list[0].GetId() != got.GetId() || list[0].GetBody() != req.GetBody() ||
			list[0].GetAuthorName() != req.GetAuthor().GetName() || list[0].GetAuthorUrl() != req.GetAuthor().GetUrl() {
			t.Fatalf("ListComments = %v, want the submitted comment", list)
		}
		one, err := c.GetComment(ctxT(t), &pb.GetCommentRequest{Id: got.GetId()})
		if err != nil || one.GetComment().GetBody() != req.GetBody() {
			t.Fatalf("GetComment = %v, %v", one, err)
		}
		counts, err := c.CountComments(ctxT(t), &pb.CountCommentsRequest{ArticleIds: []string{"article-1", "article-none", "article-1"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int64{"article-1": 1, "article-none": 0}; !equalCounts(counts.GetCounts(), want) {
			t.Errorf("CountComments = %v, want %v", counts.GetCounts(), want)
		}
	})
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestSubmitRejectsBadFieldsAllAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		long := strings.Repeat("क", 65)
		cases := []struct {
			name string
			edit func(r *pb.SubmitCommentRequest)
			want []string
		}{
			{"missing name and email", func(r *pb.SubmitCommentRequest) { r.Author.Name, r.Author.Email = "", "" }, []string{"author.email", "author.name"}},
			{"no author at all", func(r *pb.SubmitCommentRequest) { r.Author = nil }, []string{"author.email", "author.name"}},
			{"malformed email", func(r *pb.SubmitCommentRequest) { r.Author.Email = "priya at example.com" }, []string{"author.email"}},
			{"email with display name", func(r *pb.SubmitCommentRequest) { r.Author.Email = "Priya <priya@example.com>" }, []string{"author.email"}},
			{"two emails", func(r *pb.SubmitCommentRequest) { r.Author.Email = "a@example.com, b@example.com" }, []string{"author.email"}},
			{"blank name", func(r *pb.SubmitCommentRequest) { r.Author.Name = " \t " }, []string{"author.name"}},
			{"name too long in runes", func(r *pb.SubmitCommentRequest) { r.Author.Name = long }, []string{"author.name"}},
			{"name with bidi override", func(r *pb.SubmitCommentRequest) { r.Author.Name = "admin\u202Egnp.exe" }, []string{"author.name"}},
			{"empty body", func(r *pb.SubmitCommentRequest) { r.Body = "" }, []string{"body"}},
			{"invisible body", func(r *pb.SubmitCommentRequest) { r.Body = " \u200B\n" }, []string{"body"}},
			{"body too long", func(r *pb.SubmitCommentRequest) { r.Body = strings.Repeat("ab", 2501) }, []string{"body"}},
			{"javascript url", func(r *pb.SubmitCommentRequest) { r.Author.Url = "javascript:alert(1)" }, []string{"author.url"}},
			{"ip with port", func(r *pb.SubmitCommentRequest) { r.Client.Ip = "203.0.113.9:443" }, []string{"client.ip"}},
			{"no article", func(r *pb.SubmitCommentRequest) { r.ArticleId = "" }, []string{"article_id"}},
			{"everything wrong", func(r *pb.SubmitCommentRequest) {
				r.ArticleId, r.Author, r.Body, r.RequestId = "", nil, "", "has space"
			}, []string{"article_id", "author.email", "author.name", "body", "request_id"}},
		}
		for _, tc := range cases {
			req := submission("article-bad", "A fine comment.")
			tc.edit(req)
			_, err := c.SubmitComment(ctxT(t), req)
			if got := violations(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("%s: violations = %v, want %v", tc.name, got, tc.want)
			}
		}
		if got := listAll(t, c, "article-bad", 0); len(got) != 0 {
			t.Errorf("invalid submissions stored %d comments", len(got))
		}
	})
}

func TestDevanagariRoundTripsByteForByte(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("hindi-article", "यह लेख बहुत अच्छा है। क्‍ष और क्‌ष दोनों सही हैं 🙏\nधन्यवाद!")
		req.Author.Name = "प्रिया शर्मा"
		resp := submit(t, c, req)
		for _, got := range []*pb.Comment{resp.GetComment(), listAll(t, c, "hindi-article", 0)[0]} {
			if got.GetAuthorName() != "प्रिया शर्मा" || got.GetBody() != req.GetBody() {
				t.Errorf("got name %q body %q, want them byte for byte", got.GetAuthorName(), got.GetBody())
			}
		}
	})
}

func TestArticlesAreIsolated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		for i := 0; i < 3; i++ {
			submit(t, c, submission("article-a", fmt.Sprintf("comment %d on A", i)))
		}
		onB := submit(t, c, submission("article-b", "the only comment on B")).GetComment()
		for _, cm := range listAll(t, c, "article-a", 0) {
			if cm.GetArticleId() != "article-a" || cm.GetId() == onB.GetId() {
				t.Errorf("article-a listing holds %v", cm)
			}
		}
		if got := listAll(t, c, "article-b", 0); len(got) != 1 || got[0].GetId() != onB.GetId() {
			t.Errorf("article-b listing = %v", got)
		}
		// A page token of A's listing cannot be replayed against B's.
		page, err := c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "article-a", PageSize: 1})
		if err != nil || page.GetNextPageToken() == "" {
			t.Fatalf("first page of A: %v, %v", page, err)
		}
		_, err = c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "article-b", PageToken: page.GetNextPageToken()})
		if got := violations(t, err); !slices.Equal(got, []string{"page_token"}) {
			t.Errorf("violations = %v, want page_token", got)
		}
		_, err = c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "article-a", PageToken: "AQIDBAUGBwgJ"})
		if got := violations(t, err); !slices.Equal(got, []string{"page_token"}) {
			t.Errorf("forged token: violations = %v, want page_token", got)
		}
	})
}

func TestListPaginatesOldestFirstAndCapsPageSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		var ids []string
		for i := 0; i < 105; i++ {
			ids = append(ids, submit(t, c, submission("long-thread", fmt.Sprintf("comment number %d", i))).GetComment().GetId())
		}
		for _, size := range []int32{1, 7, 100} {
			got := listAll(t, c, "long-thread", size)
			var gotIDs []string
			for _, cm := range got {
				gotIDs = append(gotIDs, cm.GetId())
			}
			if !slices.Equal(gotIDs, ids) {
				t.Fatalf("page size %d: listed %d comments out of order or with gaps", size, len(gotIDs))
			}
		}
		page, err := c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "long-thread", PageSize: 1000})
		if err != nil || len(page.GetComments()) != 100 || page.GetNextPageToken() == "" {
			t.Fatalf("page_size 1000: got %d comments (%v), want 100 and a next page", len(page.GetComments()), err)
		}
		if _, err := c.ListComments(ctxT(t), &pb.ListCommentsRequest{ArticleId: "long-thread", PageSize: -1}); !slices.Equal(violations(t, err), []string{"page_size"}) {
			t.Errorf("negative page size: %v", err)
		}
	})
}

func TestRepliesStayOnTheirArticle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		parent := submit(t, c, submission("thread", "the first word")).GetComment()
		reply := submission("thread", "a reply")
		reply.ParentId = parent.GetId()
		if got := submit(t, c, reply).GetComment(); got.GetParentId() != parent.GetId() {
			t.Errorf("reply parent_id = %q, want %q", got.GetParentId(), parent.GetId())
		}
		for _, tc := range []struct{ article, parent string }{
			{"another-article", parent.GetId()},
			{"thread", "0190d7a4-0000-7000-8000-000000000000"},
			{"thread", "not an id!"},
		} {
			r := submission(tc.article, "reply to nothing")
			r.ParentId = tc.parent
			_, err := c.SubmitComment(ctxT(t), r)
			if got := violations(t, err); !slices.Equal(got, []string{"parent_id"}) {
				t.Errorf("parent %q on %q: violations %v, want parent_id", tc.parent, tc.article, got)
			}
		}
		list := listAll(t, c, "thread", 0)
		if len(list) != 2 || list[1].GetParentId() != list[0].GetId() {
			t.Errorf("thread = %v, want the parent then its reply", list)
		}
	})
}

func TestHeldCommentIsApprovedIntoTheListing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		pending := testPolicy()
		pending.DefaultStatus = moderation.StatusPending
		c := start(t, b.open(t), moderation.WithPolicy(pending))

		req := submission("held", "please hold me")
		resp := submit(t, c, req)
		id := resp.GetComment().GetId()
		if resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || len(resp.GetReasons()) != 1 ||
			resp.GetReasons()[0].GetRule() != "default_status" {
			t.Fatalf("response = %v, want PENDING with reason default_status", resp)
		}
		if got := listAll(t, c, "held", 0); len(got) != 0 {
			t.Fatalf("a held comment is listed publicly: %v", got)
		}
		if _, err := c.GetComment(ctxT(t), &pb.GetCommentRequest{Id: id}); status.Code(err) != codes.NotFound {
			t.Fatalf("GetComment of a held comment: %v, want NOT_FOUND", err)
		}

		q, err := c.mod.ListQueue(ctxT(t), &pb.ListQueueRequest{})
		if err != nil || len(q.GetComments()) != 1 {
			t.Fatalf("ListQueue = %v, %v", q, err)
		}
		d := q.GetComments()[0]
		if d.GetComment().GetId() != id || d.GetAuthorEmail() != req.GetAuthor().GetEmail() ||
			d.GetClient().GetIp() != req.GetClient().GetIp() || d.GetClient().GetUserAgent() != req.GetClient().GetUserAgent() ||
			len(d.GetReasons()) != 1 {
			t.Errorf("queue entry = %v, want full detail", d)
		}

		approve := func(action pb.ModerationAction) *pb.ModerationResult {
			t.Helper()
			r, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: []string{id}, Action: action, Note: "checked"})
			if err != nil || len(r.GetResults()) != 1 {
				t.Fatalf("ModerateComments(%v) = %v, %v", action, r, err)
			}
			return r.GetResults()[0]
		}
		if r := approve(pb.ModerationAction_MODERATION_ACTION_APPROVE); r.GetCode() != 0 || !r.GetChanged() || r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("approve = %v", r)
		}
		if got := listAll(t, c, "held", 0); len(got) != 1 || got[0].GetId() != id {
			t.Fatalf("after approval ListComments = %v", got)
		}
		if r := approve(pb.ModerationAction_MODERATION_ACTION_APPROVE); r.GetCode() != 0 || r.GetChanged() {
			t.Errorf("second approve = %v, want harmless no-op", r)
		}
		if r := approve(pb.ModerationAction_MODERATION_ACTION_REJECT); r.GetCode() != 0 || r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_REJECTED {
			t.Errorf("reject = %v", r)
		}
		if got := listAll(t, c, "held", 0); len(got) != 0 {
			t.Errorf("rejected comment still listed: %v", got)
		}
		approve(pb.ModerationAction_MODERATION_ACTION_DELETE)
		if r := approve(pb.ModerationAction_MODERATION_ACTION_APPROVE); r.GetCode() != int32(codes.FailedPrecondition) || r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_DELETED {
			t.Errorf("approving a deleted comment = %v, want FAILED_PRECONDITION", r)
		}
		r, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: []string{"0190d7a4-0000-7000-8000-000000000000"}, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE})
		if err != nil || r.GetResults()[0].GetCode() != int32(codes.NotFound) {
			t.Errorf("unknown id: %v, %v", r, err)
		}

		ev, err := c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{Target: id})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range ev.GetEvents() {
			if e.GetActor() != server.DefaultModerator || e.GetNote() != "checked" {
				t.Errorf("audit event %v lacks actor or note", e)
			}
			actions = append(actions, e.GetAction()+" "+e.GetDetail())
		}
		want := []string{"comment.delete REJECTED -> DELETED", "comment.reject PUBLISHED -> REJECTED", "comment.approve PENDING -> PUBLISHED"}
		if !slices.Equal(actions, want) {
			t.Errorf("audit = %q, want %q", actions, want)
		}
	})
}

func TestCommentsSurviveARestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		st := b.open(t)
		c := start(t, st)
		var want []string
		var reqs []*pb.SubmitCommentRequest
		for i := 0; i < 5; i++ {
			req := submission("durable", fmt.Sprintf("remember me %d", i))
			req.RequestId = fmt.Sprintf("durable-%d", i)
			reqs = append(reqs, req)
			want = append(want, submit(t, c, req).GetComment().GetId())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c.srv.Shutdown(ctx)
		cancel()
		if closer, ok := st.(io.Closer); ok {
			closer.Close()
		}

		c2 := start(t, b.open(t))
		var got []string
		for _, cm := range listAll(t, c2, "durable", 0) {
			got = append(got, cm.GetId())
		}
		if !slices.Equal(got, want) {
			t.Errorf("after restart: %v, want %v", got, want)
		}
		// A retry that arrives after the restart still gets the first answer.
		if id := submit(t, c2, reqs[2]).GetComment().GetId(); id != want[2] {
			t.Errorf("retry after restart got %s, want %s", id, want[2])
		}
		if n := len(listAll(t, c2, "durable", 0)); n != 5 {
			t.Errorf("%d comments after the retry, want 5", n)
		}
	})
}

func TestRetriesWithTheSameRequestIDStoreOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("retries", "sent over a flaky network")
		req.RequestId = "9b2f9d8e-5a1c-4f6e-8d57-2f8f0c1e7a11"
		first := submit(t, c, req).GetComment().GetId()
		if again := submit(t, c, req).GetComment().GetId(); again != first {
			t.Errorf("retry got id %s, want %s", again, first)
		}

		race := submission("retries", "sent twice at once")
		race.RequestId = "race-1"
		var wg sync.WaitGroup
		ids := make([]string, 16)
		errs := make([]error, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.SubmitComment(ctxT(t), race)
				ids[i], errs[i] = resp.GetComment().GetId(), err
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("concurrent retry %d: id %q err %v, want %q", i, ids[i], errs[i], ids[0])
			}
		}
		if got := listAll(t, c, "retries", 0); len(got) != 2 {
			t.Errorf("stored %d comments, want 2", len(got))
		}

		other := submission("retries", "a different comment")
		other.RequestId = req.RequestId
		_, err := c.SubmitComment(ctxT(t), other)
		if got := violations(t, err); !slices.Equal(got, []string{"request_id"}) {
			t.Errorf("reused request_id: violations %v", got)
		}
	})
}

func TestValidateOnlyStoresNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("dry-run", "would this be published?")
		req.ValidateOnly = true
		resp := submit(t, c, req)
		if resp.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED || resp.GetComment().GetId() != "" {
			t.Errorf("validate_only response = %v, want a decision without an id", resp)
		}
		if got := listAll(t, c, "dry-run", 0); len(got) != 0 {
			t.Errorf("validate_only stored %v", got)
		}
		req.Author.Email = "nope"
		_, err := c.SubmitComment(ctxT(t), req)
		if got := violations(t, err); !slices.Equal(got, []string{"author.email"}) {
			t.Errorf("validate_only still validates: %v", got)
		}
	})
}

func TestHealthAndShutdown(t *testing.T) {
	c := start(t, backends(t)[0].open(t))
	for _, svc := range []string{"", "commentd.v1.CommentService", "commentd.v1.ModerationService"} {
		resp, err := c.health.Check(ctxT(t), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health %q = %v, %v; want SERVING", svc, resp, err)
		}
	}
	// Watch health, then shut down: the watcher must see NOT_SERVING.
	w, err := c.health.Watch(ctxT(t), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first health update %v, %v", m, err)
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.srv.Shutdown(ctx)
	}()
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health during shutdown %v, %v; want NOT_SERVING", m, err)
	}
}
