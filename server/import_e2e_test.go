package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// history is a small site history: a Hindi author's approved comment with
// a pending reply, spam, a trashed comment, a reply whose parent is not
// in the history, and two records a stored comment may not be.
func history() []*pb.ImportedComment {
	at := func(min int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2024, time.May, 3, 9, min, 0, 0, time.UTC))
	}
	c := func(id, parent, name, email, body string, st pb.CommentStatus, min int) *pb.ImportedComment {
		return &pb.ImportedComment{ImportId: id, ParentImportId: parent, ArticleId: "42",
			Author: &pb.Author{Name: name, Email: email}, Client: &pb.ClientInfo{Ip: "203.0.113.9", UserAgent: "Mozilla/5.0"},
			Body: body, CreateTime: at(min), Status: st}
	}
	bad := c("wxr:42:6", "", "Nameless", "not-an-email", "no address", pb.CommentStatus_COMMENT_STATUS_PUBLISHED, 6)
	noTime := c("wxr:42:7", "", "Timeless", "time@example.in", "no time", pb.CommentStatus_COMMENT_STATUS_PUBLISHED, 7)
	noTime.CreateTime = nil
	return []*pb.ImportedComment{
		c("wxr:42:1", "", "प्रिया शर्मा", "priya@example.in", "बहुत अच्छा लेख, धन्यवाद!", pb.CommentStatus_COMMENT_STATUS_PUBLISHED, 1),
		c("wxr:42:2", "wxr:42:1", "Rahul", "rahul@example.com", "सहमत हूँ", pb.CommentStatus_COMMENT_STATUS_PENDING, 2),
		c("wxr:42:3", "", "Lucky 7", "win@bonus.example", "sattaking pakka number join vip", pb.CommentStatus_COMMENT_STATUS_SPAM, 3),
		c("wxr:42:4", "", "Troll", "troll@example.net", "trashed by a moderator", pb.CommentStatus_COMMENT_STATUS_REJECTED, 4),
		c("wxr:42:5", "wxr:42:99", "Asha", "asha@example.in", "a reply to a pingback", pb.CommentStatus_COMMENT_STATUS_PENDING, 5),
		bad, noTime,
	}
}

// importAll streams cs in messages of per comments.
func importAll(ctx context.Context, mod pb.ModerationServiceClient, site string, cs []*pb.ImportedComment, per int) (*pb.ImportCommentsResponse, error) {
	stream, err := mod.ImportComments(ctx)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(cs); i += per {
		req := &pb.ImportCommentsRequest{Comments: cs[i:min(i+per, len(cs))]}
		if i == 0 {
			req.Site = site
		}
		if err := stream.Send(req); err != nil {
			break // the answer says why
		}
	}
	return stream.CloseAndRecv()
}

func skipped(r *pb.ImportCommentsResponse) string {
	var parts []string
	for _, s := range r.GetSkipped() {
		parts = append(parts, fmt.Sprintf("%s %d %v", s.GetReason(), s.GetCount(), s.GetImportIds()))
	}
	return strings.Join(parts, "; ")
}

