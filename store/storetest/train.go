package storetest

import (
	"slices"
	"testing"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

func trainAudit(id string, i int) moderation.AuditEvent {
	return moderation.AuditEvent{ID: id, Time: at(i), Actor: "admin-ravi", Action: "learned.train", Target: site, Detail: "spam 1, ham 2"}
}

// testTrainExamples: imported examples count as moderator decisions do,
// one event each, beside a comment's label, with no label of their own.
func testTrainExamples(t *testing.T, o Opener) {
	s := open(t, o)
	mustCreate(t, s, newComment("t1", "a", moderation.StatusPending, at(0)))
	trained(t, s, moveTo("t1", "audit-1", moderation.StatusSpam, "comment.spam", at(10)), learn.Spam, 7)
	_, seq1 := learned(t, s)

	err := s.TrainExamples(t.Context(), moderation.TrainingBatch{
		Site: site,
		Examples: []moderation.TrainingExample{
			{Label: learn.Spam, Tokens: []learn.Token{7, tokTop, 7}}, // a repeat counts once
			{Label: learn.Ham, Tokens: []learn.Token{8, 7}},
			{Label: learn.Ham},
		},
		Time:  at(20).In(ist),
		Audit: trainAudit("audit-t1", 20),
	})
	if err != nil {
		t.Fatalf("TrainExamples: %v", err)
	}
	want := model{totals: counts(site, 2, 2), tokens: map[string]map[learn.Token]learn.Counts{site: {
		7: {Spam: 2, Ham: 1}, tokTop: {Spam: 1}, 8: {Ham: 1},
	}}}
	m, seq2 := learned(t, s)
	if !m.equal(want) {
		t.Errorf("after training:\n got %v\nwant %v", m, want)
	}
	evs := learnEvents(t, s, seq1)
	if len(evs) != 3 || evs[2].Seq != seq2 {
		t.Fatalf("events after training: %+v, model seq %d; want three, the last with the model's seq", evs, seq2)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Spam, NewTokens: []learn.Token{7, tokTop}, Time: at(20)})
	checkLearnEvent(t, evs[1], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Ham, NewTokens: []learn.Token{7, 8}, Time: at(20)})
	checkLearnEvent(t, evs[2], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Ham, Time: at(20)})

	// A replica replaying every event builds the same model.
	replayed := newModel()
	for _, e := range learnEvents(t, s, 0) {
		replayed.replay(e)
	}
	if !replayed.equal(want) {
		t.Errorf("replayed events:\n got %v\nwant %v", replayed, want)
	}

	// The comment's own label is untouched: rejecting it takes off only
	// its own spam count.
	trained(t, s, moveTo("t1", "audit-2", moderation.StatusRejected, "comment.reject", at(30)), learn.None)
	want.totals = counts(site, 1, 2)
	want.tokens[site][7] = learn.Counts{Spam: 1, Ham: 1}
	if m, _ := learned(t, s); !m.equal(want) {
		t.Errorf("after rejecting the comment:\n got %v\nwant %v", m, want)
	}

	// A batch with a bad label, or an audit id taken, writes nothing.
	_, seq3 := learned(t, s)
	bad := []moderation.TrainingBatch{
		{Site: site, Examples: []moderation.TrainingExample{{Label: learn.Ham, Tokens: []learn.Token{1}}, {Label: learn.None, Tokens: []learn.Token{2}}},
			Time: at(40), Audit: trainAudit("audit-t2", 40)},
		{Site: site, Examples: []moderation.TrainingExample{{Label: learn.Spam, Tokens: []learn.Token{3}}},
			Time: at(41), Audit: trainAudit("audit-t1", 41)},
	}
	for i, b := range bad {
		if err := s.TrainExamples(t.Context(), b); err == nil {
			t.Errorf("bad batch %d: no error", i)
		}
	}
	if m, seq := learned(t, s); !m.equal(want) || seq != seq3 {
		t.Errorf("after bad batches: %v, seq %d; want %v, %d", m, seq, want, seq3)
	}
	audit, err := s.ListAuditEvents(t.Context(), moderation.AuditFilter{Limit: 10})
	if err != nil || !slices.Equal(eventIDs(audit), []string{"audit-2", "audit-t1", "audit-1"}) {
		t.Errorf("audit events %v, %v; want the one batch that went through among the decisions", eventIDs(audit), err)
	}
	if a := audit[1]; a.Actor != "admin-ravi" || a.Action != "learned.train" || a.Target != site || a.Detail != "spam 1, ham 2" {
		t.Errorf("training audit event %+v", a)
	}
}

// testTrainExamplesSites: each site's counts are its own, and a site
// trained only from history has a model.
func testTrainExamplesSites(t *testing.T, o Opener) {
	s := open(t, o)
	for i, st := range []string{"a.example", "b.example"} {
		b := moderation.TrainingBatch{Site: st, Time: at(i), Audit: trainAudit("audit-"+st, i)}
		for range i + 1 {
			b.Examples = append(b.Examples, moderation.TrainingExample{Label: learn.Spam, Tokens: []learn.Token{tokMax}})
		}
		if err := s.TrainExamples(t.Context(), b); err != nil {
			t.Fatalf("TrainExamples(%s): %v", st, err)
		}
	}
	want := model{
		totals: map[string]learn.Counts{"a.example": {Spam: 1}, "b.example": {Spam: 2}},
		tokens: map[string]map[learn.Token]learn.Counts{"a.example": {tokMax: {Spam: 1}}, "b.example": {tokMax: {Spam: 2}}},
	}
	if m, _ := learned(t, s); !m.equal(want) {
		t.Errorf("two sites:\n got %v\nwant %v", m, want)
	}
	if evs := learnEvents(t, s, 0); len(evs) != 3 {
		t.Errorf("events: %+v, want one per example", evs)
	}
}
