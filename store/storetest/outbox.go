package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// message is an outbox message about comment for endpoint at t; its body
// names it, so that a test can tell bodies apart.
func message(id, endpoint, comment string, t time.Time) moderation.OutboxMessage {
	return moderation.OutboxMessage{
		ID: id, EventID: "ev-" + id, EventType: "comment.held", Endpoint: endpoint, Site: site,
		CommentID: comment, Payload: []byte(`{"id":"ev-` + id + `","body":"` + hindiName + `"}`), CreateTime: t,
	}
}

// deliveries lists every delivery, newest first.
func deliveries(t *testing.T, s Store, f moderation.DeliveryFilter) []moderation.Delivery {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 1000
	}
	ds, err := s.ListDeliveries(t.Context(), f)
	if err != nil {
		t.Fatalf("ListDeliveries(%+v): %v", f, err)
	}
	return ds
}

func deliveryIDs(ds []moderation.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func delivery(t *testing.T, s Store, id string) moderation.Delivery {
	t.Helper()
	for _, d := range deliveries(t, s, moderation.DeliveryFilter{}) {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no delivery %s", id)
	return moderation.Delivery{}
}

func due(t *testing.T, s Store, now time.Time, except ...string) []string {
	t.Helper()
	ds, err := s.DueDeliveries(t.Context(), now, except, 100)
	if err != nil {
		t.Fatalf("DueDeliveries: %v", err)
	}
	return deliveryIDs(ds)
}

func record(t *testing.T, s Store, as ...moderation.DeliveryAttempt) {
	t.Helper()
	if err := s.RecordAttempts(t.Context(), as); err != nil {
		t.Fatalf("RecordAttempts: %v", err)
	}
}

// checkDelivery compares what a store read back with the message stored.
func checkDelivery(t *testing.T, got moderation.Delivery, want moderation.OutboxMessage) {
	t.Helper()
	w := want
	w.CreateTime = want.CreateTime.UTC()
	g := got.OutboxMessage
	if !bytes.Equal(g.Payload, w.Payload) {
		t.Errorf("delivery %s: payload %q, want %q", want.ID, g.Payload, w.Payload)
	}
	g.Payload, w.Payload = nil, nil
	if !reflect.DeepEqual(g, w) || got.CreateTime.Location() != time.UTC {
		t.Errorf("delivery %s: message %+v, want %+v", want.ID, g, w)
	}
	if got.State != moderation.DeliveryPending || got.Attempts != 0 || !got.NextAttempt.Equal(w.CreateTime) ||
		!got.RetrySince.Equal(w.CreateTime) || !got.LastAttempt.IsZero() || got.LastError != "" || !got.DoneTime.IsZero() {
		t.Errorf("delivery %s: %+v; want pending, due at its time, never attempted", want.ID, got)
	}
}

// testOutboxWrites: the messages of a new comment, of a status change and
// of nothing else are stored, pending, with the change.
func testOutboxWrites(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := fullComment("c-1")
	m1, m2 := message("d-1", "wp", c.ID, at(1)), message("d-2", "slack", c.ID, at(1))
	m1.Payload = []byte{0, 0xff, '{', 0} // bytes, not text
	if _, conflict, err := s.CreateComment(ctx, c, m1, m2); err != nil || conflict != moderation.NoConflict {
		t.Fatalf("CreateComment: %v, %v", conflict, err)
	}
	// A retry stores neither the comment nor its messages.
	retry := fullComment("c-2")
	retry.RequestID = c.RequestID
	if _, conflict, err := s.CreateComment(ctx, retry, message("d-3", "wp", retry.ID, at(2))); err != nil || conflict != moderation.ConflictRequestID {
		t.Fatalf("retry: %v, %v", conflict, err)
	}
	// So does a duplicate.
	dup := fullComment("c-3")
	dup.AuthorKey, dup.BodyFingerprint = c.AuthorKey, c.BodyFingerprint
	dup.RequestID = "req-other"
	if _, conflict, err := s.CreateComment(ctx, dup, message("d-4", "wp", dup.ID, at(2))); err != nil || conflict != moderation.ConflictDuplicate {
		t.Fatalf("duplicate: %v, %v", conflict, err)
	}
	got := deliveries(t, s, moderation.DeliveryFilter{})
	if ids := deliveryIDs(got); !slices.Equal(ids, []string{"d-2", "d-1"}) {
		t.Fatalf("deliveries %v, want d-2, d-1 (newest first by time, then id)", ids)
	}
	checkDelivery(t, got[1], m1)
	checkDelivery(t, got[0], m2)

	// A change: Outbox hears the comment as it now is.
	u := approve(c.ID, "audit-1", at(3))
	var heard moderation.Comment
	u.Outbox = func(c moderation.Comment) []moderation.OutboxMessage {
		heard = c
		return []moderation.OutboxMessage{message("d-5", "wp", c.ID, at(3))}
	}
	if _, changed, err := s.UpdateStatus(ctx, u); err != nil || !changed {
		t.Fatalf("UpdateStatus: %v, %v", changed, err)
	}
	if heard.Status != moderation.StatusPublished || !heard.UpdateTime.Equal(at(3)) || heard.ModeratedBy != "mod-asha" || heard.Body != c.Body {
		t.Errorf("Outbox heard %+v; want the approved comment", heard)
	}
	// No change, no call.
	u = approve(c.ID, "audit-2", at(4))
	u.Outbox = func(moderation.Comment) []moderation.OutboxMessage {
		t.Error("Outbox called for an unchanged status")
		return []moderation.OutboxMessage{message("d-6", "wp", c.ID, at(4))}
	}
	if _, changed, err := s.UpdateStatus(ctx, u); err != nil || changed {
		t.Fatalf("UpdateStatus again: %v, %v", changed, err)
	}
	// A refused move, no call.
	u = approve(c.ID, "audit-3", at(5))
	u.Next = func(moderation.Status) (moderation.Status, error) { return 0, errors.New("no") }
	u.Outbox = func(moderation.Comment) []moderation.OutboxMessage {
		t.Error("Outbox called for a refused move")
		return nil
	}
	if _, _, err := s.UpdateStatus(ctx, u); err == nil {
		t.Fatal("UpdateStatus with a failing Next succeeded")
	}
	if ids := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{})); !slices.Equal(ids, []string{"d-5", "d-2", "d-1"}) {
		t.Errorf("deliveries %v, want d-5, d-2, d-1", ids)
	}
}

