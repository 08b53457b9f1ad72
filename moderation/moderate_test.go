package moderation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/commentd/commentd/moderation"
)

func TestModerate(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	svc := newServiceOn(t, st) // first-time commenters are held
	held := func() string { return mustSubmit(t, svc, submission("A fair point."), moderation.StatusPending).ID }
	moderate := func(a moderation.Action, note string, ids ...string) []moderation.Outcome {
		t.Helper()
		out, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: ids, Action: a, Note: note})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	for _, tc := range []struct {
		action moderation.Action
		want   moderation.Status
	}{
		{moderation.ActionApprove, moderation.StatusPublished},
		{moderation.ActionReject, moderation.StatusRejected},
		{moderation.ActionMarkSpam, moderation.StatusSpam},
		{moderation.ActionDelete, moderation.StatusDeleted},
	} {
		t.Run(tc.action.String(), func(t *testing.T) {
			id := held()
			got := moderate(tc.action, "looks fine", id)
			if want := []moderation.Outcome{{ID: id, Status: tc.want, Changed: true}}; !slices.Equal(got, want) {
				t.Fatalf("outcomes %+v, want %+v", got, want)
			}
			c, err := st.Comment(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != tc.want || c.ModeratedBy != "asha" || c.ModerationNote != "looks fine" || c.InitialStatus != moderation.StatusPending {
				t.Errorf("stored %s by %q note %q first %s", c.Status, c.ModeratedBy, c.ModerationNote, c.InitialStatus)
			}
			evs, _, err := svc.AuditEvents(ctx, moderation.AuditQuery{Target: id}, moderation.Page{})
			if err != nil {
				t.Fatal(err)
			}
			wantDetail := "PENDING -> " + tc.want.String()
			if len(evs) != 1 || evs[0].Action != "comment."+tc.action.String() || evs[0].Actor != "asha" ||
				evs[0].Note != "looks fine" || evs[0].Detail != wantDetail {
				t.Errorf("audit %+v, want one comment.%s %q", evs, tc.action, wantDetail)
			}
			// Repeating the action changes nothing and audits nothing.
			if got := moderate(tc.action, "", id); !slices.Equal(got, []moderation.Outcome{{ID: id, Status: tc.want}}) {
				t.Errorf("repeated: %+v", got)
			}
			if evs, _, _ := svc.AuditEvents(ctx, moderation.AuditQuery{Target: id}, moderation.Page{}); len(evs) != 1 {
				t.Errorf("%d audit events after a repeat, want 1", len(evs))
			}
		})
	}

	t.Run("per id failures", func(t *testing.T) {
		deleted, pending, unknown := held(), held(), "01a21a73-7807-7785-ab1d-5024ed3eeb71"
		moderate(moderation.ActionDelete, "", deleted)
		got := moderate(moderation.ActionApprove, "", deleted, unknown, pending, deleted, pending)
		if len(got) != 3 {
			t.Fatalf("%d outcomes for 3 distinct ids: %+v", len(got), got)
		}
		if got[0].ID != deleted || got[0].Status != moderation.StatusDeleted || got[0].Changed {
			t.Errorf("deleted: %+v", got[0])
		}
		e := wantError(t, got[0].Err, moderation.CodeFailedPrecondition)
		if e.ClientMessage() != "comment is deleted; it cannot be moved to PUBLISHED" {
			t.Errorf("deleted: client told %q", e.ClientMessage())
		}
		if got[1].ID != unknown || got[1].Status != moderation.StatusUnspecified || got[1].Changed {
			t.Errorf("unknown: %+v", got[1])
		}
		e = wantError(t, got[1].Err, moderation.CodeNotFound)
		if e.Resource != (moderation.Resource{Type: "comment", Name: unknown}) {
			t.Errorf("unknown: resource %+v", e.Resource)
		}
		if got[2] != (moderation.Outcome{ID: pending, Status: moderation.StatusPublished, Changed: true}) {
			t.Errorf("pending: %+v", got[2])
		}
		// A deleted comment may be deleted again: no change.
		if got := moderate(moderation.ActionDelete, "", deleted); got[0] != (moderation.Outcome{ID: deleted, Status: moderation.StatusDeleted}) {
			t.Errorf("delete again: %+v", got[0])
		}
	})

	t.Run("a malformed id is its own outcome", func(t *testing.T) {
		id := held()
		got, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{"no/such id", id, ""}, Action: moderation.ActionReject})
		if err != nil || len(got) != 3 {
			t.Fatalf("Moderate: %v, %v; want three outcomes", got, err)
		}
		wantError(t, got[0].Err, moderation.CodeInvalid, violation("id", "is not a comment id"))
		wantError(t, got[2].Err, moderation.CodeInvalid, violation("id", "is required"))
		if got[0].ID != "no/such id" || got[2].ID != "" || got[0].Status != moderation.StatusUnspecified {
			t.Errorf("malformed ids' outcomes: %+v, %+v", got[0], got[2])
		}
		if got[1] != (moderation.Outcome{ID: id, Status: moderation.StatusRejected, Changed: true}) {
			t.Errorf("the well-formed id beside them: %+v", got[1])
		}
	})

	t.Run("invalid, every field at once", func(t *testing.T) {
		id := held()
		_, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{id, "no/such id", ""},
			Note: "bad\x1b[2J note"})
		wantError(t, err, moderation.CodeInvalid,
			violation("action", "is required: APPROVE, REJECT, MARK_SPAM or DELETE"),
			violation("note", "must not contain control characters"),
		)
		c, _ := st.Comment(ctx, id)
		if c.Status != moderation.StatusPending {
			t.Errorf("a refused request changed the comment to %s", c.Status)
		}
	})

	for _, tc := range []struct {
		name string
		m    moderation.Moderation
		want moderation.FieldViolation
	}{
		{"no ids", moderation.Moderation{Action: moderation.ActionApprove}, violation("ids", "is required: give at least one comment id")},
		{"too many ids", moderation.Moderation{Action: moderation.ActionApprove, IDs: manyIDs(moderation.MaxModerateIDs + 1)},
			violation("ids", "must hold at most 500 ids, got 501")},
		{"note too long", moderation.Moderation{Action: moderation.ActionApprove, IDs: manyIDs(1), Note: strings.Repeat("न", 1001)},
			violation("note", "must be at most 1000 characters, got 1001")},
		{"note not UTF-8", moderation.Moderation{Action: moderation.ActionApprove, IDs: manyIDs(1), Note: "\xff"},
			violation("note", "is not valid UTF-8")},
		{"unknown action", moderation.Moderation{Action: 9, IDs: manyIDs(1)},
			violation("action", "is required: APPROVE, REJECT, MARK_SPAM or DELETE")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Moderate(ctx, tc.m)
			wantError(t, err, moderation.CodeInvalid, tc.want)
		})
	}
}

func manyIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("01a21a73-7807-7785-ab1d-%012d", i)
	}
	return out
}

func TestTransition(t *testing.T) {
	for _, tc := range []struct {
		from   moderation.Status
		action moderation.Action
		want   moderation.Status
		code   moderation.Code // CodeInternal: no error
	}{
		{moderation.StatusPending, moderation.ActionApprove, moderation.StatusPublished, moderation.CodeInternal},
		{moderation.StatusSpam, moderation.ActionReject, moderation.StatusRejected, moderation.CodeInternal},
		{moderation.StatusPublished, moderation.ActionMarkSpam, moderation.StatusSpam, moderation.CodeInternal},
		{moderation.StatusRejected, moderation.ActionDelete, moderation.StatusDeleted, moderation.CodeInternal},
		{moderation.StatusDeleted, moderation.ActionDelete, moderation.StatusDeleted, moderation.CodeInternal},
		{moderation.StatusDeleted, moderation.ActionReject, moderation.StatusDeleted, moderation.CodeFailedPrecondition},
		{moderation.StatusPending, moderation.ActionUnspecified, moderation.StatusPending, moderation.CodeInvalid},
	} {
		got, err := moderation.Transition(tc.from, tc.action)
		if got != tc.want || (err == nil) != (tc.code == moderation.CodeInternal) ||
			(err != nil && moderation.ErrorCode(err) != tc.code) {
			t.Errorf("Transition(%s, %s) = %s, %v; want %s, code %d", tc.from, tc.action, got, err, tc.want, tc.code)
		}
	}
	if s := moderation.Action(9).String(); s != "Action(9)" {
		t.Errorf("Action(9).String() = %q", s)
	}
}
