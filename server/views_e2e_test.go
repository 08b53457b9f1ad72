package server_test

import (
	"slices"
	"testing"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// An author's URL on a blocked domain files an innocent comment as spam,
// with a reason pointing into author.url; a word hidden behind a character
// reference or a bidi override is found, and the stored text is what was
// sent.
func TestAuthorURLAndHiddenWordsOverTheWire(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		policy := testPolicy()
		policy.Rules.Links.BlockDomains = []string{"bet.example"}
		c := start(t, b.open(t), moderation.WithPolicy(policy))
		updateWords(t, c, pb.WordList_WORD_LIST_BLOCK, "casino")

		req := submission("views", "What a match last night, well played by both sides.")
		req.Author.Url = "https://bet.example/"
		r := submit(t, c, req)
		i := slices.IndexFunc(r.GetReasons(), func(r *pb.Reason) bool { return r.GetRule() == "link_domain_block" })
		if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM || i < 0 {
			t.Fatalf("blocked author URL: %v %v, want SPAM by link_domain_block", r.GetStatus(), rules(r.GetReasons()))
		}
		reason := r.GetReasons()[i]
		if sp := reason.GetSpan(); sp.GetField() != "url" || sp.GetStart() != 0 || sp.GetEnd() != int32(len(req.Author.Url)) || sp.GetText() != req.Author.Url {
			t.Errorf("span %v, want the whole author.url", sp)
		}
		if got, want := reason.GetDetail(), "the author's URL: links to bet.example, a blocked domain"; got != want {
			t.Errorf("detail %q, want %q", got, want)
		}
		q, err := c.mod.ListQueue(ctxT(t), &pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_SPAM})
		if err != nil || len(q.GetComments()) != 1 || q.GetComments()[0].GetComment().GetAuthorUrl() != req.Author.Url {
			t.Fatalf("spam queue: %v, %v; want the comment with its URL as sent", q.GetComments(), err)
		}

		for _, body := range []string{"Play &#99;asino tonight", "Play \u202Eonisac\u202C tonight"} {
			r := submit(t, c, submission("views", body))
			if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM || r.GetComment().GetBody() != body {
				t.Errorf("%q: %v %v, stored %q; want SPAM, stored as sent", body, r.GetStatus(), rules(r.GetReasons()), r.GetComment().GetBody())
				continue
			}
			sp := r.GetReasons()[0].GetSpan()
			if sp.GetField() != "body" || body[sp.GetStart():sp.GetEnd()] != sp.GetText() {
				t.Errorf("%q: span %v does not point into the body", body, sp)
			}
		}
	})
}
