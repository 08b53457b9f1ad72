-- Secrets of this deployment, made on first use and never shown: the key
-- that names authors in the audit trail by a keyed hash of their email, so
-- that a moderator who reads the trail cannot test a guessed address
-- against it ("was this email erased?"); only someone holding the
-- database can.

-- +goose Up
CREATE TABLE secrets (
    name  TEXT  NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Events written before named authors by an unkeyed hash of the email,
-- which anyone can recompute: they keep their action, actor and time.
UPDATE audit_events SET target = 'author' WHERE action LIKE 'author.%' AND target LIKE 'author:%';

-- +goose Down
DROP TABLE secrets;
