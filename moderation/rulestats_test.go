package moderation_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/commentd/commentd/moderation"
)

// statsFixture stores comments with the reasons given, as the pipeline
// would have, so that each case controls exactly which rules fired.
type statsFixture struct {
	t   *testing.T
	st  moderation.Store
	svc *moderation.Service
	now time.Time
}

func newStatsFixture(t *testing.T) *statsFixture {
	c := newClock()
	st := newStore(t)
	return &statsFixture{t: t, st: st, svc: newServiceOn(t, st, c.Option()), now: c.Now()}
}

// add stores a pending comment of site, created age ago, with reasons.
func (f *statsFixture) add(site string, age time.Duration, reasons ...moderation.Reason) string {
	f.t.Helper()
	return f.addAs(moderation.StatusPending, site, age, reasons...)
}

// addAs stores a comment the pipeline decided st, which no moderator has
// touched.
func (f *statsFixture) addAs(st moderation.Status, site string, age time.Duration, reasons ...moderation.Reason) string {
	f.t.Helper()
	n := readers.Add(1)
	created := f.now.Add(-age)
	c := moderation.Comment{
		ID:            uuid.Must(uuid.NewV7()).String(),
		Site:          site,
		ArticleID:     "2026/12/budget",
		Author:        moderation.Author{Name: fmt.Sprintf("Reader %d", n), Email: fmt.Sprintf("reader%d@example.in", n)},
		Body:          fmt.Sprintf("comment %d", n),
		Status:        st,
		InitialStatus: st,
		Reasons:       reasons,
		CreateTime:    created,
		UpdateTime:    created,
	}
	if _, conflict, err := f.st.CreateComment(context.Background(), c); err != nil || conflict != moderation.NoConflict {
		f.t.Fatalf("CreateComment: %v, conflict %v", err, conflict)
	}
	return c.ID
}

// decide applies a moderator's action to id.
func (f *statsFixture) decide(id string, a moderation.Action) {
	f.t.Helper()
	out, err := f.svc.Moderate(context.Background(), moderation.Moderation{Actor: "asha", IDs: []string{id}, Action: a})
	if err != nil || out[0].Err != nil {
		f.t.Fatalf("Moderate %s %s: %v %v", a, id, err, out)
	}
}

func reason(rule string, a moderation.RuleAction) moderation.Reason {
	return moderation.Reason{Rule: rule, Action: a, Detail: rule + " fired"}
}

