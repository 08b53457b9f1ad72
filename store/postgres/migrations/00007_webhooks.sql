-- The webhooks' outbox: one row per event and endpoint, written in the
-- transaction of the change it tells of, with its delivery state. seq is
-- the order of storing; one comment's changes are serialised by its row
-- lock, and each takes its seq after that lock, so per comment seq order
-- is the order of its changes. States are moderation.DeliveryState
-- values: 1 pending, 2 delivered, 3 dead.
--
-- leases: the webhook dispatcher's, so that one replica at a time
-- delivers.

-- +goose Up
CREATE TABLE webhook_outbox (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text COLLATE "C" NOT NULL UNIQUE,
    event_id     text        NOT NULL,
    event_type   text        NOT NULL,
    endpoint     text        NOT NULL,
    site         text        NOT NULL,
    comment_id   text COLLATE "C" NOT NULL,
    payload      bytea       NOT NULL,
    create_time  timestamptz NOT NULL,
    state        smallint    NOT NULL CHECK (state IN (1, 2, 3)),
    attempts     integer     NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL,
    retry_since  timestamptz NOT NULL,
    last_attempt timestamptz,
    last_error   text        NOT NULL DEFAULT '',
    done_time    timestamptz
);

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
    name        text        PRIMARY KEY,
    holder      text        NOT NULL,
    expire_time timestamptz NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE webhook_outbox;
