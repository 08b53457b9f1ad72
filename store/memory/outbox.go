package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// delivery is one outbox row; seq is its place in the order of storing.
type delivery struct {
	seq int64
	d   moderation.Delivery
}

type lease struct {
	holder string
	until  time.Time
}

// checkOutbox refuses messages whose ids are taken, as the SQL stores'
// primary key does, before anything of a change is written.
func (db *DB) checkOutbox(out []moderation.OutboxMessage) error {
	seen := make(map[string]bool, len(out))
	for _, m := range out {
		if _, taken := db.deliveryIDs[m.ID]; taken || seen[m.ID] {
			return fmt.Errorf("store outbox message: the id %s is taken", m.ID)
		}
		seen[m.ID] = true
	}
	return nil
}

// addOutbox stores messages that checkOutbox accepted, pending.
func (db *DB) addOutbox(out []moderation.OutboxMessage) {
	for _, m := range out {
		m.CreateTime = storesql.StoredTime(m.CreateTime)
		m.Payload = slices.Clone(m.Payload)
		db.lastDelivery++
		r := &delivery{seq: db.lastDelivery, d: moderation.Delivery{
			OutboxMessage: m, State: moderation.DeliveryPending,
			NextAttempt: m.CreateTime, RetrySince: m.CreateTime,
		}}
		db.outbox = append(db.outbox, r)
		db.deliveryIDs[m.ID] = r
	}
}

// read returns a copy of a delivery.
func (r *delivery) read() moderation.Delivery {
	d := r.d
	d.Payload = slices.Clone(d.Payload)
	return d
}

// DueDeliveries implements moderation.Store.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, except []string, limit int) ([]moderation.Delivery, error) {
	if err := s.lock(ctx, "due deliveries"); err != nil {
		return nil, err
	}
	defer s.unlock()
	type head struct{ endpoint, comment string }
	seen := make(map[head]bool)
	var out []moderation.Delivery
	for _, r := range s.db.outbox { // in seq order
		if r.d.State != moderation.DeliveryPending {
			continue
		}
		h := head{r.d.Endpoint, r.d.CommentID}
		first := !seen[h]
		seen[h] = true
		if first && !r.d.NextAttempt.After(now) && !slices.Contains(except, r.d.Endpoint) && len(out) < limit {
			out = append(out, r.read())
		}
	}
	return out, nil
}

// RecordAttempts implements moderation.Store.
func (s *Store) RecordAttempts(ctx context.Context, as []moderation.DeliveryAttempt) error {
	if err := s.lock(ctx, "record attempts"); err != nil {
		return err
	}
	defer s.unlock()
	for _, a := range as {
		r := s.db.deliveryIDs[a.ID]
		if r == nil || r.d.State != moderation.DeliveryPending {
			continue
		}
		t := storesql.StoredTime(a.Time)
		r.d.Attempts++
		r.d.LastAttempt = t
		switch {
		case a.Error == "":
			r.d.State, r.d.DoneTime = moderation.DeliveryDelivered, t
		case a.Dead:
			r.d.State, r.d.DoneTime, r.d.LastError = moderation.DeliveryDead, t, a.Error
			for _, later := range s.db.outbox {
				if later.seq > r.seq && later.d.State == moderation.DeliveryPending &&
					later.d.Endpoint == r.d.Endpoint && later.d.CommentID == r.d.CommentID {
					later.d.State, later.d.DoneTime = moderation.DeliveryDead, t
					later.d.LastError = storesql.BehindDeadError(r.d.ID)
				}
			}
		default:
			r.d.LastError, r.d.NextAttempt = a.Error, storesql.StoredTime(a.Next)
		}
	}
	return nil
}

// ListDeliveries implements moderation.Store.
func (s *Store) ListDeliveries(ctx context.Context, f moderation.DeliveryFilter) ([]moderation.Delivery, error) {
	if f.Limit < 1 {
		return nil, fmt.Errorf("memory: list deliveries: limit %d, want at least 1", f.Limit)
	}
	if err := s.lock(ctx, "list deliveries"); err != nil {
		return nil, err
	}
	defer s.unlock()
	var rs []*delivery
	for _, r := range s.db.outbox {
		d := &r.d
		switch {
		case f.State != moderation.DeliveryUnspecified && d.State != f.State,
			f.Retrying && (d.State != moderation.DeliveryPending || d.Attempts == 0),
			f.Endpoint != "" && d.Endpoint != f.Endpoint,
			f.CommentID != "" && d.CommentID != f.CommentID,
			f.After != nil && compareKeys(d.CreateTime, d.ID, f.After.Time, f.After.ID) >= 0:
			continue
		}
		rs = append(rs, r)
	}
	rs = page(rs, func(r *delivery) (time.Time, string) { return r.d.CreateTime, r.d.ID }, true, f.Limit)
	out := make([]moderation.Delivery, len(rs))
	for i, r := range rs {
		out[i] = r.read()
	}
	return out, nil
}

