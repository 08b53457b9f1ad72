package moderation

import (
	"context"
	"errors"
	"fmt"

	"github.com/commentd/commentd/moderation/learn"
)

// Action is what a moderator does to a comment.
type Action int8

// The moderator actions.
const (
	ActionUnspecified Action = 0
	ActionApprove     Action = 1
	ActionReject      Action = 2
	ActionMarkSpam    Action = 3
	ActionDelete      Action = 4
)

var actionNames = [...]string{"unspecified", "approve", "reject", "spam", "delete"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int8(a))
}

// target is the status each action leads to.
var target = [...]Status{
	ActionApprove:  StatusPublished,
	ActionReject:   StatusRejected,
	ActionMarkSpam: StatusSpam,
	ActionDelete:   StatusDeleted,
}

// Transition returns the status an action moves a comment to. A deleted
// comment stays deleted; everything else may move anywhere. Repeating an
// action is allowed and changes nothing.
func Transition(from Status, a Action) (Status, error) {
	if a < ActionApprove || a > ActionDelete {
		return from, Errorf(CodeInvalid, "unknown action %d", a)
	}
	to := target[a]
	if from == StatusDeleted && to != StatusDeleted {
		return from, Errorf(CodeFailedPrecondition, "comment is deleted; it cannot be moved to %s", to)
	}
	return to, nil
}

// Moderation is one moderator's request to apply an action to comments.
type Moderation struct {
	Actor  string
	IDs    []string
	Action Action
	Note   string
}

// Outcome is the result of a moderation on one comment.
type Outcome struct {
	ID      string
	Status  Status // after the action; unspecified when the comment is unknown
	Changed bool
	Err     error // a *Error with CodeInvalid, CodeNotFound or CodeFailedPrecondition, or nil
}

// Moderate applies m.Action to every id, each in its own transaction, and
// returns one outcome per distinct id in the order given; a malformed id
// is its own outcome (CodeInvalid), so that one bad id in a pasted list
// does not hold up the rest. The error is for the request as a whole:
// invalid, or the store failing.
func (s *Service) Moderate(ctx context.Context, m Moderation) ([]Outcome, error) {
	var v violations
	switch {
	case len(m.IDs) == 0:
		v.check("ids", "is required: give at least one comment id")
	case len(m.IDs) > MaxModerateIDs:
		v.check("ids", fmt.Sprintf("must hold at most %d ids, got %d", MaxModerateIDs, len(m.IDs)))
	}
	if m.Action < ActionApprove || m.Action > ActionDelete {
		v.check("action", "is required: APPROVE, REJECT, MARK_SPAM or DELETE")
	}
	v.check("note", checkText(m.Note, MaxNoteRunes))
	if len(v) > 0 {
		return nil, Invalid(v...)
	}

	out := make([]Outcome, 0, len(m.IDs))
	seen := make(map[string]bool, len(m.IDs))
	for _, id := range m.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if p := ValidateID(id); p != "" {
			out = append(out, Outcome{ID: id, Err: Invalid(FieldViolation{Field: "id", Description: p})})
			continue
		}
		o, err := s.moderateOne(ctx, m, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if _, trains := training(m.Action); trains {
		// This replica's next decision already knows what the moderator
		// taught it; the others within a poll.
		if err := s.learner.catchUp(ctx); err != nil {
			s.log.Warn("reading the learned rule's training after a decision failed; the watcher will retry", "err", err)
		}
	}
	return out, nil
}

func (s *Service) moderateOne(ctx context.Context, m Moderation, id string) (Outcome, error) {
	now := s.clock()
	u := StatusUpdate{
		ID:    id,
		Next:  func(from Status) (Status, error) { return Transition(from, m.Action) },
		Actor: m.Actor,
		Note:  m.Note,
		Time:  now,
		// Approving, rejecting or marking as spam is a verdict even when
		// the comment already had that status: the store records who
		// confirmed it, for the rules' precision. Deleting is none.
		Decision: m.Action != ActionDelete,
		Audit: AuditEvent{
			ID:     s.newID(),
			Time:   now,
			Actor:  m.Actor,
			Action: "comment." + m.Action.String(),
			Target: id,
			Note:   m.Note,
		},
	}
	u.Reports = s.rules.snapshot().policy.Reports.resolution(m.Action)
	label, trains := training(m.Action)
	if trains {
		// Every decision is a label for the learned rule, counted in the
		// same transaction as the move, with the tokens the rules see now.
		snap := s.rules.snapshot()
		u.Train = func(c Comment) (learn.Label, []learn.Token) { return label, snap.forSite(c.Site).rules.tokensOf(c) }
	}
	if hooks := s.rules.snapshot().policy.Webhooks; len(hooks) > 0 {
		event := actionEvent[m.Action]
		u.Outbox = func(c Comment) []OutboxMessage { return s.outboxFor(hooks, event, c, m.Actor, now) }
	}
	c, changed, err := s.store.UpdateStatus(ctx, u)
	if changed && u.Outbox != nil {
		s.webhooks.wake()
	}
	if changed && s.announcer != nil {
		s.announcer.announce(c) // marked as spam: it enters the queue
	}
	var de *Error
	switch {
	case err == nil:
		return Outcome{ID: id, Status: c.Status, Changed: changed}, nil
	case errors.Is(err, ErrNotFound):
		return Outcome{ID: id, Err: NotFound("comment", id)}, nil
	case errors.As(err, &de) && de.Code == CodeFailedPrecondition:
		return Outcome{ID: id, Status: c.Status, Err: de}, nil
	}
	return Outcome{}, fmt.Errorf("moderate comment %s: %w", id, err)
}
