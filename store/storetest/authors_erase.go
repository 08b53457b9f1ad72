package storetest

import (
	"testing"

	"github.com/commentd/commentd/moderation"
)

func testEraseAuthor(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	const key = "priya@example.in"
	for i, id := range []string{"p1", "p2", "p3"} {
		c := fullComment(id)
		c.RequestID = "req-" + id
		c.Author.Email = []string{"priya@example.in", "Priya@Example.IN", "PRIYA@EXAMPLE.IN"}[i]
		mustCreate(t, s, c)
	}
	other := fullComment("other")
	other.Author.Email = "rahul@example.com"
	mustCreate(t, s, other)

	audit := moderation.AuditEvent{ID: "audit-erase", Time: at(9), Actor: "asha", Action: "author.erase", Target: "author:x"}
	n, err := s.EraseAuthor(ctx, key, at(9), audit, moderation.ErasureOutbox{})
	if err != nil || n != 3 {
		t.Fatalf("EraseAuthor = %d, %v; want 3", n, err)
	}
	for _, id := range []string{"p1", "p2", "p3"} {
		c, err := s.Comment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != moderation.StatusDeleted || c.Body != "" || c.Author != (moderation.Author{}) ||
			c.Client != (moderation.Client{}) || len(c.Reasons) != 0 || c.AuthorKey != "" || c.ModeratedBy != "asha" ||
			c.BodyFingerprint != "" || c.ModerationNote != "" || c.RequestHash != nil || c.Score != 0 ||
			c.InitialStatus != moderation.StatusDeleted ||
			c.ArticleID == "" || c.ID != id || c.RequestID != "req-"+id || !c.UpdateTime.Equal(at(9)) ||
			c.ImportKey != "wxr:42:"+id { // so that importing the history again does not bring it back
			t.Errorf("erased comment %s: %+v; want a DELETED tombstone that keeps only its place", id, c)
		}
	}
	if c, err := s.Comment(ctx, "other"); err != nil || c.Author.Email != "rahul@example.com" || c.Body == "" {
		t.Errorf("another author's comment: %+v, %v; want it untouched", c, err)
	}
	evs, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Target: "author:x", Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].ID != "audit-erase" {
		t.Errorf("audit = %v, %v; want the erase event", evs, err)
	}
	if n, err := s.EraseAuthor(ctx, key, at(10), moderation.AuditEvent{ID: "audit-erase-2", Time: at(10), Actor: "asha", Action: "author.erase"}, moderation.ErasureOutbox{}); err != nil || n != 0 {
		t.Errorf("erasing again = %d, %v; want 0", n, err)
	}
	if err := s.AppendAudit(ctx, moderation.AuditEvent{ID: "audit-export", Time: at(11), Actor: "asha", Action: "author.export", Target: "author:x"}); err != nil {
		t.Fatal(err)
	}
	if evs, _ := s.ListAuditEvents(ctx, moderation.AuditFilter{Target: "author:x", Limit: 10}); len(evs) != 2 || evs[0].ID != "audit-export" {
		t.Errorf("after AppendAudit: %v", evs)
	}
}
