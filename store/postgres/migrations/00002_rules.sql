-- Author keys and body fingerprints on comments (duplicates, first-time
-- commenters), the moderators' word lists and bans, and the rules version
-- that replicas poll to notice a change of either. Word lists and ban
-- kinds are moderation.WordList and moderation.BanKind values, which are
-- never renumbered. Terms, ban values and ids compare byte-wise
-- (COLLATE "C"): terms match exactly as stored and sort as in SQLite.

-- +goose Up
ALTER TABLE comments ADD COLUMN author_user_id   text NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN author_key       text NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN body_fingerprint text NOT NULL DEFAULT '';

-- The same author posting the same text on the same article.
CREATE INDEX comments_author_fingerprint ON comments (site, article_id, author_key, body_fingerprint);
-- Whether an author has a published comment on the site.
CREATE INDEX comments_author_key_status ON comments (site, author_key, status);

CREATE TABLE word_terms (
    list        smallint         NOT NULL,
    term        text COLLATE "C" NOT NULL,
    create_time timestamptz      NOT NULL,
    created_by  text             NOT NULL DEFAULT '',
    PRIMARY KEY (list, term)
);

CREATE TABLE bans (
    id          text COLLATE "C" PRIMARY KEY,
    kind        smallint         NOT NULL,
    value       text COLLATE "C" NOT NULL,
    display     text             NOT NULL DEFAULT '',
    expire_time timestamptz, -- NULL: never
    reason      text             NOT NULL DEFAULT '',
    create_time timestamptz      NOT NULL,
    created_by  text             NOT NULL DEFAULT ''
);

-- The listing, newest first.
CREATE INDEX bans_time ON bans (create_time, id);
-- Looking up a target.
CREATE INDEX bans_kind_value ON bans (kind, value);

-- One row, bumped in the transaction of every word list or ban change. A
-- row rather than a sequence: a sequence is not transactional, so a
-- replica could see the new number before the change it announces.
CREATE TABLE rules_version (
    id      smallint PRIMARY KEY CHECK (id = 1),
    version bigint   NOT NULL
);
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
