package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/internal/storesql"
)

const (
	// The keys arrive as one JSON array, so the statement text stays the
	// same whatever their number; the unique index on (site, import_key)
	// serves each.
	importLookupSQL = `SELECT import_key, id, article_id FROM comments
WHERE site = ? AND import_key IN (SELECT value FROM json_each(?)) AND import_key <> ''`
)

var importInsertSQL = comments.ImportInsert

// ImportComments implements moderation.Store on the writer, in one
// transaction: its learn events take their seqs in commit order like
// UpdateStatus's, and submissions wait for it as for any write.
func (s *Store) ImportComments(ctx context.Context, b moderation.ImportBatch) ([]moderation.ImportResult, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap("import comments", err)
	}
	defer tx.Rollback()
	insert, err := tx.PrepareContext(ctx, importInsertSQL)
	if err != nil {
		return nil, wrap("import comments", err)
	}
	defer insert.Close()
	ops := storesql.ImportOps{
		Lookup: func(keys []string) (map[string]storesql.ImportRef, error) {
			arr, err := json.Marshal(keys)
			if err != nil {
				return nil, err
			}
			rows, err := tx.QueryContext(ctx, importLookupSQL, b.Site, string(arr))
			if err != nil {
				return nil, fmt.Errorf("look up import keys: %w", err)
			}
			defer rows.Close()
			found, err := storesql.ImportRefs(rows)
			if err != nil {
				return nil, fmt.Errorf("look up import keys: %w", err)
			}
			return found, nil
		},
		Insert: func(c *moderation.Comment) (bool, error) {
			args, err := comments.Args(c)
			if err != nil {
				return false, fmt.Errorf("comment %s: %w", c.ID, err)
			}
			res, err := insert.ExecContext(ctx, args...)
			if err != nil {
				return false, fmt.Errorf("insert comment %s: %w", c.ID, err)
			}
			n, err := res.RowsAffected()
			return n == 1, err
		},
		Label: func(labelled []moderation.ImportComment, tr storesql.Trained) error {
			return s.importLabels(ctx, tx, b, labelled, tr)
		},
		Audit: func(a moderation.AuditEvent) error {
			return insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), a)
		},
	}
	out, err := storesql.Import(b, ops)
	if err != nil {
		return nil, wrap("import comments", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, wrap("import comments", err)
	}
	return out, nil
}

// importLabels stores each labelled comment's label and event, and adds
// the batch's counts, each count row written once.
func (s *Store) importLabels(ctx context.Context, tx *sql.Tx, b moderation.ImportBatch, labelled []moderation.ImportComment, tr storesql.Trained) error {
	label, event := tx.StmtContext(ctx, s.w.upsertLabel), tx.StmtContext(ctx, s.w.insertLearnEvent)
	for i, ic := range labelled {
		blob := storesql.EncodeTokens(tr.Tokens[i])
		if _, err := label.ExecContext(ctx, ic.Comment.ID, b.Site, int64(ic.Label), blob); err != nil {
			return fmt.Errorf("write label: %w", err)
		}
		if _, err := event.ExecContext(ctx, b.Site, int64(learn.None), int64(ic.Label), storesql.EncodeTokens(nil), blob, micros(b.Time)); err != nil {
			return fmt.Errorf("append learn event: %w", err)
		}
	}
	add := tx.StmtContext(ctx, s.w.addToken)
	for _, d := range tr.Deltas {
		if _, err := add.ExecContext(ctx, b.Site, int64(d.Token), d.Spam, d.Ham); err != nil {
			return fmt.Errorf("count token: %w", err)
		}
	}
	if _, err := tx.StmtContext(ctx, s.w.addTotals).ExecContext(ctx, b.Site, tr.Spam, tr.Ham); err != nil {
		return fmt.Errorf("count totals: %w", err)
	}
	return nil
}
