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

const (
	listArticlesSQL  = `SELECT ` + storesql.ArticleSettingsColumns + ` FROM article_settings ORDER BY site, article_id`
	articleSQL       = `SELECT ` + storesql.ArticleSettingsColumns + ` FROM article_settings WHERE site = ? AND article_id = ?`
	upsertArticleSQL = `INSERT INTO article_settings (` + storesql.ArticleSettingsColumns + `) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (site, article_id) DO UPDATE SET mode = excluded.mode, close_after = excluded.close_after,
update_time = excluded.update_time, updated_by = excluded.updated_by`
	deleteArticleSQL = `DELETE FROM article_settings WHERE site = ? AND article_id = ?`
)

func scanArticle(row storesql.Scanner) (moderation.ArticleSettings, error) {
	var (
		a            moderation.ArticleSettings
		mode, closeS int64
		updateMicros int64
	)
	if err := row.Scan(&a.Site, &a.ArticleID, &mode, &closeS, &updateMicros, &a.UpdatedBy); err != nil {
		return moderation.ArticleSettings{}, err
	}
	a.Mode, a.CloseAfter, a.UpdateTime = moderation.ArticleMode(mode), time.Duration(closeS)*time.Second, fromMicros(updateMicros)
	return a, nil
}

// ListArticleSettings implements moderation.Store.
func (s *Store) ListArticleSettings(ctx context.Context) ([]moderation.ArticleSettings, error) {
	rows, err := s.reads.query(ctx, listArticlesSQL)
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
	row, err := s.reads.queryRow(ctx, articleSQL, site, articleID)
	if err != nil {
		return moderation.ArticleSettings{}, wrap("get article settings", err)
	}
	return articleOrDefault(row, site, articleID)
}

func articleOrDefault(row *sql.Row, site, articleID string) (moderation.ArticleSettings, error) {
	a, err := scanArticle(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return moderation.DefaultArticleSettings(site, articleID), nil
	case err != nil:
		return moderation.ArticleSettings{}, wrap("get article settings", err)
	}
	return a, nil
}

// SetArticleSettings implements moderation.Store.
func (s *Store) SetArticleSettings(ctx context.Context, a moderation.ArticleSettings, audit moderation.AuditEvent) (moderation.ArticleSettings, error) {
	if !a.Mode.Valid() {
		return moderation.ArticleSettings{}, fmt.Errorf("sqlite: set article settings: invalid mode %v", a.Mode)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	defer tx.Rollback()
	old, err := articleOrDefault(tx.QueryRowContext(ctx, articleSQL, a.Site, a.ArticleID), a.Site, a.ArticleID)
	if err != nil || old.Same(a) {
		return old, err
	}
	if a.IsDefault() {
		_, err = tx.ExecContext(ctx, deleteArticleSQL, a.Site, a.ArticleID)
	} else {
		_, err = tx.ExecContext(ctx, upsertArticleSQL, a.Site, a.ArticleID, int64(a.Mode),
			int64(a.CloseAfter/time.Second), micros(a.UpdateTime), a.UpdatedBy)
	}
	if err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	audit.Detail = moderation.ArticleSettingsDetail(old, a)
	if err := s.bumpAndAudit(ctx, tx, audit); err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	if err := tx.Commit(); err != nil {
		return moderation.ArticleSettings{}, wrap("set article settings", err)
	}
	return old, nil
}
