package postgres

import (
	"context"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

const insertAuditSQL = `INSERT INTO audit_events (id, create_time, actor, action, target, note, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// ListAuditEvents implements moderation.Store: newest first by
// (create_time, id), with keyset pagination.
func (s *Store) ListAuditEvents(ctx context.Context, f moderation.AuditFilter) ([]moderation.AuditEvent, error) {
	query, args, err := dialect.AuditQuery(f)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit events: %w", err)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list audit events", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, f.Limit, scanAudit)
	if err != nil {
		return nil, wrap("list audit events", err)
	}
	return out, nil
}

func scanAudit(row storesql.Scanner) (moderation.AuditEvent, error) {
	var a moderation.AuditEvent
	if err := row.Scan(&a.ID, &a.Time, &a.Actor, &a.Action, &a.Target, &a.Note, &a.Detail); err != nil {
		return moderation.AuditEvent{}, err
	}
	a.Time = a.Time.UTC()
	return a, nil
}
