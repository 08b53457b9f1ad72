-- The queue's event log: one row per comment entering the queue (held
-- PENDING or filed as SPAM), written in the transaction that puts it
-- there, so that WatchQueue can resume after a position on any replica.
-- Its writers are serialised (a transaction-level advisory lock, taken
-- just before the insert), so seq order is commit order. queue_log holds
-- the horizon: the highest seq pruned, below which a watcher cannot
-- resume.

-- +goose Up
CREATE TABLE queue_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id  text COLLATE "C" NOT NULL,
    site        text        NOT NULL,
    article_id  text        NOT NULL,
    status      smallint    NOT NULL,
    create_time timestamptz NOT NULL
);

CREATE INDEX queue_events_time ON queue_events (create_time);

CREATE TABLE queue_log (
    id      smallint PRIMARY KEY CHECK (id = 1),
    horizon bigint   NOT NULL
);
INSERT INTO queue_log (id, horizon) VALUES (1, 0);

-- +goose Down
DROP TABLE queue_log;
DROP TABLE queue_events;
