-- Word terms and bans scoped to one site ('' = every site, as every row
-- stored before this migration stays), and the request id of the
-- CreateBan call that made a ban, so that a retry returns that ban.
--
-- A word term is keyed by (site, list, term): the same term may be on a
-- list for every site and for one site, or for two sites, each added and
-- removed on its own; a site's submissions match the global terms and
-- their site's.

-- +goose Up
ALTER TABLE word_terms ADD COLUMN site text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE word_terms DROP CONSTRAINT word_terms_pkey;
ALTER TABLE word_terms ADD PRIMARY KEY (site, list, term);

ALTER TABLE bans ADD COLUMN site         text COLLATE "C" NOT NULL DEFAULT '';
-- The CreateBan request id and a hex hash of what it asked for (both ''
-- for a ban created without one): one ban per request id.
ALTER TABLE bans ADD COLUMN request_id   text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE bans ADD COLUMN request_hash text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX bans_request_id ON bans (request_id) WHERE request_id <> '';

-- +goose Down
DROP INDEX bans_request_id;
ALTER TABLE bans DROP COLUMN request_hash;
ALTER TABLE bans DROP COLUMN request_id;
ALTER TABLE bans DROP COLUMN site;

-- Site-scoped terms cannot be kept global: they go.
DELETE FROM word_terms WHERE site <> '';
ALTER TABLE word_terms DROP CONSTRAINT word_terms_pkey;
ALTER TABLE word_terms ADD PRIMARY KEY (list, term);
ALTER TABLE word_terms DROP COLUMN site;
