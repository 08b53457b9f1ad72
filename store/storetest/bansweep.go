package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// sweep returns a ban's sweep at tm whose audit events and webhook
// messages carry prefix in their ids.
func sweep(prefix string, ids []string, to moderation.Status, tm time.Time, note string) moderation.BanSweep {
	return moderation.BanSweep{
		IDs: ids, To: to, Time: tm, Actor: "mod-asha", Note: note,
		CommentAudit: func(c moderation.Comment) moderation.AuditEvent {
			return moderation.AuditEvent{ID: prefix + "-audit-" + c.ID, Time: tm, Actor: "mod-asha", Action: "ban.hide", Target: c.ID, Note: note}
		},
		Outbox: func(c moderation.Comment) []moderation.OutboxMessage {
			return []moderation.OutboxMessage{message(prefix+"-msg-"+c.ID, "hook", c.ID, tm)}
		},
		Audit: func(moved, kept int) moderation.AuditEvent {
			return moderation.AuditEvent{ID: prefix + "-ban", Time: tm, Actor: "mod-asha", Action: "ban." + prefix,
				Target: "b-1", Detail: string(rune('0'+moved)) + " moved, " + string(rune('0'+kept)) + " kept"}
		},
	}
}

func statusOf(t *testing.T, s Store, id string) moderation.Comment {
	t.Helper()
	c, err := s.Comment(t.Context(), id)
	if err != nil {
		t.Fatalf("Comment(%s): %v", id, err)
	}
	return c
}

func testBanSweep(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for _, c := range []moderation.Comment{
		newComment("c-1", "a", moderation.StatusPublished, at(1)),
		newComment("c-2", "a", moderation.StatusPublished, at(2)),
		newComment("c-3", "b", moderation.StatusPending, at(3)),   // named, but not published
		newComment("c-4", "b", moderation.StatusPublished, at(4)), // not named
		newComment("c-5", "b", moderation.StatusPublished, at(5)),
	} {
		mustCreate(t, s, c)
	}
	v0 := rulesVersion(t, s)
	now := at(100)
	ban := newBan("b-1", moderation.BanEmail, "troll@example.com", now, time.Time{})
	const note = "ban b-1"
	_, moved, err := s.CreateBanSweep(ctx, ban, sweep("create", []string{"c-1", "c-2", "c-3", "c-5", "c-1", "missing"}, moderation.StatusPending, now, note))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(moved); !slices.Equal(got, []string{"c-1", "c-2", "c-5"}) {
		t.Fatalf("moved %q, want c-1 c-2 c-5", got)
	}
	if rulesVersion(t, s) == v0 {
		t.Error("rules version unchanged by a ban")
	}
	for _, c := range moved {
		if c.Status != moderation.StatusPending || !c.UpdateTime.Equal(now) || c.ModeratedBy != "mod-asha" || c.ModerationNote != note {
			t.Errorf("moved comment returned as %+v", c)
		}
	}
	for id, want := range map[string]moderation.Status{"c-1": moderation.StatusPending, "c-2": moderation.StatusPending,
		"c-3": moderation.StatusPending, "c-4": moderation.StatusPublished, "c-5": moderation.StatusPending} {
		if c := statusOf(t, s, id); c.Status != want {
			t.Errorf("%s is %v, want %v", id, c.Status, want)
		}
	}
	if c := statusOf(t, s, "c-3"); c.ModeratedBy != "" || !c.UpdateTime.Equal(at(3)) {
		t.Errorf("c-3, not published, was touched: %+v", c)
	}
	es := auditEvents(t, s)
	if e := es["create-ban"]; e.Detail != "3 moved, 0 kept" || e.Action != "ban.create" {
		t.Errorf("ban audit %+v", e)
	}
	if e := es["create-audit-c-2"]; e.Detail != "PUBLISHED -> PENDING" || e.Target != "c-2" {
		t.Errorf("comment audit %+v", e)
	}
	if got := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{})); len(got) != 3 {
		t.Errorf("deliveries %q, want one per moved comment", got)
	}
	if bans, _ := s.ListBans(ctx, now, nil, 10, ""); len(bans) != 1 {
		t.Errorf("bans %+v", bans)
	}

	// Since the ban: c-2 approved, c-5 confirmed as pending by another
	// moderator. Both stay as decided; only c-1 goes back.
	if _, _, err := s.UpdateStatus(ctx, approve("c-2", "approve-c-2", at(200))); err != nil {
		t.Fatal(err)
	}
	confirm := moveTo("c-5", "confirm-c-5", moderation.StatusPending, "comment.hold", at(201))
	confirm.Actor, confirm.Decision = "mod-ravi", true
	if _, changed, err := s.UpdateStatus(ctx, confirm); err != nil || changed {
		t.Fatalf("confirm: changed %v, %v", changed, err)
	}

	later := at(300)
	got, back, err := s.DeleteBanSweep(ctx, "b-1", sweep("delete", nil, moderation.StatusUnspecified, later, note))
	if err != nil {
		t.Fatal(err)
	}
	checkBan(t, got, storedBan(ban))
	if !slices.Equal(ids(back), []string{"c-1"}) || back[0].Status != moderation.StatusPublished || !back[0].UpdateTime.Equal(later) {
		t.Errorf("restored %+v, want c-1 published", back)
	}
	for id, want := range map[string]moderation.Status{"c-1": moderation.StatusPublished, "c-2": moderation.StatusPublished,
		"c-3": moderation.StatusPending, "c-4": moderation.StatusPublished, "c-5": moderation.StatusPending} {
		if c := statusOf(t, s, id); c.Status != want {
			t.Errorf("after restore %s is %v, want %v", id, c.Status, want)
		}
	}
	if c := statusOf(t, s, "c-5"); c.ModeratedBy != "mod-ravi" {
		t.Errorf("c-5's confirmation was undone: %+v", c)
	}
	es = auditEvents(t, s)
	if e := es["delete-ban"]; e.Detail != "1 moved, 2 kept" {
		t.Errorf("lift audit %+v", e)
	}
	if e := es["delete-audit-c-1"]; e.Detail != "PENDING -> PUBLISHED" {
		t.Errorf("restore audit %+v", e)
	}
	if n := len(deliveries(t, s, moderation.DeliveryFilter{CommentID: "c-1"})); n != 2 {
		t.Errorf("c-1 has %d deliveries, want 2 (hidden, restored)", n)
	}
	if bans, _ := s.ListBans(ctx, later, nil, 10, ""); len(bans) != 0 {
		t.Errorf("bans after lifting %+v", bans)
	}
	if _, _, err := s.DeleteBanSweep(ctx, "b-1", sweep("again", nil, 0, later, note)); !errors.Is(err, moderation.ErrNotFound) {
		t.Errorf("lifting again: %v, want ErrNotFound", err)
	}

	// A ban lifted without restore forgets what it hid: a ban of the same
	// id created later restores nothing of it.
	ban2 := newBan("b-2", moderation.BanIP, "192.0.2.1", at(400), time.Time{})
	if _, _, err := s.CreateBanSweep(ctx, ban2, sweep("create2", []string{"c-4"}, moderation.StatusSpam, at(400), "ban b-2")); err != nil {
		t.Fatal(err)
	}
	if c := statusOf(t, s, "c-4"); c.Status != moderation.StatusSpam {
		t.Errorf("c-4 is %v, want SPAM", c.Status)
	}
	if _, err := s.DeleteBan(ctx, "b-2", banAudit("lift2", "ban.delete", "b-2", at(401))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateBanSweep(ctx, ban2, sweep("create3", nil, moderation.StatusSpam, at(400), "ban b-2")); err != nil {
		t.Fatal(err)
	}
	if _, back, err := s.DeleteBanSweep(ctx, "b-2", sweep("delete3", nil, 0, at(402), "ban b-2")); err != nil || len(back) != 0 {
		t.Errorf("restored %q, %v; want nothing: the first b-2 was lifted without restore", ids(back), err)
	}
	if c := statusOf(t, s, "c-4"); c.Status != moderation.StatusSpam {
		t.Errorf("c-4 is %v, want SPAM still", c.Status)
	}
}

