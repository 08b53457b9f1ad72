package server_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// A SHADOW term is stored, listed and reported as a reason with action
// SHADOW, and the comment is decided as if it were not listed.
func TestShadowTermRecordsButNeverDecides(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		updateWords(t, c, pb.WordList_WORD_LIST_SHADOW, "jalebi")
		body := "Who sells the best JALEBI this week?"
		r := submit(t, c, submission("shadow", body))
		if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
			t.Fatalf("%q: %v %v, want PUBLISHED", body, r.GetStatus(), rules(r.GetReasons()))
		}
		if len(r.GetReasons()) != 1 {
			t.Fatalf("reasons %v, want only wordlist_shadow", rules(r.GetReasons()))
		}
		got := r.GetReasons()[0]
		if got.GetRule() != "wordlist_shadow" || got.GetAction() != pb.RuleAction_RULE_ACTION_SHADOW ||
			got.GetDetail() != `SHADOW term "jalebi" (word list) in the body` || got.GetSpan().GetText() != "JALEBI" {
			t.Errorf("reason %v", got)
		}
		d, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: r.GetComment().GetId()})
		if err != nil || !slices.Contains(rules(d.GetComment().GetReasons()), "wordlist_shadow") {
			t.Errorf("stored reasons %v, %v", rules(d.GetComment().GetReasons()), err)
		}
		lists, err := c.mod.ListWordLists(ctxT(t), &pb.ListWordListsRequest{})
		if err != nil || len(lists.GetLists()) != 4 || lists.GetLists()[3].GetList() != pb.WordList_WORD_LIST_SHADOW ||
			!slices.Equal(lists.GetLists()[3].GetTerms(), []string{"jalebi"}) {
			t.Errorf("ListWordLists = %v, %v", lists, err)
		}
	})
}

// backtest runs a Backtest to its end and returns the progress messages
// and the report.
func backtest(t *testing.T, c *client, req *pb.BacktestRequest) ([]*pb.BacktestProgress, *pb.BacktestReport, error) {
	t.Helper()
	stream, err := c.mod.Backtest(ctxT(t), req)
	if err != nil {
		t.Fatalf("Backtest: %v", err)
	}
	var progress []*pb.BacktestProgress
	var report *pb.BacktestReport
	for {
		resp, err := stream.Recv()
		switch {
		case errors.Is(err, io.EOF):
			return progress, report, nil
		case err != nil:
			return progress, report, err
		case report != nil:
			t.Fatalf("a message after the report: %v", resp)
		case resp.GetProgress() != nil:
			progress = append(progress, resp.GetProgress())
		default:
			report = resp.GetReport()
		}
	}
}

func TestBacktestStreamsProgressAndTheReport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c := start(t, b.open(t))
		start := time.Now().Add(-time.Minute)
		var watches []string
		for i := range 30 {
			submit(t, c, submission("bt", fmt.Sprintf("A thoughtful note on the monsoon session, part %d", i)))
			r := submit(t, c, submission("bt", fmt.Sprintf("Cheap watches for sale, model %d", i)))
			if r.GetStatus() != pb.CommentStatus_COMMENT_STATUS_PUBLISHED {
				t.Fatalf("watch comment %d: %v %v", i, r.GetStatus(), rules(r.GetReasons()))
			}
			watches = append(watches, r.GetComment().GetId())
		}
		if _, err := c.mod.ModerateComments(ctxT(t), &pb.ModerateCommentsRequest{Ids: watches[:20], Action: pb.ModerationAction_MODERATION_ACTION_MARK_SPAM}); err != nil {
			t.Fatal(err)
		}
		progress, rep, err := backtest(t, c, &pb.BacktestRequest{
			Site: "default", StartTime: timestamppb.New(start), MaxExamples: 2,
			PolicyYaml:      "rules:\n  first_time_hold: false\n",
			WordListChanges: []*pb.BacktestWordListChange{{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"watches"}}},
		})
		if err != nil || rep == nil {
			t.Fatalf("Backtest: %v, report %v", err, rep)
		}
		if len(progress) == 0 || progress[len(progress)-1].GetDone() != 60 || progress[len(progress)-1].GetTotal() != 60 {
			t.Errorf("progress %v, want it to end at 60 of 60", progress)
		}
		pub, spam := pb.CommentStatus_COMMENT_STATUS_PUBLISHED, pb.CommentStatus_COMMENT_STATUS_SPAM
		undecided, marked := pb.BacktestJudgment_BACKTEST_JUDGMENT_UNDECIDED, pb.BacktestJudgment_BACKTEST_JUDGMENT_SPAM
		want := fmt.Sprint([]*pb.BacktestCell{
			{Decision: pub, Judgment: undecided, Count: 30},
			{Decision: spam, Judgment: undecided, Count: 10},
			{Decision: spam, Judgment: marked, Count: 20},
		})
		if got := fmt.Sprint(rep.GetProposed()); got != want {
			t.Errorf("proposed table %s, want %s", got, want)
		}
		if rep.GetReplayed() != 60 || rep.GetMoved() != 30 || len(rep.GetExamples()) != 2 {
			t.Errorf("replayed %d, moved %d, %d examples; want 60, 30, 2", rep.GetReplayed(), rep.GetMoved(), len(rep.GetExamples()))
		}
		ex := rep.GetExamples()[0]
		if ex.GetCommentId() != watches[0] || ex.GetFrom() != pub || ex.GetTo() != spam || ex.GetJudgment() != marked ||
			len(ex.GetGained()) != 1 || ex.GetGained()[0].GetRule() != "wordlist_block" || ex.GetGained()[0].GetSpan().GetText() != "watches" {
			t.Errorf("first example %v", ex)
		}
		// Nothing changed: the word list is as it was, the comments too.
		lists, err := c.mod.ListWordLists(ctxT(t), &pb.ListWordListsRequest{})
		if err != nil || len(lists.GetLists()[0].GetTerms()) != 0 {
			t.Errorf("BLOCK list after the backtest: %v, %v", lists.GetLists(), err)
		}
		d, err := c.mod.GetCommentDetail(ctxT(t), &pb.GetCommentDetailRequest{Id: watches[25]})
		if err != nil || d.GetComment().GetComment().GetStatus() != pub {
			t.Errorf("comment after the backtest: %v, %v", d.GetComment().GetComment().GetStatus(), err)
		}
	})
}

func TestBacktestRefusesABadPolicy(t *testing.T) {
	c := start(t, sqliteStore(t))
	_, _, err := backtest(t, c, &pb.BacktestRequest{Site: "default", StartTime: timestamppb.New(time.Now().Add(-time.Hour)),
		PolicyYaml: "rules:\n  hold_score: -1\n"})
	if got := violations(t, err); !slices.Equal(got, []string{"policy_yaml"}) {
		t.Errorf("violations %v", got)
	}
	st, _ := status.FromError(err)
	if want := "config: rules: hold_score must be positive and spam_score at least hold_score"; !slices.ContainsFunc(violationTexts(st), func(s string) bool { return s == want }) {
		t.Errorf("violation texts %v, want %q", violationTexts(st), want)
	}
	_, _, err = backtest(t, c, &pb.BacktestRequest{WordListChanges: []*pb.BacktestWordListChange{{Add: []string{"x"}}}})
	if got := violations(t, err); !slices.Equal(got, []string{"site", "start_time", "word_list_changes[0].list"}) {
		t.Errorf("violations %v", got)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("code %v", status.Code(err))
	}
}

// violationTexts lists the BadRequest descriptions of a status.
func violationTexts(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetDescription())
			}
		}
	}
	return out
}
