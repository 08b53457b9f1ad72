package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// Word lists and bans change in BEGIN IMMEDIATE transactions on the
// writer, each bumping the one-row rules_version in the same transaction,
// so that a replica which reads a new version also reads the change.

// RulesVersion implements moderation.Store.
func (s *Store) RulesVersion(ctx context.Context) (int64, error) {
	row, err := s.reads.queryRow(ctx, rulesVersionSQL)
	if err != nil {
		return 0, wrap("rules version", err)
	}
	var v int64
	if err := row.Scan(&v); err != nil {
		return 0, wrap("rules version", err)
	}
	return v, nil
}

// WordTerms implements moderation.Store.
func (s *Store) WordTerms(ctx context.Context) ([]moderation.WordTerm, error) {
	rows, err := s.reads.query(ctx, wordTermsSQL)
	if err != nil {
		return nil, wrap("word terms", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, 128, scanWordTerm)
	if err != nil {
		return nil, wrap("word terms", err)
	}
	return out, nil
}

// UpdateWordList implements moderation.Store. Terms are added, then
// removed, one statement each: SQLite runs in process, so a statement
// costs no round trip.
func (s *Store) UpdateWordList(ctx context.Context, u moderation.WordListUpdate) (moderation.WordListResult, error) {
	if !u.List.Valid() {
		return moderation.WordListResult{}, fmt.Errorf("sqlite: update word list: invalid list %v", u.List)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list", err)
	}
	defer tx.Rollback()

	list := int64(u.List)
	added, err := execEach(ctx, tx.StmtContext(ctx, s.w.insertTerm), u.Add, func(term string) []any {
		return []any{u.Site, list, term, micros(u.Time), u.Actor}
	})
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list: add", err)
	}
	removed, err := execEach(ctx, tx.StmtContext(ctx, s.w.deleteTerm), u.Remove, func(term string) []any {
		return []any{u.Site, list, term}
	})
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list: remove", err)
	}
	if len(added) > 0 || len(removed) > 0 {
		a := u.Audit
		a.Detail = moderation.NewWordListResult(u, nil, added, removed).Detail(u.Site)
		if err := s.bumpAndAudit(ctx, tx, a); err != nil {
			return moderation.WordListResult{}, wrap("update word list", err)
		}
	}

	rows, err := tx.StmtContext(ctx, s.w.listTerms).QueryContext(ctx, u.Site, list)
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list: read terms", err)
	}
	terms, err := storesql.Collect(rows, 128, scanWordTerm)
	rows.Close() // before the commit
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list: read terms", err)
	}
	if err := tx.Commit(); err != nil {
		return moderation.WordListResult{}, wrap("update word list", err)
	}
	return moderation.NewWordListResult(u, terms, added, removed), nil
}

// execEach runs st once per term and returns the terms it changed a row
// for, in the order given: a term given twice changes nothing the second
// time.
func execEach(ctx context.Context, st *sql.Stmt, terms []string, args func(term string) []any) ([]string, error) {
	var changed []string
	for _, term := range terms {
		res, err := st.ExecContext(ctx, args(term)...)
		if err != nil {
			return nil, fmt.Errorf("term %q: %w", term, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		if n > 0 {
			changed = append(changed, term)
		}
	}
	return changed, nil
}

// bumpAndAudit bumps the rules version and appends a, inside tx.
func (s *Store) bumpAndAudit(ctx context.Context, tx *sql.Tx, a moderation.AuditEvent) error {
	if _, err := tx.StmtContext(ctx, s.w.bumpVersion).ExecContext(ctx); err != nil {
		return fmt.Errorf("bump rules version: %w", err)
	}
	return insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), a)
}

// CreateBan implements moderation.Store.
func (s *Store) CreateBan(ctx context.Context, b moderation.Ban, audit moderation.AuditEvent) (moderation.Ban, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.Ban{}, wrap("create ban", err)
	}
	defer tx.Rollback()
	if prev, found, err := banByRequestID(ctx, tx, b.RequestID); err != nil || found {
		return prev, err
	}
	if err := s.insertBan(ctx, tx, b); err != nil {
		return moderation.Ban{}, wrap("create ban "+b.ID, err)
	}
	if err := s.bumpAndAudit(ctx, tx, audit); err != nil {
		return moderation.Ban{}, wrap("create ban "+b.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return moderation.Ban{}, wrap("create ban "+b.ID, err)
	}
	return b, nil
}

func (s *Store) insertBan(ctx context.Context, tx *sql.Tx, b moderation.Ban) error {
	_, err := tx.StmtContext(ctx, s.w.insertBan).ExecContext(ctx, b.ID, int64(b.Kind), b.Value, b.Display,
		nullMicros(b.ExpireTime), b.Reason, micros(b.CreateTime), b.CreatedBy, b.Site, b.RequestID, b.RequestHash)
	return err
}

// banByRequestID returns the ban stored with request id, if any, inside
// tx: the writer's transactions are serial, so no other can store one
// before tx commits.
func banByRequestID(ctx context.Context, tx *sql.Tx, id string) (moderation.Ban, bool, error) {
	if id == "" {
		return moderation.Ban{}, false, nil
	}
	b, err := scanBan(tx.QueryRowContext(ctx, banByRequestIDSQL, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return moderation.Ban{}, false, nil
	case err != nil:
		return moderation.Ban{}, false, wrap("create ban: look up the request id", err)
	}
	return b, true, nil
}

// DeleteBan implements moderation.Store.
func (s *Store) DeleteBan(ctx context.Context, id string, audit moderation.AuditEvent) (moderation.Ban, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.Ban{}, wrap("delete ban", err)
	}
	defer tx.Rollback()
	b, err := scanBan(tx.StmtContext(ctx, s.w.deleteBan).QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.Ban{}, fmt.Errorf("sqlite: ban %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	if _, err := tx.ExecContext(ctx, deleteHiddenSQL, id); err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	if err := s.bumpAndAudit(ctx, tx, audit); err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	if err := tx.Commit(); err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	return b, nil
}

// ListBans implements moderation.Store with keyset pagination.
func (s *Store) ListBans(ctx context.Context, now time.Time, after *moderation.Cursor, limit int, site string) ([]moderation.Ban, error) {
	query, args, err := dialect.BansQuery(now, after, limit, site)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list bans: %w", err)
	}
	rows, err := s.reads.query(ctx, query, args...)
	if err != nil {
		return nil, wrap("list bans", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, limit, scanBan)
	if err != nil {
		return nil, wrap("list bans", err)
	}
	return out, nil
}