// testBanSweepAtomic: a sweep that fails part way changes nothing.
func testBanSweepAtomic(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustCreate(t, s, newComment("c-1", "a", moderation.StatusPublished, at(1)))
	mustCreate(t, s, newComment("c-2", "a", moderation.StatusPublished, at(2)))
	if err := s.AppendAudit(ctx, moderation.AuditEvent{ID: "create-audit-c-2", Time: at(3), Actor: "x", Action: "x"}); err != nil {
		t.Fatal(err)
	}
	v := rulesVersion(t, s)
	_, _, err := s.CreateBanSweep(ctx, newBan("b-1", moderation.BanEmail, "troll@example.com", at(10), time.Time{}),
		sweep("create", []string{"c-1", "c-2"}, moderation.StatusSpam, at(10), "ban b-1"))
	if err == nil {
		t.Fatal("a sweep whose audit id is taken succeeded")
	}
	for _, id := range []string{"c-1", "c-2"} {
		if c := statusOf(t, s, id); c.Status != moderation.StatusPublished {
			t.Errorf("%s is %v after a failed sweep", id, c.Status)
		}
	}
	if bans, _ := s.ListBans(ctx, at(10), nil, 10, ""); len(bans) != 0 || rulesVersion(t, s) != v {
		t.Errorf("a failed sweep stored its ban: %+v", bans)
	}
	if n := len(deliveries(t, s, moderation.DeliveryFilter{})); n != 0 {
		t.Errorf("a failed sweep stored %d deliveries", n)
	}
}
