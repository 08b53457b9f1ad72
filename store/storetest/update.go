package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

func testUpdateStatus(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := fullComment("c-mod") // pending
	mustCreate(t, s, c)

	u := approve(c.ID, "audit-1", at(100).In(ist))
	u.Actor, u.Audit.Actor = "मॉडरेटर आशा", "मॉडरेटर आशा"
	u.Note, u.Audit.Note = "ठीक है \x1b", "ठीक है \x1b"
	var seen []moderation.Status
	next := u.Next
	u.Next = func(from moderation.Status) (moderation.Status, error) {
		seen = append(seen, from)
		return next(from)
	}
	got, changed, err := s.UpdateStatus(ctx, u)
	if err != nil || !changed {
		t.Fatalf("UpdateStatus: changed %v, err %v; want true, nil", changed, err)
	}
	if !slices.Equal(seen, []moderation.Status{moderation.StatusPending}) {
		t.Errorf("Next was called with %v, want [PENDING]", seen)
	}
	want := stored(c)
	want.Status = moderation.StatusPublished
	want.UpdateTime = at(100)
	want.ModeratedBy = u.Actor
	want.ModerationNote = u.Note
	checkComment(t, got, want)
	if got, err = s.Comment(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	checkComment(t, got, want)
	if got.InitialStatus != moderation.StatusPending {
		t.Errorf("InitialStatus = %v, want PENDING as submitted", got.InitialStatus)
	}
	list, err := s.ListComments(ctx, moderation.Filter{Statuses: []moderation.Status{moderation.StatusPublished}, ArticleID: c.ArticleID, Limit: 10})
	if err != nil || !slices.Equal(ids(list), []string{c.ID}) {
		t.Errorf("published listing after approval: %v, %v", ids(list), err)
	}

	wantEvent := u.Audit
	wantEvent.Time = at(100)
	wantEvent.Detail = "PENDING -> PUBLISHED"
	events, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("audit events %v, want one", eventIDs(events))
	}
	checkEvent(t, events[0], wantEvent)

	// A second move is recorded with its own OLD -> NEW.
	u2 := moveTo(c.ID, "audit-2", moderation.StatusSpam, "comment.spam", at(101))
	if _, changed, err := s.UpdateStatus(ctx, u2); err != nil || !changed {
		t.Fatalf("UpdateStatus to spam: %v, %v", changed, err)
	}
	events, err = s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil || !slices.Equal(eventIDs(events), []string{"audit-2", "audit-1"}) {
		t.Fatalf("audit events %v, %v; want [audit-2 audit-1]", eventIDs(events), err)
	}
	if events[0].Detail != "PUBLISHED -> SPAM" {
		t.Errorf("Detail = %q, want %q", events[0].Detail, "PUBLISHED -> SPAM")
	}
}

