package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

// imported is an imported comment of site under key, on article, with a
// label when its status is one.
func imported(id, key, parentKey, article string, status moderation.Status, i int, toks ...learn.Token) moderation.ImportComment {
	c := newComment(id, article, status, at(i))
	c.ImportKey = key
	c.AuthorKey, c.BodyFingerprint = "ak:"+id, "fp:"+id
	ic := moderation.ImportComment{Comment: c, ParentKey: parentKey, Tokens: toks}
	switch status {
	case moderation.StatusPublished:
		ic.Label = learn.Ham
	case moderation.StatusSpam:
		ic.Label = learn.Spam
	}
	return ic
}

func importBatch(st, auditID string, i int, cs ...moderation.ImportComment) moderation.ImportBatch {
	return moderation.ImportBatch{Site: st, Comments: cs, Time: at(i), Audit: func(stored, existing, duplicates int) moderation.AuditEvent {
		return moderation.AuditEvent{ID: auditID, Time: at(i), Actor: "admin-ravi", Action: "comments.import", Target: st,
			Detail: fmt.Sprintf("stored %d, existing %d, duplicates %d", stored, existing, duplicates)}
	}}
}

func mustImport(t *testing.T, s Store, b moderation.ImportBatch) []moderation.ImportResult {
	t.Helper()
	rs, err := s.ImportComments(t.Context(), b)
	if err != nil {
		t.Fatalf("ImportComments: %v", err)
	}
	if len(rs) != len(b.Comments) {
		t.Fatalf("ImportComments: %d results for %d comments", len(rs), len(b.Comments))
	}
	return rs
}

