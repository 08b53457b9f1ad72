package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// badUTF8Submission is a SubmitCommentRequest on article whose
// author.name and body are not UTF-8.
func badUTF8Submission(article string) []byte {
	var author []byte
	author = protowire.AppendTag(author, 1, protowire.BytesType)
	author = protowire.AppendString(author, "\xffPriya")
	author = protowire.AppendTag(author, 2, protowire.BytesType)
	author = protowire.AppendString(author, "priya@example.in")
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendString(req, article)
	req = protowire.AppendTag(req, 3, protowire.BytesType)
	req = protowire.AppendBytes(req, author)
	req = protowire.AppendTag(req, 4, protowire.BytesType)
	req = protowire.AppendString(req, "b\xc3")
	return req
}

// With site keys configured, a request that does not decode is refused for
// its missing key first, and a site's own bad request still names every
// bad field.
func TestUndecodableRequestsWithoutAKeyAreUnauthenticated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		conn := startWithCredentialsOn(t, b.open(t), "news:site-key-1", "asha:tok-asha:admin")
		comments := pb.NewCommentServiceClient(conn)
		const method = "/commentd.v1.CommentService/SubmitComment"
		var resp []byte
		for _, key := range []string{"", "site-key-2", "tok-asha"} {
			err := conn.Invoke(as(t, key), method, badUTF8Submission("codec"), &resp, grpc.ForceCodecV2(rawCodec{}))
			want := codes.Unauthenticated
			if key == "tok-asha" {
				// A moderator may call SubmitComment, to check against a
				// site: its bad request is answered like a site's.
				want = codes.InvalidArgument
			}
			if status.Code(err) != want {
				t.Errorf("key %q: %v, want %v", key, err, want)
			}
		}
		err := conn.Invoke(as(t, "site-key-1"), method, badUTF8Submission("codec"), &resp, grpc.ForceCodecV2(rawCodec{}))
		if got := violations(t, err); !slices.Equal(got, []string{"author.name", "body"}) {
			t.Errorf("with the site's key: violations %v, want author.name and body", got)
		}
		// The same on a stream: a moderator's WatchQueue with a bad
		// article_id and no token.
		var wq []byte
		wq = protowire.AppendTag(wq, 2, protowire.BytesType)
		wq = protowire.AppendString(wq, "\xff")
		desc := &grpc.StreamDesc{ServerStreams: true}
		for _, tc := range []struct {
			token string
			want  codes.Code
		}{{"", codes.Unauthenticated}, {"tok-asha", codes.InvalidArgument}} {
			s, err := conn.NewStream(as(t, tc.token), desc, "/commentd.v1.ModerationService/WatchQueue", grpc.ForceCodecV2(rawCodec{}))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SendMsg(wq); err != nil {
				t.Fatal(err)
			}
			if err := s.CloseSend(); err != nil {
				t.Fatal(err)
			}
			var m []byte
			if err := s.RecvMsg(&m); status.Code(err) != tc.want {
				t.Errorf("WatchQueue with token %q: %v, want %v", tc.token, err, tc.want)
			}
		}
		list, err := comments.ListComments(as(t, "site-key-1"), &pb.ListCommentsRequest{ArticleId: "codec"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.GetComments()) != 0 {
			t.Errorf("stored %v", list.GetComments())
		}
	})
}
