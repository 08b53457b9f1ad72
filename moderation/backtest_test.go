package moderation_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// backtestSite stores 200 comments with some moderator decisions: 120
// comments on the budget (50 held for the HOLD term "subsidy", and
// approved; 10 of the others, published, approved as they were), 60
// selling watches, published by the rules in force (40 marked spam by a
// moderator), and 20 blocked for "casino" (5 rejected).
func backtestSite(t *testing.T) (*moderation.Service, moderation.Store, *clock) {
	t.Helper()
	st := newStore(t)
	clk := newClock()
	p := policy(returning)
	p.Rules.StarterRules = false
	p.Rules.Learned.Enabled = false
	svc := newServiceOn(t, st, moderation.WithPolicy(p), clk.Option())
	ctx := context.Background()
	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListBlock, []string{"casino"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListHold, []string{"subsidy"}, nil); err != nil {
		t.Fatal(err)
	}
	var budget, fair, watches, casino []string
	for i := range 120 {
		clk.Advance(time.Minute)
		if i < 50 {
			budget = append(budget, mustSubmit(t, svc, submission(fmt.Sprintf("The budget's fertiliser subsidy, point %d, deserves a closer look", i)), moderation.StatusPending).ID)
		} else {
			fair = append(fair, mustSubmit(t, svc, submission(fmt.Sprintf("The budget's farm spending, point %d, deserves a closer look", i)), moderation.StatusPublished).ID)
		}
		if i < 60 {
			watches = append(watches, mustSubmit(t, svc, submission(fmt.Sprintf("Cheap watches for sale, model %d, DM me", i)), moderation.StatusPublished).ID)
		}
		if i < 20 {
			casino = append(casino, mustSubmit(t, svc, submission(fmt.Sprintf("Play at the casino tonight, table %d", i)), moderation.StatusSpam).ID)
		}
	}
	for _, m := range []moderation.Moderation{
		{Actor: "asha", IDs: budget, Action: moderation.ActionApprove},
		{Actor: "asha", IDs: fair[:10], Action: moderation.ActionApprove}, // a confirmation is a verdict too
		{Actor: "asha", IDs: watches[:40], Action: moderation.ActionMarkSpam},
		{Actor: "asha", IDs: casino[:5], Action: moderation.ActionReject},
	} {
		if _, err := svc.Moderate(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Minute)
	return svc, st, clk
}

func TestBacktestReportsWhatAProposalWouldMove(t *testing.T) {
	svc, st, clk := backtestSite(t)
	before := everyComment(t, st)
	var calls [][2]int
	proposed := policy(returning)
	proposed.Rules.StarterRules = false
	proposed.Rules.Learned.Enabled = false
	proposed.Rules.Patterns = []moderation.PatternRule{{ID: "dm", Pattern: `(?i)\bDM me\b`, Action: "shadow"}}
	rep, err := svc.Backtest(context.Background(), moderation.BacktestRequest{
		Site: "news", Since: clk.Now().Add(-24 * time.Hour), Policy: &proposed, Examples: 3,
		Changes: []moderation.WordListChange{
			{List: moderation.ListBlock, Add: []string{" watches "}, Remove: []string{"casino"}},
			{List: moderation.ListHold, Remove: []string{"subsidy"}},
		},
	}, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Replayed != 200 || rep.Skipped != 0 || rep.Moved != 130 {
		t.Errorf("replayed %d, skipped %d, moved %d; want 200, 0, 130", rep.Replayed, rep.Skipped, rep.Moved)
	}
	pub, pending, spam := moderation.StatusPublished, moderation.StatusPending, moderation.StatusSpam
	ham, marked, undecided := moderation.JudgedHam, moderation.JudgedSpam, moderation.JudgedUndecided
	wantProposed := map[moderation.Cell]int{
		{Decision: pub, Judgment: ham}: 50 + 10, {Decision: pub, Judgment: undecided}: 60 + 15, {Decision: pub, Judgment: marked}: 5,
		{Decision: spam, Judgment: marked}: 40, {Decision: spam, Judgment: undecided}: 20,
	}
	if !reflect.DeepEqual(rep.Proposed, wantProposed) {
		t.Errorf("proposed table %v, want %v", rep.Proposed, wantProposed)
	}
	wantStored := map[moderation.Cell]int{
		{Decision: pending, Judgment: ham}: 50, {Decision: pub, Judgment: ham}: 10, {Decision: pub, Judgment: undecided}: 60 + 20, {Decision: pub, Judgment: marked}: 40,
		{Decision: spam, Judgment: marked}: 5, {Decision: spam, Judgment: undecided}: 15,
	}
	if !reflect.DeepEqual(rep.Stored, wantStored) {
		t.Errorf("stored table %v, want %v", rep.Stored, wantStored)
	}
	wantMoves := map[moderation.Move]int{{From: pub, To: pub}: 70, {From: pending, To: pub}: 50, {From: pub, To: spam}: 60, {From: spam, To: pub}: 20}
	if !reflect.DeepEqual(rep.Moves, wantMoves) {
		t.Errorf("moves %v, want %v", rep.Moves, wantMoves)
	}
	if len(rep.Examples) != 3 {
		t.Fatalf("%d examples, want 3", len(rep.Examples))
	}
	// The first stored comments to move: a held comment on the subsidy
	// (approved), a watch (marked spam) and a casino comment (rejected).
	ex := rep.Examples[0]
	if ex.From != pending || ex.To != pub || ex.Judgment != ham || len(ex.Gained) != 0 || len(ex.Lost) != 1 ||
		ex.Lost[0].Rule != "wordlist_hold" || ex.Lost[0].Span.Text != "subsidy" {
		t.Errorf("first example %+v", ex)
	}
	ex = rep.Examples[1]
	if ex.From != pub || ex.To != spam || ex.Judgment != marked || len(ex.Lost) != 0 || len(ex.Gained) != 1 ||
		ex.Gained[0].Rule != "wordlist_block" || ex.Gained[0].Span.Text != "watches" {
		t.Errorf("second example %+v", ex)
	}
	ex = rep.Examples[2]
	if ex.From != spam || ex.To != pub || ex.Judgment != marked || len(ex.Gained) != 0 || len(ex.Lost) != 1 ||
		ex.Lost[0].Rule != "wordlist_block" || ex.Lost[0].Span.Text != "casino" {
		t.Errorf("third example %+v", ex)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{200, 200} {
		t.Errorf("progress calls %v, want the last to be 200 of 200", calls)
	}
	// Nothing was written: not the comments, not the word lists.
	if after := everyComment(t, st); !reflect.DeepEqual(before, after) {
		t.Error("the backtest changed stored comments")
	}
	lists, err := byList(svc.WordLists(context.Background(), ""))
	if err != nil || len(lists[moderation.ListBlock]) != 1 || lists[moderation.ListBlock][0].Term != "casino" || len(lists[moderation.ListHold]) != 1 {
		t.Errorf("word lists after the backtest: %v, %v", lists, err)
	}
}

// A backtest of the rules in force moves nothing; a shadow term moves
// nothing either.
func TestBacktestOfTheRulesInForceMovesNothing(t *testing.T) {
	svc, _, clk := backtestSite(t)
	for _, changes := range [][]moderation.WordListChange{nil, {{List: moderation.ListShadow, Add: []string{"watches", "budget"}}}} {
		rep, err := svc.Backtest(context.Background(), moderation.BacktestRequest{Site: "news", Since: clk.Now().Add(-24 * time.Hour), Changes: changes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Replayed != 200 || rep.Moved != 0 || len(rep.Examples) != 0 || !reflect.DeepEqual(rep.Proposed, rep.Stored) {
			t.Errorf("changes %v: replayed %d, moved %d, examples %v; proposed %v, stored %v", changes, rep.Replayed, rep.Moved, rep.Examples, rep.Proposed, rep.Stored)
		}
	}
	// Another site's comments and comments before the window are not replayed.
	for _, req := range []moderation.BacktestRequest{
		{Site: "other", Since: clk.Now().Add(-24 * time.Hour)},
		{Site: "news", Since: clk.Now().Add(-time.Second)},
	} {
		rep, err := svc.Backtest(context.Background(), req, nil)
		if err != nil || rep.Replayed != 0 {
			t.Errorf("%s since %v: replayed %d, %v; want none", req.Site, req.Since, rep.Replayed, err)
		}
	}
}

func TestBacktestRefusesBadRequestsAllAtOnce(t *testing.T) {
	svc := newService(t)
	_, err := svc.Backtest(context.Background(), moderation.BacktestRequest{
		Examples: 101,
		Changes: []moderation.WordListChange{
			{Add: []string{"ok"}},
			{List: moderation.ListShadow, Add: []string{"  "}, Remove: []string{"bad\xff"}},
		},
	}, nil)
	wantError(t, err, moderation.CodeInvalid,
		violation("site", "is required"),
		violation("start_time", "is required"),
		violation("max_examples", "must be 0 to 100"),
		violation("word_list_changes[0].list", "is required: BLOCK, HOLD, ALLOW or SHADOW"),
		violation("word_list_changes[1].add[0]", "must be 1 to 100 characters"),
		violation("word_list_changes[1].remove[0]", "is not valid UTF-8"),
	)
	_, err = svc.Backtest(context.Background(), moderation.BacktestRequest{Site: "news", Since: time.Now().Add(time.Hour)}, nil)
	wantError(t, err, moderation.CodeInvalid, violation("start_time", "must be in the past"))
}
