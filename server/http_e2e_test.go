package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/ratelimit"
	"github.com/commentd/commentd/server"
)

// dual is one server answering on a gRPC listener and an HTTP listener.
type dual struct {
	conn *grpc.ClientConn
	base string // http://127.0.0.1:port
	http *http.Client
	srv  *server.Server
}

// startDual serves svc with the given credentials over gRPC and HTTP on
// loopback ports, and connects a gRPC client and a plain HTTP client.
func startDual(t testing.TB, svc server.Domain, sites, moderators string, opts ...server.Option) *dual {
	t.Helper()
	creds, err := server.ParseCredentials(sites, moderators)
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]server.Option{server.WithCredentials(creds), server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	srv := server.New(svc, opts...)
	glis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(glis) }()
	go func() { served <- srv.ServeHTTPOn(hlis) }()
	conn, err := grpc.NewClient(glis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	t.Cleanup(func() {
		conn.Close()
		transport.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		for range 2 {
			if err := <-served; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	})
	return &dual{conn: conn, base: "http://" + hlis.Addr().String(), http: &http.Client{Transport: transport}, srv: srv}
}

// startDualOn is startDual on a Service over st with the test policy.
func startDualOn(t testing.TB, st moderation.Store, sites, moderators string, opts ...moderation.Option) *dual {
	t.Helper()
	svc, err := moderation.NewService(st, append([]moderation.Option{moderation.WithPolicy(testPolicy())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LoadRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	return startDual(t, svc, sites, moderators)
}

// post sends body to method ("commentd.v1.CommentService/SubmitComment")
// as a site's PHP code would: a POST with a JSON body and the key in the
// Authorization header.
func (d *dual) post(t testing.TB, method, token, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.base+"/"+method, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the answer: %v", method, err)
	}
	return resp, b
}

// connectError is the Connect protocol's error body.
type connectError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type  string          `json:"type"`
		Value string          `json:"value"`
		Debug json.RawMessage `json:"debug"`
	} `json:"details"`
}

// status turns a Connect error body into the gRPC status it stands for.
func (e connectError) status(t testing.TB) *status.Status {
	t.Helper()
	var code connect.Code
	if err := code.UnmarshalText([]byte(e.Code)); err != nil {
		t.Fatalf("error code %q: %v", e.Code, err)
	}
	sp := &spb.Status{Code: int32(code), Message: e.Message}
	for _, d := range e.Details {
		v, err := base64.RawStdEncoding.DecodeString(d.Value)
		if err != nil {
			t.Fatalf("detail %s: value %q is not unpadded base64: %v", d.Type, d.Value, err)
		}
		sp.Details = append(sp.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type, Value: v})
	}
	return status.FromProto(sp)
}

// httpStatus is the HTTP status the Connect protocol gives each code.
var httpStatus = map[codes.Code]int{
	codes.OK:                 http.StatusOK,
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.FailedPrecondition: http.StatusBadRequest,
	codes.Unauthenticated:    http.StatusUnauthorized,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.Unavailable:        http.StatusServiceUnavailable,
	codes.Internal:           http.StatusInternalServerError,
}

// callHTTP calls method over HTTP/JSON and returns its answer decoded into
// a new response message, or its error as a gRPC status, and the response.
func (d *dual) callHTTP(t testing.TB, method, token string, req proto.Message) (proto.Message, *status.Status, *http.Response) {
	t.Helper()
	body, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := d.post(t, method, token, "application/json", body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q, want application/json; body %s", method, ct, b)
	}
	if resp.StatusCode != http.StatusOK {
		var ce connectError
		if err := json.Unmarshal(b, &ce); err != nil {
			t.Fatalf("%s: HTTP %d with a body that is no Connect error: %s", method, resp.StatusCode, b)
		}
		st := ce.status(t)
		if want, ok := httpStatus[st.Code()]; !ok || resp.StatusCode != want {
			t.Errorf("%s: HTTP %d for %v, want %d", method, resp.StatusCode, st.Code(), want)
		}
		return nil, st, resp
	}
	out := newResponse(t, method)
	if err := protojson.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: answer %s: %v", method, b, err)
	}
	return out, nil, resp
}