// testOutboxAtomic: a change whose messages cannot be stored stores
// nothing, and messages are not stored without their change.
func testOutboxAtomic(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustCreate(t, s, newComment("c-1", "a", moderation.StatusPending, at(0)))
	if _, _, err := s.CreateComment(ctx, newComment("c-0", "a", moderation.StatusPending, at(0)), message("d-1", "wp", "c-0", at(0))); err != nil {
		t.Fatal(err)
	}
	// A taken message id: the comment is not stored either.
	c := newComment("c-2", "a", moderation.StatusPending, at(1))
	if _, _, err := s.CreateComment(ctx, c, message("d-1", "wp", c.ID, at(1))); err == nil {
		t.Error("CreateComment with a taken message id succeeded")
	}
	if _, err := s.Comment(ctx, c.ID); !errors.Is(err, moderation.ErrNotFound) {
		t.Errorf("the comment of a failed create: %v, want ErrNotFound", err)
	}
	// A taken audit id: the messages are not stored.
	if err := s.AppendAudit(ctx, moderation.AuditEvent{ID: "taken", Time: at(2), Actor: "asha", Action: "x"}); err != nil {
		t.Fatal(err)
	}
	u := approve("c-1", "taken", at(3))
	u.Outbox = func(c moderation.Comment) []moderation.OutboxMessage {
		return []moderation.OutboxMessage{message("d-2", "wp", c.ID, at(3))}
	}
	if _, _, err := s.UpdateStatus(ctx, u); err == nil {
		t.Error("UpdateStatus with a taken audit id succeeded")
	}
	// A taken message id: the move is not stored.
	u = approve("c-1", "audit-ok", at(4))
	u.Outbox = func(c moderation.Comment) []moderation.OutboxMessage {
		return []moderation.OutboxMessage{message("d-1", "wp", c.ID, at(4))}
	}
	if _, _, err := s.UpdateStatus(ctx, u); err == nil {
		t.Error("UpdateStatus with a taken message id succeeded")
	}
	if got, err := s.Comment(ctx, "c-1"); err != nil || got.Status != moderation.StatusPending {
		t.Errorf("comment after failed moves: %v, %v; want it pending", got.Status, err)
	}
	if ids := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{})); !slices.Equal(ids, []string{"d-1"}) {
		t.Errorf("deliveries %v, want only d-1", ids)
	}
	if evs := auditEvents(t, s); len(evs) != 1 {
		t.Errorf("%d audit events, want 1", len(evs))
	}
}

