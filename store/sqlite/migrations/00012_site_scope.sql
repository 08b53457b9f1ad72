-- Word terms and bans scoped to one site ('' = every site, as every row
-- stored before this migration stays), and the request id of the
-- CreateBan call that made a ban, so that a retry returns that ban.
--
-- A word term is keyed by (site, list, term): the same term may be on a
-- list for every site and for one site, or for two sites, each added and
-- removed on its own; a site's submissions match the global terms and
-- their site's. SQLite cannot change a primary key in place, so the table
-- is copied.

-- +goose Up
CREATE TABLE word_terms_new (
    site        TEXT    NOT NULL DEFAULT '',
    list        INTEGER NOT NULL,
    term        TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    created_by  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (site, list, term)
) STRICT, WITHOUT ROWID;
INSERT INTO word_terms_new (site, list, term, create_time, created_by)
SELECT '', list, term, create_time, created_by FROM word_terms;
DROP TABLE word_terms;
ALTER TABLE word_terms_new RENAME TO word_terms;

ALTER TABLE bans ADD COLUMN site         TEXT NOT NULL DEFAULT '';
-- The CreateBan request id and a hex hash of what it asked for (both ''
-- for a ban created without one): one ban per request id.
ALTER TABLE bans ADD COLUMN request_id   TEXT NOT NULL DEFAULT '';
ALTER TABLE bans ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX bans_request_id ON bans (request_id) WHERE request_id <> '';

-- +goose Down
DROP INDEX bans_request_id;
ALTER TABLE bans DROP COLUMN request_hash;
ALTER TABLE bans DROP COLUMN request_id;
ALTER TABLE bans DROP COLUMN site;

-- Site-scoped terms cannot be kept global: they go.
CREATE TABLE word_terms_old (
    list        INTEGER NOT NULL,
    term        TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    created_by  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (list, term)
) STRICT, WITHOUT ROWID;
INSERT INTO word_terms_old (list, term, create_time, created_by)
SELECT list, term, create_time, created_by FROM word_terms WHERE site = '';
DROP TABLE word_terms;
ALTER TABLE word_terms_old RENAME TO word_terms;
