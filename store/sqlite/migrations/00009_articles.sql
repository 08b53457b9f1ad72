-- Per-article settings: how an article takes new comments. mode is a
-- moderation.ArticleMode value: 1 open, 2 premoderated, 3 closed. An
-- article without a row is open; a row that would say only that is
-- deleted. close_after, in seconds, closes the article that long after
-- its first published comment (0: never). A change bumps rules_version,
-- so that every replica reloads its copy. Times are INTEGER unix
-- microseconds, UTC.

-- +goose Up
CREATE TABLE article_settings (
    site        TEXT    NOT NULL,
    article_id  TEXT    NOT NULL,
    mode        INTEGER NOT NULL CHECK (mode IN (1, 2, 3)),
    close_after INTEGER NOT NULL DEFAULT 0 CHECK (close_after >= 0),
    update_time INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (site, article_id)
) STRICT;

-- +goose Down
DROP TABLE article_settings;
