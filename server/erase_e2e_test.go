package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestRetryAfterErasureRevealsNothing: once an author is erased, retrying
// their request id gets one answer whatever email, IP and body it
// carries, so it cannot confirm a guess of what was erased.
func TestRetryAfterErasureRevealsNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("erased", "Something I no longer want stored")
		req.RequestId = "5d1e0c7a-erase-me"
		if r := submit(t, c, req); r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("submitted: %v", r.GetStatus())
		}
		resp, err := c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{AuthorEmail: req.GetAuthor().GetEmail()})
		if err != nil || resp.GetErasedCount() != 1 {
			t.Fatalf("EraseAuthorData: %v, %v; want 1 erased", resp, err)
		}

		wrongEmail := proto.Clone(req).(*pb.SubmitCommentRequest)
		wrongEmail.Author.Email = "someone.else@example.com"
		wrongIP := proto.Clone(req).(*pb.SubmitCommentRequest)
		wrongIP.Client.Ip = "198.51.100.99"
		wrongBody := proto.Clone(req).(*pb.SubmitCommentRequest)
		wrongBody.Body = "A guess at what was said"
		const want = "invalid request: request_id was already used for a different comment; use a new request_id for each submission"
		for name, guess := range map[string]*pb.SubmitCommentRequest{
			"the right guess": req, "a wrong email": wrongEmail, "a wrong IP": wrongIP, "a wrong body": wrongBody,
		} {
			_, err := c.SubmitComment(ctxT(t), guess)
			if st, _ := status.FromError(err); st.Code() != codes.InvalidArgument || st.Message() != want {
				t.Errorf("retry with %s: %v; want INVALID_ARGUMENT %q", name, err, want)
				continue
			}
			if got := violations(t, err); !slices.Equal(got, []string{"request_id"}) {
				t.Errorf("retry with %s: violations %v, want request_id", name, got)
			}
		}
		if got := listAll(t, c, "erased", 0); len(got) != 0 {
			t.Errorf("after the retries %d comments are listed, want none", len(got))
		}
	})
}

// TestEraseAuthorDataChecksTheNote: the note is bounded like moderators'
// other notes, and a refused call erases nothing.
func TestEraseAuthorDataChecksTheNote(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		req := submission("erase-note", "Still here after a refused erasure")
		submit(t, c, req)
		for note, want := range map[string]string{
			strings.Repeat("न", 1001): "must be at most 1000 characters, got 1001",
			"ref \x1b[2J":             "must not contain control characters",
		} {
			_, err := c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{AuthorEmail: req.GetAuthor().GetEmail(), Note: note})
			st, _ := status.FromError(err)
			var got []string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						got = append(got, v.GetField()+": "+v.GetDescription())
					}
				}
			}
			if st.Code() != codes.InvalidArgument || !slices.Equal(got, []string{"note: " + want}) {
				t.Errorf("note of %d bytes: %v, violations %q; want INVALID_ARGUMENT note: %s", len(note), err, got, want)
			}
		}
		if got := listAll(t, c, "erase-note", 0); len(got) != 1 {
			t.Errorf("%d comments listed, want the one a refused erasure left", len(got))
		}
		if _, err := c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{
			AuthorEmail: req.GetAuthor().GetEmail(), Note: strings.Repeat("न", 1000)}); err != nil {
			t.Errorf("a note of 1000 characters: %v", err)
		}
	})
}
