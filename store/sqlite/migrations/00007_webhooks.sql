-- The webhooks' outbox: one row per event and endpoint, written in the
-- transaction of the change it tells of, with its delivery state. seq is
-- the order of storing, which per comment is the order of its changes
-- (one writer). States are moderation.DeliveryState values: 1 pending,
-- 2 delivered, 3 dead. Times are INTEGER unix microseconds, UTC.
--
-- leases: the webhook dispatcher's, so that one process at a time
-- delivers.

-- +goose Up
CREATE TABLE webhook_outbox (
    seq          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    event_id     TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    endpoint     TEXT    NOT NULL,
    site         TEXT    NOT NULL,
    comment_id   TEXT    NOT NULL,
    payload      BLOB    NOT NULL,
    create_time  INTEGER NOT NULL,
    state        INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    retry_since  INTEGER NOT NULL,
    last_attempt INTEGER,
    last_error   TEXT    NOT NULL DEFAULT '',
    done_time    INTEGER
) STRICT;

-- What is due, for the dispatcher.
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt) WHERE state = 1;
-- One comment's deliveries to one endpoint in order: whether an earlier
-- one is pending, what a dead one takes with it; and erasure's scrub.
CREATE INDEX webhook_outbox_comment ON webhook_outbox (comment_id, endpoint, seq);
-- Listings by state, newest first; the backlog; pruning.
CREATE INDEX webhook_outbox_state_time ON webhook_outbox (state, create_time, id);
-- Listings of every state.
CREATE INDEX webhook_outbox_time ON webhook_outbox (create_time, id);

CREATE TABLE leases (
    name        TEXT    NOT NULL PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expire_time INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE leases;
DROP TABLE webhook_outbox;