// testOutboxDue: due deliveries come in the order stored, only when due,
// and only the first pending one of each comment per endpoint.
func testOutboxDue(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for _, c := range []string{"a", "b"} {
		mustCreate(t, s, newComment(c, "x", moderation.StatusPending, at(0)))
	}
	add := func(m moderation.OutboxMessage) {
		t.Helper()
		u := flip(m.CommentID, "audit-"+m.ID, m.CreateTime)
		u.Outbox = func(moderation.Comment) []moderation.OutboxMessage { return []moderation.OutboxMessage{m} }
		if _, changed, err := s.UpdateStatus(ctx, u); err != nil || !changed {
			t.Fatalf("UpdateStatus: %v, %v", changed, err)
		}
	}
	// Stored in this order; a-3 is due later than a-5 and b-4.
	add(message("a-1", "wp", "a", at(1)))
	add(message("b-2", "wp", "b", at(2)))
	add(message("a-3", "wp", "a", at(3)))
	add(message("b-4", "slack", "b", at(2)))
	add(message("a-5", "slack", "a", at(1)))
	if got := due(t, s, at(0)); len(got) != 0 {
		t.Errorf("due before any is due: %v", got)
	}
	if got, want := due(t, s, at(10)), []string{"a-1", "b-2", "b-4", "a-5"}; !slices.Equal(got, want) {
		t.Errorf("due = %v, want %v: a-3 waits for a-1", got, want)
	}
	if got, want := due(t, s, at(10), "slack"), []string{"a-1", "b-2"}; !slices.Equal(got, want) {
		t.Errorf("due except slack = %v, want %v", got, want)
	}
	if got, want := due(t, s, at(1)), []string{"a-1", "a-5"}; !slices.Equal(got, want) {
		t.Errorf("due at 1 = %v, want %v", got, want)
	}
	ds, err := s.DueDeliveries(ctx, at(10), nil, 2)
	if err != nil || !slices.Equal(deliveryIDs(ds), []string{"a-1", "b-2"}) {
		t.Errorf("due, limit 2 = %v, %v", deliveryIDs(ds), err)
	}
	// a-1 failing and not due again yet still holds a-3 back.
	record(t, s, moderation.DeliveryAttempt{ID: "a-1", Time: at(10), Error: "503", Next: at(20)})
	if got, want := due(t, s, at(11)), []string{"b-2", "b-4", "a-5"}; !slices.Equal(got, want) {
		t.Errorf("due with a-1 failing = %v, want %v", got, want)
	}
	record(t, s, moderation.DeliveryAttempt{ID: "a-1", Time: at(20)})
	if got, want := due(t, s, at(21)), []string{"b-2", "a-3", "b-4", "a-5"}; !slices.Equal(got, want) {
		t.Errorf("due after a-1 = %v, want %v", got, want)
	}
}

