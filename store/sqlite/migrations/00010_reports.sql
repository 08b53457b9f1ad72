-- Reader reports (moderation.Report): one row per reader and comment,
-- the reader named by a keyed hash (reporter_key), never an email. States
-- are moderation.ReportState values: 1 open, 2 upheld, 3 dismissed. Times
-- are INTEGER unix microseconds, UTC.
--
-- reporter_weights: each reader's weight on a site, which moderators'
-- verdicts on their reports move.

-- +goose Up
CREATE TABLE comment_reports (
    id           TEXT    NOT NULL PRIMARY KEY,
    site         TEXT    NOT NULL,
    comment_id   TEXT    NOT NULL,
    reporter_key TEXT    NOT NULL,
    reason       INTEGER NOT NULL CHECK (reason BETWEEN 1 AND 4),
    note         TEXT    NOT NULL DEFAULT '',
    state        INTEGER NOT NULL CHECK (state IN (1, 2, 3)),
    create_time  INTEGER NOT NULL,
    -- One report per reader and comment; also a comment's reports.
    UNIQUE (comment_id, reporter_key)
) STRICT;

-- The reported comments, for the queue.
CREATE INDEX comment_reports_open ON comment_reports (comment_id) WHERE state = 1;
-- A reader's reports, for erasure.
CREATE INDEX comment_reports_reporter ON comment_reports (reporter_key);

CREATE TABLE reporter_weights (
    site         TEXT NOT NULL,
    reporter_key TEXT NOT NULL,
    weight       REAL NOT NULL CHECK (weight > 0),
    PRIMARY KEY (site, reporter_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX reporter_weights_reporter ON reporter_weights (reporter_key);

-- +goose Down
DROP TABLE reporter_weights;
DROP TABLE comment_reports;