// Redeliver implements moderation.Store.
func (s *Store) Redeliver(ctx context.Context, rd moderation.Redelivery) (int64, error) {
	if err := s.lock(ctx, "redeliver"); err != nil {
		return 0, err
	}
	defer s.unlock()
	db := s.db
	var picked []*delivery
	if rd.ID != "" {
		first := db.deliveryIDs[rd.ID]
		if first == nil {
			return 0, fmt.Errorf("memory: delivery %q: %w", rd.ID, moderation.ErrNotFound)
		}
		if first.d.State == moderation.DeliveryPending {
			return 0, nil
		}
		picked = append(picked, first)
		for _, r := range db.outbox {
			if r.seq > first.seq && r.d.State == moderation.DeliveryDead &&
				r.d.Endpoint == first.d.Endpoint && r.d.CommentID == first.d.CommentID {
				picked = append(picked, r)
			}
		}
	} else if rd.AllDead {
		for _, r := range db.outbox {
			if r.d.State == moderation.DeliveryDead && (rd.Endpoint == "" || r.d.Endpoint == rd.Endpoint) {
				picked = append(picked, r)
			}
		}
	}
	if len(picked) == 0 {
		return 0, nil
	}
	a := rd.Audit
	a.Detail = storesql.RedeliveryDetail(int64(len(picked)))
	if err := db.checkAudit(a); err != nil {
		return 0, fmt.Errorf("memory: redeliver: %w", err)
	}
	t := storesql.StoredTime(rd.Time)
	for _, r := range picked {
		r.d.State, r.d.Attempts, r.d.NextAttempt, r.d.RetrySince, r.d.DoneTime = moderation.DeliveryPending, 0, t, t, time.Time{}
	}
	db.appendAudit(a)
	return int64(len(picked)), nil
}

// WebhookBacklog implements moderation.Store.
func (s *Store) WebhookBacklog(ctx context.Context) ([]moderation.EndpointBacklog, error) {
	if err := s.lock(ctx, "webhook backlog"); err != nil {
		return nil, err
	}
	defer s.unlock()
	by := make(map[string]*moderation.EndpointBacklog)
	var out []moderation.EndpointBacklog
	for _, r := range s.db.outbox {
		if r.d.State != moderation.DeliveryPending && r.d.State != moderation.DeliveryDead {
			continue
		}
		b := by[r.d.Endpoint]
		if b == nil {
			b = &moderation.EndpointBacklog{Endpoint: r.d.Endpoint}
			by[r.d.Endpoint] = b
		}
		if r.d.State == moderation.DeliveryDead {
			b.Dead++
			continue
		}
		b.Pending++
		if b.OldestPending.IsZero() || r.d.CreateTime.Before(b.OldestPending) {
			b.OldestPending = r.d.CreateTime
		}
	}
	for _, b := range by {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b moderation.EndpointBacklog) int { return cmp.Compare(a.Endpoint, b.Endpoint) })
	return out, nil
}

// PruneDeliveries implements moderation.Store.
func (s *Store) PruneDeliveries(ctx context.Context, delivered, dead time.Time) (int64, error) {
	if err := s.lock(ctx, "prune deliveries"); err != nil {
		return 0, err
	}
	defer s.unlock()
	delivered, dead = storesql.CeilMicro(delivered), storesql.CeilMicro(dead)
	kept := s.db.outbox[:0]
	var n int64
	for _, r := range s.db.outbox {
		if (r.d.State == moderation.DeliveryDelivered && r.d.CreateTime.Before(delivered)) ||
			(r.d.State == moderation.DeliveryDead && r.d.CreateTime.Before(dead)) {
			delete(s.db.deliveryIDs, r.d.ID)
			n++
			continue
		}
		kept = append(kept, r)
	}
	clear(s.db.outbox[len(kept):])
	s.db.outbox = kept
	return n, nil
}

// Lease implements moderation.Store.
func (s *Store) Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	if err := s.lock(ctx, "lease"); err != nil {
		return false, err
	}
	defer s.unlock()
	now, until = storesql.StoredTime(now), storesql.StoredTime(until)
	l, ok := s.db.leases[name]
	if ok && l.holder != holder && l.until.After(now) {
		return false, nil
	}
	s.db.leases[name] = lease{holder: holder, until: until}
	return until.After(now), nil
}

// scrubOutbox rewrites the stored bodies of the given comments.
func (db *DB) scrubOutbox(ids map[string]bool, scrub func([]byte) []byte) {
	if scrub == nil {
		return
	}
	for _, r := range db.outbox {
		if ids[r.d.CommentID] {
			r.d.Payload = slices.Clone(scrub(r.d.Payload))
		}
	}
}