// testImportComments: an import stores each key once per site, threads
// replies by their parents' keys, keeps the history's statuses and times,
// labels published and spam comments exactly once, and importing again
// changes nothing.
func testImportComments(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	// A submitted comment the history also holds (the plugin sent it).
	sub := newComment("sub", "post-1", moderation.StatusPublished, at(0))
	sub.AuthorKey, sub.BodyFingerprint = "ak:dup", "fp:dup"
	mustCreate(t, s, sub)

	dup := imported("i-dup", "wxr:1:9", "", "post-1", moderation.StatusPublished, 5)
	dup.Comment.AuthorKey, dup.Comment.BodyFingerprint = "ak:dup", "fp:dup"
	first := []moderation.ImportComment{
		imported("i1", "wxr:1:1", "", "post-1", moderation.StatusPublished, 1, 7, tokTop, 7),
		imported("i2", "wxr:1:2", "wxr:1:1", "post-1", moderation.StatusPending, 2, 8),
		imported("i3", "wxr:1:3", "wxr:1:404", "post-1", moderation.StatusRejected, 3),
		imported("i4", "wxr:1:4", "", "post-1", moderation.StatusSpam, 4, 7, tokMax),
		dup,
		imported("i6", "wxr:1:1", "", "post-1", moderation.StatusPublished, 6, 9),        // the key again
		imported("i7", "wxr:2:7", "wxr:1:1", "post-2", moderation.StatusPublished, 7, 8), // a parent on another article
	}
	first[1].Comment.Author.Name = hindiName
	first[1].Comment.Body = hindiBody
	_, seq0 := learned(t, s)
	got := mustImport(t, s, importBatch(site, "audit-import-1", 10, first...))
	want := []moderation.ImportResult{moderation.ImportStored, moderation.ImportStored, moderation.ImportOrphan,
		moderation.ImportStored, moderation.ImportDuplicate, moderation.ImportExisting, moderation.ImportOrphan}
	if !slices.Equal(got, want) {
		t.Fatalf("first import: %v, want %v", got, want)
	}
	for i, ic := range first {
		c, err := s.Comment(ctx, ic.Comment.ID)
		if want[i] == moderation.ImportDuplicate || want[i] == moderation.ImportExisting {
			if err == nil {
				t.Errorf("comment %s (%v) was stored", ic.Comment.ID, want[i])
			}
			continue
		}
		if err != nil {
			t.Fatalf("comment %s: %v", ic.Comment.ID, err)
		}
		w := stored(ic.Comment)
		if ic.Comment.ID == "i2" {
			w.ParentID = "i1"
		}
		checkComment(t, c, w)
	}
	// Published and spam comments are labels, each with its distinct
	// tokens, one event each, as a moderator's decision would be.
	wantModel := model{totals: counts(site, 1, 2), tokens: map[string]map[learn.Token]learn.Counts{site: {
		7: {Spam: 1, Ham: 1}, tokTop: {Ham: 1}, tokMax: {Spam: 1}, 8: {Ham: 1},
	}}}
	m, seq1 := learned(t, s)
	if !m.equal(wantModel) {
		t.Errorf("after the import:\n got %v\nwant %v", m, wantModel)
	}
	evs := learnEvents(t, s, seq0)
	if len(evs) != 3 || evs[2].Seq != seq1 {
		t.Fatalf("learn events %+v (model seq %d); want three, the last with the model's seq", evs, seq1)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Ham, NewTokens: []learn.Token{7, tokTop}, Time: at(10)})
	checkLearnEvent(t, evs[1], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Spam, NewTokens: []learn.Token{7, tokMax}, Time: at(10)})
	checkLearnEvent(t, evs[2], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Ham, NewTokens: []learn.Token{8}, Time: at(10)})
	audit, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil || len(audit) != 1 || audit[0].Action != "comments.import" || audit[0].Detail != "stored 5, existing 1, duplicates 1" {
		t.Errorf("audit = %+v, %v; want one comments.import event with the counts", audit, err)
	}
	// The imported approval makes its author known.
	if p, err := s.Prior(ctx, moderation.PriorQuery{Site: site, ArticleID: "post-9", AuthorKey: "ak:i1"}); err != nil || !p.Approved {
		t.Errorf("Prior for the imported author = %+v, %v; want Approved", p, err)
	}

	// The same history again, under fresh ids: nothing is written.
	again := make([]moderation.ImportComment, len(first))
	for i, ic := range first {
		ic.Comment.ID += "-again"
		again[i] = ic
	}
	got = mustImport(t, s, importBatch(site, "audit-import-2", 20, again...))
	want = []moderation.ImportResult{moderation.ImportExisting, moderation.ImportExisting, moderation.ImportExisting,
		moderation.ImportExisting, moderation.ImportDuplicate, moderation.ImportExisting, moderation.ImportExisting}
	if !slices.Equal(got, want) {
		t.Errorf("second import: %v, want %v", got, want)
	}
	if m, seq := learned(t, s); !m.equal(wantModel) || seq != seq1 {
		t.Errorf("after the second import: %v (seq %d), want %v (seq %d)", m, seq, wantModel, seq1)
	}
	if audit, _ := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10}); len(audit) != 1 {
		t.Errorf("audit after an import that stored nothing: %d events, want 1", len(audit))
	}
	n, err := s.CountByStatus(ctx, []moderation.Status{moderation.StatusPublished, moderation.StatusPending, moderation.StatusSpam, moderation.StatusRejected})
	if err != nil || n[moderation.StatusPublished] != 3 || n[moderation.StatusPending] != 1 || n[moderation.StatusSpam] != 1 || n[moderation.StatusRejected] != 1 {
		t.Errorf("counts after two imports: %v, %v", n, err)
	}

	// A later batch (a resumed import) threads onto earlier ones; another
	// site has keys of its own.
	got = mustImport(t, s, importBatch(site, "audit-import-3", 30, imported("i8", "wxr:1:8", "wxr:1:2", "post-1", moderation.StatusPending, 8)))
	if c, err := s.Comment(ctx, "i8"); err != nil || got[0] != moderation.ImportStored || c.ParentID != "i2" {
		t.Errorf("a reply in a later batch: %v, parent %q, %v; want stored under i2", got, c.ParentID, err)
	}
	other := imported("o1", "wxr:1:1", "", "post-1", moderation.StatusPending, 9)
	other.Comment.Site = "other.example"
	if got = mustImport(t, s, importBatch("other.example", "audit-import-4", 31, other)); got[0] != moderation.ImportStored {
		t.Errorf("the same key on another site: %v, want stored", got)
	}

	// A moderator who later rejects the imported spam takes its label back.
	trained(t, s, moveTo("i4", "audit-reject", moderation.StatusRejected, "comment.reject", at(40)), learn.None)
	wantModel = model{totals: counts(site, 0, 2), tokens: map[string]map[learn.Token]learn.Counts{site: {
		7: {Ham: 1}, tokTop: {Ham: 1}, 8: {Ham: 1},
	}}}
	if m, _ := learned(t, s); !m.equal(wantModel) {
		t.Errorf("after rejecting the imported spam:\n got %v\nwant %v", m, wantModel)
	}
}

// testImportCommentsAtomic: a batch that fails (its audit id is taken)
// stores none of its comments, labels or events.
func testImportCommentsAtomic(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustImport(t, s, importBatch(site, "audit-taken", 1, imported("a1", "k1", "", "post-1", moderation.StatusPublished, 1, 5)))
	m0, seq0 := learned(t, s)
	_, err := s.ImportComments(ctx, importBatch(site, "audit-taken", 2,
		imported("a2", "k2", "k1", "post-1", moderation.StatusPublished, 2, 6),
		imported("a3", "k3", "", "post-1", moderation.StatusSpam, 3, 7)))
	if err == nil {
		t.Fatal("a batch whose audit id is taken: no error")
	}
	for _, id := range []string{"a2", "a3"} {
		if _, err := s.Comment(ctx, id); err == nil {
			t.Errorf("comment %s of the failed batch was stored", id)
		}
	}
	if m, seq := learned(t, s); !m.equal(m0) || seq != seq0 {
		t.Errorf("model after the failed batch: %v (seq %d), want %v (seq %d)", m, seq, m0, seq0)
	}
	// Run again, it stores them.
	got := mustImport(t, s, importBatch(site, "audit-fresh", 3,
		imported("a2", "k2", "k1", "post-1", moderation.StatusPublished, 2, 6),
		imported("a3", "k3", "", "post-1", moderation.StatusSpam, 3, 7)))
	if !slices.Equal(got, []moderation.ImportResult{moderation.ImportStored, moderation.ImportStored}) {
		t.Errorf("the batch again: %v, want both stored", got)
	}
}