// testOutboxAttempts: delivered, failed and given-up attempts, and that a
// given-up delivery takes the later ones of its comment and endpoint.
func testOutboxAttempts(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	msgs := []moderation.OutboxMessage{
		message("d-1", "wp", "a", at(1)), message("d-2", "wp", "a", at(2)), message("d-3", "wp", "a", at(3)),
		message("d-4", "slack", "a", at(2)), message("d-5", "wp", "b", at(2)),
	}
	mustCreateWith(t, s, newComment("a", "x", moderation.StatusPending, at(0)), msgs[0], msgs[1], msgs[2], msgs[3])
	mustCreateWith(t, s, newComment("b", "x", moderation.StatusPending, at(0)), msgs[4])

	record(t, s, moderation.DeliveryAttempt{ID: "d-5", Time: at(5)})
	d := delivery(t, s, "d-5")
	if d.State != moderation.DeliveryDelivered || d.Attempts != 1 || !d.LastAttempt.Equal(at(5)) || !d.DoneTime.Equal(at(5)) || d.LastError != "" {
		t.Errorf("delivered: %+v", d)
	}
	record(t, s, moderation.DeliveryAttempt{ID: "d-1", Time: at(6), Error: "HTTP 503 Service Unavailable: बंद", Next: at(8)})
	d = delivery(t, s, "d-1")
	if d.State != moderation.DeliveryPending || d.Attempts != 1 || !d.NextAttempt.Equal(at(8)) || d.LastError != "HTTP 503 Service Unavailable: बंद" ||
		!d.LastAttempt.Equal(at(6)) || !d.DoneTime.IsZero() || !d.RetrySince.Equal(at(1)) {
		t.Errorf("failed: %+v", d)
	}
	if got := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{Retrying: true})); !slices.Equal(got, []string{"d-1"}) {
		t.Errorf("retrying = %v, want d-1", got)
	}
	// Given up: d-2 and d-3 go with it; the other endpoint's and the
	// other comment's stay.
	record(t, s, moderation.DeliveryAttempt{ID: "d-1", Time: at(9), Error: "timeout", Dead: true})
	d = delivery(t, s, "d-1")
	if d.State != moderation.DeliveryDead || d.Attempts != 2 || !d.DoneTime.Equal(at(9)) || d.LastError != "timeout" {
		t.Errorf("dead: %+v", d)
	}
	for _, id := range []string{"d-2", "d-3"} {
		d := delivery(t, s, id)
		if d.State != moderation.DeliveryDead || d.Attempts != 0 || !d.DoneTime.Equal(at(9)) || d.LastError == "" {
			t.Errorf("%s behind the dead d-1: %+v; want dead too, with a reason", id, d)
		}
	}
	if d := delivery(t, s, "d-4"); d.State != moderation.DeliveryPending {
		t.Errorf("d-4 (another endpoint): %v, want pending", d.State)
	}
	if got := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{State: moderation.DeliveryDead})); !slices.Equal(got, []string{"d-3", "d-2", "d-1"}) {
		t.Errorf("dead = %v, want d-3, d-2, d-1", got)
	}
	// Attempts at deliveries no longer pending change nothing.
	record(t, s, moderation.DeliveryAttempt{ID: "d-5", Time: at(10), Error: "late", Next: at(11)},
		moderation.DeliveryAttempt{ID: "d-1", Time: at(10)}, moderation.DeliveryAttempt{ID: "no-such", Time: at(10)})
	if d := delivery(t, s, "d-5"); d.State != moderation.DeliveryDelivered || d.Attempts != 1 || d.LastError != "" {
		t.Errorf("d-5 after a late failure: %+v", d)
	}
	if d := delivery(t, s, "d-1"); d.State != moderation.DeliveryDead || d.Attempts != 2 {
		t.Errorf("d-1 after a late success: %+v", d)
	}
	if got := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{Endpoint: "slack"})); !slices.Equal(got, []string{"d-4"}) {
		t.Errorf("slack's = %v", got)
	}
	if got := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{CommentID: "b"})); !slices.Equal(got, []string{"d-5"}) {
		t.Errorf("comment b's = %v", got)
	}
	// Pages, newest first by (time, id).
	var paged []string
	var after *moderation.Cursor
	for {
		ds, err := s.ListDeliveries(ctx, moderation.DeliveryFilter{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, deliveryIDs(ds)...)
		if len(ds) < 2 {
			break
		}
		last := ds[len(ds)-1]
		after = &moderation.Cursor{Time: last.CreateTime, ID: last.ID}
	}
	if want := []string{"d-3", "d-5", "d-4", "d-2", "d-1"}; !slices.Equal(paged, want) {
		t.Errorf("paged = %v, want %v", paged, want)
	}
}

