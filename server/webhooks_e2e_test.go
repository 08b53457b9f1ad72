package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// hookReceiver keeps the bodies a webhook endpoint got.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	ids    []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.ids = append(r.ids, req.Header.Get("Commentd-Event-Id"))
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

// wait waits until the receiver got n requests, and returns them.
func (r *hookReceiver) wait(t *testing.T, n int) ([][]byte, []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.mu.Lock()
		bodies, ids := r.bodies, r.ids
		r.mu.Unlock()
		if len(bodies) >= n {
			return bodies, ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %d requests, want %d", len(bodies), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The webhooks' API over gRPC on both stores: a body's comment and reasons
// are the API's messages in proto JSON; moderators list deliveries, and
// admins redeliver them, audited.
func TestWebhooksAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		r := newHookReceiver(t)
		p := testPolicy()
		p.DefaultStatus = moderation.StatusPending
		p.Webhooks = []moderation.Webhook{{Name: "wp", URL: r.URL, Secret: []byte("a-secret-of-16-bytes-or-more"), Site: "news",
			Events: moderation.EventTypes, Retry: moderation.DefaultWebhookRetry(), Timeout: 5 * time.Second}}
		conn := startWithCredentialsOn(t, b.open(t), "news:site-key-1", "asha:tok-asha:admin,ravi:tok-ravi", moderation.WithPolicy(p))
		comments := pb.NewCommentServiceClient(conn)
		mod := pb.NewModerationServiceClient(conn)

		sub := submission("2026/12/budget", "Read https://example.com/a and https://example.org/b for more")
		sub.RequestId = "wp-comment-101"
		resp, err := comments.SubmitComment(as(t, "site-key-1"), sub)
		if err != nil {
			t.Fatal(err)
		}
		bodies, ids := r.wait(t, 1)
		var body struct {
			ID          string            `json:"id"`
			RequestID   string            `json:"request_id"`
			AuthorEmail string            `json:"author_email"`
			Comment     json.RawMessage   `json:"comment"`
			Reasons     []json.RawMessage `json:"reasons"`
		}
		if err := json.Unmarshal(bodies[0], &body); err != nil {
			t.Fatal(err)
		}
		if body.ID != ids[0] || body.RequestID != "wp-comment-101" || body.AuthorEmail != sub.GetAuthor().GetEmail() {
			t.Errorf("body %s", bodies[0])
		}
		// The comment is the API's Comment, as GetCommentDetail shows it.
		var got pb.Comment
		if err := protojson.Unmarshal(body.Comment, &got); err != nil {
			t.Fatalf("the body's comment is not a Comment in proto JSON: %v: %s", err, body.Comment)
		}
		detail, err := mod.GetCommentDetail(as(t, "tok-ravi"), &pb.GetCommentDetailRequest{Id: resp.GetComment().GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(&got, detail.GetComment().GetComment()) {
			t.Errorf("the body's comment:\n%v\nGetCommentDetail's:\n%v", &got, detail.GetComment().GetComment())
		}
		if want, err := (protojson.MarshalOptions{UseProtoNames: true}).Marshal(detail.GetComment().GetComment()); err != nil || !jsonEqual(t, want, body.Comment) {
			t.Errorf("the body's comment %s, protojson writes %s", body.Comment, want)
		}
		// The reasons are the ones the site was answered.
		if len(body.Reasons) != len(resp.GetReasons()) || len(body.Reasons) == 0 {
			t.Fatalf("%d reasons in the body, %d in the answer", len(body.Reasons), len(resp.GetReasons()))
		}
		for i, raw := range body.Reasons {
			var reason pb.Reason
			if err := protojson.Unmarshal(raw, &reason); err != nil || !proto.Equal(&reason, resp.GetReasons()[i]) {
				t.Errorf("reason %d: %v, %s; want %v", i, err, raw, resp.GetReasons()[i])
			}
		}

		// Any moderator lists deliveries; filters and pages.
		if _, err := mod.ModerateComments(as(t, "tok-ravi"), &pb.ModerateCommentsRequest{Ids: []string{resp.GetComment().GetId()},
			Action: pb.ModerationAction_MODERATION_ACTION_APPROVE}); err != nil {
			t.Fatal(err)
		}
		r.wait(t, 2)
		waitDelivered(t, mod, 2)
		var listed []*pb.WebhookDelivery
		req := &pb.ListWebhookDeliveriesRequest{State: pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED, PageSize: 1}
		for {
			page, err := mod.ListWebhookDeliveries(as(t, "tok-ravi"), req)
			if err != nil {
				t.Fatal(err)
			}
			listed = append(listed, page.GetDeliveries()...)
			if page.GetNextPageToken() == "" {
				break
			}
			if len(listed) > 5 {
				t.Fatal("paging does not end")
			}
			req.PageToken = page.GetNextPageToken()
		}
		if len(listed) != 2 || listed[0].GetEventType() != "comment.approved" || listed[1].GetEventType() != "comment.held" {
			t.Fatalf("listed %v", listed)
		}
		held := listed[1]
		if held.GetEventId() != ids[0] || held.GetEndpoint() != "wp" || held.GetSite() != "news" || held.GetAttempts() != 1 ||
			held.GetCommentId() != resp.GetComment().GetId() || held.GetDoneTime() == nil || held.GetNextAttemptTime() != nil || held.GetLastError() != "" {
			t.Errorf("held delivery: %v", held)
		}
		_, err = mod.ListWebhookDeliveries(as(t, "tok-ravi"), &pb.ListWebhookDeliveriesRequest{State: pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DEAD, PageToken: req.GetPageToken()})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("a page token of another listing: %v, want INVALID_ARGUMENT", err)
		}
		if _, err := mod.ListWebhookDeliveries(as(t, "tok-ravi"), &pb.ListWebhookDeliveriesRequest{State: 9}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("an unknown state: %v, want INVALID_ARGUMENT", err)
		}
		if page, err := mod.ListWebhookDeliveries(as(t, "tok-ravi"), &pb.ListWebhookDeliveriesRequest{Retrying: true}); err != nil || len(page.GetDeliveries()) != 0 {
			t.Errorf("retrying: %v, %v; want none", page, err)
		}

		// Only an admin redelivers; the receiver gets the same event again.
		redeliver := &pb.RedeliverWebhooksRequest{Id: held.GetId(), Note: "the site lost it"}
		if _, err := mod.RedeliverWebhooks(as(t, "tok-ravi"), redeliver); status.Code(err) != codes.PermissionDenied {
			t.Errorf("a moderator redelivers: %v, want PERMISSION_DENIED", err)
		}
		if out, err := mod.RedeliverWebhooks(as(t, "tok-asha"), redeliver); err != nil || out.GetRedelivered() != 1 {
			t.Fatalf("RedeliverWebhooks = %v, %v", out, err)
		}
		if _, ids := r.wait(t, 3); ids[2] != ids[0] {
			t.Errorf("redelivered event id %s, want %s", ids[2], ids[0])
		}
		for _, bad := range []*pb.RedeliverWebhooksRequest{{}, {Id: held.GetId(), AllDead: true}, {Id: "x", Endpoint: "wp"}} {
			if _, err := mod.RedeliverWebhooks(as(t, "tok-asha"), bad); status.Code(err) != codes.InvalidArgument {
				t.Errorf("RedeliverWebhooks(%v): %v, want INVALID_ARGUMENT", bad, err)
			}
		}
		if _, err := mod.RedeliverWebhooks(as(t, "tok-asha"), &pb.RedeliverWebhooksRequest{Id: "01a21a73-93ba-7eca-85ba-0ef079be6234"}); status.Code(err) != codes.NotFound {
			t.Errorf("an unknown delivery: %v, want NOT_FOUND", err)
		}
		if out, err := mod.RedeliverWebhooks(as(t, "tok-asha"), &pb.RedeliverWebhooksRequest{AllDead: true}); err != nil || out.GetRedelivered() != 0 {
			t.Errorf("redelivering no dead ones: %v, %v", out, err)
		}
		ev, err := mod.ListAuditEvents(as(t, "tok-ravi"), &pb.ListAuditEventsRequest{Target: held.GetId()})
		if err != nil || len(ev.GetEvents()) != 1 || ev.GetEvents()[0].GetActor() != "asha" || ev.GetEvents()[0].GetAction() != "webhook.redeliver" ||
			ev.GetEvents()[0].GetNote() != "the site lost it" || ev.GetEvents()[0].GetDetail() != "1 delivery pending again" {
			t.Errorf("audit = %v, %v", ev, err)
		}
	})
}

// waitDelivered waits until n deliveries are recorded as delivered: a
// receiver has its request before the attempt is recorded.
func waitDelivered(t *testing.T, mod pb.ModerationServiceClient, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		page, err := mod.ListWebhookDeliveries(as(t, "tok-ravi"), &pb.ListWebhookDeliveriesRequest{State: pb.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.GetDeliveries()) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries delivered, want %d", len(page.GetDeliveries()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