// callGRPC calls method over gRPC.
func (d *dual) callGRPC(t testing.TB, method, token string, req proto.Message) (proto.Message, *status.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	out := newResponse(t, method)
	if err := d.conn.Invoke(ctx, "/"+method, req, out); err != nil {
		return nil, status.Convert(err)
	}
	return out, nil
}

func methodDescriptor(t testing.TB, method string) protoreflect.MethodDescriptor {
	t.Helper()
	svc, name, _ := strings.Cut(method, "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(name))
	if md == nil {
		t.Fatalf("no method %s", method)
	}
	return md
}

func newResponse(t testing.TB, method string) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(methodDescriptor(t, method).Output().FullName())
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

const (
	commentSvc = "commentd.v1.CommentService/"
	modSvc     = "commentd.v1.ModerationService/"
)

// TestEveryUnaryMethodAnswersAlikeOverGRPCAndHTTP calls every unary method
// of both services over gRPC and then over HTTP/JSON, as a site's PHP code
// would, and compares the answers: the same message, or the same status
// with the same details and the HTTP status the Connect protocol gives it.
// Both go through the same credentials check: the refusals are there too.
func TestEveryUnaryMethodAnswersAlikeOverGRPCAndHTTP(t *testing.T) {
	const (
		site  = "site-key-1"
		mod   = "tok-ravi"
		admin = "tok-asha"
	)
	d := startDualOn(t, sqliteStore(t), "news:"+site, "asha:"+admin+":admin,ravi:"+mod)

	// What the calls below read and act on, made over gRPC.
	must := func(m proto.Message, st *status.Status) proto.Message {
		t.Helper()
		if st != nil {
			t.Fatalf("setting up: %v", st.Err())
		}
		return m
	}
	published := must(d.callGRPC(t, commentSvc+"SubmitComment", site, submission("both-ways", "A published comment"))).(*pb.SubmitCommentResponse).GetComment()
	var held []*pb.Comment
	var heldEmails []string
	for range 4 {
		req := submission("both-ways", "two links hold a comment: https://one.example/a https://two.example/b")
		c := must(d.callGRPC(t, commentSvc+"SubmitComment", site, req)).(*pb.SubmitCommentResponse).GetComment()
		if c.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING {
			t.Fatalf("setting up: %v, want a held comment", c)
		}
		held = append(held, c)
		heldEmails = append(heldEmails, req.GetAuthor().GetEmail())
	}
	var bans []string
	for _, ip := range []string{"192.0.2.1", "192.0.2.2"} {
		req := &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: ip}, Reason: "flood"}}
		if ip == "192.0.2.1" {
			req.RequestId = "ban-both-ways"
		}
		b := must(d.callGRPC(t, modSvc+"CreateBan", admin, req))
		bans = append(bans, b.(*pb.CreateBanResponse).GetBan().GetId())
	}
	must(d.callGRPC(t, modSvc+"UpdateWordList", admin, &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_HOLD, Add: []string{"bothwaysterm"}}))
	must(d.callGRPC(t, modSvc+"SetArticleSettings", mod, &pb.SetArticleSettingsRequest{
		Site: "news", ArticleId: "both-ways-closed", Mode: pb.ArticleMode_ARTICLE_MODE_CLOSED}))
	retried := submission("both-ways", "Sent twice with one request id")
	retried.RequestId = "6f1c2a9e-3b7d-4e58-9a41-0c2d8e7f1b23"
	invalid := submission("both-ways", "")
	invalid.Author.Email = "not-an-email"

	type call struct {
		method, token string
		// req is the request; with two, gRPC sends the first and HTTP the
		// second, for calls that change what they act on.
		req []proto.Message
		// same clears what differs by design between the two answers.
		same func(proto.Message)
	}
	one := func(m proto.Message) []proto.Message { return []proto.Message{m} }
	two := func(a, b proto.Message) []proto.Message { return []proto.Message{a, b} }
	calls := []call{
		// A retry with the same request id gets the first answer.
		{method: commentSvc + "SubmitComment", token: site, req: one(retried)},
		{method: commentSvc + "SubmitComment", token: site, req: one(invalid)},
		{method: commentSvc + "SubmitComment", req: one(submission("both-ways", "no key"))},
		{method: commentSvc + "SubmitComment", token: "wrong-key", req: one(submission("both-ways", "a wrong key"))},
		{method: commentSvc + "SubmitComment", token: mod, req: one(submission("both-ways", "a moderator's token"))},
		{method: commentSvc + "GetComment", token: site, req: one(&pb.GetCommentRequest{Id: published.GetId()})},
		{method: commentSvc + "GetComment", token: site, req: one(&pb.GetCommentRequest{Id: held[0].GetId()})},
		{method: commentSvc + "ListComments", token: site, req: one(&pb.ListCommentsRequest{ArticleId: "both-ways"})},
		{method: commentSvc + "ListComments", token: site, req: one(&pb.ListCommentsRequest{ArticleId: "both-ways", PageToken: "forged"})},
		{method: commentSvc + "CountComments", token: site, req: one(&pb.CountCommentsRequest{ArticleIds: []string{"both-ways", "other"}})},
		{method: commentSvc + "ReportComment", token: site, req: one(&pb.ReportCommentRequest{CommentId: published.GetId()})},
		{method: commentSvc + "ReportComment", token: site, req: one(&pb.ReportCommentRequest{CommentId: held[0].GetId(),
			Reporter: &pb.Reporter{Email: "reader@example.com"}, Reason: pb.ReportReason_REPORT_REASON_SPAM})},
		{method: modSvc + "ListQueue", token: mod, req: one(&pb.ListQueueRequest{})},
		{method: modSvc + "ListQueue", token: site, req: one(&pb.ListQueueRequest{})},
		{method: modSvc + "GetCommentDetail", token: mod, req: one(&pb.GetCommentDetailRequest{Id: held[0].GetId()})},
		{method: modSvc + "ModerateComments", token: mod,
			req: two(&pb.ModerateCommentsRequest{Ids: []string{held[0].GetId()}, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE, Note: "fine"},
				&pb.ModerateCommentsRequest{Ids: []string{held[1].GetId()}, Action: pb.ModerationAction_MODERATION_ACTION_APPROVE, Note: "fine"}),
			same: func(m proto.Message) {
				for _, r := range m.(*pb.ModerateCommentsResponse).GetResults() {
					r.Id = ""
				}
			}},
		{method: modSvc + "CreateBan", token: admin,
			req: two(&pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Email{Email: "one@example.com"}, Reason: "spam"}},
				&pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Email{Email: "two@example.com"}, Reason: "spam"}}),
			same: func(m proto.Message) {
				b := m.(*pb.CreateBanResponse).GetBan()
				b.Id, b.Target, b.CreateTime = "", nil, nil
			}},
		{method: modSvc + "CreateBan", token: mod, req: one(&pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.9"}}})},
		// A retry with the request id of a ban made over the other way.
		{method: modSvc + "CreateBan", token: admin, req: one(&pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.1"}, Reason: "flood"}, RequestId: "ban-both-ways"})},
		{method: modSvc + "ListBans", token: mod, req: one(&pb.ListBansRequest{})},
		{method: modSvc + "DeleteBan", token: admin, req: two(&pb.DeleteBanRequest{Id: bans[0]}, &pb.DeleteBanRequest{Id: bans[1]})},
		{method: modSvc + "ListWordLists", token: mod, req: one(&pb.ListWordListsRequest{})},
		// Adding a listed term again changes nothing.
		{method: modSvc + "UpdateWordList", token: admin, req: one(&pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_HOLD, Add: []string{"bothwaysterm"}})},
		{method: modSvc + "UpdateWordList", token: admin, req: one(&pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_HOLD, Add: []string{"a\x00b"}})},
		{method: modSvc + "ListAuditEvents", token: mod, req: one(&pb.ListAuditEventsRequest{})},
		{method: modSvc + "ExportAuthorData", token: admin, req: one(&pb.ExportAuthorDataRequest{AuthorEmail: heldEmails[0]})},
		{method: modSvc + "ExportAuthorData", token: mod, req: one(&pb.ExportAuthorDataRequest{AuthorEmail: heldEmails[0]})},
		{method: modSvc + "EraseAuthorData", token: admin,
			req: two(&pb.EraseAuthorDataRequest{AuthorEmail: heldEmails[2], Note: "the reader asked"},
				&pb.EraseAuthorDataRequest{AuthorEmail: heldEmails[3], Note: "the reader asked"})},
		{method: modSvc + "TrainComments", token: admin, req: one(&pb.TrainCommentsRequest{Site: "news", ValidateOnly: true, Examples: []*pb.TrainingExample{
			{Body: "win big at the casino tonight", Label: pb.TrainingLabel_TRAINING_LABEL_SPAM},
			{Body: "a thoughtful piece, thank you", Label: pb.TrainingLabel_TRAINING_LABEL_HAM},
		}})},
		{method: modSvc + "GetRuleStats", token: mod, req: one(&pb.GetRuleStatsRequest{Site: "news"})},
		{method: modSvc + "ListWebhookDeliveries", token: mod, req: one(&pb.ListWebhookDeliveriesRequest{PageSize: 10})},
		{method: modSvc + "RedeliverWebhooks", token: mod, req: one(&pb.RedeliverWebhooksRequest{AllDead: true})},
		{method: modSvc + "RedeliverWebhooks", token: admin, req: one(&pb.RedeliverWebhooksRequest{AllDead: true, Note: "both ways"})},
		// Setting what is set changes nothing, so both answers are alike.
		{method: modSvc + "SetArticleSettings", token: mod, req: one(&pb.SetArticleSettingsRequest{
			Site: "news", ArticleId: "both-ways-premoderated", Mode: pb.ArticleMode_ARTICLE_MODE_PREMODERATED, Note: "elections"})},
		{method: modSvc + "SetArticleSettings", token: mod, req: one(&pb.SetArticleSettingsRequest{Site: "news", ArticleId: "both-ways-premoderated"})},
		{method: modSvc + "GetArticleSettings", token: mod, req: one(&pb.GetArticleSettingsRequest{Site: "news", ArticleId: "both-ways-closed"})},
		{method: modSvc + "GetArticleSettings", token: site, req: one(&pb.GetArticleSettingsRequest{Site: "news", ArticleId: "both-ways-closed"})},
		// A closed article's refusal, with its PreconditionFailure.
		{method: commentSvc + "SubmitComment", token: site, req: one(submission("both-ways-closed", "Too late?"))},
	}

	covered := map[string]bool{}
	for _, c := range calls {
		name := c.method[strings.LastIndexByte(c.method, '.')+1:]
		t.Run(name, func(t *testing.T) {
			covered[c.method] = true
			greq, hreq := c.req[0], c.req[len(c.req)-1]
			gresp, gst := d.callGRPC(t, c.method, c.token, greq)
			hresp, hst, _ := d.callHTTP(t, c.method, c.token, hreq)
			switch {
			case gst != nil || hst != nil:
				if gst == nil || hst == nil || !proto.Equal(gst.Proto(), hst.Proto()) {
					t.Fatalf("gRPC: %v\nHTTP: %v", gst.Proto(), hst.Proto())
				}
				t.Logf("both %v: %s", gst.Code(), gst.Message())
			default:
				if c.same != nil {
					c.same(gresp)
					c.same(hresp)
				}
				if !proto.Equal(gresp, hresp) {
					t.Fatalf("gRPC: %v\nHTTP: %v", gresp, hresp)
				}
			}
		})
	}
	// The HTTP caller acted as itself: both approvals are ravi's.
	events := must(d.callGRPC(t, modSvc+"ListAuditEvents", mod, &pb.ListAuditEventsRequest{Target: held[1].GetId()})).(*pb.ListAuditEventsResponse).GetEvents()
	if len(events) != 1 || events[0].GetActor() != "ravi" || events[0].GetAction() != "comment.approve" {
		t.Errorf("audit of the comment approved over HTTP: %v, want ravi's approval", events)
	}
	for _, s := range []protoreflect.ServiceDescriptor{pb.File_commentd_v1_comment_service_proto.Services().Get(0), pb.File_commentd_v1_moderation_service_proto.Services().Get(0)} {
		for i := range s.Methods().Len() {
			m := s.Methods().Get(i)
			if name := string(s.FullName()) + "/" + string(m.Name()); !m.IsStreamingServer() && !m.IsStreamingClient() && !covered[name] {
				t.Errorf("%s is not called both ways", name)
			}
		}
	}
}