// flip moves a comment between pending and spam: always a change.
func flip(id, auditID string, tm time.Time) moderation.StatusUpdate {
	u := moveTo(id, auditID, moderation.StatusUnspecified, "comment.flip", tm)
	u.Next = func(from moderation.Status) (moderation.Status, error) {
		if from == moderation.StatusPending {
			return moderation.StatusSpam, nil
		}
		return moderation.StatusPending, nil
	}
	return u
}

func mustCreateWith(t *testing.T, s Store, c moderation.Comment, out ...moderation.OutboxMessage) {
	t.Helper()
	if _, conflict, err := s.CreateComment(t.Context(), c, out...); err != nil || conflict != moderation.NoConflict {
		t.Fatalf("CreateComment(%s): %v, %v", c.ID, conflict, err)
	}
}

// testOutboxRedeliver: dead deliveries come back, one with the later
// ones of its comment and endpoint, or all of an endpoint, audited.
func testOutboxRedeliver(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustCreateWith(t, s, newComment("a", "x", moderation.StatusPending, at(0)),
		message("d-1", "wp", "a", at(1)), message("d-2", "wp", "a", at(2)), message("d-3", "slack", "a", at(3)))
	mustCreateWith(t, s, newComment("b", "x", moderation.StatusPending, at(0)), message("d-4", "wp", "b", at(4)), message("d-5", "wp", "b", at(5)))
	record(t, s, moderation.DeliveryAttempt{ID: "d-1", Time: at(6), Error: "x", Dead: true},
		moderation.DeliveryAttempt{ID: "d-3", Time: at(6), Error: "x", Dead: true},
		moderation.DeliveryAttempt{ID: "d-4", Time: at(6)})
	audit := func(id string) moderation.AuditEvent {
		return moderation.AuditEvent{ID: id, Time: at(7), Actor: "asha", Action: "webhook.redeliver", Target: "t"}
	}
	if _, err := s.Redeliver(ctx, moderation.Redelivery{ID: "no-such", Time: at(7), Audit: audit("a-0")}); !errors.Is(err, moderation.ErrNotFound) {
		t.Errorf("Redeliver of an unknown id: %v, want ErrNotFound", err)
	}
	if n, err := s.Redeliver(ctx, moderation.Redelivery{ID: "d-5", Time: at(7), Audit: audit("a-0")}); err != nil || n != 0 {
		t.Errorf("Redeliver of a pending delivery = %d, %v; want 0", n, err)
	}
	// d-1 comes back with d-2, which died with it.
	if n, err := s.Redeliver(ctx, moderation.Redelivery{ID: "d-1", Time: at(8), Audit: audit("a-1")}); err != nil || n != 2 {
		t.Fatalf("Redeliver(d-1) = %d, %v; want 2", n, err)
	}
	for _, id := range []string{"d-1", "d-2"} {
		d := delivery(t, s, id)
		if d.State != moderation.DeliveryPending || d.Attempts != 0 || !d.NextAttempt.Equal(at(8)) || !d.RetrySince.Equal(at(8)) || !d.DoneTime.IsZero() {
			t.Errorf("%s redelivered: %+v; want pending, due at 8, a fresh window", id, d)
		}
	}
	if got, want := due(t, s, at(8)), []string{"d-1", "d-5"}; !slices.Equal(got, want) {
		t.Errorf("due after redelivery = %v, want %v (d-2 after d-1)", got, want)
	}
	// A delivered one may be sent again.
	if n, err := s.Redeliver(ctx, moderation.Redelivery{ID: "d-4", Time: at(9), Audit: audit("a-2")}); err != nil || n != 1 {
		t.Errorf("Redeliver of a delivered one = %d, %v; want 1", n, err)
	}
	// All dead of wp: none left; of slack: d-3.
	if n, err := s.Redeliver(ctx, moderation.Redelivery{AllDead: true, Endpoint: "wp", Time: at(10), Audit: audit("a-3")}); err != nil || n != 0 {
		t.Errorf("Redeliver of wp's dead = %d, %v; want 0", n, err)
	}
	record(t, s, moderation.DeliveryAttempt{ID: "d-5", Time: at(10), Error: "x", Dead: true})
	if n, err := s.Redeliver(ctx, moderation.Redelivery{AllDead: true, Time: at(11), Audit: audit("a-4")}); err != nil || n != 2 {
		t.Errorf("Redeliver of every dead one = %d, %v; want 2 (d-3, d-5)", n, err)
	}
	if got := deliveries(t, s, moderation.DeliveryFilter{State: moderation.DeliveryDead}); len(got) != 0 {
		t.Errorf("dead after redelivering all: %v", deliveryIDs(got))
	}
	evs, err := s.ListAuditEvents(ctx, moderation.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.ID+": "+e.Detail)
	}
	if want := []string{"a-4: 2 deliveries pending again", "a-2: 1 delivery pending again", "a-1: 2 deliveries pending again"}; !slices.Equal(got, want) {
		t.Errorf("audit = %q, want %q (nothing for redeliveries of nothing)", got, want)
	}
	// A taken audit id changes nothing.
	record(t, s, moderation.DeliveryAttempt{ID: "d-3", Time: at(12), Error: "x", Dead: true})
	if _, err := s.Redeliver(ctx, moderation.Redelivery{AllDead: true, Time: at(13), Audit: audit("a-4")}); err == nil {
		t.Error("Redeliver with a taken audit id succeeded")
	}
	if d := delivery(t, s, "d-3"); d.State != moderation.DeliveryDead {
		t.Errorf("d-3 after a failed redelivery: %v, want dead", d.State)
	}
}

