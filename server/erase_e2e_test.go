package server_test

import (
	"crypto/sha256"
	"encoding/hex"
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

// TestAuditNamesAuthorsByAKeyedHash: the audit trail, which every
// moderator reads, names an author by one target across their export and
// erasure, keyed with the deployment's secret: it is not the plain hash of
// the email anyone could compute from a guess, and another deployment
// names the same author differently.
func TestAuditNamesAuthorsByAKeyedHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		const email = "guessable@example.com"
		targets := func(c *client) []string {
			if _, err := c.mod.ExportAuthorData(ctxT(t), &pb.ExportAuthorDataRequest{AuthorEmail: email}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.mod.EraseAuthorData(ctxT(t), &pb.EraseAuthorDataRequest{AuthorEmail: email}); err != nil {
				t.Fatal(err)
			}
			evs, err := c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs.GetEvents() {
				if strings.HasPrefix(e.GetAction(), "author.") {
					out = append(out, e.GetTarget())
				}
			}
			return out
		}
		c := start(t, b.open(t))
		first := targets(c)
		sum := sha256.Sum256([]byte(email))
		plain := "author:" + hex.EncodeToString(sum[:8])
		if len(first) != 2 || first[0] != first[1] || !strings.HasPrefix(first[0], "author:") || first[0] == plain {
			t.Fatalf("audit targets %v: want one keyed name for both events, not %s", first, plain)
		}
		// Another replica over the same database uses the same key.
		again := targets(start(t, b.open(t)))
		if len(again) != 4 || again[0] != first[0] {
			t.Errorf("a second replica named the author %v, want %s", again, first[0])
		}
		other := targets(start(t, backends(t)[slices.IndexFunc(backends(t), func(x backend) bool { return x.name == b.name })].open(t)))
		if len(other) != 2 || other[0] == first[0] {
			t.Errorf("another deployment named the author %v like this one (%s)", other, first[0])
		}
	})
}
