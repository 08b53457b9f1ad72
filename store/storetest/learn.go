package storetest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

// Tokens with the top bit set, which a bigint column must keep.
const (
	tokTop learn.Token = 1 << 63
	tokMax learn.Token = 1<<64 - 1
)

// model is what LearnedModel reads, or what replaying events builds.
type model struct {
	totals map[string]learn.Counts // per site: Spam and Ham are the label totals
	tokens map[string]map[learn.Token]learn.Counts
}

func newModel() model {
	return model{totals: map[string]learn.Counts{}, tokens: map[string]map[learn.Token]learn.Counts{}}
}

func (m model) equal(o model) bool {
	return maps.Equal(m.totals, o.totals) && maps.EqualFunc(m.tokens, o.tokens, maps.Equal)
}

func (m model) String() string { return fmt.Sprintf("totals %v, tokens %v", m.totals, m.tokens) }

// add applies one label change as a replica replays it: counts never go
// below zero, rows and sites at zero disappear.
func (m model) add(site string, ts []learn.Token, l learn.Label, d int64) {
	if l == learn.None {
		return
	}
	bump := func(c learn.Counts) learn.Counts {
		n := int64(c.Ham)
		if l == learn.Spam {
			n = int64(c.Spam)
		}
		n = max(n+d, 0)
		if l == learn.Spam {
			c.Spam = uint32(n)
		} else {
			c.Ham = uint32(n)
		}
		return c
	}
	set := func(mm map[learn.Token]learn.Counts, t learn.Token, c learn.Counts) {
		if c == (learn.Counts{}) {
			delete(mm, t)
		} else {
			mm[t] = c
		}
	}
	if m.tokens[site] == nil {
		m.tokens[site] = map[learn.Token]learn.Counts{}
	}
	for _, t := range ts {
		set(m.tokens[site], t, bump(m.tokens[site][t]))
	}
	if len(m.tokens[site]) == 0 {
		delete(m.tokens, site)
	}
	if c := bump(m.totals[site]); c == (learn.Counts{}) {
		delete(m.totals, site)
	} else {
		m.totals[site] = c
	}
}

func (m model) replay(e moderation.LearnEvent) {
	m.add(e.Site, e.Tokens, e.From, -1)
	m.add(e.Site, e.NewTokens, e.To, +1)
}

// learned reads the store's model and the seq it includes. It fails on a
// row at zero: the store must delete those.
func learned(t *testing.T, s Store) (model, int64) {
	t.Helper()
	m := newModel()
	seq, err := s.LearnedModel(t.Context(), func(site string, spam, ham int) {
		if spam < 0 || ham < 0 || spam == 0 && ham == 0 {
			t.Errorf("totals of %s: spam %d, ham %d; want non-negative, not both zero", site, spam, ham)
		}
		if _, dup := m.totals[site]; dup {
			t.Errorf("totals of %s read twice", site)
		}
		m.totals[site] = learn.Counts{Spam: uint32(spam), Ham: uint32(ham)}
	}, func(site string, tok learn.Token, c learn.Counts) {
		if c == (learn.Counts{}) {
			t.Errorf("token %x of %s has zero counts; want the row deleted", uint64(tok), site)
		}
		if m.tokens[site] == nil {
			m.tokens[site] = map[learn.Token]learn.Counts{}
		}
		if _, dup := m.tokens[site][tok]; dup {
			t.Errorf("token %x of %s read twice", uint64(tok), site)
		}
		m.tokens[site][tok] = c
	})
	if err != nil {
		t.Fatalf("LearnedModel: %v", err)
	}
	return m, seq
}

// learnEvents reads every event after after, in pages of 3.
func learnEvents(t *testing.T, s Store, after int64) []moderation.LearnEvent {
	t.Helper()
	var out []moderation.LearnEvent
	for {
		evs, err := s.LearnEvents(t.Context(), after, 3)
		if err != nil {
			t.Fatalf("LearnEvents(%d): %v", after, err)
		}
		if len(evs) > 3 {
			t.Fatalf("LearnEvents gave %d events, limit 3", len(evs))
		}
		out = append(out, evs...)
		if len(evs) < 3 {
			return out
		}
		after = evs[len(evs)-1].Seq
	}
}

