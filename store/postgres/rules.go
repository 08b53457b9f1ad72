package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// Word lists and bans change in transactions that bump the one-row
// rules_version last, so that a replica which reads a new version also
// reads the change. The version row's lock serialises rule changes; it is
// taken after every other row a change touches, so waiting on it never
// closes a cycle of waits.

const (
	rulesVersionSQL = `SELECT version FROM rules_version WHERE id = 1`
	bumpVersionSQL  = `UPDATE rules_version SET version = version + 1 WHERE id = 1`

	wordTermsSQL = `SELECT ` + storesql.WordTermColumns + ` FROM word_terms ORDER BY site, list, term`
	listTermsSQL = `SELECT ` + storesql.WordTermColumns + ` FROM word_terms WHERE site = $1 AND list = $2 ORDER BY term`
	// One statement for any number of terms. A term given twice is
	// inserted once: the second row finds the first and does nothing.
	addTermsSQL = `INSERT INTO word_terms (site, list, term, create_time, created_by)
SELECT $1::text, $2::smallint, t, $4::timestamptz, $5::text FROM unnest($3::text[]) AS t
ON CONFLICT (site, list, term) DO NOTHING
RETURNING term`
	removeTermsSQL = `DELETE FROM word_terms WHERE site = $1 AND list = $2 AND term = ANY($3::text[]) RETURNING term`

	// A ban whose request id is taken is not stored: the unique index
	// decides between racing replicas, and the loser reads the winner's.
	insertBanSQL = `INSERT INTO bans (` + storesql.BanColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (request_id) WHERE request_id <> '' DO NOTHING`
	banByRequestIDSQL = `SELECT ` + storesql.BanColumns + ` FROM bans WHERE request_id = $1 AND request_id <> ''`
	deleteBanSQL      = `DELETE FROM bans WHERE id = $1 RETURNING ` + storesql.BanColumns
)

// RulesVersion implements moderation.Store.
func (s *Store) RulesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, rulesVersionSQL).Scan(&v); err != nil {
		return 0, wrap("rules version", err)
	}
	return v, nil
}

// WordTerms implements moderation.Store.
func (s *Store) WordTerms(ctx context.Context) ([]moderation.WordTerm, error) {
	rows, err := s.pool.Query(ctx, wordTermsSQL)
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

// UpdateWordList implements moderation.Store: terms are added, then
// removed, one statement each.
func (s *Store) UpdateWordList(ctx context.Context, u moderation.WordListUpdate) (moderation.WordListResult, error) {
	if !u.List.Valid() {
		return moderation.WordListResult{}, fmt.Errorf("postgres: update word list: invalid list %v", u.List)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	list := int16(u.List)
	var added, removed []string
	if len(u.Add) > 0 {
		if added, err = changedTerms(ctx, tx, addTermsSQL, u.Site, list, u.Add, u.Time, u.Actor); err != nil {
			return moderation.WordListResult{}, wrap("update word list: add", err)
		}
		added = storesql.InGivenOrder(u.Add, added)
	}
	if len(u.Remove) > 0 {
		if removed, err = changedTerms(ctx, tx, removeTermsSQL, u.Site, list, u.Remove); err != nil {
			return moderation.WordListResult{}, wrap("update word list: remove", err)
		}
		removed = storesql.InGivenOrder(u.Remove, removed)
	}
	if len(added) > 0 || len(removed) > 0 {
		a := u.Audit
		a.Detail = moderation.NewWordListResult(u, nil, added, removed).Detail(u.Site)
		if err := bumpAndAudit(ctx, tx, a); err != nil {
			return moderation.WordListResult{}, wrap("update word list", err)
		}
	}

	rows, err := tx.Query(ctx, listTermsSQL, u.Site, list)
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list: read terms", err)
	}
	terms, err := storesql.Collect(rows, 128, scanWordTerm)
	rows.Close() // before the commit: the connection serves one query at a time
	if err != nil {
		return moderation.WordListResult{}, wrap("update word list: read terms", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.WordListResult{}, wrap("update word list", err)
	}
	return moderation.NewWordListResult(u, terms, added, removed), nil
}

// changedTerms runs a statement that returns the terms it changed.
func changedTerms(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// bumpAndAudit bumps the rules version and appends a, inside tx.
func bumpAndAudit(ctx context.Context, tx pgx.Tx, a moderation.AuditEvent) error {
	if _, err := tx.Exec(ctx, bumpVersionSQL); err != nil {
		return fmt.Errorf("bump rules version: %w", err)
	}
	if _, err := tx.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail); err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// CreateBan implements moderation.Store.
func (s *Store) CreateBan(ctx context.Context, b moderation.Ban, audit moderation.AuditEvent) (moderation.Ban, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.Ban{}, wrap("create ban", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if prev, taken, err := insertBan(ctx, tx, b); err != nil || taken {
		return prev, err
	}
	if err := bumpAndAudit(ctx, tx, audit); err != nil {
		return moderation.Ban{}, wrap("create ban "+b.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.Ban{}, wrap("create ban "+b.ID, err)
	}
	return b, nil
}

// insertBan inserts b inside tx, unless its request id is taken: then it
// returns the ban stored with it, taken true. A concurrent transaction
// storing the same request id is waited for; the read after it is a new
// statement, so it sees that ban once committed.
func insertBan(ctx context.Context, tx pgx.Tx, b moderation.Ban) (moderation.Ban, bool, error) {
	tag, err := tx.Exec(ctx, insertBanSQL, b.ID, int16(b.Kind), b.Value, b.Display,
		nullTime(b.ExpireTime), b.Reason, b.CreateTime, b.CreatedBy, b.Site, b.RequestID, b.RequestHash)
	if err != nil {
		return moderation.Ban{}, false, wrap("create ban "+b.ID, err)
	}
	if tag.RowsAffected() == 1 {
		return moderation.Ban{}, false, nil
	}
	prev, err := scanBan(tx.QueryRow(ctx, banByRequestIDSQL, b.RequestID))
	if err != nil {
		return moderation.Ban{}, false, wrap("create ban "+b.ID+": read the ban of its request id", err)
	}
	return prev, true, nil
}

// DeleteBan implements moderation.Store.
func (s *Store) DeleteBan(ctx context.Context, id string, audit moderation.AuditEvent) (moderation.Ban, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.Ban{}, wrap("delete ban", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	b, err := scanBan(tx.QueryRow(ctx, deleteBanSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.Ban{}, fmt.Errorf("postgres: ban %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	if _, err := tx.Exec(ctx, deleteHiddenSQL, id); err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	if err := bumpAndAudit(ctx, tx, audit); err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.Ban{}, wrap("delete ban "+id, err)
	}
	return b, nil
}

// ListBans implements moderation.Store with keyset pagination.
func (s *Store) ListBans(ctx context.Context, now time.Time, after *moderation.Cursor, limit int, site string) ([]moderation.Ban, error) {
	query, args, err := dialect.BansQuery(now, after, limit, site)
	if err != nil {
		return nil, fmt.Errorf("postgres: list bans: %w", err)
	}
	rows, err := s.pool.Query(ctx, query, args...)
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