func TestRuleStatsCountsAgreementPerRuleAndAction(t *testing.T) {
	f := newStatsFixture(t)
	hold := reason("wordlist_hold", moderation.RuleHold)
	links := reason("links", moderation.RuleHold)
	caps := reason("caps", moderation.RuleScore)
	vouch := reason("learned", moderation.RuleAllow)
	learnedSpam := reason("learned", moderation.RuleSpam)
	day := 24 * time.Hour

	// Two terms of one list give two reasons: the rule fired once.
	f.decide(f.add("news", day, hold, hold, caps), moderation.ActionMarkSpam)
	f.decide(f.add("news", day, hold, links), moderation.ActionApprove)
	f.decide(f.add("news", day, links), moderation.ActionReject)
	f.decide(f.add("news", day, vouch), moderation.ActionApprove)
	f.decide(f.add("news", day, vouch), moderation.ActionApprove)
	f.decide(f.add("news", day, learnedSpam), moderation.ActionApprove)
	f.decide(f.add("news", day, vouch), moderation.ActionMarkSpam)
	f.decide(f.add("news", day, links), moderation.ActionDelete) // says nothing
	f.add("news", day, links)                                    // not decided yet
	f.addAs(moderation.StatusPublished, "news", day, caps)       // published by the rules alone
	f.add("news", day)                                           // no rule fired
	// Outside the window, or of another site.
	f.decide(f.add("news", 10*day, links), moderation.ActionMarkSpam)
	f.decide(f.add("sport", day, links), moderation.ActionApprove)

	got, err := f.svc.RuleStats(context.Background(), "news", f.now.Add(-7*day))
	if err != nil {
		t.Fatal(err)
	}
	want := []moderation.RuleStat{
		{Rule: "links", Action: moderation.RuleHold, Fired: 4, Decided: 2, Agreed: 1},
		{Rule: "learned", Action: moderation.RuleAllow, Fired: 3, Decided: 3, Agreed: 2},
		{Rule: "caps", Action: moderation.RuleScore, Fired: 2, Decided: 1, Agreed: 1},
		{Rule: "wordlist_hold", Action: moderation.RuleHold, Fired: 2, Decided: 2, Agreed: 1},
		{Rule: "learned", Action: moderation.RuleSpam, Fired: 1, Decided: 1, Agreed: 0},
	}
	if !slices.Equal(got.Stats, want) || got.Read != 11 || got.Truncated {
		t.Errorf("RuleStats(news, 7 days) =\n%+v, read %d, truncated %v\nwant\n%+v, read 11", got.Stats, got.Read, got.Truncated, want)
	}

	// Every site: the other site's approved link comment disagrees.
	all, err := f.svc.RuleStats(context.Background(), "", f.now.Add(-7*day))
	if err != nil {
		t.Fatal(err)
	}
	if all.Read != 12 || all.Stats[0] != (moderation.RuleStat{Rule: "links", Action: moderation.RuleHold, Fired: 5, Decided: 3, Agreed: 1}) {
		t.Errorf("RuleStats(every site) = %+v, read %d; want links fired 5, decided 3, agreed 1 of 12 read", all.Stats, all.Read)
	}
}

