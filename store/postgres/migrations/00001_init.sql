-- The comments and the audit trail. Statuses are moderation.Status
-- values, which are never renumbered. Ids compare byte-wise (COLLATE "C"),
-- so the (create_time, id) listing order does not depend on the
-- database's locale and matches SQLite's.

-- +goose Up
CREATE TABLE comments (
    id               text COLLATE "C" PRIMARY KEY,
    site             text             NOT NULL,
    article_id       text             NOT NULL,
    parent_id        text             NOT NULL DEFAULT '',
    author_name      text             NOT NULL,
    author_email     text             NOT NULL,
    author_email_key text             NOT NULL,
    author_url       text             NOT NULL DEFAULT '',
    body             text             NOT NULL,
    ip               text             NOT NULL DEFAULT '',
    user_agent       text             NOT NULL DEFAULT '',
    referrer         text             NOT NULL DEFAULT '',
    status           smallint         NOT NULL,
    initial_status   smallint         NOT NULL,
    reasons          text             NOT NULL DEFAULT '[]',
    score            double precision NOT NULL DEFAULT 0,
    request_id       text             NOT NULL DEFAULT '',
    request_hash     bytea,
    create_time      timestamptz      NOT NULL,
    update_time      timestamptz      NOT NULL,
    moderated_by     text             NOT NULL DEFAULT '',
    moderation_note  text             NOT NULL DEFAULT ''
);

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
    id          text COLLATE "C" PRIMARY KEY,
    create_time timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    target      text        NOT NULL DEFAULT '',
    note        text        NOT NULL DEFAULT '',
    detail      text        NOT NULL DEFAULT ''
);

CREATE INDEX audit_events_time ON audit_events (create_time, id);
CREATE INDEX audit_events_actor_time ON audit_events (actor, create_time, id);
CREATE INDEX audit_events_target_time ON audit_events (target, create_time, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE comments;
