package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

type articleKey struct{ site, article string }

// ListArticleSettings implements moderation.Store.
func (s *Store) ListArticleSettings(ctx context.Context) ([]moderation.ArticleSettings, error) {
	if err := s.lock(ctx, "list article settings"); err != nil {
		return nil, err
	}
	defer s.unlock()
	out := slices.Collect(maps.Values(s.db.articles))
	slices.SortFunc(out, func(a, b moderation.ArticleSettings) int {
		return cmp.Or(strings.Compare(a.Site, b.Site), strings.Compare(a.ArticleID, b.ArticleID))
	})
	return out, nil
}

// ArticleSettings implements moderation.Store.
func (s *Store) ArticleSettings(ctx context.Context, site, articleID string) (moderation.ArticleSettings, error) {
	if err := s.lock(ctx, "get article settings"); err != nil {
		return moderation.ArticleSettings{}, err
	}
	defer s.unlock()
	return s.db.article(site, articleID), nil
}

func (db *DB) article(site, articleID string) moderation.ArticleSettings {
	if a, ok := db.articles[articleKey{site, articleID}]; ok {
		return a
	}
	return moderation.DefaultArticleSettings(site, articleID)
}

// SetArticleSettings implements moderation.Store.
func (s *Store) SetArticleSettings(ctx context.Context, a moderation.ArticleSettings, audit moderation.AuditEvent) (moderation.ArticleSettings, error) {
	if !a.Mode.Valid() {
		return moderation.ArticleSettings{}, fmt.Errorf("memory: set article settings: invalid mode %v", a.Mode)
	}
	if err := s.lock(ctx, "set article settings"); err != nil {
		return moderation.ArticleSettings{}, err
	}
	defer s.unlock()
	db := s.db
	old := db.article(a.Site, a.ArticleID)
	if old.Same(a) {
		return old, nil
	}
	audit.Detail = moderation.ArticleSettingsDetail(old, a)
	if err := db.checkAudit(audit); err != nil {
		return moderation.ArticleSettings{}, fmt.Errorf("memory: set article settings: %w", err)
	}
	if db.articles == nil {
		db.articles = make(map[articleKey]moderation.ArticleSettings)
	}
	k := articleKey{a.Site, a.ArticleID}
	if a.IsDefault() {
		delete(db.articles, k)
	} else {
		a.UpdateTime = storesql.StoredTime(a.UpdateTime)
		db.articles[k] = a
	}
	db.version++
	db.appendAudit(audit)
	return old, nil
}

// firstComment is the create time of the site's article's earliest
// published comment, or zero.
func (db *DB) firstComment(site, articleID string) (first moderation.Comment) {
	for _, r := range db.comments {
		c := &r.c
		if c.Site != site || c.ArticleID != articleID || c.Status != moderation.StatusPublished {
			continue
		}
		if first.ID == "" || c.CreateTime.Before(first.CreateTime) || c.CreateTime.Equal(first.CreateTime) && c.ID < first.ID {
			first = *c
		}
	}
	return first
}
