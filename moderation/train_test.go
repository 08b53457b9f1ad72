package moderation_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/memory"
)

// history is n spam and n ham examples, as a site's export would give.
func history(r *rand.Rand, n int) []moderation.Example {
	var out []moderation.Example
	for i := range n {
		out = append(out,
			moderation.Example{Body: made(r, spamVocab), Label: learn.Spam,
				Author: moderation.Author{Name: fmt.Sprintf("Winner %d", i), Email: fmt.Sprintf("win%d@bonus.example", i)}},
			moderation.Example{Body: made(r, hamVocab), Label: learn.Ham,
				Author: moderation.Author{Name: fmt.Sprintf("Kavita %d", i), Email: fmt.Sprintf("kavita%d@mail.example", i)}})
	}
	return out
}

// TestTrainingFromHistory: a site whose moderators have decided nothing
// trains its learned rule from history, and the rule speaks on this
// replica at once and on another that follows the store's log.
func TestTrainingFromHistory(t *testing.T) {
	db := memory.New()
	a := newServiceOn(t, db.Open(), moderation.WithPolicy(policy(learning)))
	b := newServiceOn(t, db.Open(), moderation.WithPolicy(policy(learning)))
	ctx := context.Background()
	spam := "sattaking lucky number pakka, join vip group for free tips"

	res, err := a.Submit(ctx, submission(spam))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := learnedReason(res.Comment.Reasons); ok {
		t.Fatalf("before training: %+v, want no learned reason", res.Comment.Reasons)
	}

	got, err := a.TrainComments(ctx, moderation.Training{Actor: "ravi", Site: "news", Examples: history(rand.New(rand.NewPCG(1, 2)), 12)})
	if err != nil {
		t.Fatalf("TrainComments: %v", err)
	}
	if got != (moderation.Trained{Spam: 12, Ham: 12}) {
		t.Errorf("TrainComments = %+v, want 12 spam, 12 ham", got)
	}

	res, err = a.Submit(ctx, submission(spam))
	if err != nil {
		t.Fatal(err)
	}
	lr, ok := learnedReason(res.Comment.Reasons)
	if res.Comment.Status != moderation.StatusSpam || !ok || lr.Action != moderation.RuleSpam ||
		!strings.Contains(lr.Detail, "learned from 12 spam and 12 ham decisions") {
		t.Fatalf("after training: %v %+v, want spam by the learned rule", res.Comment.Status, res.Comment.Reasons)
	}
	// Nothing imported is a comment.
	depth, err := a.QueueDepth(ctx)
	if err != nil || depth[moderation.StatusPending] != 0 || depth[moderation.StatusSpam] != 1 {
		t.Errorf("queue depth after training: %v, %v; want only the spam submitted", depth, err)
	}

	// Replica b read the models before the import; its own next import
	// (to another site) reads the log, which carries a's examples.
	if _, err := b.TrainComments(ctx, moderation.Training{Actor: "ravi", Site: "other", Examples: history(rand.New(rand.NewPCG(3, 4)), 1)}); err != nil {
		t.Fatal(err)
	}
	res, err = b.Submit(ctx, submission(spam))
	if err != nil {
		t.Fatal(err)
	}
	if lr, ok := learnedReason(res.Comment.Reasons); !ok || lr.Action != moderation.RuleSpam {
		t.Fatalf("on replica b: %+v, want spam by the learned rule", res.Comment.Reasons)
	}

	evs, _, err := a.AuditEvents(ctx, moderation.AuditQuery{Actor: "ravi"}, moderation.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Action != "learned.train" || evs[1].Target != "news" || evs[1].Detail != "spam 12, ham 12" {
		t.Errorf("audit events %+v, want one per import, the first for news with its counts", evs)
	}
}

// TestTrainingRefusesBadExamples: every bad field is named, and nothing
// of the batch is counted.
func TestTrainingRefusesBadExamples(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(learning)))
	ctx := context.Background()
	examples := []moderation.Example{
		{Body: "fine", Label: learn.Ham},
		{Body: "", Label: learn.Spam},
		{Body: "no label"},
		{Body: "bad mail", Label: learn.Ham, Author: moderation.Author{Email: "not-an-email"}},
	}
	_, err := svc.TrainComments(ctx, moderation.Training{Actor: "ravi", Site: "news", Examples: examples})
	var me *moderation.Error
	if !errors.As(err, &me) || me.Code != moderation.CodeInvalid {
		t.Fatalf("TrainComments: %v, want invalid", err)
	}
	var fields []string
	for _, v := range me.Violations {
		fields = append(fields, v.Field+": "+v.Description)
	}
	want := []string{
		"examples[1].body: is required (and must show some text, not only white space, marks or invisible characters)",
		"examples[2].label: is required: SPAM or HAM",
		"examples[3].author.email: must be one email address such as name@example.com",
	}
	if strings.Join(fields, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant\n%s", strings.Join(fields, "\n"), strings.Join(want, "\n"))
	}

	for _, tc := range []struct {
		t    moderation.Training
		want string
	}{
		{moderation.Training{Examples: examples[:1]}, "site: is required"},
		{moderation.Training{Site: "news"}, "examples: is required: give at least one example"},
		{moderation.Training{Site: "news", Examples: make([]moderation.Example, 501)}, "examples: must hold at most 500 examples, got 501"},
	} {
		_, err := svc.TrainComments(ctx, tc.t)
		if !errors.As(err, &me) || len(me.Violations) == 0 || me.Violations[0].Field+": "+me.Violations[0].Description != tc.want {
			t.Errorf("TrainComments: %v, want %q first", err, tc.want)
		}
	}

	// Validation only counts.
	got, err := svc.TrainComments(ctx, moderation.Training{Site: "news", Examples: examples[:1], ValidateOnly: true})
	if err != nil || got != (moderation.Trained{Ham: 1}) {
		t.Errorf("ValidateOnly: %+v, %v; want 1 ham", got, err)
	}
	evs, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{}, moderation.Page{})
	if err != nil || len(evs) != 0 {
		t.Errorf("audit events after refusals: %+v, %v; want none", evs, err)
	}
}
