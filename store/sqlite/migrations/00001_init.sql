-- The comments and the audit trail. Times are INTEGER unix microseconds,
-- UTC. Statuses are moderation.Status values, which are never renumbered.

-- +goose Up
CREATE TABLE comments (
    id               TEXT    NOT NULL PRIMARY KEY,
    site             TEXT    NOT NULL,
    article_id       TEXT    NOT NULL,
    parent_id        TEXT    NOT NULL DEFAULT '',
    author_name      TEXT    NOT NULL,
    author_email     TEXT    NOT NULL,
    author_email_key TEXT    NOT NULL,
    author_url       TEXT    NOT NULL DEFAULT '',
    body             TEXT    NOT NULL,
    ip               TEXT    NOT NULL DEFAULT '',
    user_agent       TEXT    NOT NULL DEFAULT '',
    referrer         TEXT    NOT NULL DEFAULT '',
    status           INTEGER NOT NULL,
    initial_status   INTEGER NOT NULL,
    reasons          TEXT    NOT NULL DEFAULT '[]',
    score            REAL    NOT NULL DEFAULT 0,
    request_id       TEXT    NOT NULL DEFAULT '',
    request_hash     BLOB,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL,
    moderated_by     TEXT    NOT NULL DEFAULT '',
    moderation_note  TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Idempotent submission: one comment per (site, request_id).
CREATE UNIQUE INDEX comments_site_request_id ON comments (site, request_id) WHERE request_id <> '';
-- An article's published listing in (create_time, id) order; its prefix
-- (site, article_id, status) also serves the published counts.
CREATE INDEX comments_article_status_time ON comments (site, article_id, status, create_time, id);
-- The moderation queue of one status.
CREATE INDEX comments_status_time ON comments (status, create_time, id);
-- The queue filtered by author.
CREATE INDEX comments_email_status_time ON comments (author_email_key, status, create_time, id);

CREATE TABLE audit_events (
    id          TEXT    NOT NULL PRIMARY KEY,
    create_time INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_events_time ON audit_events (create_time, id);
CREATE INDEX audit_events_actor_time ON audit_events (actor, create_time, id);
CREATE INDEX audit_events_target_time ON audit_events (target, create_time, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE comments;
