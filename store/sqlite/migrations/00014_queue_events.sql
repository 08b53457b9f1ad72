-- The queue's event log: one row per comment entering the queue (held
-- PENDING or filed as SPAM), written in the transaction that puts it
-- there, so that WatchQueue can resume after a position on any replica.
-- SQLite has one writer at a time, so seq order is commit order.
-- AUTOINCREMENT: a pruned seq is never handed out again. queue_log holds
-- the horizon: the highest seq pruned, below which a watcher cannot
-- resume.

-- +goose Up
CREATE TABLE queue_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id  TEXT    NOT NULL,
    site        TEXT    NOT NULL,
    article_id  TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    create_time INTEGER NOT NULL
) STRICT;

CREATE INDEX queue_events_time ON queue_events (create_time);

CREATE TABLE queue_log (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    horizon INTEGER NOT NULL
) STRICT;
INSERT INTO queue_log (id, horizon) VALUES (1, 0);

-- +goose Down
DROP TABLE queue_log;
DROP TABLE queue_events;
