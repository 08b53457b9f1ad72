package storetest

import (
	"testing"

	"github.com/commentd/commentd/moderation"
)

// testAuditIDTaken: a change whose audit event cannot be appended (its id
// is taken) fails as a whole: nothing of it is stored, the rules version
// stays.
func testAuditIDTaken(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	taken := moderation.AuditEvent{ID: "audit-taken", Time: at(0), Actor: "asha", Action: "author.export"}
	if err := s.AppendAudit(ctx, taken); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, taken); err == nil {
		t.Error("AppendAudit with a taken id succeeded")
	}
	c := newComment("c-1", "a", moderation.StatusPending, at(0))
	c.Author.Email = "priya@example.in"
	mustCreate(t, s, c)
	version := rulesVersion(t, s)

	u := approve(c.ID, taken.ID, at(1))
	if _, changed, err := s.UpdateStatus(ctx, u); err == nil || changed {
		t.Errorf("UpdateStatus with a taken audit id: changed %v, err %v; want an error", changed, err)
	}
	if got, err := s.Comment(ctx, c.ID); err != nil {
		t.Fatal(err)
	} else {
		checkComment(t, got, stored(c))
	}

	if _, err := s.UpdateWordList(ctx, wordUpdate(moderation.ListBlock, []string{"x"}, nil, "asha", taken.ID, at(2))); err == nil {
		t.Error("UpdateWordList with a taken audit id succeeded")
	}
	if ts, err := s.WordTerms(ctx); err != nil || len(ts) != 0 {
		t.Errorf("WordTerms = %q, %v; want none", termNames(ts), err)
	}

	ban := newBan("ban-1", moderation.BanIP, "203.0.113.7", at(3), at(5000))
	if _, err := s.CreateBan(ctx, ban, banAudit(taken.ID, "ban.create", ban.ID, at(3))); err == nil {
		t.Error("CreateBan with a taken audit id succeeded")
	}
	if bans, err := s.ListBans(ctx, at(4), nil, 10, ""); err != nil || len(bans) != 0 {
		t.Errorf("ListBans = %v, %v; want none", banIDs(bans), err)
	}
	if _, err := s.CreateBan(ctx, ban, banAudit("audit-ban", "ban.create", ban.ID, at(3))); err != nil {
		t.Fatal(err)
	}
	version++
	if _, err := s.DeleteBan(ctx, ban.ID, banAudit(taken.ID, "ban.delete", ban.ID, at(4))); err == nil {
		t.Error("DeleteBan with a taken audit id succeeded")
	}
	if bans, err := s.ListBans(ctx, at(4), nil, 10, ""); err != nil || len(bans) != 1 {
		t.Errorf("ListBans = %v, %v; want the ban kept", banIDs(bans), err)
	}

	if n, err := s.EraseAuthor(ctx, "priya@example.in", at(5), taken, moderation.ErasureOutbox{}); err == nil || n != 0 {
		t.Errorf("EraseAuthor with a taken audit id = %d, %v; want an error", n, err)
	}
	if got, err := s.Comment(ctx, c.ID); err != nil || got.Body != c.Body {
		t.Errorf("comment after a failed erasure: %+v, %v; want it kept", got, err)
	}
	if v := rulesVersion(t, s); v != version {
		t.Errorf("rules version %d, want %d: failed changes moved it", v, version)
	}
	if n := len(auditEvents(t, s)); n != 2 {
		t.Errorf("%d audit events, want 2", n)
	}
}
