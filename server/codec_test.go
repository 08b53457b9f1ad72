package server

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"weak"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// badSubmission is a SubmitCommentRequest whose author.name and body are
// not UTF-8.
func badSubmission() []byte {
	var author []byte
	author = protowire.AppendTag(author, 1, protowire.BytesType)
	author = protowire.AppendString(author, "\xffPriya")
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendString(req, "a")
	req = protowire.AppendTag(req, 3, protowire.BytesType)
	req = protowire.AppendBytes(req, author)
	req = protowire.AppendTag(req, 4, protowire.BytesType)
	req = protowire.AppendString(req, "b\xc3")
	return req
}

func decode(t *testing.T, c codec, b []byte) *pb.SubmitCommentRequest {
	t.Helper()
	m := new(pb.SubmitCommentRequest)
	if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, m); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	return m
}

func TestDecodeProblemsTravelInTheMessage(t *testing.T) {
	m := decode(t, newCodec(), badSubmission())
	want := []moderation.FieldViolation{
		{Field: "author.name", Description: "is not valid UTF-8"},
		{Field: "body", Description: "is not valid UTF-8"},
	}
	if got := decodeProblems(m); !slices.Equal(got, want) {
		t.Errorf("decodeProblems = %v, want %v", got, want)
	}
	if m.GetBody() != "" || m.GetAuthor() != nil || m.GetArticleId() != "" {
		t.Errorf("the handler would see fields of a message that did not decode: %v", m)
	}
}

// A call refused before the codec's interceptor (no site key, say) drops
// its message unread; nothing the codec recorded may outlive it.
func TestDecodeProblemsDieWithTheMessage(t *testing.T) {
	c := newCodec()
	w := func() weak.Pointer[pb.SubmitCommentRequest] {
		return weak.Make(decode(t, c, badSubmission()))
	}()
	runtime.GC()
	if w.Value() != nil {
		t.Fatal("a request that failed to decode is still reachable after its call was dropped")
	}
	runtime.KeepAlive(c) // the codec lives as long as the server
}

// A client cannot pose as the codec by sending the field number it uses.
func TestClientCannotSendDecodeProblems(t *testing.T) {
	br, err := proto.Marshal(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "body", Description: "forged"}}})
	if err != nil {
		t.Fatal(err)
	}
	good, err := proto.Marshal(&pb.SubmitCommentRequest{ArticleId: "a", Body: "fine"})
	if err != nil {
		t.Fatal(err)
	}
	good = protowire.AppendTag(good, 7777, protowire.VarintType)
	good = protowire.AppendVarint(good, 1)
	good = protowire.AppendTag(good, problemsField, protowire.BytesType)
	good = protowire.AppendBytes(good, br)
	m := decode(t, newCodec(), good)
	if got := decodeProblems(m); got != nil {
		t.Errorf("decodeProblems = %v for a request that decoded cleanly", got)
	}
	if m.GetBody() != "fine" {
		t.Errorf("body = %q, want fine", m.GetBody())
	}
	// Other unknown fields stay as they came.
	if got, want := []byte(m.ProtoReflect().GetUnknown()), protowire.AppendVarint(protowire.AppendTag(nil, 7777, protowire.VarintType), 1); !slices.Equal(got, want) {
		t.Errorf("unknown fields = %x, want %x", got, want)
	}
}

// The HTTP front's JSON codec seals what it finds wrong, and the findings
// cross the wire format to this server's gRPC codec, and no other's.
func TestSealedProblemsCrossTheWire(t *testing.T) {
	c := newCodec()
	var m pb.SubmitCommentRequest
	if err := newJSONCodec(nil, c.seal).Unmarshal([]byte(`{"articleId": "a", "bodi": "x"}`), &m); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	wire, err := proto.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeProblems(decode(t, c, wire))
	if len(got) != 1 || got[0].Field != "request" || !strings.Contains(got[0].Description, `unknown field "bodi"`) {
		t.Errorf("decodeProblems = %v, want the unknown field named", got)
	}
	if got := decodeProblems(decode(t, newCodec(), wire)); got != nil {
		t.Errorf("another server's codec took the findings: %v", got)
	}
}
