package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func TestGetRuleStatsCountsTheModeratorsAgreement(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		conn := startWithCredentialsOn(t, b.open(t), "news:key-news,sport:key-sport", "ravi:tok-ravi")
		comments := pb.NewCommentServiceClient(conn)
		mod := pb.NewModerationServiceClient(conn)
		submitAs := func(key, body string) string {
			t.Helper()
			resp, err := comments.SubmitComment(as(t, key), submission("2026/12/stats", body))
			if err != nil {
				t.Fatalf("SubmitComment: %v", err)
			}
			return resp.GetComment().GetId()
		}
		decide := func(a pb.ModerationAction, ids ...string) {
			t.Helper()
			// A moderator without the admin role decides and reads the stats.
			if _, err := mod.ModerateComments(as(t, "tok-ravi"), &pb.ModerateCommentsRequest{Ids: ids, Action: a}); err != nil {
				t.Fatalf("ModerateComments: %v", err)
			}
		}
		twoLinks := "see https://one.example/a and https://two.example/b for more"

		// Everything is submitted before anything is decided, so that what
		// the moderators teach the learned rule changes no reasons.
		approved := submitAs("key-news", twoLinks+" on the budget")
		spam1 := submitAs("key-news", twoLinks+" on the match")
		spam2 := submitAs("key-news", twoLinks+" on the monsoon")
		submitAs("key-news", "A clear and fair report, thank you.")
		filed := submitAs("key-news", "Get the satta matka result here") // spam on arrival
		sport := submitAs("key-sport", twoLinks+" on the final")
		decide(pb.ModerationAction_MODERATION_ACTION_APPROVE, approved, sport)
		decide(pb.ModerationAction_MODERATION_ACTION_MARK_SPAM, spam1, spam2)

		// Marking as spam what the rules filed as spam changes nothing but
		// records the moderator, and counts as agreeing with the rule.
		out, err := mod.ModerateComments(as(t, "tok-ravi"), &pb.ModerateCommentsRequest{
			Ids: []string{filed}, Action: pb.ModerationAction_MODERATION_ACTION_MARK_SPAM,
		})
		if err != nil || len(out.GetResults()) != 1 || out.GetResults()[0].GetChanged() ||
			out.GetResults()[0].GetStatus() != pb.CommentStatus_COMMENT_STATUS_SPAM {
			t.Fatalf("MARK_SPAM of a comment filed as spam: %v, %v; want unchanged SPAM", out, err)
		}
		d, err := mod.GetCommentDetail(as(t, "tok-ravi"), &pb.GetCommentDetailRequest{Id: filed})
		if err != nil {
			t.Fatalf("GetCommentDetail: %v", err)
		}
		if c := d.GetComment(); c.GetModeratedBy() != "ravi" || !proto.Equal(c.GetComment().GetUpdateTime(), c.GetComment().GetCreateTime()) {
			t.Errorf("confirmed comment moderated by %q, updated %v, created %v; want ravi, not updated",
				c.GetModeratedBy(), c.GetComment().GetUpdateTime(), c.GetComment().GetCreateTime())
		}

		hour := timestamppb.New(time.Now().Add(-time.Hour))
		block := &pb.RuleStat{Rule: "wordlist_block", Action: pb.RuleAction_RULE_ACTION_SPAM, Fired: 1, Decided: 1, Agreed: 1}
		for _, tc := range []struct {
			site  string
			read  int64
			links *pb.RuleStat
		}{
			{"news", 5, &pb.RuleStat{Rule: "links", Action: pb.RuleAction_RULE_ACTION_HOLD, Fired: 3, Decided: 3, Agreed: 2}},
			{"", 6, &pb.RuleStat{Rule: "links", Action: pb.RuleAction_RULE_ACTION_HOLD, Fired: 4, Decided: 4, Agreed: 2}},
		} {
			resp, err := mod.GetRuleStats(as(t, "tok-ravi"), &pb.GetRuleStatsRequest{Site: tc.site, StartTime: hour})
			if err != nil {
				t.Fatalf("GetRuleStats(%q): %v", tc.site, err)
			}
			if resp.GetCommentsRead() != tc.read || resp.GetTruncated() {
				t.Errorf("GetRuleStats(%q): read %d, truncated %v; want %d, false", tc.site, resp.GetCommentsRead(), resp.GetTruncated(), tc.read)
			}
			var links, blocked *pb.RuleStat
			for i, st := range resp.GetStats() {
				switch st.GetRule() {
				case "links":
					links = st
				case "wordlist_block":
					blocked = st
				}
				if st.GetDecided() > st.GetFired() || st.GetAgreed() > st.GetDecided() {
					t.Errorf("GetRuleStats(%q): %v counts more decided than fired or agreed than decided", tc.site, st)
				}
				if i > 0 && st.GetFired() > resp.GetStats()[i-1].GetFired() {
					t.Errorf("GetRuleStats(%q): not sorted by fired: %v", tc.site, resp.GetStats())
				}
			}
			if !proto.Equal(links, tc.links) {
				t.Errorf("GetRuleStats(%q) links = %v; want %v (all: %v)", tc.site, links, tc.links, resp.GetStats())
			}
			if !proto.Equal(blocked, block) {
				t.Errorf("GetRuleStats(%q) wordlist_block = %v; want %v (all: %v)", tc.site, blocked, block, resp.GetStats())
			}
		}

		// A window that starts after every comment reads none.
		resp, err := mod.GetRuleStats(as(t, "tok-ravi"), &pb.GetRuleStatsRequest{StartTime: timestamppb.New(time.Now().Add(time.Hour))})
		if err != nil || resp.GetCommentsRead() != 0 || len(resp.GetStats()) != 0 {
			t.Errorf("GetRuleStats(future window) = %v, %v; want nothing read", resp, err)
		}
	})
}

func TestGetRuleStatsRefusesBadInputAndSites(t *testing.T) {
	conn := startWithCredentials(t, "news:key-news", "ravi:tok-ravi")
	mod := pb.NewModerationServiceClient(conn)

	_, err := mod.GetRuleStats(as(t, "tok-ravi"), &pb.GetRuleStatsRequest{
		StartTime: &timestamppb.Timestamp{Seconds: 253402300800}, // the year 10000
	})
	if got := violations(t, err); len(got) != 1 || got[0] != "start_time" {
		t.Errorf("bad start_time: violations %v; want [start_time]", got)
	}
	if msg := status.Convert(err).Message(); msg != "invalid request: start_time must be a time between the years 1 and 9999" {
		t.Errorf("bad start_time: message %q", msg)
	}
	_, err = mod.GetRuleStats(as(t, "tok-ravi"), &pb.GetRuleStatsRequest{Site: "news\x1b[2J"})
	if got := violations(t, err); len(got) != 1 || got[0] != "site" {
		t.Errorf("bad site: violations %v; want [site]", got)
	}
	if msg := status.Convert(err).Message(); msg != "invalid request: site must not contain control characters" {
		t.Errorf("bad site: message %q", msg)
	}

	_, err = mod.GetRuleStats(as(t, "key-news"), &pb.GetRuleStatsRequest{})
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("GetRuleStats with a site key: %v; want PERMISSION_DENIED", err)
	}
}
