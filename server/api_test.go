package server_test

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
	"github.com/commentd/commentd/store/sqlite"
)

// privateField matches the names of fields that carry reader data which
// must never reach a public read.
var privateField = regexp.MustCompile(`(?i)email|(^|_)ip(_|$)|user_agent|referr?er|client`)

// TestPublicReadsCannotCarryPrivateData walks every message reachable from
// CommentService's read responses: none may have a field for an email, an
// IP, a user agent or a referrer. Adding one fails this test.
func TestPublicReadsCannotCarryPrivateData(t *testing.T) {
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			if privateField.MatchString(string(fd.Name())) {
				t.Errorf("public message %s has field %s", md.FullName(), fd.Name())
			}
			if fd.Message() != nil {
				walk(fd.Message())
			}
		}
	}
	for _, m := range []proto.Message{&pb.GetCommentResponse{}, &pb.ListCommentsResponse{}, &pb.CountCommentsResponse{}} {
		walk(m.ProtoReflect().Descriptor())
	}
	if !seen["commentd.v1.Comment"] {
		t.Fatal("the walk did not reach commentd.v1.Comment")
	}
	// The same check must catch the moderators' type.
	if !privateField.MatchString("author_email") || !privateField.MatchString("ip") {
		t.Fatal("privateField does not match private names")
	}
}

// TestEnumsAgreeWithTheDomain guards the numeric casts in convert.go.
func TestEnumsAgreeWithTheDomain(t *testing.T) {
	for n, name := range pb.CommentStatus_name {
		if want := "COMMENT_STATUS_" + moderation.Status(n).String(); name != want {
			t.Errorf("CommentStatus %d is %s in the API, %s in the domain", n, name, want)
		}
	}
	for n, name := range pb.ModerationAction_name {
		a := strings.ToUpper(moderation.Action(n).String())
		if a == "SPAM" {
			a = "MARK_SPAM"
		}
		if want := "MODERATION_ACTION_" + a; name != want {
			t.Errorf("ModerationAction %d is %s in the API, %s in the domain", n, name, want)
		}
	}
	for n, name := range pb.RuleAction_name {
		want := map[moderation.RuleAction]string{
			moderation.RuleUnspecified: "RULE_ACTION_UNSPECIFIED", moderation.RuleAllow: "RULE_ACTION_ALLOW",
			moderation.RuleHold: "RULE_ACTION_HOLD", moderation.RuleSpam: "RULE_ACTION_SPAM", moderation.RuleScore: "RULE_ACTION_SCORE",
			moderation.RuleShadow: "RULE_ACTION_SHADOW",
		}[moderation.RuleAction(n)]
		if name != want {
			t.Errorf("RuleAction %d is %s in the API, %s in the domain", n, name, want)
		}
	}
	for n, name := range pb.ReportReason_name {
		if want := "REPORT_REASON_" + strings.ToUpper(moderation.ReportReason(n).String()); name != want {
			t.Errorf("ReportReason %d is %s in the API, %s in the domain", n, name, want)
		}
	}
	for n, name := range pb.WebhookDeliveryState_name {
		if want := "WEBHOOK_DELIVERY_STATE_" + moderation.DeliveryState(n).String(); name != want {
			t.Errorf("WebhookDeliveryState %d is %s in the API, %s in the domain", n, name, want)
		}
	}
}

// rawCodec sends bytes as they are, so a test can send what a well-behaved
// protobuf library would refuse to encode.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}
func (rawCodec) Name() string { return "proto" }

func TestInvalidUTF8IsInvalidArgumentNamingTheFields(t *testing.T) {
	c := start(t, backends(t)[0].open(t))
	// SubmitCommentRequest{article_id: "a", author: {name: "\xff", email: "x@example.com"}, body: "b\xc3"}
	var author []byte
	author = protowire.AppendTag(author, 1, protowire.BytesType)
	author = protowire.AppendString(author, "\xffPriya")
	author = protowire.AppendTag(author, 2, protowire.BytesType)
	author = protowire.AppendString(author, "x@example.com")
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendString(req, "a")
	req = protowire.AppendTag(req, 3, protowire.BytesType)
	req = protowire.AppendBytes(req, author)
	req = protowire.AppendTag(req, 4, protowire.BytesType)
	req = protowire.AppendString(req, "b\xc3")

	var resp []byte
	err := c.conn.Invoke(ctxT(t), "/commentd.v1.CommentService/SubmitComment", req, &resp, grpc.ForceCodecV2(rawCodec{}))
	if got := violations(t, err); !slices.Equal(got, []string{"author.name", "body"}) {
		t.Errorf("violations = %v, want author.name and body", got)
	}
	if got := listAll(t, c, "a", 0); len(got) != 0 {
		t.Errorf("stored %v", got)
	}

	// Wire data that is broken, not merely bad UTF-8, is the client's
	// fault too, and the server keeps serving.
	err = c.conn.Invoke(ctxT(t), "/commentd.v1.CommentService/SubmitComment", []byte{0x0a, 0xff}, &resp, grpc.ForceCodecV2(rawCodec{}))
	if got := violations(t, err); !slices.Equal(got, []string{"request"}) {
		t.Errorf("truncated message: %v, want INVALID_ARGUMENT naming the request", got)
	}
	submit(t, c, submission("a", "still serving"))
}

