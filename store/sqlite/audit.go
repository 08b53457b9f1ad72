package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

func insertAudit(ctx context.Context, insert *sql.Stmt, a moderation.AuditEvent) error {
	_, err := insert.ExecContext(ctx, a.ID, micros(a.Time), a.Actor, a.Action, a.Target, a.Note, a.Detail)
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// ListAuditEvents implements moderation.Store: newest first by
// (create_time, id), with keyset pagination.
func (s *Store) ListAuditEvents(ctx context.Context, f moderation.AuditFilter) ([]moderation.AuditEvent, error) {
	query, args, err := dialect.AuditQuery(f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audit events: %w", err)
	}
	rows, err := s.reads.query(ctx, query, args...)
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
	var us int64
	if err := row.Scan(&a.ID, &us, &a.Actor, &a.Action, &a.Target, &a.Note, &a.Detail); err != nil {
		return moderation.AuditEvent{}, err
	}
	a.Time = fromMicros(us)
	return a, nil
}