// TestImportCommentsStoresHistory: an admin's import stores a history as
// it was decided, threaded, with its times, tells no webhook, makes the
// approved author known to the first-time hold, trains the learned rule
// once, and stores nothing when run again.
func TestImportCommentsStoresHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		r := newHookReceiver(t)
		p := testPolicy()
		p.Rules.FirstTimeHold = true
		p.Rules.Learned.Enabled, p.Rules.Learned.MinSpam, p.Rules.Learned.MinHam = true, 1, 1
		p.Webhooks = []moderation.Webhook{{Name: "wp", URL: r.URL, Secret: []byte("a-secret-of-16-bytes-or-more"), Site: "news",
			Events: moderation.EventTypes, Retry: moderation.DefaultWebhookRetry(), Timeout: 5 * time.Second}}
		conn := startWithCredentialsOn(t, b.open(t), "news:site-key-1", "asha:tok-asha:admin,ravi:tok-ravi", moderation.WithPolicy(p))
		comments, mod := pb.NewCommentServiceClient(conn), pb.NewModerationServiceClient(conn)

		if _, err := importAll(as(t, "tok-ravi"), mod, "news", history(), 3); status.Code(err) != codes.PermissionDenied {
			t.Fatalf("a moderator's import: %v, want PERMISSION_DENIED", err)
		}
		resp, err := importAll(as(t, "tok-asha"), mod, "news", history(), 3)
		if err != nil {
			t.Fatalf("ImportComments: %v", err)
		}
		const wantSkipped = "invalid author.email 1 [wxr:42:6]; invalid create_time 1 [wxr:42:7]"
		if resp.GetReceived() != 7 || resp.GetStored() != 5 || resp.GetStoredWithoutParent() != 1 || resp.GetAlreadyImported() != 0 || skipped(resp) != wantSkipped {
			t.Fatalf("ImportComments = %v; want 7 received, 5 stored (1 without its parent), skipped %s", resp, wantSkipped)
		}

		// Readers see the approved comment, with its time.
		list, err := comments.ListComments(as(t, "site-key-1"), &pb.ListCommentsRequest{ArticleId: "42"})
		if err != nil || len(list.GetComments()) != 1 {
			t.Fatalf("ListComments: %v, %v; want the one approved comment", list, err)
		}
		parent := list.GetComments()[0]
		if parent.GetBody() != "बहुत अच्छा लेख, धन्यवाद!" || !parent.GetCreateTime().AsTime().Equal(time.Date(2024, time.May, 3, 9, 1, 0, 0, time.UTC)) {
			t.Errorf("published: %v", parent)
		}
		// Moderators see the pending reply under it, and the orphan at the top.
		queue, err := mod.ListQueue(as(t, "tok-asha"), &pb.ListQueueRequest{})
		if err != nil {
			t.Fatal(err)
		}
		parents := map[string]string{}
		for _, c := range queue.GetComments() {
			parents[c.GetComment().GetBody()] = c.GetComment().GetParentId()
		}
		if len(parents) != 2 || parents["सहमत हूँ"] != parent.GetId() || parents["a reply to a pingback"] != "" {
			t.Errorf("queue: %v; want the reply under %s and the orphan at the top", parents, parent.GetId())
		}
		for st, n := range map[pb.CommentStatus]int{pb.CommentStatus_COMMENT_STATUS_SPAM: 1, pb.CommentStatus_COMMENT_STATUS_REJECTED: 1} {
			q, err := mod.ListQueue(as(t, "tok-asha"), &pb.ListQueueRequest{Status: st})
			if err != nil || len(q.GetComments()) != n {
				t.Errorf("%v: %v, %v; want %d", st, q, err, n)
			}
		}
		// No webhook heard of history.
		if d, err := mod.ListWebhookDeliveries(as(t, "tok-asha"), &pb.ListWebhookDeliveriesRequest{}); err != nil || len(d.GetDeliveries()) != 0 {
			t.Errorf("deliveries after the import: %v, %v; want none", d, err)
		}
		audit, err := mod.ListAuditEvents(as(t, "tok-asha"), &pb.ListAuditEventsRequest{Target: "news"})
		if err != nil || len(audit.GetEvents()) != 1 || audit.GetEvents()[0].GetAction() != "comments.import" ||
			audit.GetEvents()[0].GetDetail() != "stored 5 of 7 (already imported 0, duplicates 0, invalid 2)" {
			t.Errorf("audit: %v, %v; want one comments.import event", audit, err)
		}

		// The imported approval counts: Priya is not held as a first-time
		// author, a new reader is; the learned rule counts one spam and one
		// ham decision.
		sub := func(name, email, body string) *pb.SubmitCommentResponse {
			resp, err := comments.SubmitComment(as(t, "site-key-1"), &pb.SubmitCommentRequest{ArticleId: "42",
				Author: &pb.Author{Name: name, Email: email}, Body: body})
			if err != nil {
				t.Fatalf("SubmitComment(%s): %v", name, err)
			}
			return resp
		}
		if c := sub("प्रिया शर्मा", "priya@example.in", "फिर से पढ़ा, अच्छा लगा"); c.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Errorf("the imported author: %v %v, want published", c.GetStatus(), c.GetReasons())
		}
		c := sub("Meera", "meera@example.in", "पहली बार लिख रही हूँ")
		if c.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PENDING || !slices.ContainsFunc(c.GetReasons(), func(r *pb.Reason) bool { return r.GetRule() == "first_time_commenter" }) {
			t.Errorf("a new author: %v %v, want held as first-time", c.GetStatus(), c.GetReasons())
		}
		if !learnedFrom(c.GetReasons(), "learned from 1 spam and 1 ham decisions") {
			t.Errorf("learned rule after the import: %v", c.GetReasons())
		}

		// Again: nothing new, in any count.
		resp, err = importAll(as(t, "tok-asha"), mod, "news", history(), 2)
		if err != nil || resp.GetStored() != 0 || resp.GetAlreadyImported() != 5 || skipped(resp) != wantSkipped {
			t.Fatalf("the import again = %v, %v; want 0 stored, 5 already imported", resp, err)
		}
		c = sub("Kiran", "kiran@example.in", "एक और नई टिप्पणी")
		if !learnedFrom(c.GetReasons(), "learned from 1 spam and 1 ham decisions") {
			t.Errorf("learned rule after the import again: %v", c.GetReasons())
		}
		if audit, _ := mod.ListAuditEvents(as(t, "tok-asha"), &pb.ListAuditEventsRequest{Target: "news"}); len(audit.GetEvents()) != 1 {
			t.Errorf("audit after the import again: %v; want the first import's event only", audit)
		}

		// A malformed stream is refused.
		if _, err := importAll(as(t, "tok-asha"), mod, "", history(), 3); status.Code(err) != codes.InvalidArgument {
			t.Errorf("without a site: %v, want INVALID_ARGUMENT", err)
		}
	})
}

// TestImportCommentsOverConnectStreaming: over HTTP the import is a Connect
// client stream of JSON envelopes, answered by one message.
func TestImportCommentsOverConnectStreaming(t *testing.T) {
	d := startDualOn(t, sqliteStore(t), "news:site-key-1", "asha:tok-asha:admin")
	var body []byte
	for i, c := range history()[:4] {
		req := &pb.ImportCommentsRequest{Comments: []*pb.ImportedComment{c}}
		if i == 0 {
			req.Site = "news"
		}
		b, err := protojson.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, frame(0, b)...)
	}
	resp, b := d.post(t, modSvc+"ImportComments", "tok-asha", "application/connect+json", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	r := bytes.NewReader(b)
	flags, msg := readFrame(t, r)
	var got pb.ImportCommentsResponse
	if err := protojson.Unmarshal(msg, &got); flags != 0 || err != nil || got.GetStored() != 4 || got.GetReceived() != 4 {
		t.Errorf("envelope %x %s (%v); want 4 stored", flags, msg, err)
	}
	if flags, end := readFrame(t, r); flags != 2 || strings.Contains(string(end), "error") {
		t.Errorf("end of stream %x %s", flags, end)
	}
}

// learnedFrom reports whether the learned rule spoke, whatever it said,
// with detail.
func learnedFrom(rs []*pb.Reason, detail string) bool {
	return slices.ContainsFunc(rs, func(r *pb.Reason) bool {
		return r.GetRule() == "learned" && strings.Contains(r.GetDetail(), detail)
	})
}
