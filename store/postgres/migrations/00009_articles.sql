-- Per-article settings: how an article takes new comments. mode is a
-- moderation.ArticleMode value: 1 open, 2 premoderated, 3 closed. An
-- article without a row is open; a row that would say only that is
-- deleted. close_after, in seconds, closes the article that long after
-- its first published comment (0: never). A change bumps rules_version,
-- so that every replica reloads its copy. Sites and article ids compare
-- byte-wise (COLLATE "C"), as in SQLite.

-- +goose Up
CREATE TABLE article_settings (
    site        text COLLATE "C" NOT NULL,
    article_id  text COLLATE "C" NOT NULL,
    mode        smallint         NOT NULL CHECK (mode IN (1, 2, 3)),
    close_after bigint           NOT NULL DEFAULT 0 CHECK (close_after >= 0),
    update_time timestamptz      NOT NULL,
    updated_by  text             NOT NULL DEFAULT '',
    PRIMARY KEY (site, article_id)
);

-- +goose Down
DROP TABLE article_settings;
