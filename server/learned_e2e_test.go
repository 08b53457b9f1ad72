package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// TestModeratorsTeachEveryReplica runs two replicas over one database, as
// two commentd processes would: decisions made through one's
// ModerationService change the other's verdicts, on both stores.
func TestModeratorsTeachEveryReplica(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		p := testPolicy()
		p.Rules.Learned.MinSpam, p.Rules.Learned.MinHam = 10, 10
		a := start(t, b.open(t), moderation.WithPolicy(p))
		other := start(t, b.open(t), moderation.WithPolicy(p))

		spam := []string{"sattaking lucky number pakka", "आज का पक्का नंबर jackpotwala", "vip group join karo bonus winner",
			"lucky number guaranteed kamao", "jackpotwala bonus आज पक्का"}
		ham := []string{"budget par acchi report", "किसान के लिए बहुत अच्छी रिपोर्ट", "sahi baat hai sarkar ki",
			"india team ki jeet par badhai", "बजट पर सही बात कही"}
		for i := range 12 {
			for _, c := range []struct {
				body   string
				action pb.ModerationAction
			}{{spam[i%len(spam)], pb.ModerationAction_MODERATION_ACTION_MARK_SPAM}, {ham[i%len(ham)], pb.ModerationAction_MODERATION_ACTION_APPROVE}} {
				r := submit(t, a, submission("learning", fmt.Sprintf("%s %d", c.body, i)))
				res, err := a.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: []string{r.GetComment().GetId()}, Action: c.action})
				if err != nil || res.GetResults()[0].GetCode() != 0 {
					t.Fatalf("ModerateComments: %v %v", res, err)
				}
			}
		}
		decided := time.Now()
		for {
			r := submit(t, other, submission("learning", "sattaking jackpotwala lucky number pakka bonus"))
			i := slices.IndexFunc(r.GetReasons(), func(x *pb.Reason) bool { return x.GetRule() == "learned" })
			if i >= 0 && r.GetStatus() == pb.CommentStatus_COMMENT_STATUS_SPAM {
				t.Logf("the other replica filed it as spam %v after the last decision: %s",
					time.Since(decided).Round(time.Millisecond), r.GetReasons()[i].GetDetail())
				break
			}
			if time.Since(decided) > 10*time.Second {
				t.Fatalf("the other replica has not learned: %v %v", r.GetStatus(), rules(r.GetReasons()))
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
