-- The queue's event log: one row per comment entering the queue (held
-- PENDING or filed as SPAM), written in the transaction that puts it
-- there, so that WatchQueue can resume after a position on any replica.
-- A writer only inserts its row (id, the order of the inserts); the
-- position, seq, is given later to committed rows by one assigner at a
-- time (store/postgres/queue.go), so seq order is commit order. queue_log
-- holds the horizon: the highest seq pruned, below which a watcher cannot
-- resume.

-- +goose Up
CREATE TABLE queue_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq         bigint UNIQUE, -- NULL until assigned
    comment_id  text COLLATE "C" NOT NULL,
    site        text        NOT NULL,
    article_id  text        NOT NULL,
    status      smallint    NOT NULL,
    create_time timestamptz NOT NULL
);

CREATE INDEX queue_events_time ON queue_events (create_time);
-- What the assigner has left to number: the events committed since the
-- last read, so a read that finds none costs an empty index probe.
CREATE INDEX queue_events_unassigned ON queue_events (id) WHERE seq IS NULL;

CREATE TABLE queue_log (
    id      smallint PRIMARY KEY CHECK (id = 1),
    horizon bigint   NOT NULL
);
INSERT INTO queue_log (id, horizon) VALUES (1, 0);

-- +goose Down
DROP TABLE queue_log;
DROP TABLE queue_events;