// httpError posts body to method and returns the Connect error it gets.
func httpError(t *testing.T, d *dual, method, token, contentType string, body []byte) (*http.Response, connectError) {
	t.Helper()
	resp, b := d.post(t, method, token, contentType, body)
	var ce connectError
	if err := json.Unmarshal(b, &ce); err != nil || ce.Code == "" {
		t.Fatalf("HTTP %d %s: not a Connect error (%v)", resp.StatusCode, b, err)
	}
	return resp, ce
}

// TestHTTPErrorsCarryTheirDetails: each error reaches an HTTP client as
// Connect error JSON with the HTTP status of its code, every google.rpc
// detail both as bytes and as readable JSON, and a rate limit's delay in
// Retry-After.
func TestHTTPErrorsCarryTheirDetails(t *testing.T) {
	policy := testPolicy()
	policy.RateLimits.ClientIP = moderation.Rate{Burst: 1, Every: time.Hour}
	d := startDualOn(t, sqliteStore(t), "news:site-key-1", "ravi:tok-ravi", moderation.WithPolicy(policy), moderation.WithLimiter(ratelimit.NewMemory()))

	t.Run("invalid argument", func(t *testing.T) {
		resp, ce := httpError(t, d, commentSvc+"SubmitComment", "site-key-1", "application/json",
			[]byte(`{"articleId": "a", "author": {"email": "not-an-email"}, "body": "hello"}`))
		if resp.StatusCode != http.StatusBadRequest || ce.Code != "invalid_argument" || len(ce.Details) != 1 || ce.Details[0].Type != "google.rpc.BadRequest" {
			t.Fatalf("HTTP %d %+v, want 400 invalid_argument with a BadRequest", resp.StatusCode, ce)
		}
		var br errdetails.BadRequest
		if err := protojson.Unmarshal(ce.Details[0].Debug, &br); err != nil {
			t.Fatalf("debug %s: %v", ce.Details[0].Debug, err)
		}
		var fields []string
		for _, v := range br.GetFieldViolations() {
			fields = append(fields, v.GetField())
		}
		if strings.Join(fields, ",") != "author.name,author.email" {
			t.Errorf("violations %v, want author.name and author.email", br.GetFieldViolations())
		}
	})

	t.Run("unauthenticated", func(t *testing.T) {
		resp, ce := httpError(t, d, commentSvc+"SubmitComment", "", "application/json", []byte(`{}`))
		if resp.StatusCode != http.StatusUnauthorized || ce.Code != "unauthenticated" {
			t.Errorf("HTTP %d %+v, want 401 unauthenticated", resp.StatusCode, ce)
		}
	})

	t.Run("permission denied", func(t *testing.T) {
		resp, ce := httpError(t, d, modSvc+"ListQueue", "site-key-1", "application/json", []byte(`{}`))
		if resp.StatusCode != http.StatusForbidden || ce.Code != "permission_denied" {
			t.Errorf("HTTP %d %+v, want 403 permission_denied", resp.StatusCode, ce)
		}
	})

	t.Run("resource exhausted", func(t *testing.T) {
		req := submission("limited", "the first is let through")
		req.Client.Ip = "198.51.100.77"
		if _, st, _ := d.callHTTP(t, commentSvc+"SubmitComment", "site-key-1", req); st != nil {
			t.Fatalf("first submission: %v", st.Err())
		}
		req = submission("limited", "the second is refused")
		req.Client.Ip = "198.51.100.77"
		_, st, resp := d.callHTTP(t, commentSvc+"SubmitComment", "site-key-1", req)
		if st.Code() != codes.ResourceExhausted || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("HTTP %d %v, want 429 RESOURCE_EXHAUSTED", resp.StatusCode, st.Err())
		}
		var retry time.Duration
		var quota []string
		for _, d := range st.Details() {
			switch d := d.(type) {
			case *errdetails.RetryInfo:
				retry = d.GetRetryDelay().AsDuration()
			case *errdetails.QuotaFailure:
				for _, v := range d.GetViolations() {
					quota = append(quota, v.GetSubject())
				}
			}
		}
		if retry <= 0 || len(quota) != 1 || quota[0] != "ip:198.51.100.77" {
			t.Fatalf("details %v, want a RetryInfo and a QuotaFailure on the IP", st.Details())
		}
		// Whole seconds, rounded up.
		if got, want := resp.Header.Get("Retry-After"), fmt.Sprint(int64((retry+time.Second-1)/time.Second)); got != want {
			t.Errorf("Retry-After %q, want %q for a delay of %v", got, want, retry)
		}

		// gRPC clients get the header too.
		var header metadata.MD
		ctx := metadata.AppendToOutgoingContext(ctxT(t), "authorization", "Bearer site-key-1")
		_, err := pb.NewCommentServiceClient(d.conn).SubmitComment(ctx, req, grpc.Header(&header))
		if status.Code(err) != codes.ResourceExhausted || len(header.Get("retry-after")) != 1 {
			t.Errorf("over gRPC: %v with header %v, want RESOURCE_EXHAUSTED and retry-after", err, header)
		}
	})

	t.Run("not found", func(t *testing.T) {
		resp, _ := d.post(t, commentSvc+"NoSuchMethod", "site-key-1", "application/json", []byte(`{}`))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown method: HTTP %d, want 404", resp.StatusCode)
		}
	})
}

