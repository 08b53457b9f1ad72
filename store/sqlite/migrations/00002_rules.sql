-- Author keys and body fingerprints on comments (duplicates, first-time
-- commenters), the moderators' word lists and bans, and the rules version
-- that replicas poll to notice a change of either. Times are INTEGER unix
-- microseconds, UTC; word lists and ban kinds are moderation.WordList and
-- moderation.BanKind values, which are never renumbered. Text compares
-- byte-wise (SQLite's BINARY collation), so terms match exactly as stored.

-- +goose Up
ALTER TABLE comments ADD COLUMN author_user_id   TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN author_key       TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN body_fingerprint TEXT NOT NULL DEFAULT '';

-- The same author posting the same text on the same article.
CREATE INDEX comments_author_fingerprint ON comments (site, article_id, author_key, body_fingerprint);
-- Whether an author has a published comment on the site.
CREATE INDEX comments_author_key_status ON comments (site, author_key, status);

CREATE TABLE word_terms (
    list        INTEGER NOT NULL,
    term        TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    created_by  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (list, term)
) STRICT, WITHOUT ROWID;

CREATE TABLE bans (
    id          TEXT    NOT NULL PRIMARY KEY,
    kind        INTEGER NOT NULL,
    value       TEXT    NOT NULL,
    display     TEXT    NOT NULL DEFAULT '',
    expire_time INTEGER, -- NULL: never
    reason      TEXT    NOT NULL DEFAULT '',
    create_time INTEGER NOT NULL,
    created_by  TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The listing, newest first.
CREATE INDEX bans_time ON bans (create_time, id);
-- Looking up a target.
CREATE INDEX bans_kind_value ON bans (kind, value);

-- One row, bumped in the transaction of every word list or ban change.
CREATE TABLE rules_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO rules_version (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE rules_version;
DROP TABLE bans;
DROP TABLE word_terms;
DROP INDEX comments_author_key_status;
DROP INDEX comments_author_fingerprint;
ALTER TABLE comments DROP COLUMN body_fingerprint;
ALTER TABLE comments DROP COLUMN author_key;
ALTER TABLE comments DROP COLUMN author_user_id;
