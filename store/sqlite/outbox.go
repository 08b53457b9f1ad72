package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// The webhooks' outbox. Rows are written on the writer inside the
// transaction of the change they tell of; seq, from the one writer, is
// the order of storing.
const (
	insertOutboxSQL = `INSERT INTO webhook_outbox (id, event_id, event_type, endpoint, site, comment_id, payload, create_time,
state, next_attempt, retry_since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?8, ?8)`

	// The endpoints left out arrive as one JSON array, so the text stays
	// the same whatever their number.
	dueDeliveriesSQL = `SELECT ` + storesql.OutboxColumns + ` FROM webhook_outbox o
WHERE state = 1 AND next_attempt <= ?1 AND endpoint NOT IN (SELECT value FROM json_each(?2))
AND NOT EXISTS (SELECT 1 FROM webhook_outbox e
    WHERE e.comment_id = o.comment_id AND e.endpoint = o.endpoint AND e.seq < o.seq AND e.state = 1)
ORDER BY seq LIMIT ?3`

	deliveredSQL = `UPDATE webhook_outbox SET state = 2, attempts = attempts + 1, last_attempt = ?2, done_time = ?2
WHERE id = ?1 AND state = 1`
	failedSQL = `UPDATE webhook_outbox SET attempts = attempts + 1, last_attempt = ?2, last_error = ?3, next_attempt = ?4
WHERE id = ?1 AND state = 1`
	deadSQL = `UPDATE webhook_outbox SET state = 3, attempts = attempts + 1, last_attempt = ?2, last_error = ?3, done_time = ?2
WHERE id = ?1 AND state = 1 RETURNING seq, endpoint, comment_id`
	deadBehindSQL = `UPDATE webhook_outbox SET state = 3, done_time = ?1, last_error = ?2
WHERE comment_id = ?3 AND endpoint = ?4 AND seq > ?5 AND state = 1`

	deliveryPlaceSQL = `SELECT seq, endpoint, comment_id, state FROM webhook_outbox WHERE id = ?`
	redeliverOneSQL  = `UPDATE webhook_outbox SET state = 1, attempts = 0, next_attempt = ?1, retry_since = ?1, done_time = NULL
WHERE id = ?2 OR (comment_id = ?3 AND endpoint = ?4 AND seq > ?5 AND state = 3)`
	redeliverDeadSQL = `UPDATE webhook_outbox SET state = 1, attempts = 0, next_attempt = ?1, retry_since = ?1, done_time = NULL
WHERE state = 3 AND (?2 = '' OR endpoint = ?2)`

	backlogSQL = `SELECT endpoint, state, count(*), min(create_time) FROM webhook_outbox
WHERE state IN (1, 3) GROUP BY endpoint, state ORDER BY endpoint`
	pruneDeliveriesSQL = `DELETE FROM webhook_outbox WHERE (state = 2 AND create_time < ?1) OR (state = 3 AND create_time < ?2)`

	outboxOfSQL    = `SELECT id, payload FROM webhook_outbox WHERE comment_id IN (SELECT value FROM json_each(?))`
	scrubOutboxSQL = `UPDATE webhook_outbox SET payload = ? WHERE id = ?`

	leaseSQL = `INSERT INTO leases (name, holder, expire_time) VALUES (?1, ?2, ?4)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expire_time = excluded.expire_time
WHERE leases.holder = excluded.holder OR leases.expire_time <= ?3`
)

// insertOutbox stores messages, pending, inside tx.
func (s *Store) insertOutbox(ctx context.Context, tx *sql.Tx, out []moderation.OutboxMessage) error {
	if len(out) == 0 {
		return nil
	}
	st := tx.StmtContext(ctx, s.w.insertOutbox)
	for _, m := range out {
		if _, err := st.ExecContext(ctx, m.ID, m.EventID, m.EventType, m.Endpoint, m.Site, m.CommentID,
			payloadArg(m.Payload), micros(m.CreateTime)); err != nil {
			return fmt.Errorf("store outbox message %s: %w", m.ID, err)
		}
	}
	return nil
}