// testOutboxBacklog: the backlog per endpoint, and pruning.
func testOutboxBacklog(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	if b, err := s.WebhookBacklog(ctx); err != nil || len(b) != 0 {
		t.Errorf("empty backlog = %+v, %v", b, err)
	}
	mustCreateWith(t, s, newComment("a", "x", moderation.StatusPending, at(0)),
		message("d-1", "wp", "a", at(1)), message("d-2", "wp", "a", at(2)), message("d-3", "slack", "a", at(3)))
	mustCreateWith(t, s, newComment("b", "x", moderation.StatusPending, at(0)),
		message("d-4", "wp", "b", at(4)), message("d-5", "archive", "b", at(5)))
	record(t, s, moderation.DeliveryAttempt{ID: "d-1", Time: at(6)}, moderation.DeliveryAttempt{ID: "d-5", Time: at(6), Error: "x", Dead: true})
	b, err := s.WebhookBacklog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []moderation.EndpointBacklog{
		{Endpoint: "archive", Dead: 1},
		{Endpoint: "slack", Pending: 1, OldestPending: at(3)},
		{Endpoint: "wp", Pending: 2, OldestPending: at(2)},
	}
	if len(b) != len(want) {
		t.Fatalf("backlog = %+v, want %+v", b, want)
	}
	for i := range want {
		if b[i].Endpoint != want[i].Endpoint || b[i].Pending != want[i].Pending || b[i].Dead != want[i].Dead || !b[i].OldestPending.Equal(want[i].OldestPending) {
			t.Errorf("backlog[%d] = %+v, want %+v", i, b[i], want[i])
		}
	}
	// Delivered before 2 goes (d-1, stored at 1); dead ones before 5 stay
	// (d-5 was stored at 5); pending ones always stay.
	if n, err := s.PruneDeliveries(ctx, at(2), at(5)); err != nil || n != 1 {
		t.Errorf("PruneDeliveries = %d, %v; want 1", n, err)
	}
	if n, err := s.PruneDeliveries(ctx, at(100), at(100)); err != nil || n != 1 {
		t.Errorf("PruneDeliveries of the dead = %d, %v; want 1", n, err)
	}
	if got := deliveryIDs(deliveries(t, s, moderation.DeliveryFilter{})); !slices.Equal(got, []string{"d-4", "d-3", "d-2"}) {
		t.Errorf("after pruning: %v, want the pending d-4, d-3, d-2", got)
	}
}