// labelAs is a Train that labels every comment l with tokens ts and
// counts its calls.
func labelAs(calls *int, l learn.Label, ts ...learn.Token) func(moderation.Comment) (learn.Label, []learn.Token) {
	return func(moderation.Comment) (learn.Label, []learn.Token) {
		*calls++
		return l, ts
	}
}

func trained(t *testing.T, s Store, u moderation.StatusUpdate, l learn.Label, ts ...learn.Token) (moderation.Comment, bool) {
	t.Helper()
	calls := 0
	u.Train = labelAs(&calls, l, ts...)
	c, changed, err := s.UpdateStatus(t.Context(), u)
	if err != nil {
		t.Fatalf("UpdateStatus(%s) with Train: %v", u.ID, err)
	}
	if calls != 1 {
		t.Fatalf("UpdateStatus(%s): Train called %d times, want once", u.ID, calls)
	}
	return c, changed
}

func checkLearnEvent(t *testing.T, got, want moderation.LearnEvent) {
	t.Helper()
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Errorf("learn event %d: Time = %v, want %v in UTC", got.Seq, got.Time, want.Time.UTC())
	}
	if got.Site != want.Site || got.From != want.From || got.To != want.To ||
		!slices.Equal(sorted(got.Tokens), sorted(want.Tokens)) || !slices.Equal(sorted(got.NewTokens), sorted(want.NewTokens)) {
		t.Errorf("learn event %d:\n got %s %v -> %v, tokens %x, new %x\nwant %s %v -> %v, tokens %x, new %x", got.Seq,
			got.Site, got.From, got.To, got.Tokens, got.NewTokens, want.Site, want.From, want.To, want.Tokens, want.NewTokens)
	}
}

func sorted(ts []learn.Token) []learn.Token {
	ts = slices.Clone(ts)
	slices.Sort(ts)
	return ts
}

func counts(site string, spam, ham uint32) map[string]learn.Counts {
	return map[string]learn.Counts{site: {Spam: spam, Ham: ham}}
}

