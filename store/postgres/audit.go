package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/commentd/commentd/moderation"
)

const insertAuditSQL = `INSERT INTO audit_events (id, create_time, actor, action, target, note, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// ListAuditEvents implements moderation.Store: newest first by
// (create_time, id), with keyset pagination.
func (s *Store) ListAuditEvents(ctx context.Context, f moderation.AuditFilter) ([]moderation.AuditEvent, error) {
	if f.Limit < 1 {
		return nil, fmt.Errorf("postgres: list audit events: limit %d, want at least 1", f.Limit)
	}
	var b strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	b.WriteString("SELECT id, create_time, actor, action, target, note, detail FROM audit_events WHERE true")
	if f.Actor != "" {
		b.WriteString(" AND actor = " + arg(f.Actor))
	}
	if f.Target != "" {
		b.WriteString(" AND target = " + arg(f.Target))
	}
	if f.After != nil {
		b.WriteString(" AND (create_time, id) < (" + arg(f.After.Time) + ", " + arg(f.After.ID) + ")")
	}
	b.WriteString(" ORDER BY create_time DESC, id DESC LIMIT " + arg(f.Limit))

	rows, err := s.pool.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, wrap("list audit events", err)
	}
	defer rows.Close()
	out := make([]moderation.AuditEvent, 0, min(f.Limit, 128))
	for rows.Next() {
		var a moderation.AuditEvent
		if err := rows.Scan(&a.ID, &a.Time, &a.Actor, &a.Action, &a.Target, &a.Note, &a.Detail); err != nil {
			return nil, wrap("list audit events", err)
		}
		a.Time = a.Time.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list audit events", err)
	}
	return out, nil
}