// testLease: one holder at a time, until the lease expires or is
// released.
func testLease(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	lease := func(holder string, now, until time.Time) bool {
		t.Helper()
		ok, err := s.Lease(ctx, "webhooks", holder, now, until)
		if err != nil {
			t.Fatalf("Lease: %v", err)
		}
		return ok
	}
	if !lease("a", at(0), at(30)) {
		t.Fatal("a could not take a free lease")
	}
	if lease("b", at(10), at(40)) {
		t.Error("b took a's lease before it expired")
	}
	if !lease("a", at(20), at(50)) {
		t.Error("a could not renew its lease")
	}
	if lease("b", at(49), at(80)) {
		t.Error("b took a's renewed lease before it expired")
	}
	if ok, err := s.Lease(ctx, "other", "b", at(49), at(80)); err != nil || !ok {
		t.Errorf("b could not take another lease: %v, %v", ok, err)
	}
	if !lease("b", at(50), at(80)) {
		t.Error("b could not take a's expired lease")
	}
	if lease("a", at(51), at(81)) {
		t.Error("a took back the lease b holds")
	}
	// b releases: a takes it at once.
	if lease("b", at(52), at(52)) {
		t.Error("releasing reported the lease held")
	}
	if !lease("a", at(52), at(82)) {
		t.Error("a could not take a released lease")
	}
	// Releasing a lease one does not hold changes nothing.
	lease("b", at(53), at(53))
	if lease("b", at(54), at(60)) {
		t.Error("b's release of a's lease freed it")
	}
}

// testOutboxErase: an erasure scrubs what was stored about the author's
// comments, whatever its state, and adds its own messages.
func testOutboxErase(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	c := fullComment("c-1")
	c.Author.Email = "priya@example.in"
	mustCreateWith(t, s, c, message("d-1", "wp", c.ID, at(1)))
	other := newComment("c-2", "x", moderation.StatusPending, at(0))
	mustCreateWith(t, s, other, message("d-2", "wp", other.ID, at(1)))
	u := approve(c.ID, "audit-1", at(2))
	u.Outbox = func(c moderation.Comment) []moderation.OutboxMessage {
		return []moderation.OutboxMessage{message("d-3", "wp", c.ID, at(2))}
	}
	if _, _, err := s.UpdateStatus(ctx, u); err != nil {
		t.Fatal(err)
	}
	record(t, s, moderation.DeliveryAttempt{ID: "d-1", Time: at(3)})

	var tombstones []moderation.Comment
	out := moderation.ErasureOutbox{
		Scrub: func(p []byte) []byte { return append([]byte("scrubbed:"), bytes.ToUpper(p[:4])...) },
		Events: func(tc moderation.Comment) []moderation.OutboxMessage {
			tombstones = append(tombstones, tc)
			m := message("d-4", "wp", tc.ID, at(4))
			m.EventType, m.Payload = "comment.erased", []byte("erased "+tc.ID)
			return []moderation.OutboxMessage{m}
		},
	}
	audit := moderation.AuditEvent{ID: "audit-erase", Time: at(4), Actor: "asha", Action: "author.erase"}
	if n, err := s.EraseAuthor(ctx, "priya@example.in", at(4), audit, out); err != nil || n != 1 {
		t.Fatalf("EraseAuthor = %d, %v", n, err)
	}
	if len(tombstones) != 1 || tombstones[0].ID != c.ID || tombstones[0].Status != moderation.StatusDeleted ||
		tombstones[0].Body != "" || tombstones[0].RequestID != c.RequestID || !tombstones[0].UpdateTime.Equal(at(4)) {
		t.Errorf("Events heard %+v; want the tombstone of c-1", tombstones)
	}
	for id, want := range map[string]string{
		"d-1": `scrubbed:{"ID`, // delivered, scrubbed all the same
		"d-3": `scrubbed:{"ID`,
		"d-2": string(message("d-2", "wp", other.ID, at(1)).Payload), // another author's
		"d-4": "erased c-1",
	} {
		if got := delivery(t, s, id).Payload; string(got) != want {
			t.Errorf("%s payload %q, want %q", id, got, want)
		}
	}
	if d := delivery(t, s, "d-4"); d.State != moderation.DeliveryPending || d.EventType != "comment.erased" {
		t.Errorf("erasure's message: %+v", d)
	}
	// A failing erasure (taken audit id) neither scrubs nor adds.
	c3 := newComment("c-3", "x", moderation.StatusPending, at(5))
	c3.Author.Email = "rahul@example.com"
	mustCreateWith(t, s, c3, message("d-5", "wp", c3.ID, at(5)))
	out.Events = func(tc moderation.Comment) []moderation.OutboxMessage {
		return []moderation.OutboxMessage{message("d-6", "wp", tc.ID, at(6))}
	}
	if _, err := s.EraseAuthor(ctx, "rahul@example.com", at(6), audit, out); err == nil {
		t.Fatal("EraseAuthor with a taken audit id succeeded")
	}
	if got := delivery(t, s, "d-5").Payload; !bytes.Equal(got, message("d-5", "wp", c3.ID, at(5)).Payload) {
		t.Errorf("d-5 after a failed erasure: %q", got)
	}
	if len(deliveries(t, s, moderation.DeliveryFilter{})) != 5 {
		t.Errorf("a failed erasure added messages")
	}
}

