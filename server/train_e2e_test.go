package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// trainingPolicy lets the learned rule speak after 10 examples of each.
func trainingPolicy() moderation.Policy {
	p := testPolicy()
	p.Rules.Learned.MinSpam, p.Rules.Learned.MinHam = 10, 10
	return p
}

func trainingHistory(n int) []*pb.TrainingExample {
	var out []*pb.TrainingExample
	for i := range n {
		out = append(out,
			&pb.TrainingExample{
				Body:   fmt.Sprintf("sattaking lucky number %d pakka, join vip group for free tips and bonus", i),
				Author: &pb.Author{Name: fmt.Sprintf("Winner %d", i), Email: fmt.Sprintf("win%d@bonus.example", i)},
				Label:  pb.TrainingLabel_TRAINING_LABEL_SPAM,
			},
			&pb.TrainingExample{
				Body:   fmt.Sprintf("बहुत अच्छी रिपोर्ट %d, sahi baat hai kisan ke liye budget", i),
				Author: &pb.Author{Name: fmt.Sprintf("Kavita %d", i), Email: fmt.Sprintf("kavita%d@mail.example", i), Url: "https://kavita.example/"},
				Label:  pb.TrainingLabel_TRAINING_LABEL_HAM,
			})
	}
	return out
}

// TestTrainCommentsTeachesTheLearnedRule: history sent through the API
// makes the learned rule speak on a site no moderator has decided for,
// and it survives a restart; nothing imported is listed as a comment.
func TestTrainCommentsTeachesTheLearnedRule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t), moderation.WithPolicy(trainingPolicy()))
		resp, err := c.mod.TrainComments(ctxT(t), &pb.TrainCommentsRequest{Site: "default", Examples: trainingHistory(12)})
		if err != nil {
			t.Fatalf("TrainComments: %v", err)
		}
		if resp.GetSpam() != 12 || resp.GetHam() != 12 {
			t.Errorf("TrainComments = %v, want 12 spam, 12 ham", resp)
		}
		spam := "sattaking lucky number pakka, join vip group for free tips"
		got := submit(t, c, submission("train", spam))
		if got.GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM || !hasLearnedReason(got.GetReasons(), "learned from 12 spam and 12 ham decisions") {
			t.Fatalf("after training: %v %v, want spam by the learned rule", got.GetStatus(), got.GetReasons())
		}
		queue, err := c.mod.ListQueue(ctxT(t), &pb.ListQueueRequest{})
		if err != nil || len(queue.GetComments()) != 0 {
			t.Errorf("queue after training: %v, %v; want empty", queue, err)
		}
		audit, err := c.mod.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{Target: "default"})
		if err != nil || len(audit.GetEvents()) != 1 || audit.GetEvents()[0].GetAction() != "learned.train" ||
			audit.GetEvents()[0].GetDetail() != "spam 12, ham 12" {
			t.Errorf("audit: %v, %v; want one learned.train event with the counts", audit, err)
		}

		// A replica started later reads the counts.
		c2 := start(t, b.open(t), moderation.WithPolicy(trainingPolicy()))
		got = submit(t, c2, submission("train", spam))
		if !hasLearnedReason(got.GetReasons(), "learned from 12 spam and 12 ham decisions") {
			t.Errorf("after a restart: %v", got.GetReasons())
		}
	})
}

func hasLearnedReason(rs []*pb.Reason, detail string) bool {
	return slices.ContainsFunc(rs, func(r *pb.Reason) bool {
		return r.GetRule() == "learned" && r.GetAction() == pb.RuleAction_RULE_ACTION_SPAM && strings.Contains(r.GetDetail(), detail)
	})
}

// TestTrainCommentsRefusesBadExamples: every bad field is named after the
// proto, and a refused call counts nothing.
func TestTrainCommentsRefusesBadExamples(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t), moderation.WithPolicy(trainingPolicy()))
		_, err := c.mod.TrainComments(ctxT(t), &pb.TrainCommentsRequest{Site: "default", Examples: []*pb.TrainingExample{
			{Body: "fine", Label: pb.TrainingLabel_TRAINING_LABEL_HAM},
			{Body: "no label"},
			{Body: "odd label", Label: pb.TrainingLabel(9)},
			{Body: "bad url", Label: pb.TrainingLabel_TRAINING_LABEL_SPAM, Author: &pb.Author{Url: "javascript:alert(1)"}},
			{Body: strings.Repeat("न", 5001), Label: pb.TrainingLabel_TRAINING_LABEL_SPAM},
		}})
		st, _ := status.FromError(err)
		var got []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					got = append(got, v.GetField()+": "+v.GetDescription())
				}
			}
		}
		want := []string{
			"examples[1].label: is required: SPAM or HAM",
			"examples[2].label: is required: SPAM or HAM",
			"examples[3].author.url: must be an http or https URL such as https://example.com/",
			"examples[4].body: must be at most 5000 characters, got 5001",
		}
		if st.Code() != codes.InvalidArgument || !slices.Equal(got, want) {
			t.Errorf("TrainComments: %v\n got %q\nwant %q", err, got, want)
		}
		if got := violations(t, func() error {
			_, err := c.mod.TrainComments(ctxT(t), &pb.TrainCommentsRequest{})
			return err
		}()); !slices.Equal(got, []string{"examples", "site"}) {
			t.Errorf("empty request: violations %q", got)
		}
		// Nothing was counted: 10 of each later is not enough.
		if _, err := c.mod.TrainComments(ctxT(t), &pb.TrainCommentsRequest{Site: "default", Examples: trainingHistory(9)}); err != nil {
			t.Fatal(err)
		}
		if got := submit(t, c, submission("train", "sattaking lucky number pakka, join vip group")); slices.ContainsFunc(got.GetReasons(), func(r *pb.Reason) bool { return r.GetRule() == "learned" }) {
			t.Errorf("after 9 of each: %v, want the learned rule silent", got.GetReasons())
		}
	})
}

// TestTrainCommentsNeedsAnAdmin: training changes every future decision.
func TestTrainCommentsNeedsAnAdmin(t *testing.T) {
	conn := startWithCredentials(t, "news:site-key-1", "asha:tok-asha:admin,ravi:tok-ravi")
	mod := pb.NewModerationServiceClient(conn)
	req := &pb.TrainCommentsRequest{Site: "news", Examples: trainingHistory(1)}
	_, err := mod.TrainComments(as(t, "tok-ravi"), req)
	if st, _ := status.FromError(err); st.Code() != codes.PermissionDenied || st.Message() != "TrainComments needs the admin role" {
		t.Errorf("a moderator: %v, want PERMISSION_DENIED", err)
	}
	if _, err := mod.TrainComments(as(t, "tok-asha"), req); err != nil {
		t.Errorf("an admin: %v", err)
	}
}
