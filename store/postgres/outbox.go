package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// The webhooks' outbox. Rows are written inside the transaction of the
// change they tell of. One comment's changes are serialised by its row
// lock and take their seq after it, so a comment's rows are in seq order
// whatever other transactions commit meanwhile.
const (
	insertOutboxSQL = `INSERT INTO webhook_outbox (id, event_id, event_type, endpoint, site, comment_id, payload, create_time,
state, next_attempt, retry_since) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $8, $8)`

	dueDeliveriesSQL = `SELECT ` + storesql.OutboxColumns + ` FROM webhook_outbox o
WHERE state = 1 AND next_attempt <= $1 AND endpoint <> ALL($2)
AND NOT EXISTS (SELECT 1 FROM webhook_outbox e
    WHERE e.comment_id = o.comment_id AND e.endpoint = o.endpoint AND e.seq < o.seq AND e.state = 1)
ORDER BY seq LIMIT $3`

	deliveredSQL = `UPDATE webhook_outbox SET state = 2, attempts = attempts + 1, last_attempt = $2, done_time = $2
WHERE id = $1 AND state = 1`
	failedSQL = `UPDATE webhook_outbox SET attempts = attempts + 1, last_attempt = $2, last_error = $3, next_attempt = $4
WHERE id = $1 AND state = 1`
	deadSQL = `UPDATE webhook_outbox SET state = 3, attempts = attempts + 1, last_attempt = $2, last_error = $3, done_time = $2
WHERE id = $1 AND state = 1 RETURNING seq, endpoint, comment_id`
	deadBehindSQL = `UPDATE webhook_outbox SET state = 3, done_time = $1, last_error = $2
WHERE comment_id = $3 AND endpoint = $4 AND seq > $5 AND state = 1`

	// FOR UPDATE: a concurrent redelivery of the same comment waits.
	deliveryPlaceSQL = `SELECT seq, endpoint, comment_id, state FROM webhook_outbox WHERE id = $1 FOR UPDATE`
	redeliverOneSQL  = `UPDATE webhook_outbox SET state = 1, attempts = 0, next_attempt = $1, retry_since = $1, done_time = NULL
WHERE id = $2 OR (comment_id = $3 AND endpoint = $4 AND seq > $5 AND state = 3)`
	redeliverDeadSQL = `UPDATE webhook_outbox SET state = 1, attempts = 0, next_attempt = $1, retry_since = $1, done_time = NULL
WHERE state = 3 AND ($2 = '' OR endpoint = $2)`

	backlogSQL = `SELECT endpoint, state, count(*), min(create_time) FROM webhook_outbox
WHERE state IN (1, 3) GROUP BY endpoint, state ORDER BY endpoint`
	pruneDeliveriesSQL = `DELETE FROM webhook_outbox WHERE (state = 2 AND create_time < $1) OR (state = 3 AND create_time < $2)`

	outboxOfSQL    = `SELECT id, payload FROM webhook_outbox WHERE comment_id = ANY($1) FOR UPDATE`
	scrubOutboxSQL = `UPDATE webhook_outbox SET payload = $1 WHERE id = $2`

	leaseSQL = `INSERT INTO leases (name, holder, expire_time) VALUES ($1, $2, $4)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expire_time = excluded.expire_time
WHERE leases.holder = excluded.holder OR leases.expire_time <= $3`
)

// insertOutbox stores messages, pending, inside tx, in one round trip.
func insertOutbox(ctx context.Context, tx pgx.Tx, out []moderation.OutboxMessage) error {
	if len(out) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, m := range out {
		payload := m.Payload
		if payload == nil {
			payload = []byte{}
		}
		b.Queue(insertOutboxSQL, m.ID, m.EventID, m.EventType, m.Endpoint, m.Site, m.CommentID, payload, m.CreateTime)
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("store outbox messages: %w", err)
	}
	return nil
}