// panicStore is a pure fake: the one way to make a handler panic.
type panicStore struct{ moderation.Store }

func (panicStore) Comment(context.Context, string) (moderation.Comment, error) { panic("boom") }

func TestPanicsBecomeInternalAndTheServerLives(t *testing.T) {
	c := start(t, panicStore{Store: backends(t)[0].open(t)})
	_, err := c.GetComment(ctxT(t), &pb.GetCommentRequest{Id: "0190d7a4-0000-7000-8000-000000000000"})
	if st, _ := status.FromError(err); st.Code() != codes.Internal || strings.Contains(st.Message(), "boom") {
		t.Fatalf("got %v, want INTERNAL without the panic's text", err)
	}
	submit(t, c, submission("after-panic", "the server still works"))
}

func TestOversizedRequests(t *testing.T) {
	c := start(t, sqliteStore(t))
	// A body of exactly the right size to make the message one byte over
	// the limit.
	req := submission("big", "")
	req.Body = "x"
	base := proto.Size(req)
	req.Body = strings.Repeat("x", server.MaxRequestBytes-base+1+1) // +1 for the longer length prefix
	for proto.Size(req) > server.MaxRequestBytes+1 {
		req.Body = req.Body[1:]
	}
	if proto.Size(req) != server.MaxRequestBytes+1 {
		t.Fatalf("built a %d-byte request, want %d", proto.Size(req), server.MaxRequestBytes+1)
	}
	if _, err := c.SubmitComment(ctxT(t), req); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("request one byte over the limit: %v, want RESOURCE_EXHAUSTED", err)
	}
	req.Body = req.Body[2:]
	if _, err := c.SubmitComment(ctxT(t), req); status.Code(err) != codes.InvalidArgument {
		t.Errorf("request under the size limit with an over-long body: %v, want INVALID_ARGUMENT", err)
	}
	long := submission("big", "fine body")
	long.Author.Name = strings.Repeat("n", 10000)
	_, err := c.SubmitComment(ctxT(t), long)
	if got := violations(t, err); !slices.Equal(got, []string{"author.name"}) {
		t.Errorf("10,000-character name: %v", got)
	}
}

// FuzzSubmitBytes feeds arbitrary bytes as a serialized SubmitCommentRequest
// through a real server: no panic, every answer a defined status, and every
// comment it stores passes validation.
func FuzzSubmitBytes(f *testing.F) {
	good, _ := proto.Marshal(submission("fuzz", "a fine comment"))
	f.Add(good)
	f.Add([]byte{0x0a, 0xff})
	f.Add([]byte{0x1a, 0x03, 0x0a, 0x01, 0xff})
	f.Add([]byte{})
	st, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	c := start(f, st)
	f.Fuzz(func(t *testing.T, b []byte) {
		var resp []byte
		err := c.conn.Invoke(context.Background(), "/commentd.v1.CommentService/SubmitComment", b, &resp, grpc.ForceCodecV2(rawCodec{}))
		switch status.Code(err) {
		case codes.OK:
		case codes.InvalidArgument, codes.AlreadyExists, codes.ResourceExhausted:
			return
		default:
			t.Fatalf("answer %v to %x", err, b)
		}
		var r pb.SubmitCommentResponse
		if err := proto.Unmarshal(resp, &r); err != nil {
			t.Fatal(err)
		}
		if r.GetComment().GetId() == "" {
			return // validate_only
		}
		d, err := c.mod.GetCommentDetail(context.Background(), &pb.GetCommentDetailRequest{Id: r.GetComment().GetId()})
		if err != nil {
			t.Fatalf("stored comment not found: %v", err)
		}
		cm := d.GetComment()
		sub := moderation.Submission{
			ArticleID: cm.GetComment().GetArticleId(), ParentID: cm.GetComment().GetParentId(), Body: cm.GetComment().GetBody(),
			Author: moderation.Author{Name: cm.GetComment().GetAuthorName(), Email: cm.GetAuthorEmail(), URL: cm.GetComment().GetAuthorUrl()},
			Client: moderation.Client{IP: cm.GetClient().GetIp(), UserAgent: cm.GetClient().GetUserAgent(), Referrer: cm.GetClient().GetReferrer()},
		}
		if vs := moderation.DefaultLimits().Validate(sub); len(vs) > 0 {
			t.Fatalf("stored an invalid comment %v: %v", cm, vs)
		}
	})
}