func testUpdateStatusUnchanged(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := newComment("c-same", "a", moderation.StatusPublished, at(0))
	mustCreate(t, s, c)
	got, changed, err := s.UpdateStatus(ctx, approve(c.ID, "audit-1", at(5)))
	if err != nil || changed {
		t.Fatalf("UpdateStatus to the same status: changed %v, err %v; want false, nil", changed, err)
	}
	checkComment(t, got, stored(c))
	if got, err = s.Comment(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	checkComment(t, got, stored(c)) // update time, actor and note untouched
	events, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil || len(events) != 0 {
		t.Errorf("audit events %v, %v; want none for a change that changed nothing", eventIDs(events), err)
	}
}

// testUpdateStatusConfirm: a decision that leaves the status as it is
// (approving a published comment, marking spam as spam) is not a change,
// but records who confirmed it, so that the rules' precision counts it.
func testUpdateStatusConfirm(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := newComment("c-confirm", "a", moderation.StatusSpam, at(0)) // filed as spam by the rules
	mustCreate(t, s, c)
	want := stored(c)
	step := 0
	confirm := func(actor, note string, w moderation.Comment) {
		t.Helper()
		step++
		u := moveTo(c.ID, fmt.Sprintf("audit-%d", step), moderation.StatusSpam, "comment.spam", at(step))
		u.Decision = true
		u.Actor, u.Audit.Actor, u.Note, u.Audit.Note = actor, actor, note, note
		var seen moderation.Comment
		u.Train = func(got moderation.Comment) (learn.Label, []learn.Token) {
			seen = got
			return learn.None, nil
		}
		got, changed, err := s.UpdateStatus(ctx, u)
		if err != nil || changed {
			t.Fatalf("confirmation %d by %q: changed %v, err %v; want false, nil", step, actor, changed, err)
		}
		checkComment(t, got, w)
		checkComment(t, seen, w) // Train is given the comment as it now is
		if got, err = s.Comment(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		checkComment(t, got, w)
	}

	// The status, and update_time (when it last changed), stay.
	want.ModeratedBy, want.ModerationNote = "mod-asha", "a casino link"
	confirm("mod-asha", "a casino link", want)
	// The same moderator again without a note: nothing to record.
	confirm("mod-asha", "", want)
	// Another moderator replaces the first, and their note.
	want.ModeratedBy, want.ModerationNote = "मॉडरेटर रवि", ""
	confirm("मॉडरेटर रवि", "", want)
	want.ModerationNote = "दोबारा देखा"
	confirm("मॉडरेटर रवि", "दोबारा देखा", want)
	// No moderator named: nothing to record.
	confirm("", "", want)

	// Not a decision (deleting a deleted comment): nothing is recorded.
	d := newComment("c-gone", "a", moderation.StatusDeleted, at(0))
	mustCreate(t, s, d)
	got, changed, err := s.UpdateStatus(ctx, moveTo(d.ID, "audit-del", moderation.StatusDeleted, "comment.delete", at(9)))
	if err != nil || changed {
		t.Fatalf("deleting a deleted comment: changed %v, err %v; want false, nil", changed, err)
	}
	checkComment(t, got, stored(d))
	if got, err = s.Comment(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	checkComment(t, got, stored(d))

	events, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil || len(events) != 0 {
		t.Errorf("audit events %v, %v; want none: nothing changed", eventIDs(events), err)
	}
}

func testUpdateStatusNextError(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := newComment("c-deleted", "a", moderation.StatusDeleted, at(0))
	mustCreate(t, s, c)

	var nextErr error
	u := approve(c.ID, "audit-1", at(5))
	u.Next = func(from moderation.Status) (moderation.Status, error) {
		to, err := moderation.Transition(from, moderation.ActionApprove)
		nextErr = err
		return to, err
	}
	got, changed, err := s.UpdateStatus(ctx, u)
	if nextErr == nil {
		t.Fatal("Next did not fail: the suite expects approving a deleted comment to be refused")
	}
	if err != nextErr {
		t.Errorf("UpdateStatus err = %#v, want Next's error %#v itself", err, nextErr)
	}
	var de *moderation.Error
	if !errors.As(err, &de) || de.Code != moderation.CodeFailedPrecondition {
		t.Errorf("errors.As(%v) does not find a CodeFailedPrecondition *moderation.Error", err)
	}
	if changed {
		t.Error("changed = true")
	}
	checkComment(t, got, stored(c))
	if got, err = s.Comment(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	checkComment(t, got, stored(c))
	events, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil || len(events) != 0 {
		t.Errorf("audit events %v, %v; want none", eventIDs(events), err)
	}
}

// testUpdateStatusRace: moderators approving the same comment at once
// are serialised: one changes it, the others find it already approved.
func testUpdateStatusRace(t *testing.T, o Opener) {
	s := open(t, o)
	c := newComment("c-race", "a", moderation.StatusPending, at(0))
	mustCreate(t, s, c)
	const n = 10
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		changes int
	)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got, changed, err := s.UpdateStatus(t.Context(), approve(c.ID, fmt.Sprintf("audit-%02d", i), at(10+i)))
			if err != nil {
				t.Errorf("moderator %d: %v", i, err)
				return
			}
			if got.Status != moderation.StatusPublished {
				t.Errorf("moderator %d: status %v, want PUBLISHED", i, got.Status)
			}
			if changed {
				mu.Lock()
				changes++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if changes != 1 {
		t.Errorf("%d moderators changed the comment, want exactly 1", changes)
	}
	events, err := s.ListAuditEvents(t.Context(), moderation.AuditFilter{Target: c.ID, Limit: 100})
	if err != nil || len(events) != 1 {
		t.Errorf("audit events %v, %v; want exactly one", eventIDs(events), err)
	}
}

func testAuditEvents(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	targets := []string{"c-x", "c-y", "c-z"}
	for _, id := range targets {
		mustCreate(t, s, newComment(id, "a", moderation.StatusPending, at(0)))
	}
	actors := []string{"mod-asha", "mod-ravi", "मॉडरेटर"}
	statuses := []moderation.Status{moderation.StatusPublished, moderation.StatusSpam, moderation.StatusRejected}
	var all []moderation.AuditEvent
	for i := range 15 {
		target := targets[i%len(targets)]
		// Ids out of time order, and three events per second.
		id := fmt.Sprintf("ev-%02d", (i*7)%15)
		u := moveTo(target, id, statuses[(i/len(targets))%len(statuses)], "comment.move", at(i/3))
		u.Actor, u.Audit.Actor = actors[i%2+i/10], actors[i%2+i/10]
		before, err := s.Comment(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		_, changed, err := s.UpdateStatus(ctx, u)
		if err != nil || !changed {
			t.Fatalf("UpdateStatus %d: %v, %v", i, changed, err)
		}
		e := u.Audit
		e.Detail = before.Status.String() + " -> " + statuses[(i/len(targets))%len(statuses)].String()
		all = append(all, e)
	}
	expect := func(f moderation.AuditFilter) []moderation.AuditEvent {
		var out []moderation.AuditEvent
		for _, e := range all {
			if (f.Actor == "" || e.Actor == f.Actor) && (f.Target == "" || e.Target == f.Target) {
				out = append(out, e)
			}
		}
		slices.SortFunc(out, func(a, b moderation.AuditEvent) int {
			return -cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
		})
		return out
	}

	got, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	w := expect(moderation.AuditFilter{})
	if !slices.Equal(eventIDs(got), eventIDs(w)) {
		t.Fatalf("events %v, want newest first %v", eventIDs(got), eventIDs(w))
	}
	for i := range got {
		checkEvent(t, got[i], w[i])
	}

	for _, f := range []moderation.AuditFilter{
		{},
		{Actor: "mod-asha"},
		{Actor: "मॉडरेटर"},
		{Target: "c-y"},
		{Actor: "mod-ravi", Target: "c-z"},
		{Actor: "nobody"},
		{Target: "c-missing"},
	} {
		for _, size := range []int{1, 2, 4, 100} {
			t.Run(fmt.Sprintf("actor=%s,target=%s,size=%d", f.Actor, f.Target, size), func(t *testing.T) {
				f := f
				f.Limit, f.After = size, nil
				var got []string
				for page := 0; ; page++ {
					if page > len(all) {
						t.Fatalf("no end after %d pages", page)
					}
					es, err := s.ListAuditEvents(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(es) > size {
						t.Fatalf("page of %d events, limit %d", len(es), size)
					}
					got = append(got, eventIDs(es)...)
					if len(es) < size {
						break
					}
					last := es[len(es)-1]
					f.After = &moderation.Cursor{Time: last.Time, ID: last.ID}
				}
				if w := eventIDs(expect(f)); !slices.Equal(got, w) {
					t.Errorf("pages gave %v, want %v", got, w)
				}
			})
		}
	}
}

func checkEvent(t *testing.T, got, want moderation.AuditEvent) {
	t.Helper()
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		t.Errorf("event %s: Time = %v, want %v in UTC", want.ID, got.Time, want.Time.UTC())
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("event:\n got %+q\nwant %+q", got, want)
	}
}
