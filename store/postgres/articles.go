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

const (
	listArticlesSQL  = `SELECT ` + storesql.ArticleSettingsColumns + ` FROM article_settings ORDER BY site, article_id`
	articleSQL       = `SELECT ` + storesql.ArticleSettingsColumns + ` FROM article_settings WHERE site = $1 AND article_id = $2`
	upsertArticleSQL = `INSERT INTO article_settings (` + storesql.ArticleSettingsColumns + `) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (site, article_id) DO UPDATE SET mode = excluded.mode, close_after = excluded.close_after,
update_time = excluded.update_time, updated_by = excluded.updated_by`
	deleteArticleSQL = `DELETE FROM article_settings WHERE site = $1 AND article_id = $2`
)

func scanArticle(row storesql.Scanner) (moderation.ArticleSettings, error) {
	var (
		a      moderation.ArticleSettings
		mode   int16
		closeS int64
	)
	if err := row.Scan(&a.Site, &a.ArticleID, &mode, &closeS, &a.UpdateTime, &a.UpdatedBy); err != nil {
		return moderation.ArticleSettings{}, err
	}
	a.Mode, a.CloseAfter, a.UpdateTime = moderation.ArticleMode(mode), time.Duration(closeS)*time.Second, a.UpdateTime.UTC()
	return a, nil
}

// ListArticleSettings implements moderation.Store.
func (s *Store) ListArticleSettings(ctx context.Context) ([]moderation.ArticleSettings, error) {
	rows, err := s.pool.Query(ctx, listArticlesSQL)
	if err != nil {
		return nil, wrap("list article settings", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, 16, scanArticle)
	if err != nil {
		return nil, wrap("list article settings", err)
	}
	return out, nil
}

// ArticleSettings implements moderation.Store.
func (s *Store) ArticleSettings(ctx context.Context, site, articleID string) (moderation.ArticleSettings, error) {
	return articleOrDefault(s.pool.QueryRow(ctx, articleSQL, site, articleID), site, articleID)
}

func articleOrDefault(row pgx.Row, site, articleID string) (moderation.ArticleSettings, error) {
	a, err := scanArticle(row)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return moderation.DefaultArticleSettings(site, articleID), nil
	case err != nil:
		return moderation.ArticleSettings{}, wrap("get article settings", err)
	}
	return a, nil
}

// SetArticleSettings implements moderation.Store. Two moderators changing
// one article at once are serialised by the version row's lock, taken
// before the article's row is read: each audits the change it made.
func (s *Store) SetArticleSettings(ctx context.Context, a moderation.ArticleSettings, audit moderation.AuditEvent) (moderation.ArticleSettings, error) {
	if !a.Mode.Valid() {
		return moderation.ArticleSettings{}, fmt.Errorf("postgres: set article settings: invalid mode %v", a.Mode)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, bumpVersionSQL); err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings: bump rules version", err)
	}
	old, err := articleOrDefault(tx.QueryRow(ctx, articleSQL, a.Site, a.ArticleID), a.Site, a.ArticleID)
	if err != nil || old.Same(a) {
		return old, err // the rollback takes the bump back
	}
	if a.IsDefault() {
		_, err = tx.Exec(ctx, deleteArticleSQL, a.Site, a.ArticleID)
	} else {
		_, err = tx.Exec(ctx, upsertArticleSQL, a.Site, a.ArticleID, int16(a.Mode),
			int64(a.CloseAfter/time.Second), a.UpdateTime, a.UpdatedBy)
	}
	if err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	audit.Detail = moderation.ArticleSettingsDetail(old, a)
	if _, err := tx.Exec(ctx, insertAuditSQL, audit.ID, audit.Time, audit.Actor, audit.Action, audit.Target, audit.Note, audit.Detail); err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings: append audit event", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	return old, nil
}