// A decision that leaves the status as it is still counts: marking as
// spam what the rules filed as spam agrees with them, approving what they
// published disagrees with a score that fired on it.
func TestRuleStatsCountsConfirmations(t *testing.T) {
	f := newStatsFixture(t)
	block := reason("wordlist_block", moderation.RuleSpam)
	caps := reason("caps", moderation.RuleScore)
	vouch := reason("learned", moderation.RuleAllow)
	day := 24 * time.Hour

	spam := f.addAs(moderation.StatusSpam, "news", day, block)
	published := f.addAs(moderation.StatusPublished, "news", day, caps, vouch)
	f.addAs(moderation.StatusSpam, "news", day, block)            // filed as spam, never looked at
	f.addAs(moderation.StatusPublished, "news", day, caps)        // published, never looked at
	deleted := f.addAs(moderation.StatusSpam, "news", day, block) // deleted twice: no verdict
	f.decide(deleted, moderation.ActionDelete)
	for _, c := range []struct {
		id string
		a  moderation.Action
	}{{spam, moderation.ActionMarkSpam}, {published, moderation.ActionApprove}, {deleted, moderation.ActionDelete}} {
		out, err := f.svc.Moderate(context.Background(), moderation.Moderation{Actor: "ravi", IDs: []string{c.id}, Action: c.a})
		if err != nil || len(out) != 1 || out[0].Changed || out[0].Err != nil {
			t.Fatalf("Moderate %s %s: %+v, %v; want unchanged", c.a, c.id, out, err)
		}
	}

	got, err := f.svc.RuleStats(context.Background(), "news", f.now.Add(-7*day))
	if err != nil {
		t.Fatal(err)
	}
	want := []moderation.RuleStat{
		{Rule: "wordlist_block", Action: moderation.RuleSpam, Fired: 3, Decided: 1, Agreed: 1},
		{Rule: "caps", Action: moderation.RuleScore, Fired: 2, Decided: 1, Agreed: 0},
		{Rule: "learned", Action: moderation.RuleAllow, Fired: 1, Decided: 1, Agreed: 1},
	}
	if !slices.Equal(got.Stats, want) || got.Read != 5 {
		t.Errorf("RuleStats after confirmations =\n%+v, read %d\nwant\n%+v, read 5", got.Stats, got.Read, want)
	}

	// The confirmations are recorded on the comments, not in the audit
	// log, and the status did not change.
	for _, id := range []string{spam, published} {
		c, err := f.st.Comment(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.ModeratedBy != "ravi" || !c.UpdateTime.Equal(c.CreateTime) {
			t.Errorf("comment %s: moderated by %q, updated %v (created %v); want ravi, not updated", id, c.ModeratedBy, c.UpdateTime, c.CreateTime)
		}
	}
	if c, err := f.st.Comment(context.Background(), deleted); err != nil || c.ModeratedBy != "asha" {
		t.Errorf("deleted comment moderated by %q, %v; want asha, who deleted it", c.ModeratedBy, err)
	}
	if evs, _, err := f.svc.AuditEvents(context.Background(), moderation.AuditQuery{Actor: "ravi"}, moderation.Page{}); err != nil || len(evs) != 0 {
		t.Errorf("ravi's audit events %+v, %v; want none", evs, err)
	}
}

func TestRuleStatsDefaultsToThirtyDays(t *testing.T) {
	f := newStatsFixture(t)
	day := 24 * time.Hour
	f.add("news", 29*day, reason("links", moderation.RuleHold))
	f.add("news", 31*day, reason("caps", moderation.RuleScore))
	got, err := f.svc.RuleStats(context.Background(), "news", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []moderation.RuleStat{{Rule: "links", Action: moderation.RuleHold, Fired: 1}}
	if !slices.Equal(got.Stats, want) || got.Read != 1 {
		t.Errorf("RuleStats(no start) = %+v, read %d; want %+v, read 1", got.Stats, got.Read, want)
	}
}

func TestRuleStatsRefusesBadInput(t *testing.T) {
	svc := newService(t)
	_, err := svc.RuleStats(context.Background(), "news\x1b", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	wantError(t, err, moderation.CodeInvalid,
		moderation.FieldViolation{Field: "site", Description: "must not contain control characters"},
		moderation.FieldViolation{Field: "start_time", Description: "must be a time between the years 1 and 9999"})
}

// The bound is lowered to keep the test fast; it is not a multiple of the
// page size, so the last page is a short one.
func TestRuleStatsReadsAtMostTheBoundNewestFirst(t *testing.T) {
	defer moderation.SetMaxRuleStatsComments(2500)()
	f := newStatsFixture(t)
	f.add("news", 2*time.Hour, reason("oldest", moderation.RuleHold))
	// The statuses take turns, so that the newest comments are the newest
	// of every status together.
	statuses := []moderation.Status{moderation.StatusPublished, moderation.StatusPending, moderation.StatusSpam}
	for i := range 2499 {
		f.addAs(statuses[i%3], "news", time.Hour-time.Duration(i)*time.Millisecond, reason("links", moderation.RuleHold))
	}
	ctx := context.Background()
	since := f.now.Add(-24 * time.Hour)

	full, err := f.svc.RuleStats(ctx, "news", since)
	if err != nil {
		t.Fatal(err)
	}
	if full.Read != 2500 || full.Truncated || len(full.Stats) != 2 {
		t.Errorf("exactly the bound: read %d, truncated %v, %d rules; want 2500, false, 2", full.Read, full.Truncated, len(full.Stats))
	}

	f.addAs(moderation.StatusPublished, "news", time.Minute, reason("links", moderation.RuleHold))
	over, err := f.svc.RuleStats(ctx, "news", since)
	if err != nil {
		t.Fatal(err)
	}
	want := []moderation.RuleStat{{Rule: "links", Action: moderation.RuleHold, Fired: 2500}}
	if over.Read != 2500 || !over.Truncated || !slices.Equal(over.Stats, want) {
		t.Errorf("one over the bound: %+v, read %d, truncated %v; want %+v (the oldest left out), 2500, true", over.Stats, over.Read, over.Truncated, want)
	}
}
