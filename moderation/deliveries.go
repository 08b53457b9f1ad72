package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// DeliveryQuery selects webhook deliveries for moderators.
type DeliveryQuery struct {
	State DeliveryState // DeliveryUnspecified: any
	// Retrying keeps the pending deliveries that failed at least once.
	Retrying  bool
	Endpoint  string
	CommentID string
}

// WebhookDeliveries lists webhook deliveries, newest first. They carry
// their bodies, which may hold an author's email (for a site's own
// endpoint); callers decide who sees them.
func (s *Service) WebhookDeliveries(ctx context.Context, q DeliveryQuery, page Page) ([]Delivery, *Cursor, error) {
	var v violations
	switch {
	case q.State < DeliveryUnspecified || q.State > DeliveryDead:
		v.check("state", "is not a known delivery state")
	case q.Retrying && q.State != DeliveryUnspecified && q.State != DeliveryPending:
		v.check("retrying", "lists pending deliveries only: leave state unset or PENDING")
	}
	v.check("endpoint", checkText(q.Endpoint, maxWebhookNameBytes))
	if q.CommentID != "" {
		v.check("comment_id", ValidateID(q.CommentID))
	}
	limit, problem := page.limit()
	v.check("page_size", problem)
	if len(v) > 0 {
		return nil, nil, Invalid(v...)
	}
	ds, err := s.store.ListDeliveries(ctx, DeliveryFilter{State: q.State, Retrying: q.Retrying, Endpoint: q.Endpoint,
		CommentID: q.CommentID, After: page.After, Limit: limit + 1})
	if err != nil {
		return nil, nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	ds, next := paginate(ds, limit, func(d Delivery) Cursor { return Cursor{Time: d.CreateTime, ID: d.ID} })
	return ds, next, nil
}

// RedeliveryRequest is a moderator's request to send webhook deliveries
// again: one by id, or every dead one (of one endpoint).
type RedeliveryRequest struct {
	Actor    string
	ID       string
	AllDead  bool
	Endpoint string // with AllDead only
	Note     string
}

// Redeliver makes deliveries pending again, due now with a fresh retry
// window, and returns how many. One named by id must be delivered or
// dead; the later dead deliveries of its comment to its endpoint come
// back with it, so that they still go in order. Audited when anything
// came back.
func (s *Service) Redeliver(ctx context.Context, r RedeliveryRequest) (int64, error) {
	var v violations
	switch {
	case r.ID == "" && !r.AllDead:
		v.check("id", "is required: give a delivery id, or all_dead")
	case r.ID != "" && r.AllDead:
		v.check("all_dead", "cannot go with an id: give one or the other")
	case r.ID != "":
		v.check("id", ValidateID(r.ID))
	}
	if r.Endpoint != "" && !r.AllDead {
		v.check("endpoint", "goes with all_dead only")
	}
	v.check("endpoint", checkText(r.Endpoint, maxWebhookNameBytes))
	v.check("note", checkText(r.Note, MaxNoteRunes))
	if len(v) > 0 {
		return 0, Invalid(v...)
	}
	now := s.clock()
	target := r.ID
	switch {
	case r.ID != "":
	case r.Endpoint != "":
		target = "endpoint:" + r.Endpoint
	default:
		target = "webhooks"
	}
	n, err := s.store.Redeliver(ctx, Redelivery{ID: r.ID, AllDead: r.AllDead, Endpoint: r.Endpoint, Time: now,
		Audit: s.audit(r.Actor, "webhook.redeliver", target, r.Note, "", now)})
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, NotFound("webhook delivery", r.ID)
	case err != nil:
		return 0, fmt.Errorf("redeliver webhooks: %w", err)
	case n == 0 && r.ID != "":
		return 0, Errorf(CodeFailedPrecondition, "webhook delivery %s is pending: it is being delivered already", r.ID)
	}
	if n > 0 {
		s.webhooks.wake()
	}
	return n, nil
}

// WebhookBacklog returns what waits for each endpoint, for metrics: every
// endpoint of the policy, with nothing waiting too, and any other that
// has deliveries left.
func (s *Service) WebhookBacklog(ctx context.Context) ([]EndpointBacklog, error) {
	b, err := s.store.WebhookBacklog(ctx)
	if err != nil {
		return nil, fmt.Errorf("webhook backlog: %w", err)
	}
	for _, w := range s.rules.snapshot().policy.Webhooks {
		if !slices.ContainsFunc(b, func(e EndpointBacklog) bool { return e.Endpoint == w.Name }) {
			b = append(b, EndpointBacklog{Endpoint: w.Name})
		}
	}
	return b, nil
}