func scanDelivery(row storesql.Scanner) (moderation.Delivery, error) {
	var (
		d                 moderation.Delivery
		state             int16
		attempts          int32
		lastAttempt, done *time.Time
	)
	if err := row.Scan(&d.ID, &d.EventID, &d.EventType, &d.Endpoint, &d.Site, &d.CommentID, &d.Payload, &d.CreateTime,
		&state, &attempts, &d.NextAttempt, &d.RetrySince, &lastAttempt, &d.LastError, &done); err != nil {
		return moderation.Delivery{}, err
	}
	d.State, d.Attempts = moderation.DeliveryState(state), int(attempts)
	d.CreateTime, d.NextAttempt, d.RetrySince = d.CreateTime.UTC(), d.NextAttempt.UTC(), d.RetrySince.UTC()
	if lastAttempt != nil {
		d.LastAttempt = lastAttempt.UTC()
	}
	if done != nil {
		d.DoneTime = done.UTC()
	}
	return d, nil
}

// DueDeliveries implements moderation.Store.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, except []string, limit int) ([]moderation.Delivery, error) {
	if except == nil {
		except = []string{}
	}
	rows, err := s.pool.Query(ctx, dueDeliveriesSQL, now, except, limit)
	if err != nil {
		return nil, wrap("due deliveries", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, limit, scanDelivery)
	if err != nil {
		return nil, wrap("due deliveries", err)
	}
	return out, nil
}