// payloadArg keeps an empty body from being stored as NULL.
func payloadArg(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

func scanDelivery(row storesql.Scanner) (moderation.Delivery, error) {
	var (
		d                    moderation.Delivery
		created, next, since int64
		state                int64
		lastAttempt, done    sql.NullInt64
	)
	if err := row.Scan(&d.ID, &d.EventID, &d.EventType, &d.Endpoint, &d.Site, &d.CommentID, &d.Payload, &created,
		&state, &d.Attempts, &next, &since, &lastAttempt, &d.LastError, &done); err != nil {
		return moderation.Delivery{}, err
	}
	d.CreateTime, d.NextAttempt, d.RetrySince = fromMicros(created), fromMicros(next), fromMicros(since)
	d.State = moderation.DeliveryState(state)
	if lastAttempt.Valid {
		d.LastAttempt = fromMicros(lastAttempt.Int64)
	}
	if done.Valid {
		d.DoneTime = fromMicros(done.Int64)
	}
	return d, nil
}

func jsonList(ss []string) (string, error) {
	if ss == nil {
		ss = []string{}
	}
	b, err := json.Marshal(ss)
	return string(b), err
}

// DueDeliveries implements moderation.Store.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, except []string, limit int) ([]moderation.Delivery, error) {
	ex, err := jsonList(except)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due deliveries: %w", err)
	}
	rows, err := s.reads.query(ctx, dueDeliveriesSQL, micros(now), ex, limit)
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
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap("record attempts", err)
	}
	defer tx.Rollback()
	for _, a := range as {
		t := micros(a.Time)
		switch {
		case a.Error == "":
			_, err = tx.ExecContext(ctx, deliveredSQL, a.ID, t)
		case !a.Dead:
			_, err = tx.ExecContext(ctx, failedSQL, a.ID, t, a.Error, micros(a.Next))
		default:
			err = s.giveUp(ctx, tx, a)
		}
		if err != nil {
			return wrap("record attempts", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap("record attempts", err)
	}
	return nil
}

// giveUp marks a delivery dead, and the later pending deliveries of its
// comment to its endpoint with it.
func (s *Store) giveUp(ctx context.Context, tx *sql.Tx, a moderation.DeliveryAttempt) error {
	var (
		seq                 int64
		endpoint, commentID string
	)
	err := tx.QueryRowContext(ctx, deadSQL, a.ID, micros(a.Time), a.Error).Scan(&seq, &endpoint, &commentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // no longer pending
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, deadBehindSQL, micros(a.Time), storesql.BehindDeadError(a.ID), commentID, endpoint, seq)
	return err
}

// deliveriesQuery builds ListDeliveries' statement: only placeholders
// vary with the filter.
func deliveriesQuery(f moderation.DeliveryFilter) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	bind := func(v any) string { args = append(args, v); return "?" }
	b.WriteString(`SELECT ` + storesql.OutboxColumns + ` FROM webhook_outbox WHERE 1 = 1`)
	if f.State != moderation.DeliveryUnspecified {
		b.WriteString(" AND state = " + bind(int64(f.State)))
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
		b.WriteString(" AND (create_time, id) < (" + bind(micros(f.After.Time)) + ", " + bind(f.After.ID) + ")")
	}
	b.WriteString(" ORDER BY create_time DESC, id DESC LIMIT " + bind(f.Limit))
	return b.String(), args
}

// ListDeliveries implements moderation.Store.
func (s *Store) ListDeliveries(ctx context.Context, f moderation.DeliveryFilter) ([]moderation.Delivery, error) {
	if f.Limit < 1 {
		return nil, fmt.Errorf("sqlite: list deliveries: limit %d, want at least 1", f.Limit)
	}
	query, args := deliveriesQuery(f)
	rows, err := s.reads.query(ctx, query, args...)
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
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("redeliver", err)
	}
	defer tx.Rollback()
	t := micros(r.Time)
	var res sql.Result
	if r.ID != "" {
		var (
			seq, state          int64
			endpoint, commentID string
		)
		err := tx.QueryRowContext(ctx, deliveryPlaceSQL, r.ID).Scan(&seq, &endpoint, &commentID, &state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("sqlite: delivery %q: %w", r.ID, moderation.ErrNotFound)
		case err != nil:
			return 0, wrap("redeliver", err)
		case moderation.DeliveryState(state) == moderation.DeliveryPending:
			return 0, nil
		}
		res, err = tx.ExecContext(ctx, redeliverOneSQL, t, r.ID, commentID, endpoint, seq)
		if err != nil {
			return 0, wrap("redeliver", err)
		}
	} else if res, err = tx.ExecContext(ctx, redeliverDeadSQL, t, r.Endpoint); err != nil {
		return 0, wrap("redeliver", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, wrapNil("redeliver", err)
	}
	a := r.Audit
	a.Detail = storesql.RedeliveryDetail(n)
	if err := insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), a); err != nil {
		return 0, wrap("redeliver", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, wrap("redeliver", err)
	}
	return n, nil
}

// wrapNil is wrap for an error that may be nil.
func wrapNil(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(op, err)
}

// WebhookBacklog implements moderation.Store.
func (s *Store) WebhookBacklog(ctx context.Context) ([]moderation.EndpointBacklog, error) {
	rows, err := s.reads.query(ctx, backlogSQL)
	if err != nil {
		return nil, wrap("webhook backlog", err)
	}
	defer rows.Close()
	var out []moderation.EndpointBacklog
	for rows.Next() {
		var (
			endpoint         string
			state, n, oldest int64
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
			b.Pending, b.OldestPending = n, fromMicros(oldest)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("webhook backlog", err)
	}
	return out, nil
}

// PruneDeliveries implements moderation.Store.
func (s *Store) PruneDeliveries(ctx context.Context, delivered, dead time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, pruneDeliveriesSQL, micros(storesql.CeilMicro(delivered)), micros(storesql.CeilMicro(dead)))
	if err != nil {
		return 0, wrap("prune deliveries", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("prune deliveries", err)
	}
	return n, nil
}

// Lease implements moderation.Store.
func (s *Store) Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, leaseSQL, name, holder, micros(now), micros(until))
	if err != nil {
		return false, wrap("lease", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("lease", err)
	}
	return n == 1 && storesql.StoredTime(until).After(storesql.StoredTime(now)), nil
}

// scrubOutbox rewrites, inside tx, the stored bodies about the comments
// ids.
func scrubOutbox(ctx context.Context, tx *sql.Tx, ids []string, scrub func([]byte) []byte) error {
	if scrub == nil || len(ids) == 0 {
		return nil
	}
	list, err := jsonList(ids)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, outboxOfSQL, list)
	if err != nil {
		return err
	}
	type body struct {
		id      string
		payload []byte
	}
	var bodies []body
	for rows.Next() {
		var b body
		if err := rows.Scan(&b.id, &b.payload); err != nil {
			rows.Close()
			return err
		}
		bodies = append(bodies, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, b := range bodies {
		if _, err := tx.ExecContext(ctx, scrubOutboxSQL, payloadArg(scrub(b.payload)), b.id); err != nil {
			return err
		}
	}
	return nil
}