// testOutboxCommentOrder: a comment's messages come out in the order of
// its changes, however many moderators move it at once.
func testOutboxCommentOrder(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	mustCreate(t, s, newComment("c", "x", moderation.StatusPending, at(0)))
	var (
		mu    sync.Mutex
		calls int
		wg    sync.WaitGroup
	)
	const n = 24
	for i := range n {
		wg.Go(func() {
			u := flip("c", fmt.Sprintf("audit-%d", i), at(1))
			u.Outbox = func(moderation.Comment) []moderation.OutboxMessage {
				// Inside the transaction: the order of calls is the order
				// of the changes.
				mu.Lock()
				calls++
				k := calls
				mu.Unlock()
				m := message(fmt.Sprintf("d-%02d", k), "wp", "c", at(1))
				m.Payload = []byte(strconv.Itoa(k))
				return []moderation.OutboxMessage{m}
			}
			if _, _, err := s.UpdateStatus(ctx, u); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for want := 1; want <= n; want++ {
		ds, err := s.DueDeliveries(ctx, at(2), nil, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("due = %v, %v; want one", deliveryIDs(ds), err)
		}
		if got := string(ds[0].Payload); got != strconv.Itoa(want) {
			t.Fatalf("change %s came out as number %d", got, want)
		}
		record(t, s, moderation.DeliveryAttempt{ID: ds[0].ID, Time: at(2)})
	}
}

// testOutboxReopen: what is pending survives a restart.
func testOutboxReopen(t *testing.T, o Opener) {
	ctx := t.Context()
	s, err := o(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustCreateWith(t, s, newComment("a", "x", moderation.StatusPending, at(0)), message("d-1", "wp", "a", at(1)), message("d-2", "wp", "a", at(2)))
	record(t, s, moderation.DeliveryAttempt{ID: "d-1", Time: at(3), Error: "503", Next: at(9)})
	if ok, err := s.Lease(ctx, "webhooks", "old", at(3), at(33)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, o)
	d := delivery(t, s, "d-1")
	if d.State != moderation.DeliveryPending || d.Attempts != 1 || !d.NextAttempt.Equal(at(9)) || d.LastError != "503" {
		t.Errorf("d-1 after reopening: %+v", d)
	}
	if got := due(t, s, at(9)); !slices.Equal(got, []string{"d-1"}) {
		t.Errorf("due after reopening = %v, want d-1", got)
	}
	if ok, _ := s.Lease(ctx, "webhooks", "new", at(4), at(34)); ok {
		t.Error("the lease was lost in reopening")
	}
}
