package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/internal/storesql"
)

const (
	// import_key <> '' lets the planner use the partial unique index.
	importLookupSQL = `SELECT import_key, id, article_id FROM comments
WHERE site = $1 AND import_key = ANY($2::text[]) AND import_key <> ''`
	importLabelsSQL = `INSERT INTO comment_labels (comment_id, site, label, tokens)
SELECT id, $1, l, t FROM unnest($2::text[], $3::smallint[], $4::bytea[]) AS x(id, l, t)`
)

var importInsertSQL = comments.ImportInsert

// ImportComments implements moderation.Store in one transaction. A
// comment whose key another import is storing at the same moment waits
// for it and is then left out as a duplicate.
func (s *Store) ImportComments(ctx context.Context, b moderation.ImportBatch) ([]moderation.ImportResult, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, wrap("import comments", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	ops := storesql.ImportOps{
		Lookup: func(keys []string) (map[string]storesql.ImportRef, error) {
			rows, err := tx.Query(ctx, importLookupSQL, b.Site, keys)
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
			tag, err := tx.Exec(ctx, importInsertSQL, args...)
			if err != nil {
				return false, fmt.Errorf("insert comment %s: %w", c.ID, err)
			}
			return tag.RowsAffected() == 1, nil
		},
		Label: func(labelled []moderation.ImportComment, tr storesql.Trained) error {
			ids := make([]string, len(labelled))
			labels := make([]int16, len(labelled))
			blobs := make([][]byte, len(labelled))
			for i, ic := range labelled {
				ids[i], labels[i], blobs[i] = ic.Comment.ID, int16(ic.Label), storesql.EncodeTokens(tr.Tokens[i])
			}
			toks := make([]int64, len(tr.Deltas))
			spam := make([]int64, len(tr.Deltas))
			ham := make([]int64, len(tr.Deltas))
			for i, d := range tr.Deltas {
				toks[i], spam[i], ham[i] = int64(d.Token), d.Spam, d.Ham
			}
			batch := &pgx.Batch{}
			batch.Queue(lockLearnSQL, learnLockID)
			batch.Queue(importLabelsSQL, b.Site, ids, labels, blobs)
			if len(toks) > 0 {
				batch.Queue(trainTokensSQL, b.Site, toks, spam, ham)
			}
			batch.Queue(addTotalsSQL, b.Site, tr.Spam, tr.Ham)
			batch.Queue(trainEventsSQL, b.Site, int16(learn.None), labels, blobs, b.Time)
			return tx.SendBatch(ctx, batch).Close()
		},
		Audit: func(a moderation.AuditEvent) error {
			_, err := tx.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail)
			return err
		},
	}
	out, err := storesql.Import(b, ops)
	if err != nil {
		return nil, wrap("import comments", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, wrap("import comments", err)
	}
	return out, nil
}
