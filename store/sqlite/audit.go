package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/commentd/commentd/moderation"
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
	if f.Limit < 1 {
		return nil, fmt.Errorf("sqlite: list audit events: limit %d, want at least 1", f.Limit)
	}
	var b strings.Builder
	var args []any
	b.WriteString("SELECT id, create_time, actor, action, target, note, detail FROM audit_events WHERE true")
	if f.Actor != "" {
		b.WriteString(" AND actor = ?")
		args = append(args, f.Actor)
	}
	if f.Target != "" {
		b.WriteString(" AND target = ?")
		args = append(args, f.Target)
	}
	if f.After != nil {
		b.WriteString(" AND (create_time, id) < (?, ?)")
		args = append(args, micros(f.After.Time), f.After.ID)
	}
	b.WriteString(" ORDER BY create_time DESC, id DESC LIMIT ?")
	args = append(args, f.Limit)

	rows, err := s.reads.query(ctx, b.String(), args...)
	if err != nil {
		return nil, wrap("list audit events", err)
	}
	defer rows.Close()
	out := make([]moderation.AuditEvent, 0, min(f.Limit, 128))
	for rows.Next() {
		var a moderation.AuditEvent
		var us int64
		if err := rows.Scan(&a.ID, &us, &a.Actor, &a.Action, &a.Target, &a.Note, &a.Detail); err != nil {
			return nil, wrap("list audit events", err)
		}
		a.Time = fromMicros(us)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list audit events", err)
	}
	return out, nil
}