// RecordAttempts implements moderation.Store.
func (s *Store) RecordAttempts(ctx context.Context, as []moderation.DeliveryAttempt) error {
	if len(as) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("record attempts", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, a := range as {
		switch {
		case a.Error == "":
			_, err = tx.Exec(ctx, deliveredSQL, a.ID, a.Time)
		case !a.Dead:
			_, err = tx.Exec(ctx, failedSQL, a.ID, a.Time, a.Error, a.Next)
		default:
			err = giveUp(ctx, tx, a)
		}
		if err != nil {
			return wrap("record attempts", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap("record attempts", err)
	}
	return nil
}

// giveUp marks a delivery dead, and the later pending deliveries of its
// comment to its endpoint with it.
func giveUp(ctx context.Context, tx pgx.Tx, a moderation.DeliveryAttempt) error {
	var (
		seq                 int64
		endpoint, commentID string
	)
	err := tx.QueryRow(ctx, deadSQL, a.ID, a.Time, a.Error).Scan(&seq, &endpoint, &commentID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // no longer pending
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, deadBehindSQL, a.Time, storesql.BehindDeadError(a.ID), commentID, endpoint, seq)
	return err
}

// deliveriesQuery builds ListDeliveries' statement: only placeholders
// vary with the filter.
func deliveriesQuery(f moderation.DeliveryFilter) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	bind := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	b.WriteString(`SELECT ` + storesql.OutboxColumns + ` FROM webhook_outbox WHERE true`)
	if f.State != moderation.DeliveryUnspecified {
		b.WriteString(" AND state = " + bind(int16(f.State)))
	}
	if f.Retrying {
		b.WriteString(" AND state = 1 AND attempts > 0")
	}
	if f.Endpoint != "" {
		b.WriteString(" AND endpoint = " + bind(f.Endpoint))
	}
	if f.CommentID != "" {
		b.WriteString(" AND comment_id = " + bind(f.CommentID))
	}
	if f.After != nil {
		b.WriteString(" AND (create_time, id) < (" + bind(f.After.Time) + ", " + bind(f.After.ID) + ")")
	}
	b.WriteString(" ORDER BY create_time DESC, id DESC LIMIT " + bind(f.Limit))
	return b.String(), args
}

// ListDeliveries implements moderation.Store.
func (s *Store) ListDeliveries(ctx context.Context, f moderation.DeliveryFilter) ([]moderation.Delivery, error) {
	if f.Limit < 1 {
		return nil, fmt.Errorf("postgres: list deliveries: limit %d, want at least 1", f.Limit)
	}
	query, args := deliveriesQuery(f)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list deliveries", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, f.Limit, scanDelivery)
	if err != nil {
		return nil, wrap("list deliveries", err)
	}
	return out, nil
}

// Redeliver implements moderation.Store.
func (s *Store) Redeliver(ctx context.Context, r moderation.Redelivery) (int64, error) {
	if r.ID == "" && !r.AllDead {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrap("redeliver", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var n int64
	if r.ID != "" {
		var (
			seq                 int64
			state               int16
			endpoint, commentID string
		)
		err := tx.QueryRow(ctx, deliveryPlaceSQL, r.ID).Scan(&seq, &endpoint, &commentID, &state)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return 0, fmt.Errorf("postgres: delivery %q: %w", r.ID, moderation.ErrNotFound)
		case err != nil:
			return 0, wrap("redeliver", err)
		case moderation.DeliveryState(state) == moderation.DeliveryPending:
			return 0, nil
		}
		tag, err := tx.Exec(ctx, redeliverOneSQL, r.Time, r.ID, commentID, endpoint, seq)
		if err != nil {
			return 0, wrap("redeliver", err)
		}
		n = tag.RowsAffected()
	} else {
		tag, err := tx.Exec(ctx, redeliverDeadSQL, r.Time, r.Endpoint)
		if err != nil {
			return 0, wrap("redeliver", err)
		}
		n = tag.RowsAffected()
	}
	if n == 0 {
		return 0, nil
	}
	a := r.Audit
	a.Detail = storesql.RedeliveryDetail(n)
	if _, err := tx.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail); err != nil {
		return 0, wrap("redeliver: append audit event", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrap("redeliver", err)
	}
	return n, nil
}

// WebhookBacklog implements moderation.Store.
func (s *Store) WebhookBacklog(ctx context.Context) ([]moderation.EndpointBacklog, error) {
	rows, err := s.pool.Query(ctx, backlogSQL)
	if err != nil {
		return nil, wrap("webhook backlog", err)
	}
	defer rows.Close()
	var out []moderation.EndpointBacklog
	for rows.Next() {
		var (
			endpoint string
			state    int16
			n        int64
			oldest   time.Time
		)
		if err := rows.Scan(&endpoint, &state, &n, &oldest); err != nil {
			return nil, wrap("webhook backlog", err)
		}
		if len(out) == 0 || out[len(out)-1].Endpoint != endpoint {
			out = append(out, moderation.EndpointBacklog{Endpoint: endpoint})
		}
		b := &out[len(out)-1]
		if moderation.DeliveryState(state) == moderation.DeliveryDead {
			b.Dead = n
		} else {
			b.Pending, b.OldestPending = n, oldest.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("webhook backlog", err)
	}
	return out, nil
}

// PruneDeliveries implements moderation.Store.
func (s *Store) PruneDeliveries(ctx context.Context, delivered, dead time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, pruneDeliveriesSQL, storesql.CeilMicro(delivered), storesql.CeilMicro(dead))
	if err != nil {
		return 0, wrap("prune deliveries", err)
	}
	return tag.RowsAffected(), nil
}

// Lease implements moderation.Store.
func (s *Store) Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, leaseSQL, name, holder, now, until)
	if err != nil {
		return false, wrap("lease", err)
	}
	return tag.RowsAffected() == 1 && storesql.StoredTime(until).After(storesql.StoredTime(now)), nil
}

// scrubOutbox rewrites, inside tx, the stored bodies about the comments
// ids.
func scrubOutbox(ctx context.Context, tx pgx.Tx, ids []string, scrub func([]byte) []byte) error {
	if scrub == nil || len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, outboxOfSQL, ids)
	if err != nil {
		return err
	}
	type body struct {
		id      string
		payload []byte
	}
	bodies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (body, error) {
		var b body
		err := r.Scan(&b.id, &b.payload)
		return b, err
	})
	if err != nil {
		return err
	}
	var b pgx.Batch
	for _, x := range bodies {
		p := scrub(x.payload)
		if p == nil {
			p = []byte{}
		}
		b.Queue(scrubOutboxSQL, p, x.id)
	}
	return tx.SendBatch(ctx, &b).Close()
}