// testLearnRelabel: a comment marked spam, then approved, then approved
// again, then unlabelled.
func testLearnRelabel(t *testing.T, o Opener) {
	s := open(t, o)
	mustCreate(t, s, newComment("l1", "a", moderation.StatusPending, at(0)))
	if m, seq := learned(t, s); !m.equal(newModel()) || seq != 0 {
		t.Fatalf("empty store: %v, seq %d; want nothing, 0", m, seq)
	}

	// Marked spam; Train lists a token twice: it counts once.
	_, changed := trained(t, s, moveTo("l1", "audit-1", moderation.StatusSpam, "comment.spam", at(10)),
		learn.Spam, 7, tokTop, 7, tokMax)
	if !changed {
		t.Error("marking spam: changed = false")
	}
	m, seq1 := learned(t, s)
	want := model{totals: counts(site, 1, 0), tokens: map[string]map[learn.Token]learn.Counts{site: {
		7: {Spam: 1}, tokTop: {Spam: 1}, tokMax: {Spam: 1},
	}}}
	if !m.equal(want) {
		t.Errorf("after spam:\n got %v\nwant %v", m, want)
	}
	evs := learnEvents(t, s, 0)
	if len(evs) != 1 || evs[0].Seq != seq1 || seq1 <= 0 {
		t.Fatalf("events after spam: %+v, model seq %d; want one, with the model's seq", evs, seq1)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Spam,
		NewTokens: []learn.Token{7, tokTop, tokMax}, Time: at(10)})

	// Approved: the spam tokens leave, the new ones count as ham.
	_, changed = trained(t, s, approve("l1", "audit-2", at(20).In(ist)), learn.Ham, 7, 8)
	if !changed {
		t.Error("approving: changed = false")
	}
	m, seq2 := learned(t, s)
	want = model{totals: counts(site, 0, 1), tokens: map[string]map[learn.Token]learn.Counts{site: {7: {Ham: 1}, 8: {Ham: 1}}}}
	if !m.equal(want) {
		t.Errorf("after approval:\n got %v\nwant %v", m, want)
	}
	evs = learnEvents(t, s, seq1)
	if len(evs) != 1 || evs[0].Seq != seq2 || seq2 <= seq1 {
		t.Fatalf("events after approval: %+v, model seq %d; want one more, with the model's seq", evs, seq2)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.Spam, To: learn.Ham,
		Tokens: []learn.Token{7, tokTop, tokMax}, NewTokens: []learn.Token{7, 8}, Time: at(20)})

	// The same label again, even with other tokens, changes nothing.
	_, changed = trained(t, s, approve("l1", "audit-3", at(30)), learn.Ham, 9)
	if changed {
		t.Error("approving again: changed = true")
	}
	if m, seq := learned(t, s); !m.equal(want) || seq != seq2 {
		t.Errorf("after the same label: %v, seq %d; want %v, %d", m, seq, want, seq2)
	}
	if evs := learnEvents(t, s, seq2); len(evs) != 0 {
		t.Errorf("events after the same label: %+v, want none", evs)
	}

	// None takes the comment out of the counts.
	trained(t, s, moveTo("l1", "audit-4", moderation.StatusRejected, "comment.reject", at(40)), learn.None, 9)
	if m, _ := learned(t, s); !m.equal(newModel()) {
		t.Errorf("after None: %v, want nothing", m)
	}
	evs = learnEvents(t, s, seq2)
	if len(evs) != 1 {
		t.Fatalf("events after None: %+v, want one", evs)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.Ham, To: learn.None,
		Tokens: []learn.Token{7, 8}, Time: at(40)})
	// And the label is gone: labelling again starts from None.
	trained(t, s, moveTo("l1", "audit-5", moderation.StatusSpam, "comment.spam", at(50)), learn.Spam, 1)
	evs = learnEvents(t, s, evs[0].Seq)
	if len(evs) != 1 {
		t.Fatalf("events after labelling again: %+v, want one", evs)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.None, To: learn.Spam,
		NewTokens: []learn.Token{1}, Time: at(50)})

	audit, err := s.ListAuditEvents(t.Context(), moderation.AuditFilter{Limit: 10})
	if err != nil || !slices.Equal(eventIDs(audit), []string{"audit-5", "audit-4", "audit-2", "audit-1"}) {
		t.Errorf("audit events %v, %v; want one per status change", eventIDs(audit), err)
	}
}