// TestBadJSONIsInvalidArgumentAfterTheKey: a body that is not the request
// in JSON is the client's fault, named, and answered as gRPC answers a
// message it cannot decode: INVALID_ARGUMENT, and only to a caller with a
// key. Nothing is stored.
func TestBadJSONIsInvalidArgumentAfterTheKey(t *testing.T) {
	d := startDualOn(t, sqliteStore(t), "news:site-key-1", "ravi:tok-ravi")
	for _, tc := range []struct {
		name, body, want string
	}{
		{"syntax", `{"articleId": "a",`, "unexpected EOF"},
		{"not an object", `["a"]`, "unexpected token ["},
		{"unknown field", `{"articleId": "a", "author": {"name": "Priya", "email": "p@example.com"}, "body": "hello", "articel": 1}`, `unknown field "articel"`},
		{"wrong type", `{"articleId": 7, "body": "hello"}`, "invalid value for string field articleId: 7"},
		{"bad UTF-8", "{\"articleId\": \"a\", \"body\": \"caf\xe9\"}", "invalid UTF-8"},
		{"bad enum", `{"ids": ["x"], "action": "MODERATION_ACTION_BLESS"}`, "invalid value for enum field action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method, token := commentSvc+"SubmitComment", "site-key-1"
			if strings.Contains(tc.body, "action") {
				method, token = modSvc+"ModerateComments", "tok-ravi"
			}
			resp, ce := httpError(t, d, method, "", "application/json", []byte(tc.body))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without a key: HTTP %d %+v, want 401", resp.StatusCode, ce)
			}
			resp, ce = httpError(t, d, method, token, "application/json", []byte(tc.body))
			if resp.StatusCode != http.StatusBadRequest || ce.Code != "invalid_argument" || !strings.Contains(ce.Message, tc.want) {
				t.Fatalf("HTTP %d %+v, want 400 invalid_argument saying %q", resp.StatusCode, ce, tc.want)
			}
			if len(ce.Details) != 1 || !strings.Contains(string(ce.Details[0].Debug), `"field":"request"`) {
				t.Errorf("details %+v, want a BadRequest on the request", ce.Details)
			}
		})
	}
	if n := len(listAllHTTP(t, d, "a")); n != 0 {
		t.Errorf("%d comments stored from bad requests", n)
	}

	// A charset parameter and an empty body are what clients send.
	resp, b := d.post(t, modSvc+"ListWordLists", "tok-ravi", "application/json; charset=UTF-8", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"lists"`) {
		t.Errorf("an empty body: HTTP %d %s, want 200 with the word lists", resp.StatusCode, b)
	}
}

func listAllHTTP(t *testing.T, d *dual, article string) []*pb.Comment {
	t.Helper()
	resp, st, _ := d.callHTTP(t, commentSvc+"ListComments", "site-key-1", &pb.ListCommentsRequest{ArticleId: article})
	if st != nil {
		t.Fatal(st.Err())
	}
	return resp.(*pb.ListCommentsResponse).GetComments()
}
