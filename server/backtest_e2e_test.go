package server_test

import (
	"slices"
	"testing"

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