// testLearnUnchangedStatus: approving a published comment trains it as
// ham, changes nothing else and appends no audit event.
func testLearnUnchangedStatus(t *testing.T, o Opener) {
	s := open(t, o)
	c := mustCreate(t, s, newComment("lu", "a", moderation.StatusPublished, at(0)))
	var seen moderation.Comment
	u := approve(c.ID, "audit-1", at(5))
	u.Train = func(got moderation.Comment) (learn.Label, []learn.Token) {
		seen = got
		return learn.Ham, []learn.Token{3}
	}
	got, changed, err := s.UpdateStatus(t.Context(), u)
	if err != nil || changed {
		t.Fatalf("UpdateStatus: changed %v, err %v; want false, nil", changed, err)
	}
	checkComment(t, got, stored(c))
	checkComment(t, seen, stored(c))
	if m, _ := learned(t, s); !m.equal(model{totals: counts(site, 0, 1), tokens: map[string]map[learn.Token]learn.Counts{site: {3: {Ham: 1}}}}) {
		t.Errorf("model %v, want ham 1 with token 3", m)
	}
	if evs := learnEvents(t, s, 0); len(evs) != 1 || evs[0].To != learn.Ham {
		t.Errorf("learn events %+v, want one to ham", evs)
	}
	if audit, err := s.ListAuditEvents(t.Context(), moderation.AuditFilter{Limit: 10}); err != nil || len(audit) != 0 {
		t.Errorf("audit events %v, %v; want none", eventIDs(audit), err)
	}
	if got, err := s.Comment(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	} else {
		checkComment(t, got, stored(c))
	}

	// A moved comment is given to Train as it now is.
	u = moveTo(c.ID, "audit-2", moderation.StatusSpam, "comment.spam", at(6))
	u.Train = func(got moderation.Comment) (learn.Label, []learn.Token) {
		seen = got
		return learn.Spam, nil
	}
	if _, _, err := s.UpdateStatus(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	if seen.Status != moderation.StatusSpam || !seen.UpdateTime.Equal(at(6)) || seen.ModeratedBy != u.Actor {
		t.Errorf("Train saw status %v, update time %v, moderated by %q; want SPAM, %v, %q",
			seen.Status, seen.UpdateTime, seen.ModeratedBy, at(6), u.Actor)
	}
}

// testLearnNextError: when Next fails, Train is not called and nothing
// is learned.
func testLearnNextError(t *testing.T, o Opener) {
	s := open(t, o)
	c := mustCreate(t, s, newComment("ln", "a", moderation.StatusDeleted, at(0)))
	calls := 0
	u := approve(c.ID, "audit-1", at(5))
	u.Next = func(from moderation.Status) (moderation.Status, error) {
		return moderation.Transition(from, moderation.ActionApprove)
	}
	u.Train = labelAs(&calls, learn.Ham, 1)
	if _, _, err := s.UpdateStatus(t.Context(), u); err == nil {
		t.Fatal("approving a deleted comment succeeded")
	}
	if calls != 0 {
		t.Errorf("Train called %d times, want never", calls)
	}
	if m, seq := learned(t, s); !m.equal(newModel()) || seq != 0 {
		t.Errorf("model %v, seq %d; want nothing", m, seq)
	}
	if evs := learnEvents(t, s, 0); len(evs) != 0 {
		t.Errorf("learn events %+v, want none", evs)
	}
}

// testLearnRandom: random decisions on comments of two sites that share
// tokens. After each, the counts are those of the labels in force (so
// never negative), and replaying the events from 0 gives the same model
// at the same seq.
func testLearnRandom(t *testing.T, o Opener) {
	s := open(t, o)
	type key struct{ id, site string }
	var cs []key
	for i := range 6 {
		c := newComment(fmt.Sprintf("lr-%d", i), "a", moderation.StatusPending, at(0))
		if i%2 == 1 {
			c.Site = "other.example"
		}
		mustCreate(t, s, c)
		cs = append(cs, key{c.ID, c.Site})
	}
	type lab struct {
		l  learn.Label
		ts []learn.Token
	}
	labels := map[string]lab{}
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []learn.Token{1, 2, 3, tokTop, tokMax, tokTop | 2}
	statuses := []moderation.Status{moderation.StatusPublished, moderation.StatusSpam, moderation.StatusRejected}
	for step := range 60 {
		k := cs[rng.IntN(len(cs))]
		l := learn.Label(rng.IntN(3))
		var ts []learn.Token
		for _, tok := range pool {
			if rng.IntN(2) == 0 {
				ts = append(ts, tok)
			}
		}
		u := moveTo(k.id, fmt.Sprintf("audit-%03d", step), statuses[rng.IntN(len(statuses))], "comment.move", at(step))
		trained(t, s, u, l, ts...)
		if l != labels[k.id].l {
			labels[k.id] = lab{l, ts}
		}

		want := newModel()
		for _, c := range cs {
			want.add(c.site, labels[c.id].ts, labels[c.id].l, +1)
		}
		got, seq := learned(t, s)
		if !got.equal(want) {
			t.Fatalf("step %d:\n got %v\nwant %v", step, got, want)
		}
		replayed := newModel()
		evs := learnEvents(t, s, 0)
		for _, e := range evs {
			replayed.replay(e)
		}
		if !replayed.equal(got) {
			t.Fatalf("step %d: replaying %d events gives\n%v\nthe snapshot is\n%v", step, len(evs), replayed, got)
		}
		if last := seqs(evs); len(last) > 0 && last[len(last)-1] != seq || len(last) == 0 && seq != 0 {
			t.Fatalf("step %d: snapshot seq %d, event seqs %v; want the last", step, seq, last)
		}
	}
}

// testLearnConcurrent: many moderators label different comments at once.
// Every label is counted, and the events read in order have no gaps.
func testLearnConcurrent(t *testing.T, o Opener) {
	s := open(t, o)
	const n = 40
	for i := range n {
		mustCreate(t, s, newComment(fmt.Sprintf("lc-%02d", i), "a", moderation.StatusPending, at(0)))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			l, st := learn.Ham, moderation.StatusPublished
			if i%3 == 0 {
				l, st = learn.Spam, moderation.StatusSpam
			}
			u := moveTo(fmt.Sprintf("lc-%02d", i), fmt.Sprintf("audit-%02d", i), st, "comment.move", at(i))
			u.Train = func(moderation.Comment) (learn.Label, []learn.Token) {
				return l, []learn.Token{1, 2, learn.Token(100 + i), tokTop}
			}
			if _, _, err := s.UpdateStatus(t.Context(), u); err != nil {
				t.Errorf("UpdateStatus %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	m, seq := learned(t, s)
	spam, ham := uint32((n+2)/3), uint32(n-(n+2)/3)
	if m.totals[site] != (learn.Counts{Spam: spam, Ham: ham}) {
		t.Errorf("totals %v, want spam %d, ham %d", m.totals[site], spam, ham)
	}
	if c := m.tokens[site][1]; c != (learn.Counts{Spam: spam, Ham: ham}) {
		t.Errorf("token 1: %v, want spam %d, ham %d", c, spam, ham)
	}
	evs := learnEvents(t, s, 0)
	if len(evs) != n {
		t.Fatalf("%d learn events, want %d", len(evs), n)
	}
	for i, e := range evs {
		if e.Seq != evs[0].Seq+int64(i) {
			t.Fatalf("event seqs %v: a gap", seqs(evs))
		}
	}
	if seq != evs[n-1].Seq {
		t.Errorf("snapshot seq %d, want the last event's %d", seq, evs[n-1].Seq)
	}
	replayed := newModel()
	for _, e := range evs {
		replayed.replay(e)
	}
	if !replayed.equal(m) {
		t.Errorf("replay gives\n%v\nthe snapshot is\n%v", replayed, m)
	}
}

func seqs(evs []moderation.LearnEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

// testLearnEraseAuthor: erasing an author forgets their comments'
// labels and tokens; the counts stay.
func testLearnEraseAuthor(t *testing.T, o Opener) {
	s := open(t, o)
	priya := newComment("le-1", "a", moderation.StatusPending, at(0))
	priya.Author.Email = "priya@example.in"
	other := newComment("le-2", "a", moderation.StatusPending, at(0))
	mustCreate(t, s, priya)
	mustCreate(t, s, other)
	trained(t, s, moveTo(priya.ID, "audit-1", moderation.StatusSpam, "comment.spam", at(1)), learn.Spam, 1, 2)
	trained(t, s, moveTo(other.ID, "audit-2", moderation.StatusSpam, "comment.spam", at(2)), learn.Spam, 2, 3)
	before, seq := learned(t, s)

	audit := moderation.AuditEvent{ID: "audit-erase", Time: at(3), Actor: "asha", Action: "author.erase", Target: "author"}
	if n, err := s.EraseAuthor(t.Context(), "priya@example.in", at(3), audit, moderation.ErasureOutbox{}); err != nil || n != 1 {
		t.Fatalf("EraseAuthor = %d, %v; want 1", n, err)
	}
	if after, seq2 := learned(t, s); !after.equal(before) || seq2 != seq {
		t.Errorf("after erasure: %v, seq %d; want the counts as they were, %v, seq %d", after, seq2, before, seq)
	}
	// The erased comment has no label: un-labelling it is no change,
	// while the other comment's label is still there.
	trained(t, s, moveTo(priya.ID, "audit-3", moderation.StatusDeleted, "comment.delete", at(4)), learn.None)
	if evs := learnEvents(t, s, seq); len(evs) != 0 {
		t.Errorf("un-labelling the erased comment: events %+v, want none (its label is gone)", evs)
	}
	trained(t, s, moveTo(other.ID, "audit-4", moderation.StatusRejected, "comment.reject", at(5)), learn.None)
	evs := learnEvents(t, s, seq)
	if len(evs) != 1 {
		t.Fatalf("un-labelling the other comment: events %+v, want one", evs)
	}
	checkLearnEvent(t, evs[0], moderation.LearnEvent{Site: site, From: learn.Spam, To: learn.None, Tokens: []learn.Token{2, 3}, Time: at(5)})
}

// testLearnPrune: pruning deletes old events only; the counts stay, and
// seqs are never handed out again, even when every event was pruned.
func testLearnPrune(t *testing.T, o Opener) {
	s := open(t, o)
	for i := range 3 {
		id := fmt.Sprintf("lp-%d", i)
		mustCreate(t, s, newComment(id, "a", moderation.StatusPending, at(0)))
		trained(t, s, moveTo(id, "audit-"+id, moderation.StatusSpam, "comment.spam", at(10*(i+1))), learn.Spam, learn.Token(i))
	}
	before, _ := learned(t, s)
	all := learnEvents(t, s, 0)
	if len(all) != 3 {
		t.Fatalf("%d events, want 3", len(all))
	}
	n, err := s.PruneLearnEvents(t.Context(), at(20))
	if err != nil || n != 1 {
		t.Fatalf("PruneLearnEvents(20) = %d, %v; want 1", n, err)
	}
	if evs := learnEvents(t, s, 0); !slices.Equal(seqs(evs), seqs(all[1:])) {
		t.Errorf("events after pruning: %v, want %v", seqs(evs), seqs(all[1:]))
	}
	if m, _ := learned(t, s); !m.equal(before) {
		t.Errorf("after pruning: %v, want the counts as they were: %v", m, before)
	}
	if n, err := s.PruneLearnEvents(t.Context(), at(100)); err != nil || n != 2 {
		t.Fatalf("PruneLearnEvents(100) = %d, %v; want 2", n, err)
	}
	if m, seq := learned(t, s); !m.equal(before) || seq >= all[2].Seq {
		t.Errorf("after pruning all: %v, seq %d; want the counts as they were and no seq of a pruned event", m, seq)
	}
	trained(t, s, approve("lp-0", "audit-again", at(200)), learn.Ham, 9)
	evs := learnEvents(t, s, 0)
	if len(evs) != 1 || evs[0].Seq <= all[2].Seq {
		t.Errorf("event after pruning all: seqs %v; want one above %d", seqs(evs), all[2].Seq)
	}
}

// testLearnReopen: labels, counts and events survive closing the store.
func testLearnReopen(t *testing.T, o Opener) {
	s, err := o(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newComment("lo", "a", moderation.StatusPending, at(0)))
	trained(t, s, moveTo("lo", "audit-1", moderation.StatusSpam, "comment.spam", at(1)), learn.Spam, 5, tokMax)
	m, seq := learned(t, s)
	evs := learnEvents(t, s, 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, o)
	if m2, seq2 := learned(t, s); !m2.equal(m) || seq2 != seq {
		t.Errorf("after reopen: %v, seq %d; want %v, %d", m2, seq2, m, seq)
	}
	evs2 := learnEvents(t, s, 0)
	if len(evs2) != len(evs) {
		t.Fatalf("events after reopen: %v, want %v", seqs(evs2), seqs(evs))
	}
	for i := range evs {
		checkLearnEvent(t, evs2[i], evs[i])
	}
	// The label and its tokens are still there.
	trained(t, s, approve("lo", "audit-2", at(2)), learn.Ham, 6)
	last := learnEvents(t, s, seq)
	if len(last) != 1 {
		t.Fatalf("events after relabelling: %v, want one", seqs(last))
	}
	checkLearnEvent(t, last[0], moderation.LearnEvent{Site: site, From: learn.Spam, To: learn.Ham,
		Tokens: []learn.Token{5, tokMax}, NewTokens: []learn.Token{6}, Time: at(2)})
}
